"""The bulk path leaves exactly what logging the same follow-ups one by one leaves."""

import datetime as dt

import pytest
from django.utils import timezone

from openfunnel.activities.models import Activity, Reminder
from openfunnel.activities.services import FollowUpRow, activity_bulk_create, activity_create
from openfunnel.audit.models import Event
from openfunnel.automation.models import Notification
from openfunnel.core.errors import NotFound, ValidationFailed
from openfunnel.customers.models import Customer
from openfunnel.customers.services import customer_create
from openfunnel.leads.models import Lead
from openfunnel.leads.services import lead_create


def _plan(personas, customer, lead):
    now = timezone.now()
    return [
        dict(author=personas.alice, kind="call", content="first call", occurred_at=now - dt.timedelta(days=3),
             customer=customer, next_follow_up_at=now + dt.timedelta(days=1)),
        dict(author=personas.alice, kind="visit", content="visit @mike", occurred_at=now - dt.timedelta(days=1),
             customer=customer, next_follow_up_at=now + dt.timedelta(days=2), mentions=[personas.manager]),
        dict(author=personas.alice, kind="wechat", content="lead chat", occurred_at=now - dt.timedelta(hours=5),
             lead=lead),
    ]


def _state(customer, lead):
    customer.refresh_from_db()
    lead.refresh_from_db()
    return {
        "activities": sorted(Activity.objects.values_list("kind", "content", "author_id", "customer_id", "lead_id")),
        "customer": (customer.last_follow_up_at, customer.next_follow_up_at),
        "lead": (lead.last_follow_up_at, lead.status),
        "reminders": sorted((r.user_id, r.due_at, r.done_at is None) for r in Reminder.objects.all()),
        "events": Event.objects.filter(verb="activity.created").count(),
        "mentions": Notification.objects.filter(kind="mention", recipient=customer.owner.manager).count(),
    }


@pytest.mark.parametrize("path", ["one_by_one", "bulk"])
def test_bulk_and_single_paths_leave_the_same_rows(personas, path, django_db_blocker):
    customer = customer_create(actor=personas.alice, name="Same Result Co")
    lead = lead_create(actor=personas.alice, company="Lead For Bulk")
    plan = _plan(personas, customer, lead)
    if path == "one_by_one":
        for row in plan:
            activity_create(actor=row.pop("author"), **row)
    else:
        activity_bulk_create(actor=personas.alice, rows=[FollowUpRow(**row) for row in plan])
    state = _state(customer, lead)
    assert state["customer"] == (plan[1]["occurred_at"], plan[1]["next_follow_up_at"])
    assert state["lead"] == (plan[2]["occurred_at"], Lead.Status.CONTACTED)
    assert [open_ for _u, _d, open_ in state["reminders"]] == [False, True]
    assert state["events"] == 3 and state["mentions"] == 1
    assert len(state["activities"]) == 3


def test_bulk_refuses_records_out_of_scope_and_bad_rows(personas):
    carols = customer_create(actor=personas.carol, name="Carol Only")
    with pytest.raises(NotFound):
        activity_bulk_create(actor=personas.alice, rows=[FollowUpRow(
            author=personas.alice, kind="call", content="x", occurred_at=timezone.now(), customer=carols)])
    mine = customer_create(actor=personas.alice, name="Mine")
    with pytest.raises(ValidationFailed) as error:
        activity_bulk_create(actor=personas.alice, rows=[
            FollowUpRow(author=personas.alice, kind="call", content="ok", occurred_at=timezone.now(), customer=mine),
            FollowUpRow(author=personas.alice, kind="call", content="", occurred_at=timezone.now(), customer=mine)])
    assert error.value.extra["row"] == 2
    with pytest.raises(ValidationFailed):
        activity_bulk_create(actor=personas.alice, rows=[FollowUpRow(
            author=personas.bob, kind="call", content="as bob", occurred_at=timezone.now(), customer=mine)])
    assert not Activity.objects.exists()
    assert Customer.objects.get(pk=mine.pk).last_follow_up_at is None
