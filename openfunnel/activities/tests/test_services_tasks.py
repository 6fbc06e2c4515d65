import datetime as dt

import pytest
from django.utils import timezone

from openfunnel.activities.models import Reminder, Task
from openfunnel.activities.selectors import task_get, tasks_visible_to
from openfunnel.activities.services import task_cancel, task_complete, task_create, task_reopen, task_update
from openfunnel.audit.models import Event
from openfunnel.automation.models import Notification
from openfunnel.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed


def test_rep_creates_own_task_with_reminder(personas, alice_customer, alice_contact):
    remind = timezone.now() + dt.timedelta(hours=1)
    task = task_create(actor=personas.alice, title=" Send quote ", due_at=remind + dt.timedelta(hours=2),
                       remind_at=remind, contact=alice_contact)
    assert task.title == "Send quote" and task.assignee == personas.alice and task.created_by == personas.alice
    assert task.customer == alice_customer  # the contact implies its customer
    reminder = Reminder.objects.get()
    assert reminder.task == task and reminder.user == personas.alice and reminder.due_at == remind
    assert not Notification.objects.exists()  # no notice to oneself
    event = Event.objects.get(verb="task.created")
    assert event.customer_id == alice_customer.pk and event.data["title"] == "Send quote"


def test_rep_cannot_assign_to_a_colleague(personas):
    with pytest.raises(ValidationFailed) as error:
        task_create(actor=personas.alice, title="x", assignee=personas.bob)
    assert "assignee" in error.value.fields
    assert not Task.objects.exists()


def test_manager_assigns_within_scope_and_the_assignee_is_notified(personas):
    task = task_create(actor=personas.manager, title="Call Wang", assignee=personas.bob.pk)
    note = Notification.objects.get()
    assert note.recipient == personas.bob and note.kind == "task" and note.url == f"/tasks/{task.pk}/"
    with pytest.raises(ValidationFailed):
        task_create(actor=personas.manager, title="x", assignee=personas.carol)  # another department
    with pytest.raises(ValidationFailed):
        task_create(actor=personas.manager, title="x", assignee=999999)


def test_finance_cannot_create_tasks(personas):
    with pytest.raises(PermissionDenied):
        task_create(actor=personas.finance, title="x")


def test_linked_records_must_be_visible(personas, carol_customer):
    with pytest.raises(NotFound):
        task_create(actor=personas.alice, title="x", customer=carol_customer.pk)


def test_task_scope(personas):
    alice_task = task_create(actor=personas.alice, title="a")
    bob_task = task_create(actor=personas.manager, title="b", assignee=personas.bob)
    assert list(tasks_visible_to(personas.alice)) == [alice_task]
    assert set(tasks_visible_to(personas.manager)) == {alice_task, bob_task}
    assert list(tasks_visible_to(personas.carol)) == []
    with pytest.raises(NotFound):
        task_get(actor=personas.bob, id=alice_task.pk)


def test_status_changes(personas):
    task = task_create(actor=personas.manager, title="b", assignee=personas.bob,
                       remind_at=timezone.now() + dt.timedelta(days=1))
    task_complete(actor=personas.bob, task=task)
    task.refresh_from_db()
    assert task.status == "done" and task.completed_at is not None
    assert Reminder.objects.get().done_at is not None
    assert Notification.objects.filter(recipient=personas.manager, kind="task").exists()  # creator told
    with pytest.raises(Conflict):
        task_complete(actor=personas.bob, task=task)
    task_reopen(actor=personas.manager, task=task)
    task.refresh_from_db()
    assert task.status == "open" and task.completed_at is None
    assert Reminder.objects.filter(done_at__isnull=True).count() == 1  # the reminder is planned again
    with pytest.raises(PermissionDenied):
        task_cancel(actor=personas.alice, task=task)
    task_cancel(actor=personas.bob, task=task)
    assert [e.verb for e in Event.objects.order_by("id")] == ["task.created", "task.completed", "task.reopened",
                                                              "task.cancelled"]


def test_update_and_reassign(personas):
    task = task_create(actor=personas.manager, title="b", assignee=personas.bob)
    with pytest.raises(ValidationFailed):
        task_update(actor=personas.bob, task=task, data={"assignee": personas.alice})  # a rep reassigning
    task_update(actor=personas.manager, task=task, data={"assignee": personas.alice, "priority": "high"})
    task.refresh_from_db()
    assert task.assignee == personas.alice and task.priority == "high"
    assert Notification.objects.filter(recipient=personas.alice).exists()
    assert Event.objects.get(verb="task.updated").changes["priority"] == ["normal", "high"]
    with pytest.raises(ValidationFailed):
        task_update(actor=personas.manager, task=task, data={"title": ""})
    with pytest.raises(ValidationFailed):
        task_update(actor=personas.manager, task=task, data={"status": "done"})
