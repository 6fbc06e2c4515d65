"""Periodic jobs of the pool (listed in openfunnel.core.jobs.SCHEDULE): reclaim and reclaim warnings, of
customers and of leads.

Each `run(now) -> dict` selects due records batch-wise (ids ascending, resuming after the last one) and writes
up to BATCH of them per transaction (services.reclaim_batch). The write decides under a SKIP LOCKED row lock
(warnings: under the unique warning rows) and keeps only what is unchanged since the selection, so running a
job twice, or on two workers at once, acts once.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from functools import partial
from typing import Any

from openfunnel.pool.lead_rules import lead_due_rows
from openfunnel.pool.models import Pool
from openfunnel.pool.rules import BATCH, Due, due_rows
from openfunnel.pool.services.reclaim_batch import customers_reclaim, customers_warn, leads_reclaim, leads_warn

Row = tuple[dict[str, Any], Due]


def _in_batches(rows: Iterable[Row], write: Callable[..., int]) -> tuple[int, int]:
    """Hands `rows` to `write(batch=...)` BATCH at a time; returns how many it acted on and how many it got."""
    done = seen = 0
    batch: list[Row] = []
    for row in rows:
        batch.append(row)
        if len(batch) == BATCH:
            done, seen, batch = done + write(batch=batch), seen + len(batch), []
    if batch:
        done, seen = done + write(batch=batch), seen + len(batch)
    return done, seen


def _reclaim(pools: list[Pool], selected_at: Callable[[Pool, dt.datetime], Iterable[Row]],
             write: Callable[..., int], now: dt.datetime) -> dict[str, Any]:
    reclaimed = selected = 0
    for pool in pools:
        done, seen = _in_batches(selected_at(pool, now), partial(write, pool=pool, now=now))
        reclaimed, selected = reclaimed + done, selected + seen
    return {"reclaimed": reclaimed, "skipped": selected - reclaimed}


def _warn(pools: list[Pool], selected_at: Callable[[Pool, dt.datetime], Iterable[Row]],
          write: Callable[..., int], now: dt.datetime) -> dict[str, Any]:
    """Rows falling due within each pool's warning days, not due yet (those are the reclaim job's)."""
    warned = 0
    for pool in pools:
        if pool.warn_days_before:
            later = now + dt.timedelta(days=pool.warn_days_before)
            rows = ((row, due) for row, due in selected_at(pool, later) if due.at > now)
            warned += _in_batches(rows, partial(write, now=now))[0]
    return {"warned": warned}


def _pools() -> list[Pool]:
    return list(Pool.objects.filter(kind=Pool.Kind.CUSTOMER).select_related("reclaim_to", "exempt_stage")
                .prefetch_related("level_rules").order_by("pk"))


def _lead_pools() -> list[Pool]:
    return list(Pool.objects.filter(kind=Pool.Kind.LEAD).order_by("pk"))


def reclaim_run(now: dt.datetime) -> dict[str, Any]:
    """Returns every customer due at `now` to its pool (or the pool's reclaim target), a batch per transaction."""
    return _reclaim(_pools(), due_rows, customers_reclaim, now)


def warnings_run(now: dt.datetime) -> dict[str, Any]:
    """Warns owners whose customers fall due within their pool's warning days (once per due day), a batch per
    transaction."""
    return _warn(_pools(), due_rows, customers_warn, now)


def lead_reclaim_run(now: dt.datetime) -> dict[str, Any]:
    """Returns every lead due at `now` to the lead pool, a batch per transaction."""
    return _reclaim(_lead_pools(), lead_due_rows, leads_reclaim, now)


def lead_warnings_run(now: dt.datetime) -> dict[str, Any]:
    """Warns owners whose leads fall due within their lead pool's warning days (once per due day), a batch per
    transaction."""
    return _warn(_lead_pools(), lead_due_rows, leads_warn, now)
