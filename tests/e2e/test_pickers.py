"""Browser journeys of the user picker (web.choices.UserPicker) and of the 360° page's panels loaded by htmx."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from openfunnel.customers.services import customer_create

pytestmark = pytest.mark.e2e


def test_filter_by_owner_through_the_picker(page, login, e2e_personas, screenshot):
    p = e2e_personas
    customer_create(actor=p.alice, name="Alice Alloys")
    customer_create(actor=p.bob, name="Bob Bearings")
    login(p.manager)
    page.goto(page.base_url + "/customers/")
    filters = page.get_by_test_id("filters")
    owner = filters.locator("select[name=owner]")
    expect(owner.locator("option")).to_have_count(1)  # only the empty choice until a name is typed
    filters.locator("input.picker-search").first.fill("bob")
    expect(owner.locator("option", has_text="Bob Rep")).to_have_count(1)
    expect(owner).to_have_value(str(p.bob.pk))
    screenshot("picker-filter-desktop-en")
    filters.get_by_role("button", name="Filter").click()
    expect(page.get_by_test_id("list-table")).to_contain_text("Bob Bearings")
    expect(page.get_by_test_id("list-table")).not_to_contain_text("Alice Alloys")
    # the chosen owner stays in the picker after the reload
    expect(page.get_by_test_id("filters").locator("select[name=owner]")).to_have_value(str(p.bob.pk))


def test_share_through_the_picker_on_the_360_page_with_its_panels(page, login, e2e_personas, screenshot):
    p = e2e_personas
    customer = customer_create(actor=p.alice, name="Panel Pumps")
    login(p.alice)
    page.goto(page.base_url + f"/customers/{customer.pk}/")
    # the opportunities, the follow-up form and the attachments arrive right after the page
    expect(page.get_by_test_id("attachments")).to_be_visible()
    expect(page.get_by_test_id("opportunity-panel")).to_be_visible()
    expect(page.locator("form select[name=kind]")).to_have_count(1)
    card = page.get_by_test_id("collaborators")
    card.locator("input.picker-search").fill("carol")
    expect(card.locator("select[name=user]")).to_have_value(str(p.carol.pk))
    screenshot("picker-360-desktop-en")
    card.get_by_role("button", name="Share").click()
    expect(page.get_by_test_id("collaborators")).to_contain_text("Carol Rep")
    # a phone in Chinese
    page.set_viewport_size({"width": 390, "height": 844})
    page.context.add_cookies([{"name": "django_language", "value": "zh-hans", "url": page.base_url}])
    page.goto(page.base_url + "/customers/")
    expect(page.get_by_test_id("list-table")).to_contain_text("Panel Pumps")
    page.locator("details.filter-panel summary").click()
    expect(page.locator("input.picker-search").first).to_have_attribute("placeholder", "输入姓名…")
    screenshot("picker-filter-phone-zh")
    page.goto(page.base_url + f"/customers/{customer.pk}/")
    expect(page.get_by_test_id("attachments")).to_be_visible()
    expect(page.get_by_test_id("opportunity-panel")).to_be_visible()
    screenshot("picker-360-phone-zh")
