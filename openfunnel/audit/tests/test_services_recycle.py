import pytest

from openfunnel.accounts.models import Department
from openfunnel.audit.selectors import recycle_bin_for
from openfunnel.audit.services import recycle_restore
from openfunnel.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed


def test_bin_lists_registered_kinds_newest_first_and_pages(personas, fake_kind):
    for i in range(5):
        Department.objects.create(name=f"Deleted {i}", parent=personas.hq)
    items = recycle_bin_for(actor=personas.admin, kind="fakedept")
    assert items.count() == 5 and len(items) == 5
    assert [item.title for item in items[0:2]] == ["Deleted 4", "Deleted 3"]
    assert [item.title for item in items[2:5]] == ["Deleted 2", "Deleted 1", "Deleted 0"]
    assert items[0].kind == "fakedept" and items[0].deleted_at is not None
    assert recycle_bin_for(actor=personas.admin).count() >= 5


def test_restore_calls_the_kind_and_maps_its_errors(personas, fake_kind):
    gone = Department.objects.create(name="Deleted Sales West", parent=personas.hq)
    clash = Department.objects.create(name="Deleted clash", parent=personas.hq)
    restored = recycle_restore(actor=personas.admin, kind="fakedept", id=gone.pk)
    assert restored.name == "Sales West" and fake_kind["ids"] == [gone.pk]
    with pytest.raises(Conflict) as error:
        recycle_restore(actor=personas.admin, kind="fakedept", id=clash.pk)
    assert error.value.code == "duplicate"
    with pytest.raises(NotFound):
        recycle_restore(actor=personas.admin, kind="nosuchkind", id=clash.pk)
    with pytest.raises(NotFound):
        recycle_restore(actor=personas.admin, kind="fakedept", id="abc")


def test_recycle_bin_needs_recycle_manage(personas, fake_kind):
    gone = Department.objects.create(name="Deleted X", parent=personas.hq)
    for actor in (personas.alice, personas.manager, personas.director, personas.finance):
        with pytest.raises(PermissionDenied):
            recycle_bin_for(actor=actor)
        with pytest.raises(PermissionDenied):
            recycle_restore(actor=actor, kind="fakedept", id=gone.pk)
    assert fake_kind["ids"] == []


def test_unknown_kind_filter_is_a_field_error(personas):
    with pytest.raises(ValidationFailed):
        recycle_bin_for(actor=personas.admin, kind="nosuchkind")
