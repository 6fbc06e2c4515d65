import datetime as dt

import pytest
from django.utils import timezone

from openfunnel.activities.models import Activity, Attachment, Reminder
from openfunnel.activities.selectors import activities_visible_to, activity_get
from openfunnel.activities.services import (
    activity_create,
    activity_delete,
    activity_restore,
    activity_update,
    mentioned_users_in,
)
from openfunnel.activities.tests.conftest import upload
from openfunnel.audit.models import Event
from openfunnel.automation.models import Notification
from openfunnel.core.errors import NotFound, PermissionDenied, ValidationFailed
from openfunnel.customers.models import CustomerShare


def test_create_touches_customer_plans_reminder_and_records_event(personas, alice_customer, alice_contact):
    occurred = timezone.now() - dt.timedelta(hours=2)
    next_at = timezone.now() + dt.timedelta(days=3)
    activity = activity_create(actor=personas.alice, kind="visit", content="  On site  ", occurred_at=occurred,
                               contact=alice_contact, next_follow_up_at=next_at,
                               files=[upload("a.txt"), upload("b.pdf", b"%PDF")])
    assert activity.customer == alice_customer and activity.content == "On site"
    alice_customer.refresh_from_db()
    assert alice_customer.last_follow_up_at == occurred and alice_customer.next_follow_up_at == next_at
    reminder = Reminder.objects.get()
    assert reminder.user == personas.alice and reminder.due_at == next_at and reminder.customer == alice_customer
    assert reminder.message == f"Follow up with {alice_customer.name}"
    assert sorted(Attachment.objects.values_list("name", flat=True)) == ["a.txt", "b.pdf"]
    assert Attachment.objects.filter(customer=alice_customer, activity=activity).count() == 2
    event = Event.objects.get(verb="activity.created")
    assert event.customer_id == alice_customer.pk and event.object_id == activity.pk
    assert set(event.data) == {"kind", "content", "activity_id", "occurred_at", "author_name", "attachments",
                               "opportunity_id"}
    assert event.data["attachments"] == ["a.txt", "b.pdf"] and event.data["author_name"] == "Alice Rep"


def test_a_new_follow_up_settles_the_authors_older_reminder(personas, alice_customer):
    activity_create(actor=personas.alice, kind="call", content="first", customer=alice_customer,
                    next_follow_up_at=timezone.now() + dt.timedelta(days=1))
    activity_create(actor=personas.alice, kind="call", content="second", customer=alice_customer)
    assert Reminder.objects.get().done_at is not None


def test_mentions_notify_each_active_user_once(personas, alice_customer):
    personas.carol.is_active = False
    personas.carol.save()
    activity_create(actor=personas.alice, kind="call", content="see @bob and @mike", customer=alice_customer,
                    mentions=[personas.bob.pk, personas.manager, personas.alice.pk])
    notes = Notification.objects.order_by("recipient_id")
    assert {n.recipient for n in notes} == {personas.bob, personas.manager}
    assert all(n.kind == "mention" and n.object_type == "activity" for n in notes)
    with pytest.raises(ValidationFailed) as error:
        activity_create(actor=personas.alice, kind="call", content="x", customer=alice_customer,
                        mentions=[personas.carol.pk])
    assert "mentions" in error.value.fields


def test_mentioned_users_in_text(personas):
    assert {u.username for u in mentioned_users_in("@bob 看一下, @mike你好 and @nobody, mail@ x")} == {"bob", "mike"}
    assert mentioned_users_in("no mentions") == []


def test_out_of_scope_customer_is_not_found(personas, carol_customer):
    with pytest.raises(NotFound):
        activity_create(actor=personas.alice, kind="call", content="x", customer=carol_customer)
    assert not Activity.objects.exists()


def test_shared_customer_can_be_followed_up(personas, carol_customer):
    CustomerShare.objects.create(customer=carol_customer, user=personas.alice)
    activity = activity_create(actor=personas.alice, kind="call", content="x", customer=carol_customer)
    assert activity_get(actor=personas.carol, id=activity.pk) == activity


def test_contact_of_another_customer_is_a_validation_error(personas, alice_customer, alice_contact):
    from openfunnel.customers.services import customer_create

    other = customer_create(actor=personas.alice, name="Suzhou Other Pumps")
    with pytest.raises(ValidationFailed) as error:
        activity_create(actor=personas.alice, kind="call", content="x", customer=other, contact=alice_contact)
    assert "contact" in error.value.fields
    assert not Activity.objects.exists()


@pytest.mark.parametrize("kwargs,field", [
    ({"content": ""}, "content"),
    ({"content": "x" * 5001}, "content"),
    ({"kind": "fax"}, "kind"),
    ({"occurred_at": timezone.now() + dt.timedelta(days=2)}, "occurred_at"),
    ({"next_follow_up_at": timezone.now() - dt.timedelta(days=2)}, "next_follow_up_at"),
    ({"files": [upload(str(i)) for i in range(6)]}, "files"),
    ({"files": [upload("big.bin", b"x" * (10 * 1024 * 1024 + 1))]}, "files"),
])
def test_invalid_input_changes_nothing(personas, alice_customer, kwargs, field):
    values = {"kind": "call", "content": "ok", "customer": alice_customer, **kwargs}
    with pytest.raises(ValidationFailed) as error:
        activity_create(actor=personas.alice, **values)
    assert field in error.value.fields
    assert not Activity.objects.exists() and not Attachment.objects.exists() and not Event.objects.filter(
        verb="activity.created").exists()


def test_no_record_and_no_permission(personas, alice_customer):
    with pytest.raises(ValidationFailed):
        activity_create(actor=personas.alice, kind="call", content="x")
    with pytest.raises(PermissionDenied):
        activity_create(actor=personas.finance, kind="call", content="x", customer=alice_customer)


def test_lead_follow_up_touches_the_lead(personas, alice_lead, carol_lead):
    next_at = timezone.now() + dt.timedelta(days=2)
    activity = activity_create(actor=personas.alice, kind="call", content="intro call", lead=alice_lead,
                               next_follow_up_at=next_at)
    alice_lead.refresh_from_db()
    assert alice_lead.last_follow_up_at == activity.occurred_at and alice_lead.next_follow_up_at == next_at
    assert Event.objects.get(verb="activity.created").lead_id == alice_lead.pk
    assert Reminder.objects.get().lead == alice_lead
    with pytest.raises(NotFound):
        activity_create(actor=personas.alice, kind="call", content="x", lead=carol_lead)


def test_scope_of_follow_ups(personas, alice_customer, carol_customer):
    mine = activity_create(actor=personas.alice, kind="call", content="a", customer=alice_customer)
    theirs = activity_create(actor=personas.carol, kind="call", content="c", customer=carol_customer)
    assert list(activities_visible_to(personas.alice)) == [mine]
    assert list(activities_visible_to(personas.bob)) == []
    assert set(activities_visible_to(personas.manager)) == {mine}
    assert set(activities_visible_to(personas.director)) == {mine, theirs}
    with pytest.raises(NotFound):
        activity_get(actor=personas.bob, id=mine.pk)


def test_update_by_author_within_seven_days(personas, alice_customer):
    activity = activity_create(actor=personas.alice, kind="call", content="a", customer=alice_customer)
    with pytest.raises(PermissionDenied):
        activity_update(actor=personas.manager, activity=activity, data={"content": "b"})
    next_at = timezone.now() + dt.timedelta(days=5)
    activity_update(actor=personas.alice, activity=activity, data={"content": "b", "next_follow_up_at": next_at})
    activity.refresh_from_db()
    assert activity.content == "b"
    event = Event.objects.get(verb="activity.updated")
    assert event.changes["content"] == ["a", "b"] and event.customer_id == alice_customer.pk
    assert Reminder.objects.get(done_at__isnull=True).due_at == next_at
    Activity.objects.filter(pk=activity.pk).update(created_at=timezone.now() - dt.timedelta(days=8))
    with pytest.raises(PermissionDenied):
        activity_update(actor=personas.alice, activity=activity, data={"content": "c"})
    with pytest.raises(ValidationFailed):
        Activity.objects.filter(pk=activity.pk).update(created_at=timezone.now())
        activity_update(actor=personas.alice, activity=activity, data={"customer": 1})


def test_delete_by_author_or_editor_and_restore(personas, alice_customer):
    activity = activity_create(actor=personas.alice, kind="call", content="a", customer=alice_customer,
                               next_follow_up_at=timezone.now() + dt.timedelta(days=1))
    with pytest.raises(PermissionDenied):
        activity_delete(actor=personas.bob, activity=activity)  # bob cannot even see it, nor edit it
    activity_delete(actor=personas.manager, activity=activity)  # may edit alice's customer
    activity.refresh_from_db()
    assert activity.deleted_at is not None and activity.deleted_by == personas.manager
    assert Reminder.objects.get().done_at is not None
    assert not activities_visible_to(personas.alice).exists()
    assert Event.objects.get(verb="activity.deleted").customer_id == alice_customer.pk
    with pytest.raises(PermissionDenied):
        activity_restore(actor=personas.alice, id=activity.pk)
    activity_restore(actor=personas.admin, id=activity.pk)
    assert activities_visible_to(personas.alice).get() == activity


def test_deleted_follow_ups_are_in_the_recycle_bin(personas, alice_customer):
    from openfunnel.audit.selectors import recycle_bin_for
    from openfunnel.audit.services import recycle_restore

    activity = activity_create(actor=personas.alice, kind="call", content="to the bin", customer=alice_customer)
    activity_delete(actor=personas.alice, activity=activity)
    items = list(recycle_bin_for(actor=personas.admin, kind="activity")[:10])
    assert [(i.kind, i.id) for i in items] == [("activity", activity.pk)]
    recycle_restore(actor=personas.admin, kind="activity", id=activity.pk)
    assert Event.objects.filter(verb="activity.restored", customer_id=alice_customer.pk).exists()
