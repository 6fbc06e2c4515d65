"""Event verbs of the public pool, as they read in the audit log and on customer timelines."""

from django.utils.translation import gettext_lazy as _

from openfunnel.audit.verbs import register_verbs

register_verbs({
    "pool.created": _("created the pool"),
    "pool.updated": _("changed the pool"),
    "pool.claimed": _("claimed the customer from the public pool"),
    "pool.lead_claimed": _("claimed the lead from the lead pool"),
    "pool.lead_released": _("released the lead to the lead pool"),
    "pool.assigned": _("assigned the customer from the public pool"),
    "pool.released": _("released the customer to the public pool"),
    "pool.reclaimed": _("returned the customer to the public pool (reclaim rule)"),
    "pool.reclaim_warned": _("warned the owner of an upcoming reclaim"),
    "pool.lead_assigned": _("assigned the lead from the lead pool"),
    "pool.lead_reclaimed": _("returned the lead to the lead pool (reclaim rule)"),
    "pool.lead_reclaim_warned": _("warned the owner that the lead goes back to the lead pool"),
})
