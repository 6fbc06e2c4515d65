import datetime as dt

import pytest

from openfunnel.audit.models import Event
from openfunnel.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from openfunnel.core.recycle import KINDS
from openfunnel.customers import selectors
from openfunnel.customers.models import Contact
from openfunnel.customers.services import (
    contact_create,
    contact_delete,
    contact_restore,
    contact_set_primary,
    contact_update,
    customer_create,
    customer_delete,
    customer_share,
)


@pytest.fixture
def acme(personas):
    return customer_create(actor=personas.alice, name="Acme")


def test_update_diff_on_customer_timeline_and_stale_version(personas, acme):
    contact = contact_create(actor=personas.alice, customer=acme, name="王经理", phone="13800138000")
    updated = contact_update(
        actor=personas.alice,
        contact=contact,
        expected_version=1,
        data={"title": "采购经理", "decision_role": "decision_maker", "phone": "+86 139 0000 1111"},
    )
    assert updated.version == 2 and updated.phone_key == "13900001111"
    event = Event.objects.get(verb="contact.updated")
    assert event.customer_id == acme.pk
    assert set(event.changes) == {"title", "decision_role", "phone"}
    with pytest.raises(Conflict) as error:
        contact_update(actor=personas.alice, contact=contact, expected_version=1, data={"title": "X"})
    assert error.value.code == "stale_version"


def test_invalid_contact_values(personas, acme):
    contact = contact_create(actor=personas.alice, customer=acme, name="Li")
    for data, field in [
        ({"name": ""}, "name"),
        ({"phone": "12"}, "phone"),
        ({"email": "x@"}, "email"),
        ({"decision_role": "boss"}, "decision_role"),
        ({"customer": acme}, "customer"),
        ({"birthday": dt.date.today() + dt.timedelta(days=3)}, "birthday"),
    ]:
        with pytest.raises(ValidationFailed) as error:
            contact_update(actor=personas.alice, contact=contact, data=data)
        assert field in error.value.fields, data


def test_only_one_primary_contact(personas, acme):
    first = contact_create(actor=personas.alice, customer=acme, name="A")
    second = contact_create(actor=personas.alice, customer=acme, name="B")
    assert first.is_primary and not second.is_primary
    contact_set_primary(actor=personas.alice, contact=second)
    assert list(Contact.objects.filter(is_primary=True)) == [second]
    third = contact_create(actor=personas.alice, customer=acme, name="C", is_primary=True)
    assert list(Contact.objects.filter(is_primary=True)) == [third]


def test_delete_promotes_another_primary_and_restore_keeps_one_primary(personas, acme):
    first = contact_create(actor=personas.alice, customer=acme, name="A")
    second = contact_create(actor=personas.alice, customer=acme, name="B")
    contact_delete(actor=personas.alice, contact=first)
    second.refresh_from_db()
    assert second.is_primary
    assert list(selectors.customer_contacts(actor=personas.alice, customer=acme)) == [second]
    assert list(KINDS["contact"].deleted(personas.alice)) == [first]
    restored = KINDS["contact"].restore(actor=personas.alice, id=first.pk)
    assert restored.deleted_at is None and not restored.is_primary
    verbs = set(Event.objects.filter(customer_id=acme.pk).values_list("verb", flat=True))
    assert {"contact.deleted", "contact.restored"} <= verbs


def test_contact_restore_waits_for_its_customer(personas, acme):
    contact = contact_create(actor=personas.alice, customer=acme, name="A")
    contact_delete(actor=personas.alice, contact=contact)
    customer_delete(actor=personas.manager, customer=acme)
    with pytest.raises(ValidationFailed):
        contact_restore(actor=personas.manager, id=contact.pk)
    with pytest.raises(NotFound):
        contact_restore(actor=personas.carol, id=contact.pk)


def test_read_only_collaborator_cannot_change_contacts(personas, acme):
    contact = contact_create(actor=personas.alice, customer=acme, name="A")
    customer_share(actor=personas.alice, customer=acme, user=personas.carol)
    assert selectors.contact_get(actor=personas.carol, id=contact.pk) == contact
    with pytest.raises(PermissionDenied):
        contact_update(actor=personas.carol, contact=contact, data={"title": "X"})
    with pytest.raises(PermissionDenied):
        contact_create(actor=personas.carol, customer=acme, name="B")
    with pytest.raises(PermissionDenied):
        contact_delete(actor=personas.finance, contact=contact)
    assert Contact.objects.count() == 1
