"""Browser journeys of the public pool: a rep claims until the pool's daily limit stops them, sees the reclaim
countdown on "my customers" and releases a customer with a reason; an admin changes a rule, previews the
reclaim on the dry-run page, the jobs run at a later date and the reclaim shows on the statistics and the
pool log. "Nearby" sorts pool customers by distance from the browser's location, or says why it cannot."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from openfunnel.core.jobs import run_due_jobs
from openfunnel.customers.models import Customer
from openfunnel.pool.models import PoolEvent
from openfunnel.pool.testing import make_pool, pool_customer

pytestmark = pytest.mark.e2e


@pytest.fixture
def east_pool(e2e_personas):
    pool = make_pool(e2e_personas, daily_claim_limit=2, cooldown_days=7, reclaim_no_follow_up_days=10)
    for name, lat, lng in (("上海申江阀门有限公司", "31.2400", "121.4900"), ("苏州精工模具有限公司", "31.2990", "120.5853"),
                           ("无锡华东电机有限公司", None, None)):
        customer = pool_customer(pool, name, pool_reason="客户资料导入")
        if lat:
            Customer.objects.filter(pk=customer.pk).update(lat=Decimal(lat), lng=Decimal(lng))
    return pool


def _claim(page, name):
    page.get_by_test_id("pool-customers").locator("tr", has_text=name).get_by_role("button", name="Claim").click()


def test_claim_to_the_limit_countdown_release_rule_change_dry_run_and_reclaim(page, login, e2e_personas, east_pool,
                                                                                screenshot):
    p = e2e_personas
    login(p.alice)
    page.locator("#sidenav").get_by_role("link", name="Public pool", exact=True).click()
    page.get_by_test_id("pools").get_by_role("link", name="East pool").click()
    expect(page.locator("h1")).to_have_text("East pool")
    pool_url = page.url

    # Claim until the daily limit stops the rep: the refusal is on the page, the customer stays in the pool.
    _claim(page, "上海申江阀门有限公司")
    expect(page.locator(".messages")).to_contain_text("You now own “上海申江阀门有限公司”.")
    page.goto(pool_url)
    _claim(page, "苏州精工模具有限公司")
    expect(page.locator(".messages")).to_contain_text("You now own “苏州精工模具有限公司”.")
    page.goto(pool_url)
    _claim(page, "无锡华东电机有限公司")
    expect(page.locator(".messages")).to_contain_text(
        "You have claimed 2 customers today, the daily limit of this pool.")
    expect(page.get_by_test_id("pool-customers")).to_contain_text("无锡华东电机有限公司")
    assert Customer.objects.get(name="无锡华东电机有限公司").owner is None
    screenshot("pool-claim-limit")

    # "My customers": each with the days left before the reclaim and the rule that will fire.
    page.locator("#sidenav").get_by_role("link", name="Customers", exact=True).click()
    page.get_by_role("link", name="My customers").click()
    expect(page).to_have_url(re.compile(r"/customers/\?owner=me$"))
    row = page.get_by_test_id("list-table").locator("tr", has_text="上海申江阀门有限公司")
    expect(row).to_contain_text("10 days")
    expect(row.get_by_test_id("reclaim-rule")).to_have_text("no follow-up within 10 days since the last one")
    screenshot("my-customers-countdown")

    # Release one with a reason, on its 360° page.
    row.get_by_role("link", name="上海申江阀门有限公司").click()
    panel = page.get_by_test_id("pool-panel")
    expect(panel.get_by_test_id("reclaim-outlook")).to_contain_text("Goes back to the pool in 10 days")
    panel.locator("input[name=reason]").fill("客户今年无预算")
    panel.get_by_role("button", name="Release to the pool").click()
    expect(page.locator(".messages")).to_contain_text("“上海申江阀门有限公司” went back to the pool.")
    expect(page).to_have_url(pool_url)
    expect(page.get_by_test_id("pool-customers").locator("tr", has_text="上海申江阀门有限公司")).to_contain_text(
        "客户今年无预算")

    # The admin tightens a rule, previews who the reclaim would take, then the jobs run five days later.
    login(p.admin)
    page.goto(pool_url + "edit/")
    page.fill("input[name=reclaim_after_claim_days]", "3")
    page.locator("main form").get_by_role("button", name="Save").click()
    expect(page.locator(".messages")).to_contain_text("Pool settings saved.")
    later = timezone.localdate() + dt.timedelta(days=5)
    page.goto(page.base_url + "/pool/dry-run/")
    page.fill("input[name=date]", later.isoformat())
    page.get_by_role("button", name="Preview").click()
    preview = page.get_by_test_id("dry-run")
    expect(preview.locator("tbody tr")).to_have_count(1)
    expect(preview).to_contain_text("苏州精工模具有限公司")
    expect(preview).to_contain_text("no follow-up within 3 days after claim or assignment")
    assert not PoolEvent.objects.filter(kind="reclaim").exists()  # a preview changes nothing
    screenshot("pool-dry-run")

    results = run_due_jobs(now=timezone.now() + dt.timedelta(days=5))
    assert results["pool_reclaim"] == {"reclaimed": 1, "skipped": 0}

    page.goto(page.base_url + "/pool/statistics/")
    stats = page.get_by_test_id("pool-statistics").locator("tr", has_text="Alice Rep")
    expect(stats.locator("td")).to_have_text(["Alice Rep", "2", "0", "1", "1", "0", "0"])
    stats.get_by_role("link", name="Alice Rep").click()
    log = page.get_by_test_id("list-table")
    reclaim = log.locator("tr", has_text="Reclaim")
    expect(reclaim).to_contain_text("苏州精工模具有限公司")
    expect(reclaim).to_contain_text("System")
    expect(reclaim).to_contain_text("No follow-up after claim")
    expect(reclaim).to_contain_text("领取或分配后 3 天内未跟进")  # the stored reason, in the company's language
    expect(log.locator("tr", has_text="Release")).to_contain_text("客户今年无预算")
    screenshot("pool-log-after-reclaim")
    assert Customer.objects.get(name="苏州精工模具有限公司").owner is None


def test_nearby_sorts_by_the_browsers_location_or_says_why_not(browser, live_server, e2e_personas, east_pool, login):
    from openfunnel.core.testing import PASSWORD

    def signed_in(**context_options):
        context = browser.new_context(locale="en-US", viewport={"width": 390, "height": 844}, **context_options)
        context.set_default_timeout(10_000)
        page = context.new_page()
        page.goto(live_server.url + "/accounts/login/")
        page.fill("input[name=username]", e2e_personas.alice.username)
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_load_state("networkidle")
        page.goto(f"{live_server.url}/pool/{east_pool.pk}/")
        return context, page

    # People's Square: the Bund is 2 km away, Suzhou 85 km, the third customer has no coordinates.
    context, page = signed_in(geolocation={"latitude": 31.2304, "longitude": 121.4737}, permissions=["geolocation"])
    page.get_by_test_id("nearby").get_by_role("link", name="Nearby").click()
    expect(page).to_have_url(re.compile(r"lat=31\.230400&lng=121\.473700"))
    rows = page.get_by_test_id("pool-customers").locator("tbody tr")
    expect(rows.nth(0)).to_contain_text("上海申江阀门有限公司")
    expect(rows.nth(0).get_by_test_id("distance")).to_have_text(re.compile(r"^\d\.\d km$"))
    expect(rows.nth(1)).to_contain_text("苏州精工模具有限公司")
    expect(rows.nth(2).get_by_test_id("distance")).to_have_text("—")
    expect(page.get_by_test_id("nearby")).to_contain_text("Nearest first, from your location.")
    context.close()

    context, page = signed_in()  # the location is not granted
    page.get_by_test_id("nearby").get_by_role("link", name="Nearby").click()
    expect(page.get_by_test_id("nearby")).to_contain_text("Location access was refused.")
    assert "lat=" not in page.url
    context.close()
