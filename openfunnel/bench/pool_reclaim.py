"""jobs.reclaim: the reclaim job at the moment when a known number of customers have fallen due (10,000 per
million), timed, checked against the rules' Python twin, and put back."""

from __future__ import annotations

import datetime as dt
import statistics
import time
from dataclasses import dataclass
from typing import Any

from django.db import connection

from openfunnel.bench.operations import Context, OperationError
from openfunnel.bench.pool_operations import Snapshot

DUE_AT_SCALE_1 = 10_000
DUE_AT_LEAST = 300
RECLAIM_TARGET_SECONDS = 10.0  # for 10,000 due: the time may grow with the due customers, not the table


@dataclass
class _Owned:
    """The columns rules.reclaim_outlook reads of a customer."""

    pk: int
    owner_id: int
    pool_id: int | None
    owner_since: dt.datetime | None
    last_follow_up_at: dt.datetime | None
    level_id: int | None


def due_count(scale: float) -> int:
    return max(DUE_AT_LEAST, round(DUE_AT_SCALE_1 * scale))


def due_schedule() -> list[tuple[dt.datetime, int]]:
    """When each owned customer falls due (earliest first), by the rules' Python twin (reclaim_outlook, which
    the "reclaim in" column uses) rather than by the job's SQL, so that the check below compares the two."""
    from openfunnel.customers.models import Customer
    from openfunnel.pool.rules import reclaim_outlook

    schedule: list[tuple[dt.datetime, int]] = []
    rows = (Customer.objects.filter(owner__isnull=False, deleted_at__isnull=True).order_by()
            .values_list("pk", "owner_id", "pool_id", "owner_since", "last_follow_up_at", "level_id"))
    chunk: list[_Owned] = []
    for row in rows.iterator(chunk_size=5000):
        chunk.append(_Owned(*row))
        if len(chunk) == 5000:
            schedule += [(due.at, pk) for pk, due in reclaim_outlook(chunk, dt.datetime.now(dt.UTC)).items()]
            chunk = []
    schedule += [(due.at, pk) for pk, due in reclaim_outlook(chunk, dt.datetime.now(dt.UTC)).items()]
    schedule.sort()
    return schedule


def reclaim_runner(ctx: Context, repeat: int, warmup: int) -> dict[str, Any]:
    """The reclaim job (pool.jobs.reclaim_run) at the moment when exactly the chosen number of customers have
    fallen due (10,000 at scale 1), timed with its SQL; then checked and put back. The job commits each
    reclaim, as it does in production."""
    from openfunnel.bench.generate import bench_info, bench_marker
    from openfunnel.bench.measure import SqlTimer
    from openfunnel.pool.jobs import reclaim_run
    from openfunnel.pool.models import Pool
    from openfunnel.pool.rules import due_rows

    marker = bench_marker()
    info = bench_info(marker) if marker is not None else None
    scale = float(info["scale"]) if info else 1.0
    started = time.perf_counter()
    schedule = due_schedule()
    if not schedule:
        raise OperationError("no owned customer is governed by reclaim rules")
    wanted = min(due_count(scale), max(1, len(schedule) // 2))
    now = schedule[wanted - 1][0]
    due = sorted(pk for at, pk in schedule if at <= now)
    before = schedule[0][0] - dt.timedelta(seconds=1)
    result: dict[str, Any] = {"due": len(due), "owned": len(schedule), "now": now.isoformat(),
                              "prepare_seconds": round(time.perf_counter() - started, 2)}
    pools = list(Pool.objects.filter(kind="customer").prefetch_related("level_rules").order_by("pk"))

    def select(at: dt.datetime) -> tuple[float, int]:
        started = time.perf_counter()
        found = sum(1 for pool in pools for _row in due_rows(pool, at))
        return time.perf_counter() - started, found

    # what the selection alone costs, with nothing due and with the chosen customers due
    result["select_none_due_seconds"], none_found = select(before)
    result["select_seconds"], found = select(now)
    result["select_none_due_seconds"] = round(result["select_none_due_seconds"], 3)
    result["select_seconds"] = round(result["select_seconds"], 3)
    problems = []
    if none_found:
        problems.append(f"{none_found} customers selected before the first one falls due")
    if found != len(due):
        problems.append(f"the job's selection finds {found} customers due, the rules' Python twin {len(due)}")
    runs = max(1, min(repeat, 3))
    seconds, in_db, queries = [], [], []
    for _run in range(runs):
        snapshot = Snapshot.take(due)
        try:
            timer = SqlTimer()
            with connection.execute_wrapper(timer):
                begun = time.perf_counter()
                outcome = reclaim_run(now)
                seconds.append(time.perf_counter() - begun)
            in_db.append(timer.seconds)
            queries.append(timer.count)
            problems += _check_reclaimed(snapshot, outcome)
        finally:
            snapshot.restore()
        if problems:
            break
    median = statistics.median(seconds)
    result.update({"runs": len(seconds), "seconds": round(median, 3), "min_seconds": round(min(seconds), 3),
                   "max_seconds": round(max(seconds), 3), "db_seconds": round(statistics.median(in_db), 3),
                   "queries": int(statistics.median(queries)), "reclaimed": outcome["reclaimed"],
                   "ms_per_due": round(median * 1000 / max(1, len(due)), 3),
                   # page-like columns for the table: the job's time, and one run's SQL statements
                   "median_ms": round(median * 1000, 1), "p95_ms": round(max(seconds) * 1000, 1),
                   "db_ms": round(statistics.median(in_db) * 1000, 1)})
    if problems:
        result["error"] = "; ".join(problems)
    target = RECLAIM_TARGET_SECONDS * len(due) / DUE_AT_SCALE_1
    failed = []
    if connection.vendor == "postgresql":
        result["target"] = {"seconds": round(target, 3), "seconds_per_10000_due": RECLAIM_TARGET_SECONDS}
        if median > target:
            failed.append("seconds")
    result["failed"] = failed
    result["passed"] = not failed and "error" not in result
    return result


def _check_reclaimed(snapshot: Snapshot, outcome: dict[str, Any]) -> list[str]:
    """Exactly the due customers went back, each to its pool with one reclaim in the pool log, one timeline
    event and a notice to its owner."""
    from collections import Counter

    from openfunnel.customers.models import Customer
    from openfunnel.pool.models import Pool

    problems = []
    due = set(snapshot.ids)
    if outcome["reclaimed"] != len(due) or outcome["skipped"]:
        problems.append(f"the job reclaimed {outcome['reclaimed']} (skipped {outcome['skipped']}) of {len(due)} due")
    logged = Counter(snapshot.new_rows("pool_event").filter(kind="reclaim").values_list("customer_id", flat=True))
    if set(logged) != due or set(logged.values()) != {1}:
        problems.append(f"{len(logged)} customers with reclaims logged ({sum(logged.values())} entries) "
                        f"for {len(due)} due")
    from openfunnel.pool.models import PoolEvent

    others = PoolEvent.objects.filter(pk__gt=snapshot.marks["pool_event"]).exclude(customer_id__in=snapshot.ids)
    if others.exists():
        problems.append(f"{others.count()} customers reclaimed that were not due")
    pools = {p.pk: p for p in Pool.objects.filter(kind="customer")}
    default = next((p.pk for p in pools.values() if p.is_default), None)
    before = {row["pk"]: row for row in snapshot.rows}
    wrong = 0
    for pk, owner_id, pool_id, previous in (Customer.objects.filter(pk__in=list(due))
                                            .values_list("pk", "owner_id", "pool_id", "previous_owner_id")):
        governing = pools.get(before[pk]["pool_id"] or default)
        target = (governing.reclaim_to_id or governing.pk) if governing else None
        if owner_id is not None or pool_id != target or previous != before[pk]["owner_id"]:
            wrong += 1
    if wrong:
        problems.append(f"{wrong} reclaimed customers not in their pool")
    events = snapshot.new_rows("event").filter(verb="pool.reclaimed").count()
    notices = snapshot.new_rows("notification").count()
    if events != len(due) or notices != len(due):
        problems.append(f"{events} timeline events and {notices} notices for {len(due)} reclaims")
    return problems
