"""Reminders: the reminder job notifies due ones; their owner marks them done."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from openfunnel.activities import links
from openfunnel.activities.models import Reminder
from openfunnel.core.errors import PermissionDenied


@transaction.atomic
def reminder_done(*, actor: Any, reminder: Reminder) -> Reminder:
    """Marks one of the actor's own reminders done (callers fetch it with reminder_get). Raises PermissionDenied."""
    if reminder.user_id != actor.pk:
        raise PermissionDenied()
    Reminder.objects.filter(pk=reminder.pk, done_at__isnull=True).update(done_at=timezone.now())
    reminder.refresh_from_db(fields=["done_at"])
    return reminder


def reminder_notify(*, reminder_id: int, now: dt.datetime) -> bool:
    """Claims one due reminder (conditional UPDATE … WHERE notified_at IS NULL) and notifies its user.

    Returns False when another worker claimed it first; run inside the caller's transaction.
    """
    from openfunnel.automation.models import Notification
    from openfunnel.automation.services import notification_send

    claimed = (Reminder.objects.filter(pk=reminder_id, notified_at__isnull=True, done_at__isnull=True)
               .update(notified_at=now))
    if not claimed:
        return False
    reminder = Reminder.objects.select_related("user", "task").get(pk=reminder_id)
    if reminder.task_id:
        from openfunnel.activities.services.tasks import task_url

        url, target = task_url(reminder.task), reminder.task
    else:
        url, target = links.record_url(customer_id=reminder.customer_id, lead_id=reminder.lead_id), reminder
    return notification_send(recipient=reminder.user, kind=Notification.Kind.REMINDER, message=reminder.message,
                             target=target, url=url) is not None


def due_reminder_ids(*, now: dt.datetime, batch: int) -> list[int]:
    """Ids of up to `batch` due, not yet notified reminders; rows other workers hold are skipped."""
    rows = (Reminder.objects.filter(due_at__lte=now, notified_at__isnull=True, done_at__isnull=True)
            .order_by("due_at", "id"))
    if connection.features.has_select_for_update_skip_locked:
        rows = rows.select_for_update(skip_locked=True)
    return list(rows.values_list("id", flat=True)[:batch])
