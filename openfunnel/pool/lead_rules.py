"""Reclaim rules of lead pools: when an owned lead falls due to return to the lead pool, and which rule fires.

Every lead without an owner lies in the lead pool (whichever lead pool it is opened from); an owned lead is
governed by the lead pool it was last claimed or assigned from, and a lead that never came from a pool by
the default lead pool, if one is marked. The rules are the customer pool's (rules.py) read for leads:
the ownership starts at `assigned_at`, and "no deal" means not converted (converted and invalid leads are
never due). Levels and exempt stages do not apply to leads.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from django.db.models import OuterRef, Q, QuerySet, Subquery

from openfunnel.pool.models import Pool, PoolEvent
from openfunnel.pool.rules import BATCH, Due, Rules, due_for, due_q


def lead_rules(pool: Pool) -> Rules:
    return Rules(pool.reclaim_after_claim_days, pool.reclaim_no_follow_up_days, pool.reclaim_no_deal_days, lead=True)


def last_lead_pool() -> Subquery:
    """Per lead: the lead pool of its latest claim or assignment from a pool (NULL when it never had one)."""
    taken = (PoolEvent.objects.filter(lead_id=OuterRef("pk"), pool__kind=Pool.Kind.LEAD,
                                      kind__in=[PoolEvent.Kind.CLAIM, PoolEvent.Kind.ASSIGN])
             .order_by("-at", "-id").values("pool_id")[:1])
    return Subquery(taken)


def open_leads() -> QuerySet[Any]:
    from openfunnel.leads.models import Lead

    return Lead.objects.filter(deleted_at__isnull=True).exclude(status__in=[Lead.Status.CONVERTED,
                                                                            Lead.Status.INVALID])


def owned_leads_governed_by(pool: Pool) -> QuerySet[Any]:
    """Owned open leads whose reclaim rules come from the lead pool `pool`."""
    governed = Q(governing_pool=pool.pk)
    if pool.is_default:
        governed |= Q(governing_pool__isnull=True)
    return open_leads().filter(owner__isnull=False).annotate(governing_pool=last_lead_pool()).filter(governed)


def governing_lead_pool(lead: Any) -> Pool | None:
    """The lead pool whose rules govern `lead` (and where a release goes unless another pool is chosen)."""
    pool_id = (PoolEvent.objects.filter(lead_id=lead.pk, pool__kind=Pool.Kind.LEAD,
                                        kind__in=[PoolEvent.Kind.CLAIM, PoolEvent.Kind.ASSIGN])
               .order_by("-at", "-id").values_list("pool_id", flat=True).first())
    if pool_id is not None:
        return Pool.objects.filter(pk=pool_id).first()
    return Pool.objects.filter(kind=Pool.Kind.LEAD, is_default=True).first()


def lead_due_for(lead: Any, pool: Pool) -> Due | None:
    return due_for(owner_since=lead.assigned_at, last_follow_up_at=lead.last_follow_up_at, won_at=None,
                   rules=lead_rules(pool))


def lead_pools() -> tuple[dict[int, Pool], Pool | None]:
    """Every lead pool and the default one."""
    pools = {p.pk: p for p in Pool.objects.filter(kind=Pool.Kind.LEAD)}
    return pools, next((p for p in pools.values() if p.is_default), None)


def lead_reclaim_outlook(leads: list[Any], now: dt.datetime, *, user: Any = None) -> dict[int, Due]:
    """For a page of leads: when each owned open lead falls back to the lead pool and why (others are absent).

    The lead page's `governing_lead_pool` + `lead_due_for`, batched: one query for the page (each lead's last
    lead pool), plus the lead pools — kept with the reference data when `user` (who carries its token) is given.
    """
    from openfunnel.leads.models import Lead

    owned = [lead for lead in leads if lead.owner_id is not None and lead.deleted_at is None
             and lead.status not in (Lead.Status.CONVERTED, Lead.Status.INVALID)]
    if not owned:
        return {}
    from openfunnel.web.choices import reference_cached

    pools, default = reference_cached(user, "lead-pool-governing", lead_pools) if user else lead_pools()
    if not pools:
        return {}
    last = dict(Lead.objects.filter(pk__in=[lead.pk for lead in owned]).order_by()
                .annotate(governing_pool=last_lead_pool()).values_list("pk", "governing_pool"))
    outlook: dict[int, Due] = {}
    for lead in owned:
        pool_id = last.get(lead.pk)
        pool = pools.get(pool_id) if pool_id is not None else default
        due = lead_due_for(lead, pool) if pool is not None else None
        if due is not None:
            outlook[lead.pk] = due
    return outlook


def lead_due_rows(pool: Pool, at: dt.datetime, *, batch: int = BATCH) -> Iterator[tuple[dict[str, Any], Due]]:
    """Owned open leads governed by `pool` that are due at `at`, with when and why; batch by batch."""
    rules = lead_rules(pool)
    if rules.empty:
        return
    last_id = 0
    while True:
        rows = list(owned_leads_governed_by(pool).filter(due_q(rules, at, since="assigned_at"), pk__gt=last_id)
                    .order_by("pk").values("pk", "owner_id", "assigned_at", "last_follow_up_at")[:batch])
        if not rows:
            return
        for row in rows:
            due = due_for(owner_since=row["assigned_at"], last_follow_up_at=row["last_follow_up_at"], won_at=None,
                          rules=rules)
            if due is not None and due.at <= at:
                yield row, due
        last_id = rows[-1]["pk"]
