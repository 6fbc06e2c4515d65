"""Pool pages: list, pool customers with claim buttons, assign, release form on the 360° page, settings,
log, statistics, dry run, and the "reclaim in" column of the customer list."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from openfunnel.customers.models import Customer
from openfunnel.pool.models import Pool, PoolEvent
from openfunnel.pool.services import customer_claim
from openfunnel.pool.testing import make_pool
from openfunnel.web.testing import get_with_panels


def test_pool_list_and_detail_show_member_pools_only(personas, web_as, pool, in_pool):
    page = web_as(personas.alice).get("/pool/")
    assert page.status_code == 200 and "East pool" in page.content.decode()
    assert "East pool" not in web_as(personas.carol).get("/pool/").content.decode()
    detail = web_as(personas.alice).get(f"/pool/{pool.pk}/")
    assert detail.status_code == 200 and "Pool Customer 0" in detail.content.decode()
    assert "Imported" in detail.content.decode() and "Claim" in detail.content.decode()
    assert web_as(personas.carol).get(f"/pool/{pool.pk}/").status_code == 404
    assert web_as(personas.alice).get("/pool/999999/").status_code == 404


def test_claim_button(personas, web_as, pool, in_pool):
    browser = web_as(personas.alice)
    response = browser.post(f"/pool/{pool.pk}/claim/", {"customer": in_pool[0].pk})
    assert response.status_code == 302 and response["Location"] == f"/customers/{in_pool[0].pk}/"
    assert Customer.objects.get(pk=in_pool[0].pk).owner == personas.alice
    # the customer's page, where the redirect leads, confirms the claim
    assert "You now own “Pool Customer 0”." in browser.get(response["Location"]).content.decode()
    taken = web_as(personas.bob).post(f"/pool/{pool.pk}/claim/", {"customer": in_pool[0].pk})
    assert taken.status_code == 409 and "just claimed" in taken.content.decode()
    assert web_as(personas.bob).post(f"/pool/{pool.pk}/claim/", {"customer": "abc"}).status_code == 404
    assert web_as(personas.carol).post(f"/pool/{pool.pk}/claim/", {"customer": in_pool[1].pk}).status_code == 404


def test_assign_form(personas, web_as, pool, in_pool):
    browser = web_as(personas.manager)
    page = browser.get(f"/pool/{pool.pk}/")
    assert "Assign selected" in page.content.decode()
    response = browser.post(f"/pool/{pool.pk}/assign/", {"customers": [in_pool[0].pk, in_pool[1].pk],
                                                          "owners": [personas.alice.pk, personas.bob.pk],
                                                          "strategy": "round_robin"})
    assert response.status_code == 302
    assert {Customer.objects.get(pk=in_pool[0].pk).owner, Customer.objects.get(pk=in_pool[1].pk).owner} == {
        personas.alice, personas.bob}
    bad = browser.post(f"/pool/{pool.pk}/assign/", {"customers": [in_pool[2].pk], "owners": [personas.carol.pk]})
    assert bad.status_code == 400 and Customer.objects.get(pk=in_pool[2].pk).owner is None
    assert web_as(personas.alice).post(f"/pool/{pool.pk}/assign/", {"customers": [in_pool[2].pk],
                                                                    "owners": [personas.alice.pk]}).status_code == 403


def test_release_form_on_the_customer_page(personas, web_as, pool, in_pool):
    customer = customer_claim(actor=personas.alice, pool=pool, customer_id=in_pool[0].pk)
    browser = web_as(personas.alice)
    page = get_with_panels(browser, f"/customers/{customer.pk}/")
    assert 'data-testid="pool-panel"' in page.content.decode()
    empty = browser.post(f"/customers/{customer.pk}/release/", {"pool": pool.pk, "reason": ""})
    assert empty.status_code == 400 and Customer.objects.get(pk=customer.pk).owner == personas.alice
    assert web_as(personas.carol).post(f"/customers/{customer.pk}/release/",
                                       {"pool": pool.pk, "reason": "x"}).status_code == 404
    done = browser.post(f"/customers/{customer.pk}/release/", {"pool": pool.pk, "reason": "Lost interest"})
    assert done.status_code == 302
    assert Customer.objects.get(pk=customer.pk).pool_reason == "Lost interest"
    assert "Lost interest" in web_as(personas.bob).get(f"/pool/{pool.pk}/").content.decode()


def test_admin_settings_form(personas, web_as):
    browser = web_as(personas.admin)
    assert browser.get("/pool/new/").status_code == 200
    response = browser.post("/pool/new/", {"name": "West pool", "kind": "customer", "claim_mode": "both",
                                           "member_departments": [personas.north.pk], "warn_days_before": 2,
                                           "cooldown_days": 5, "reclaim_no_follow_up_days": 30})
    assert response.status_code == 302, response.content.decode()[:2000]
    pool = Pool.objects.get(name="West pool")
    assert list(pool.member_departments.all()) == [personas.north] and pool.reclaim_no_follow_up_days == 30
    bad = browser.post(f"/pool/{pool.pk}/edit/", {"name": "", "kind": "customer", "claim_mode": "both",
                                                  "warn_days_before": -1, "cooldown_days": 5})
    assert bad.status_code == 400 and Pool.objects.get(pk=pool.pk).name == "West pool"
    assert web_as(personas.manager).get("/pool/new/").status_code == 403
    assert web_as(personas.carol).get(f"/pool/{pool.pk}/edit/").status_code == 403


def test_log_statistics_and_dry_run(personas, web_as, pool, in_pool):
    pool.reclaim_after_claim_days = 3
    pool.save()
    customer_claim(actor=personas.alice, pool=pool, customer_id=in_pool[0].pk,
                   now=timezone.now() - dt.timedelta(days=1))
    log = web_as(personas.manager).get("/pool/events/")
    assert log.status_code == 200 and "Pool Customer 0" in log.content.decode()
    assert "Pool Customer 0" not in web_as(personas.carol).get("/pool/events/").content.decode()
    stats = web_as(personas.manager).get("/pool/statistics/?date=2020-01-01")
    assert stats.status_code == 200 and "Alice Rep" in stats.content.decode()
    later = (timezone.localdate() + dt.timedelta(days=5)).isoformat()
    dry = web_as(personas.manager).get(f"/pool/dry-run/?date={later}")
    assert dry.status_code == 200 and "Pool Customer 0" in dry.content.decode()
    assert "no follow-up within 3 days" in dry.content.decode()
    assert web_as(personas.manager).get("/pool/dry-run/?date=garbage").status_code == 400
    assert web_as(personas.alice).get("/pool/dry-run/").status_code == 403
    assert not PoolEvent.objects.filter(kind="reclaim").exists()


def test_my_customers_show_days_before_reclaim(personas, web_as):
    pool = make_pool(personas, reclaim_no_follow_up_days=10)
    claimed = Customer.objects.create(name="Ticking Co", name_key="ticking co", owner=personas.alice, pool=pool,
                                      owner_since=timezone.now() - dt.timedelta(days=3))
    page = web_as(personas.alice).get(f"/customers/?owner={personas.alice.pk}").content.decode()
    assert "Reclaim in" in page and "7 days" in page and claimed.name in page
    detail = get_with_panels(web_as(personas.alice), f"/customers/{claimed.pk}/").content.decode()
    assert "Goes back to the pool in 7 days" in detail


def test_settings_form_sets_level_overrides(personas, web_as, pool):
    from openfunnel.customers.models import CustomerLevel

    level = CustomerLevel.objects.filter(is_active=True).first()
    browser = web_as(personas.admin)
    form = browser.get(f"/pool/{pool.pk}/edit/")
    assert f"level_{level.pk}_reclaim_no_deal_days" in form.content.decode()
    response = browser.post(f"/pool/{pool.pk}/edit/", {
        "name": "East pool", "kind": "customer", "claim_mode": "both", "member_departments": [personas.east.pk],
        "warn_days_before": 1, "cooldown_days": 7, f"level_{level.pk}_reclaim_no_deal_days": 120})
    assert response.status_code == 302, response.content.decode()[:3000]
    rule = pool.level_rules.get()
    assert (rule.level, rule.reclaim_no_deal_days, rule.reclaim_after_claim_days) == (level, 120, None)
    bad = browser.post(f"/pool/{pool.pk}/edit/", {
        "name": "East pool", "kind": "customer", "claim_mode": "both", "warn_days_before": 1, "cooldown_days": 7,
        f"level_{level.pk}_reclaim_no_deal_days": -5})
    assert bad.status_code == 400 and pool.level_rules.get().reclaim_no_deal_days == 120
