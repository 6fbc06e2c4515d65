"""Event verbs of the organization, as they read in the audit log."""

from django.utils.translation import gettext_lazy as _

from openfunnel.audit.verbs import register_verbs

register_verbs({
    "user.created": _("created the user"),
    "user.updated": _("changed the user"),
    "user.deactivated": _("deactivated the user"),
    "user.reactivated": _("reactivated the user"),
    "user.handed_over": _("handed over the user's records"),
    "department.created": _("created the department"),
    "department.updated": _("changed the department"),
    "department.deleted": _("deleted the department"),
    "role.created": _("created the role"),
    "role.updated": _("changed the role"),
    "role.deleted": _("deleted the role"),
    "apitoken.created": _("created an API token"),
    "apitoken.revoked": _("revoked an API token"),
})
