"""Writes of leads and campaigns: one function per use case (actor, permission, validation, transaction,
audit). Callers import from here: `from openfunnel.leads.services import lead_create`."""

from openfunnel.leads.services.bulk import lead_bulk_create
from openfunnel.leads.services.campaigns import CAMPAIGN_FIELDS, campaign_create, campaign_update
from openfunnel.leads.services.conversion import (
    OPPORTUNITY_FROM_LEAD,
    LeadConversion,
    lead_convert,
    register_opportunity_from_lead,
)
from openfunnel.leads.services.leads import (
    LEAD_FIELDS,
    OWNER_UNSET,
    BatchAssignment,
    lead_assign,
    lead_batch_assign,
    lead_create,
    lead_delete,
    lead_restore,
    lead_set_status,
    lead_touch_follow_up,
    lead_transfer,
    lead_update,
)

__all__ = [
    "CAMPAIGN_FIELDS", "LEAD_FIELDS", "OPPORTUNITY_FROM_LEAD", "OWNER_UNSET", "BatchAssignment", "LeadConversion",
    "campaign_create", "campaign_update", "lead_assign", "lead_batch_assign", "lead_bulk_create", "lead_convert",
    "lead_create",
    "lead_delete", "lead_restore", "lead_set_status", "lead_touch_follow_up", "lead_transfer", "lead_update",
    "register_opportunity_from_lead",
]
