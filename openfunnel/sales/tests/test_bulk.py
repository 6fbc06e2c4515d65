"""The bulk rows of sales.services.bulk are the rows the services and the hourly jobs write for the same story.

Each story is told twice: through the services (with the jobs run at their hourly ticks and a clock standing
at the moment of each step), and as an OpportunityPlan through OpportunityRows and a RowWriter. Every row
of the two runs must agree, ids aside.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any
from unittest import mock

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from openfunnel.audit.models import Event
from openfunnel.automation.models import Notification
from openfunnel.core.bulk import RowWriter
from openfunnel.core.jobs import run_due_jobs
from openfunnel.customers.models import Customer
from openfunnel.sales.models import Opportunity, OpportunityAttachment, OpportunityContact, OpportunityLine, StageChange
from openfunnel.sales.services import (
    opportunity_create,
    opportunity_lose,
    opportunity_move,
    opportunity_update,
    opportunity_win,
)
from openfunnel.sales.services.bulk import (
    JOB_MINUTE,
    LinePlan,
    Move,
    OpportunityBatch,
    OpportunityPlan,
    OpportunityRows,
    SampleFile,
    lost_reason_plans,
    pipeline_plans,
)

from .conftest import aware

DAY = dt.timedelta(days=1)
T0 = aware(2026, 3, 2, 10)
NOW = T0 + 40 * DAY + dt.timedelta(hours=5)
SALES_JOBS = ["opportunity_close_reminders", "opportunity_overdue", "opportunity_stage_sla"]
# Every step of the stories happens at 10:00, so the hourly jobs first find something to do at 00:07 (dates)
# or 10:07 (time in stage); running them at those ticks only keeps the test quick.
JOB_HOURS = {0, 10}


class Clock:
    """timezone.now() (and the events' default time) stands where the story is."""

    def __init__(self) -> None:
        self.moment = T0

    def __call__(self) -> dt.datetime:
        return self.moment


@contextmanager
def clock() -> Iterator[Clock]:
    current = Clock()
    with mock.patch("django.utils.timezone.now", current), \
            mock.patch.object(Event._meta.get_field("at"), "_get_default", current):
        yield current


def story_through_services(world: Any) -> list[Any]:
    """Three opportunities told through the services, the sales jobs running meanwhile."""
    p, s = world.p, world.stages
    contact = world.alice_customer.contacts.get()
    steps: list[tuple[dt.datetime, Any]] = []
    made: dict[str, Any] = {}

    def at(moment: dt.datetime, action: Any) -> None:
        steps.append((moment, action))

    at(T0, lambda when: made.__setitem__("lost", opportunity_create(
        actor=p.alice, customer=world.alice_customer, name="两台注塑机", pipeline=world.pipeline,
        lines=[{"product": world.product, "quantity": 2, "discount_percent": 5}],
        expected_close_date=(T0 + 20 * DAY).date(), contacts=[{"contact": contact, "role": "decision_maker"}],
        source="trade_show", next_step="寄样", at=when)))
    at(T0 + 9 * DAY, lambda when: opportunity_move(actor=p.alice, opportunity=made["lost"], stage=s["初次接触"], at=when))
    at(T0 + 12 * DAY, lambda when: opportunity_move(
        actor=p.alice, opportunity=made["lost"], stage=s["提供样品"], at=when,
        files=[SimpleUploadedFile("样品照片.png", b"\x89PNG sample", content_type="image/png")]))
    at(T0 + 23 * DAY, lambda when: opportunity_update(actor=p.alice, opportunity=made["lost"],
                                                       data={"expected_close_date": (T0 + 50 * DAY).date()}))
    at(T0 + 30 * DAY, lambda when: opportunity_lose(actor=p.alice, opportunity=made["lost"],
                                                    reason=world.reasons["价格过高"], note="客户选了本地供应商", at=when))

    at(T0 + DAY, lambda when: made.__setitem__("won", opportunity_create(
        actor=p.alice, customer=world.alice_customer, name="年度配件复购", pipeline=world.renewal,
        amount=Decimal("86000"), expected_close_date=(T0 + 15 * DAY).date(), at=when)))
    at(T0 + 4 * DAY, lambda when: opportunity_move(actor=p.alice, opportunity=made["won"],
                                                   stage=world.renewal.stages.get(name="方案报价"), at=when))
    at(T0 + 11 * DAY, lambda when: opportunity_win(actor=p.alice, opportunity=made["won"], at=when))

    at(T0 + 2 * DAY, lambda when: made.__setitem__("open", opportunity_create(
        actor=p.bob, customer=world.bob_customer, name="检测设备", pipeline=world.pipeline, amount=Decimal("150000"),
        expected_close_date=(T0 + 25 * DAY).date(), at=when)))
    at(T0 + 5 * DAY, lambda when: opportunity_move(actor=p.bob, opportunity=made["open"], stage=s["初次接触"], at=when))

    with clock() as now:
        tick = T0.replace(minute=JOB_MINUTE, second=0) + dt.timedelta(hours=1)
        pending = sorted(steps, key=lambda step: step[0])
        while tick < NOW:
            while pending and pending[0][0] <= tick:
                when, action = pending.pop(0)
                now.moment = when
                action(when)
            if timezone.localtime(tick).hour in JOB_HOURS:
                now.moment = tick
                for name in SALES_JOBS:
                    run_due_jobs(now=tick, only=name)
            tick += dt.timedelta(hours=1)
    return [made["lost"].pk, made["won"].pk, made["open"].pk]


def story_as_plans(world: Any) -> list[Any]:
    p, contact = world.p, world.alice_customer.contacts.get()
    pipelines = {plan.name: plan for plan in pipeline_plans()}
    standard, renewal = pipelines["标准销售流程"], pipelines["续约/复购流程"]
    stage = {s.name: s for s in standard.open}
    reason = next(r for r in lost_reason_plans() if r.name == "价格过高")
    writer = RowWriter()
    ids = {kind: writer.next_id(model) for kind, model in (("opportunity", Opportunity),
                                                           ("attachment", OpportunityAttachment))}

    def take_id(kind: str) -> int:
        ids[kind] += 1
        return ids[kind] - 1

    managers = {p.alice.pk: p.manager.pk, p.bob.pk: p.manager.pk}
    rows = OpportunityRows(now=NOW, take_id=take_id, jobs=True, managers=managers,
                           sample=SampleFile("opportunities/demo/sample.png", "样品照片.png", 11, "image/png"))
    plans = [
        OpportunityPlan(
            id=take_id("opportunity"), name="两台注塑机", customer_id=world.alice_customer.pk, owner_id=p.alice.pk,
            pipeline=standard, created_at=T0, contacts=[(contact.pk, "decision_maker")],
            lines=[LinePlan(world.product.pk, str(world.product), Decimal("2.00"), world.product.price,
                            Decimal("5.00"))],
            expected_close_date=(T0 + 20 * DAY).date(), source="trade_show", next_step="寄样",
            moves=[Move(T0 + 9 * DAY, stage["初次接触"]), Move(T0 + 12 * DAY, stage["提供样品"]),
                   Move(T0 + 30 * DAY, standard.lost, reason, "客户选了本地供应商")],
            pushes=[(T0 + 23 * DAY, (T0 + 50 * DAY).date())]),
        OpportunityPlan(
            id=take_id("opportunity"), name="年度配件复购", customer_id=world.alice_customer.pk, owner_id=p.alice.pk,
            pipeline=renewal, created_at=T0 + DAY, contacts=[], amount=Decimal("86000.00"),
            expected_close_date=(T0 + 15 * DAY).date(),
            moves=[Move(T0 + 4 * DAY, renewal.open[1]), Move(T0 + 11 * DAY, renewal.won)]),
        OpportunityPlan(
            id=take_id("opportunity"), name="检测设备", customer_id=world.bob_customer.pk, owner_id=p.bob.pk,
            pipeline=standard, created_at=T0 + 2 * DAY, contacts=[], amount=Decimal("150000.00"),
            expected_close_date=(T0 + 25 * DAY).date(), moves=[Move(T0 + 5 * DAY, stage["初次接触"])]),
    ]
    batch = OpportunityBatch()
    for plan in plans:
        rows.add(plan, batch)
    customers = {c.pk: (c.name, c.status) for c in (world.alice_customer, world.bob_customer)}
    for customer_id, when in rows.customers_won(batch, customers).items():   # what the caller does with them
        Customer.objects.filter(pk=customer_id).update(status="deal", version=F("version") + 1, updated_at=when)
    batch.write(writer)
    return [plan.id for plan in plans]


def written(ids: list[int]) -> dict[str, Any]:
    """Every row the story left, with ids replaced by the story's own names."""
    label = {pk: name for pk, name in zip(ids, ["lost", "won", "open"], strict=True)}
    attachments = {a.pk: f"file{n}" for n, a in enumerate(OpportunityAttachment.objects.filter(
        opportunity_id__in=ids).order_by("id"))}

    def data(values: dict[str, Any]) -> dict[str, Any]:
        return {k: attachments.get(v, v) if k == "attachment_id" else v for k, v in values.items()}

    opportunity_fields = [f.attname for f in Opportunity._meta.concrete_fields if f.attname not in ("id",)]
    return {
        "opportunities": {label[o.pk]: {f: getattr(o, f) for f in opportunity_fields}
                          for o in Opportunity.objects.filter(pk__in=ids)},
        "contacts": sorted((label[c.opportunity_id], c.contact_id, c.role)
                           for c in OpportunityContact.objects.filter(opportunity_id__in=ids)),
        "lines": sorted((label[line.opportunity_id], line.product_id, line.quantity, line.unit_price,
                         line.discount_percent, line.amount, line.order)
                        for line in OpportunityLine.objects.filter(opportunity_id__in=ids)),
        "attachments": [(label[a.opportunity_id], a.stage_id, a.stage_name, a.name, a.content_type, a.uploaded_by_id,
                         a.uploaded_at) for a in OpportunityAttachment.objects.filter(opportunity_id__in=ids)],
        "stage_changes": [(label[c.opportunity_id], c.from_stage_id, c.to_stage_id, c.from_stage_name,
                           c.to_stage_name, c.actor_id, c.at, c.seconds_in_from_stage)
                          for c in StageChange.objects.filter(opportunity_id__in=ids).order_by("at", "id")],
        "events": [(e.at, e.actor_id, e.verb, label[e.object_id], e.object_repr, e.customer_id, e.lead_id, e.changes,
                    data(e.data)) for e in Event.objects.filter(object_type="opportunity", object_id__in=ids)
                   .order_by("at", "id")],
        "customer_events": [(e.at, e.actor_id, e.verb, e.object_id, e.object_repr, e.changes, e.data)
                            for e in Event.objects.filter(verb="customer.became_deal").order_by("at", "id")],
        "customers": sorted(Customer.objects.values_list("pk", "status", "version", "updated_at")),
        "notifications": sorted((n.created_at, n.recipient_id, n.kind, n.message, label[n.object_id],
                                 n.url.replace(str(n.object_id), label[n.object_id]), n.actor_id, n.read_at)
                                for n in Notification.objects.filter(object_type="opportunity", object_id__in=ids)),
    }


def test_bulk_rows_are_the_rows_of_the_services_and_jobs(world: Any) -> None:
    with transaction.atomic():
        by_services = written(story_through_services(world))
        transaction.set_rollback(True)
    by_plans = written(story_as_plans(world))
    for table, rows in by_services.items():
        assert by_plans[table] == rows, table
    # the story has what it is meant to show
    lost, won, still_open = (by_plans["opportunities"][k] for k in ("lost", "won", "open"))
    assert lost["amount"] == Decimal("532000.00") and lost["amount_from_lines"] and lost["close_date_push_count"] == 1
    assert lost["status"] == "lost" and not lost["is_overdue"] and lost["version"] == 5
    assert won["status"] == "won" and won["won_at"] == T0 + 11 * DAY
    assert still_open["is_overdue"] and still_open["sla_warned_at"] is not None
    assert len(by_plans["customer_events"]) == 1   # alice's customer became a deal customer with the first win
    verbs = {event[2] for event in by_plans["events"]}
    assert {"opportunity.close_reminder_sent", "opportunity.overdue", "opportunity.stage_sla_exceeded",
            "opportunity.close_date_pushed", "opportunity.attachment_added"} <= verbs
