"""The kanban tally read by branch of the scope (sales.tally_read, through sales.selectors._tally_sums) gives exactly the
totals of the single OR read it replaces and of the opportunities themselves, for several personas and filters:
rows of the scope's owners, of other owners on the scope's customers, on member pools' customers (history shown
or not), outside the scope, closed before and inside the window, in another pipeline, and an open stage's row
with a closed week."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import Sum
from django.utils import timezone

from openfunnel.accounts.scope import visible_owner_ids
from openfunnel.customers.models import Customer
from openfunnel.customers.selectors import scope_refs
from openfunnel.customers.services import customer_create
from openfunnel.pool.models import Pool
from openfunnel.sales import board_tally, selectors, tally_read
from openfunnel.sales.filters import BoardFilter
from openfunnel.sales.models import BoardTally, Opportunity
from openfunnel.sales.tests.test_board_tally import _won

pytestmark = pytest.mark.django_db


def _pool(name, departments, history=True):
    pool = Pool.objects.create(name=name, members_see_history=history)
    pool.member_departments.set(departments)
    return pool


def _company(world):
    """Deals of every kind of tally row, owned and held as the branches tell them apart."""
    p = world.p
    east_pool = _pool("华东公海", [p.east])
    north_pool = _pool("华北公海", [p.north])
    private_pool = _pool("保密公海", [p.east], history=False)
    pooled = {pool: customer_create(actor=p.admin, name=f"{pool.name}客户") for pool in
              (east_pool, north_pool, private_pool)}
    deals = [
        (p.alice, world.alice_customer, "100.00"), (p.alice, world.alice_customer, "55.50"),
        (p.bob, world.bob_customer, "7.00"),
        (p.carol, world.alice_customer, "3000.00"),     # another owner on the scope's customer
        (p.carol, world.carol_customer, "11.00"),       # outside the east scope
        (p.alice, pooled[east_pool], "1.25"),           # the scope's owner on a member pool's customer
        (p.carol, pooled[east_pool], "20.00"),          # another owner on a member pool's customer
        (p.carol, pooled[north_pool], "400.00"),        # a pool east is not a member of
        (p.carol, pooled[private_pool], "9.99"),        # a member pool that keeps its history private
        (p.bob, world.carol_customer, "70.00"),         # the scope's owner on an outside customer
    ]
    created = []
    for owner, customer, amount in deals:
        opp = world.opp(actor=p.admin, customer=customer, amount=Decimal(amount))
        Opportunity.objects.filter(pk=opp.pk).update(owner=owner)
        created.append(opp)
    world.opp(actor=p.admin, customer=world.alice_customer, amount=Decimal("5.00"), pipeline=world.renewal)
    _won(world, created[0], p.admin)
    _won(world, created[3], p.admin)
    _won(world, created[6], p.admin)
    old = Opportunity.objects.get(pk=created[1].pk)
    _won(world, old, p.admin)
    Opportunity.objects.filter(pk=old.pk).update(closed_at=timezone.now() - dt.timedelta(days=200))
    # an open stage's deal with a close time (the services never leave one): still counted as the OR read did
    Opportunity.objects.filter(pk=created[2].pk).update(closed_at=timezone.now() - dt.timedelta(days=3))
    for pool, customer in pooled.items():
        Customer.objects.filter(pk=customer.pk).update(owner=None, pool=pool)
    assert BoardTally.objects.filter(customer_owner_id__isnull=True).exists()


def _rows(sql, params):
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        columns = [c[0] for c in cursor.description]
        return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


def _sums(parts):
    totals = defaultdict(lambda: [0, Decimal(0), Decimal(0)])
    for part in parts:
        for row in part:
            total = totals[row["stage_id"]]
            total[0] += row["board_n"]
            total[1] += Decimal(str(row["board_amount"]))
            total[2] += Decimal(str(row["board_weighted"]))
    cent = Decimal("0.01")
    return {stage: (n, a.quantize(cent), w.quantize(cent)) for stage, (n, a, w) in totals.items() if n}


def _or_read(actor, pipeline, stages, since, owner_q):
    """The read the branches replace: the pipeline's column ranges filtered by the scope's OR."""
    scoped = BoardTally.objects.filter(selectors._owned_scope_q(actor), owner_q, pipeline_id=pipeline.pk).order_by()
    week = board_tally.week_start(since).date()
    parts = [scoped.filter(stage_id__in=[s.pk for s in stages if s.kind == "open"]),
             scoped.filter(stage_id__in=[s.pk for s in stages if s.kind != "open"], closed_week__gte=week)]
    return [part.values("stage_id").annotate(board_n=Sum("n"), board_amount=Sum("amount"),
                                             board_weighted=Sum("weighted")) for part in parts]


FILTERS = [{}, {"owner": "bob"}, {"owner": "carol"}, {"department": "east_team"}, {"department": "north"}]


def test_the_branches_read_exactly_the_scope_once(world):
    _company(world)
    rows = list(BoardTally.objects.all())
    for name, actor in world.p.all().items():
        ids = visible_owner_ids(actor)
        if ids is None:
            assert name in ("admin", "director", "finance")   # everyone's by role
            continue
        in_scope = set(BoardTally.objects.filter(selectors._owned_scope_q(actor)).values_list("pk", flat=True))
        counted = defaultdict(int)
        for sql, params in tally_read.branches(connection, ids, scope_refs(actor).history_pools):
            for row in _rows(f"SELECT id FROM sales_boardtally WHERE {sql}", params):
                counted[row["id"]] += 1
        assert {row.pk for row in rows if counted.get(row.pk)} == in_scope, name
        assert set(counted.values()) <= {1}, name
        sql, params = tally_read.scope(connection, ids, scope_refs(actor).history_pools)
        assert {row["id"] for row in _rows(f"SELECT id FROM sales_boardtally WHERE {sql}", params)} == in_scope


@pytest.mark.parametrize("query", FILTERS)
def test_the_branch_read_equals_the_or_read_and_the_opportunities(world, query):
    _company(world)
    p = world.p
    values = {"owner": lambda v: getattr(p, v).pk, "department": lambda v: getattr(p, v).pk}
    bound = {key: values[key](value) for key, value in query.items()}
    since = board_tally.week_start(timezone.now() - dt.timedelta(days=90))
    stages = [s for s in world.pipeline.stages.all() if s.is_active]
    for name, actor in p.all().items():
        visible = selectors.opportunities_visible_to(actor)
        filterset = BoardFilter(bound or None, queryset=visible, request=None)
        owner_q = filterset.tally_owner_q()
        queryset = filterset.qs if bound else visible
        branch_parts = [_rows(*part) for part in selectors._tally_sums(actor, world.pipeline, stages, since, owner_q)]
        assert _sums(branch_parts) == _sums(_or_read(actor, world.pipeline, stages, since, owner_q)), (name, query)
        tallied = selectors.board_columns(pipeline=world.pipeline, queryset=queryset, closed_since=since,
                                          tally_for=actor, tally_owner_q=owner_q)
        counted = selectors.board_columns(pipeline=world.pipeline, queryset=queryset, closed_since=since)
        assert ([(c.stage.pk, c.count, c.amount, c.weighted) for c in tallied]
                == [(c.stage.pk, c.count, c.amount, c.weighted) for c in counted]), (name, query)
    manager = selectors.board_columns(pipeline=world.pipeline, queryset=selectors.opportunities_visible_to(p.manager),
                                      closed_since=since, tally_for=p.manager)
    if not query:
        # alice's (not the one won before the window), bob's two (the open one with a close time included),
        # carol's on alice's customer and on the east pool's; not carol's own, the north pool's or the private one's
        assert sum(c.count for c in manager) == 6
