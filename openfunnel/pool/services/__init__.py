"""Writes of the public pool (one function per use case); importable from `openfunnel.pool.services`."""

from openfunnel.pool.services.claim import (
    ASSIGN_STRATEGIES,
    cooldown_until,
    customer_claim,
    customer_release,
    customers_assign,
    pool_transfer_record,
)
from openfunnel.pool.services.lead_pool import lead_claim, lead_release, leads_assign, pool_lead_owner_record
from openfunnel.pool.services.pools import POOL_FIELDS, pool_create, pool_update
from openfunnel.pool.services.reclaim import customer_reclaim, lead_reclaim, lead_reclaim_warn, reclaim_warn

__all__ = ["ASSIGN_STRATEGIES", "POOL_FIELDS", "cooldown_until", "customer_claim", "customer_reclaim",
           "customer_release", "customers_assign", "lead_claim", "lead_reclaim", "lead_reclaim_warn", "lead_release",
           "leads_assign", "pool_create", "pool_lead_owner_record", "pool_transfer_record", "pool_update",
           "reclaim_warn"]
