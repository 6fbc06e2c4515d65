"""The kanban tally (sales.board_tally): kept by triggers through every write path, equal to the sums of the
opportunities, merged by its job without changing a total, and what the board's totals read."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from openfunnel.customers.models import Customer
from openfunnel.customers.services import customer_delete, customer_restore, customer_share, customer_transfer
from openfunnel.sales import board_tally, selectors, services
from openfunnel.sales.models import BoardTally, Opportunity
from openfunnel.sales.testing import expected_tally, tally_by_key

pytestmark = pytest.mark.django_db


def test_the_triggers_are_installed_by_migrate():
    assert board_tally.installed() == {"sales_board_tally_insert", "sales_board_tally_update",
                                       "sales_board_tally_delete"}


def _won(world, opp, actor):
    """Wins the deal with what the won stage asks for (a close date and a decision maker)."""
    from openfunnel.customers.services import contact_create

    customer = opp.customer
    contact = customer.contacts.first() or contact_create(actor=actor, customer=customer, name="李总",
                                                          decision_role="decision_maker")
    opp = services.opportunity_update(actor=actor, opportunity=Opportunity.objects.get(pk=opp.pk), data={
        "expected_close_date": dt.date(2026, 12, 31), "contacts": [{"contact": contact.pk, "role": "decision_maker"}]})
    return services.opportunity_win(actor=actor, opportunity=Opportunity.objects.get(pk=opp.pk))


def _story(world):
    """Creations, moves, a win, a loss, a reopening, edits, a deletion, a customer transferred, released to a
    pool, deleted and restored — through the services and through bulk UPDATEs."""
    from openfunnel.pool.models import Pool

    a = world.opp(amount=Decimal("100000.00"))
    b = world.opp(amount=Decimal("2500.50"), name="第二个")
    c = world.opp(actor=world.p.bob, customer=world.bob_customer, amount=Decimal("7.00"))
    d = world.opp(actor=world.p.admin, customer=world.alice_customer, amount=Decimal("333.33"))
    services.opportunity_move(actor=world.p.alice, opportunity=a, stage=world.stage("初次接触"))
    _won(world, a, world.p.alice)
    services.opportunity_lose(actor=world.p.bob, opportunity=c, reason=world.reasons["其他"].pk)
    services.opportunity_reopen(actor=world.p.bob, opportunity=Opportunity.objects.get(pk=c.pk))
    services.opportunity_update(actor=world.p.alice, opportunity=Opportunity.objects.get(pk=b.pk),
                                data={"amount": Decimal("9999.99"), "name": "改过的"})
    services.opportunity_delete(actor=world.p.admin, opportunity=Opportunity.objects.get(pk=d.pk))
    customer_transfer(actor=world.p.admin, customer=world.alice_customer, owner=world.p.carol)
    pool = Pool.objects.create(name="公海")
    Customer.objects.filter(pk=world.bob_customer.pk).update(owner=None, pool=pool)
    customer_delete(actor=world.p.admin, customer=Customer.objects.get(pk=world.carol_customer.pk))
    customer_restore(actor=world.p.admin, id=world.carol_customer.pk)
    Opportunity.objects.filter(pk=b.pk).update(probability=55)


def test_the_tally_equals_the_opportunities_after_every_kind_of_change(world):
    _story(world)
    assert tally_by_key() == expected_tally()
    assert expected_tally()     # the story left something on the board


def test_compaction_and_rebuild_keep_every_total(world):
    _story(world)
    expected = expected_tally()
    rows = BoardTally.objects.count()
    assert board_tally.compact() > 0
    assert BoardTally.objects.count() < rows and tally_by_key() == expected
    assert board_tally.compact() == 0 or tally_by_key() == expected
    BoardTally.objects.all().delete()
    board_tally.rebuild()
    assert tally_by_key() == expected


def test_the_board_reads_the_same_totals_from_the_tally_as_from_the_opportunities(world):
    world.opp(amount=Decimal("100000.00"))
    world.opp(amount=Decimal("50.00"), name="第二个")
    won = world.opp(actor=world.p.bob, customer=world.bob_customer, amount=Decimal("7.00"))
    _won(world, won, world.p.bob)
    shared = world.opp(actor=world.p.carol, customer=world.carol_customer, amount=Decimal("12.00"))
    services.opportunity_share_set(actor=world.p.carol, opportunity=shared, user=world.p.manager)
    world.opp(actor=world.p.carol, customer=world.carol_customer, amount=Decimal("1.00"))
    customer_share(actor=world.p.carol, customer=world.carol_customer, user=world.p.manager)
    since = board_tally.week_start(timezone.now() - dt.timedelta(days=90))
    for actor in (world.p.alice, world.p.manager, world.p.admin, world.p.carol):
        visible = selectors.opportunities_visible_to(actor)
        tallied = selectors.board_columns(pipeline=world.pipeline, queryset=visible, closed_since=since,
                                          tally_for=actor)
        counted = selectors.board_columns(pipeline=world.pipeline, queryset=visible, closed_since=since)
        assert ([(c.stage.pk, c.count, c.amount, c.weighted) for c in tallied]
                == [(c.stage.pk, c.count, c.amount, c.weighted) for c in counted])
        assert [[card.pk for card in c.cards] for c in tallied] == [[card.pk for card in c.cards] for c in counted]
    manager = selectors.board_columns(pipeline=world.pipeline, queryset=selectors.opportunities_visible_to(
        world.p.manager), closed_since=since, tally_for=world.p.manager)
    assert sum(c.count for c in manager) >= 4   # the shared deal and the shared customer's deals counted once


def test_a_deal_closed_before_the_window_leaves_the_closed_column(world):
    won = world.opp(amount=Decimal("10.00"))
    _won(world, won, world.p.alice)
    Opportunity.objects.filter(pk=won.pk).update(closed_at=timezone.now() - dt.timedelta(days=120))
    since = board_tally.week_start(timezone.now() - dt.timedelta(days=90))
    columns = selectors.board_columns(pipeline=world.pipeline, queryset=selectors.opportunities_visible_to(
        world.p.alice), closed_since=since, tally_for=world.p.alice)
    assert all(c.count == 0 for c in columns if c.stage.kind == "won")
    assert connection.vendor in ("postgresql", "sqlite")


def test_an_owner_or_department_filter_is_read_from_the_tally_too(world, web_as):
    from openfunnel.sales.filters import BoardFilter

    world.opp(amount=Decimal("100.00"))
    world.opp(actor=world.p.bob, customer=world.bob_customer, amount=Decimal("7.00"))
    world.opp(actor=world.p.carol, customer=world.carol_customer, amount=Decimal("3.00"))
    since = board_tally.week_start(timezone.now() - dt.timedelta(days=90))
    visible = selectors.opportunities_visible_to(world.p.admin)
    for query in ({"owner": world.p.bob.pk}, {"department": world.p.north.pk}, {"search": "x"}, {}):
        filterset = BoardFilter(query, queryset=visible, request=None)
        owner_q = filterset.tally_owner_q()
        assert (owner_q is None) == ("search" in query)
        if owner_q is None:
            continue
        tallied = selectors.board_columns(pipeline=world.pipeline, queryset=filterset.qs, closed_since=since,
                                          tally_for=world.p.admin, tally_owner_q=owner_q)
        counted = selectors.board_columns(pipeline=world.pipeline, queryset=filterset.qs, closed_since=since)
        assert [(c.count, c.amount) for c in tallied] == [(c.count, c.amount) for c in counted]


def test_compaction_leaves_the_keys_that_did_not_change_alone(world):
    first = world.opp(amount=Decimal("10.00"))
    world.opp(actor=world.p.bob, customer=world.bob_customer, amount=Decimal("20.00"))
    board_tally.compact()
    untouched = set(BoardTally.objects.filter(owner_id=world.p.bob.pk).values_list("pk", flat=True))
    services.opportunity_update(actor=world.p.alice, opportunity=Opportunity.objects.get(pk=first.pk),
                                data={"amount": Decimal("15.00")})
    assert board_tally.compact() >= 1
    assert set(BoardTally.objects.filter(owner_id=world.p.bob.pk).values_list("pk", flat=True)) == untouched
    assert BoardTally.objects.filter(owner_id=world.p.alice.pk).count() == 1
    assert tally_by_key() == expected_tally()


def test_the_scheduled_job_merges_the_tally(world):
    from openfunnel.core.jobs import run_due_jobs

    opp = world.opp(amount=Decimal("10.00"))
    services.opportunity_update(actor=world.p.alice, opportunity=opp, data={"amount": Decimal("11.00")})
    result = run_due_jobs(now=timezone.now(), only="opportunity_board_tally")
    assert result["opportunity_board_tally"]["merged"] >= 1
    assert tally_by_key() == expected_tally()
