"""The customer's owner, pool and recycle-bin state on its opportunities (sales.customer_copy): kept by the
database on every write path, so the opportunity scope can read it from the opportunity alone."""

from __future__ import annotations

import pytest
from django.db import connection
from django.utils import timezone

from openfunnel.customers.models import Customer
from openfunnel.customers.services import customer_delete, customer_restore, customer_transfer
from openfunnel.sales import customer_copy, selectors
from openfunnel.sales.models import Opportunity

pytestmark = pytest.mark.django_db


def copy_of(opportunity: Opportunity) -> tuple[int | None, int | None, bool]:
    return (Opportunity.objects.filter(pk=opportunity.pk)
            .values_list("customer_owner_id", "customer_pool_id", "customer_deleted").get())


def test_the_triggers_are_installed_by_migrate():
    expected = ({"sales_opportunity_customer_copy", "customers_customer_copy"} if connection.vendor == "postgresql"
                else {"sales_opportunity_customer_copy_insert", "sales_opportunity_customer_copy_update",
                      "customers_customer_copy"})
    assert customer_copy.installed() == expected


def test_a_new_opportunity_gets_its_customers_owner_even_when_someone_else_owns_it(world):
    opp = world.opp(actor=world.p.admin, customer=world.alice_customer)
    assert copy_of(opp) == (world.p.alice.pk, None, False)


def test_a_transfer_of_the_customer_moves_the_copy_and_the_new_owner_sees_the_deal(world):
    opp = world.opp()
    assert opp.pk not in set(selectors.opportunities_visible_to(world.p.bob).values_list("pk", flat=True))
    customer_transfer(actor=world.p.admin, customer=world.alice_customer, owner=world.p.bob)
    assert copy_of(opp) == (world.p.bob.pk, None, False)
    assert opp.pk in set(selectors.opportunities_visible_to(world.p.bob).values_list("pk", flat=True))


def test_a_stale_instance_saved_after_the_transfer_keeps_the_new_owner(world):
    opp = world.opp()
    stale = Opportunity.objects.get(pk=opp.pk)
    customer_transfer(actor=world.p.admin, customer=world.alice_customer, owner=world.p.bob)
    stale.name = "改名"
    stale.save()
    assert copy_of(opp) == (world.p.bob.pk, None, False)


def test_moving_the_opportunity_to_another_customer_takes_that_customers_owner(world):
    opp = world.opp()
    opp.customer = world.carol_customer
    opp.save()
    assert copy_of(opp) == (world.p.carol.pk, None, False)


def test_the_pool_and_the_recycle_bin_are_copied_both_ways(world):
    from openfunnel.pool.models import Pool

    opp = world.opp()
    pool = Pool.objects.create(name="公海")
    Customer.objects.filter(pk=world.alice_customer.pk).update(owner=None, pool=pool)   # a bulk path's UPDATE
    assert copy_of(opp) == (None, pool.pk, False)
    Customer.objects.filter(pk=world.alice_customer.pk).update(owner=world.p.alice, pool=None)
    customer = Customer.objects.get(pk=world.alice_customer.pk)
    customer_delete(actor=world.p.admin, customer=customer)
    assert copy_of(opp) == (world.p.alice.pk, None, True)
    assert not selectors.opportunities_visible_to(world.p.admin).filter(pk=opp.pk).exists()
    customer_restore(actor=world.p.admin, id=customer.pk)
    assert copy_of(opp) == (world.p.alice.pk, None, False)


def test_backfill_repairs_rows_written_without_the_triggers(world):
    opp = world.opp()
    with connection.cursor() as cursor:   # as the benchmark's COPY in replica mode leaves them
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = replica")
        else:
            cursor.execute("DROP TRIGGER sales_opportunity_customer_copy_update")
        cursor.execute("UPDATE sales_opportunity SET customer_owner_id = NULL, customer_deleted = %s WHERE id = %s",
                       [True, opp.pk])
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL session_replication_role = DEFAULT")
    assert copy_of(opp) == (None, None, True)
    assert customer_copy.backfill() >= 1
    customer_copy.install()
    assert copy_of(opp) == (world.p.alice.pk, None, False)
    Customer.objects.filter(pk=world.alice_customer.pk).update(deleted_at=timezone.now())
    assert copy_of(opp) == (world.p.alice.pk, None, True)
