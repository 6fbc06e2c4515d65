"""The public pool's operations: the pool page (a page with its hand SQL), claims under 8 parallel clients
(throughput, with a contention check), and the reclaim job with a known number of customers due.

The claims and the job change data; each run puts back what it changed (the customers' pool columns, and the
pool log entries, timeline events and notices it wrote), so that a later run, or the next repetition,
starts from the same company.
"""

from __future__ import annotations

import datetime as dt
import logging
import statistics
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, connections, transaction
from django.test.utils import CaptureQueriesContext

from openfunnel.bench.operations import Context, Operation, OperationError, _in, register

CLIENTS = 8
CLAIMS_PER_CLIENT = 25        # per round: 200 claims
CONTESTED = 20                # customers all 8 clients race for
CLAIM_TARGET = 200.0          # claims per second on PostgreSQL (issue 5)
DUE_AT_SCALE_1 = 10_000
DUE_AT_LEAST = 300
RECLAIM_TARGET_SECONDS = 10.0  # for 10,000 due: the time may grow with the due customers, not the table
POOL_COLUMNS = ["owner_id", "owner_since", "pool_id", "pool_entered_at", "pool_reason", "previous_owner_id",
                "version", "updated_at"]


# --- the pool the operations use ----------------------------------------------------------------------------

@dataclass
class PoolInfo:
    pool_id: int
    size: int            # customers lying in it


def pool_info(ctx: Context) -> PoolInfo:
    """The biggest pool the rep is a member of (found once per run)."""
    if "pool" not in ctx.extra:
        from django.db.models import Count

        from openfunnel.customers.models import Customer

        pools = ctx.pool_ids.get("rep") or []
        row = (Customer.objects.filter(owner__isnull=True, deleted_at__isnull=True, pool_id__in=pools)
               .values("pool_id").annotate(n=Count("id")).order_by("-n", "pool_id").first())
        if row is None:
            raise OperationError("no public pool holds customers the rep may claim: the benchmark data was "
                                 "generated before the pools; generate it again into an empty database")
        ctx.extra["pool"] = PoolInfo(pool_id=row["pool_id"], size=row["n"])
    return ctx.extra["pool"]


def pool_page_sql(cursor: Any, ctx: Context) -> None:
    """What the pool page shows a member: the pool (if the rep is a member), the number of customers in it
    (the page counts them all: it shows page n of m), and the first 25, newest in the pool first, with their
    level's name."""
    pool_id, pools = pool_info(ctx).pool_id, ctx.pool_ids["rep"]
    cursor.execute("SELECT id, name, kind, claim_mode, max_owned_per_user, daily_claim_limit, "
                   "reclaim_after_claim_days, reclaim_no_follow_up_days, reclaim_no_deal_days FROM pool_pool "
                   f"WHERE id = %s AND id IN ({_in(pools)})", [pool_id, *pools])
    cursor.fetchall()
    where = "c.pool_id = %s AND c.owner_id IS NULL AND c.deleted_at IS NULL"
    cursor.execute(f"SELECT COUNT(*) FROM customers_customer c WHERE {where}", [pool_id])
    cursor.fetchone()
    cursor.execute("SELECT c.id, c.name, c.industry, c.region, c.last_follow_up_at, c.pool_entered_at, "
                   "c.pool_reason, l.name FROM customers_customer c LEFT JOIN customers_customerlevel l "
                   f"ON l.id = c.level_id WHERE {where} ORDER BY c.pool_entered_at DESC, c.id DESC LIMIT 25",
                   [pool_id])
    cursor.fetchall()


# --- putting back what an operation changed -----------------------------------------------------------------

@dataclass
class Snapshot:
    """The pool columns of some customers and the last ids of the tables the pool services append to."""

    rows: list[dict[str, Any]]
    marks: dict[str, int] = field(default_factory=dict)

    @classmethod
    def take(cls, customer_ids: list[int]) -> Snapshot:
        from openfunnel.customers.models import Customer

        rows = []
        for start in range(0, len(customer_ids), 1000):
            rows += list(Customer.objects.filter(pk__in=customer_ids[start:start + 1000]).values("pk", *POOL_COLUMNS))
        return cls(rows=rows, marks={name: _last_id(model) for name, model in _log_models().items()})

    @property
    def ids(self) -> list[int]:
        return [row["pk"] for row in self.rows]

    def new_rows(self, name: str) -> Any:
        """What the operation appended to one of the log tables about these customers."""
        model = _log_models()[name]
        about = {"object_type": "customer", "object_id__in": self.ids} if name == "notification" else {
            "customer_id__in": self.ids}
        return model.objects.filter(pk__gt=self.marks[name], **about)

    def restore(self) -> None:
        from openfunnel.customers.models import Customer

        with transaction.atomic():
            for name in _log_models():
                for start in range(0, len(self.rows), 1000):
                    chunk = Snapshot(self.rows[start:start + 1000], self.marks)
                    chunk.new_rows(name).delete()
            Customer.objects.bulk_update([Customer(**row) for row in self.rows], POOL_COLUMNS, batch_size=500)


def _log_models() -> dict[str, Any]:
    from openfunnel.audit.models import Event
    from openfunnel.automation.models import Notification
    from openfunnel.pool.models import PoolEvent

    return {"pool_event": PoolEvent, "event": Event, "notification": Notification}


def _last_id(model: Any) -> int:
    return model.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


# --- claims under parallel clients ---------------------------------------------------------------------------

@dataclass
class Claimer:
    user: Any
    client: Any


def _claimers(ctx: Context, pool_id: int) -> list[Claimer]:
    """Eight reps who are members of the pool (not the rep persona, whose pages are measured)."""
    from django.test import Client

    from openfunnel.accounts.models import User
    from openfunnel.pool.selectors import pools_visible_to

    found = []
    for user in (User.objects.filter(username__startswith="bench.rep", is_active=True)
                 .exclude(pk=ctx.users["rep"].pk).select_related("role").order_by("username")[:4 * CLIENTS]):
        if pools_visible_to(user).filter(pk=pool_id).exists():
            client = Client()
            client.force_login(user)
            found.append(Claimer(user, client))
        if len(found) == CLIENTS:
            return found
    raise OperationError(f"fewer than {CLIENTS} reps are members of pool {pool_id}")


def _post(path: str) -> Callable[[Any, int], tuple[int, str, float]]:
    """A claim through the URL: (status, error code of a JSON answer, seconds)."""
    api = path.startswith("/api/")

    def post(client: Any, customer_id: int) -> tuple[int, str, float]:
        started = time.perf_counter()
        if api:
            response = client.post(path, {"customer": customer_id}, content_type="application/json")
        else:
            response = client.post(path, {"customer": str(customer_id)})
        seconds = time.perf_counter() - started
        code = ""
        if api and response.status_code >= 400:
            code = response.json().get("error", {}).get("code", "")
        return response.status_code, code, seconds

    return post


def _run_clients(work: list[Callable[[], None]], parallel: bool) -> float:
    """Runs one callable per client, each in its own thread (its own database connection) released at once,
    or one after the other on this connection; returns the wall time."""
    if not parallel:
        started = time.perf_counter()
        for call in work:
            call()
        return time.perf_counter() - started
    barrier = threading.Barrier(len(work) + 1)
    errors: list[BaseException] = []

    def worker(call: Callable[[], None]) -> None:
        try:
            barrier.wait(timeout=60)
            call()
        except BaseException as error:  # reported below, with the others' results
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(call,)) for call in work]
    for thread in threads:
        thread.start()
    barrier.wait(timeout=60)
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    if errors:
        raise OperationError(f"a client failed: {errors[0]!r}")
    return wall


def _claim_round(claimers: list[Claimer], batches: list[list[int]], path: str, ok: int,
                 parallel: bool) -> dict[str, Any]:
    """Each client claims its own customers one after the other; all clients at once."""
    post = _post(path)
    results: list[list[tuple[int, str, float]]] = [[] for _ in claimers]

    def client_work(index: int) -> Callable[[], None]:
        def work() -> None:
            for customer_id in batches[index]:
                results[index].append(post(claimers[index].client, customer_id))
        return work

    cpu = time.process_time()   # every thread of this process: the claims' Python and the client's
    if parallel:
        wall = _run_clients([client_work(i) for i in range(len(claimers))], parallel=True)
    else:  # interleaved, as parallel clients would be, on this connection
        started = time.perf_counter()
        for position in range(max(len(b) for b in batches)):
            for index, claimer in enumerate(claimers):
                if position < len(batches[index]):
                    results[index].append(post(claimer.client, batches[index][position]))
        wall = time.perf_counter() - started
    cpu = time.process_time() - cpu
    statuses = [status for per_client in results for status, _code, _s in per_client]
    return {"wall": wall, "cpu": cpu, "latencies": [s for per_client in results for _st, _c, s in per_client],
            "failed": [s for s in statuses if s != ok]}


def _check_claimed(snapshot: Snapshot, owners: dict[int, int]) -> list[str]:
    """Each customer is its claimer's, with one claim in the pool log and one timeline event."""
    from collections import Counter

    from openfunnel.customers.models import Customer

    problems = []
    actual = dict(Customer.objects.filter(pk__in=list(owners)).values_list("pk", "owner_id"))
    if actual != owners:
        problems.append(f"{sum(actual.get(k) != v for k, v in owners.items())} customers not owned by their claimer")
    claims = Counter(snapshot.new_rows("pool_event").filter(kind="claim").values_list("customer_id", flat=True))
    if set(claims) != set(owners) or set(claims.values()) != {1}:
        problems.append("pool log claims do not match the claimed customers one to one")
    events = snapshot.new_rows("event").filter(verb="pool.claimed").count()
    if events != len(owners):
        problems.append(f"{events} pool.claimed events for {len(owners)} claims")
    return problems


def _contention(claimers: list[Claimer], customers: list[int], pool_id: int, parallel: bool) -> dict[str, Any]:
    """All clients claim the same customer at the same moment, customer after customer (the API, whose
    refusals carry their code): exactly one wins each, the others get 409 already_claimed."""
    from openfunnel.customers.models import Customer

    post = _post(f"/api/v1/pools/{pool_id}/claim/")
    snapshot = Snapshot.take(customers)
    answers: dict[int, list[tuple[int, str, int]]] = {c: [] for c in customers}
    lock = threading.Lock()

    def attempt(claimer: Claimer, customer_id: int) -> None:
        status, code, _seconds = post(claimer.client, customer_id)
        with lock:
            answers[customer_id].append((status, code, claimer.user.pk))

    try:
        for customer_id in customers:
            _run_clients([lambda c=c, k=customer_id: attempt(c, k) for c in claimers], parallel)
        owners = dict(Customer.objects.filter(pk__in=customers).values_list("pk", "owner_id"))
        wrong = []
        for customer_id, got in answers.items():
            winners = [user for status, _code, user in got if status == 200]
            losers = [code for status, code, _user in got if status != 200]
            if len(winners) != 1 or losers != ["already_claimed"] * (len(claimers) - 1) \
                    or owners.get(customer_id) != winners[0]:
                wrong.append({"customer": customer_id, "answers": sorted((s, c) for s, c, _u in got)})
        claims = snapshot.new_rows("pool_event").filter(kind="claim").count()
        passed = not wrong and claims == len(customers)
        return {"customers": len(customers), "requests": sum(len(v) for v in answers.values()),
                "one_winner_each": len(customers) - len(wrong), "claims_logged": claims, "passed": passed,
                **({"wrong": wrong[:5]} if wrong else {})}
    finally:
        snapshot.restore()


def claim_runner(ctx: Context, repeat: int, warmup: int) -> dict[str, Any]:
    """Claims per second with 8 clients claiming distinct customers at once, through the web page's claim
    button (POST /pool/<id>/claim/, answered with a redirect) and through the API; then the contention round."""
    # the refused claims of the contention round would each log a warning ("Conflict: /api/…")
    requests_log = logging.getLogger("django.request")
    level = requests_log.level
    requests_log.setLevel(logging.ERROR)
    try:
        return _claims(ctx, repeat, warmup)
    finally:
        requests_log.setLevel(level)


def _claims(ctx: Context, repeat: int, warmup: int) -> dict[str, Any]:
    from openfunnel.customers.models import Customer

    pool_id = pool_info(ctx).pool_id
    # inside a transaction (the test suite) other connections cannot see the data: the clients take turns
    parallel = not connection.in_atomic_block
    claimers = _claimers(ctx, pool_id)
    available = list(Customer.objects.filter(pool_id=pool_id, owner__isnull=True, deleted_at__isnull=True)
                     .exclude(previous_owner_id__in=[c.user.pk for c in claimers])   # their cooldown
                     .order_by("pk").values_list("pk", flat=True)[:CLIENTS * CLAIMS_PER_CLIENT + CONTESTED])
    contested = available[-min(CONTESTED, max(1, len(available) // 5)):]
    per_client = min(CLAIMS_PER_CLIENT, (len(available) - len(contested)) // CLIENTS)
    if per_client < 1:
        raise OperationError(f"pool {pool_id} holds too few customers to claim ({len(available)})")
    batches = [available[i * per_client:(i + 1) * per_client] for i in range(CLIENTS)]
    owners = {customer_id: claimers[i].user.pk for i, batch in enumerate(batches) for customer_id in batch}
    rounds = max(1, min(repeat, 5))
    result: dict[str, Any] = {"clients": CLIENTS, "parallel": parallel, "claims_per_round": len(owners),
                              "rounds": rounds, "pool": pool_id}
    if not parallel:
        result["note"] = "inside a transaction: the clients took turns on one connection"
    paths = {"web": (f"/pool/{pool_id}/claim/", 302), "api": (f"/api/v1/pools/{pool_id}/claim/", 200)}
    problems: list[str] = []
    for via, (path, ok) in paths.items():
        rates, latencies, cpu = [], [], []
        for number in range(max(warmup, 1) + rounds):
            snapshot = Snapshot.take(list(owners))
            try:
                # the warm-up rounds claim two customers per client (connections, code paths, caches)
                measured = number >= max(warmup, 1)
                chosen = batches if measured else [b[:2] for b in batches]
                done = _claim_round(claimers, chosen, path, ok, parallel)
                if done["failed"]:
                    problems.append(f"{via}: {len(done['failed'])} claims answered {sorted(set(done['failed']))}")
                    break
                if measured:
                    claimed = {k: claimers[i].user.pk for i, batch in enumerate(chosen) for k in batch}
                    problems += [f"{via}: {p}" for p in _check_claimed(snapshot, claimed)]
                    rates.append(sum(len(b) for b in chosen) / done["wall"])
                    cpu.append(done["cpu"] / sum(len(b) for b in chosen))
                    latencies += done["latencies"]
            finally:
                snapshot.restore()
        if rates:
            from openfunnel.bench.measure import percentile

            result[via] = {"path": path, "claims_per_second": round(statistics.median(rates), 1),
                           "rates": [round(r, 1) for r in rates],
                           "median_ms": round(statistics.median(latencies) * 1000, 2),
                           "p95_ms": round(percentile(latencies, 0.95) * 1000, 2),
                           "queries": _claim_queries(claimers[0], path, batches[0][0]),
                           # Python holds one core at a time (the GIL): 1000 / cpu_ms is this process's ceiling,
                           # whatever the database does; a server runs several worker processes
                           "cpu_ms": round(statistics.median(cpu) * 1000, 2)}
    result["contention"] = _contention(claimers, contested, pool_id, parallel)
    for claimer in claimers:
        claimer.client.logout()
    if "web" in result:
        result.update({key: result["web"][key] for key in ("claims_per_second", "median_ms", "p95_ms", "queries")})
    if problems:
        result["error"] = "; ".join(problems)
    _judge_claims(result)
    return result


def _claim_queries(claimer: Claimer, path: str, customer_id: int) -> int:
    """The SQL statements of one claim (session and user included)."""
    snapshot = Snapshot.take([customer_id])
    try:
        with CaptureQueriesContext(connection) as captured:
            _post(path)(claimer.client, customer_id)
        return len(captured.captured_queries)
    finally:
        snapshot.restore()


def _judge_claims(result: dict[str, Any]) -> None:
    failed = []
    if not result["contention"]["passed"]:
        failed.append("contention")
    if connection.vendor == "postgresql":   # SQLite writes one at a time: its figure is reported, not judged
        result["target"] = {"claims_per_second": CLAIM_TARGET}
        if result.get("claims_per_second", 0) < CLAIM_TARGET:
            failed.append("claims/s")
    result["failed"] = failed
    result["passed"] = not failed and "error" not in result


# --- the reclaim job -----------------------------------------------------------------------------------------

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


def register_pool_operations() -> None:
    register(Operation(
        "pool.page", "public pool page, first page, as a rep who is a member (the biggest pool)", "rep",
        path=lambda ctx: f"/pool/{pool_info(ctx).pool_id}/", sql=pool_page_sql), replace=True)
    register(Operation(
        "pool.claim", f"claim throughput under {CLIENTS} parallel clients, and {CLIENTS} racing for one customer",
        None, kind="throughput", runner=claim_runner), replace=True)
    register(Operation(
        "jobs.reclaim", "reclaim job with 10,000 customers due among the million (scaled)", None, kind="job",
        runner=reclaim_runner), replace=True)
