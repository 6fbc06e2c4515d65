"""Browser journeys of the foundation: log in, create a customer, be refused a duplicate, log a follow-up
and see it on the timeline, switch language, and the data scope seen from a browser (another department's
customer is a 404 page)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from openfunnel.activities.models import Activity
from openfunnel.audit.models import Event
from openfunnel.core.testing import PASSWORD
from openfunnel.customers.models import Customer
from openfunnel.customers.services import customer_create

pytestmark = pytest.mark.e2e


def test_log_in_create_a_customer_log_a_follow_up_and_switch_language(page, e2e_personas, screenshot):
    p = e2e_personas
    # Log in: a wrong password is refused on the form, the right one lands on "my day".
    page.goto(page.base_url + "/accounts/login/")
    page.fill("input[name=username]", p.alice.username)
    page.fill("input[name=password]", "not-the-password")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_test_id("form-errors")).to_contain_text("Please enter a correct username and password")
    expect(page.locator("input[name=username]")).to_have_value(p.alice.username)
    page.fill("input[name=password]", PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page).to_have_url(re.compile(r"/my-day/$"))
    expect(page.locator("h1")).to_have_text("My day")
    expect(page.locator(".user-menu summary")).to_have_text("Alice Rep")

    # Create a customer through the form.
    page.locator("#sidenav").get_by_role("link", name="Customers", exact=True).click()
    expect(page.locator("h1")).to_have_text("Customers")
    page.get_by_role("link", name="New customer").click()
    page.fill("input[name=name]", "上海星辰科技有限公司")
    page.fill("input[name=phone]", "021-6552 9988")
    page.fill("input[name=region]", "上海")
    page.locator("main form.card").get_by_role("button", name="Save").click()
    expect(page.locator(".messages")).to_contain_text("Customer “上海星辰科技有限公司” created.")
    expect(page.locator("h1")).to_have_text("上海星辰科技有限公司")
    facts = page.get_by_test_id("key-facts")
    expect(facts).to_contain_text("Alice Rep")
    expect(facts).to_contain_text("021-6552 9988")
    customer = Customer.objects.get(name="上海星辰科技有限公司")
    assert customer.owner == p.alice and customer.region == "上海"
    expect(page).to_have_url(re.compile(rf"/customers/{customer.pk}/$"))
    timeline = page.get_by_test_id("timeline")
    expect(timeline.locator("[data-verb='customer.created']")).to_be_visible()

    # Log a follow-up: it shows in the follow-up panel and on the timeline, with its author.
    panel = page.get_by_test_id("activity-panel")
    form = panel.get_by_test_id("activity-form")
    expect(form).to_be_visible()  # open at once while the customer has no follow-ups
    form.locator("select[name=kind]").select_option("visit")
    form.locator("textarea[name=content]").fill("拜访王经理，确认了 10 台注塑机的需求，下周报价。")
    form.get_by_role("button", name="Save follow-up").click()
    expect(page.locator(".messages")).to_contain_text("Follow-up saved.")
    expect(page).to_have_url(re.compile(rf"/customers/{customer.pk}/"))
    entry = page.get_by_test_id("timeline").locator("[data-verb='activity.created']")
    expect(entry).to_have_count(1)
    expect(entry).to_contain_text("拜访王经理，确认了 10 台注塑机的需求，下周报价。")
    expect(entry).to_contain_text("Alice Rep")
    expect(panel.get_by_test_id("activity")).to_contain_text("拜访王经理")
    activity = Activity.objects.get(customer=customer)
    assert activity.kind == "visit" and activity.author == p.alice
    assert Event.objects.filter(verb="activity.created", customer_id=customer.pk).count() == 1
    customer.refresh_from_db()
    assert customer.last_follow_up_at is not None

    # Switch language: the same page in Simplified Chinese, and it stays Chinese on the next page.
    page.locator("header select[name=language]").select_option("zh-hans")
    expect(page.locator("html")).to_have_attribute("lang", "zh-hans")
    expect(page).to_have_url(re.compile(rf"/customers/{customer.pk}/"))
    nav = page.locator("#sidenav")
    expect(nav.get_by_role("link", name="客户", exact=True)).to_be_visible()
    expect(nav.get_by_role("link", name="我的一天")).to_be_visible()
    expect(page.get_by_test_id("timeline").locator("h2")).to_have_text("时间线")
    expect(page.get_by_test_id("key-facts")).to_contain_text("负责人")
    expect(page.get_by_test_id("activity-panel").locator("h2")).to_have_text("跟进记录")
    screenshot("customer-360-zh")
    nav.get_by_role("link", name="客户", exact=True).click()
    expect(page.locator("h1")).to_have_text("客户")
    expect(page.locator("main")).to_contain_text("上海星辰科技有限公司")
    screenshot("customer-list-zh")


def test_duplicate_customer_is_refused_naming_its_owner(page, login, e2e_personas, screenshot):
    p = e2e_personas
    customer_create(actor=p.alice, name="宁波海天塑机有限公司", phone="0574-8818 2222")
    login(p.bob)
    page.goto(page.base_url + "/customers/new/")
    # The same company written differently (suffix, spacing) is still the same company.
    page.fill("input[name=name]", "宁波海天塑机 有限公司")
    page.locator("main form.card").get_by_role("button", name="Save").click()
    warning = page.get_by_test_id("duplicate")
    expect(warning).to_be_visible()
    expect(warning).to_contain_text("A matching customer exists.")
    expect(warning).to_contain_text("Owner: Alice Rep.")
    # Bob may not see Alice's customer: no link to it, no name of it.
    expect(warning).to_contain_text("It is outside the records you may see")
    expect(warning.locator("a")).to_have_count(0)
    expect(page.locator("ul.errorlist[data-field=name]")).to_contain_text(
        "A customer with the same company name already exists, owned by Alice Rep.")
    expect(page.locator("input[name=name]")).to_have_value("宁波海天塑机 有限公司")
    screenshot("customer-duplicate-refused")
    assert Customer.objects.count() == 1

    # Her manager sees the customer: the refusal links to it.
    login(p.manager)
    page.goto(page.base_url + "/customers/new/")
    page.fill("input[name=name]", "宁波海天塑机有限公司")
    page.locator("main form.card").get_by_role("button", name="Save").click()
    link = page.get_by_test_id("duplicate").get_by_role("link")
    expect(link).to_contain_text("宁波海天塑机有限公司")
    link.click()
    expect(page.locator("h1")).to_have_text("宁波海天塑机有限公司")
    assert Customer.objects.count() == 1


def test_a_rep_cannot_open_another_departments_customer(page, login, e2e_personas, screenshot):
    p = e2e_personas
    north = customer_create(actor=p.carol, name="天津北方重工有限公司")
    own = customer_create(actor=p.alice, name="苏州精密模具有限公司")
    login(p.alice)
    response = page.goto(page.base_url + f"/customers/{north.pk}/")
    assert response is not None and response.status == 404
    expect(page.locator("main h1")).to_have_text("Not found")
    expect(page.locator("main")).not_to_contain_text("天津北方重工")
    expect(page.get_by_role("link", name="Back to the start page")).to_be_visible()
    screenshot("customer-404")
    for path in (f"/customers/{north.pk}/edit/", f"/customers/{north.pk}/timeline/"):
        response = page.goto(page.base_url + path)
        assert response is not None and response.status == 404, path
    # Her list and the global search do not reveal it either; her own customer is there.
    page.goto(page.base_url + "/customers/")
    expect(page.locator("main")).to_contain_text(own.name)
    expect(page.locator("main")).not_to_contain_text("天津北方重工")
    page.fill("header input[name=q]", "北方重工")
    page.press("header input[name=q]", "Enter")
    expect(page).to_have_url(re.compile(r"/search/\?q="))
    expect(page.locator("main")).not_to_contain_text("天津北方重工有限公司")
