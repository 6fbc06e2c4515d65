import datetime as dt
import json
from io import StringIO

from django.core.management import call_command
from django.utils import timezone

from openfunnel.activities.jobs import reminders_notify_due
from openfunnel.activities.models import Reminder
from openfunnel.activities.services import activity_create, task_create
from openfunnel.automation.models import Notification

NOW = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=8)))


def make_reminders(personas, customer):
    activity_create(actor=personas.alice, kind="call", content="x", customer=customer,
                    occurred_at=NOW - dt.timedelta(days=3), next_follow_up_at=NOW - dt.timedelta(minutes=5))
    task_create(actor=personas.manager, title="later", assignee=personas.bob, remind_at=NOW + dt.timedelta(hours=1))
    task_create(actor=personas.manager, title="now", assignee=personas.bob, remind_at=NOW)


def test_due_reminders_are_notified_once(personas, alice_customer):
    make_reminders(personas, alice_customer)
    Notification.objects.all().delete()  # the assignment notices
    assert reminders_notify_due(NOW) == {"notified": 2}
    notes = Notification.objects.filter(kind="reminder").order_by("recipient_id")
    assert [(n.recipient.username, n.message) for n in notes] == [
        ("alice", f"Follow up with {alice_customer.name}"), ("bob", "Task: now")]
    assert reminders_notify_due(NOW) == {"notified": 0}
    assert Notification.objects.filter(kind="reminder").count() == 2
    assert Reminder.objects.filter(notified_at__isnull=True).count() == 1  # "later" is not due yet


def test_done_reminders_are_not_notified(personas, alice_customer):
    make_reminders(personas, alice_customer)
    Reminder.objects.update(done_at=timezone.now())
    assert reminders_notify_due(NOW + dt.timedelta(days=1)) == {"notified": 0}


def test_run_jobs_command_replays_time(personas, alice_customer):
    make_reminders(personas, alice_customer)
    out = StringIO()
    call_command("run-jobs", "--now", "2026-03-02T10:30+08:00", "--only", "reminders", stdout=out)
    assert json.loads(out.getvalue())["jobs"]["reminders"] == {"notified": 3}
    out = StringIO()
    call_command("run-jobs", "--now", "2026-03-02T10:30+08:00", stdout=out)
    assert json.loads(out.getvalue())["jobs"]["reminders"] == {"notified": 0}
    assert Notification.objects.filter(kind="reminder").count() == 3


def test_a_claimed_reminder_is_skipped(personas, alice_customer):
    """Another worker that set notified_at first wins: the conditional UPDATE claims nothing."""
    from openfunnel.activities.services import reminder_notify

    make_reminders(personas, alice_customer)
    reminder = Reminder.objects.filter(task__isnull=True).get()
    assert reminder_notify(reminder_id=reminder.pk, now=NOW) is True
    assert reminder_notify(reminder_id=reminder.pk, now=NOW) is False
    assert Notification.objects.filter(kind="reminder").count() == 1
