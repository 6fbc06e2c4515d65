"""Event verbs of leads and campaigns, as they read in the audit log and on timelines."""

from django.utils.translation import gettext_lazy as _

from openfunnel.audit.verbs import register_verbs

register_verbs({
    "campaign.created": _("created the campaign"),
    "campaign.updated": _("changed the campaign"),
    "lead.created": _("created the lead"),
    "lead.updated": _("changed the lead"),
    "lead.deleted": _("deleted the lead"),
    "lead.restored": _("restored the lead"),
    "lead.assigned": _("assigned the lead"),
    "lead.transferred": _("transferred the lead"),
    "lead.status_changed": _("changed the lead status"),
    "lead.converted": _("converted the lead"),
})
