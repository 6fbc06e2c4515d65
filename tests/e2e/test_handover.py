"""Browser journey of a departure handover: the admin opens a rep, previews what they own, hands it over to a
colleague after checking the plan, and reads the report."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from openfunnel.accounts.models import Handover
from openfunnel.accounts.testing import make_book
from openfunnel.customers.models import Customer

pytestmark = pytest.mark.e2e


def test_admin_hands_a_reps_records_over_and_reads_the_report(page, login, e2e_personas, screenshot):
    p = e2e_personas
    make_book(p.alice, admin=p.admin, prefix="杭州")
    login(p.admin)
    page.locator("#sidenav").get_by_role("link", name="Users", exact=True).click()
    page.get_by_role("link", name="alice", exact=True).click()
    expect(page.locator("h1")).to_have_text("Alice Rep")
    page.get_by_role("link", name="Hand over records").click()

    expect(page).to_have_url(re.compile(rf"/accounts/users/{p.alice.pk}/handover/$"))
    expect(page.locator("h1")).to_have_text("Hand over the records of Alice Rep")
    preview = page.get_by_test_id("handover-preview")
    expect(preview.locator("[data-kind=customers]")).to_have_text("4")
    expect(preview.locator("[data-kind=leads]")).to_have_text("2")
    expect(preview.locator("[data-kind=opportunities]")).to_have_text("1")
    screenshot("handover-preview")

    form = page.get_by_test_id("handover-form")
    form.get_by_role("button", name="Preview the handover").click()  # nobody chosen: a field error, nothing moves
    expect(page.locator("ul.errorlist[data-field=successors]")).to_contain_text("Name a successor")
    page.get_by_test_id("handover-form").locator("select[name=successors]").select_option(label="Bob Rep")
    page.get_by_test_id("handover-form").get_by_label("Keep the user as a read-only collaborator of the customers that go to successors").check()
    page.get_by_test_id("handover-form").get_by_role("button", name="Preview the handover").click()

    plan = page.get_by_test_id("handover-plan")
    expect(plan).to_contain_text("Nothing has moved yet")
    expect(plan.get_by_test_id("handover-target")).to_have_count(1)
    expect(plan.get_by_test_id("handover-target")).to_contain_text("Bob Rep")
    assert Customer.objects.filter(owner=p.alice, deleted_at__isnull=True).count() == 4
    screenshot("handover-plan")
    plan.get_by_role("button", name="Confirm the handover").click()

    handover = Handover.objects.get()
    expect(page).to_have_url(re.compile(rf"/accounts/handovers/{handover.pk}/$"))
    expect(page.locator(".messages")).to_contain_text("The records of Alice Rep were handed over.")
    report = page.get_by_test_id("handover-report")
    row = report.get_by_test_id("handover-target")
    expect(row).to_contain_text("Bob Rep")
    expect(row.locator("td").first).to_contain_text("4 customers keep the previous owner as a read-only collaborator")
    expect(row.locator("td:not(:first-child)")).to_have_text(["2", "4", "1", "2", "2"])  # leads … reminders
    expect(report).to_contain_text("kept as read-only collaborator")
    screenshot("handover-report")
    assert Customer.objects.filter(owner=p.bob).count() == 4
