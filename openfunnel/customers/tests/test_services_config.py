import pytest

from openfunnel.audit.models import Event
from openfunnel.core.errors import PermissionDenied, ValidationFailed
from openfunnel.customers.models import CustomerLevel, DedupSettings, Tag
from openfunnel.customers.services import (
    customer_create,
    customer_update,
    dedup_settings_update,
    level_create,
    level_deactivate,
    level_update,
    tag_create,
    tag_delete,
    tag_update,
)


def test_levels(personas):
    level = level_create(actor=personas.admin, code="S", name="战略客户", order=5)
    assert level.code == "s" and Event.objects.filter(verb="customer_level.created").exists()
    with pytest.raises(ValidationFailed) as error:
        level_create(actor=personas.admin, code="VIP", name="Dup")
    assert "code" in error.value.fields
    with pytest.raises(ValidationFailed):
        level_create(actor=personas.admin, code="no spaces", name="X")
    level_update(actor=personas.admin, level=level, data={"name": "战略"})
    assert Event.objects.get(verb="customer_level.updated").changes == {"name": ["战略客户", "战略"]}
    level_deactivate(actor=personas.admin, level=level)
    level.refresh_from_db()
    assert not level.is_active
    with pytest.raises(PermissionDenied):
        level_create(actor=personas.manager, code="x", name="X")
    assert CustomerLevel.objects.count() == 5


def test_tags(personas):
    tag = tag_create(actor=personas.admin, name="重点客户", color="#ff0000")
    with pytest.raises(ValidationFailed):
        tag_create(actor=personas.admin, name="重点客户")
    with pytest.raises(ValidationFailed):
        tag_create(actor=personas.admin, name="Y", color="red")
    tag_update(actor=personas.admin, tag=tag, data={"color": "#00ff00"})
    customer = customer_create(actor=personas.alice, name="Acme", tags=[tag])
    tag_delete(actor=personas.admin, tag=tag)
    assert not Tag.objects.exists() and customer.tags.count() == 0
    assert Event.objects.get(verb="tag.deleted").data == {"name": "重点客户", "customers": 1}
    with pytest.raises(PermissionDenied):
        tag_create(actor=personas.alice, name="Z")


def test_dedup_settings_choose_what_is_compared(personas):
    customer_create(actor=personas.alice, name="Acme", phone="13800138000")
    dedup_settings_update(actor=personas.admin, data={"check_phone": False})
    assert DedupSettings.current().check_phone is False
    assert Event.objects.get(verb="dedup_settings.updated").changes == {"check_phone": [True, False]}
    other = customer_create(actor=personas.carol, name="Beta", phone="138 0013 8000")
    customer_update(actor=personas.carol, customer=other, data={"phone": "13800138000"})
    with pytest.raises(PermissionDenied):
        dedup_settings_update(actor=personas.manager, data={"check_name": False})
    with pytest.raises(ValidationFailed):
        dedup_settings_update(actor=personas.admin, data={"check_fax": True})
