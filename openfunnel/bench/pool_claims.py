"""pool.claim: claims per second with 8 parallel clients, each an OS process of its own (forked from the bench,
as gunicorn forks its workers) with its own database connection, its own rep and its own django.test.Client,
through the pool page's claim button and the API; then 8 clients race for the same customers (one winner each,
the others 409 already_claimed). Every round is put back.

Processes, not threads: Python runs one thread of a process at a time, so 8 threads measure one core however
many the server has; production serves with several worker processes (`openfunnel serve`: gunicorn)."""

from __future__ import annotations

import logging
import multiprocessing
import os
import statistics
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.db import connection, connections
from django.test.utils import CaptureQueriesContext

from openfunnel.bench.operations import Context, OperationError
from openfunnel.bench.pool_operations import Snapshot, pool_info

CLIENTS = 8
CLAIMS_PER_CLIENT = 25        # per round: 200 claims
CONTESTED = 20                # customers all 8 clients race for
CLAIM_TARGET = 200.0          # claims per second on PostgreSQL (issue 5)


@dataclass
class Claimer:
    user: Any
    client: Any
    csrf_token: str = ""


def _claimers(ctx: Context, pool_id: int) -> list[Claimer]:
    """Eight reps who are members of the pool (not the rep persona, whose pages are measured)."""
    from django.test import Client

    from openfunnel.accounts.models import User
    from openfunnel.pool.selectors import pools_visible_to

    found = []
    for user in (User.objects.filter(username__startswith="bench.rep", is_active=True)
                 .exclude(pk=ctx.users["rep"].pk).select_related("role").order_by("username")[:4 * CLIENTS]):
        if pools_visible_to(user).filter(pk=pool_id).exists():
            # as a browser: CSRF checked, its token from the pool page's claim forms (the cookie they set)
            client = Client(enforce_csrf_checks=True)
            client.force_login(user)
            page = client.get(f"/pool/{pool_id}/")
            if page.status_code != 200 or "csrftoken" not in client.cookies:
                raise OperationError(f"the pool page answered {page.status_code} without a CSRF cookie")
            found.append(Claimer(user, client, client.cookies["csrftoken"].value))
        if len(found) == CLIENTS:
            return found
    raise OperationError(f"fewer than {CLIENTS} reps are members of pool {pool_id}")


def _post(path: str) -> Callable[[Claimer, int], tuple[int, str, float]]:
    """A claim through the URL as a browser sends it: (status, error code of a JSON answer, seconds).

    The page's claim button posts a urlencoded form with the CSRF token; the API call sends JSON with the token
    in its header (a session's script). The page's answer is a redirect to the customer, whose page shows the
    message the claim left and so takes it out of the messages cookie: the cookie is dropped after each claim
    as that page would (left in place, a client that never follows the redirects carries every message it was
    ever given, up to the cookie's 4 kB, and each claim decodes and signs them all again)."""
    api = path.startswith("/api/")

    def post(claimer: Claimer, customer_id: int) -> tuple[int, str, float]:
        client = claimer.client
        started = time.perf_counter()
        if api:
            response = client.post(path, {"customer": customer_id}, content_type="application/json",
                                   headers={"X-CSRFToken": claimer.csrf_token})
        else:
            response = client.post(path, urlencode({"customer": customer_id,
                                                    "csrfmiddlewaretoken": claimer.csrf_token}),
                                   content_type="application/x-www-form-urlencoded")
        seconds = time.perf_counter() - started
        client.cookies.pop("messages", None)
        code = ""
        if api and response.status_code >= 400:
            code = response.json().get("error", {}).get("code", "")
        return response.status_code, code, seconds

    return post


def _forking() -> Any:
    """The fork start method where the platform has it (the children inherit the set-up Django and the logged-in
    clients); None elsewhere, where the clients are threads of this process."""
    return multiprocessing.get_context("fork") if "fork" in multiprocessing.get_all_start_methods() else None


def _database_cpu() -> float | None:
    """CPU seconds the PostgreSQL backend of this process's connection has used, when the server runs on this
    machine (its process is readable in /proc); None elsewhere."""
    if connection.vendor != "postgresql":
        return None
    connection.ensure_connection()
    pid = connection.connection.info.backend_pid
    try:
        if Path(f"/proc/{pid}/comm").read_text().strip() != "postgres":
            return None
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")   # utime + stime


def _run_clients(work: list[Callable[[], Any]], parallel: bool) -> tuple[float, float, list[Any], float | None]:
    """Runs one callable per client — each in a process of its own with its own database connection, released
    at once — or one after the other on this connection. Returns the wall time, the CPU seconds of the clients
    (their processes: the requests' Python, Django's handler included), each callable's result, and the CPU
    seconds of the clients' PostgreSQL backends (None unless processes on a local server)."""
    if not parallel:
        cpu, started = time.process_time(), time.perf_counter()
        results = [call() for call in work]
        return time.perf_counter() - started, time.process_time() - cpu, results, None
    fork = _forking()
    if fork is None:
        return (*_run_threads(work), None)
    connections.close_all()     # a forked child must not share this process's database connection
    start = fork.Barrier(len(work) + 1)
    answers = fork.Queue()

    def child(index: int) -> None:
        try:
            database = _database_cpu()    # connects before the start
            start.wait(timeout=120)
            cpu = time.process_time()
            result = work[index]()
            after = _database_cpu() if database is not None else None
            answers.put((index, None, time.process_time() - cpu, result,
                         None if after is None or database is None else after - database))
        except BaseException as error:  # reported by the parent, with the other clients' results
            answers.put((index, "".join(traceback.format_exception(error, limit=5)), 0.0, None, None))
        finally:
            connections.close_all()

    processes = [fork.Process(target=child, args=(index,), daemon=True) for index in range(len(work))]
    for process in processes:
        process.start()
    start.wait(timeout=120)
    started = time.perf_counter()
    got = [answers.get(timeout=600) for _ in processes]   # before join: a child exits once its answer is read
    wall = time.perf_counter() - started
    for process in processes:
        process.join(timeout=60)
    failed = [answer[1] for answer in got if answer[1]]
    if failed:
        raise OperationError(f"a client failed: {failed[0]}")
    results = [answer[3] for answer in sorted(got, key=lambda answer: answer[0])]
    database = [answer[4] for answer in got]
    return (wall, sum(answer[2] for answer in got), results,
            None if None in database else sum(d for d in database if d is not None))


def _run_threads(work: list[Callable[[], Any]]) -> tuple[float, float, list[Any]]:
    """Without fork: one thread per client (their Python shares one core)."""
    barrier = threading.Barrier(len(work) + 1)
    errors: list[BaseException] = []
    results: list[Any] = [None] * len(work)

    def worker(index: int) -> None:
        try:
            barrier.wait(timeout=60)
            results[index] = work[index]()
        except BaseException as error:  # reported below, with the others' results
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(index,)) for index in range(len(work))]
    for thread in threads:
        thread.start()
    cpu = time.process_time()
    barrier.wait(timeout=60)
    started = time.perf_counter()
    for thread in threads:
        thread.join()
    wall = time.perf_counter() - started
    if errors:
        raise OperationError(f"a client failed: {errors[0]!r}")
    return wall, time.process_time() - cpu, results


def _claim_round(claimers: list[Claimer], batches: list[list[int]], path: str, ok: int,
                 parallel: bool) -> dict[str, Any]:
    """Each client claims its own customers one after the other; all clients at once."""
    post = _post(path)

    def client_work(index: int) -> Callable[[], list[tuple[int, str, float]]]:
        return lambda: [post(claimers[index], customer_id) for customer_id in batches[index]]

    database = None
    if parallel:
        wall, cpu, results, database = _run_clients([client_work(i) for i in range(len(claimers))], parallel=True)
    else:  # interleaved, as parallel clients would be, on this connection
        results = [[] for _ in claimers]
        cpu, started = time.process_time(), time.perf_counter()
        for position in range(max(len(b) for b in batches)):
            for index, claimer in enumerate(claimers):
                if position < len(batches[index]):
                    results[index].append(post(claimer, batches[index][position]))
        wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    statuses = [status for per_client in results for status, _code, _s in per_client]
    return {"wall": wall, "cpu": cpu, "database_cpu": database,
            "latencies": [s for per_client in results for _st, _c, s in per_client],
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
    fork = _forking() if parallel else None

    def attempt(claimer: Claimer, customer_id: int) -> tuple[int, str, int]:
        status, code, _seconds = post(claimer, customer_id)
        return status, code, claimer.user.pk

    try:
        if fork is not None:
            # the same 8 processes for every customer, released together before each one
            each = fork.Barrier(len(claimers))

            def racer(claimer: Claimer) -> list[tuple[int, str, int]]:
                got = []
                for customer_id in customers:
                    each.wait(timeout=120)
                    got.append(attempt(claimer, customer_id))
                return got

            _wall, _cpu, per_client, _database = _run_clients([lambda c=c: racer(c) for c in claimers], True)
            for got in per_client:
                for customer_id, answer in zip(customers, got, strict=True):
                    answers[customer_id].append(answer)
        else:
            for customer_id in customers:
                _wall, _cpu, got, _database = _run_clients(
                    [lambda c=c, k=customer_id: attempt(c, k) for c in claimers], parallel)
                answers[customer_id] += got
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
    result: dict[str, Any] = {"clients": CLIENTS, "parallel": parallel,
                              "client_kind": ("processes" if _forking() else "threads") if parallel else "turns",
                              "claims_per_round": len(owners),
                              "rounds": rounds, "pool": pool_id,
                              # what a claim's request reads besides the claim: REDIS_URL makes sessions cached_db
                              "sessions": settings.SESSION_ENGINE.rsplit(".", 1)[-1],
                              # the hot statements prepared once per connection (core.prepared)
                              "prepared_statements": bool(connection.vendor == "postgresql"
                                                          and settings.DATABASE_PREPARED_STATEMENTS),
                              "server_side_binding": bool(connection.settings_dict.get("OPTIONS", {})
                                                          .get("server_side_binding"))}
    if not parallel:
        result["note"] = "inside a transaction: the clients took turns on one connection"
    paths = {"web": (f"/pool/{pool_id}/claim/", 302), "api": (f"/api/v1/pools/{pool_id}/claim/", 200)}
    problems: list[str] = []
    for via, (path, ok) in paths.items():
        rates, latencies, cpu, database_cpu = [], [], [], []
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
                    if done["database_cpu"] is not None:
                        database_cpu.append(done["database_cpu"] / sum(len(b) for b in chosen))
                    latencies += done["latencies"]
            finally:
                snapshot.restore()
        if rates:
            from openfunnel.bench.measure import percentile

            result[via] = {"path": path, "claims_per_second": round(statistics.median(rates), 1),
                           "rates": [round(r, 1) for r in rates],
                           "median_ms": round(statistics.median(latencies) * 1000, 2),
                           "p95_ms": round(percentile(latencies, 0.95) * 1000, 2),
                           "queries": _claim_queries(claimers[0], path, batches[0][:2]),
                           # the clients' processes (Django's handler runs in them); the database's CPU is not in it
                           "cpu_ms": round(statistics.median(cpu) * 1000, 2),
                           # their PostgreSQL backends' CPU (a local server only; clock ticks of 10 ms summed)
                           **({"database_cpu_ms": round(statistics.median(database_cpu) * 1000, 2)}
                              if database_cpu else {})}
    result["contention"] = _contention(claimers, contested, pool_id, parallel)
    for claimer in claimers:
        claimer.client.logout()
    if "web" in result:
        result.update({key: result["web"][key] for key in ("claims_per_second", "median_ms", "p95_ms", "queries")})
    if problems:
        result["error"] = "; ".join(problems)
    _judge_claims(result)
    return result


def _claim_queries(claimer: Claimer, path: str, customer_ids: list[int]) -> int:
    """The SQL statements of one claim (session and user included), after a first claim has filled what the
    process keeps (reference data: the department tree, the pools)."""
    snapshot = Snapshot.take(customer_ids[:2])
    try:
        post = _post(path)
        if len(customer_ids) > 1:
            post(claimer, customer_ids.pop(0))
        with CaptureQueriesContext(connection) as captured:
            post(claimer, customer_ids[0])
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
