"""One opportunity and its path through the pipeline, told as a story that sales.services.bulk turns into the
rows opportunity_create, opportunity_move (enter_stage), the stage attachments and win/lose leave behind."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import TYPE_CHECKING

from openfunnel.bench.generate.customers import CustomerRef
from openfunnel.bench.generate.rows import Batch
from openfunnel.bench.generate.values import COMPETITORS, DAY, NEXT_STEPS, PRODUCTS, SOURCES
from openfunnel.sales.services.bulk import Move, OpportunityPlan

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
    pipeline = gen.pipeline_pick.pick(rng)
    # the owner's opportunities come before the customer went to a pool (if it did)
    end = gen.now_ts if customer.until is None else customer.until
    created = rng.uniform(customer.created + 3600, end - DAY)
    moves = gen.paired(gen.counts.get("opportunities", 0), gen.plan["opportunities"], 8, "moves")
    closes = rng.random() < (0.85 if gen.now_ts - created > 180 * DAY else 0.35)
    won = closes and (rng.random() < 0.4 or not gen.lost_reasons)
    gaps = [rng.uniform(1, 30) * DAY for _ in range(moves)]
    room = (end - 3600 - created) * 0.95
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

    path, position, moment = [], 0, created
    for number in range(moves):
        moment += gaps[number]
        reason = None
        if closes and number == moves - 1:
            target = pipeline.won if won else pipeline.lost
            if not won:
                reason = gen.lost_reasons[int(rng.random() * len(gen.lost_reasons))]
        else:
            roll = rng.random()
            step = 1 if roll < 0.7 else 2 if roll < 0.8 else -1
            new = min(max(position + step, 0), len(pipeline.open) - 1)
            position = new if new != position else (position - 1 if position > 0 else position + 1)
            target = pipeline.open[position]
        path.append(Move(at(moment), target, reason))

    files = len(batch.attachments)
    row = gen.opportunity_rows.add(OpportunityPlan(
        id=oid, name=name, customer_id=customer.id, owner_id=customer.owner_id, pipeline=pipeline,
        created_at=created_at, contacts=[(customer.contact_id, role)], amount=amount, expected_close_date=close_date,
        source=source, next_step=next_step, competitor=competitor, description=description, moves=path), batch)
    gen.count("opportunities")
    gen.count("stage_changes", 1 + moves)
    gen.count("opportunity_contacts")
    gen.count("opportunity_attachments", len(batch.attachments) - files)
    gen.count({"open": "open_opportunities", "won": "won", "lost": "lost"}[row.status])
