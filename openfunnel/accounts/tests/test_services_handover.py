"""The departure handover: one successor, a split, the pool, the collaborator option, refusals, the trail."""

from __future__ import annotations

import pytest

from openfunnel.accounts.models import Handover
from openfunnel.accounts.selectors import handover_counts
from openfunnel.accounts.services import user_deactivate, user_handover
from openfunnel.accounts.testing import make_book
from openfunnel.activities.models import Reminder, Task
from openfunnel.audit.models import Event
from openfunnel.automation.models import Notification
from openfunnel.core.errors import PermissionDenied, ValidationFailed
from openfunnel.customers.models import Customer, CustomerShare
from openfunnel.leads.models import Lead
from openfunnel.pool.models import PoolEvent
from openfunnel.pool.testing import make_pool
from openfunnel.sales.models import Opportunity

BOOK_COUNTS = {"leads": 2, "customers": 4, "opportunities": 1, "tasks": 2, "reminders": 2}


@pytest.fixture(autouse=True)
def english():
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture
def book(personas):
    return make_book(personas.alice, admin=personas.admin)


def _fresh(obj):
    obj.refresh_from_db()
    return obj


def test_preview_counts_only_open_records(personas, book):
    assert handover_counts(user=personas.alice) == BOOK_COUNTS
    assert handover_counts(user=personas.bob) == dict.fromkeys(BOOK_COUNTS, 0)


def test_everything_open_goes_to_one_successor(personas, book):
    before = {c.pk: c.version for c in book.customers.values()}
    report = user_handover(actor=personas.admin, user=personas.alice, to_user=personas.bob.pk)

    assert report.totals == BOOK_COUNTS and not report.dry_run
    assert [t.as_dict()["name"] for t in report.targets] == ["Bob Rep"]
    assert handover_counts(user=personas.alice) == dict.fromkeys(BOOK_COUNTS, 0)
    for customer in book.customers.values():
        customer = _fresh(customer)
        assert customer.owner == personas.bob and customer.previous_owner == personas.alice
        assert customer.owner_since == report.at and customer.version == before[customer.pk] + 1
    assert _fresh(book.leads["new"]).owner == personas.bob and book.leads["new"].assigned_at == report.at
    assert _fresh(book.opportunities["open"]).owner == personas.bob
    assert Task.objects.filter(assignee=personas.bob, status="open").count() == 2
    assert Reminder.objects.filter(user=personas.bob, done_at__isnull=True).count() == 2
    # History stays with who worked it: the lost deal, the invalid lead, the done task, the deleted customer.
    assert _fresh(book.opportunities["lost"]).owner == personas.alice
    assert _fresh(book.leads["invalid"]).owner == personas.alice
    assert _fresh(book.tasks["done"]).assignee == personas.alice
    assert Customer.objects.filter(owner=personas.alice, deleted_at__isnull=False).count() == 1


def test_the_trail_says_what_moved(personas, book):
    report = user_handover(actor=personas.admin, user=personas.alice, to_user=personas.bob)
    handover = Handover.objects.get()
    assert report.handover == handover and handover.actor == personas.admin
    assert handover.report["counts"] == BOOK_COUNTS
    assert handover.report["targets"][0] == {"type": "user", "id": personas.bob.pk, "name": "Bob Rep",
                                                   **BOOK_COUNTS, "collaborator_shares": 0}
    summary = Event.objects.get(verb="user.handed_over")
    assert summary.object_id == personas.alice.pk and summary.data["counts"] == BOOK_COUNTS
    deal = book.customers["deal"]
    owner_changed = Event.objects.get(verb="customer.owner_changed", customer_id=deal.pk)
    assert owner_changed.changes == {"owner": [personas.alice.pk, personas.bob.pk]}
    assert owner_changed.data["handover"] == handover.pk and owner_changed.actor == personas.admin
    assert Event.objects.filter(verb="lead.transferred", data__handover=handover.pk).count() == 2
    assert Event.objects.filter(verb="opportunity.transferred", customer_id=deal.pk).count() == 1
    assert Event.objects.filter(verb="task.updated", data__handover=handover.pk).count() == 2
    transfers = PoolEvent.objects.filter(kind="transfer", user=personas.bob, actor=personas.admin)
    assert transfers.filter(customer__isnull=False).count() == 4 and transfers.filter(lead__isnull=False).count() == 2
    notes = Notification.objects.filter(recipient=personas.bob, kind="assignment")
    assert notes.count() == 1 and "4 customers" in notes.get().message


def test_split_deals_customers_round_robin_and_deals_follow_their_customer(personas, book):
    from openfunnel.customers.services import customer_create

    extra = [customer_create(actor=personas.alice, name=f"Extra {i} Trading Co") for i in range(4)]
    report = user_handover(actor=personas.admin, user=personas.alice,
                           split=[{"to_user": personas.bob.pk}, {"to_user": personas.carol.pk}])
    bob, carol = report.targets
    assert bob.counts["customers"] == 4 and carol.counts["customers"] == 4
    assert {c.owner_id for c in Customer.objects.filter(pk__in=[c.pk for c in extra])} == {personas.bob.pk,
                                                                                          personas.carol.pk}
    deal_owner = _fresh(book.customers["deal"]).owner_id
    assert _fresh(book.opportunities["open"]).owner_id == deal_owner
    task = _fresh(book.tasks["open"])
    assert task.assignee_id == _fresh(book.customers["plain"]).owner_id
    assert task.reminders.get(done_at__isnull=True).user_id == task.assignee_id
    lead_task = _fresh(book.tasks["lead"])
    assert lead_task.assignee_id == _fresh(book.leads["new"]).owner_id
    assert bob.counts["leads"] == carol.counts["leads"] == 1
    assert report.totals == {**BOOK_COUNTS, "customers": 8}


def test_split_with_the_pool(personas, book):
    pool = make_pool(personas)
    lead_pool = make_pool(personas, name="Lead pool", kind="lead")
    report = user_handover(actor=personas.admin, user=personas.alice, reason="Alice left the company",
                           split=[{"release_to_pool": pool.pk}, {"to_user": personas.bob.pk}])
    to_pool, to_bob = report.targets
    # The customer with an open deal goes to a person, never to the pool.
    assert _fresh(book.customers["deal"]).owner == personas.bob
    assert to_pool.counts["customers"] == 2 and to_bob.counts["customers"] == 2
    released = Customer.objects.filter(pool=pool, owner__isnull=True)
    assert released.count() == 2
    for customer in released:
        assert customer.previous_owner == personas.alice and customer.pool_reason == "Alice left the company"
        assert customer.pool_entered_at == report.at and customer.owner_since is None
    assert PoolEvent.objects.filter(kind="release", pool=pool, user=personas.alice).count() == 2
    assert Event.objects.filter(verb="pool.released", data__handover=report.handover.pk).count() == 2
    # Leads: one to the lead pool (no owner), one to Bob.
    assert to_pool.counts["leads"] == 1 and to_bob.counts["leads"] == 1
    pooled_lead = Lead.objects.get(pk__in=[b.pk for b in book.leads.values()], owner__isnull=True)
    assert PoolEvent.objects.get(kind="release", lead=pooled_lead).pool == lead_pool
    assert Event.objects.get(verb="pool.lead_released").lead_id == pooled_lead.pk
    # Everything that needs a person went to Bob, following the customers that went to him.
    assert to_bob.counts == {"leads": 1, "customers": 2, "opportunities": 1, "tasks": 2, "reminders": 2}
    assert report.as_dict()["lead_pool"] == {"id": lead_pool.pk, "name": "Lead pool"}


def test_without_a_lead_pool_leads_go_to_the_persons(personas, book):
    pool = make_pool(personas)
    report = user_handover(actor=personas.admin, user=personas.alice,
                           split=[{"release_to_pool": pool.pk}, {"to_user": personas.bob.pk}])
    assert report.targets[0].counts["leads"] == 0 and report.targets[1].counts["leads"] == 2
    assert report.lead_pool is None


def test_pool_only_is_refused_while_anything_needs_a_person(personas, book):
    pool = make_pool(personas)
    with pytest.raises(ValidationFailed) as refused:
        user_handover(actor=personas.admin, user=personas.alice, release_to_pool=pool.pk)
    message = str(refused.value.fields["release_to_pool"][0])
    assert "1 open opportunities" in message and "2 open leads" in message
    assert handover_counts(user=personas.alice) == BOOK_COUNTS


def test_pool_only_releases_a_book_of_customers_and_leads(personas):
    from openfunnel.customers.services import customer_create
    from openfunnel.leads.services import lead_create

    pool = make_pool(personas)
    make_pool(personas, name="Lead pool", kind="lead")
    customers = [customer_create(actor=personas.carol, name=f"Carol {i} Steel Co") for i in range(3)]
    lead = lead_create(actor=personas.carol, company="Carol Lead Glass Co")
    report = user_handover(actor=personas.admin, user=personas.carol, release_to_pool=pool)
    assert report.totals == {"leads": 1, "customers": 3, "opportunities": 0, "tasks": 0, "reminders": 0}
    assert all(_fresh(c).pool == pool and c.owner is None for c in customers)
    assert _fresh(lead).owner is None
    assert "Carol Rep" in customers[0].pool_reason  # the default reason names whose handover it was


def test_keep_as_collaborator_adds_read_only_shares(personas, book):
    pool = make_pool(personas)
    report = user_handover(actor=personas.admin, user=personas.alice, keep_as_collaborator=True,
                           split=[{"to_user": personas.bob.pk}, {"release_to_pool": pool.pk}])
    to_bob = report.targets[0]
    shares = CustomerShare.objects.filter(user=personas.alice)
    assert shares.count() == to_bob.counts["customers"] == to_bob.collaborator_shares == 2
    assert not shares.filter(can_edit=True).exists()
    assert set(shares.values_list("customer__owner", flat=True)) == {personas.bob.pk}
    assert Event.objects.filter(verb="customer.shared", data__handover=report.handover.pk).count() == 2


def test_successor_collaborator_entry_is_dropped(personas, book):
    from openfunnel.customers.services import customer_share

    customer_share(actor=personas.alice, customer=book.customers["plain"], user=personas.bob, can_edit=True)
    user_handover(actor=personas.admin, user=personas.alice, to_user=personas.bob.pk)
    assert not CustomerShare.objects.filter(user=personas.bob).exists()


def test_open_opportunities_keep_the_leaver_as_reader_and_drop_the_successors_entry(personas, book):
    from openfunnel.sales.models import OpportunityShare
    from openfunnel.sales.services import opportunity_share_set

    deal = book.opportunities["open"]
    opportunity_share_set(actor=personas.alice, opportunity=deal, user=personas.bob, can_edit=True)
    report = user_handover(actor=personas.admin, user=personas.alice, to_user=personas.bob.pk,
                           keep_as_collaborator=True)
    assert not OpportunityShare.objects.filter(user=personas.bob).exists()
    share = OpportunityShare.objects.get(user=personas.alice)
    assert (share.opportunity_id, share.can_edit) == (deal.pk, False)
    assert not OpportunityShare.objects.filter(opportunity=book.opportunities["lost"]).exists()
    shared = Event.objects.get(verb="opportunity.shared", data__handover=report.handover.pk)
    assert shared.object_id == deal.pk and shared.data["can_edit"] is False


def test_dry_run_changes_nothing(personas, book):
    report = user_handover(actor=personas.admin, user=personas.alice, dry_run=True,
                           split=[{"to_user": personas.bob.pk}, {"to_user": personas.carol.pk}])
    assert report.dry_run and report.handover is None
    assert report.totals == BOOK_COUNTS and sum(t.counts["customers"] for t in report.targets) == 4
    assert handover_counts(user=personas.alice) == BOOK_COUNTS
    assert not Handover.objects.exists() and not Event.objects.filter(verb="user.handed_over").exists()


def test_a_deactivated_user_is_handed_over(personas, book):
    user_deactivate(actor=personas.admin, user=personas.alice)
    report = user_handover(actor=personas.admin, user=personas.alice, to_user=personas.bob.pk)
    assert report.totals == BOOK_COUNTS


@pytest.mark.parametrize(("kwargs", "field", "text"), [
    ({}, "to_user", "Name a successor"),
    ({"to_user": "alice"}, "to_user", "valid id"),
    ({"to_user": True}, "to_user", "valid id"),
    ({"to_user": 987654321}, "to_user", "existing user"),
    ({"release_to_pool": 987654321}, "release_to_pool", "existing pool"),
    ({"split": []}, "split", "list of targets"),
    ({"split": "bob"}, "split", "list of targets"),
    ({"split": [{"to_user": 1, "release_to_pool": 2}]}, "split.0", "either"),
    ({"split": [{"owner": 1}]}, "split.0.owner", "Unknown field"),
    ({"split": [7]}, "split.0", "either"),
    ({"to_user": 1, "release_to_pool": 1}, "release_to_pool", "not several"),
    ({"to_user": 1, "keep_as_collaborator": "yes"}, "keep_as_collaborator", "true or false"),
    ({"to_user": 1, "reason": "x" * 301}, "reason", "at most 300"),
])
def test_bad_input_is_a_field_error(personas, book, kwargs, field, text):
    with pytest.raises(ValidationFailed) as refused:
        user_handover(actor=personas.admin, user=personas.alice, **kwargs)
    assert field in refused.value.fields, refused.value.fields
    assert text in " ".join(str(m) for m in refused.value.fields[field])


def test_refused_successors(personas, book):
    from openfunnel.accounts.services import user_update

    user_update(actor=personas.admin, user=personas.carol, data={"is_active": False})
    lead_pool = make_pool(personas, name="Lead pool", kind="lead")
    cases = [
        ({"to_user": personas.alice.pk}, "to_user", "whose records are handed over"),
        ({"to_user": personas.admin.pk}, "to_user", "to yourself"),
        ({"to_user": personas.carol.pk}, "to_user", "active user"),
        ({"release_to_pool": lead_pool.pk}, "release_to_pool", "customer pool"),
        ({"split": [{"to_user": personas.bob.pk}, {"to_user": personas.bob.pk}]}, "split.1.to_user", "twice"),
        ({"split": [{"to_user": personas.bob.pk}, {"to_user": personas.alice.pk}]}, "split.1.to_user",
         "whose records"),
    ]
    for kwargs, field, text in cases:
        with pytest.raises(ValidationFailed) as refused:
            user_handover(actor=personas.admin, user=personas.alice, **kwargs)
        assert text in str(refused.value.fields.get(field)), (kwargs, refused.value.fields)
    pools = [make_pool(personas, name=f"Pool {i}") for i in range(2)]
    with pytest.raises(ValidationFailed) as refused:
        user_handover(actor=personas.admin, user=personas.alice, split=[
            {"to_user": personas.bob.pk}, {"release_to_pool": pools[0].pk}, {"release_to_pool": pools[1].pk}])
    assert "one pool at most" in str(refused.value.fields["split.2.release_to_pool"])
    assert handover_counts(user=personas.alice) == BOOK_COUNTS


def test_only_managers_of_users_hand_over(personas, book):
    for actor in (personas.manager, personas.director, personas.bob):
        with pytest.raises(PermissionDenied):
            user_handover(actor=actor, user=personas.alice, to_user=personas.bob.pk)


def test_nothing_to_hand_over(personas):
    with pytest.raises(ValidationFailed) as refused:
        user_handover(actor=personas.admin, user=personas.bob, to_user=personas.carol.pk)
    assert "nothing to hand over" in str(refused.value.fields["__all__"])
    report = user_handover(actor=personas.admin, user=personas.bob, to_user=personas.carol.pk, dry_run=True)
    assert not any(report.totals.values())


def test_second_handover_finds_nothing_left(personas, book):
    user_handover(actor=personas.admin, user=personas.alice, to_user=personas.bob.pk)
    with pytest.raises(ValidationFailed):
        user_handover(actor=personas.admin, user=personas.alice, to_user=personas.carol.pk)
    assert Customer.objects.filter(owner=personas.carol).count() == 0


def test_only_open_opportunities_move(personas, book):
    report = user_handover(actor=personas.admin, user=personas.alice, to_user=personas.bob.pk)
    assert report.totals["opportunities"] == 1
    assert Opportunity.objects.filter(owner=personas.alice, status="lost").count() == 1


def test_queries_do_not_grow_with_the_book(personas):
    """Set-based: a book twice as large costs the same number of queries."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from openfunnel.customers.services import customer_bulk_create
    from openfunnel.leads.services import lead_bulk_create

    def queries_for(user, size):
        customer_bulk_create(actor=personas.admin, rows=[{"name": f"{user.username} {i} Bearings Co", "owner": user}
                                                         for i in range(size)])
        lead_bulk_create(actor=personas.admin, rows=[{"company": f"{user.username} {i} Lead Gears Co", "owner": user}
                                                     for i in range(size)])
        with CaptureQueriesContext(connection) as captured:
            user_handover(actor=personas.admin, user=user,
                          split=[{"to_user": personas.director.pk}, {"to_user": personas.manager.pk}])
        return len(captured)

    assert queries_for(personas.alice, 20) == queries_for(personas.bob, 40)


def test_leads_are_logged_against_the_lead_pool_they_came_from(personas):
    from openfunnel.leads.services import lead_create
    from openfunnel.pool.services import lead_claim

    default = make_pool(personas, name="Default lead pool", kind="lead", is_default=True)
    fair = make_pool(personas, name="Trade fair leads", kind="lead")
    claimed = [lead_claim(actor=personas.alice, pool=fair, lead_id=lead_create(
        actor=personas.manager, company=f"Fair {i} Valves Co", owner=None).pk) for i in range(2)]
    own = lead_create(actor=personas.alice, company="Own Pumps Co")
    pool = make_pool(personas)
    user_handover(actor=personas.admin, user=personas.alice,
                  split=[{"to_user": personas.bob.pk}, {"release_to_pool": pool.pk}])
    # Dealt in turns, oldest first: Bob, the pool, Bob.
    assert [_fresh(lead).owner_id for lead in [*claimed, own]] == [personas.bob.pk, None, personas.bob.pk]
    assert PoolEvent.objects.get(lead=claimed[0], kind="transfer").pool == fair  # the pool it was last in
    assert PoolEvent.objects.get(lead=own, kind="transfer").pool == default  # never in one: the default
    released = PoolEvent.objects.get(lead=claimed[1], kind="release")
    assert released.pool == fair and released.user == personas.alice  # back where it came from
    assert Event.objects.get(verb="pool.lead_released", lead_id=claimed[1].pk).data["pool_name"] == "Trade fair leads"
