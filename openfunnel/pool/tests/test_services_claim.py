"""Claim, assign and release: happy paths, limits, cooldown, permissions, scope and the events written."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from openfunnel.audit.models import Event
from openfunnel.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from openfunnel.customers.models import Customer
from openfunnel.customers.selectors import customers_visible_to
from openfunnel.pool.models import PoolEvent
from openfunnel.pool.services import customer_claim, customer_release, customers_assign
from openfunnel.pool.testing import make_pool, pool_customer

NOW = timezone.make_aware(dt.datetime(2026, 3, 2, 10, 0))


def test_member_claims_a_pool_customer(personas, pool, in_pool):
    customer = customer_claim(actor=personas.alice, pool=pool, customer_id=in_pool[0].pk, now=NOW)
    assert customer.owner == personas.alice and customer.owner_since == NOW and customer.pool == pool
    assert customer.version == 2 and customer.pool_reason == ""
    assert customer.name_key == in_pool[0].name_key   # a column the claim did not write: read when first used
    event = PoolEvent.objects.get()
    assert (event.kind, event.user, event.actor, event.customer_id) == ("claim", personas.alice, personas.alice,
                                                                        customer.pk)
    audit = Event.objects.get(verb="pool.claimed")
    assert audit.customer_id == customer.pk and audit.changes == {"owner": [None, personas.alice.pk]}


def test_second_claim_gets_already_claimed(personas, pool, in_pool):
    customer_claim(actor=personas.alice, pool=pool, customer_id=in_pool[0].pk, now=NOW)
    with pytest.raises(Conflict) as error:
        customer_claim(actor=personas.bob, pool=pool, customer_id=in_pool[0].pk, now=NOW)
    assert error.value.code == "already_claimed"
    assert Customer.objects.get(pk=in_pool[0].pk).owner == personas.alice
    assert PoolEvent.objects.count() == 1


def test_non_member_and_unknown_customers_are_not_found(personas, pool, in_pool):
    with pytest.raises(NotFound):
        customer_claim(actor=personas.carol, pool=pool, customer_id=in_pool[0].pk, now=NOW)
    with pytest.raises(NotFound):
        customer_claim(actor=personas.alice, pool=pool, customer_id=987654, now=NOW)
    with pytest.raises(NotFound):
        customer_claim(actor=personas.alice, pool=pool, customer_id="abc", now=NOW)
    other = make_pool(personas, name="North pool", departments=[personas.north])
    stranger = pool_customer(other, "North Co")
    with pytest.raises(NotFound):  # in another pool: not revealed
        customer_claim(actor=personas.alice, pool=pool, customer_id=stranger.pk, now=NOW)
    assert not PoolEvent.objects.exists()


def test_assignment_only_pool_refuses_claims(personas):
    pool = make_pool(personas, claim_mode="assign")
    customer = pool_customer(pool, "Assigned Only Co")
    with pytest.raises(PermissionDenied):
        customer_claim(actor=personas.alice, pool=pool, customer_id=customer.pk, now=NOW)
    assert Customer.objects.get(pk=customer.pk).owner is None


def test_owned_limit(personas, pool, in_pool):
    for i in range(5):
        Customer.objects.create(name=f"Own {i}", name_key=f"own {i}", owner=personas.alice)
    with pytest.raises(Conflict) as error:
        customer_claim(actor=personas.alice, pool=pool, customer_id=in_pool[0].pk, now=NOW)
    assert error.value.code == "claim_limit_reached" and error.value.extra["limit"] == "max_owned"
    assert Customer.objects.get(pk=in_pool[0].pk).owner is None


def test_daily_limit_counts_from_local_midnight(personas, pool, in_pool):
    for customer in in_pool[:3]:
        customer_claim(actor=personas.alice, pool=pool, customer_id=customer.pk, now=NOW)
    with pytest.raises(Conflict) as error:
        customer_claim(actor=personas.alice, pool=pool, customer_id=in_pool[3].pk, now=NOW)
    assert error.value.code == "claim_limit_reached" and error.value.extra["limit"] == "daily"
    tomorrow = NOW + dt.timedelta(days=1)
    assert customer_claim(actor=personas.alice, pool=pool, customer_id=in_pool[3].pk, now=tomorrow).owner_id


def test_cooldown_after_release(personas, pool, in_pool):
    customer = customer_claim(actor=personas.alice, pool=pool, customer_id=in_pool[0].pk, now=NOW)
    customer_release(actor=personas.alice, customer=customer, pool=pool, reason="Budget frozen", now=NOW)
    with pytest.raises(Conflict) as error:
        customer_claim(actor=personas.alice, pool=pool, customer_id=customer.pk, now=NOW + dt.timedelta(days=6))
    assert error.value.code == "cooldown" and error.value.extra["until"] == "2026-03-09"
    # Another rep is not cooled down; the former owner may claim again once the K days are over.
    assert customer_claim(actor=personas.alice, pool=pool, customer_id=customer.pk,
                          now=NOW + dt.timedelta(days=7, minutes=1)).owner == personas.alice


def test_release_with_reason(personas, pool, in_pool):
    customer = customer_claim(actor=personas.alice, pool=pool, customer_id=in_pool[0].pk, now=NOW)
    released = customer_release(actor=personas.alice, customer=customer, pool=pool, reason="No budget", now=NOW)
    assert released.owner is None and released.pool == pool and released.pool_reason == "No budget"
    assert released.previous_owner == personas.alice and released.pool_entered_at == NOW
    event = PoolEvent.objects.get(kind="release")
    assert event.user == personas.alice and event.reason == "No budget"
    assert Event.objects.get(verb="pool.released").customer_id == customer.pk


def test_release_bad_input_and_permissions(personas, pool, in_pool):
    customer = customer_claim(actor=personas.alice, pool=pool, customer_id=in_pool[0].pk, now=NOW)
    with pytest.raises(ValidationFailed) as error:
        customer_release(actor=personas.alice, customer=customer, pool=pool, reason="  ", now=NOW)
    assert "reason" in error.value.fields
    with pytest.raises(ValidationFailed):
        customer_release(actor=personas.alice, customer=customer, pool=pool, reason="x" * 301, now=NOW)
    with pytest.raises(PermissionDenied):  # a teammate is not the owner and has no wider scope
        customer_release(actor=personas.bob, customer=customer, pool=pool, reason="Mine now", now=NOW)
    assert Customer.objects.get(pk=customer.pk).owner == personas.alice
    customer_release(actor=personas.manager, customer=customer, pool=pool, reason="Rebalancing", now=NOW)
    with pytest.raises(Conflict) as twice:
        customer_release(actor=personas.manager, customer=customer, pool=pool, reason="Again", now=NOW)
    assert twice.value.code == "invalid_transition"


def test_manager_assigns_round_robin_and_least_loaded(personas, pool, in_pool):
    assigned = customers_assign(actor=personas.manager, pool=pool, customer_ids=[c.pk for c in in_pool[:4]],
                                owners=[personas.alice, personas.bob], strategy="round_robin", now=NOW)
    assert [c.owner_id for c in assigned] == [personas.alice.pk, personas.bob.pk] * 2
    assert PoolEvent.objects.filter(kind="assign").count() == 4
    Customer.objects.create(name="Extra", name_key="extra", owner=personas.alice)
    assigned = customers_assign(actor=personas.manager, pool=pool, customer_ids=[c.pk for c in in_pool[4:]],
                                owners=[personas.alice, personas.bob], strategy="least_loaded", now=NOW)
    assert [c.owner_id for c in assigned] == [personas.bob.pk, personas.alice.pk]


def test_assign_refusals_change_nothing(personas, pool, in_pool):
    ids = [c.pk for c in in_pool[:2]]
    with pytest.raises(PermissionDenied):
        customers_assign(actor=personas.alice, pool=pool, customer_ids=ids, owner=personas.alice, now=NOW)
    with pytest.raises(ValidationFailed):  # carol is outside mike's scope
        customers_assign(actor=personas.manager, pool=pool, customer_ids=ids, owner=personas.carol, now=NOW)
    with pytest.raises(ValidationFailed):
        customers_assign(actor=personas.manager, pool=pool, customer_ids=[], owner=personas.alice, now=NOW)
    customer_claim(actor=personas.bob, pool=pool, customer_id=ids[1], now=NOW)
    with pytest.raises(Conflict) as error:  # all or nothing
        customers_assign(actor=personas.manager, pool=pool, customer_ids=ids, owner=personas.alice, now=NOW)
    assert error.value.code == "already_claimed"
    assert Customer.objects.get(pk=ids[0]).owner is None
    assert not PoolEvent.objects.filter(kind="assign").exists()


def test_assign_respects_the_owned_limit(personas, pool, in_pool):
    with pytest.raises(Conflict) as error:
        customers_assign(actor=personas.manager, pool=pool, customer_ids=[c.pk for c in in_pool], owner=personas.bob,
                         now=NOW)
    assert error.value.code == "claim_limit_reached"
    assert not Customer.objects.filter(owner=personas.bob).exists()


def test_members_see_pool_customers_and_others_do_not(personas, pool, in_pool):
    assert in_pool[0] in customers_visible_to(personas.alice)
    assert in_pool[0] not in customers_visible_to(personas.carol)
    customer_claim(actor=personas.alice, pool=pool, customer_id=in_pool[0].pk, now=NOW)
    assert in_pool[0] in customers_visible_to(personas.alice)
    assert in_pool[0] not in customers_visible_to(personas.bob)
    direct = make_pool(personas, name="Carol's pool", departments=[], users=[personas.carol])
    assert pool_customer(direct, "Direct Co") in customers_visible_to(personas.carol)


def test_transfer_between_users_is_in_the_pool_log(personas, pool, in_pool):
    from openfunnel.customers.services import customer_transfer

    customer = customer_claim(actor=personas.alice, pool=pool, customer_id=in_pool[0].pk, now=NOW)
    customer_transfer(actor=personas.manager, customer=customer, owner=personas.bob)
    event = PoolEvent.objects.get(kind="transfer")
    assert (event.user, event.actor, event.customer_id, event.pool) == (personas.bob, personas.manager,
                                                                         customer.pk, pool)


def test_pool_history_stays_private_unless_the_pool_allows_it(personas, pool):
    from openfunnel.activities.selectors import activities_visible_to
    from openfunnel.activities.services import activity_create
    from openfunnel.customers.selectors import contacts_visible_to, customer_events
    from openfunnel.customers.services import contact_create
    from openfunnel.pool.services import pool_update

    customer = Customer.objects.create(name="Private Co", name_key="private co", owner=personas.carol)
    contact_create(actor=personas.carol, customer=customer, name="Secret Person", phone="13900000001")
    activity_create(actor=personas.carol, kind="call", content="Confidential pricing", customer=customer)
    customer_release(actor=personas.director, customer=customer, pool=pool, reason="Moving away", now=NOW)
    assert customer in customers_visible_to(personas.alice)  # basic fields
    assert not contacts_visible_to(personas.alice).filter(customer=customer).exists()
    assert not activities_visible_to(personas.alice).filter(customer=customer).exists()
    assert {e.verb for e in customer_events(actor=personas.alice, customer=customer)} == {"pool.released"}
    pool_update(actor=personas.admin, pool=pool, values={"members_see_history": True})
    assert contacts_visible_to(personas.alice).filter(customer=customer).exists()
    assert activities_visible_to(personas.alice).filter(customer=customer).exists()
    assert len({e.verb for e in customer_events(actor=personas.alice, customer=customer)}) > 1
