"""Event verbs of leads and campaigns, as they read in the audit log and on timelines."""

from django.utils.translation import gettext_lazy as _

from openfunnel.audit.verbs import register_verbs

register_verbs({
    "campaign.created": _("created the campaign"),
    "campaign.updated": _("changed the campaign"),
})
