"""Writes of the activities app: follow-ups, attachments, tasks, reminders (one module per area)."""

from openfunnel.activities.services.attachments import attachment_add, attachment_can_add, attachment_delete
from openfunnel.activities.services.bulk import FollowUpRow, activity_bulk_create
from openfunnel.activities.services.follow_ups import (
    activity_can_delete,
    activity_create,
    activity_delete,
    activity_restore,
    activity_update,
    mentioned_users_in,
)
from openfunnel.activities.services.reminders import reminder_done, reminder_notify
from openfunnel.activities.services.tasks import (
    task_can_change,
    task_cancel,
    task_complete,
    task_create,
    task_reopen,
    task_update,
)

__all__ = ["FollowUpRow", "activity_bulk_create", "activity_can_delete", "activity_create", "activity_delete", "activity_restore", "activity_update",
           "attachment_add", "attachment_can_add", "attachment_delete", "mentioned_users_in", "reminder_done", "reminder_notify",
           "task_can_change", "task_cancel", "task_complete", "task_create", "task_reopen", "task_update"]
