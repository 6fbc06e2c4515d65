"""Browser journey of a lead: created on the form, converted, and the customer's 360° page shows the
conversion."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from openfunnel.customers.models import Contact, Customer
from openfunnel.leads.models import Lead

pytestmark = pytest.mark.e2e


def test_create_a_lead_convert_it_and_land_on_the_customer(page, login, e2e_personas, screenshot):
    p = e2e_personas
    login(p.alice)
    page.locator("#sidenav").get_by_role("link", name="Leads", exact=True).click()
    expect(page.locator("h1")).to_have_text("Leads")
    page.get_by_role("link", name="New lead").click()
    page.fill("input[name=company]", "杭州云帆智能装备有限公司")
    page.fill("input[name=name]", "陈立")
    page.fill("input[name=title]", "设备部经理")
    page.fill("input[name=phone]", "13905711234")
    page.locator("select[name=source]").select_option("trade_show")
    page.locator("main form").get_by_role("button", name="Save").click()
    expect(page.locator(".messages")).to_contain_text("Lead “杭州云帆智能装备有限公司” created.")
    lead = Lead.objects.get(company="杭州云帆智能装备有限公司")
    assert lead.owner == p.alice and lead.status == Lead.Status.NEW
    expect(page).to_have_url(re.compile(rf"/leads/{lead.pk}/$"))
    expect(page.get_by_test_id("lead-facts")).to_contain_text("陈立")

    convert = page.get_by_test_id("lead-convert")
    expect(convert.locator("input[name=mode][value=new]")).to_be_checked()
    convert.get_by_role("button", name="Convert lead").click()

    expect(page.locator(".messages")).to_contain_text(
        "Lead converted into the customer “杭州云帆智能装备有限公司”.")
    customer = Customer.objects.get(name="杭州云帆智能装备有限公司")
    expect(page).to_have_url(re.compile(rf"/customers/{customer.pk}/$"))
    expect(page.locator("h1")).to_have_text("杭州云帆智能装备有限公司")
    expect(page.get_by_test_id("key-facts")).to_contain_text("Trade show")  # the source carried over
    expect(page.get_by_test_id("contact-row")).to_contain_text("陈立")
    expect(page.get_by_test_id("contact-row")).to_contain_text("primary")
    conversion = page.get_by_test_id("timeline").locator("[data-verb='lead.converted']")
    expect(conversion).to_have_count(1)
    expect(conversion).to_contain_text("converted the lead")
    expect(conversion).to_contain_text("Alice Rep")
    screenshot("customer-after-lead-conversion")

    lead.refresh_from_db()
    assert lead.status == Lead.Status.CONVERTED and lead.converted_customer == customer
    assert customer.owner == p.alice and customer.source == "trade_show"
    assert Contact.objects.get(customer=customer).is_primary

    # Back on the lead: it says where it went, and it can no longer be converted.
    page.goto(page.base_url + lead.get_absolute_url())
    expect(page.get_by_test_id("converted")).to_contain_text("杭州云帆智能装备有限公司")
    expect(page.get_by_test_id("lead-convert")).to_have_count(0)
    page.get_by_test_id("converted").get_by_role("link", name="杭州云帆智能装备有限公司").click()
    expect(page).to_have_url(re.compile(rf"/customers/{customer.pk}/$"))
