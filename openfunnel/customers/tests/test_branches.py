"""The customer list read branch by branch of the scope (core.branches): the same rows in the same order as
the plain scope query, for every persona, sort, filter and page, overlapping branches and the last page
included."""

import datetime as dt

import pytest
from django.db import connection
from django.db.models import Q
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from openfunnel.core.pagination import CappedPaginator, order_by_term
from openfunnel.customers import selectors
from openfunnel.customers.filters import CustomerFilter
from openfunnel.customers.models import Customer, CustomerLevel, Tag
from openfunnel.customers.services import customer_create, customer_share
from openfunnel.pool.testing import make_pool, pool_customer

SORTS = ["-created_at", "created_at", "-last_follow_up_at", "last_follow_up_at", "name", "-next_follow_up_at",
         "status", "-id"]


@pytest.fixture
def world(personas):
    """Customers of several owners, shared ones (some also owned within the viewer's scope), three pools (one
    whose members see basic fields only, one of North), deleted ones; many equal creation times and empty
    follow-ups, so that the order's tie-breaker (id) decides."""
    levels = list(CustomerLevel.objects.order_by("order", "id"))
    tag = Tag.objects.create(name="Key")
    history = make_pool(personas, name="East history")
    basic = make_pool(personas, name="East basics", members_see_history=False)
    north = make_pool(personas, name="North pool", departments=[personas.north])
    base = timezone.now().replace(microsecond=0) - dt.timedelta(days=400)
    rows = []
    owners = [personas.alice] * 9 + [personas.bob] * 7 + [personas.carol] * 5 + [personas.manager] * 3
    for n, owner in enumerate(owners):
        rows.append(customer_create(actor=owner, name=f"Owned {n:02d} {owner.username}",
                                    level=levels[n % len(levels)], tags=[tag] if n % 3 == 0 else []))
    for n in range(30):
        pool = (history, basic, north)[n % 3]
        rows.append(pool_customer(pool, f"Pooled {n:02d}", level=levels[n % len(levels)]))
    for n, customer in enumerate(rows):
        Customer.objects.filter(pk=customer.pk).update(
            created_at=base + dt.timedelta(days=n // 4),   # four customers per day: ties
            last_follow_up_at=None if n % 5 == 0 else base + dt.timedelta(days=(n * 7) % 23),
            next_follow_up_at=None if n % 2 else base + dt.timedelta(days=(n * 11) % 17),
            status=("potential", "deal", "churned")[n % 3])
    # shared: carol's with alice and the manager; alice's with the manager (owned within his scope too)
    carol_rows = [c for c in rows if c.owner_id == personas.carol.pk]
    alice_rows = [c for c in rows if c.owner_id == personas.alice.pk]
    for customer in carol_rows[:2]:
        customer_share(actor=personas.carol, customer=customer, user=personas.alice)
        customer_share(actor=personas.carol, customer=customer, user=personas.manager)
    for customer in alice_rows[:3]:
        customer_share(actor=personas.alice, customer=customer, user=personas.manager)
    deleted = [alice_rows[-1].pk, rows[-1].pk, rows[-2].pk]
    Customer.objects.filter(pk__in=deleted).update(deleted_at=timezone.now())
    return {"level": levels[1], "tag": tag, "pools": (history, basic, north)}


PERSONAS = ["alice", "bob", "carol", "manager", "director", "admin"]


def listed(actor, sort, **filters):
    """The list as the web page and the API build it: branched, and the plain scope query beside it."""
    order = [order_by_term(Customer, sort)] + (["-id"] if sort.lstrip("-") != "id" else [])
    data = filters or None
    branched = CustomerFilter(data, queryset=selectors.customer_list(actor=actor)).qs.order_by(*order)
    plain = CustomerFilter(data, queryset=selectors.customers_visible_to(actor)).qs.order_by(*order)
    return branched, plain


def ids(rows):
    return [row.pk for row in rows]


@pytest.mark.parametrize("who", PERSONAS)
def test_branches_are_exactly_the_scope(personas, world, who):
    actor = getattr(personas, who)
    scope, branches = selectors._scope(actor, pool_basics=True)
    visible = set(selectors.customers_visible_to(actor).values_list("pk", flat=True))
    if who in ("director", "admin", "finance"):
        assert branches == []
        return
    live = Customer.objects.filter(deleted_at__isnull=True)
    parts = [set(live.filter(branch).values_list("pk", flat=True)) for branch in branches]
    assert all(part <= visible for part in parts)
    assert set().union(*parts) == visible


@pytest.mark.parametrize("who", PERSONAS)
@pytest.mark.parametrize("sort", SORTS)
@pytest.mark.parametrize("team_in_order", [False, True])
def test_every_page_is_the_plain_querys(personas, world, monkeypatch, who, sort, team_in_order):
    if team_in_order:  # the owners' branch as a team's (on SQLite: read in the list's order)
        monkeypatch.setattr(selectors, "TEAM_READ_IN_ORDER", 1)
    actor = getattr(personas, who)
    level, tag = str(world["level"].pk), str(world["tag"].pk)
    for filters in ({}, {"level": level}, {"tag": tag}, {"search": "Pooled"}):
        branched, plain = listed(actor, sort, **filters)
        expected = ids(plain)
        assert expected, (who, sort, filters)
        for size in (1, 4, 7):
            for start in range(0, len(expected) + size, size):
                got = ids(branched[start:start + size])
                assert got == expected[start:start + size], (who, sort, filters, start)
        assert ids(branched[:len(expected) + 5]) == expected


def test_overlapping_branches_count_once(personas, world):
    """The manager owns (through his team) three customers also shared with him: each appears once."""
    branched, plain = listed(personas.manager, "-created_at")
    rows = ids(branched[:100])
    assert len(rows) == len(set(rows)) == plain.count()
    shared = set(selectors.scope_refs(personas.manager).shared)
    assert shared and shared <= set(rows)


def test_a_page_reads_each_branch_in_order(personas, world):
    branched, _plain = listed(personas.alice, "-last_follow_up_at", level=str(world["level"].pk))
    with CaptureQueriesContext(connection) as queries:
        list(branched[0:26])
    page_sql, = [q["sql"] for q in queries.captured_queries if 'FROM "customers_customer"' in q["sql"]]
    # owners, shared ids, two member pools (one of them basic fields only)
    assert page_sql.count("UNION ALL") == 3 and page_sql.count("LIMIT 26") == 4 + 1  # and the page itself


def _page_sql(branched) -> str:
    with CaptureQueriesContext(connection) as queries:
        list(branched[0:26])
    sql, = [q["sql"] for q in queries.captured_queries if 'FROM "customers_customer"' in q["sql"]]
    return sql


def test_a_text_search_and_postgresqls_walked_order_read_plainly(personas, world):
    """A searched page reads the text's own indexes, not each branch in order; on PostgreSQL the default order
    walks the whole table's creation index (filter_in_branches(walked=...)), elsewhere it reads by branch."""
    searched, _plain = listed(personas.alice, "-last_follow_up_at", search="Pooled")
    assert _page_sql(searched).count("LIMIT 26") == 1   # the page alone, no branch read
    newest, _plain = listed(personas.alice, "-created_at")
    assert (_page_sql(newest).count("LIMIT 26") == 1) == (connection.vendor == "postgresql")


def test_the_admin_list_is_not_branched(personas, world):
    branched, _plain = listed(personas.admin, "-created_at")
    with CaptureQueriesContext(connection) as queries:
        list(branched[0:26])
    assert queries.captured_queries and not any("UNION" in q["sql"] for q in queries.captured_queries)


@pytest.mark.parametrize("cap", [3, 1000])
def test_paginator_pages_through_the_list(personas, world, monkeypatch, cap):
    """Counted and capped (pages past the cap asked with one row more) alike."""
    monkeypatch.setattr(CappedPaginator, "count_cap", cap)
    for who in ("alice", "manager"):
        branched, plain = listed(getattr(personas, who), "-last_follow_up_at")
        expected = ids(plain)
        paginator = CappedPaginator(branched, 4)
        seen, number = [], 1
        while True:
            page = paginator.page(number)
            seen += ids(page.object_list)
            if not page.has_next():
                break
            number += 1
        assert seen == expected


def test_web_list_and_api_pages_match_the_plain_query(personas, world, web_as, api_as):
    level = world["level"].pk
    _branched, plain = listed(personas.alice, "-last_follow_up_at", level=str(level))
    expected = ids(plain)
    web, api = web_as(personas.alice), api_as(personas.alice)
    response = web.get(f"/customers/?level={level}&sort=-last_follow_up_at")
    assert response.status_code == 200
    assert ids(response.context["page"].page.object_list) == expected[:25]
    got, url = [], f"/api/v1/customers/?level={level}&ordering=-last_follow_up_at&page_size=2"
    while url:
        body = api.get(url).json()
        got += [row["id"] for row in body["results"]]
        url = body["next"]
    assert got == expected


def test_a_reshaped_query_keeps_the_scope(personas, world):
    """Filters beside the scope's condition, and a queryset ORed with another (whose rows no branch holds: it
    is then read plainly)."""
    actor = personas.alice
    visible = selectors.customers_visible_to(actor)
    branched = selectors.customer_list(actor=actor)
    mixed = (branched.filter(Q(name__startswith="Owned") | Q(name__startswith="Pooled"))
             .order_by("-created_at", "-id"))
    assert ids(mixed[0:5]) == ids(visible.filter(Q(name__startswith="Owned") | Q(name__startswith="Pooled"))
                                  .order_by("-created_at", "-id")[0:5])
    excluded = branched.exclude(name__startswith="Owned").order_by("name", "-id")
    assert ids(excluded[0:5]) == ids(visible.exclude(name__startswith="Owned").order_by("name", "-id")[0:5])


def test_nearest_first_reads_the_same_rows(personas, world):
    """An order by an annotation (the distance of "Nearby") reads each branch by it too."""
    from decimal import Decimal

    from openfunnel.core.geo import with_distance

    for n, pk in enumerate(Customer.objects.order_by("pk").values_list("pk", flat=True)):
        if n % 4:
            Customer.objects.filter(pk=pk).update(lat=Decimal("31.2") + Decimal(n % 7) / 100,
                                                  lng=Decimal("121.4") + Decimal(n % 5) / 100)
    point = (31.23, 121.47)
    branched = with_distance(selectors.customer_list(actor=personas.alice), point)
    plain = with_distance(selectors.customers_visible_to(personas.alice), point)
    expected = ids(plain)
    for start in range(0, len(expected) + 3, 3):
        assert ids(branched[start:start + 3]) == expected[start:start + 3]


def test_a_list_ored_with_other_rows_keeps_them(personas, world):
    carol_first = Customer.objects.filter(owner=personas.carol).order_by("-created_at", "-id")[:1]
    outside = Customer.objects.filter(pk__in=list(carol_first.values_list("pk", flat=True)))
    combined = (selectors.customer_list(actor=personas.bob) | outside).order_by("-created_at", "-id")
    expected = ids((selectors.customers_visible_to(personas.bob) | outside).order_by("-created_at", "-id"))
    assert outside.get().pk in expected
    assert ids(combined[0:100]) == expected


@pytest.mark.parametrize("who", PERSONAS)
def test_a_capped_count_reads_each_branch_up_to_the_cap(personas, world, who):
    """min(count, cap) whatever the cap: one branch holding the cap, none holding it, overlapping branches
    (the manager's shared customers he also sees through his team) counted once."""
    actor = getattr(personas, who)
    level, tag = str(world["level"].pk), str(world["tag"].pk)
    for filters in ({}, {"level": level}, {"tag": tag}, {"search": "Pooled"}):
        branched, plain = listed(actor, "-last_follow_up_at", **filters)
        total = plain.count()
        for cap in (1, 2, 5, 9, total, total + 1, 1000):
            assert branched.count_up_to(cap) == min(total, cap), (who, filters, cap)


def test_the_paginators_count_is_read_by_branch(personas, world):
    branched, plain = listed(personas.alice, "-last_follow_up_at", level=str(world["level"].pk))
    with CaptureQueriesContext(connection) as queries:
        count = CappedPaginator(branched, 4).count
    assert count == plain.count()
    sql, = [q["sql"] for q in queries.captured_queries]
    assert sql.count("UNION") == 3 and "UNION ALL" not in sql and sql.count("LIMIT 1001") == 4


def test_a_capped_count_with_an_empty_branch(personas, world):
    """A user with no shared customer: that branch holds nothing (its SQL cannot even be written)."""
    from openfunnel.customers.models import CustomerShare

    CustomerShare.objects.filter(user=personas.bob).delete()
    branched, plain = listed(personas.bob, "-created_at")
    assert branched.count_up_to(1000) == plain.count() > 0


@pytest.mark.parametrize("who", PERSONAS)
def test_the_compiled_scope_refs_are_the_orms(personas, world, who):
    """The actor's shares and member pools (member directly, by department, or by a parent department) from the
    compiled query and from the plain one."""
    from openfunnel.pool.selectors import department_chain

    actor = getattr(personas, who)
    world["pools"][0].member_departments.add(personas.north)
    chain = department_chain(actor)
    if not isinstance(chain, list):
        chain = sorted(chain.values_list("pk", flat=True))
    compiled = sorted(selectors._scope_refs_rows.all(actor.pk, chain))
    assert compiled == sorted(selectors._scope_refs_query(actor.pk, chain))
    refs = selectors.scope_refs(actor)
    assert sorted([(pk, 0) for pk in refs.shared] + [(pk, 1) for pk in refs.history_pools]
                  + [(pk, 2) for pk in refs.basic_pools]) == compiled
