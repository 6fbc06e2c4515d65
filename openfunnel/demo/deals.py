"""The demo company's opportunities: each rep's deals with the customers they owned, told as stories
(sales.services.bulk.OpportunityPlan) that the bulk writer turns into the services' rows.

An opportunity starts in the first stage and walks the pipeline: at each stage it may be lost (early stages
lose to cancelled needs and budgets, late ones to price and competitors), sometimes skips a stage or goes back
one, stays in a stage about as long as the stage allows (sometimes much longer), and wins when it passes the
last stage. Reps plan optimistic close dates and push them back as the date comes, or let them lapse. Deals
stay inside the owner's time with the customer: closed ones end before the customer went back to a pool, only
a customer owned today has open ones. Deal customers have won at least once; potential ones never (a win would
make them deal customers); churned ones bought before the company used OpenFunnel, and the attempts to win them
back failed. Each rep has their own volume and skill.
"""

from __future__ import annotations

import datetime as dt
import math
import random
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.utils import timezone

from openfunnel.demo import names
from openfunnel.demo.lives import Life
from openfunnel.sales.services.bulk import (
    LinePlan,
    LostReasonPlan,
    Move,
    OpportunityPlan,
    PipelinePlan,
    SampleFile,
)

DAY = dt.timedelta(days=1)
CENT = Decimal("0.01")
# opportunities per year of ownership, by customer status
RATE = {"deal": 4.4, "potential": 1.45, "churned": 1.6}
# (volume, how often they lose: 1 is the company's average) per rep
REPS = {"liu.yang": (1.3, 0.92), "zhang.wei": (1.0, 1.0), "wang.fang": (1.15, 0.95), "li.na": (0.8, 1.05),
        "chen.jie": (1.2, 1.0), "yang.lei": (0.9, 1.02), "zhou.min": (1.0, 0.97), "wu.hao": (0.75, 1.1)}
# the chance to be lost at each open stage of the standard pipeline and of the renewal pipeline
LOSS = {"standard": [0.15, 0.2, 0.18, 0.18, 0.16, 0.22, 0.16], "renewal": [0.15, 0.2, 0.15]}
EARLY_REASONS = {"需求取消": 4, "预算不足": 3, "联系人离职": 1, "其他": 1, "选择竞争对手": 1}
LATE_REASONS = {"价格过高": 4, "选择竞争对手": 4, "预算不足": 1, "其他": 1}
LOST_NOTES = ["客户最终选择了价格更低的本地供应商。", "项目预算被砍，明年再议。", "对方技术负责人更倾向于进口品牌。",
              "交期无法满足客户要求。", "客户内部采购流程冻结。", "样品测试未通过客户验收标准。"]
NEXT_STEPS = ["安排技术交流", "寄送样品", "提交报价单", "邀请客户验厂", "确认合同条款", "跟进付款计划"]
COMPETITORS = ["西门子", "发那科", "汇川技术", "本地供应商", "ABB"]
FORMS = ("股份有限公司", "有限责任公司", "有限公司")


# (code, name, category, unit, list price, quantities a customer orders)
CATALOG = [
    ("VMC-850", "立式加工中心 VMC850", "机床", "台", "380000", (1, 3)),
    ("CK-6140", "数控车床 CK6140", "机床", "台", "168000", (1, 4)),
    ("ROB-6A20", "六轴工业机器人 20kg", "机器人", "台", "215000", (1, 3)),
    ("SRV-750", "伺服电机 750W", "伺服系统", "台", "2600", (20, 200)),
    ("SRV-D750", "伺服驱动器 750W", "伺服系统", "台", "3200", (20, 200)),
    ("SNS-PX12", "接近传感器 M12", "传感器", "件", "180", (100, 1000)),
    ("VIS-300", "视觉检测系统", "检测设备", "套", "98000", (1, 2)),
    ("PKG-L1", "全自动包装线", "包装设备", "条", "650000", (1, 1)),
    ("ENV-DC5", "脉冲除尘设备", "环保设备", "套", "125000", (1, 2)),
    ("WMS-STD", "仓储管理系统 WMS", "软件", "套", "180000", (1, 1)),
    ("SPR-KIT", "年度备件包", "备件", "批", "8500", (2, 12)),
    ("SVC-YR", "年度维保服务", "服务", "年", "36000", (1, 3)),
]


@dataclass(frozen=True)
class Product:
    id: int
    label: str                  # str(product): "code name", as the opportunity's event names it
    name: str
    price: Decimal
    quantities: tuple[int, int]


def create_catalog(*, admin: Any) -> list[Product]:
    """The products the demo company sells (product_create)."""
    from openfunnel.catalog.services import product_create

    products = []
    for code, name, category, unit, price, quantities in CATALOG:
        product = product_create(actor=admin, code=code, name=name, category=category, unit=unit,
                                 price=Decimal(price), description=f"{category}：{name}")
        products.append(Product(product.pk, str(product), name, product.price, quantities))
    return products


def short_name(company: str) -> str:
    """"上海星辰精密机械有限公司" → "星辰精密机械"."""
    for form in FORMS:
        if company.endswith(form):
            company = company[: -len(form)]
            break
    for city, _code, _region in names.CITIES:
        if company.startswith(city):
            return company[len(city):]
    return company


class Deals:
    def __init__(self, *, rng: random.Random, now: dt.datetime, standard: PipelinePlan, renewal: PipelinePlan,
                 reasons: list[LostReasonPlan], products: list[Product], contacts: dict[int, list[tuple[int, str]]],
                 leads: dict[int, tuple[int, str, int | None]]) -> None:
        self.rng, self.now = rng, now
        self.zone = timezone.get_current_timezone()
        self.standard, self.renewal = standard, renewal
        self.reasons = {reason.name: reason for reason in reasons}
        self.products = products
        self.contacts = contacts       # customer id -> [(contact id, decision role)], primary first
        self.leads = leads             # converted customer id -> (lead id, source, campaign id)

    def business(self, moment: dt.datetime, after: dt.datetime) -> dt.datetime:
        local = moment.astimezone(self.zone).replace(hour=self.rng.randint(9, 18), minute=self.rng.randint(0, 59),
                                                     second=0, microsecond=0)
        while local <= after:
            local += DAY
        return local

    def poisson(self, mean: float) -> int:
        limit, count, product = math.exp(-mean), 0, self.rng.random()
        while product > limit:
            count += 1
            product *= self.rng.random()
        return count

    # --- one customer ---------------------------------------------------------------------------------------------
    def plan(self, life: Life) -> list[OpportunityPlan]:
        """The opportunities of one customer over its life (ids are given later, in order of creation)."""
        customer, rng = life.record, self.rng
        status = customer.status if customer.status in RATE else "potential"
        windows = []
        for period in life.periods:
            start = period.start + DAY
            if period.end is None:
                end, may_stay_open = self.now, True
            else:
                # closed before the owner lets go: before the reclaim warning, or the day before a release
                margin = (period.exit_pool.warn_days_before + 2) if period.exit == "reclaim" else 1
                end, may_stay_open = period.end - margin * DAY, False
            if status == "churned":
                end, may_stay_open = min(end, self.now - 240 * DAY), False
            if end - start >= 7 * DAY:
                windows.append((period, start, end, may_stay_open))
        stories: list[tuple[dt.datetime, Any, dt.datetime, bool]] = []
        for period, start, end, may_stay_open in windows:
            volume, _skill = REPS.get(period.owner.username, (1.0, 1.0))
            years = (end - start).total_seconds() / (365 * 86400)
            for _n in range(self.poisson(RATE[status] * volume * years)):
                created = self.business(start + (end - start) * rng.random(), start)
                if created < end:
                    stories.append((created, period, end, may_stay_open))
        if status == "deal" and not stories and windows:
            period, start, end, may_stay_open = max(windows, key=lambda w: w[2] - w[1])
            stories.append((self.business(start + (end - start) * rng.random() * 0.5, start), period, end,
                            may_stay_open))
        stories.sort(key=lambda story: story[0])
        plans = []
        for number, (created, period, end, may_stay_open) in enumerate(stories):
            # a deal customer's first opportunity is the one it was won with
            must_win = status == "deal" and number == 0
            plans.append(self._story(life, period, created, end, may_stay_open, number, status, must_win))
        return plans

    def _story(self, life: Life, period: Any, created: dt.datetime, end: dt.datetime, may_stay_open: bool,
               number: int, status: str, must_win: bool) -> OpportunityPlan:
        rng, customer, owner = self.rng, life.record, period.owner
        _volume, skill = REPS.get(owner.username, (1.0, 1.0))
        repeat = status == "deal" and number > 0 and rng.random() < 0.45
        pipeline, losses = (self.renewal, LOSS["renewal"]) if repeat else (self.standard, LOSS["standard"])
        stages = pipeline.open

        # the path: (stage, days spent before this move)
        path: list[tuple[Any, float, LostReasonPlan | None]] = []
        position, lost_reason = 0, None
        while True:
            stage = stages[position]
            stay = (stage.max_days or 14) * rng.uniform(0.25, 1.05)
            if rng.random() < 0.15:
                stay *= rng.uniform(1.3, 2.6)       # stuck: the stage-time warning fires
            loses = not must_win and rng.random() < losses[position] * skill
            roll = rng.random()
            if loses:
                late = position >= len(stages) - 3
                lost_reason = self._reason(LATE_REASONS if late else EARLY_REASONS)
                path.append((pipeline.lost, stay, lost_reason))
                break
            if position == len(stages) - 1:
                if status != "deal":                 # a win would make it a deal customer
                    lost_reason = self._reason(LATE_REASONS)
                    path.append((pipeline.lost, stay, lost_reason))
                else:
                    path.append((pipeline.won, stay, None))
                break
            if roll < 0.06 and position >= 3:
                position -= 1                        # back one stage (a new sample, a revised quote)
            elif roll < 0.14 and position < len(stages) - 2:
                position += 2                        # a stage skipped
            else:
                position += 1
            path.append((stages[position], stay, None))

        total = sum(stay for _stage, stay, _reason in path)
        room = (end - created).total_seconds() / 86400
        if (not may_stay_open or must_win) and total > room:
            scale = room / total * rng.uniform(0.6, 0.9)
            path = [(stage, stay * scale, reason) for stage, stay, reason in path]
        moves, moment = [], created
        for stage, stay, reason in path:
            previous, moment = moment, self.business(moment + dt.timedelta(days=stay), moment)
            if moment > end and not may_stay_open:
                moment = previous + (end - previous) / 2   # squeezed in before the owner lets go
            if moment > self.now:
                break                                # still open today
            note = rng.choice(LOST_NOTES) if reason is not None and rng.random() < 0.4 else ""
            moves.append(Move(moment, stage, reason, note))
        closing = moves[-1].at if moves and moves[-1].stage.kind != "open" else None

        lines, amount, topic = self._lines(repeat)
        short = short_name(customer.name)
        if repeat:
            name = f"{short}{created.astimezone(self.zone).year}年{rng.choice(['备件复购', '年度续约', '增购'])}"
        else:
            name = f"{short}{topic}项目"
        planned = max(total * rng.uniform(0.45, 1.0), 14)
        close = (created + dt.timedelta(days=planned)).astimezone(self.zone).date()
        pushes: list[tuple[dt.datetime, dt.date]] = []
        initial: dt.date | None = close
        set_at: dt.datetime | None = created
        if not repeat and rng.random() < 0.3:
            # the close date is entered when the needs are known (the 需求收集 stage asks for it)
            entering = next((m for m in moves if m.stage.kind == "won" or m.stage.order >= 3), None)
            initial, set_at = None, entering.at if entering is not None else None
            if entering is not None:
                close = max(close, (entering.at + 7 * DAY).astimezone(self.zone).date())
                pushes.append((entering.at, close))
        if set_at is not None:
            pushes += self._pushes(set_at, close, closing, moves)
        contacts = self.contacts.get(customer.pk, [])
        involved = contacts[:1] + ([contacts[1]] if len(contacts) > 1 and rng.random() < 0.35 else [])
        lead = self.leads.get(customer.pk) if number == 0 else None
        source = lead[1] if lead else (customer.source or "")
        competitor = rng.choice(COMPETITORS) if rng.random() < 0.3 else ""
        return OpportunityPlan(
            id=0, name=name[:200], customer_id=customer.pk, owner_id=owner.pk, pipeline=pipeline, created_at=created,
            contacts=involved, amount=amount, lines=lines, expected_close_date=initial, source=source,
            campaign_id=lead[2] if lead else None, lead_id=lead[0] if lead else None,
            next_step=rng.choice(NEXT_STEPS), competitor=competitor, moves=moves, pushes=pushes)

    def _reason(self, weights: dict[str, int]) -> LostReasonPlan:
        names_ = [name for name in weights if name in self.reasons] or list(self.reasons)
        pick = self.rng.choices(names_, weights=[weights.get(name, 1) for name in names_])[0]
        return self.reasons[pick]

    def _lines(self, repeat: bool) -> tuple[list[LinePlan], Decimal | None, str]:
        """Product lines (the amount follows them), or an estimate of what the main product would cost; and the
        main product's name."""
        rng = self.rng
        with_lines = rng.random() < (0.7 if repeat else 0.5)
        count, discount = rng.choice([1, 1, 2, 3]), Decimal(rng.choice([0, 0, 3, 5, 8, 10, 12])).quantize(CENT)
        chosen = rng.sample(self.products, min(count, len(self.products)))
        quantities = [Decimal(rng.randint(*p.quantities)).quantize(CENT) for p in chosen]
        estimate = Decimal(rng.uniform(0.8, 1.15)) * sum((p.price * q for p, q in zip(chosen, quantities, strict=True)),
                                                         Decimal(0))
        if not with_lines:
            return [], max(estimate // 1000 * 1000, Decimal(10000)).quantize(CENT), chosen[0].name
        lines = [LinePlan(p.id, p.label, q, p.price, discount) for p, q in zip(chosen, quantities, strict=True)]
        return lines, None, chosen[0].name

    def _pushes(self, set_at: dt.datetime, close: dt.date, closing: dt.datetime | None,
                moves: list[Move]) -> list[tuple[dt.datetime, dt.date]]:
        """The owner pushes the close date back when it comes (or lets it lapse) while the deal goes on."""
        rng, pushes = self.rng, []
        until = closing or self.now
        for _round in range(6):
            lapses = rng.random() < (0.35 if closing is None else 0.25)
            drift, extension = rng.uniform(-4, 9), rng.uniform(10, 40)
            if close >= until.astimezone(self.zone).date():
                break
            when = self.business(dt.datetime.combine(close, dt.time(9), tzinfo=self.zone) + dt.timedelta(days=drift),
                                 set_at)
            if lapses or when >= until or when > self.now or any(m.at == when for m in moves):
                break
            close = (when + dt.timedelta(days=extension)).astimezone(self.zone).date()
            pushes.append((when, close))
            set_at = when
        return pushes


SAMPLE_PATH = "opportunities/demo/sample.png"


def save_sample() -> SampleFile:
    """The photo every generated sample-stage attachment shows: a small grey PNG, stored once."""
    import struct
    import zlib

    from django.core.files.base import ContentFile
    from django.core.files.storage import default_storage

    width, height = 160, 120
    raw = b"".join(b"\x00" + bytes((90 + (x + y) // 6) % 256 for x in range(width)) for y in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    png = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0))
           + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))
    default_storage.delete(SAMPLE_PATH)
    default_storage.save(SAMPLE_PATH, ContentFile(png))
    return SampleFile(SAMPLE_PATH, "样品照片.png", len(png), "image/png")
