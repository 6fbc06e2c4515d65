import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from openfunnel.audit.models import Event
from openfunnel.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from openfunnel.sales.models import Opportunity, OpportunityAttachment, StageChange
from openfunnel.sales.selectors import opportunity_history, opportunity_stage_times
from openfunnel.sales.services import (
    opportunity_attachment_add,
    opportunity_lose,
    opportunity_move,
    opportunity_reopen,
    opportunity_update,
    opportunity_win,
)

from .conftest import aware


def photo(name="sample.jpg"):
    return SimpleUploadedFile(name, b"\xff\xd8\xff fake jpeg", content_type="image/jpeg")


def test_forward_and_backward_moves_are_recorded_with_time_in_stage(world):
    opp = world.opp(at=aware(2026, 3, 1))
    opportunity_move(actor=world.p.alice, opportunity=opp, stage=world.stage("初次接触"), at=aware(2026, 3, 4))
    opportunity_move(actor=world.p.alice, opportunity=opp, stage=world.stage("取得销售机会"), at=aware(2026, 3, 5))
    opp.refresh_from_db()
    assert opp.stage == world.stage("取得销售机会") and opp.probability == 5
    changes = opportunity_history(opportunity=opp)
    assert [(c.from_stage_name, c.to_stage_name) for c in changes] == [
        ("", "取得销售机会"), ("取得销售机会", "初次接触"), ("初次接触", "取得销售机会")]
    assert changes[1].actor == world.p.alice and changes[1].days_in_from_stage == Decimal("3.0")
    times = opportunity_stage_times(opportunity=opp, changes=changes, now=aware(2026, 3, 7))
    assert [(t.name, t.days, t.entries, t.current) for t in times] == [
        ("取得销售机会", Decimal("5.0"), 2, True), ("初次接触", Decimal("1.0"), 1, False)]
    event = Event.objects.filter(verb="opportunity.stage_changed").first()
    assert event.customer_id == world.alice_customer.pk and event.data["to_stage_name"] in ("初次接触", "取得销售机会")


def test_forward_move_missing_requirements_lists_them_and_changes_nothing(world):
    opp = world.opp()
    with pytest.raises(ValidationFailed) as error:
        opportunity_move(actor=world.p.alice, opportunity=opp, stage=world.stage("需求收集"))
    assert error.value.code == "stage_requirements_missing"
    assert list(error.value.fields) == ["expected_close_date"]
    assert "需求收集" in str(error.value.fields["expected_close_date"][0])
    opp.refresh_from_db()
    assert opp.stage == world.stage("取得销售机会") and StageChange.objects.filter(opportunity=opp).count() == 1


def test_fill_in_place_supplies_what_is_missing(world):
    opp = world.opp()
    opportunity_move(actor=world.p.alice, opportunity=opp, stage=world.stage("需求收集"),
                     fill={"expected_close_date": dt.date(2026, 9, 30)})
    opp.refresh_from_db()
    assert opp.stage == world.stage("需求收集") and opp.expected_close_date == dt.date(2026, 9, 30)
    assert Event.objects.filter(verb="opportunity.updated", object_id=opp.pk).exists()
    contact = world.alice_customer.contacts.get()
    opportunity_move(actor=world.p.alice, opportunity=opp, stage=world.stage("客户考察"),
                     fill={"contacts": [{"contact": contact.pk, "role": "decision_maker"}]})
    assert opp.contact_links.get().role == "decision_maker"


def test_sample_stage_needs_an_attachment_uploaded_at_that_stage(world):
    contact = world.alice_customer.contacts.get()
    opp = world.opp(stage=world.stage("客户考察"), expected_close_date=dt.date(2026, 9, 30),
                    contacts=[{"contact": contact}])
    with pytest.raises(ValidationFailed) as error:
        opportunity_move(actor=world.p.alice, opportunity=opp, stage=world.stage("提供样品"))
    assert list(error.value.fields) == ["attachments"]
    opportunity_move(actor=world.p.alice, opportunity=opp, stage=world.stage("提供样品"), files=[photo()])
    attachment = OpportunityAttachment.objects.get(opportunity=opp)
    assert attachment.stage == world.stage("提供样品") and attachment.file.read().startswith(b"\xff\xd8")


def test_attachment_uploaded_ahead_counts(world):
    contact = world.alice_customer.contacts.get()
    opp = world.opp(stage=world.stage("客户考察"), expected_close_date=dt.date(2026, 9, 30),
                    contacts=[{"contact": contact}])
    opportunity_attachment_add(actor=world.p.alice, opportunity=opp, file=photo(), stage=world.stage("提供样品"))
    opportunity_move(actor=world.p.alice, opportunity=opp, stage=world.stage("提供样品"))
    assert Opportunity.objects.get(pk=opp.pk).stage == world.stage("提供样品")


def test_win_applies_the_guard_of_every_remaining_stage(world):
    opp = world.opp()
    with pytest.raises(ValidationFailed) as error:
        opportunity_win(actor=world.p.alice, opportunity=opp)
    assert {"amount", "expected_close_date", "contacts"} <= set(error.value.fields)
    contact = world.alice_customer.contacts.get()
    opportunity_update(actor=world.p.alice, opportunity=opp, data={
        "amount": Decimal("500000"), "expected_close_date": dt.date(2026, 9, 30),
        "contacts": [{"contact": contact.pk, "role": "decision_maker"}]})
    opportunity_win(actor=world.p.alice, opportunity=opp)
    opp.refresh_from_db()
    assert (opp.status, opp.stage.kind, opp.probability, opp.forecast_category) == ("won", "won", 100, "closed")
    assert opp.won_at and opp.closed_at
    assert Event.objects.get(verb="opportunity.won").customer_id == world.alice_customer.pk
    with pytest.raises(Conflict) as error:
        opportunity_win(actor=world.p.alice, opportunity=opp)
    assert error.value.code == "invalid_transition"
    with pytest.raises(Conflict):
        opportunity_move(actor=world.p.alice, opportunity=opp, stage=world.stage("报价"))


def test_lose_needs_a_reason_and_reopen_returns_to_the_last_stage(world):
    opp = world.opp()
    opportunity_move(actor=world.p.alice, opportunity=opp, stage=world.stage("初次接触"))
    with pytest.raises(ValidationFailed) as error:
        opportunity_lose(actor=world.p.alice, opportunity=opp, reason=None)
    assert "reason" in error.value.fields
    with pytest.raises(ValidationFailed) as error:
        opportunity_move(actor=world.p.alice, opportunity=opp, stage=world.stage("输单"))
    assert error.value.code == "stage_requirements_missing" and "lost_reason" in error.value.fields
    opportunity_lose(actor=world.p.alice, opportunity=opp, reason=world.reasons["价格过高"].pk, note="对手便宜 15%")
    opp.refresh_from_db()
    assert (opp.status, opp.probability, opp.forecast_category) == ("lost", 0, "omitted")
    assert opp.lost_reason == world.reasons["价格过高"] and opp.lost_note == "对手便宜 15%"
    assert Event.objects.get(verb="opportunity.lost").data["lost_reason_name"] == "价格过高"
    with pytest.raises(Conflict):
        opportunity_lose(actor=world.p.alice, opportunity=opp, reason=world.reasons["其他"])
    opportunity_reopen(actor=world.p.alice, opportunity=opp)
    opp.refresh_from_db()
    assert (opp.status, opp.stage.name, opp.probability, opp.lost_reason) == ("open", "初次接触", 10, None)
    assert opp.forecast_category == "pipeline" and opp.closed_at is None
    with pytest.raises(Conflict):
        opportunity_reopen(actor=world.p.alice, opportunity=opp)


def test_lost_column_move_with_a_reason(world):
    opp = world.opp()
    opportunity_move(actor=world.p.alice, opportunity=opp, stage=world.stage("输单"),
                     lost_reason=world.reasons["需求取消"].pk, lost_note="项目取消")
    opp.refresh_from_db()
    assert opp.status == "lost" and opp.lost_reason == world.reasons["需求取消"]


def test_inactive_lost_reason_and_foreign_stage_are_refused(world):
    opp = world.opp()
    reason = world.reasons["其他"]
    reason.is_active = False
    reason.save()
    with pytest.raises(ValidationFailed):
        opportunity_lose(actor=world.p.alice, opportunity=opp, reason=reason)
    with pytest.raises(ValidationFailed) as error:
        opportunity_move(actor=world.p.alice, opportunity=opp, stage=world.renewal.stages.first())
    assert "stage" in error.value.fields


def test_moves_need_edit_access(world):
    bob_opp = world.opp(actor=world.p.bob, customer=world.bob_customer)
    with pytest.raises(NotFound):
        opportunity_move(actor=world.p.alice, opportunity=bob_opp, stage=world.stage("初次接触"))
    with pytest.raises(PermissionDenied):
        opportunity_move(actor=world.p.finance, opportunity=bob_opp, stage=world.stage("初次接触"))
    opportunity_move(actor=world.p.manager, opportunity=bob_opp, stage=world.stage("初次接触"))
    assert StageChange.objects.filter(opportunity=bob_opp).last().actor == world.p.manager


def test_stale_version_on_move(world):
    opp = world.opp()
    with pytest.raises(Conflict) as error:
        opportunity_move(actor=world.p.alice, opportunity=opp, stage=world.stage("初次接触"), expected_version=99)
    assert error.value.code == "stale_version"


def test_a_won_deal_makes_its_customer_a_deal_customer_once(world):
    contact = world.alice_customer.contacts.get()
    ready = {"amount": Decimal("500000"), "expected_close_date": dt.date(2026, 9, 30),
             "contacts": [{"contact": contact.pk, "role": "decision_maker"}]}
    first, second = world.opp(), world.opp(name="第二单")
    for opp in (first, second):
        opportunity_update(actor=world.p.alice, opportunity=opp, data=ready)
    assert world.alice_customer.status == "potential"
    version = world.alice_customer.version
    opportunity_lose(actor=world.p.alice, opportunity=second, reason=world.reasons["价格过高"])
    world.alice_customer.refresh_from_db()
    assert world.alice_customer.status == "potential"

    opportunity_win(actor=world.p.alice, opportunity=first)
    world.alice_customer.refresh_from_db()
    assert (world.alice_customer.status, world.alice_customer.version) == ("deal", version + 1)
    event = Event.objects.get(verb="customer.became_deal")
    assert (event.customer_id, event.changes) == (world.alice_customer.pk, {"status": ["potential", "deal"]})

    opportunity_reopen(actor=world.p.alice, opportunity=second)
    opportunity_win(actor=world.p.alice, opportunity=second)
    assert Event.objects.filter(verb="customer.became_deal").count() == 1
