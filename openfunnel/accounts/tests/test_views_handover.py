"""The handover pages: preview, plan, confirm, report; deactivation offers the handover."""

from __future__ import annotations

import pytest

from openfunnel.accounts.models import Handover
from openfunnel.accounts.testing import make_book
from openfunnel.customers.models import Customer, CustomerShare
from openfunnel.pool.testing import make_pool


@pytest.fixture
def book(personas):
    return make_book(personas.alice, admin=personas.admin)


def page_url(user):
    return f"/accounts/users/{user.pk}/handover/"


def test_preview_plan_confirm_and_report(personas, book, web_as):
    browser = web_as(personas.admin)
    pool = make_pool(personas)
    page = browser.get(page_url(personas.alice))
    assert page.status_code == 200
    text = page.content.decode()
    assert "Hand over the records of Alice Rep" in text and 'data-kind="customers">4<' in text
    assert 'data-kind="opportunities">1<' in text and 'data-kind="reminders">2<' in text
    assert f'<option value="{personas.bob.pk}">Bob Rep</option>' in text
    assert f'value="{personas.alice.pk}"' not in text.split('name="successors"')[1].split("</select>")[0]

    choice = {"successors": [personas.bob.pk, personas.carol.pk], "pool": pool.pk, "keep_as_collaborator": "on",
              "reason": "Alice left"}
    plan = browser.post(page_url(personas.alice), choice)
    assert plan.status_code == 200 and b'data-testid="handover-plan"' in plan.content
    assert b"Confirm the handover" in plan.content and b"East pool" in plan.content
    assert Customer.objects.filter(owner=personas.alice, deleted_at__isnull=True).count() == 4  # nothing moved yet
    assert not Handover.objects.exists()

    done = browser.post(page_url(personas.alice), {**choice, "confirm": "1"})
    handover = Handover.objects.get()
    assert done.status_code == 302 and done["Location"] == f"/accounts/handovers/{handover.pk}/"
    assert Customer.objects.filter(owner=personas.alice, deleted_at__isnull=True).count() == 0
    assert CustomerShare.objects.filter(user=personas.alice, can_edit=False).exists()
    report = browser.get(done["Location"])
    assert report.status_code == 200
    text = report.content.decode()
    assert "Handover of Alice Rep" in text and "Bob Rep" in text and "Carol Rep" in text and "East pool" in text
    assert text.count('data-testid="handover-target"') == 3
    assert "Alice left" in text and "kept as read-only collaborator" in text
    again = browser.get(page_url(personas.alice))
    assert b"nothing to hand over" in again.content and f"/accounts/handovers/{handover.pk}/".encode() in again.content


def test_field_errors_on_the_form(personas, book, web_as):
    browser = web_as(personas.admin)
    lead_pool = make_pool(personas, name="Lead pool", kind="lead")
    empty = browser.post(page_url(personas.alice), {})
    assert empty.status_code == 400
    assert b'data-field="successors"' in empty.content and b"Name a successor" in empty.content
    unknown = browser.post(page_url(personas.alice), {"successors": ["987654321"]})
    assert unknown.status_code == 400 and b'data-field="successors"' in unknown.content
    wrong_pool = browser.post(page_url(personas.alice), {"pool": lead_pool.pk})
    assert wrong_pool.status_code == 400 and b'data-field="pool"' in wrong_pool.content
    pool = make_pool(personas)
    pool_only = browser.post(page_url(personas.alice), {"pool": pool.pk, "confirm": "1"})
    assert pool_only.status_code == 400 and b'data-field="pool"' in pool_only.content
    assert b"Add a successor" in pool_only.content
    long_reason = browser.post(page_url(personas.alice), {"successors": [personas.bob.pk], "reason": "x" * 301})
    assert long_reason.status_code == 400 and b'data-field="reason"' in long_reason.content
    assert not Handover.objects.exists()


def test_a_successor_deactivated_before_confirming(personas, book, web_as):
    from openfunnel.accounts.services import user_deactivate

    browser = web_as(personas.admin)
    user_deactivate(actor=personas.admin, user=personas.bob)
    refused = browser.post(page_url(personas.alice), {"successors": [personas.bob.pk], "confirm": "1"})
    assert refused.status_code == 400 and b'data-field="successors"' in refused.content
    assert not Handover.objects.exists()


def test_deactivation_offers_the_handover(personas, book, web_as):
    browser = web_as(personas.admin)
    deactivated = browser.post(f"/accounts/users/{personas.alice.pk}/deactivate/", follow=True)
    assert deactivated.redirect_chain[-1][0] == page_url(personas.alice)
    assert b"still owns open records" in deactivated.content
    # Without records, deactivating goes back to the list as before.
    plain = browser.post(f"/accounts/users/{personas.carol.pk}/deactivate/")
    assert plain["Location"] == "/accounts/users/"


def test_deactivating_on_the_edit_page_offers_the_handover(personas, book, web_as):
    browser = web_as(personas.admin)
    edit = browser.get(f"/accounts/users/{personas.alice.pk}/")
    assert page_url(personas.alice).encode() in edit.content  # the "Hand over records" link
    saved = browser.post(f"/accounts/users/{personas.alice.pk}/", {
        "username": "alice", "password": "", "name": "Alice Rep", "role": "rep",
        "department": personas.east_team.pk, "manager": personas.manager.pk})
    assert saved.status_code == 302 and saved["Location"] == page_url(personas.alice)


def test_the_user_list_links_the_handover(personas, web_as):
    listing = web_as(personas.admin).get("/accounts/users/")
    assert page_url(personas.alice).encode() in listing.content


def test_reps_and_managers_get_403_and_missing_ids_404(personas, book, web_as):
    user_handover_report = None
    from openfunnel.accounts.services import user_handover

    user_handover_report = user_handover(actor=personas.admin, user=personas.alice, to_user=personas.bob.pk)
    report_url = f"/accounts/handovers/{user_handover_report.handover.pk}/"
    for persona in (personas.bob, personas.manager):
        browser = web_as(persona)
        assert browser.get(page_url(personas.alice)).status_code == 403
        assert browser.post(page_url(personas.bob), {"successors": [personas.carol.pk], "confirm": "1"}
                            ).status_code == 403
        assert browser.get(report_url).status_code == 403
    admin = web_as(personas.admin)
    assert admin.get("/accounts/users/987654321/handover/").status_code == 404
    assert admin.get("/accounts/handovers/987654321/").status_code == 404
    assert Customer.objects.filter(owner=personas.carol).count() == 0
