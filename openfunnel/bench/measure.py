"""Running the operations: warm-up, timed runs with the real URL handlers (django.test.Client, server
time = the time around client.get), one more run counting the SQL queries, then the hand-written SQL
the same number of times on the same connection."""

from __future__ import annotations

import math
import statistics
import time
from collections.abc import Callable
from typing import Any

from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from openfunnel.bench.operations import OPERATIONS, Context, Operation, OperationError, vendor_targets


def percentile(values: list[float], fraction: float) -> float:
    """Linear interpolation between closest ranks (numpy's default)."""
    ordered = sorted(values)
    if not ordered:
        return math.nan
    position = (len(ordered) - 1) * fraction
    low, high = math.floor(position), math.ceil(position)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def build_context() -> Context:
    """Finds the personas and the sample records in the generated company."""
    from django.db.models import Count

    from openfunnel.accounts.models import Department, User
    from openfunnel.accounts.scope import department_subtree_ids, visible_owner_ids
    from openfunnel.activities.models import Activity
    from openfunnel.bench.generate import ADMIN_USERNAME, MANAGER_USERNAME, REP_USERNAME, search_term
    from openfunnel.customers.models import CustomerLevel, CustomerShare
    from openfunnel.sales.models import Pipeline

    users = {
        "rep": User.objects.select_related("role").get(username=REP_USERNAME),
        "manager": User.objects.select_related("role").get(username=MANAGER_USERNAME),
        "admin": User.objects.select_related("role").get(username=ADMIN_USERNAME),
    }
    owner_ids, pool_ids, shared_ids = {}, {}, {}
    for persona, user in users.items():
        pool_ids[persona] = _member_pools(user)
        shared_ids[persona] = sorted(CustomerShare.objects.filter(user=user).values_list("customer_id", flat=True))
        ids = visible_owner_ids(user)
        owner_ids[persona] = sorted(ids) if ids is not None else None
        for attr in ("_openfunnel_owner_ids", "_openfunnel_perms"):
            if hasattr(user, attr):
                delattr(user, attr)
    level = (
        CustomerLevel.objects.filter(is_active=True).order_by("order", "id")[1:2].first()
        or CustomerLevel.objects.first()
    )
    busiest = (
        Activity.objects.filter(customer__owner=users["rep"])
        .values("customer_id")
        .annotate(n=Count("id"))
        .order_by("-n", "customer_id")
        .first()
    )
    if busiest is None:
        from openfunnel.customers.models import Customer

        customer = (
            Customer.objects.filter(owner=users["rep"]).order_by("id").first() or Customer.objects.first()
        )
        customer_id = customer.pk
    else:
        customer_id = busiest["customer_id"]
    region = Department.objects.get(pk=users["manager"].department_id)
    pipeline = Pipeline.objects.filter(is_active=True).order_by("order", "id").first()
    return Context(
        vendor=connection.vendor,
        users=users,
        owner_ids=owner_ids,
        level_id=level.pk if level else None,
        search=search_term(0),
        customer_id=customer_id,
        region_id=region.pk,
        region_subtree=department_subtree_ids(region.pk),
        pipeline_id=pipeline.pk,
        pool_ids=pool_ids,
        shared_ids=shared_ids,
    )


def _member_pools(user: Any) -> list[int]:
    """The public pools the user is a member of (their unowned customers are in the user's scope)."""
    try:
        from openfunnel.pool.selectors import member_pool_ids
    except ImportError:
        return []
    return sorted(row["pk"] for row in member_pool_ids(user))


def login_clients(ctx: Context) -> None:
    for persona, user in ctx.users.items():
        client = Client()
        client.force_login(user)
        ctx.clients[persona] = client


def logout_clients(ctx: Context) -> None:
    for client in ctx.clients.values():
        client.logout()


def _ms(seconds: float) -> float:
    return round(seconds * 1000, 2)


class SqlTimer:
    """An execute wrapper adding up the time spent in the database during one request (more precise, and
    lighter, than the debug cursor's millisecond strings)."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self.count = 0

    def __call__(self, execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            self.seconds += time.perf_counter() - started
            self.count += 1


def measure_page(
    operation: Operation, ctx: Context, repeat: int, warmup: int, keep_queries: bool = False
) -> dict[str, Any]:
    assert operation.path is not None
    client = ctx.clients[operation.persona or "admin"]
    path = operation.path(ctx)
    result: dict[str, Any] = {"path": path}
    for _ in range(max(warmup, 1)):
        response = client.get(path)
    if response.status_code != 200:
        result["error"] = f"HTTP {response.status_code}"
        return result
    result["bytes"] = len(response.content)
    timings, in_db, cpu = [], [], []
    for _ in range(repeat):
        timer = SqlTimer()
        with connection.execute_wrapper(timer):
            started, started_cpu = time.perf_counter(), time.process_time()
            response = client.get(path)
            timings.append(time.perf_counter() - started)
            cpu.append(time.process_time() - started_cpu)
        in_db.append(timer.seconds)
    with CaptureQueriesContext(connection) as captured:
        client.get(path)
    result.update(
        {
            "median_ms": _ms(statistics.median(timings)),
            "p95_ms": _ms(percentile(timings, 0.95)),
            "min_ms": _ms(min(timings)),
            "queries": len(captured.captured_queries),
            "db_ms": _ms(statistics.median(in_db)),
            # CPU time of this process: on a busy machine it shows how much of the wall time was waiting
            "cpu_ms": _ms(statistics.median(cpu)),
        }
    )
    if keep_queries:
        result["query_log"] = [
            {"ms": round(float(q.get("time") or 0) * 1000, 1), "sql": q["sql"][:20000]}
            for q in captured.captured_queries
        ]
    if operation.sql is not None:
        sql_timings = []
        with connection.cursor() as cursor:
            for _ in range(max(warmup, 1)):
                operation.sql(cursor, ctx)
            for _ in range(repeat):
                started = time.perf_counter()
                operation.sql(cursor, ctx)
                sql_timings.append(time.perf_counter() - started)
        sql_median = statistics.median(sql_timings)
        result.update(
            {
                "sql_ms": _ms(sql_median),
                "sql_p95_ms": _ms(percentile(sql_timings, 0.95)),
                "ratio": round(statistics.median(timings) / sql_median, 2) if sql_median else None,
                "db_ratio": round(statistics.median(in_db) / sql_median, 2) if sql_median else None,
            }
        )
    return result


def judge(operation: Operation, result: dict[str, Any]) -> None:
    """Adds the targets and which of them the figures miss."""
    if not operation.has_targets or "p95_ms" not in result:
        return
    targets = vendor_targets()
    result["target"] = dict(targets)
    failed = []
    if result["p95_ms"] > targets["p95_ms"]:
        failed.append("p95")
    if result["queries"] > targets["queries"]:
        failed.append("queries")
    if result.get("ratio") is not None and result["ratio"] > targets["ratio"]:
        failed.append("ratio")
    result["failed"] = failed
    result["passed"] = not failed


def run_operations(
    ctx: Context,
    *,
    names: list[str],
    repeat: int,
    warmup: int,
    keep_queries: bool = False,
    report: Callable[[str], None] = lambda line: None,
) -> list[dict[str, Any]]:
    results = []
    for name in names:
        operation = OPERATIONS[name]
        entry: dict[str, Any] = {
            "name": name,
            "description": operation.description,
            "kind": operation.kind,
            "persona": operation.persona,
            "available": operation.unavailable is None,
        }
        try:
            if operation.unavailable is not None:
                entry["reason"] = operation.unavailable
            elif operation.runner is not None:
                report(f"measuring {name} …")
                entry.update(operation.runner(ctx, repeat, warmup))
            else:
                report(f"measuring {name} …")
                entry.update(measure_page(operation, ctx, repeat, warmup, keep_queries))
                judge(operation, entry)
        except OperationError as error:
            entry["error"] = str(error)
        except Exception as error:  # a page that fails is reported; the other figures of a long run are kept
            entry["error"] = f"{type(error).__name__}: {error}"
        results.append(entry)
    return results
