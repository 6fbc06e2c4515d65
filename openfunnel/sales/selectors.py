"""Reads of pipelines and opportunities, always starting from the actor's data scope."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import (
    BooleanField,
    Count,
    DecimalField,
    ExpressionWrapper,
    F,
    Prefetch,
    Q,
    QuerySet,
    Sum,
    Value,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce
from django.utils import timezone

from openfunnel.accounts.scope import can_see_owner, has_perm, request_cached, visible_owner_ids
from openfunnel.core.api import parse_id
from openfunnel.core.compiled import CompiledQuery
from openfunnel.core.errors import NotFound, PermissionDenied
from openfunnel.customers.models import Customer
from openfunnel.customers.selectors import customer_in_scope, scope_refs
from openfunnel.sales.cards import CARD_VALUES, Card
from openfunnel.sales.models import (
    LostReason,
    Opportunity,
    OpportunityAttachment,
    OpportunityContact,
    OpportunityLine,
    OpportunityShare,
    Pipeline,
    Stage,
    StageChange,
)

ZERO = Decimal("0.00")
MONEY = DecimalField(max_digits=18, decimal_places=2)


# --- pipelines (company-wide configuration every signed-in user reads) ---------------------------------

def pipelines_visible_to(actor: Any, *, active_only: bool = False) -> QuerySet[Pipeline]:
    """Pipelines with their stages (ordered) prefetched."""
    rows = Pipeline.objects.prefetch_related(Prefetch("stages", queryset=Stage.objects.order_by("order", "id")))
    return rows.filter(is_active=True) if active_only else rows


def pipeline_get(*, actor: Any, id: Any) -> Pipeline:
    pipeline = pipelines_visible_to(actor).filter(pk=parse_id(id)).first()
    if pipeline is None:
        raise NotFound()
    return pipeline


def pipeline_default() -> Pipeline | None:
    """The first active pipeline (by order): where a new opportunity goes when none is named."""
    return Pipeline.objects.filter(is_active=True).order_by("order", "id").first()


def stage_get(*, pipeline: Pipeline, id: Any) -> Stage:
    stage = Stage.objects.filter(pipeline=pipeline, pk=parse_id(id)).first()
    if stage is None:
        raise NotFound()
    return stage


def stages_open(pipeline: Pipeline) -> list[Stage]:
    return [s for s in pipeline.stages.all() if s.kind == Stage.Kind.OPEN and s.is_active]


def stage_of_kind(pipeline: Pipeline, kind: str) -> Stage | None:
    return next((s for s in pipeline.stages.all() if s.kind == kind), None)


def lost_reasons(*, active_only: bool = True) -> QuerySet[LostReason]:
    rows = LostReason.objects.all()
    return rows.filter(is_active=True) if active_only else rows


def lost_reason_get(*, id: Any) -> LostReason:
    reason = LostReason.objects.filter(pk=parse_id(id)).first()
    if reason is None:
        raise NotFound()
    return reason


# --- opportunities ---------------------------------------------------------------------------------------

def opportunity_scope_q(actor: Any) -> Q:
    """Opportunities the actor sees: owned within the role's scope, shared with the actor, or on a customer
    the actor sees (its owner is in scope, it is shared with the actor, or it is in a member pool that shows
    its history). The customer's owner and pool are read from the opportunity's own copy of them
    (sales.customer_copy), so every branch is a condition on this table: an OR of index scans for a small
    scope, a filter on the board's covering index for a large one."""
    if visible_owner_ids(actor) is None:
        return Q()  # careful: Q() | x == x, so "everything" must return early
    q = _owned_scope_q(actor)
    shared, customers = _shared_opportunity_ids(actor), scope_refs(actor).shared
    if shared:
        q |= Q(id__in_array=shared)
    if customers:
        q |= Q(customer_id__in_array=customers)
    return q


def _owned_scope_q(actor: Any) -> Q:
    """The scope without the shares: owned within the role's scope, or on a customer owned within it or in a
    member pool that shows its history — what the opportunity's columns (and the kanban tally's keys) tell."""
    ids = visible_owner_ids(actor)
    if ids is None:
        return Q()
    q = Q(owner_id__in_array=ids) | Q(customer_owner_id__in_array=ids)
    pools = scope_refs(actor).history_pools
    if pools:
        q |= Q(customer_owner_id__isnull=True, customer_pool_id__in_array=pools)
    return q


def _shared_opportunity_ids(actor: Any) -> list[int]:
    return request_cached(actor, "shared_opportunity_ids", lambda: sorted(_opportunities_shared_with.all(actor.pk)))


_opportunities_shared_with = CompiledQuery(
    lambda user_id: OpportunityShare.objects.filter(user_id=user_id).values_list("opportunity_id", flat=True),
    prepared=True)


def live_customer_q() -> Q:
    """Opportunities whose customer is not in the recycle bin (the opportunity's copy of it)."""
    return Q(customer_deleted=False)


def opportunities_visible_to(actor: Any) -> QuerySet[Opportunity]:
    """Every opportunity the actor may see (neither it nor its customer deleted), with what lists and cards show."""
    return (Opportunity.objects.filter(opportunity_scope_q(actor), live_customer_q(), deleted_at__isnull=True)
            .select_related("customer", "owner", "stage", "pipeline", "lost_reason"))


def opportunity_get(*, actor: Any, id: Any) -> Opportunity:
    """One visible opportunity with its lines, contacts and collaborators; NotFound when missing,
    deleted or out of scope."""
    opportunity = (opportunities_visible_to(actor).select_related("campaign", "lead", "owner__manager")
                   .prefetch_related(
                       Prefetch("lines", queryset=OpportunityLine.objects.select_related("product")),
                       Prefetch("contact_links", queryset=OpportunityContact.objects.select_related("contact")),
                       Prefetch("shares", queryset=OpportunityShare.objects.select_related("user")),
                       Prefetch("pipeline__stages", queryset=Stage.objects.order_by("order", "id")))
                   .filter(pk=parse_id(id)).first())
    if opportunity is None:
        raise NotFound()
    return opportunity


def opportunity_can_edit(actor: Any, opportunity: Opportunity) -> bool:
    """opportunities.edit plus: the owner is within the actor's scope, or the actor is an editing collaborator."""
    if not has_perm(actor, "opportunities.edit"):
        return False
    if can_see_owner(actor, opportunity.owner_id):
        return True
    return OpportunityShare.objects.filter(opportunity_id=opportunity.pk, user_id=actor.pk, can_edit=True).exists()


def opportunity_get_for_edit(*, actor: Any, id: Any) -> Opportunity:
    """A visible opportunity the actor may change; NotFound out of scope, PermissionDenied when read-only."""
    opportunity = opportunity_get(actor=actor, id=id)
    if not opportunity_can_edit(actor, opportunity):
        raise PermissionDenied()
    return opportunity


def opportunities_of_customer(*, actor: Any, customer_id: int, customer: Customer | None = None) -> QuerySet[Opportunity]:
    """The customer's opportunities the actor sees, open ones first (the customer 360° panel).

    Given the customer (as fetched for the actor), a customer within the actor's scope shows all of its
    opportunities without the scope's lookups; otherwise only those owned in scope or shared count.
    """
    if customer is not None and customer.pk == customer_id and customer_in_scope(actor, customer):
        rows = (Opportunity.objects.filter(customer_id=customer_id, deleted_at__isnull=True,
                                           customer__deleted_at__isnull=True)
                .select_related("customer", "owner", "stage", "pipeline", "lost_reason"))
    else:
        rows = opportunities_visible_to(actor).filter(customer_id=customer_id)
    return rows.order_by("status", "-id")


def opportunity_history(*, opportunity: Opportunity) -> list[StageChange]:
    return list(StageChange.objects.filter(opportunity=opportunity).select_related("actor").order_by("at", "id"))


@dataclass
class StageTime:
    stage_id: int | None
    name: str
    seconds: float = 0
    entries: int = 0
    current: bool = False

    @property
    def days(self) -> Decimal:
        return (Decimal(self.seconds) / Decimal(86400)).quantize(Decimal("0.1"))


def opportunity_stage_times(*, opportunity: Opportunity, changes: list[StageChange],
                            now: dt.datetime | None = None) -> list[StageTime]:
    """Total time spent in each stage (in the order first entered), from the recorded moves."""
    now = now or timezone.now()
    times: dict[Any, StageTime] = {}
    for index, change in enumerate(changes):
        key = change.to_stage_id or change.to_stage_name
        entry = times.setdefault(key, StageTime(change.to_stage_id, change.to_stage_name))
        entry.name = change.to_stage_name
        entry.entries += 1
        if index + 1 < len(changes):
            end = changes[index + 1].at
        elif opportunity.is_open:
            end, entry.current = now, True
        else:
            continue  # a closed deal's terminal stage has no duration
        entry.seconds += max((end - change.at).total_seconds(), 0)
    return list(times.values())


def opportunity_attachments(*, opportunity: Opportunity) -> list[OpportunityAttachment]:
    return list(OpportunityAttachment.objects.filter(opportunity=opportunity).select_related("uploaded_by"))


def attachment_get(*, actor: Any, opportunity_id: Any, id: Any) -> OpportunityAttachment:
    """A file of an opportunity the actor sees; NotFound otherwise (out of scope downloads are 404)."""
    opportunity = opportunity_get(actor=actor, id=opportunity_id)
    attachment = (OpportunityAttachment.objects.filter(opportunity=opportunity, pk=parse_id(id))
                  .select_related("opportunity").first())
    if attachment is None:
        raise NotFound()
    return attachment


# --- the kanban board -------------------------------------------------------------------------------------

def weighted_expression() -> ExpressionWrapper:
    if connection.vendor == "sqlite":
        # SQLite keeps a whole amount as an integer (and casts a Decimal to one): divide by a real, or the
        # weighted amount of 50.00 at 5 % is 2, not 2.5
        return ExpressionWrapper(F("amount") * F("probability") / Value(100.0), output_field=MONEY)
    return ExpressionWrapper(F("amount") * F("probability") / Value(Decimal(100)), output_field=MONEY)


@dataclass
class Column:
    stage: Stage
    count: int = 0
    amount: Decimal = ZERO
    weighted: Decimal = ZERO
    cards: list[Card] = field(default_factory=list)
    next_url: str = ""      # where the column's further cards load from (set by the view)

    @property
    def more(self) -> int:
        return max(self.count - len(self.cards), 0)


def board_columns(*, pipeline: Pipeline, queryset: QuerySet[Opportunity], cap: int = 10,
                  closed_since: dt.datetime | None = None, tally_for: Any = None,
                  tally_owner_q: Q | None = None) -> list[Column]:
    """Kanban columns of `pipeline` for an already scoped and filtered queryset, in two queries: the count,
    amount and weighted amount per stage with the ids of the first `cap` cards of every column; then those
    cards with their names.

    `closed_since` keeps the won and lost columns to the deals closed since then: a team's three years of
    closed deals would otherwise be counted and ranked on every view of the board.

    `tally_for`: the actor when `queryset` is the actor's visible opportunities with at most the filters
    `tally_owner_q` says on the owner (BoardFilter.tally_owner_q), and `closed_since` is a Monday 00:00 UTC:
    the totals then come from the kanban tally (sales.board_tally).
    """
    stages = [s for s in pipeline.stages.all() if s.is_active]
    columns = {s.pk: Column(stage=s) for s in stages}
    if not columns:
        return []
    first = _tally_and_pick(pipeline, stages, queryset, closed_since, columns, cap, tally_for, tally_owner_q or Q())
    # the ids were read within the scope and filters a moment ago: read by id alone, not through the scope again
    cards = sorted(map(Card, Opportunity.objects.filter(pk__in_array=first).order_by().values_list(*CARD_VALUES)),
                   key=board_sort_key) if first else []
    for card in cards:
        columns[card.stage_id].cards.append(card)
    return [columns[s.pk] for s in stages]


def board_cards(*, pipeline: Pipeline, stage: Stage, queryset: QuerySet[Opportunity], offset: int, limit: int,
                closed_since: dt.datetime | None = None) -> list[Card]:
    """A further slice of one column's cards, in the board's order (the column loads them as it scrolls)."""
    rows = _stage_rows(pipeline, stage.pk, stage.kind != Stage.Kind.OPEN, queryset, closed_since)
    return list(map(Card, rows.select_related(None).order_by(*board_order()).values_list(*CARD_VALUES)
                    [offset:offset + limit]))


# A column's order: the latest closed first (a closed stage), then the nearest expected close date (none last),
# then the newest. Within one stage closed_at is either always set (won, lost) or never (open), so this is the
# order of the board's index (pipeline, stage, -closed_at, expected_close_date, -id) on PostgreSQL, where an
# ascending column puts NULLs last. SQLite puts them first and has no NULLS LAST in an index: there the order
# sorts by "no date" first, as its own index does (sales.board_tally.install: opp_board_sqlite).
BOARD_ORDER = (F("closed_at").desc(), F("expected_close_date").asc(nulls_last=True), F("id").desc())
SQLITE_BOARD_ORDER = (F("closed_at").desc(),
                      ExpressionWrapper(Q(expected_close_date__isnull=True), output_field=BooleanField()).asc(),
                      F("expected_close_date").asc(), F("id").desc())


def board_order() -> tuple[Any, ...]:
    return SQLITE_BOARD_ORDER if connection.vendor == "sqlite" else BOARD_ORDER


def board_sort_key(card: Card) -> tuple[Any, ...]:
    """BOARD_ORDER in Python, for cards fetched by id."""
    closed = card.closed_at.timestamp() if card.closed_at else 0.0
    expected = card.expected_close_date.toordinal() if card.expected_close_date else dt.date.max.toordinal()
    return (card.stage_id, -closed, expected, -card.pk)


def _stage_rows(pipeline: Pipeline, stage_ids: Any, closed: bool, queryset: QuerySet[Opportunity],
                closed_since: dt.datetime | None) -> QuerySet[Opportunity]:
    """The board's rows of a stage (an id, or an expression naming one), or of stages of one kind (a list): open
    stages whole, closed ones since `closed_since` — each a range of the board's index."""
    rows = queryset.filter(pipeline=pipeline).order_by()
    rows = rows.filter(stage_id__in=stage_ids) if isinstance(stage_ids, list) else rows.filter(stage_id=stage_ids)
    return rows.filter(closed_at__gte=closed_since) if closed and closed_since is not None else rows


def _sql(queryset: QuerySet[Any]) -> tuple[str, list[Any]]:
    sql, params = queryset.query.sql_with_params()
    return sql, list(params)


NO_CARD = "CAST(NULL AS BIGINT)"   # typed: PostgreSQL types a UNION's columns branch by branch


def _tally_and_pick(pipeline: Pipeline, stages: list[Stage], queryset: QuerySet[Opportunity],
                    closed_since: dt.datetime | None, columns: dict[int, Column], cap: int,
                    tally_for: Any, tally_owner_q: Q) -> list[int]:
    """Fills each column's count, amount and weighted amount, and returns the ids of the first `cap` cards of
    every column, in one statement: the totals (from the kanban tally for a whole scope, else over the open
    stages and the closed stages' recent rows: two index ranges), then per column its first rows in the
    index's order, which stops at the cap — where ranking every row of the scope meant sorting a team's
    75,000 rows."""
    statement: list[str] = []
    params: list[Any] = []
    live = queryset
    if tally_for is not None and closed_since is not None:
        for n, (sql, part_params) in enumerate(_tally_sums(tally_for, pipeline, stages, closed_since, tally_owner_q)):
            statement.append(f"SELECT stage_id, board_n, board_amount, board_weighted, {NO_CARD} FROM ({sql}) tally{n}")
            params += part_params
        live = _beyond_tally(tally_for, queryset)   # what the tally's keys cannot tell: shares
    if live is not None:
        parts: list[tuple[str, list[Any]]] = []
        for closed in (False, True):
            ids = [s.pk for s in stages if (s.kind != Stage.Kind.OPEN) == closed]
            if ids:
                rows = _stage_rows(pipeline, ids, closed, live, closed_since)
                parts.append(_sql(rows.annotate(board_weighted=weighted_expression())
                                  .values_list("stage_id", "amount", "board_weighted")))
        totals = " UNION ALL ".join(f"SELECT * FROM ({sql}) part{n}" for n, (sql, _p) in enumerate(parts))
        statement.append(f"SELECT stage_id, COUNT(*), SUM(amount), SUM(board_weighted), {NO_CARD} FROM ({totals}) t "
                         "GROUP BY stage_id")
        params += [value for _sql_text, part_params in parts for value in part_params]
    for sql, part_params in _first_cards(pipeline, stages, queryset, closed_since, cap):
        statement.append(sql)
        params += part_params
    first: list[int] = []
    with connection.cursor() as cursor:
        cursor.execute(" UNION ALL ".join(statement), params)
        for stage_id, count, amount, weighted, card_id in cursor.fetchall():
            if card_id is not None:
                first.append(card_id)
            elif stage_id in columns:
                column = columns[stage_id]
                column.count += int(count or 0)
                column.amount += Decimal(str(amount or 0))
                column.weighted += Decimal(str(weighted or 0))
    cent = Decimal("0.01")
    for column in columns.values():
        column.amount, column.weighted = column.amount.quantize(cent), column.weighted.quantize(cent)
    return first


def _first_cards(pipeline: Pipeline, stages: list[Stage], queryset: QuerySet[Opportunity],
                 closed_since: dt.datetime | None, cap: int) -> list[tuple[str, list[Any]]]:
    """Per column, the ids of its first `cap` cards (rows of stage_id, NULL, NULL, NULL, id): each an ordered read
    of the board index that stops at the cap.

    On PostgreSQL one read per kind of stage, repeated per stage by a LATERAL join: the scope is compiled and
    bound twice rather than once per column — with a team's scope (a hundred owner ids, each branch) the
    per-column form made the statement ~1,000 parameters that the ORM compiled and psycopg bound ten times
    over. SQLite has no LATERAL: a read per column."""
    parts: list[tuple[str, list[Any]]] = []
    if connection.vendor == "postgresql":
        for closed in (False, True):
            ids = [s.pk for s in stages if (s.kind != Stage.Kind.OPEN) == closed]
            if not ids:
                continue
            rows = _stage_rows(pipeline, RawSQL("board_stage.id", ()), closed, queryset, closed_since)
            sql, part_params = _sql(rows.order_by(*board_order()).values_list("id")[:cap])
            parts.append((f"SELECT board_stage.id, NULL, NULL, NULL, first_card.id "
                          f"FROM unnest(%s::bigint[]) AS board_stage(id) CROSS JOIN LATERAL ({sql}) first_card",
                          [ids, *part_params]))
        return parts
    for n, stage in enumerate(stages):
        rows = _stage_rows(pipeline, stage.pk, stage.kind != Stage.Kind.OPEN, queryset, closed_since)
        sql, part_params = _sql(rows.order_by(*board_order()).values_list("stage_id", "id")[:cap])
        parts.append((f"SELECT stage_id, NULL, NULL, NULL, id FROM ({sql}) first{n}", part_params))
    return parts


def _tally_sums(actor: Any, pipeline: Pipeline, stages: list[Stage], closed_since: dt.datetime,
                owner_q: Q) -> list[tuple[str, list[Any]]]:
    """The SELECTs of the tally's sums per stage for the open stages and the closed stages' weeks since
    `closed_since` (sales.tally_read: a scope's read by branch, each branch a range of an index keyed on it)."""
    from openfunnel.sales import tally_read
    from openfunnel.sales.board_tally import week_start

    ids = visible_owner_ids(actor)
    # the window starts on a Monday (the view makes it so): its weeks hold exactly the deals it shows
    return tally_read.sums(connection, pipeline_id=pipeline.pk,
                           open_ids=[s.pk for s in stages if s.kind == Stage.Kind.OPEN],
                           closed_ids=[s.pk for s in stages if s.kind != Stage.Kind.OPEN],
                           since=week_start(closed_since).date(),
                           owners=None if ids is None else (ids, scope_refs(actor).history_pools),
                           condition=tally_read.condition_sql(connection, owner_q))


def _beyond_tally(actor: Any, queryset: QuerySet[Opportunity]) -> QuerySet[Opportunity] | None:
    """The visible opportunities the tally's scope leaves out: shared with the actor, or on a customer shared
    with the actor, and not otherwise in scope. None when there are none to look for."""
    if visible_owner_ids(actor) is None:
        return None
    shared, customers = _shared_opportunity_ids(actor), scope_refs(actor).shared
    if not shared and not customers:
        return None
    return queryset.filter(Q(id__in_array=shared) | Q(customer_id__in_array=customers)).exclude(_owned_scope_q(actor))


def board_totals(columns: list[Column]) -> dict[str, Any]:
    open_columns = [c for c in columns if c.stage.kind == Stage.Kind.OPEN]
    return {"count": sum(c.count for c in open_columns), "amount": sum((c.amount for c in open_columns), ZERO),
            "weighted": sum((c.weighted for c in open_columns), ZERO)}


# --- close-date discipline report --------------------------------------------------------------------------

@dataclass
class OverdueRow:
    owner: Any
    overdue_open: int = 0
    overdue_amount: Decimal = ZERO
    closed_late: int = 0
    push_backs: int = 0
    opportunities: list[Opportunity] = field(default_factory=list)


def overdue_report(*, queryset: QuerySet[Opportunity], today: dt.date, list_cap: int = 500) -> list[OverdueRow]:
    """Per owner: open opportunities past their expected close date, deals closed after it, and how
    often close dates were pushed back — from an already scoped and filtered queryset, in three queries."""
    from openfunnel.accounts.models import User

    rows: dict[int, OverdueRow] = {}
    past = queryset.filter(status=Opportunity.Status.OPEN, expected_close_date__lt=today).order_by()
    for row in past.values("owner_id").annotate(n=Count("id"), total=Coalesce(Sum("amount"), ZERO),
                                                pushes=Coalesce(Sum("close_date_push_count"), 0)):
        rows[row["owner_id"]] = OverdueRow(owner=None, overdue_open=row["n"], overdue_amount=row["total"],
                                           push_backs=row["pushes"])
    late = (queryset.exclude(status=Opportunity.Status.OPEN)
            .filter(expected_close_date__isnull=False, closed_at__isnull=False,
                    closed_at__date__gt=F("expected_close_date")).order_by())
    for row in late.values("owner_id").annotate(n=Count("id")):
        rows.setdefault(row["owner_id"], OverdueRow(owner=None)).closed_late = row["n"]
    users = User.objects.in_bulk(list(rows))
    for owner_id, entry in rows.items():
        entry.owner = users.get(owner_id)
    for opportunity in past.select_related("customer", "stage", "owner").order_by("expected_close_date")[:list_cap]:
        rows[opportunity.owner_id].opportunities.append(opportunity)
    return sorted(rows.values(), key=lambda r: (-r.overdue_open, -r.closed_late, str(r.owner)))


# --- the opportunity page ----------------------------------------------------------------------------------

def opportunity_events(*, opportunity: Opportunity, limit: int = 50) -> list[Any]:
    """The opportunity's own audit events, newest first (the page's activity log)."""
    from openfunnel.audit.models import Event

    return list(Event.objects.filter(object_type="opportunity", object_id=opportunity.pk)
                .select_related("actor").order_by("-at", "-id")[:limit])


def opportunity_activities(*, opportunity: Opportunity, limit: int = 20) -> list[Any]:
    """Follow-ups logged on the opportunity, newest first."""
    from openfunnel.activities.models import Activity

    return list(Activity.objects.filter(opportunity=opportunity, deleted_at__isnull=True)
                .select_related("author").order_by("-occurred_at", "-id")[:limit])
