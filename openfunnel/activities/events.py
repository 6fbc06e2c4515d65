"""Event verbs of follow-ups, attachments and tasks, as they read in the audit log and on timelines."""

from django.utils.translation import gettext_lazy as _

from openfunnel.audit.verbs import register_verbs

register_verbs({
    "activity.created": _("logged a follow-up"),
    "activity.updated": _("changed a follow-up"),
    "activity.deleted": _("deleted a follow-up"),
    "activity.restored": _("restored a follow-up"),
    "attachment.added": _("attached a file"),
    "attachment.deleted": _("removed a file"),
    "task.created": _("created a task"),
    "task.updated": _("changed a task"),
    "task.completed": _("completed a task"),
    "task.reopened": _("reopened a task"),
    "task.cancelled": _("cancelled a task"),
})
