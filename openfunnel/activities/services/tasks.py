"""Writes of tasks (任务): create, change, complete, reopen, cancel."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from openfunnel.accounts.scope import can_see_owner, has_perm, require_perm
from openfunnel.activities import links
from openfunnel.activities.models import Reminder, Task
from openfunnel.audit.services import event_record
from openfunnel.core.errors import Conflict, PermissionDenied, ValidationFailed
from openfunnel.core.records import apply_update, snapshot

TASK_FIELDS = ["title", "description", "assignee", "due_at", "remind_at", "priority", "status", "customer", "lead",
               "contact"]
UPDATABLE = ["title", "description", "assignee", "due_at", "remind_at", "priority", "customer", "lead", "contact"]


def _resolve_assignee(actor: Any, assignee: Any, errors: dict[str, list[Any]]) -> Any:
    """The actor themself, or (for a manager) an active user within the actor's data scope."""
    if assignee is None:
        return actor
    pk = getattr(assignee, "pk", assignee)
    if pk == actor.pk:
        return actor
    user = get_user_model().objects.filter(pk=pk, is_active=True).first() if isinstance(pk, int) else None
    if user is None:
        errors["assignee"] = [_("Choose an active user.")]
        return None
    if not can_see_owner(actor, user.pk):
        errors["assignee"] = [_("You can assign tasks only to yourself or to users in your team.")]
        return None
    return user


def _resolve_links(actor: Any, data: dict[str, Any], errors: dict[str, list[Any]]) -> None:
    """Replaces customer / lead / contact ids with the records the actor sees (NotFound otherwise)."""
    if data.get("contact") is not None:
        contact = links.fetch_contact(actor=actor, contact=data["contact"])
        customer = data.get("customer")
        if customer is not None and contact.customer_id != getattr(customer, "pk", customer):
            errors["contact"] = [_("This contact does not belong to the customer.")]
        data["contact"] = contact
        if customer is None:
            data["customer"] = contact.customer_id
    if data.get("customer") is not None:
        data["customer"] = links.fetch_customer(actor=actor, customer=data["customer"])
    if data.get("lead") is not None:
        data["lead"] = links.fetch_lead(actor=actor, lead=data["lead"])


def _check(data: dict[str, Any], errors: dict[str, list[Any]]) -> None:
    if "title" in data:
        data["title"] = (data["title"] or "").strip()
        if not data["title"]:
            errors["title"] = [_("This field is required.")]
        elif len(data["title"]) > 200:
            errors["title"] = [_("Keep it under %(max)d characters.") % {"max": 200}]
    if len(data.get("description") or "") > 5000:
        errors["description"] = [_("Keep it under %(max)d characters.") % {"max": 5000}]
    if "priority" in data and data["priority"] not in Task.Priority.values:
        errors["priority"] = [_("Choose a valid priority.")]
    for name in ("due_at", "remind_at"):
        if data.get(name) is not None and timezone.is_naive(data[name]):
            errors[name] = [_("Give the time with its time zone.")]


def _schedule_reminder(task: Task, now: dt.datetime) -> None:
    """One open reminder per task: the assignee's, at remind_at."""
    task.reminders.filter(done_at__isnull=True, notified_at__isnull=True).update(done_at=now)
    if task.remind_at is not None and task.status == Task.Status.OPEN:
        Reminder.objects.create(user_id=task.assignee_id, due_at=task.remind_at, task=task,
                                customer_id=task.customer_id, lead_id=task.lead_id,
                                message=(_("Task: %(title)s") % {"title": task.title})[:300])


def _notify_assignee(task: Task, actor: Any) -> None:
    from openfunnel.automation.models import Notification
    from openfunnel.automation.services import notification_send

    if task.assignee_id == actor.pk:
        return
    notification_send(recipient=task.assignee, kind=Notification.Kind.TASK, target=task, actor=actor,
                      url=task_url(task),
                      message=_("%(actor)s assigned you a task: %(title)s") % {"actor": actor.display_name,
                                                                               "title": task.title})


def task_url(task: Task) -> str:
    from django.urls import reverse

    return reverse("activities:task_edit", args=[task.pk])


def _event(actor: Any, verb: str, task: Task, **kwargs: Any) -> None:
    event_record(actor=actor, verb=verb, obj=task, customer_id=task.customer_id, lead_id=task.lead_id, **kwargs)


@transaction.atomic
def task_create(*, actor: Any, title: str, assignee: Any = None, due_at: dt.datetime | None = None,
                remind_at: dt.datetime | None = None, priority: str = Task.Priority.NORMAL, description: str = "",
                customer: Any = None, lead: Any = None, contact: Any = None) -> Task:
    """Creates a task for the actor, or (a manager) for a user in their scope. Needs tasks.manage.

    Raises PermissionDenied, NotFound (a linked record out of scope), ValidationFailed.
    """
    require_perm(actor, "tasks.manage")
    errors: dict[str, list[Any]] = {}
    data: dict[str, Any] = {"title": title, "description": description or "", "due_at": due_at,
                            "remind_at": remind_at, "priority": priority, "customer": customer, "lead": lead,
                            "contact": contact}
    _check(data, errors)
    data["assignee"] = _resolve_assignee(actor, assignee, errors)
    _resolve_links(actor, data, errors)
    if errors:
        raise ValidationFailed(fields=errors)
    task = Task.objects.create(created_by=actor, **data)
    _schedule_reminder(task, timezone.now())
    _notify_assignee(task, actor)
    _event(actor, "task.created", task, data=snapshot(task, TASK_FIELDS))
    return task


def task_can_change(actor: Any, task: Task) -> bool:
    """The assignee, the creator, or a manager whose scope covers the assignee (with tasks.manage)."""
    if task.assignee_id == actor.pk:
        return True
    if not has_perm(actor, "tasks.manage"):
        return False
    return task.created_by_id == actor.pk or can_see_owner(actor, task.assignee_id)


def _lock(actor: Any, task: Task) -> Task:
    task = Task.objects.select_for_update().select_related("assignee").get(pk=task.pk)
    if not task_can_change(actor, task):
        raise PermissionDenied()
    return task


@transaction.atomic
def task_update(*, actor: Any, task: Task, data: dict[str, Any]) -> Task:
    """Changes a task's fields; reassigning follows the same rule as task_create.

    Raises PermissionDenied, NotFound, ValidationFailed.
    """
    task = _lock(actor, task)
    unknown = set(data) - set(UPDATABLE)
    if unknown:
        raise ValidationFailed(fields={name: [_("Unknown field.")] for name in unknown})
    data = dict(data)
    errors: dict[str, list[Any]] = {}
    _check(data, errors)
    if "assignee" in data:
        if data["assignee"] is None:
            errors["assignee"] = [_("This field is required.")]
        elif getattr(data["assignee"], "pk", data["assignee"]) != task.assignee_id:
            data["assignee"] = _resolve_assignee(actor, data["assignee"], errors)
    if "contact" in data and data["contact"] is not None and "customer" not in data and task.customer_id:
        data["customer"] = task.customer_id
    _resolve_links(actor, data, errors)
    if errors:
        raise ValidationFailed(fields=errors)
    changes = apply_update(instance=task, data=data)
    if changes:
        if {"remind_at", "assignee"} & set(changes):
            _schedule_reminder(task, timezone.now())
        if "assignee" in changes:
            _notify_assignee(task, actor)
        _event(actor, "task.updated", task, changes=changes, data={"title": task.title})
    return task


def _set_status(actor: Any, task: Task, status: str, allowed_from: tuple[str, ...], verb: str) -> Task:
    task = _lock(actor, task)
    if task.status not in allowed_from:
        raise Conflict(_("The task is already %(status)s.") % {"status": task.get_status_display().lower()},
                       code="invalid_transition")
    now = timezone.now()
    before = task.status
    task.status = status
    task.completed_at = now if status == Task.Status.DONE else None
    task.save(update_fields=["status", "completed_at", "updated_at"])
    _schedule_reminder(task, now)
    _event(actor, verb, task, changes={"status": [before, status]}, data={"title": task.title})
    if task.created_by_id and task.created_by_id not in (actor.pk, task.assignee_id) and status == Task.Status.DONE:
        from openfunnel.automation.models import Notification
        from openfunnel.automation.services import notification_send

        notification_send(recipient=task.created_by, kind=Notification.Kind.TASK, target=task, actor=actor,
                          url=task_url(task), message=_("%(actor)s completed the task: %(title)s") % {
                              "actor": actor.display_name, "title": task.title})
    return task


@transaction.atomic
def task_complete(*, actor: Any, task: Task) -> Task:
    """Marks an open task done. Raises PermissionDenied, Conflict(invalid_transition)."""
    return _set_status(actor, task, Task.Status.DONE, (Task.Status.OPEN,), "task.completed")


@transaction.atomic
def task_reopen(*, actor: Any, task: Task) -> Task:
    """Reopens a done or cancelled task. Raises PermissionDenied, Conflict(invalid_transition)."""
    return _set_status(actor, task, Task.Status.OPEN, (Task.Status.DONE, Task.Status.CANCELLED), "task.reopened")


@transaction.atomic
def task_cancel(*, actor: Any, task: Task) -> Task:
    """Cancels an open task. Raises PermissionDenied, Conflict(invalid_transition)."""
    return _set_status(actor, task, Task.Status.CANCELLED, (Task.Status.OPEN,), "task.cancelled")
