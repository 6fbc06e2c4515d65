"""Browser journeys of the opportunity kanban (Sortable.js drag and drop) and of closing deals: a drag to the
next stage, a drag refused for a missing required field (the list is shown and filled in place), a won deal,
and a lost one with its reason."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from openfunnel.audit.models import Event
from openfunnel.customers.services import contact_create, customer_create
from openfunnel.sales.models import LostReason, Opportunity, Pipeline, StageChange
from openfunnel.sales.services import ensure_default_pipelines, opportunity_create

pytestmark = pytest.mark.e2e

STANDARD, RENEWAL = "标准销售流程", "续约/复购流程"


@pytest.fixture
def sales(e2e_personas: Any) -> dict[str, Any]:
    """The demo pipelines (a transactional test flushes what the data migration made) and Alice's customer."""
    ensure_default_pipelines()
    customer = customer_create(actor=e2e_personas.alice, name="宁波海天塑机有限公司")
    contact_create(actor=e2e_personas.alice, customer=customer, name="王总", decision_role="decision_maker")
    standard = Pipeline.objects.get(name=STANDARD)
    return {"p": e2e_personas, "customer": customer, "standard": standard,
            "renewal": Pipeline.objects.get(name=RENEWAL),
            "stages": {s.name: s for s in standard.stages.all()}}


def _drag(page: Any, card: Any, column: Any) -> None:
    """Drags a card onto a column's card list the way a person does (press, move in steps, release)."""
    card.scroll_into_view_if_needed()
    start = card.bounding_box()
    target = column.bounding_box()
    assert start and target
    page.mouse.move(start["x"] + start["width"] / 2, start["y"] + 12)
    page.mouse.down()
    page.mouse.move(start["x"] + start["width"] / 2 + 5, start["y"] + 17, steps=3)
    page.mouse.move(target["x"] + target["width"] / 2, target["y"] + 20, steps=12)
    page.mouse.move(target["x"] + target["width"] / 2, target["y"] + 24, steps=3)
    page.mouse.up()


def test_drag_to_the_next_stage_then_be_refused_for_a_missing_field(page, login, sales, screenshot):
    p, stages = sales["p"], sales["stages"]
    first, contact_stage, needs = stages["取得销售机会"], stages["初次接触"], stages["需求收集"]
    opp = opportunity_create(actor=p.alice, customer=sales["customer"], name="10 台注塑机",
                             pipeline=sales["standard"], amount=Decimal("2800000.00"))
    login(p.alice)
    page.locator("#sidenav").get_by_role("link", name="Opportunities").click()
    expect(page).to_have_url(re.compile(r"/opportunities/$"))
    card = page.get_by_test_id(f"opp-{opp.pk}")
    expect(page.get_by_test_id(f"stage-{first.pk}").get_by_test_id(f"opp-{opp.pk}")).to_be_visible()
    expect(page.get_by_test_id(f"stage-{first.pk}-count")).to_have_text("1")

    # A drag to the next stage (nothing required there): the board reloads with the card in its new column.
    with page.expect_response(lambda r: r.url.endswith(f"/opportunities/{opp.pk}/move/")) as moved:
        _drag(page, card, page.locator(f"[data-kanban-cards][data-stage='{contact_stage.pk}']"))
    assert moved.value.status == 204
    expect(page.get_by_test_id(f"stage-{contact_stage.pk}").get_by_test_id(f"opp-{opp.pk}")).to_be_visible()
    expect(page.get_by_test_id(f"stage-{contact_stage.pk}-count")).to_have_text("1")
    expect(page.get_by_test_id(f"stage-{first.pk}-count")).to_have_text("0")
    opp.refresh_from_db()
    assert opp.stage == contact_stage
    assert StageChange.objects.filter(opportunity=opp, from_stage=first, to_stage=contact_stage,
                                      actor=p.alice).exists()

    # 需求收集 requires the expected close date: the move is refused, the card snaps back, the list says why.
    with page.expect_response(lambda r: r.url.endswith(f"/opportunities/{opp.pk}/move/")) as refused:
        _drag(page, page.get_by_test_id(f"opp-{opp.pk}"),
              page.locator(f"[data-kanban-cards][data-stage='{needs.pk}']"))
    assert refused.value.status == 400
    dialog = page.get_by_test_id("move-dialog")
    expect(dialog).to_be_visible()
    missing = dialog.get_by_test_id("missing-requirements")
    expect(missing).to_be_visible()
    expect(missing.locator("li[data-missing=expected_close_date]")).to_contain_text("Expected close date")
    expect(missing.locator("li")).to_have_count(1)
    expect(page.get_by_test_id(f"stage-{contact_stage.pk}").get_by_test_id(f"opp-{opp.pk}")).to_be_attached()
    screenshot("kanban-move-refused")
    opp.refresh_from_db()
    assert opp.stage == contact_stage and opp.expected_close_date is None

    # Fill the missing field in place and move again.
    close = timezone.localdate() + dt.timedelta(days=45)
    dialog.locator("input[name=expected_close_date]").fill(close.isoformat())
    dialog.get_by_test_id("move-submit").click()
    expect(page.get_by_test_id(f"stage-{needs.pk}").get_by_test_id(f"opp-{opp.pk}")).to_be_visible()
    expect(page.get_by_test_id("move-dialog")).not_to_be_visible()
    opp.refresh_from_db()
    assert opp.stage == needs and opp.expected_close_date == close
    screenshot("kanban-after-moves")


def test_win_a_deal_and_lose_another_with_a_reason(page, login, sales, screenshot):
    p = sales["p"]
    close = timezone.localdate() + dt.timedelta(days=20)
    renewal = opportunity_create(actor=p.alice, customer=sales["customer"], name="年度备件续约",
                                 pipeline=sales["renewal"], amount=Decimal("360000.00"),
                                 expected_close_date=close)
    doomed = opportunity_create(actor=p.alice, customer=sales["customer"], name="二期扩产注塑机",
                                pipeline=sales["standard"], amount=Decimal("1500000.00"))
    login(p.alice)

    page.goto(page.base_url + renewal.get_absolute_url())
    expect(page.get_by_test_id("status")).to_have_text("Open")
    page.get_by_test_id("win").click()
    expect(page.get_by_test_id("status")).to_have_text("Won")
    expect(page.get_by_test_id("win")).to_have_count(0)
    expect(page.get_by_test_id("reopen")).to_be_visible()
    renewal.refresh_from_db()
    assert renewal.status == Opportunity.Status.WON and renewal.stage.kind == "won"
    assert Event.objects.filter(object_type="opportunity", object_id=renewal.pk, verb="opportunity.won",
                                actor=p.alice, customer_id=sales["customer"].pk).exists()
    screenshot("opportunity-won")

    page.goto(page.base_url + doomed.get_absolute_url())
    page.get_by_test_id("lose").click()
    expect(page).to_have_url(re.compile(rf"/opportunities/{doomed.pk}/lose/$"))
    # Without a reason it is refused and nothing changes.
    page.locator("main form").get_by_role("button", name="Close as lost").click()
    expect(page.locator("ul.errorlist[data-field=reason]")).to_be_visible()
    doomed.refresh_from_db()
    assert doomed.status == Opportunity.Status.OPEN
    page.locator("select[name=lose-reason]").select_option(label="选择竞争对手")
    page.locator("textarea[name=lose-note]").fill("对方报价低 8%，交期短两周。")
    page.locator("main form").get_by_role("button", name="Close as lost").click()
    expect(page).to_have_url(re.compile(rf"/opportunities/{doomed.pk}/$"))
    expect(page.locator(".messages")).to_contain_text("Opportunity closed as lost.")
    expect(page.get_by_test_id("status")).to_have_text("Lost")
    expect(page.locator("main")).to_contain_text("选择竞争对手")
    screenshot("opportunity-lost")
    doomed.refresh_from_db()
    assert doomed.status == Opportunity.Status.LOST
    assert doomed.lost_reason == LostReason.objects.get(name="选择竞争对手")
    assert doomed.stage.kind == "lost"


def test_a_long_column_loads_its_further_cards_as_it_scrolls_and_they_drag(page, login, sales, screenshot):
    p, stages = sales["p"], sales["stages"]
    first, contact_stage = stages["取得销售机会"], stages["初次接触"]
    for n in range(25):
        opportunity_create(actor=p.alice, customer=sales["customer"], name=f"批量商机 {n:02}",
                           pipeline=sales["standard"], amount=Decimal(1000 + n))
    login(p.alice)
    page.goto(page.url.split("/", 3)[0] + "//" + page.url.split("/", 3)[2] + "/opportunities/")
    column = page.get_by_test_id(f"stage-{first.pk}")
    cards = column.locator("article.kanban-card")
    expect(cards).to_have_count(10)
    page.get_by_test_id(f"stage-{first.pk}-load").scroll_into_view_if_needed()
    expect(cards).to_have_count(25)     # 10 + 15: the loader asked once more and found the end
    expect(page.get_by_test_id(f"stage-{first.pk}-load")).to_have_count(0)
    late = cards.nth(10)    # the first card of the loaded part: brought to the top of its column to drag it
    late_id = int(late.get_attribute("data-id"))
    late.evaluate("card => { card.parentElement.scrollTop = card.offsetTop - card.parentElement.offsetTop; }")
    page.evaluate("window.scrollTo(0, 0)")
    screenshot("kanban-long-column")
    with page.expect_response(lambda r: r.url.endswith(f"/opportunities/{late_id}/move/")) as moved:
        _drag(page, late, page.locator(f"[data-kanban-cards][data-stage='{contact_stage.pk}']"))
    assert moved.value.status == 204
    expect(page.get_by_test_id(f"stage-{contact_stage.pk}-count")).to_have_text("1")
    assert Opportunity.objects.get(pk=late_id).stage_id == contact_stage.pk
