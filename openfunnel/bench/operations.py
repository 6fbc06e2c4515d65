"""What the benchmark measures: a registry of operations, each a real URL fetched as a persona (or a
custom runner), with the hand-written SQL that fetches the same data for the same scope.

Add an operation with `register(Operation(...))`: a page (path and hand SQL), or a runner measuring
something else (pool_operations.py: claims under parallel clients, the reclaim job).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db import connection

from openfunnel.core.pagination import COUNT_CAP
from openfunnel.customers import search_index

# What "fast enough" means (issue 5): server time p95, SQL queries per page, and the ratio of the median
# server time to the median time of the hand-written SQL.
PAGE_TARGETS = {
    "postgresql": {"p95_ms": 50.0, "queries": 10, "ratio": 3.0},
    "sqlite": {"p95_ms": 150.0, "queries": 10, "ratio": 3.0},
}


@dataclass
class Context:
    """What the operations need to know about the generated company (found by `build_context`)."""

    vendor: str
    users: dict[str, Any]
    owner_ids: dict[str, list[int] | None]
    level_id: int | None
    search: str
    customer_id: int
    region_id: int
    region_subtree: list[int]
    pipeline_id: int
    pool_ids: dict[str, list[int]] = field(default_factory=dict)
    shared_ids: dict[str, list[int]] = field(default_factory=dict)
    clients: dict[str, Any] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)   # what operations find once and keep for the run

    @property
    def like(self) -> str:
        return "ILIKE" if self.vendor == "postgresql" else "LIKE"


@dataclass
class Operation:
    name: str
    description: str
    persona: str | None = None
    path: Callable[[Context], str] | None = None
    sql: Callable[[Any, Context], None] | None = None
    kind: str = "page"  # page | api | throughput | job
    runner: Callable[[Context, int, int], dict[str, Any]] | None = None
    unavailable: str | None = None  # why it cannot be measured yet

    @property
    def has_targets(self) -> bool:
        return self.kind in ("page", "api")


class OperationError(Exception):
    """An operation cannot be measured on this data; the message says why (reported, the run goes on)."""


OPERATIONS: dict[str, Operation] = {}


def register(operation: Operation, replace: bool = False) -> Operation:
    if operation.name in OPERATIONS and not replace:
        raise ValueError(f"operation {operation.name} is registered already")
    OPERATIONS[operation.name] = operation
    return operation


# --- hand-written SQL helpers ------------------------------------------------------------------------------


def _in(values: list[int]) -> str:
    return ", ".join(["%s"] * len(values))


def customer_scope(ctx: Context, persona: str, alias: str = "c") -> tuple[str, list[Any]]:
    """customers.selectors.customer_scope_q, by hand (everything for a scope of "all"). The few customers
    shared with the actor are resolved up front like the owners and pools, so that PostgreSQL can OR
    index scans (an OR with a subquery would make it scan the whole table)."""
    ids = ctx.owner_ids[persona]
    if ids is None:
        return "1 = 1", []
    sql, params = f"({alias}.owner_id IN ({_in(ids)})", [*ids]
    shared = ctx.shared_ids.get(persona) or []
    if shared:
        sql += f" OR {alias}.id IN ({_in(shared)})"
        params += shared
    pools = ctx.pool_ids.get(persona) or []
    if pools:
        sql += f" OR ({alias}.owner_id IS NULL AND {alias}.pool_id IN ({_in(pools)}))"
        params += pools
    return sql + ")", params


def opportunity_scope(ctx: Context, persona: str) -> tuple[str, list[Any]]:
    """sales.selectors.opportunity_scope_q, by hand: owned in scope, shared with the actor, or on a customer
    in scope (read from the opportunity's copy of its customer's owner and pool)."""
    if ctx.owner_ids[persona] is None:
        return "1 = 1", []
    owned, params = owned_scope(ctx, persona, "o")
    sql = f"({owned} OR o.id IN (SELECT opportunity_id FROM sales_opportunityshare WHERE user_id = %s)"
    params.append(ctx.users[persona].pk)
    shared = ctx.shared_ids.get(persona) or []
    if shared:
        sql += f" OR o.customer_id IN ({_in(shared)})"
        params += shared
    return sql + ")", params


def owned_scope(ctx: Context, persona: str, alias: str) -> tuple[str, list[Any]]:
    """The scope without the shares, on the columns an opportunity and a kanban tally row both have: owned in
    scope, or on a customer owned in scope or in a member pool."""
    ids = ctx.owner_ids[persona]
    if ids is None:
        return "1 = 1", []
    sql = f"({alias}.owner_id IN ({_in(ids)}) OR {alias}.customer_owner_id IN ({_in(ids)})"
    params: list[Any] = [*ids, *ids]
    pools = ctx.pool_ids.get(persona) or []
    if pools:
        sql += f" OR ({alias}.customer_owner_id IS NULL AND {alias}.customer_pool_id IN ({_in(pools)}))"
        params += pools
    return sql + ")", params


def customer_page_sql(
    cursor: Any,
    ctx: Context,
    persona: str,
    *,
    extra: str = "",
    extra_params: tuple = (),
    order: str = "c.created_at DESC, c.id DESC",
    limit: int = 25,
) -> None:
    """The rows of one customer list page (names of level and owner joined), their tags, and the count."""
    scope, params = customer_scope(ctx, persona)
    where = f"c.deleted_at IS NULL AND {scope}{extra}"
    params = [*params, *extra_params]
    cursor.execute(
        "SELECT c.id, c.name, c.status, c.industry, c.region, c.phone, c.last_follow_up_at, c.next_follow_up_at, "
        "c.created_at, l.name, u.name, u.username FROM customers_customer c "
        "LEFT JOIN customers_customerlevel l ON l.id = c.level_id LEFT JOIN accounts_user u ON u.id = c.owner_id "
        f"WHERE {where} ORDER BY {order} LIMIT {limit}",
        params,
    )
    ids = [row[0] for row in cursor.fetchall()]
    if ids:
        cursor.execute(
            "SELECT ct.customer_id, t.name FROM customers_customer_tags ct JOIN customers_tag t "
            f"ON t.id = ct.tag_id WHERE ct.customer_id IN ({_in(ids)})",
            ids,
        )
        cursor.fetchall()
    # the lists count up to the cap and then say "more than" (openfunnel.core.pagination)
    cursor.execute(f"SELECT COUNT(*) FROM (SELECT 1 FROM customers_customer c WHERE {where} LIMIT {COUNT_CAP + 1}) s",
                   params)
    cursor.fetchone()


def _search_clause(ctx: Context) -> tuple[str, tuple[Any, ...]]:
    """The customer list's text search. On PostgreSQL as the trigram indexes serve it (UPPER(column) LIKE,
    customers migration 0005), the contacts' customers as an IN list of an indexed lookup; on SQLite the LIKE
    conditions on the candidates of the FTS5 trigram index."""
    pattern = f"%{ctx.search}%"
    if ctx.vendor == "postgresql":
        match = "UPPER({}) LIKE UPPER(%s)"
        columns = " OR ".join(match.format(f"c.{name}") for name in ("name", "phone", "uscc", "email"))
        return (
            f" AND ({columns} OR c.id IN (SELECT ct.customer_id FROM customers_contact ct "
            f"WHERE ct.deleted_at IS NULL AND {match.format('ct.name')}))",
            (pattern,) * 5,
        )
    like = ctx.like
    clause, params = (
        f" AND (c.name {like} %s OR c.phone {like} %s OR c.uscc {like} %s OR c.email {like} %s OR EXISTS "
        f"(SELECT 1 FROM customers_contact ct WHERE ct.customer_id = c.id AND ct.deleted_at IS NULL "
        f"AND ct.name {like} %s))",
        (pattern,) * 5,
    )
    # SQLite: the rows the trigram index names (customers.search_index), then the same conditions
    candidates = search_index.customer_ids(ctx.search)
    if candidates is not None:
        return f" AND c.id IN ({candidates.sql})" + clause, (*candidates.params, *params)
    return clause, params


def customer_360_sql(cursor: Any, ctx: Context, persona: str) -> None:
    """Everything the 360° page shows: the customer, tags, collaborators, contacts, the 10 latest follow-ups,
    a timeline page of 20 events and its count, attachments, and the customer's opportunities."""
    scope, params = customer_scope(ctx, persona)
    cid = ctx.customer_id
    statements = [
        (
            "SELECT c.*, u.name, l.name FROM customers_customer c LEFT JOIN accounts_user u ON u.id = c.owner_id "
            f"LEFT JOIN customers_customerlevel l ON l.id = c.level_id WHERE c.id = %s AND c.deleted_at IS NULL AND {scope}",
            [cid, *params],
        ),
        (
            "SELECT t.name FROM customers_customer_tags ct JOIN customers_tag t ON t.id = ct.tag_id "
            "WHERE ct.customer_id = %s",
            [cid],
        ),
        (
            "SELECT s.can_edit, u.name FROM customers_customershare s JOIN accounts_user u ON u.id = s.user_id "
            "WHERE s.customer_id = %s",
            [cid],
        ),
        (
            "SELECT * FROM customers_contact WHERE customer_id = %s AND deleted_at IS NULL "
            "ORDER BY is_primary DESC, id",
            [cid],
        ),
        (
            "SELECT a.id, a.kind, a.content, a.occurred_at, u.name FROM activities_activity a JOIN accounts_user u "
            "ON u.id = a.author_id WHERE a.customer_id = %s AND a.deleted_at IS NULL "
            "ORDER BY a.occurred_at DESC, a.id DESC LIMIT 11",
            [cid],
        ),
        (
            "SELECT e.id, e.at, e.verb, e.object_type, e.changes, e.data, u.name FROM audit_event e "
            "LEFT JOIN accounts_user u ON u.id = e.actor_id WHERE e.customer_id = %s ORDER BY e.at DESC, e.id DESC "
            "LIMIT 20",
            [cid],
        ),
        ("SELECT COUNT(*) FROM audit_event WHERE customer_id = %s", [cid]),
        (
            "SELECT f.id, f.name, f.uploaded_at FROM activities_attachment f WHERE f.customer_id = %s OR f.activity_id "
            "IN (SELECT id FROM activities_activity WHERE customer_id = %s AND deleted_at IS NULL) "
            "ORDER BY f.uploaded_at DESC, f.id DESC LIMIT 50",
            [cid, cid],
        ),
        (
            "SELECT o.id, o.name, o.amount, o.status, s.name FROM sales_opportunity o JOIN sales_stage s "
            "ON s.id = o.stage_id WHERE o.customer_id = %s AND o.deleted_at IS NULL ORDER BY o.status, o.id DESC "
            "LIMIT 10",
            [cid],
        ),
    ]
    for sql, values in statements:
        cursor.execute(sql, values)
        cursor.fetchall()


def my_day_sql(cursor: Any, ctx: Context, persona: str) -> None:
    """The rep's agenda: records due today / overdue (customers, leads), reminders, tasks, today's follow-ups."""
    import datetime as dt

    from django.utils import timezone

    user = ctx.users[persona].pk
    start = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    end = start + dt.timedelta(days=1)
    pending = "(last_follow_up_at IS NULL OR last_follow_up_at < next_follow_up_at)"
    statements = [
        (
            f"SELECT c.id, c.name, c.next_follow_up_at, l.name FROM customers_customer c LEFT JOIN customers_customerlevel l "
            f"ON l.id = c.level_id WHERE c.owner_id = %s AND c.deleted_at IS NULL AND c.next_follow_up_at >= %s AND "
            f"c.next_follow_up_at < %s AND {pending} ORDER BY c.next_follow_up_at, c.id LIMIT 50",
            [user, start, end],
        ),
        (
            f"SELECT c.id, c.name, c.next_follow_up_at, l.name FROM customers_customer c LEFT JOIN customers_customerlevel l "
            f"ON l.id = c.level_id WHERE c.owner_id = %s AND c.deleted_at IS NULL AND c.next_follow_up_at < %s AND "
            f"{pending} ORDER BY c.next_follow_up_at, c.id LIMIT 50",
            [user, start],
        ),
        (
            f"SELECT id, company, next_follow_up_at FROM leads_lead WHERE owner_id = %s AND deleted_at IS NULL AND "
            f"next_follow_up_at < %s AND status NOT IN ('converted', 'invalid') AND {pending} "
            f"ORDER BY next_follow_up_at, id LIMIT 50",
            [user, end],
        ),
        (
            "SELECT r.id, r.due_at, r.message, r.customer_id, r.lead_id, r.task_id FROM activities_reminder r "
            "WHERE r.user_id = %s AND r.done_at IS NULL AND r.due_at < %s ORDER BY r.due_at, r.id LIMIT 100",
            [user, end],
        ),
        (
            "SELECT t.id, t.title, t.due_at, t.priority, c.name FROM activities_task t LEFT JOIN customers_customer c "
            "ON c.id = t.customer_id WHERE t.assignee_id = %s AND t.status = 'open' AND t.due_at IS NOT NULL AND "
            "t.due_at < %s ORDER BY t.due_at, t.id LIMIT 150",
            [user, start + dt.timedelta(days=8)],
        ),
        (
            "SELECT COUNT(*) FROM activities_activity WHERE author_id = %s AND deleted_at IS NULL AND occurred_at >= %s "
            "AND occurred_at < %s",
            [user, start, end],
        ),
    ]
    for sql, values in statements:
        cursor.execute(sql, values)
        cursor.fetchall()


def board_sql(cursor: Any, ctx: Context, persona: str, department: bool) -> None:
    """The kanban of the default pipeline for a scope: the totals per stage from the kanban tally
    (sales.board_tally) with the deals shared with the actor that the tally's scope leaves out, then the first
    10 cards of every stage, each an ordered read of the board index, with their names."""
    import datetime as dt

    from django.utils import timezone

    from openfunnel.sales.board_tally import week_start

    # the won and lost columns show the deals closed since the week 90 days ago began (sales.views.CLOSED_DAYS)
    since = week_start(timezone.now() - dt.timedelta(days=90))
    ids = ctx.owner_ids[persona]
    tally_scope, tally_params = owned_scope(ctx, persona, "t")
    def owners(alias: str) -> str:   # the department filter, on the tally or on the opportunities
        return (f" AND {alias}.owner_id IN (SELECT id FROM accounts_user WHERE department_id IN "
                f"({_in(ctx.region_subtree)}))" if department else "")

    owner_params = list(ctx.region_subtree) if department else []
    cursor.execute("SELECT t.stage_id, SUM(t.n), SUM(t.amount), SUM(t.weighted) FROM sales_boardtally t "
                   f"WHERE t.pipeline_id = %s AND (t.closed_week IS NULL OR t.closed_week >= %s) AND {tally_scope}"
                   f"{owners('t')} GROUP BY t.stage_id", [ctx.pipeline_id, since.date(), *tally_params, *owner_params])
    cursor.fetchall()
    live = "o.deleted_at IS NULL AND NOT o.customer_deleted AND o.pipeline_id = %s"
    shared = ctx.shared_ids.get(persona) or []
    if ids is not None and shared:
        extra, extra_params = owned_scope(ctx, persona, "o")
        cursor.execute(f"SELECT o.stage_id, COUNT(*), SUM(o.amount) FROM sales_opportunity o WHERE {live} "
                       f"AND o.customer_id IN ({_in(shared)}) AND NOT {extra} GROUP BY o.stage_id",
                       [ctx.pipeline_id, *shared, *extra_params])
        cursor.fetchall()
    scope, params = opportunity_scope(ctx, persona)
    cursor.execute("SELECT id, kind FROM sales_stage WHERE pipeline_id = %s AND is_active", [ctx.pipeline_id])
    firsts, values = [], []
    for n, (stage_id, kind) in enumerate(cursor.fetchall()):
        window = " AND o.closed_at >= %s" if kind != "open" else ""
        firsts.append(f"SELECT * FROM (SELECT o.id FROM sales_opportunity o WHERE {live} AND o.stage_id = %s{window} "
                      f"AND {scope}{owners('o')} ORDER BY o.closed_at DESC, "
                      f"o.expected_close_date ASC NULLS LAST, o.id DESC LIMIT 10) f{n}")
        values += [ctx.pipeline_id, stage_id, *([since] if window else []), *params, *owner_params]
    cursor.execute(
        "SELECT o.id, o.name, o.amount, o.expected_close_date, o.closed_at, o.stage_entered_at, o.stage_id, c.name, "
        f"u.name FROM ({' UNION ALL '.join(firsts)}) r JOIN sales_opportunity o ON o.id = r.id "
        "JOIN customers_customer c ON c.id = o.customer_id JOIN accounts_user u ON u.id = o.owner_id", values)
    cursor.fetchall()


def opportunity_page_sql(cursor: Any, ctx: Context, persona: str, limit: int = 25) -> None:
    """One page of the opportunity list (newest first) with customer, stage and owner names, and the count."""
    scope, params = opportunity_scope(ctx, persona)
    where = f"o.deleted_at IS NULL AND NOT o.customer_deleted AND {scope}"   # neither it nor its customer deleted
    cursor.execute(
        "SELECT o.id, o.name, o.amount, o.expected_close_date, o.probability, o.forecast_category, o.status, "
        "o.stage_entered_at, c.name, s.name, s.max_days, u.name, p.name FROM sales_opportunity o "
        "JOIN customers_customer c ON c.id = o.customer_id JOIN sales_stage s ON s.id = o.stage_id "
        "JOIN accounts_user u ON u.id = o.owner_id JOIN sales_pipeline p ON p.id = o.pipeline_id "
        f"WHERE {where} ORDER BY o.id DESC LIMIT {limit}",
        params,
    )
    cursor.fetchall()
    cursor.execute(f"SELECT COUNT(*) FROM (SELECT 1 FROM sales_opportunity o WHERE {where} LIMIT {COUNT_CAP + 1}) s",
                   params)
    cursor.fetchone()


# --- the operations ---------------------------------------------------------------------------------------

PERSONA_LABELS = {
    "rep": "a rep",
    "manager": "a manager (department tree, ~50 reps)",
    "admin": "an administrator",
}


def _register_defaults() -> None:
    for persona in ("rep", "manager", "admin"):
        who = PERSONA_LABELS[persona]
        register(
            Operation(
                f"customers.list.{persona}",
                f"customer list, first page, as {who}",
                persona,
                path=lambda ctx: "/customers/",
                sql=lambda cursor, ctx, p=persona: customer_page_sql(cursor, ctx, p),
            )
        )
        register(
            Operation(
                f"customers.level_by_follow_up.{persona}",
                f"customer list filtered by level, sorted by last follow-up, as {who}",
                persona,
                path=lambda ctx: f"/customers/?level={ctx.level_id}&sort=-last_follow_up_at",
                sql=lambda cursor, ctx, p=persona: customer_page_sql(
                    cursor,
                    ctx,
                    p,
                    extra=" AND c.level_id = %s",
                    extra_params=(ctx.level_id,),
                    order="c.last_follow_up_at DESC, c.id DESC",
                ),
            )
        )
        register(
            Operation(
                f"customers.search.{persona}",
                f"customer list, text search, as {who}",
                persona,
                path=lambda ctx: f"/customers/?search={ctx.search}",
                sql=lambda cursor, ctx, p=persona: customer_page_sql(
                    cursor, ctx, p, extra=_search_clause(ctx)[0], extra_params=_search_clause(ctx)[1]
                ),
            )
        )
    for persona in ("rep", "admin"):
        register(
            Operation(
                f"customer.360.{persona}",
                f"customer 360° page, as {PERSONA_LABELS[persona]}",
                persona,
                path=lambda ctx: f"/customers/{ctx.customer_id}/",
                sql=lambda cursor, ctx, p=persona: customer_360_sql(cursor, ctx, p),
            )
        )
    register(
        Operation(
            "my_day.rep",
            "my day, as a rep",
            "rep",
            path=lambda ctx: "/my-day/",
            sql=lambda cursor, ctx: my_day_sql(cursor, ctx, "rep"),
        )
    )
    register(
        Operation(
            "kanban.team.manager",
            "kanban of a 50-rep team, as its manager",
            "manager",
            path=lambda ctx: f"/opportunities/?pipeline={ctx.pipeline_id}",
            sql=lambda cursor, ctx: board_sql(cursor, ctx, "manager", department=False),
        )
    )
    register(
        Operation(
            "kanban.team.admin",
            "kanban filtered to a 50-rep team, as an administrator",
            "admin",
            path=lambda ctx: f"/opportunities/?pipeline={ctx.pipeline_id}&department={ctx.region_id}",
            sql=lambda cursor, ctx: board_sql(cursor, ctx, "admin", department=True),
        )
    )
    for persona in ("rep", "manager", "admin"):
        register(
            Operation(
                f"opportunities.list.{persona}",
                f"opportunity list, first page, as {PERSONA_LABELS[persona]}",
                persona,
                path=lambda ctx: "/opportunities/list/",
                sql=lambda cursor, ctx, p=persona: opportunity_page_sql(cursor, ctx, p),
            )
        )
    for persona in ("rep", "manager", "admin"):
        register(
            Operation(
                f"api.customers.{persona}",
                f"GET /api/v1/customers/, as {PERSONA_LABELS[persona]}",
                persona,
                kind="api",
                path=lambda ctx: "/api/v1/customers/",
                sql=lambda cursor, ctx, p=persona: customer_page_sql(cursor, ctx, p, limit=50),
            )
        )
    register(
        Operation(
            "api.opportunities.manager",
            "GET /api/v1/opportunities/, as a manager",
            "manager",
            kind="api",
            path=lambda ctx: "/api/v1/opportunities/",
            sql=lambda cursor, ctx: opportunity_page_sql(cursor, ctx, "manager", limit=50),
        )
    )
    from openfunnel.bench.pool_operations import register_pool_operations

    register_pool_operations()


_register_defaults()


def vendor_targets() -> dict[str, float]:
    return PAGE_TARGETS.get(connection.vendor, PAGE_TARGETS["postgresql"])
