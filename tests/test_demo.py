"""The demo company builds and is what the README promises: two years of believable, consistent history."""

import datetime as dt
import itertools
from collections import Counter, defaultdict
from decimal import Decimal

from django.core.management import call_command
from django.db import transaction
from django.db.models import Count, Sum
from django.utils import timezone

from openfunnel.accounts.models import Department, User
from openfunnel.activities.models import Activity
from openfunnel.audit.models import Event
from openfunnel.core.jobs import run_due_jobs
from openfunnel.customers.models import Contact, Customer
from openfunnel.demo.seed import DEMO_PASSWORD, build_demo, demo_loaded
from openfunnel.leads.models import Campaign, Lead
from openfunnel.pool.models import Pool, PoolEvent, ReclaimWarning
from openfunnel.pool.selectors import pool_statistics
from openfunnel.sales.models import Opportunity, OpportunityLine, Stage, StageChange

NOW = timezone.make_aware(dt.datetime(2026, 11, 20, 15, 30))


def test_demo_company_at_small_scale(db):
    summary = build_demo(scale=0.02, now=NOW)
    assert demo_loaded()
    assert summary.counts["customers"] == Customer.objects.count() >= 40
    assert Lead.objects.count() == 100 and Activity.objects.count() == summary.counts["follow_ups"] > 300
    assert Campaign.objects.count() == 16  # two per quarter over two years
    assert Department.objects.filter(parent__isnull=False, parent__parent__isnull=False).exists()  # two levels
    assert {u.role.code for u in User.objects.exclude(role=None)} == {"admin", "director", "manager", "rep", "finance"}
    assert User.objects.get(username="liu.yang").check_password(DEMO_PASSWORD)
    assert User.objects.get(username="wu.hao").check_password(DEMO_PASSWORD)
    # every customer has a contact, and its last follow-up time is its latest follow-up
    assert not Customer.objects.filter(contacts__isnull=True).exists()
    for customer in Customer.objects.filter(activities__isnull=False).distinct()[:20]:
        latest = customer.activities.order_by("-occurred_at").first().occurred_at
        assert customer.last_follow_up_at == latest
    assert Contact.objects.filter(is_primary=True).count() == Customer.objects.count()
    assert Opportunity.objects.count() == summary.counts["opportunities"] > 30
    # a second run keeps the company as it is
    assert build_demo(scale=0.02).counts == {}


def test_demo_command_without_serving(db, capsys):
    call_command("demo", "--no-serve", "--scale", "0.01")
    out = capsys.readouterr().out
    assert "Demo logins" in out and "liu.yang" in out and DEMO_PASSWORD in out


def test_the_same_company_on_any_day(db):
    """The random draws do not depend on the date: built on two days, the company is the same, shifted."""
    def fingerprint(now):
        with transaction.atomic():
            build_demo(scale=0.02, now=now)
            days = lambda moment: round((now - moment).total_seconds() / 86400, 3)  # noqa: E731
            customers = sorted((c.name, c.owner.username if c.owner else None, c.pool.name if c.pool else None,
                                c.status, days(c.created_at)) for c in Customer.objects.select_related("owner", "pool"))
            # (renewals are named after their year)
            deals = sorted((o.customer.name, o.owner.username, o.stage.name, o.status, o.amount, days(o.created_at),
                            o.close_date_push_count)
                           for o in Opportunity.objects.select_related("customer", "owner", "stage"))
            pool_log = sorted((e.kind, str(e.customer or e.lead), e.user.username, days(e.at))
                              for e in PoolEvent.objects.select_related("customer", "lead", "user"))
            transaction.set_rollback(True)
        return customers, deals, pool_log

    first, second = fingerprint(NOW), fingerprint(NOW - dt.timedelta(days=137))
    assert first == second and len(first[1]) > 30 and len(first[2]) > 10


def test_two_years_of_opportunities_and_pools_that_hold_together(db):
    """The full demo company: volumes, funnel, outcomes and the pool history, consistent with each other,
    with the services' invariants and with what the periodic jobs would do."""
    summary = build_demo(now=NOW)
    today = timezone.localdate(NOW)
    opportunities = Opportunity.objects.select_related("stage", "customer")

    # volumes and outcomes, per rep
    assert Opportunity.objects.count() == summary.counts["opportunities"] >= 3000
    closed = opportunities.exclude(status="open")
    won = closed.filter(status="won").count()
    assert 0.25 <= won / closed.count() <= 0.35
    for rep in User.objects.filter(role__code="rep"):
        mine = Opportunity.objects.filter(owner=rep)
        mine_won, mine_lost = mine.filter(status="won").count(), mine.filter(status="lost").count()
        assert mine.count() >= 250 and mine.filter(status="open").count() >= 20
        assert 0.2 <= mine_won / (mine_won + mine_lost) <= 0.4
    first = Opportunity.objects.order_by("created_at").first().created_at
    assert NOW - dt.timedelta(days=740) <= first <= NOW - dt.timedelta(days=600)   # two years of them
    # the funnel narrows, and every open stage holds open deals
    standard = list(Stage.objects.filter(pipeline__name="标准销售流程", kind="open").order_by("order"))
    reached = [StageChange.objects.filter(to_stage=s).values("opportunity").distinct().count() for s in standard]
    assert reached == sorted(reached, reverse=True) and reached[0] > 2 * reached[-1]
    for stage in Stage.objects.filter(kind="open"):
        assert Opportunity.objects.filter(stage=stage, status="open").exists(), stage.name
    # lost with reasons, won by deal customers only, potential customers never won
    lost = Opportunity.objects.filter(status="lost")
    assert not lost.filter(lost_reason__isnull=True).exists()
    assert lost.values("lost_reason").distinct().count() >= 5 and lost.exclude(lost_note="").exists()
    assert not Opportunity.objects.filter(status="won").exclude(customer__status="deal").exists()  # won: deal
    deal_customers = Customer.objects.filter(status="deal")
    assert deal_customers.filter(opportunities__status="won").distinct().count() >= 0.9 * deal_customers.count()

    # every opportunity is where its stage history leads (enter_stage's arithmetic and fields)
    history = defaultdict(list)
    for change in StageChange.objects.order_by("at", "id"):
        history[change.opportunity_id].append(change)
    pushes = Counter(Event.objects.filter(verb="opportunity.close_date_pushed").values_list("object_id", flat=True))
    updates = Counter(Event.objects.filter(verb="opportunity.updated").values_list("object_id", flat=True))
    lines = dict(OpportunityLine.objects.values("opportunity").annotate(total=Sum("amount"))
                 .values_list("opportunity", "total"))
    for opportunity in opportunities:
        changes = history[opportunity.pk]
        assert changes[0].from_stage_id is None and changes[0].at == opportunity.created_at
        for before, after in itertools.pairwise(changes):
            assert after.from_stage_id == before.to_stage_id and after.at >= before.at
            assert after.seconds_in_from_stage == int((after.at - before.at).total_seconds())
            assert after.actor_id == opportunity.owner_id
        last = changes[-1]
        assert (opportunity.stage_id, opportunity.stage_entered_at) == (last.to_stage_id, last.at)
        assert opportunity.probability == opportunity.stage.probability
        assert opportunity.status == opportunity.stage.kind
        assert opportunity.version == len(changes) + updates[opportunity.pk]
        assert opportunity.close_date_push_count == pushes[opportunity.pk]
        if opportunity.status == "won":
            assert opportunity.won_at == opportunity.closed_at == last.at and opportunity.forecast_category == "closed"
        elif opportunity.status == "lost":
            assert opportunity.closed_at == last.at and opportunity.forecast_category == "omitted"
        else:
            assert opportunity.closed_at is None
            assert opportunity.is_overdue == (opportunity.expected_close_date is not None
                                              and opportunity.expected_close_date < today)
            assert opportunity.owner_id == opportunity.customer.owner_id   # the customer's owner works it
        if opportunity.amount_from_lines:
            assert opportunity.amount == lines[opportunity.pk]
    assert Opportunity.objects.filter(close_date_push_count__gte=2).count() > 100
    assert Opportunity.objects.filter(status="open", is_overdue=True).count() > 20
    assert Opportunity.objects.filter(amount_from_lines=True).count() > 1000
    timeline = Counter(Event.objects.filter(object_type="opportunity").values_list("verb", flat=True))
    for verb in ("opportunity.created", "opportunity.stage_changed", "opportunity.won", "opportunity.lost",
                 "opportunity.close_date_pushed", "opportunity.overdue", "opportunity.attachment_added",
                 "opportunity.close_reminder_sent", "opportunity.stage_sla_exceeded"):
        assert timeline[verb] > 100, verb
    assert timeline["opportunity.created"] == Opportunity.objects.count()
    # follow-ups made while their author worked an open deal with the customer were logged on that deal
    on_deals = Activity.objects.filter(opportunity__isnull=False).select_related("opportunity")
    assert on_deals.count() > 2000
    logged = dict(Event.objects.filter(verb="activity.created").values_list("object_id", "data__opportunity_id"))
    for activity in on_deals[:500]:
        deal = activity.opportunity
        assert (deal.customer_id, deal.owner_id) == (activity.customer_id, activity.author_id)
        assert deal.created_at <= activity.occurred_at and (deal.closed_at is None or activity.occurred_at < deal.closed_at)
        assert logged[activity.pk] == deal.pk

    # two customer pools and a history of two years, matching each customer's pool columns
    assert Pool.objects.filter(kind="customer").count() == 2
    log = defaultdict(list)
    for event in PoolEvent.objects.filter(customer__isnull=False).order_by("at", "id"):
        log[event.customer_id].append(event)
    assert PoolEvent.objects.order_by("at").first().at <= NOW - dt.timedelta(days=500)
    kinds = Counter(PoolEvent.objects.filter(customer__isnull=False).values_list("kind", flat=True))
    assert min(kinds["claim"], kinds["assign"], kinds["release"], kinds["reclaim"]) > 100
    assert set(PoolEvent.objects.filter(kind="reclaim").values_list("rule", flat=True)) >= {"after_claim",
                                                                                           "no_follow_up"}
    assert not PoolEvent.objects.filter(kind="release", reason="").exists()
    in_pool = Customer.objects.filter(owner__isnull=True)
    assert 0.1 * Customer.objects.count() <= in_pool.count() <= 0.3 * Customer.objects.count()
    for customer in Customer.objects.filter(pk__in=list(log)):
        events = log[customer.pk]
        latest = events[-1]
        if customer.owner_id is None:
            assert latest.kind in ("release", "reclaim") and latest.at == customer.pool_entered_at
            assert (latest.pool_id, latest.user_id) == (customer.pool_id, customer.previous_owner_id)
        else:
            assert latest.kind in ("claim", "assign") and latest.at == customer.owner_since
            assert (latest.user_id, latest.pool_id) == (customer.owner_id, customer.pool_id)
        # each claim takes the customer from the pool it was last put into, by someone else than who left it
        for before, after in itertools.pairwise(events):
            taken = after.kind in ("claim", "assign")
            assert taken != (before.kind in ("claim", "assign")) and before.at <= after.at
            if taken:
                assert after.pool_id == before.pool_id
                assert after.user_id != before.user_id or after.at >= before.at + dt.timedelta(days=30)
    never_pooled = Customer.objects.exclude(pk__in=list(log))
    assert not never_pooled.filter(owner__isnull=True).exists()
    assert not never_pooled.exclude(owner_since=models_f("created_at")).exists()
    # follow-ups are by whoever owned the customer at the time
    owners = {}
    for customer in Customer.objects.filter(pk__in=list(log)[:200]):
        owners[customer.pk] = ownership(customer, log[customer.pk])
    for activity in Activity.objects.filter(customer_id__in=list(owners)):
        assert owner_at(owners[activity.customer_id], activity.occurred_at) == activity.author_id
    for opportunity in Opportunity.objects.filter(customer_id__in=list(owners)):
        assert owner_at(owners[opportunity.customer_id], opportunity.created_at) == opportunity.owner_id
    assert ReclaimWarning.objects.filter(customer__isnull=False).count() > 500

    # the lead pool holds the leads nobody owns; the leads taken from it were claimed or assigned, worked, and
    # some went back
    lead_pool = Pool.objects.get(kind="lead")
    assert Lead.objects.filter(owner__isnull=True, status="new").count() > 100
    lead_log = defaultdict(list)
    for event in PoolEvent.objects.filter(lead__isnull=False).order_by("at", "id"):
        lead_log[event.lead_id].append(event)
    lead_kinds = Counter(e.kind for events in lead_log.values() for e in events)
    assert min(lead_kinds["claim"], lead_kinds["assign"], lead_kinds["reclaim"]) > 50
    for lead in Lead.objects.filter(pk__in=list(lead_log)):
        latest = lead_log[lead.pk][-1]
        assert latest.pool_id == lead_pool.pk
        if lead.owner_id is None:
            assert latest.kind in ("release", "reclaim") and lead.assigned_at is None
        else:
            assert latest.kind in ("claim", "assign") and (latest.user_id, latest.at) == (lead.owner_id, lead.assigned_at)
    for activity in Activity.objects.filter(lead_id__in=list(lead_log)[:200]):
        spans = [(lead.created_at, None) for lead in [activity.lead]] + [
            (e.at, e.user_id if e.kind in ("claim", "assign") else None) for e in lead_log[activity.lead_id]]
        assert owner_at(spans, activity.occurred_at) == activity.author_id

    # the pool statistics have substance: every rep claims, loses and converts customers
    rows = pool_statistics(actor=User.objects.get(username="admin"))
    assert {row["user"].username for row in rows} >= {"liu.yang", "chen.jie", "zhou.min"}
    assert sum(row["claims"] + row["assigned"] for row in rows) == (
        kinds["claim"] + kinds["assign"] + lead_kinds["claim"] + lead_kinds["assign"])
    assert all(row["releases"] + row["reclaims"] > 0 for row in rows if row["user"].role.code == "rep")
    assert sum(row["converted"] for row in rows) > 50
    # some leads taken from the lead pool were converted: their customer, and the conversion on their timeline
    assert sum(row["leads_converted"] for row in rows) >= summary.counts["pool_leads_converted"] > 0
    for lead in Lead.objects.filter(pk__in=list(lead_log), status="converted").select_related("converted_customer"):
        assert lead.converted_customer.owner_id == lead.owner_id and lead.assigned_at < lead.converted_at <= NOW
        assert lead.converted_customer.created_at == lead.converted_at
        assert Event.objects.get(verb="lead.converted", lead_id=lead.pk).at == lead.converted_at
    recent = pool_statistics(actor=User.objects.get(username="wang.jl"), since=NOW - dt.timedelta(days=90))
    assert recent and all(row["user"].department.name.startswith("华东") for row in recent)

    # nothing is left for the periodic jobs: the demo stands where they left it
    results = run_due_jobs(now=NOW)
    assert results["opportunity_overdue"] == {"flagged": 0, "cleared": 0}
    assert results["opportunity_close_reminders"] == {"reminded": 0}
    assert results["opportunity_stage_sla"] == {"warned": 0}
    assert results["pool_reclaim"] == {"reclaimed": 0, "skipped": 0}
    assert results["pool_reclaim_warnings"] == {"warned": 0}
    assert results["pool_lead_reclaim"] == {"reclaimed": 0, "skipped": 0}
    assert results["pool_lead_reclaim_warnings"] == {"warned": 0}


def models_f(name):
    from django.db.models import F

    return F(name)


def ownership(customer, events):
    """[(from, owner id)] of a customer with a pool history: its first owner from creation, then each action."""
    first = Event.objects.get(verb="customer.created", object_id=customer.pk).data["owner"]
    spans = [(customer.created_at, first)]
    for event in events:
        spans.append((event.at, event.user_id if event.kind in ("claim", "assign") else None))
    return spans


def owner_at(spans, moment):
    current = None
    for start, owner in spans:
        if start <= moment:
            current = owner
    return current
