"""The public pool under real parallel requests (PostgreSQL): one winner per customer, limits never exceeded,
reclaim never racing a follow-up, two reclaim workers acting once."""

from __future__ import annotations

import datetime as dt
import threading

from django.db import connections, transaction
from django.utils import timezone
from rest_framework.test import APIClient

from openfunnel.accounts.bootstrap import ensure_builtin_roles
from openfunnel.accounts.models import User
from openfunnel.audit.models import Event
from openfunnel.core.testing import make_personas
from openfunnel.customers.models import Customer
from openfunnel.pool import jobs
from openfunnel.pool.models import PoolEvent
from openfunnel.pool.services import customer_claim
from openfunnel.pool.testing import make_pool, pool_customer


def _client(user):
    client = APIClient()
    client.force_login(user)
    return client


def _reps(personas, count):
    rep = ensure_builtin_roles()["rep"]
    return [User.objects.create_user(username=f"rep{i}", password="x-pass-1", name=f"Rep {i}", role=rep,
                                     department=personas.east_team) for i in range(count)]


def _codes(responses):
    return [r.status_code for r in responses]


def test_twenty_parallel_claims_of_one_customer_have_one_winner(parallel):
    personas = make_personas()
    pool = make_pool(personas)
    customer = pool_customer(pool, "Contested Co")
    clients = [_client(user) for user in _reps(personas, 20)]
    url = f"/api/v1/pools/{pool.pk}/claim/"
    responses = parallel([lambda c=c: c.post(url, {"customer": customer.pk}, format="json") for c in clients])
    codes = _codes(responses)
    assert codes.count(200) == 1, codes
    assert codes.count(409) == 19, codes
    assert {r.json()["error"]["code"] for r in responses if r.status_code == 409} == {"already_claimed"}
    winner = next(r.json()["owner"] for r in responses if r.status_code == 200)
    assert Customer.objects.get(pk=customer.pk).owner_id == winner
    assert PoolEvent.objects.filter(kind="claim").count() == 1
    assert Event.objects.filter(verb="pool.claimed").count() == 1


def test_owned_limit_is_reached_exactly(parallel):
    personas = make_personas()
    pool = make_pool(personas, max_owned_per_user=5)
    for i in range(4):
        Customer.objects.create(name=f"Owned {i}", name_key=f"owned {i}", owner=personas.alice)
    targets = [pool_customer(pool, f"Target {i}") for i in range(10)]
    client = _client(personas.alice)
    url = f"/api/v1/pools/{pool.pk}/claim/"
    responses = parallel([lambda t=t: client.post(url, {"customer": t.pk}, format="json") for t in targets])
    codes = _codes(responses)
    assert codes.count(200) == 1, codes
    assert {r.json()["error"]["code"] for r in responses if r.status_code == 409} == {"claim_limit_reached"}
    assert Customer.objects.filter(owner=personas.alice).count() == 5


def test_daily_limit_is_reached_exactly(parallel):
    personas = make_personas()
    pool = make_pool(personas, daily_claim_limit=3)
    targets = [pool_customer(pool, f"Daily {i}") for i in range(10)]
    customer_claim(actor=personas.alice, pool=pool, customer_id=targets[0].pk)
    client = _client(personas.alice)
    url = f"/api/v1/pools/{pool.pk}/claim/"
    responses = parallel([lambda t=t: client.post(url, {"customer": t.pk}, format="json") for t in targets[1:]])
    codes = _codes(responses)
    assert codes.count(200) == 2, codes
    assert codes.count(409) == 7, codes
    assert PoolEvent.objects.filter(kind="claim", user=personas.alice).count() == 3


def _race_a_follow_up(parallel, rows, job):
    """Runs `job` while a follow-up transaction holds `rows` updated and uncommitted; returns the job's result."""
    follow_up_started, job_done = threading.Event(), threading.Event()

    def follow_up():
        with transaction.atomic():
            rows.update(last_follow_up_at=timezone.now())
            follow_up_started.set()
            job_done.wait(timeout=30)
        return "followed up"

    def run_job():
        follow_up_started.wait(timeout=30)
        try:
            return job(timezone.now())
        finally:
            job_done.set()

    results = parallel([follow_up, run_job])
    assert results[0] == "followed up", results
    return results[1]


def test_reclaim_racing_a_follow_up_leaves_the_customer_with_the_rep(parallel):
    """A follow-up transaction has updated the customer but not committed when the job runs: the job skips the
    locked row (or, having selected it before, its conditional update misses once the follow-up commits)."""
    personas = make_personas()
    pool = make_pool(personas, reclaim_after_claim_days=3)
    t0 = timezone.now() - dt.timedelta(days=10)
    customer = pool_customer(pool, "Racing Co")
    customer_claim(actor=personas.alice, pool=pool, customer_id=customer.pk, now=t0)
    result = _race_a_follow_up(parallel, Customer.objects.filter(pk=customer.pk), jobs.reclaim_run)
    assert result == {"reclaimed": 0, "skipped": 1}, result
    assert Customer.objects.get(pk=customer.pk).owner == personas.alice
    assert not PoolEvent.objects.filter(kind="reclaim").exists()


def test_follow_up_committed_after_selection_makes_the_reclaim_miss(parallel):
    personas = make_personas()
    pool = make_pool(personas, reclaim_after_claim_days=3)
    t0 = timezone.now() - dt.timedelta(days=10)
    customer = pool_customer(pool, "Selected Co")
    customer_claim(actor=personas.alice, pool=pool, customer_id=customer.pk, now=t0)
    selected = list(jobs.due_rows(pool, timezone.now()))
    assert len(selected) == 1
    Customer.objects.filter(pk=customer.pk).update(last_follow_up_at=timezone.now())
    row, due = selected[0]
    from openfunnel.pool.services import customer_reclaim

    assert not customer_reclaim(customer_id=row["pk"], owner_id=row["owner_id"], owner_since=row["owner_since"],
                                last_follow_up_at=row["last_follow_up_at"], pool=pool, due=due, now=timezone.now())
    assert Customer.objects.get(pk=customer.pk).owner == personas.alice
    connections.close_all()


def test_two_reclaim_jobs_at_once_reclaim_each_customer_once(parallel):
    personas = make_personas()
    pool = make_pool(personas, reclaim_after_claim_days=3, warn_days_before=0)
    t0 = timezone.now() - dt.timedelta(days=10)
    customers = [pool_customer(pool, f"Stale {i}") for i in range(60)]
    for customer in customers:
        Customer.objects.filter(pk=customer.pk).update(owner=personas.alice if customer.pk % 2 else personas.bob,
                                                       owner_since=t0)
    now = timezone.now()
    results = parallel([lambda: jobs.reclaim_run(now), lambda: jobs.reclaim_run(now), lambda: jobs.reclaim_run(now)])
    assert sum(r["reclaimed"] for r in results) == 60, results
    assert PoolEvent.objects.filter(kind="reclaim").count() == 60
    assert Event.objects.filter(verb="pool.reclaimed").count() == 60
    assert not Customer.objects.filter(owner__isnull=False, pk__in=[c.pk for c in customers]).exists()


def test_two_warning_jobs_at_once_warn_once(parallel):
    from openfunnel.automation.models import Notification

    personas = make_personas()
    pool = make_pool(personas, reclaim_after_claim_days=3, warn_days_before=2)
    t0 = timezone.now() - dt.timedelta(days=2)
    for i in range(20):
        customer = pool_customer(pool, f"Warn {i}")
        Customer.objects.filter(pk=customer.pk).update(owner=personas.alice, owner_since=t0)
    now = timezone.now()
    results = parallel([lambda: jobs.warnings_run(now), lambda: jobs.warnings_run(now)])
    assert sum(r["warned"] for r in results) == 20, results
    assert Notification.objects.filter(recipient=personas.alice, kind="reminder").count() == 20


def test_parallel_claims_of_one_lead_have_one_winner(parallel):
    from openfunnel.leads.models import Lead
    from openfunnel.leads.services import lead_create

    personas = make_personas()
    pool = make_pool(personas, name="Lead pool", kind="lead")
    lead = lead_create(actor=personas.manager, company="Contested Lead Co", owner=None)
    clients = [_client(user) for user in _reps(personas, 10)]
    url = f"/api/v1/pools/{pool.pk}/claim/"
    responses = parallel([lambda c=c: c.post(url, {"lead": lead.pk}, format="json") for c in clients])
    codes = _codes(responses)
    assert codes.count(200) == 1, codes
    assert {r.json()["error"]["code"] for r in responses if r.status_code != 200} == {"already_claimed"}
    assert Lead.objects.get(pk=lead.pk).owner_id is not None
    assert PoolEvent.objects.filter(kind="claim", lead=lead).count() == 1


def test_lead_reclaim_racing_a_follow_up_leaves_the_lead_with_the_rep(parallel):
    """A follow-up transaction has updated the lead but not committed when the job runs: the job's batch skips the
    locked row, and reclaims the other due lead of the batch."""
    from openfunnel.leads.models import Lead
    from openfunnel.leads.services import lead_create
    from openfunnel.pool.services import lead_claim

    personas = make_personas()
    pool = make_pool(personas, name="Lead pool", kind="lead", reclaim_after_claim_days=3)
    t0 = timezone.now() - dt.timedelta(days=10)
    racing, idle = (lead_create(actor=personas.manager, company=name, owner=None) for name in ("Racing Lead", "Idle"))
    for lead in (racing, idle):
        lead_claim(actor=personas.alice, pool=pool, lead_id=lead.pk, now=t0)
    result = _race_a_follow_up(parallel, Lead.objects.filter(pk=racing.pk), jobs.lead_reclaim_run)
    assert result == {"reclaimed": 1, "skipped": 1}, result
    assert Lead.objects.get(pk=racing.pk).owner == personas.alice and Lead.objects.get(pk=idle.pk).owner is None
    assert list(PoolEvent.objects.filter(kind="reclaim").values_list("lead_id", flat=True)) == [idle.pk]


def test_two_lead_reclaim_and_warning_jobs_at_once_act_once(parallel, monkeypatch):
    """Three workers over 30 due leads in batches of 7: each lead warned once and reclaimed once."""
    from openfunnel.automation.models import Notification
    from openfunnel.leads.models import Lead
    from openfunnel.leads.services import lead_create
    from openfunnel.pool.services import lead_claim

    personas = make_personas()
    pool = make_pool(personas, name="Lead pool", kind="lead", reclaim_no_follow_up_days=5, warn_days_before=2)
    t0 = timezone.now() - dt.timedelta(days=4)
    leads = [lead_create(actor=personas.manager, company=f"Stale Lead {i}", owner=None) for i in range(30)]
    for lead in leads:
        lead_claim(actor=personas.alice if lead.pk % 2 else personas.bob, pool=pool, lead_id=lead.pk, now=t0)
    monkeypatch.setattr(jobs, "BATCH", 7)
    now = timezone.now()
    warned = parallel([lambda: jobs.lead_warnings_run(now), lambda: jobs.lead_warnings_run(now)])
    assert sum(r["warned"] for r in warned) == 30, warned
    assert Notification.objects.filter(kind="reminder", object_type="lead").count() == 30
    later = now + dt.timedelta(days=2)
    results = parallel([lambda: jobs.lead_reclaim_run(later) for _ in range(3)])
    assert sum(r["reclaimed"] for r in results) == 30, results
    assert PoolEvent.objects.filter(kind="reclaim", lead__isnull=False).count() == 30
    assert Event.objects.filter(verb="pool.lead_reclaimed").count() == 30
    assert not Lead.objects.filter(owner__isnull=False, pk__in=[lead.pk for lead in leads]).exists()


def test_parallel_manager_assignment_and_claims_of_one_lead_have_one_winner(parallel):
    from openfunnel.leads.models import Lead
    from openfunnel.leads.services import lead_create

    personas = make_personas()
    pool = make_pool(personas, name="Lead pool", kind="lead", claim_mode="both")
    lead = lead_create(actor=personas.manager, company="Wanted Lead Co", owner=None)
    reps = _reps(personas, 6)
    claim = f"/api/v1/pools/{pool.pk}/claim/"
    assign = f"/api/v1/pools/{pool.pk}/assign/"
    manager = _client(personas.manager)
    calls = [lambda c=_client(user): c.post(claim, {"lead": lead.pk}, format="json") for user in reps]
    calls.append(lambda: manager.post(assign, {"leads": [lead.pk], "owner": personas.alice.pk}, format="json"))
    codes = _codes(parallel(calls))
    assert codes.count(200) == 1 and codes.count(409) == 6, codes
    assert Lead.objects.get(pk=lead.pk).owner_id is not None
    assert PoolEvent.objects.filter(kind__in=["claim", "assign"], lead=lead).count() == 1
