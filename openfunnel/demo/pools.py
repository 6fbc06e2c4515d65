"""The demo company's public pools: their rules (through pool_create), and the two years of claims,
assignments, releases, reclaims and warnings the customers' and leads' lives went through (pool.services.bulk's
rows).

Today's pool columns of each customer are what its last pool action left: in a pool with the reason and
the former owner, or owned since the last claim or assignment (its pool kept, so that pool's rules govern it).
A lead taken from the lead pool is assigned since its last claim or assignment; one in the pool has no owner.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

from openfunnel.demo.lives import Life
from openfunnel.sales.services.bulk import job_time

DEFAULT_POOL = "公司公海"
REGION_POOL = "华东区域公海"
LEAD_POOL = "线索公海"
REGION = "华东"


def create_pools(*, admin: Any, departments: dict[str, Any], exempt_stage: Any) -> tuple[Any, Any, Any]:
    """The company pool (every sales department; governs every customer that never was in a pool), East's
    own pool, where East's managers hand out the customers their reps gave up, and the lead pool (every lead
    without an owner; its rules govern the leads taken from it)."""
    from openfunnel.customers.models import CustomerLevel
    from openfunnel.pool.services import pool_create

    levels = {level.code: level for level in CustomerLevel.objects.all()}
    level_rules = [{"level": levels[code], **days} for code, days in (
        ("vip", {"reclaim_after_claim_days": 30, "reclaim_no_follow_up_days": 180}),
        ("a", {"reclaim_no_follow_up_days": 120}),
        ("c", {"reclaim_no_follow_up_days": 60})) if code in levels]
    company = pool_create(actor=admin, values={
        "name": DEFAULT_POOL, "kind": "customer", "is_default": True, "claim_mode": "both",
        "max_owned_per_user": 400, "daily_claim_limit": 5, "reclaim_after_claim_days": 15,
        "reclaim_no_follow_up_days": 90, "warn_days_before": 5, "cooldown_days": 30, "members_see_history": True,
        "exempt_signed_contract": True, "exempt_stage": exempt_stage,
    }, member_departments=[departments["east"], departments["south"], departments["north"]], level_rules=level_rules)
    region = pool_create(actor=admin, values={
        "name": REGION_POOL, "kind": "customer", "claim_mode": "assign", "reclaim_after_claim_days": 10,
        "reclaim_no_follow_up_days": 60, "warn_days_before": 3, "cooldown_days": 60, "members_see_history": False,
    }, member_departments=[departments["east"]])
    leads = pool_create(actor=admin, values={
        "name": LEAD_POOL, "kind": "lead", "claim_mode": "both", "daily_claim_limit": 20,
        "reclaim_after_claim_days": 7, "reclaim_no_follow_up_days": 30, "warn_days_before": 2, "cooldown_days": 14,
    }, member_departments=[departments["east"], departments["south"], departments["north"]])
    return company, region, leads


def final_columns(life: Life) -> dict[str, Any]:
    """The record's pool columns after its last pool action (empty: it never left its first owner, or is a lead
    nobody took from the lead pool)."""
    if not life.periods or (len(life.periods) == 1 and life.periods[0].end is None and not life.lead):
        return {}
    last = life.periods[-1]
    actions = sum(1 for p in life.periods if p.end is not None) + sum(1 for p in life.periods if p.how != "created")
    if life.lead:
        owned = last.end is None
        return {"owner_id": last.owner.pk if owned else None, "assigned_at": last.start if owned else None,
                "actions": actions, "updated_at": last.start if owned else last.end}
    previous = next((p.owner for p in reversed(life.periods) if p.end is not None), None)
    if last.end is not None:
        return {"owner_id": None, "owner_since": None, "pool": last.exit_pool, "pool_entered_at": last.end,
                "pool_reason": _reason(last), "previous_owner_id": last.owner.pk, "actions": actions,
                "updated_at": last.end}
    return {"owner_id": last.owner.pk, "owner_since": last.start, "pool": life.pool, "pool_entered_at": None,
            "pool_reason": "", "previous_owner_id": previous.pk if previous else None, "actions": actions,
            "updated_at": last.start}


def _reason(period: Any) -> str:
    if period.exit == "reclaim":
        from openfunnel.pool.services.bulk import PoolRows

        return PoolRows().reclaim_reason(period.due)
    return period.reason


def exempt_intervals(plans: list[Any], exempt_stage: Any) -> dict[int, list[tuple[dt.datetime, dt.datetime]]]:
    """Per customer, when an opportunity stood open at or beyond the pool's exempt stage (same pipeline)."""
    spans: dict[int, list[tuple[dt.datetime, dt.datetime]]] = {}
    if exempt_stage is None:
        return spans
    far = dt.datetime.max.replace(tzinfo=dt.UTC)
    for plan in plans:
        if plan.pipeline.id != exempt_stage.pipeline_id:
            continue
        since = None
        for move in plan.moves:
            inside = move.stage.kind == "open" and move.stage.order >= exempt_stage.order
            if inside and since is None:
                since = move.at
            elif not inside and since is not None:
                spans.setdefault(plan.customer_id, []).append((since, move.at))
                since = None
        if since is not None:
            spans.setdefault(plan.customer_id, []).append((since, far))
    return spans


def pool_history(*, lives: list[Life], plans: list[Any], now: dt.datetime, read_at: Any,
                 batch: Any) -> dict[str, int]:
    """Appends every pool action of the customers' lives to `batch`; returns what it counted."""
    from openfunnel.pool.services.bulk import Person, PoolRows, Record

    rows = PoolRows(read_at=read_at)
    people: dict[int, Person] = {}

    def person(user: Any) -> Person:
        if user.pk not in people:
            people[user.pk] = Person(user.pk, user.display_name)
        return people[user.pk]

    exempt: dict[Any, dict[int, list[tuple[dt.datetime, dt.datetime]]]] = {}
    counts: Counter[str] = Counter()
    for life in lives:
        record, prefix = Record(life.record.pk, str(life.record)), "lead_" if life.lead else ""
        for period in life.periods:
            if period.how == "claim":
                if life.lead:
                    rows.lead_claim(batch, pool=period.pool, lead=record, user=person(period.owner), at=period.start)
                else:
                    rows.claim(batch, pool=period.pool, customer=record, user=person(period.owner), at=period.start)
                counts[prefix + "claims"] += 1
            elif period.how == "assign":
                assign = rows.lead_assign if life.lead else rows.assign
                assign(batch, pool=period.pool, receiver=person(period.owner), actor=person(period.by),
                       at=period.start, **{"leads" if life.lead else "customers": [record]})
                counts[prefix + "assignments"] += 1
            if period.exit == "release":
                release = rows.lead_release if life.lead else rows.release
                release(batch, pool=period.exit_pool, owner=person(period.owner), actor=person(period.released_by),
                        reason=period.reason, at=period.end, **{"lead" if life.lead else "customer": record})
                counts[prefix + "releases"] += 1
            elif period.exit == "reclaim":
                reclaim = rows.lead_reclaim if life.lead else rows.reclaim
                reclaim(batch, pool=period.exit_pool, owner=person(period.owner), due=period.due, at=period.end,
                        **{"lead" if life.lead else "customer": record})
                counts[prefix + "reclaims"] += 1
        for warning in life.warnings:
            if life.lead:      # levels and exempt stages do not apply to leads
                rows.lead_warn(batch, lead=record, owner=person(warning.owner), due=warning.due, at=warning.at)
                counts[prefix + "warnings"] += 1
                continue
            if warning.pool.pk not in exempt:
                exempt[warning.pool.pk] = exempt_intervals(plans, warning.pool.exempt_stage)
            at = warned_at(warning, exempt[warning.pool.pk].get(life.record.pk, []), now)
            if at is not None:
                rows.warn(batch, customer=record, owner=person(warning.owner), due=warning.due, at=at)
                counts[prefix + "warnings"] += 1
    return dict(counts)


def warned_at(warning: Any, spans: list[tuple[dt.datetime, dt.datetime]], now: dt.datetime) -> dt.datetime | None:
    """The job warns only about a customer that is not exempt: a warning due while an opportunity stood at the
    exempt stage comes when that ends, if the reclaim is still ahead and nothing moved it meanwhile."""
    at = warning.at
    moved = True
    while moved:
        moved = False
        for start, end in spans:
            if start <= at < end:
                if end > now:
                    return None      # still exempt today
                at, moved = job_time(end, now), True
    if at == warning.at:
        return at
    period = warning.period
    if at > now or at >= warning.due.at or (period.end is not None and at >= period.end):
        return None
    if any(warning.at <= follow_up < at for follow_up in period.follow_ups):
        return None
    return at
