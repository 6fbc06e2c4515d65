"""Browser journeys of the daily routine: "my day" lists a follow-up due today until it is done, and the pages
work at phone width (390x844): the navigation toggle opens the menu and a list page is usable."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from openfunnel.customers.models import Customer
from openfunnel.customers.services import customer_create

pytestmark = pytest.mark.e2e


def _today_so_far() -> dt.datetime:
    """A time earlier today (local day), at the minute: due today, and already reached."""
    return timezone.localtime().replace(second=0, microsecond=0)


def test_my_day_shows_a_follow_up_due_today_until_it_is_logged(page, login, e2e_personas, screenshot):
    p = e2e_personas
    due = customer_create(actor=p.alice, name="无锡华光锅炉股份有限公司", next_follow_up_at=_today_so_far())
    customer_create(actor=p.alice, name="常州天合光能有限公司")  # nothing planned: not on the agenda
    customer_create(actor=p.bob, name="南通中远船务有限公司", next_follow_up_at=_today_so_far())  # Bob's

    login(p.alice)  # the start page is "my day"
    expect(page).to_have_url(re.compile(r"/my-day/$"))
    expect(page.locator("h1")).to_have_text("My day")
    expect(page.get_by_test_id("my-day-stats").locator("[data-stat=due]")).to_have_text("1")
    today = page.get_by_test_id("due-today")
    expect(today).to_contain_text("无锡华光锅炉股份有限公司")
    expect(today).not_to_contain_text("常州天合光能")
    expect(today).not_to_contain_text("南通中远船务")
    expect(page.get_by_test_id("overdue")).to_contain_text("Nothing overdue.")
    screenshot("my-day")

    # Open the customer from the agenda and log the follow-up: it leaves the agenda.
    today.get_by_role("link", name="无锡华光锅炉股份有限公司").click()
    expect(page).to_have_url(re.compile(rf"/customers/{due.pk}/$"))
    panel = page.get_by_test_id("activity-panel")
    form = panel.get_by_test_id("activity-form")
    expect(form).to_be_visible()  # open at once while the customer has no follow-ups
    form.locator("select[name=kind]").select_option("call")
    form.locator("textarea[name=content]").fill("电话回访，客户确认下月初安排技术交流。")
    form.get_by_role("button", name="Save follow-up").click()
    expect(page.locator(".messages")).to_contain_text("Follow-up saved.")

    page.locator("#sidenav").get_by_role("link", name="My day").click()
    expect(page.get_by_test_id("my-day-stats").locator("[data-stat=due]")).to_have_text("0")
    expect(page.get_by_test_id("my-day-stats").locator("[data-stat=follow_ups_today]")).to_have_text("1")
    expect(page.get_by_test_id("due-today")).to_contain_text("Nothing planned for today.")
    due.refresh_from_db()
    assert due.last_follow_up_at is not None and due.last_follow_up_at >= due.next_follow_up_at


def test_phone_width_navigation_and_list(page, login, e2e_personas, screenshot):
    p = e2e_personas
    names = ("深圳市汇川技术股份有限公司", "广州数控设备有限公司", "东莞市劲胜精密组件股份有限公司")
    for index, name in enumerate(names):
        customer_create(actor=p.alice, name=name, phone=f"0755-2660 000{index}", region="广东")
    page.set_viewport_size({"width": 390, "height": 844})
    login(p.alice)

    toggle = page.get_by_role("button", name="Menu")
    nav = page.locator("#sidenav")
    expect(toggle).to_be_visible()
    expect(nav).not_to_be_in_viewport()
    screenshot("phone-my-day")
    toggle.click()
    expect(page.locator("body")).to_have_class(re.compile(r"\bnav-open\b"))
    expect(nav).to_be_in_viewport()
    screenshot("phone-menu-open")
    nav.get_by_role("link", name="Customers", exact=True).click()

    expect(page).to_have_url(re.compile(r"/customers/$"))
    expect(page.locator("h1")).to_have_text("Customers")
    expect(nav).not_to_be_in_viewport()  # a new page starts with the menu closed
    rows = page.locator("main table tbody tr")
    expect(rows).to_have_count(3)
    # The page itself does not scroll sideways (a wide table scrolls inside its own box).
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    # On a phone the filters start folded; open them, filter the list, then open a customer from it.
    expect(page.locator("main input[name=search]")).to_be_hidden()
    page.locator("details.filter-panel > summary").click()
    page.locator("main input[name=search]").fill("汇川")
    page.locator("main form").get_by_role("button", name="Filter").click()
    expect(rows).to_have_count(1)
    screenshot("phone-customer-list")
    link = rows.first.get_by_role("link", name="深圳市汇川技术股份有限公司")
    expect(link).to_be_in_viewport()
    link.click()
    expect(page.locator("h1")).to_have_text("深圳市汇川技术股份有限公司")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot("phone-customer-360")
    assert Customer.objects.filter(owner=p.alice).count() == 3


def test_my_day_show_all_puts_a_groups_full_list_in_place(page, login, e2e_personas, screenshot):
    from openfunnel.activities.selectors import MY_DAY_FIRST
    from openfunnel.activities.services import task_create

    p = e2e_personas
    start = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    for i in range(MY_DAY_FIRST + 4):
        task_create(actor=p.alice, title=f"催收第 {i + 1:02d} 笔货款", due_at=start - dt.timedelta(hours=i + 1))
    for i in range(MY_DAY_FIRST + 2):
        customer = customer_create(actor=p.alice, name=f"苏州精密机械 {i + 1:02d} 号厂")
        Customer.objects.filter(pk=customer.pk).update(next_follow_up_at=start - dt.timedelta(days=i + 1))

    login(p.alice)
    overdue_tasks = page.get_by_test_id("tasks-overdue")
    expect(overdue_tasks.get_by_test_id("my-day-task")).to_have_count(MY_DAY_FIRST)
    expect(page.get_by_test_id("my-day-stats").locator("[data-stat=tasks_overdue]")).to_have_text(
        str(MY_DAY_FIRST + 4))
    screenshot("my-day-first-rows")
    overdue_tasks.get_by_test_id("show-all").click()
    expect(overdue_tasks.get_by_test_id("my-day-task")).to_have_count(MY_DAY_FIRST + 4)
    expect(overdue_tasks.get_by_test_id("show-all")).to_have_count(0)
    expect(page).to_have_url(re.compile(r"/my-day/$"))  # in place, not a new page
    # the other groups keep their first rows and their own "show all"
    expect(page.get_by_test_id("overdue").get_by_test_id("show-all")).to_have_text(f"Show all {MY_DAY_FIRST + 2}")
    screenshot("my-day-show-all")

    page.context.add_cookies([{"name": "django_language", "value": "zh-hans", "url": page.base_url}])
    page.set_viewport_size({"width": 390, "height": 844})
    page.reload()
    expect(page.get_by_test_id("overdue").get_by_test_id("show-all")).to_have_text(f"查看全部 {MY_DAY_FIRST + 2} 条")
    screenshot("phone-my-day-zh")
    page.get_by_test_id("overdue").get_by_test_id("show-all").click()
    expect(page.get_by_test_id("overdue").locator("li")).to_have_count(MY_DAY_FIRST + 2)
