"""The lead pool on the customer pool's design: cooldown on claim, manager assignment (one owner, round-robin,
least loaded), release with a reason, reclaim and warning jobs (no follow-up for N days), API and pages."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from openfunnel.audit.models import Event
from openfunnel.automation.models import Notification
from openfunnel.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from openfunnel.leads.models import Lead
from openfunnel.leads.services import lead_create
from openfunnel.pool import jobs
from openfunnel.pool.models import PoolEvent, ReclaimWarning
from openfunnel.pool.services import lead_claim, lead_reclaim, lead_release, leads_assign
from openfunnel.pool.testing import make_pool

T0 = timezone.make_aware(dt.datetime(2026, 3, 2, 10, 0))


def days(n: float) -> dt.datetime:
    return T0 + dt.timedelta(days=n)


@pytest.fixture
def lead_pool(personas):
    return make_pool(personas, name="Lead pool", kind="lead", max_owned_per_user=3, cooldown_days=5,
                     reclaim_no_follow_up_days=10, warn_days_before=2)


@pytest.fixture
def pool_leads(personas):
    return [lead_create(actor=personas.manager, company=f"Lead Co {i}", owner=None) for i in range(5)]


def _owner(lead):
    return Lead.objects.get(pk=lead.pk).owner


def test_release_with_a_reason_and_cooldown(personas, lead_pool, pool_leads):
    lead = lead_claim(actor=personas.alice, pool=lead_pool, lead_id=pool_leads[0].pk, now=T0)
    released = lead_release(actor=personas.alice, lead=lead, reason="Wrong contact", now=days(1))
    assert released.owner is None and released.assigned_at is None and released.version == lead.version + 1
    event = PoolEvent.objects.get(kind="release")
    assert (event.lead_id, event.pool, event.user, event.actor, event.reason) == (
        lead.pk, lead_pool, personas.alice, personas.alice, "Wrong contact")
    assert Event.objects.get(verb="pool.lead_released").lead_id == lead.pk
    with pytest.raises(Conflict) as error:
        lead_claim(actor=personas.alice, pool=lead_pool, lead_id=lead.pk, now=days(3))
    assert error.value.code == "cooldown" and error.value.extra["until"] == "2026-03-08"
    assert lead_claim(actor=personas.bob, pool=lead_pool, lead_id=lead.pk, now=days(3)).owner == personas.bob


def test_release_refusals(personas, lead_pool, pool_leads):
    lead = lead_claim(actor=personas.alice, pool=lead_pool, lead_id=pool_leads[0].pk, now=T0)
    for reason, field in (("  ", "reason"), ("x" * 301, "reason")):
        with pytest.raises(ValidationFailed) as error:
            lead_release(actor=personas.alice, lead=lead, reason=reason, now=T0)
        assert field in error.value.fields
    customer_pool = make_pool(personas, name="Customers")
    with pytest.raises(ValidationFailed) as error:
        lead_release(actor=personas.alice, lead=lead, pool=customer_pool, reason="No", now=T0)
    assert "pool" in error.value.fields
    with pytest.raises(NotFound):  # a teammate does not see alice's lead
        lead_release(actor=personas.bob, lead=lead, reason="Mine now", now=T0)
    assert _owner(lead) == personas.alice
    lead_release(actor=personas.manager, lead=lead, reason="Rebalancing", now=T0)  # the manager's scope holds alice
    with pytest.raises(Conflict) as twice:
        lead_release(actor=personas.manager, lead=lead, reason="Again", now=T0)
    assert twice.value.code == "invalid_transition"
    converted = lead_create(actor=personas.alice, company="Converted Co")
    Lead.objects.filter(pk=converted.pk).update(status=Lead.Status.CONVERTED)
    with pytest.raises(Conflict):
        lead_release(actor=personas.alice, lead=converted, pool=lead_pool, reason="Done", now=T0)


def test_release_of_a_lead_that_never_came_from_a_pool_needs_a_pool_when_there_are_several(personas, lead_pool):
    own = lead_create(actor=personas.alice, company="Own Lead Co")
    make_pool(personas, name="Second lead pool", kind="lead")
    with pytest.raises(ValidationFailed) as error:
        lead_release(actor=personas.alice, lead=own, reason="Not mine", now=T0)
    assert "pool" in error.value.fields
    assert lead_release(actor=personas.alice, lead=own, pool=lead_pool, reason="Not mine", now=T0).owner is None


def test_manager_assigns_round_robin_least_loaded_and_one_owner(personas, lead_pool, pool_leads):
    ids = [lead.pk for lead in pool_leads]
    assigned = leads_assign(actor=personas.manager, pool=lead_pool, lead_ids=ids[:3],
                            owners=[personas.alice, personas.bob], strategy="round_robin", now=T0)
    assert [lead.owner_id for lead in assigned] == [personas.alice.pk, personas.bob.pk, personas.alice.pk]
    assigned = leads_assign(actor=personas.manager, pool=lead_pool, lead_ids=ids[3:4],
                            owners=[personas.alice, personas.bob], strategy="least_loaded", now=T0)
    assert assigned[0].owner == personas.bob
    assert leads_assign(actor=personas.manager, pool=lead_pool, lead_ids=ids[4:], owner=personas.bob,
                        now=T0)[0].owner == personas.bob
    assert PoolEvent.objects.filter(kind="assign", lead__isnull=False, pool=lead_pool, actor=personas.manager).count() == 5
    assert Event.objects.filter(verb="pool.lead_assigned").count() == 5
    note = Notification.objects.filter(recipient=personas.alice, kind="assignment").get()
    assert "Mike Manager" in note.message and "2" in note.message and "Lead pool" in note.message


def test_assign_refusals_change_nothing(personas, lead_pool, pool_leads):
    ids = [lead.pk for lead in pool_leads[:2]]
    with pytest.raises(PermissionDenied):
        leads_assign(actor=personas.alice, pool=lead_pool, lead_ids=ids, owner=personas.alice, now=T0)
    with pytest.raises(ValidationFailed):  # carol is outside mike's scope
        leads_assign(actor=personas.manager, pool=lead_pool, lead_ids=ids, owner=personas.carol, now=T0)
    with pytest.raises(ValidationFailed):
        leads_assign(actor=personas.manager, pool=lead_pool, lead_ids=[], owner=personas.alice, now=T0)
    with pytest.raises(ValidationFailed):
        leads_assign(actor=personas.manager, pool=make_pool(personas, name="C"), lead_ids=ids, owner=personas.alice)
    lead_claim(actor=personas.bob, pool=lead_pool, lead_id=ids[1], now=T0)
    with pytest.raises(Conflict) as error:  # all or nothing
        leads_assign(actor=personas.manager, pool=lead_pool, lead_ids=ids, owner=personas.alice, now=T0)
    assert error.value.code == "already_claimed" and _owner(pool_leads[0]) is None
    for i in range(3):
        lead_create(actor=personas.alice, company=f"Alice Own {i}")
    with pytest.raises(Conflict) as limit:  # alice owns 3 open leads, the pool's limit
        leads_assign(actor=personas.manager, pool=lead_pool, lead_ids=ids[:1], owner=personas.alice, now=T0)
    assert limit.value.code == "claim_limit_reached" and "Alice Rep" in str(limit.value.message)
    free = make_pool(personas, name="Free leads", kind="lead", claim_mode="free")
    with pytest.raises(PermissionDenied):
        leads_assign(actor=personas.manager, pool=free, lead_ids=ids[:1], owner=personas.bob, now=T0)
    assert not PoolEvent.objects.filter(kind="assign").exists()


def test_reclaim_after_n_days_without_follow_up_with_warning_and_mail(personas, lead_pool, pool_leads, settings,
                                                                      mailoutbox, django_capture_on_commit_callbacks):
    settings.SMTP_CONFIGURED = True
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    lead = lead_claim(actor=personas.alice, pool=lead_pool, lead_id=pool_leads[0].pk, now=T0)
    untouched = lead_create(actor=personas.bob, company="Never Pooled Co")  # no pool, no default lead pool
    Lead.objects.filter(pk=untouched.pk).update(assigned_at=T0)
    with django_capture_on_commit_callbacks(execute=True):
        assert jobs.lead_warnings_run(days(7)) == {"warned": 0}
        assert jobs.lead_warnings_run(days(8)) == {"warned": 1}
        assert jobs.lead_warnings_run(days(9)) == {"warned": 0}
    assert ReclaimWarning.objects.get().lead_id == lead.pk
    assert jobs.lead_reclaim_run(days(9.9)) == {"reclaimed": 0, "skipped": 0}
    with django_capture_on_commit_callbacks(execute=True):
        assert jobs.lead_reclaim_run(days(10)) == {"reclaimed": 1, "skipped": 0}
    assert _owner(lead) is None and _owner(untouched) == personas.bob
    event = PoolEvent.objects.get(kind="reclaim")
    assert (event.lead_id, event.user, event.actor, event.rule, event.pool) == (
        lead.pk, personas.alice, None, "no_follow_up", lead_pool)
    assert Event.objects.filter(verb__in=["pool.lead_reclaim_warned", "pool.lead_reclaimed"],
                                lead_id=lead.pk).count() == 2
    assert Notification.objects.filter(recipient=personas.alice, object_id=lead.pk).count() == 2
    assert [m.to for m in mailoutbox] == [[personas.alice.email]] * 2
    assert all("Lead Co 0" in m.body and "10" in m.body for m in mailoutbox)
    assert jobs.lead_reclaim_run(days(30)) == {"reclaimed": 0, "skipped": 0}  # once
    with pytest.raises(Conflict):  # the reclaim starts alice's cooldown
        lead_claim(actor=personas.alice, pool=lead_pool, lead_id=lead.pk, now=days(11))


def test_follow_ups_keep_the_lead_and_the_default_lead_pool_governs_the_others(personas, lead_pool, pool_leads):
    from openfunnel.activities.services import activity_create

    lead = lead_claim(actor=personas.alice, pool=lead_pool, lead_id=pool_leads[0].pk, now=T0)
    activity_create(actor=personas.alice, kind="call", content="Intro", lead=lead, occurred_at=days(5))
    assert jobs.lead_reclaim_run(days(14))["reclaimed"] == 0
    assert jobs.lead_reclaim_run(days(15))["reclaimed"] == 1
    own = lead_create(actor=personas.bob, company="Own Lead Co", at=T0)
    assert jobs.lead_reclaim_run(days(40))["reclaimed"] == 0
    default = make_pool(personas, name="Default leads", kind="lead", is_default=True, reclaim_after_claim_days=20)
    assert make_pool(personas, name="Default customers", is_default=True).is_default  # one default per kind
    assert jobs.lead_reclaim_run(days(40))["reclaimed"] == 1
    event = PoolEvent.objects.get(kind="reclaim", lead=own)
    assert event.pool == default and event.rule == "after_claim"


def test_a_follow_up_after_selection_keeps_the_lead(personas, lead_pool, pool_leads):
    from openfunnel.pool.lead_rules import lead_due_rows

    lead = lead_claim(actor=personas.alice, pool=lead_pool, lead_id=pool_leads[0].pk, now=T0)
    [(row, due)] = list(lead_due_rows(lead_pool, days(11)))
    Lead.objects.filter(pk=lead.pk).update(last_follow_up_at=days(10.5))
    assert not lead_reclaim(lead_id=row["pk"], owner_id=row["owner_id"], assigned_at=row["assigned_at"],
                            last_follow_up_at=row["last_follow_up_at"], pool=lead_pool, due=due, now=days(11))
    assert _owner(lead) == personas.alice


def test_api_assign_release_and_list(personas, api_as, lead_pool, pool_leads):
    url = f"/api/v1/pools/{lead_pool.pk}/"
    listed = api_as(personas.alice).get(url + "leads/", {"search": "co 1"}).json()
    assert [r["company"] for r in listed["results"]] == ["Lead Co 1"] and "phone" not in listed["results"][0]
    assert api_as(personas.carol).get(url + "leads/").status_code == 404
    ids = [lead.pk for lead in pool_leads[:3]]
    done = api_as(personas.manager).post(url + "assign/", {"leads": ids, "owners": [personas.alice.pk, personas.bob.pk]},
                                         format="json")
    assert done.status_code == 200, done.json()
    assert [a["owner"] for a in done.json()["assigned"]] == [personas.alice.pk, personas.bob.pk, personas.alice.pk]
    for body in ({"leads": ids[:1], "customers": ids[:1], "owner": personas.bob.pk}, {"owner": personas.bob.pk},
                 {"leads": ["x"], "owner": personas.bob.pk}, {"leads": [pool_leads[3].pk], "owner": 99999999}):
        assert api_as(personas.manager).post(url + "assign/", body, format="json").status_code == 400
    assert api_as(personas.alice).post(url + "assign/", {"leads": [pool_leads[3].pk], "owner": personas.alice.pk},
                                       format="json").status_code == 403
    release = f"/api/v1/leads/{ids[0]}/release/"
    assert api_as(personas.alice).post(release, {}, format="json").status_code == 400
    assert api_as(personas.alice).post(release, {"reason": "x", "pool": 99999}, format="json").status_code == 400
    assert api_as(personas.carol).post(release, {"reason": "x"}, format="json").status_code == 404
    assert api_as(personas.alice).post("/api/v1/leads/abc/release/", {"reason": "x"}, format="json").status_code == 404
    released = api_as(personas.alice).post(release, {"reason": "No budget"}, format="json")
    assert released.status_code == 200 and released.json() == {"id": ids[0], "owner": None}
    by_manager = api_as(personas.manager).post(f"/api/v1/leads/{ids[1]}/release/", {"reason": "Rebalance",
                                                                                    "pool": lead_pool.pk},
                                               format="json")
    assert by_manager.status_code == 200 and by_manager.json()["owner"] is None and "company" in by_manager.json()
    log = api_as(personas.manager).get("/api/v1/pool-events/", {"lead": ids[0]}).json()["results"]
    assert [(e["kind"], e["lead_name"], e["reason"]) for e in log] == [("release", "Lead Co 0", "No budget"),
                                                                       ("assign", "Lead Co 0", "")]
    cooled = api_as(personas.alice).post(url + "claim/", {"lead": ids[0]}, format="json")
    assert cooled.status_code == 409 and cooled.json()["error"]["code"] == "cooldown" and cooled.json()["error"]["until"]


def test_pages_assign_release_dry_run_and_statistics(personas, web_as, api_as, lead_pool, pool_leads):
    manager = web_as(personas.manager)
    page = manager.get(f"/pool/{lead_pool.pk}/").content.decode()
    assert 'name="leads"' in page and "Assign the selected leads" in page
    assert 'name="leads"' not in web_as(personas.alice).get(f"/pool/{lead_pool.pk}/").content.decode()
    response = manager.post(f"/pool/{lead_pool.pk}/assign/", {"leads": [pool_leads[0].pk, pool_leads[1].pk],
                                                               "owners": [personas.alice.pk], "strategy": "single"})
    assert response.status_code == 302 and _owner(pool_leads[0]) == personas.alice
    bad = manager.post(f"/pool/{lead_pool.pk}/assign/", {"leads": [pool_leads[2].pk], "owners": [personas.carol.pk]})
    assert bad.status_code == 400 and _owner(pool_leads[2]) is None
    assert web_as(personas.alice).post(f"/pool/{lead_pool.pk}/assign/", {
        "leads": [pool_leads[2].pk], "owners": [personas.alice.pk]}).status_code == 403
    alice = web_as(personas.alice)
    detail = alice.get(f"/leads/{pool_leads[0].pk}/").content.decode()
    assert 'data-testid="lead-pool-panel"' in detail and "Goes back to the lead pool in 10 days" in detail
    assert alice.post(f"/leads/{pool_leads[0].pk}/release/", {"reason": ""}).status_code == 400
    assert web_as(personas.carol).post(f"/leads/{pool_leads[0].pk}/release/", {"reason": "x"}).status_code == 404
    done = alice.post(f"/leads/{pool_leads[0].pk}/release/", {"reason": "Duplicate of another lead"})
    assert done.status_code == 302 and done["Location"] == "/leads/" and _owner(pool_leads[0]) is None
    later = (timezone.localdate() + dt.timedelta(days=12)).isoformat()
    dry = manager.get(f"/pool/dry-run/?date={later}").content.decode()
    assert "Lead Co 1" in dry and "no follow-up within 10 days since the last one" in dry
    Lead.objects.filter(pk=pool_leads[1].pk).update(status=Lead.Status.CONVERTED)
    stats = manager.get("/pool/statistics/?date=2020-01-01").content.decode()
    assert "Leads converted" in stats and "Alice Rep" in stats
    log = manager.get(f"/pool/events/?lead={pool_leads[0].pk}").content.decode()
    assert "Duplicate of another lead" in log
    rows = {r["user"]: r for r in api_as(personas.manager).get("/api/v1/pool-statistics/").json()["results"]}
    assert (rows[personas.alice.pk]["assigned"], rows[personas.alice.pk]["releases"],
            rows[personas.alice.pk]["leads_converted"]) == (2, 1, 1)


def test_assignments_and_transfers_in_the_leads_app_go_to_the_pool_log(personas, lead_pool, pool_leads):
    from openfunnel.leads.services import lead_assign, lead_batch_assign, lead_transfer

    lead_assign(actor=personas.manager, lead=pool_leads[0], owner=personas.alice)
    lead_transfer(actor=personas.manager, lead=pool_leads[0], owner=personas.bob)
    lead_batch_assign(actor=personas.manager, leads=[pool_leads[1].pk, pool_leads[2].pk],
                      owners=[personas.alice, personas.bob])
    log = list(PoolEvent.objects.order_by("id").values_list("kind", "lead_id", "user_id", "actor_id", "pool_id"))
    assert log == [("assign", pool_leads[0].pk, personas.alice.pk, personas.manager.pk, None),
                   ("transfer", pool_leads[0].pk, personas.bob.pk, personas.manager.pk, None),
                   ("assign", pool_leads[1].pk, personas.alice.pk, personas.manager.pk, None),
                   ("assign", pool_leads[2].pk, personas.bob.pk, personas.manager.pk, None)]
    # A lead released to a lead pool and assigned again is logged against that pool (whose rules then govern it).
    lead_release(actor=personas.bob, lead=pool_leads[2], pool=lead_pool, reason="Too far", now=T0)
    lead_assign(actor=personas.manager, lead=pool_leads[2], owner=personas.alice)
    assert PoolEvent.objects.order_by("-id").values_list("kind", "pool_id").first() == ("assign", lead_pool.pk)


def test_pool_lists_count_the_leads_of_lead_pools(personas, api_as, web_as, lead_pool, pool_leads, pool, in_pool):
    lead_claim(actor=personas.alice, pool=lead_pool, lead_id=pool_leads[0].pk, now=T0)
    Lead.objects.filter(pk=pool_leads[1].pk).update(status=Lead.Status.INVALID)
    rows = {r["name"]: r for r in api_as(personas.alice).get("/api/v1/pools/").json()["results"]}
    assert (rows["Lead pool"]["lead_count"], rows["East pool"]["lead_count"]) == (3, None)
    assert rows["East pool"]["customer_count"] == 6
    page = web_as(personas.alice).get("/pool/").content.decode()
    assert "3 leads" in page and "6 customers" in page
