"""Opportunities in bulk: the rows the opportunity services and the sales jobs leave behind, for the
generators (demo company, benchmark) that write thousands of opportunities through core.bulk.RowWriter
instead of calling the services one by one.

The caller decides an opportunity's story (`OpportunityPlan`: its fields and product lines, each move with
its time, the close-date push-backs, how it ends); `OpportunityRows.add` turns it into the rows the
services would have written at those moments:

- opportunity_create: the opportunity, its involved contacts and product lines (the amount following
  them), the first StageChange, "opportunity.created";
- opportunity_move / opportunity_win / opportunity_lose (enter_stage): a StageChange with the time spent
  in the stage left, probability, status, forecast category, won/closed times, lost reason and note,
  "opportunity.stage_changed" / "won" / "lost"; the files a stage asks for are uploaded with the move
  (attachments_store, "opportunity.attachment_added");
- opportunity_update of the expected close date (apply_changes): "opportunity.updated", and
  "opportunity.close_date_pushed" with the push count when the date moves later; the overdue flag clears;
- with `jobs`, what the hourly sales jobs did meanwhile (sales.services.discipline): the overdue flag,
  close-date reminders and stage-time warnings, with their events and notifications;
- the first win of a customer that was not a deal customer yet makes it one (customer_mark_deal):
  `customers_won` writes those events once every story is told, and says which customers changed.

Every save of the opportunity moves `version` on and stamps `updated_at`; the jobs' conditional updates do
neither. sales/tests/test_bulk.py checks the rows against what the services write for the same story.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections import namedtuple
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.urls import reverse
from django.utils import timezone
from django.utils.translation import override

from openfunnel.audit.services import EventRow
from openfunnel.automation.services import NotificationRow
from openfunnel.sales.services.discipline import close_reminder_message, overdue_message, stage_sla_message

OpportunityRow = namedtuple(
    "OpportunityRow", "id name customer_id owner_id pipeline_id stage_id amount amount_from_lines expected_close_date "
    "probability forecast_category source campaign_id lead_id status lost_reason_id lost_note won_at closed_at "
    "stage_entered_at close_date_push_count next_step competitor description is_overdue close_reminder_sent_for "
    "sla_warned_at created_by_id created_at updated_at version")
OpportunityContactRow = namedtuple("OpportunityContactRow", "opportunity_id contact_id role")
OpportunityLineRow = namedtuple(
    "OpportunityLineRow", "opportunity_id product_id quantity unit_price discount_percent amount order")
AttachmentRow = namedtuple(
    "AttachmentRow", "id opportunity_id stage_id stage_name file name size content_type uploaded_by_id uploaded_at")
StageChangeRow = namedtuple(
    "StageChangeRow", "opportunity_id from_stage_id to_stage_id from_stage_name to_stage_name actor_id at "
    "seconds_in_from_stage")

# The periodic jobs run hourly; a generated job action happens at this minute past the hour.
JOB_MINUTE = 7


def encode(value: Any) -> str:
    return json.dumps(value)


def job_time(moment: dt.datetime, now: dt.datetime) -> dt.datetime:
    """When an hourly job acts on what became true at `moment`: its first run at or after it. The generators
    take the jobs to have run at `now` too, so that nothing is left for them when the data is loaded."""
    offset = JOB_MINUTE * 60
    tick = dt.datetime.fromtimestamp(math.ceil((moment.timestamp() - offset) / 3600) * 3600 + offset,
                                     timezone.get_current_timezone())
    return min(tick, now) if moment <= now else tick


@dataclass
class StagePlan:
    id: int
    name: str
    order: int
    probability: int
    kind: str
    required_attachments: int = 0
    required_fields: tuple[str, ...] = ()
    max_days: int | None = None
    name_json: str = field(init=False, default="")

    def __post_init__(self) -> None:
        self.name_json = encode(self.name)


@dataclass
class PipelinePlan:
    id: int
    name: str
    open: list[StagePlan]
    won: StagePlan
    lost: StagePlan
    required: set[str]
    close_reminder_days: int = 0


@dataclass(frozen=True)
class LostReasonPlan:
    id: int
    name: str


def pipeline_plans() -> list[PipelinePlan]:
    """The active pipelines an opportunity can run through: two open stages at least, a won and a lost one."""
    from openfunnel.sales.models import Pipeline

    plans = []
    for pipeline in Pipeline.objects.filter(is_active=True).order_by("order", "id").prefetch_related("stages"):
        stages = sorted((s for s in pipeline.stages.all() if s.is_active), key=lambda s: (s.order, s.pk))
        steps = [StagePlan(s.pk, s.name, s.order, s.probability, s.kind, s.required_attachments,
                           tuple(s.required_fields or ()), s.max_days) for s in stages]
        open_stages = [s for s in steps if s.kind == "open"]
        won = next((s for s in steps if s.kind == "won"), None)
        lost = next((s for s in steps if s.kind == "lost"), None)
        if len(open_stages) < 2 or won is None or lost is None:
            continue
        required = {name for s in steps for name in s.required_fields}
        plans.append(PipelinePlan(pipeline.pk, pipeline.name, open_stages, won, lost, required,
                                  pipeline.close_reminder_days))
    return plans


def lost_reason_plans() -> list[LostReasonPlan]:
    from openfunnel.sales.models import LostReason

    return [LostReasonPlan(pk, name) for pk, name in
            LostReason.objects.filter(is_active=True).order_by("order", "id").values_list("id", "name")]


@dataclass(frozen=True)
class LinePlan:
    product_id: int
    label: str                      # str(product), as the created event names it
    quantity: Decimal
    unit_price: Decimal
    discount_percent: Decimal = Decimal("0.00")

    @property
    def amount(self) -> Decimal:    # clean_lines' arithmetic
        return (self.quantity * self.unit_price * (Decimal(100) - self.discount_percent) / Decimal(100)).quantize(
            Decimal("0.01"), rounding=ROUND_HALF_UP)


@dataclass(frozen=True)
class Move:
    at: dt.datetime
    stage: StagePlan
    lost_reason: LostReasonPlan | None = None
    lost_note: str = ""


@dataclass
class OpportunityPlan:
    """One opportunity's story. The owner creates it and makes every move and push; moves are in time order,
    a move into the won or lost stage ends it, and pushes (time, new close date) happen while it is open."""

    id: int
    name: str
    customer_id: int
    owner_id: int
    pipeline: PipelinePlan
    created_at: dt.datetime
    contacts: list[tuple[int, str]]
    amount: Decimal | None = None   # None with lines: the amount follows them
    lines: list[LinePlan] = field(default_factory=list)
    expected_close_date: dt.date | None = None
    source: str = ""
    campaign_id: int | None = None
    lead_id: int | None = None
    next_step: str = ""
    competitor: str = ""
    description: str = ""
    moves: list[Move] = field(default_factory=list)
    pushes: list[tuple[dt.datetime, dt.date]] = field(default_factory=list)


@dataclass(frozen=True)
class SampleFile:
    """The stored file the generated stage attachments point at."""

    path: str
    name: str
    size: int
    content_type: str


@dataclass
class OpportunityBatch:
    """The rows of some opportunities, written table by table (parents before children)."""

    opportunities: list[Any] = field(default_factory=list)
    opportunity_contacts: list[Any] = field(default_factory=list)
    opportunity_lines: list[Any] = field(default_factory=list)
    attachments: list[Any] = field(default_factory=list)
    stage_changes: list[Any] = field(default_factory=list)
    events: list[Any] = field(default_factory=list)
    notifications: list[Any] = field(default_factory=list)

    def write(self, writer: Any) -> None:
        from openfunnel.audit.models import Event
        from openfunnel.automation.models import Notification

        for model, row_type, rows in [*sales_tables(self), (Event, EventRow, self.events),
                                      (Notification, NotificationRow, self.notifications)]:
            if rows:
                writer.write(model, row_type._fields, rows)


def sales_tables(batch: Any) -> list[tuple[Any, Any, list[Any]]]:
    """(model, row type, rows) of the sales tables of `batch`, parents first."""
    from openfunnel.sales.models import (
        Opportunity,
        OpportunityAttachment,
        OpportunityContact,
        OpportunityLine,
        StageChange,
    )

    return [(Opportunity, OpportunityRow, batch.opportunities),
            (OpportunityContact, OpportunityContactRow, batch.opportunity_contacts),
            (OpportunityLine, OpportunityLineRow, batch.opportunity_lines),
            (OpportunityAttachment, AttachmentRow, batch.attachments),
            (StageChange, StageChangeRow, batch.stage_changes)]


def _money(value: Decimal) -> str:
    return f"{value:.2f}"


def _json(value: object) -> str:
    return f'"{value}"' if isinstance(value, str) else str(value)


@dataclass
class _State:
    """The opportunity's columns while its story is told."""

    stage: StagePlan
    entered: dt.datetime
    close: dt.date | None
    status: str = "open"
    probability: int = 0
    forecast: str = "pipeline"
    won_at: dt.datetime | None = None
    closed_at: dt.datetime | None = None
    lost_reason: LostReasonPlan | None = None
    lost_note: str = ""
    pushes: int = 0
    overdue: bool = False
    reminded_for: dt.date | None = None
    sla_warned_at: dt.datetime | None = None
    version: int = 1
    updated: dt.datetime | None = None
    url: str = ""


class OpportunityRows:
    """Turns opportunity stories into rows (one instance per generator run).

    `take_id(kind)` numbers attachments ("attachment"); `jobs` adds what the sales jobs did (then
    `managers` maps owners to their managers and `read_at` says when a notification was read, if it was).
    Without `jobs`, the overdue flag is still set as the job leaves it, without its event.
    """

    def __init__(self, *, now: dt.datetime, take_id: Callable[[str], int], sample: SampleFile | None = None,
                 jobs: bool = False, managers: dict[int, int | None] | None = None,
                 read_at: Callable[[dt.datetime], dt.datetime | None] = lambda sent: None) -> None:
        self.now = now
        self.zone = timezone.get_current_timezone()
        self.today = now.astimezone(self.zone).date()
        self.take_id = take_id
        self.sample = sample
        self.jobs = jobs
        self.managers = managers or {}
        self.read_at = read_at
        self.first_wins: dict[int, tuple[dt.datetime, int]] = {}   # customer -> (first win, who won it)

    # --- time of the jobs -----------------------------------------------------------------------------------
    def _tick(self, moment: dt.datetime, end: dt.datetime) -> dt.datetime | None:
        """When a job acted on what became true at `moment`, if before `end` (the next action, or now)."""
        tick = job_time(moment, self.now)
        if tick < end or (end == self.now and tick == self.now and moment <= self.now):
            return tick
        return None

    def _midnight(self, day: dt.date) -> dt.datetime:
        return dt.datetime.combine(day, dt.time.min, tzinfo=self.zone)

    def _day(self, moment: dt.datetime) -> dt.date:
        return moment.astimezone(self.zone).date()

    # --- the story -------------------------------------------------------------------------------------------
    def add(self, plan: OpportunityPlan, batch: Any) -> Any:
        """Appends the rows of `plan` to `batch` (lists named like OpportunityBatch's); returns the opportunity row."""
        pipeline, first, created = plan.pipeline, plan.pipeline.open[0], plan.created_at
        from_lines = bool(plan.lines) and plan.amount is None
        amount = sum((line.amount for line in plan.lines), Decimal("0.00")) if from_lines else (
            plan.amount or Decimal("0.00"))
        state = _State(stage=first, entered=created, close=plan.expected_close_date, probability=first.probability,
                       updated=created, url=reverse("sales:detail", args=[plan.id]))
        for contact_id, role in plan.contacts:
            batch.opportunity_contacts.append(OpportunityContactRow(plan.id, contact_id, role))
        lines = []
        for order, line in enumerate(plan.lines):
            batch.opportunity_lines.append(OpportunityLineRow(
                plan.id, line.product_id, line.quantity, line.unit_price, line.discount_percent, line.amount, order))
            lines.append({"product": line.product_id, "name": line.label, "quantity": _money(line.quantity),
                          "unit_price": _money(line.unit_price), "discount_percent": _money(line.discount_percent),
                          "amount": _money(line.amount)})
        batch.stage_changes.append(StageChangeRow(
            opportunity_id=plan.id, from_stage_id=None, to_stage_id=first.id, from_stage_name="",
            to_stage_name=first.name, actor_id=plan.owner_id, at=created, seconds_in_from_stage=None))
        self._event(batch, plan, created, plan.owner_id, "opportunity.created", "{}", encode({
            "name": plan.name, "customer": plan.customer_id, "owner": plan.owner_id, "pipeline": pipeline.id,
            "stage": first.id, "amount": _money(amount), "amount_from_lines": from_lines,
            "expected_close_date": plan.expected_close_date.isoformat() if plan.expected_close_date else None,
            "probability": first.probability, "forecast_category": "pipeline", "source": plan.source,
            "campaign": plan.campaign_id, "lead": plan.lead_id, "difficulty": "1.00", "next_step": plan.next_step,
            "competitor": plan.competitor, "description": plan.description, "status": "open",
            "stage_name": first.name, "contacts": [{"contact": c, "role": r} for c, r in plan.contacts],
            "lines": lines}), lead_id=plan.lead_id)

        actions: list[tuple[dt.datetime, int, Any]] = [(m.at, 1, m) for m in plan.moves]
        actions += [(when, 0, day) for when, day in plan.pushes]
        actions.sort(key=lambda a: (a[0], a[1]))
        attached: dict[int, int] = {}
        moment = created
        for when, kind, action in actions:
            if state.status != "open":
                raise ValueError(f"opportunity {plan.id}: nothing happens to a closed opportunity")
            self._jobs_until(plan, batch, state, moment, when)
            if kind == 0:
                self._push(plan, batch, state, when, action)
            else:
                self._move(plan, batch, state, action, attached)
            moment = when
        if state.status == "open":
            self._jobs_until(plan, batch, state, moment, self.now)
            if not self.jobs:
                state.overdue = state.close is not None and state.close < self.today

        row = OpportunityRow(
            id=plan.id, name=plan.name, customer_id=plan.customer_id, owner_id=plan.owner_id, pipeline_id=pipeline.id,
            stage_id=state.stage.id, amount=amount, amount_from_lines=from_lines, expected_close_date=state.close,
            probability=state.probability, forecast_category=state.forecast, source=plan.source,
            campaign_id=plan.campaign_id, lead_id=plan.lead_id, status=state.status,
            lost_reason_id=state.lost_reason.id if state.lost_reason else None, lost_note=state.lost_note,
            won_at=state.won_at, closed_at=state.closed_at, stage_entered_at=state.entered,
            close_date_push_count=state.pushes, next_step=plan.next_step, competitor=plan.competitor,
            description=plan.description, is_overdue=state.overdue, close_reminder_sent_for=state.reminded_for,
            sla_warned_at=state.sla_warned_at, created_by_id=plan.owner_id, created_at=created,
            updated_at=state.updated, version=state.version)
        batch.opportunities.append(row)
        return row

    def _event(self, batch: Any, plan: OpportunityPlan, at: dt.datetime, actor_id: int | None, verb: str,
               changes: str, data: str, lead_id: int | None = None) -> None:
        batch.events.append(EventRow(at=at, actor_id=actor_id, verb=verb, object_type="opportunity",
                                     object_id=plan.id, object_repr=plan.name[:200], customer_id=plan.customer_id,
                                     changes=changes, data=data, lead_id=lead_id))

    def _push(self, plan: OpportunityPlan, batch: Any, state: _State, when: dt.datetime, day: dt.date) -> None:
        """opportunity_update(expected_close_date=day) by the owner (apply_changes)."""
        old = state.close
        if old == day:
            return
        state.version += 1
        state.updated = when
        self._event(batch, plan, when, plan.owner_id, "opportunity.updated",
                    encode({"expected_close_date": [old.isoformat() if old else None, day.isoformat()]}), "{}")
        if old is not None and day > old:
            state.pushes += 1
            self._event(batch, plan, when, plan.owner_id, "opportunity.close_date_pushed", "{}", encode(
                {"from": old.isoformat(), "to": day.isoformat(), "count": state.pushes}))
        if state.overdue and day >= self._day(when):
            state.overdue = False
        state.close = day

    def _move(self, plan: OpportunityPlan, batch: Any, state: _State, move: Move, attached: dict[int, int]) -> None:
        """opportunity_move / win / lose by the owner: the stage's files, then enter_stage."""
        target, when, current = move.stage, move.at, state.stage
        if target.required_attachments and target.kind != "lost" and self.sample is not None:
            for _missing in range(target.required_attachments - attached.get(target.id, 0)):
                attachment_id = self.take_id("attachment")
                sample = self.sample
                batch.attachments.append(AttachmentRow(
                    id=attachment_id, opportunity_id=plan.id, stage_id=target.id, stage_name=target.name,
                    file=sample.path, name=sample.name, size=sample.size, content_type=sample.content_type,
                    uploaded_by_id=plan.owner_id, uploaded_at=when))
                self._event(batch, plan, when, plan.owner_id, "opportunity.attachment_added", "{}", encode({
                    "attachment_id": attachment_id, "name": sample.name, "size": sample.size, "stage": target.id,
                    "stage_name": target.name}))
                attached[target.id] = attached.get(target.id, 0) + 1
        seconds = int(max((when - state.entered).total_seconds(), 0))   # enter_stage's arithmetic
        before = (state.status, state.probability, state.forecast)
        state.probability = target.probability
        # enter_stage's event, from pre-encoded pieces: the benchmark writes millions of these
        data = (f'{{"from_stage": {current.id}, "to_stage": {target.id}, "from_stage_name": {current.name_json}, '
                f'"to_stage_name": {target.name_json}, "days_in_from_stage": {round(seconds / 86400, 1)}, '
                f'"pipeline": {plan.pipeline.id}')
        if target.kind == "won":
            state.status, state.forecast, state.won_at, state.closed_at, verb = "won", "closed", when, when, \
                "opportunity.won"
            state.overdue = False
            if plan.customer_id not in self.first_wins or when < self.first_wins[plan.customer_id][0]:
                self.first_wins[plan.customer_id] = (when, plan.owner_id)
        elif target.kind == "lost":
            reason = move.lost_reason
            if reason is None:
                raise ValueError(f"opportunity {plan.id}: a lost move needs a reason")
            state.status, state.forecast, state.closed_at, verb = "lost", "omitted", when, "opportunity.lost"
            state.lost_reason, state.lost_note, state.overdue = reason, move.lost_note, False
            data += (f', "lost_reason": {reason.id}, "lost_reason_name": {encode(reason.name)}, '
                     f'"lost_note": {encode(move.lost_note)}')
        else:
            verb = "opportunity.stage_changed"
        data += "}"
        changes = [f'"{key}": [{_json(old)}, {_json(new)}]' for key, old, new in
                   zip(("status", "probability", "forecast_category"), before,
                       (state.status, state.probability, state.forecast), strict=True) if old != new]
        changes.append(f'"stage": [{current.name_json}, {target.name_json}]')
        batch.stage_changes.append(StageChangeRow(
            opportunity_id=plan.id, from_stage_id=current.id, to_stage_id=target.id, from_stage_name=current.name,
            to_stage_name=target.name, actor_id=plan.owner_id, at=when, seconds_in_from_stage=seconds))
        self._event(batch, plan, when, plan.owner_id, verb, "{" + ", ".join(changes) + "}", data)
        state.stage, state.entered, state.sla_warned_at = target, when, None
        state.version += 1
        state.updated = when

    def customers_won(self, batch: Any, customers: dict[int, tuple[str, str]]) -> dict[int, dt.datetime]:
        """customer_mark_deal for every customer with a won story: `customers` maps ids to (name, status before
        the first win). Appends the events of the customers that became deal customers and returns them with the
        moment (the caller sets their status to deal, moves their version on and stamps updated_at)."""
        became = {}
        for customer_id, (when, actor_id) in sorted(self.first_wins.items(), key=lambda item: item[1][0]):
            name, status = customers[customer_id]
            if status == "deal":
                continue
            batch.events.append(EventRow(
                at=when, actor_id=actor_id, verb="customer.became_deal", object_type="customer", object_id=customer_id,
                object_repr=name[:200], customer_id=customer_id, changes=encode({"status": [status, "deal"]}),
                data="{}"))
            became[customer_id] = when
        return became

    # --- the hourly jobs between two actions -------------------------------------------------------------------
    def _jobs_until(self, plan: OpportunityPlan, batch: Any, state: _State, start: dt.datetime,
                    end: dt.datetime) -> None:
        """What close_reminders, overdue_flags and stage_sla_warnings did to the open opportunity in [start, end)."""
        if not self.jobs or state.status != "open":
            return
        found: list[tuple[dt.datetime, int]] = []
        close, days_before = state.close, plan.pipeline.close_reminder_days
        if close is not None and days_before > 0 and state.reminded_for != close:
            tick = self._tick(max(start, self._midnight(close - dt.timedelta(days=days_before))), end)
            if tick is not None and self._day(tick) <= close:
                found.append((tick, 0))
        if close is not None and not state.overdue:
            tick = self._tick(max(start, self._midnight(close + dt.timedelta(days=1))), end)
            if tick is not None:
                found.append((tick, 1))
        max_days = state.stage.max_days
        if max_days is not None and state.sla_warned_at is None:
            tick = self._tick(max(start, state.entered + dt.timedelta(days=max_days)), end)
            if tick is not None:
                found.append((tick, 2))
        for tick, job in sorted(found):
            if job == 0:
                days = (close - self._day(tick)).days
                state.reminded_for = close
                self._event(batch, plan, tick, None, "opportunity.close_reminder_sent", "{}", encode(
                    {"expected_close_date": close.isoformat(), "days_left": days}))
                with override("zh-hans"):
                    message = close_reminder_message(name=plan.name, days=days, date=close)
                self._notify(plan, batch, state, tick, message, manager_too=True)
            elif job == 1:
                state.overdue = True
                self._event(batch, plan, tick, None, "opportunity.overdue", "{}",
                            encode({"expected_close_date": close.isoformat()}))
                with override("zh-hans"):
                    message = overdue_message(name=plan.name, date=close)
                self._notify(plan, batch, state, tick, message, manager_too=False)
            else:
                days = (tick - state.entered).days
                state.sla_warned_at = tick
                self._event(batch, plan, tick, None, "opportunity.stage_sla_exceeded", "{}", encode({
                    "stage": state.stage.id, "stage_name": state.stage.name, "days_in_stage": days,
                    "max_days": max_days}))
                with override("zh-hans"):
                    message = stage_sla_message(name=plan.name, stage=state.stage.name, days=days, max_days=max_days)
                self._notify(plan, batch, state, tick, message, manager_too=True)

    def _notify(self, plan: OpportunityPlan, batch: Any, state: _State, at: dt.datetime, message: str, *,
                manager_too: bool) -> None:
        recipients = [plan.owner_id]
        manager = self.managers.get(plan.owner_id)
        if manager_too and manager is not None and manager != plan.owner_id:
            recipients.append(manager)
        for recipient in recipients:
            batch.notifications.append(NotificationRow(
                recipient_id=recipient, kind="reminder", message=message[:500], object_type="opportunity",
                object_id=plan.id, url=state.url, actor_id=None, read_at=self.read_at(at), created_at=at))

