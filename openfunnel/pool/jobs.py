"""Periodic jobs of the pool (listed in openfunnel.core.jobs.SCHEDULE): reclaim and reclaim warnings, of
customers and of leads.

Each `run(now) -> dict` selects due records batch-wise (ids ascending, resuming after the last one); the
customer reclaim writes a batch per transaction (services.reclaim_batch), the others call one service per
record. Either way the write decides under a SKIP LOCKED row lock and keeps only what is unchanged since the
selection, so running a job twice, or on two workers at once, acts once.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from openfunnel.pool import services
from openfunnel.pool.models import Pool
from openfunnel.pool.lead_rules import lead_due_rows
from openfunnel.pool.rules import BATCH, Due, due_rows
from openfunnel.pool.services.reclaim_batch import customers_reclaim, customers_warn


def _pools() -> list[Pool]:
    return list(Pool.objects.filter(kind=Pool.Kind.CUSTOMER).select_related("reclaim_to", "exempt_stage")
                .prefetch_related("level_rules").order_by("pk"))


def reclaim_run(now: dt.datetime) -> dict[str, Any]:
    """Returns every customer due at `now` to its pool (or the pool's reclaim target), a batch per transaction."""
    reclaimed = selected = 0
    for pool in _pools():
        batch: list[tuple[dict[str, Any], Due]] = []
        for row_due in due_rows(pool, now):
            batch.append(row_due)
            if len(batch) == BATCH:
                reclaimed += customers_reclaim(batch=batch, pool=pool, now=now)
                selected += len(batch)
                batch = []
        reclaimed += customers_reclaim(batch=batch, pool=pool, now=now)
        selected += len(batch)
    return {"reclaimed": reclaimed, "skipped": selected - reclaimed}


def warnings_run(now: dt.datetime) -> dict[str, Any]:
    """Warns owners whose customers fall due within their pool's warning days (once per due day), a batch per
    transaction."""
    warned = 0
    for pool in _pools():
        if not pool.warn_days_before:
            continue
        batch: list[tuple[dict[str, Any], Due]] = []
        for row, due in due_rows(pool, now + dt.timedelta(days=pool.warn_days_before)):
            if due.at > now:
                batch.append((row, due))
            if len(batch) == BATCH:
                warned += customers_warn(batch=batch, now=now)
                batch = []
        warned += customers_warn(batch=batch, now=now)
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
