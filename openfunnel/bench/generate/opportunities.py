"""One opportunity and its path through the pipeline: what opportunity_create, opportunity_move
(enter_stage), the stage attachments and win/lose leave behind."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING

from openfunnel.bench.generate.customers import CustomerRef
from openfunnel.bench.generate.rows import (
    AttachmentRow,
    Batch,
    EventRow,
    OpportunityContactRow,
    OpportunityRow,
    StageChangeRow,
)
from openfunnel.bench.generate.values import (
    COMPETITORS,
    DAY,
    NEXT_STEPS,
    PRODUCTS,
    SAMPLE_FILE,
    SOURCES,
    StagePlan,
    encode,
)

if TYPE_CHECKING:
    from openfunnel.bench.generate.company import Generator

SAMPLE_NAME, SAMPLE_SIZE = "样品照片.jpg", 34567


def add_opportunity(gen: Generator, customer: CustomerRef, batch: Batch) -> None:
    """Appends an opportunity on `customer` (owned by its owner) and every move it made to `batch`.

    It starts in the first open stage with what the stage guard asks for along the way (amount, close
    date, an involved contact, required fields, the attachments a stage wants), walks the open stages
    (mostly forward, sometimes back), and older ones end won or lost.
    """
    rng, at = gen.rng, gen.at
    oid = gen.take_id("opportunity")
    owner_id, cid = customer.owner_id, customer.id
    pipeline = gen.pipeline_pick.pick(rng)
    created = rng.uniform(customer.created + 3600, gen.now_ts - DAY)
    moves = gen.paired(gen.counts.get("opportunities", 0), gen.plan["opportunities"], 8, "moves")
    closes = rng.random() < (0.85 if gen.now_ts - created > 180 * DAY else 0.35)
    won = closes and (rng.random() < 0.4 or not gen.lost_reasons)
    gaps = [rng.uniform(1, 30) * DAY for _ in range(moves)]
    room = (gen.now_ts - 3600 - created) * 0.95
    if sum(gaps) > room:
        gaps = [gap * room / sum(gaps) for gap in gaps]
    name = f"{customer.name[:8]}{PRODUCTS[int(rng.random() * len(PRODUCTS))]}项目"
    amount = Decimal(rng.randrange(10, 2000) * 1000).quantize(Decimal("0.01"))
    created_at = at(created)
    close_date = (created_at + dt.timedelta(days=rng.randint(30, 180))).date()
    source = SOURCES[int(rng.random() * len(SOURCES))]
    next_step = NEXT_STEPS[int(rng.random() * len(NEXT_STEPS))]
    competitor = COMPETITORS[int(rng.random() * len(COMPETITORS))] or (
        COMPETITORS[2] if "competitor" in pipeline.required else "")
    description = "基准数据生成的商机。" if "description" in pipeline.required else ""
    role = "decision_maker" if "decision_maker" in pipeline.required else customer.contact_role
    first = pipeline.open[0]

    batch.opportunity_contacts.append(OpportunityContactRow(oid, customer.contact_id, role))
    batch.stage_changes.append(StageChangeRow(
        opportunity_id=oid, from_stage_id=None, to_stage_id=first.id, from_stage_name="", to_stage_name=first.name,
        actor_id=owner_id, at=created_at, seconds_in_from_stage=None))
    batch.events.append(EventRow(
        at=created_at, actor_id=owner_id, verb="opportunity.created", object_type="opportunity", object_id=oid,
        object_repr=name, customer_id=cid, changes="{}", data=encode({
            "name": name, "customer": cid, "owner": owner_id, "pipeline": pipeline.id, "stage": first.id,
            "amount": f"{amount:.2f}", "amount_from_lines": False, "expected_close_date": close_date.isoformat(),
            "probability": first.probability, "forecast_category": "pipeline", "source": source, "campaign": None,
            "lead": None, "difficulty": "1.00", "next_step": next_step, "competitor": competitor,
            "description": description, "status": "open", "stage_name": first.name,
            "contacts": [{"contact": customer.contact_id, "role": role}], "lines": []})))

    position, current, entered, moment = 0, first, created_at, created
    status, forecast, probability = "open", "pipeline", first.probability
    won_at = closed_at = lost_reason = None
    attached: dict[int, int] = {}
    for number in range(moves):
        moment += gaps[number]
        if closes and number == moves - 1:
            target = pipeline.won if won else pipeline.lost
        else:
            roll = rng.random()
            step = 1 if roll < 0.7 else 2 if roll < 0.8 else -1
            new = min(max(position + step, 0), len(pipeline.open) - 1)
            position = new if new != position else (position - 1 if position > 0 else position + 1)
            target = pipeline.open[position]
        when = at(moment)
        if target.required_attachments and target.kind != "lost":
            _attach(gen, batch, oid, cid, name, owner_id, target, when, attached)
        seconds = int(max((when - entered).total_seconds(), 0))   # enter_stage's arithmetic
        before = (status, probability, forecast)
        probability = target.probability
        # enter_stage's event (sales.services.moves), from pre-encoded pieces: the second-hottest line
        data = (f'{{"from_stage": {current.id}, "to_stage": {target.id}, "from_stage_name": {current.name_json}, '
                f'"to_stage_name": {target.name_json}, "days_in_from_stage": {round(seconds / 86400, 1)}, '
                f'"pipeline": {pipeline.id}')
        if target.kind == "won":
            status, forecast, won_at, closed_at, verb = "won", "closed", when, when, "opportunity.won"
        elif target.kind == "lost":
            status, forecast, closed_at, verb = "lost", "omitted", when, "opportunity.lost"
            lost_reason = gen.lost_reasons[int(rng.random() * len(gen.lost_reasons))]
            data += f', "lost_reason": {lost_reason[0]}, "lost_reason_name": {lost_reason[2]}, "lost_note": ""'
        else:
            verb = "opportunity.stage_changed"
        data += "}"
        changes = [f'"{key}": [{_json(old)}, {_json(new)}]' for key, old, new in
                   zip(("status", "probability", "forecast_category"), before, (status, probability, forecast),
                       strict=True) if old != new]
        changes.append(f'"stage": [{current.name_json}, {target.name_json}]')
        batch.stage_changes.append(StageChangeRow(
            opportunity_id=oid, from_stage_id=current.id, to_stage_id=target.id, from_stage_name=current.name,
            to_stage_name=target.name, actor_id=owner_id, at=when, seconds_in_from_stage=seconds))
        batch.events.append(EventRow(
            at=when, actor_id=owner_id, verb=verb, object_type="opportunity", object_id=oid, object_repr=name,
            customer_id=cid, changes="{" + ", ".join(changes) + "}", data=data))
        current, entered = target, when

    batch.opportunities.append(OpportunityRow(
        id=oid, name=name, customer_id=cid, owner_id=owner_id, pipeline_id=pipeline.id, stage_id=current.id,
        amount=amount, expected_close_date=close_date, probability=probability, forecast_category=forecast,
        source=source, status=status, lost_reason_id=lost_reason[0] if lost_reason else None, won_at=won_at,
        closed_at=closed_at, stage_entered_at=entered, next_step=next_step, competitor=competitor,
        description=description, is_overdue=status == "open" and close_date < gen.today,  # as the overdue job sets it
        created_by_id=owner_id, created_at=created_at, updated_at=entered, version=1 + moves))
    gen.count("opportunities")
    gen.count("stage_changes", 1 + moves)
    gen.count("opportunity_contacts")
    gen.count({"open": "open_opportunities", "won": "won", "lost": "lost"}[status])


def _json(value: object) -> str:
    return f'"{value}"' if isinstance(value, str) else str(value)


def _attach(gen: Generator, batch: Batch, oid: int, cid: int, name: str, owner_id: int, stage: StagePlan,
            when: dt.datetime, attached: dict[int, int]) -> None:
    """The files a stage asks for, uploaded with the move into it (attachments_store + its event)."""
    for _missing in range(stage.required_attachments - attached.get(stage.id, 0)):
        attachment_id = gen.take_id("attachment")
        batch.attachments.append(AttachmentRow(
            id=attachment_id, opportunity_id=oid, stage_id=stage.id, stage_name=stage.name, file=SAMPLE_FILE,
            name=SAMPLE_NAME, size=SAMPLE_SIZE, content_type="image/jpeg", uploaded_by_id=owner_id, uploaded_at=when))
        batch.events.append(EventRow(
            at=when, actor_id=owner_id, verb="opportunity.attachment_added", object_type="opportunity", object_id=oid,
            object_repr=name, customer_id=cid, changes="{}", data=encode({
                "attachment_id": attachment_id, "name": SAMPLE_NAME, "size": SAMPLE_SIZE, "stage": stage.id,
                "stage_name": stage.name})))
        attached[stage.id] = attached.get(stage.id, 0) + 1
        gen.count("opportunity_attachments")
