"""The customer copy and the kanban tally through statements of many rows. On PostgreSQL their triggers are
statement triggers that handle a whole statement at once (the reclaim job's UPDATE of a batch of customers);
on SQLite row triggers. Both must leave every copy and every total exact."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import Case, F, Value, When
from django.utils import timezone

from openfunnel.customers.models import Customer
from openfunnel.sales import board_tally, customer_copy, services
from openfunnel.sales.models import BoardTally, Opportunity
from openfunnel.sales.testing import expected_tally, tally_by_key

pytestmark = pytest.mark.django_db


def copies() -> dict[int, tuple[int | None, int | None, bool]]:
    return {pk: (owner, pool, deleted) for pk, owner, pool, deleted in Opportunity.objects.values_list(
        "pk", "customer_owner_id", "customer_pool_id", "customer_deleted")}


def customers_values() -> dict[int, tuple[int | None, int | None, bool]]:
    """What every opportunity's copy must be: its customer's current values."""
    return {o.pk: (o.customer.owner_id, o.customer.pool_id, o.customer.deleted_at is not None)
            for o in Opportunity.objects.select_related("customer")}


def assert_exact() -> None:
    assert copies() == customers_values()
    assert tally_by_key() == expected_tally()


def test_on_postgresql_the_copy_and_the_tally_are_statement_triggers_and_install_replaces_them():
    if connection.vendor != "postgresql":
        pytest.skip("SQLite has only row triggers")
    customer_copy.install()   # a second install (migrate runs it every time) replaces, never adds
    board_tally.install()
    with connection.cursor() as cursor:
        cursor.execute("SELECT tgname, tgtype & 1 = 1 FROM pg_trigger WHERE NOT tgisinternal "
                       "AND (tgname LIKE '%%customer_copy%%' OR tgname LIKE '%%board_tally%%')")
        per_row = dict(cursor.fetchall())
    # the BEFORE trigger filling an opportunity on its way in stays per row (it sets NEW)
    assert per_row == {"sales_opportunity_customer_copy": True, "customers_customer_copy": False,
                       "sales_board_tally_insert": False, "sales_board_tally_update": False,
                       "sales_board_tally_delete": False}


def test_one_update_of_many_customers_moves_every_copy_and_total(world):
    from openfunnel.customers.services import customer_delete
    from openfunnel.pool.models import Pool

    world.opp(amount=Decimal("100.00"))
    world.opp(amount=Decimal("20.50"), name="第二个")
    world.opp(actor=world.p.bob, customer=world.bob_customer, amount=Decimal("7.00"))
    gone = world.opp(actor=world.p.bob, customer=world.bob_customer, amount=Decimal("8.00"), name="删掉的")
    services.opportunity_delete(actor=world.p.admin, opportunity=gone)
    world.opp(actor=world.p.carol, customer=world.carol_customer, amount=Decimal("3.00"))
    customer_delete(actor=world.p.admin, customer=Customer.objects.get(pk=world.carol_customer.pk))
    assert_exact()
    pool = Pool.objects.create(name="公海")
    everyone = [world.alice_customer.pk, world.bob_customer.pk, world.carol_customer.pk]
    # as the reclaim job: a live and a deleted customer in the same statement
    assert Customer.objects.filter(pk__in=everyone).update(owner=None, pool=pool) == 3
    assert set(copies().values()) == {(None, pool.pk, False), (None, pool.pk, True)}
    assert_exact()
    # one statement deleting one customer, restoring another and handing a third over
    now = timezone.now()
    Customer.objects.filter(pk__in=everyone).update(
        deleted_at=Case(When(pk=world.alice_customer.pk, then=Value(now)), default=Value(None)),
        owner=Case(When(pk=world.bob_customer.pk, then=Value(world.p.carol.pk)), default=None),
        pool=Case(When(pk=world.bob_customer.pk, then=Value(None)), default=F("pool")))
    assert copies()[gone.pk] == (world.p.carol.pk, None, False)
    assert_exact()


def test_one_update_of_many_opportunities_keeps_the_tally_exact(world):
    same_key = [world.opp(amount=Decimal(f"{n}.25"), name=f"同一列 {n}") for n in range(1, 4)]
    world.opp(actor=world.p.bob, customer=world.bob_customer, amount=Decimal("7.00"))
    board_tally.compact()
    before = BoardTally.objects.count()
    moved = Opportunity.objects.filter(pk__in=[o.pk for o in same_key]).update(
        stage=world.stage("初次接触"), amount=F("amount") + 1)
    assert moved == 3
    assert_exact()
    written = BoardTally.objects.count() - before
    # PostgreSQL sums a statement per key: minus in the old column, plus in the new one
    assert written == (2 if connection.vendor == "postgresql" else 6)


def test_one_statement_over_live_and_deleted_opportunities_and_customers(world):
    from openfunnel.customers.services import customer_delete

    live = world.opp(amount=Decimal("10.00"))
    deleted = world.opp(amount=Decimal("20.00"), name="回收站里的")
    services.opportunity_delete(actor=world.p.admin, opportunity=deleted)
    on_deleted_customer = world.opp(actor=world.p.bob, customer=world.bob_customer, amount=Decimal("30.00"))
    customer_delete(actor=world.p.admin, customer=Customer.objects.get(pk=world.bob_customer.pk))
    assert_exact()
    now = timezone.now()
    # the live one goes to the bin, the binned one comes back, every amount moves (the one on a deleted
    # customer too, which counts nowhere)
    Opportunity.objects.filter(pk__in=[live.pk, deleted.pk, on_deleted_customer.pk]).update(
        deleted_at=Case(When(pk=live.pk, then=Value(now)), When(pk=deleted.pk, then=Value(None)),
                        default=F("deleted_at")),
        amount=F("amount") + Decimal("0.33"), probability=35)
    assert_exact()
    # one DELETE of several rows
    assert Opportunity.objects.filter(customer=world.alice_customer).delete()[0] >= 2
    assert_exact()


def test_a_statement_that_changes_nothing_writes_nothing(world):
    world.opp(amount=Decimal("10.00"))
    world.opp(actor=world.p.bob, customer=world.bob_customer, amount=Decimal("7.00"))
    rows, copied = BoardTally.objects.count(), copies()
    assert Opportunity.objects.update(name=F("name"), amount=F("amount"), updated_at=timezone.now()) == 2
    assert Customer.objects.update(owner=F("owner"), pool=F("pool"), updated_at=timezone.now()) == 3
    assert Opportunity.objects.filter(pk=0).update(amount=1) == 0
    assert Customer.objects.filter(pk=0).update(owner=None) == 0
    assert BoardTally.objects.count() == rows
    assert copies() == copied
    assert_exact()


def test_the_reclaim_job_moves_the_copy_and_the_totals_of_a_whole_batch(world):
    """The job's one UPDATE per batch (pool.services.reclaim_batch) with customers of two reclaim rules."""
    import datetime as dt

    from openfunnel.pool import jobs
    from openfunnel.pool.testing import make_pool

    for customer, amount in ((world.alice_customer, "10.00"), (world.alice_customer, "11.00"),
                             (world.bob_customer, "12.00"), (world.carol_customer, "13.00")):
        world.opp(actor=world.p.admin, customer=customer, amount=Decimal(amount))
    pool = make_pool(world.p, reclaim_after_claim_days=3, reclaim_no_follow_up_days=10)
    now = timezone.now()
    Customer.objects.filter(pk=world.alice_customer.pk).update(pool=pool, owner_since=now - dt.timedelta(days=5),
                                                                last_follow_up_at=None)   # after claim
    Customer.objects.filter(pk=world.bob_customer.pk).update(pool=pool, owner_since=now - dt.timedelta(days=30),
                                                              last_follow_up_at=now - dt.timedelta(days=20))
    assert jobs.reclaim_run(now)["reclaimed"] >= 2
    reasons = set(Customer.objects.filter(pk__in=[world.alice_customer.pk, world.bob_customer.pk])
                  .values_list("owner_id", "pool_id", "pool_reason"))
    assert len(reasons) == 2 and {(owner, pool_id) for owner, pool_id, _reason in reasons} == {(None, pool.pk)}
    assert_exact()
