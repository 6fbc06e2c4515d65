from decimal import Decimal

import pytest

from openfunnel.audit.models import Event
from openfunnel.automation.models import Notification
from openfunnel.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from openfunnel.core.recycle import KINDS
from openfunnel.core.testing import VALID_USCC
from openfunnel.customers import selectors
from openfunnel.customers.models import Customer, CustomerLevel, CustomerShare, Tag
from openfunnel.customers.services import (
    contact_create,
    customer_create,
    customer_delete,
    customer_restore,
    customer_share,
    customer_transfer,
    customer_unshare,
    customer_update,
)


@pytest.fixture
def acme(personas):
    return customer_create(actor=personas.alice, name="Acme Machinery Co., Ltd.", phone="13800138000")


def test_update_records_field_diff_on_the_timeline_and_bumps_version(personas, acme):
    level_a = CustomerLevel.objects.get(code="a")
    updated = customer_update(
        actor=personas.alice,
        customer=acme,
        expected_version=1,
        data={"region": " 上海 ", "level": level_a, "status": "deal"},
    )
    assert updated.version == 2 and updated.region == "上海"
    event = Event.objects.get(verb="customer.updated")
    assert event.customer_id == acme.pk and event.actor == personas.alice
    assert event.changes == {
        "region": ["", "上海"],
        "level": [None, level_a.pk],
        "status": ["potential", "deal"],
    }
    customer_update(actor=personas.alice, customer=acme, data={"region": "上海"})
    assert Event.objects.filter(verb="customer.updated").count() == 1  # no change, no event


def test_update_with_stale_version_is_a_conflict_and_changes_nothing(personas, acme):
    customer_update(actor=personas.alice, customer=acme, data={"region": "A"})
    with pytest.raises(Conflict) as error:
        customer_update(actor=personas.alice, customer=acme, expected_version=1, data={"region": "B"})
    assert error.value.code == "stale_version"
    acme.refresh_from_db()
    assert acme.region == "A" and acme.version == 2


def test_update_renormalizes_keys_and_keeps_them_out_of_the_diff(personas, acme):
    customer_update(
        actor=personas.alice,
        customer=acme,
        data={"phone": "+86 139-0000-1111", "email": " Sales@Acme.CN ", "name": "Acme Tools"},
    )
    acme.refresh_from_db()
    assert (
        acme.phone_key == "13900001111" and acme.email_key == "sales@acme.cn" and acme.name_key == "acmetools"
    )
    changes = Event.objects.get(verb="customer.updated").changes
    assert set(changes) == {"phone", "email", "name"}


def test_tags_are_replaced_and_diffed_by_name(personas, acme):
    vip, export = Tag.objects.create(name="重点"), Tag.objects.create(name="出口")
    customer_update(actor=personas.alice, customer=acme, data={"tags": [vip, export]})
    acme.refresh_from_db()
    assert acme.version == 2 and set(acme.tags.values_list("name", flat=True)) == {"重点", "出口"}
    assert Event.objects.get(verb="customer.updated").changes == {"tags": [[], ["出口", "重点"]]}


def test_duplicate_on_edit_names_the_other_record(personas, acme):
    other = customer_create(actor=personas.carol, name="Beta Trading")
    with pytest.raises(Conflict) as error:
        customer_update(actor=personas.carol, customer=other, data={"name": "ACME MACHINERY"})
    assert error.value.code == "duplicate"
    assert (
        error.value.extra["existing"]["owner_name"] == "Alice Rep"
        and "id" not in error.value.extra["existing"]
    )
    other.refresh_from_db()
    assert other.name == "Beta Trading"
    # Saving its own unchanged values is not a duplicate of itself.
    customer_update(
        actor=personas.alice,
        customer=acme,
        data={"name": "Acme Machinery Co., Ltd.", "phone": "138 0013 8000"},
    )


def test_duplicate_phone_on_edit(personas, acme):
    other = customer_create(actor=personas.bob, name="Gamma")
    with pytest.raises(Conflict):
        customer_update(actor=personas.bob, customer=other, data={"phone": "138-0013-8000"})


def test_invalid_values_are_field_errors(personas, acme):
    for data, field in [
        ({"lat": Decimal("200"), "lng": Decimal("1")}, "lat"),
        ({"lat": Decimal("30")}, "lng"),
        ({"uscc": "123"}, "uscc"),
        ({"email": "nope"}, "email"),
        ({"status": "won"}, "status"),
        ({"name": "  "}, "name"),
        ({"name": "x" * 201}, "name"),
        ({"owner": personas.bob}, "owner"),
    ]:
        with pytest.raises(ValidationFailed) as error:
            customer_update(actor=personas.alice, customer=acme, data=data)
        assert field in error.value.fields, data
    acme.refresh_from_db()
    assert acme.version == 1


def test_retired_level_cannot_be_given_but_may_be_kept(personas, acme):
    level = CustomerLevel.objects.get(code="c")
    customer_update(actor=personas.alice, customer=acme, data={"level": level})
    level.is_active = False
    level.save()
    customer_update(actor=personas.alice, customer=acme, data={"level": level, "region": "X"})
    other = customer_create(actor=personas.alice, name="Other")
    with pytest.raises(ValidationFailed):
        customer_update(actor=personas.alice, customer=other, data={"level": level})


def test_coordinates_are_rounded_to_the_stored_precision(personas, acme):
    customer_update(
        actor=personas.alice,
        customer=acme,
        data={"lat": Decimal("31.230416789"), "lng": Decimal("121.473701234")},
    )
    acme.refresh_from_db()
    assert acme.lat == Decimal("31.230417") and acme.lng == Decimal("121.473701")


def test_finance_reads_everything_but_may_not_edit(personas, acme):
    assert selectors.customer_get(actor=personas.finance, id=acme.pk) == acme
    with pytest.raises(PermissionDenied):
        customer_update(actor=personas.finance, customer=acme, data={"region": "X"})


def test_soft_delete_and_restore(personas, acme):
    with pytest.raises(PermissionDenied):
        customer_delete(actor=personas.alice, customer=acme)  # reps have no customers.delete
    customer_delete(actor=personas.manager, customer=acme)
    acme.refresh_from_db()
    assert acme.deleted_at is not None and acme.deleted_by == personas.manager
    assert not selectors.customers_visible_to(personas.alice).exists()
    assert list(KINDS["customer"].deleted(personas.manager)) == [acme]
    assert not KINDS["customer"].deleted(personas.carol).exists()
    with pytest.raises(NotFound):
        customer_restore(actor=personas.carol, id=acme.pk)  # out of scope: not even its existence
    with pytest.raises(PermissionDenied):
        customer_restore(actor=personas.alice, id=acme.pk)  # her own customer, but reps cannot restore
    restored = KINDS["customer"].restore(actor=personas.manager, id=acme.pk)
    assert restored.deleted_at is None
    verbs = list(Event.objects.filter(customer_id=acme.pk).values_list("verb", flat=True))
    assert "customer.deleted" in verbs and "customer.restored" in verbs


def test_restore_refused_when_a_duplicate_appeared_meanwhile(personas, acme):
    customer_delete(actor=personas.manager, customer=acme)
    customer_create(actor=personas.carol, name="ACME Machinery")  # allowed: the first one is deleted
    with pytest.raises(Conflict) as error:
        customer_restore(actor=personas.manager, id=acme.pk)
    assert error.value.code == "duplicate"
    acme.refresh_from_db()
    assert acme.deleted_at is not None


def test_transfer_moves_owner_resets_owner_since_notifies_and_audits(personas, acme):
    before_since = acme.owner_since
    customer_transfer(actor=personas.manager, customer=acme, owner=personas.bob)
    acme.refresh_from_db()
    assert acme.owner == personas.bob and acme.owner_since > before_since
    event = Event.objects.get(verb="customer.owner_changed")
    assert event.customer_id == acme.pk and event.changes == {"owner": [personas.alice.pk, personas.bob.pk]}
    assert event.data["to_owner_name"] == "Bob Rep"
    assert Notification.objects.filter(recipient=personas.bob, object_id=acme.pk).exists()


def test_transfer_rules(personas, acme):
    with pytest.raises(PermissionDenied):
        customer_transfer(actor=personas.alice, customer=acme, owner=personas.bob)  # no customers.transfer
    with pytest.raises(ValidationFailed) as error:
        customer_transfer(actor=personas.manager, customer=acme, owner=personas.carol)  # outside mike's scope
    assert "owner" in error.value.fields
    personas.bob.is_active = False
    personas.bob.save()
    with pytest.raises(ValidationFailed):
        customer_transfer(actor=personas.manager, customer=acme, owner=personas.bob)
    with pytest.raises(ValidationFailed):
        customer_transfer(actor=personas.manager, customer=acme, owner=personas.alice)  # already the owner
    carols = customer_create(actor=personas.carol, name="North Co")
    customer_share(actor=personas.carol, customer=carols, user=personas.manager, can_edit=True)
    with pytest.raises(PermissionDenied):  # an editing collaborator still cannot give it away
        customer_transfer(actor=personas.manager, customer=carols, owner=personas.alice)
    customer_transfer(actor=personas.director, customer=acme, owner=personas.carol)


def test_share_gives_read_access_and_read_write_edit(personas, acme):
    with pytest.raises(NotFound):
        selectors.customer_get(actor=personas.bob, id=acme.pk)
    customer_share(actor=personas.alice, customer=acme, user=personas.bob)
    assert selectors.customer_get(actor=personas.bob, id=acme.pk) == acme
    with pytest.raises(PermissionDenied):
        selectors.customer_get_for_edit(actor=personas.bob, id=acme.pk)
    with pytest.raises(PermissionDenied):
        customer_update(actor=personas.bob, customer=acme, data={"region": "X"})
    assert Notification.objects.filter(recipient=personas.bob, kind="share").count() == 1
    customer_share(actor=personas.alice, customer=acme, user=personas.bob, can_edit=True)
    customer_update(actor=personas.bob, customer=acme, data={"region": "X"})
    assert selectors.contacts_visible_to(personas.bob).count() == 0
    contact_create(actor=personas.bob, customer=acme, name="Li")  # an editor may add contacts
    events = Event.objects.filter(verb="customer.shared", customer_id=acme.pk)
    assert events.count() == 2 and events.first().data["can_edit"] is True


def test_share_rules(personas, acme):
    with pytest.raises(NotFound):
        selectors.customer_get(actor=personas.carol, id=acme.pk)
    with pytest.raises(ValidationFailed):
        customer_share(actor=personas.alice, customer=acme, user=personas.alice)  # the owner
    customer_share(actor=personas.alice, customer=acme, user=personas.carol)
    with pytest.raises(PermissionDenied):  # a read-only collaborator may not share further
        customer_share(actor=personas.carol, customer=acme, user=personas.bob)
    customer_share(actor=personas.alice, customer=acme, user=personas.carol)  # unchanged: no second event
    assert Event.objects.filter(verb="customer.shared").count() == 1


def test_unshare_removes_access(personas, acme):
    customer_share(actor=personas.alice, customer=acme, user=personas.carol, can_edit=True)
    customer_unshare(actor=personas.alice, customer=acme, user=personas.carol)
    assert not CustomerShare.objects.exists()
    with pytest.raises(NotFound):
        selectors.customer_get(actor=personas.carol, id=acme.pk)
    with pytest.raises(ValidationFailed):
        customer_unshare(actor=personas.alice, customer=acme, user=personas.carol)
    assert Event.objects.filter(verb="customer.unshared", customer_id=acme.pk).count() == 1


def test_collaborator_may_leave(personas, acme):
    customer_share(actor=personas.alice, customer=acme, user=personas.carol)
    customer_unshare(actor=personas.carol, customer=acme, user=personas.carol)
    assert not CustomerShare.objects.exists()


def test_transfer_to_a_collaborator_drops_their_share(personas, acme):
    customer_share(actor=personas.alice, customer=acme, user=personas.bob)
    customer_transfer(actor=personas.manager, customer=acme, owner=personas.bob)
    assert not CustomerShare.objects.exists()


def test_create_for_another_owner_needs_transfer_permission(personas):
    with pytest.raises(PermissionDenied):
        customer_create(actor=personas.alice, name="X Co", owner=personas.bob)
    created = customer_create(actor=personas.manager, name="X Co", owner=personas.bob, uscc=VALID_USCC[1])
    assert created.owner == personas.bob
    assert not Customer.objects.filter(owner=personas.alice).exists()
