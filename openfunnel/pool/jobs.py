"""Periodic jobs of the pool (listed in openfunnel.core.jobs.SCHEDULE): reclaim and reclaim warnings, of
customers and of leads.

Each `run(now) -> dict` selects due customers batch-wise (ids ascending, resuming after the last one) and
calls one service per customer; the services decide under a SKIP LOCKED row lock and a conditional update,
so running a job twice, or on two workers at once, acts once.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from openfunnel.pool import services
from openfunnel.pool.models import Pool
from openfunnel.pool.lead_rules import lead_due_rows
from openfunnel.pool.rules import due_rows


def _pools() -> list[Pool]:
    return list(Pool.objects.filter(kind=Pool.Kind.CUSTOMER).select_related("reclaim_to", "exempt_stage")
                .prefetch_related("level_rules").order_by("pk"))


def reclaim_run(now: dt.datetime) -> dict[str, Any]:
    """Returns every customer due at `now` to its pool (or the pool's reclaim target)."""
    reclaimed = skipped = 0
    for pool in _pools():
        for row, due in due_rows(pool, now):
            if services.customer_reclaim(customer_id=row["pk"], owner_id=row["owner_id"],
                                         owner_since=row["owner_since"], last_follow_up_at=row["last_follow_up_at"],
                                         pool=pool, due=due, now=now):
                reclaimed += 1
            else:
                skipped += 1
    return {"reclaimed": reclaimed, "skipped": skipped}


def warnings_run(now: dt.datetime) -> dict[str, Any]:
    """Warns owners whose customers fall due within their pool's warning days (once per due day)."""
    warned = 0
    for pool in _pools():
        if not pool.warn_days_before:
            continue
        for row, due in due_rows(pool, now + dt.timedelta(days=pool.warn_days_before)):
            if due.at > now and services.reclaim_warn(customer_id=row["pk"], owner_id=row["owner_id"], due=due,
                                                      now=now):
                warned += 1
    return {"warned": warned}


def _lead_pools() -> list[Pool]:
    return list(Pool.objects.filter(kind=Pool.Kind.LEAD).order_by("pk"))


def lead_reclaim_run(now: dt.datetime) -> dict[str, Any]:
    """Returns every lead due at `now` to the lead pool."""
    reclaimed = skipped = 0
    for pool in _lead_pools():
        for row, due in lead_due_rows(pool, now):
            if services.lead_reclaim(lead_id=row["pk"], owner_id=row["owner_id"], assigned_at=row["assigned_at"],
                                     last_follow_up_at=row["last_follow_up_at"], pool=pool, due=due, now=now):
                reclaimed += 1
            else:
                skipped += 1
    return {"reclaimed": reclaimed, "skipped": skipped}


def lead_warnings_run(now: dt.datetime) -> dict[str, Any]:
    """Warns owners whose leads fall due within their lead pool's warning days (once per due day)."""
    warned = 0
    for pool in _lead_pools():
        if not pool.warn_days_before:
            continue
        for row, due in lead_due_rows(pool, now + dt.timedelta(days=pool.warn_days_before)):
            if due.at > now and services.lead_reclaim_warn(lead_id=row["pk"], owner_id=row["owner_id"], due=due,
                                                           now=now):
                warned += 1
    return {"warned": warned}
