"""The demo company: a believable Chinese B2B sales organization with two years of history.

The organization, campaigns, leads, customers, contacts, products, pools, follow-ups and tasks are created
through the services (the same code paths as the UI and the API), as the user who would have done it, with
a seeded random generator so that every run builds the same company; the creation times of those rows are
moved back into the past afterwards, because the services stamp "now". Each customer's two years are told
first (demo.lives: owners, follow-ups, trips through the pools, against the pools' own reclaim rules); the
opportunities (demo.deals) and the pool history (demo.pools) are then written in bulk as exactly the rows
the services and the periodic jobs would have left (sales.services.bulk, pool.services.bulk). Those history
steps live in demo.history.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from openfunnel.accounts.bootstrap import ensure_admin, ensure_builtin_roles
from openfunnel.accounts.models import User
from openfunnel.core.bulk import RowWriter
from openfunnel.demo import names
from openfunnel.demo.history import History

DEMO_PASSWORD = "demo1234"
ADMIN_USERNAME, ADMIN_PASSWORD = "admin", "admin1234"

# (key, name, parent key)
DEPARTMENTS = [
    ("hq", "总部", None),
    ("east", "华东销售部", "hq"),
    ("east1", "华东一组", "east"),
    ("east2", "华东二组", "east"),
    ("south", "华南销售部", "hq"),
    ("north", "华北销售部", "hq"),
    ("finance", "财务部", "hq"),
]
# (username, name, role, department key, manager username)
USERS = [
    ("chen.zong", "陈志远", "director", "hq", None),
    ("wang.jl", "王建林", "manager", "east", "chen.zong"),
    ("li.jl", "李海涛", "manager", "south", "chen.zong"),
    ("zhao.jl", "赵国强", "manager", "north", "chen.zong"),
    ("liu.yang", "刘洋", "rep", "east1", "wang.jl"),
    ("zhang.wei", "张伟", "rep", "east1", "wang.jl"),
    ("wang.fang", "王芳", "rep", "east2", "wang.jl"),
    ("li.na", "李娜", "rep", "east2", "wang.jl"),
    ("chen.jie", "陈杰", "rep", "south", "li.jl"),
    ("yang.lei", "杨磊", "rep", "south", "li.jl"),
    ("zhou.min", "周敏", "rep", "north", "zhao.jl"),
    ("wu.hao", "吴昊", "rep", "north", "zhao.jl"),
    ("sun.li", "孙丽", "finance", "finance", "chen.zong"),
]
REGION_OF_DEPARTMENT = {"east1": "华东", "east2": "华东", "south": "华南", "north": "华北"}
CAMPAIGN_KINDS = [("广交会", "trade_show", Decimal("120000")), ("百度推广", "online_ads", Decimal("30000")),
                  ("微信公众号推广", "wechat", Decimal("15000")), ("行业研讨会", "seminar", Decimal("45000")),
                  ("工博会", "trade_show", Decimal("80000")), ("邮件营销", "email", Decimal("5000"))]
FOLLOW_UP_TEXTS = {
    "call": ["电话沟通采购计划，客户预计下季度有新需求。", "电话回访，客户对上次报价有疑问，已解释价格构成。",
             "致电采购经理，确认样品已收到，正在测试。", "电话联系未接通，已发短信留言。",
             "与技术负责人通话，讨论参数要求和交期。"],
    "visit": ["上门拜访，参观了生产线，了解设备使用情况。", "拜访客户总经理，介绍公司新产品线，反馈积极。",
              "现场拜访，客户提出需要定制方案，回去整理需求。"],
    "meeting": ["与客户召开项目启动会，明确了验收标准。", "参加客户供应商评审会，提交了资质材料。",
                "线上会议演示产品方案，客户技术团队参加。"],
    "email": ["发送产品目录和报价单，等待客户反馈。", "邮件发送技术方案，抄送采购与技术。",
              "回复客户关于付款条件的邮件。"],
    "wechat": ["微信沟通样品寄送进度，快递单号已发给客户。", "客户微信咨询交货周期，已答复 15 个工作日。",
               "微信发送案例资料，客户表示会内部讨论。"],
    "other": ["整理客户资料，更新联系人信息。", "内部讨论该客户的跟进策略。"],
}



@dataclass
class DemoSummary:
    counts: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0


@contextmanager
def _one_hash_per_password() -> Iterator[None]:
    """All demo users share the password demo1234, so one salted hash (a third of a second of PBKDF2 each)
    serves them all: user_create's set_password gets it from this cache."""
    from django.contrib.auth import base_user

    original, cache = base_user.make_password, {}

    def make_password(password: str | None, salt: str | None = None, hasher: str = "default") -> str:
        if password is None or salt is not None or hasher != "default":
            return original(password, salt, hasher)
        if password not in cache:
            cache[password] = original(password)
        return cache[password]

    base_user.make_password = make_password  # type: ignore[assignment]
    try:
        yield
    finally:
        base_user.make_password = original  # type: ignore[assignment]


def demo_loaded() -> bool:
    return User.objects.filter(username="chen.zong").exists()


def build_demo(*, seed: int = 20261122, scale: float = 1.0, now: dt.datetime | None = None,
               progress: Callable[[str], None] = lambda message: None) -> DemoSummary:
    """Builds the demo company once (does nothing if it is already there)."""
    started = time.monotonic()
    summary = DemoSummary()
    if demo_loaded():
        return summary
    world = _World(rng=random.Random(seed), now=now or timezone.now(), scale=scale, progress=progress)
    with transaction.atomic():
        world.organization()
        world.campaigns()
        world.leads()
        world.customers()
        world.catalog_and_pools()
        world.lives()
        world.follow_ups()
        world.ownership()
        world.pool_lead_conversions()
        world.tasks()
        world.backdate()
        world.opportunities_and_pool_history()
    summary.counts = world.counts
    summary.seconds = time.monotonic() - started
    return summary


@dataclass
class _World(History):
    rng: random.Random
    now: dt.datetime
    scale: float
    progress: Callable[[str], None]
    counts: dict[str, int] = field(default_factory=dict)
    users: dict[str, User] = field(default_factory=dict)
    created_at: dict[tuple[str, int], dt.datetime] = field(default_factory=dict)

    def n(self, full: int) -> int:
        return max(1, int(full * self.scale))

    def ago(self, max_days: float, min_days: float = 0) -> dt.datetime:
        seconds = self.rng.uniform(min_days * 86400, max_days * 86400)
        moment = self.now - dt.timedelta(seconds=seconds)
        # Business hours: people log work between 9:00 and 19:00 local time.
        local = timezone.localtime(moment)
        return local.replace(hour=self.rng.randint(9, 18), minute=self.rng.randint(0, 59))

    # --- organization ---------------------------------------------------------------------------
    def organization(self) -> None:
        from openfunnel.accounts.services import department_create, user_create

        self.progress("organization")
        ensure_builtin_roles()
        admin, _created = ensure_admin(username=ADMIN_USERNAME, password=ADMIN_PASSWORD)
        admin.name = "系统管理员"
        admin.save(update_fields=["name"])
        self.admin = admin
        departments: dict[str, Any] = {}
        for key, name, parent in DEPARTMENTS:
            departments[key] = department_create(actor=admin, name=name, parent=departments.get(parent))
        self.departments = departments
        with _one_hash_per_password():
            for username, name, role, department, manager in USERS:
                self.users[username] = user_create(
                    actor=admin, username=username, password=DEMO_PASSWORD, name=name, role=role,
                    department=departments[department], manager=self.users.get(manager) if manager else None,
                    email=f"{username}@demo.openfunnel.cn", phone=f"1380000{len(self.users):04d}")
        self.reps = [self.users[u] for u, _n, role, _d, _m in USERS if role == "rep"]
        self.manager_of = {self.users[u].pk: self.users[m] for u, _n, _r, _d, m in USERS if m}
        self.rep_department = {self.users[u].pk: d for u, _n, role, d, _m in USERS if role == "rep"}
        self.counts["departments"] = len(departments)
        self.counts["users"] = len(self.users) + 1

    # --- campaigns: two per quarter over two years --------------------------------------------
    def campaigns(self) -> None:
        from openfunnel.leads.services import campaign_create

        self.progress("campaigns")
        self.campaign_list = []
        today = timezone.localdate(self.now)
        quarter_start = dt.date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
        starts = []
        for back in range(8):
            month_index = quarter_start.year * 12 + quarter_start.month - 1 - 3 * back
            starts.append(dt.date(month_index // 12, month_index % 12 + 1, 1))
        manager = self.users["chen.zong"]
        for start in reversed(starts):
            quarter = (start.month - 1) // 3 + 1
            for kind_name, channel, cost in self.rng.sample(CAMPAIGN_KINDS, 2):
                begin = start + dt.timedelta(days=self.rng.randint(0, 40))
                campaign = campaign_create(
                    actor=manager, name=f"{start.year} Q{quarter} {kind_name}", channel=channel,
                    start_date=begin, end_date=begin + dt.timedelta(days=self.rng.randint(2, 30)),
                    cost=cost * Decimal(self.rng.choice(["0.8", "1", "1.2", "1.5"])).quantize(Decimal("1")),
                    description=f"{kind_name}获客活动")
                self.campaign_list.append(campaign)
        self.counts["campaigns"] = len(self.campaign_list)

    def _campaign_for(self, moment: dt.datetime) -> Any:
        day = timezone.localdate(moment)
        running = [c for c in self.campaign_list if c.start_date <= day <= c.end_date + dt.timedelta(days=45)]
        draw = self.rng.random()  # drawn either way, so that the sequence does not depend on today's date
        return running[int(draw * len(running))] if running else None

    # --- leads (some converted into customers) -------------------------------------------------
    def leads(self) -> None:
        from openfunnel.leads.services import lead_bulk_create, lead_convert

        self.progress("leads")
        self.companies = names.company_names(self.rng)
        self.phones = names.mobile_numbers(self.rng)
        self.serial = 0
        total = self.n(5000)
        rows, created_times, plans = [], [], []
        for index in range(total):
            company, city, _industry = next(self.companies)
            created = self.ago(730, 1)
            campaign = self._campaign_for(created) if self.rng.random() < 0.6 else None
            other_source = self.rng.choice(
                ["website", "referral", "cold_call", "advertising", "partner", "wechat", "trade_show"])
            source = "campaign" if campaign else other_source
            owner = self.rng.choice(self.reps) if self.rng.random() < 0.82 else None
            roll = self.rng.random()
            status = ("new" if owner is None or roll < 0.12 or roll >= 0.75 else "invalid" if roll < 0.30
                      else "qualified" if roll < 0.42 else "contacted")
            rows.append({"company": company, "name": names.person_name(self.rng),
                         "title": self.rng.choice(names.TITLES), "phone": next(self.phones),
                         "email": f"info{index}@lead{index}.example.cn" if self.rng.random() < 0.4 else "",
                         "source": source, "campaign": campaign, "owner": owner, "region": city[0], "status": status})
            created_times.append(created)
            plans.append(owner is not None and roll < 0.12)
        # Marketing hands the trade-fair cards and web enquiries over in batches, the way an import would.
        self.lead_rows = []
        for start in range(0, total, 1000):
            self.lead_rows += lead_bulk_create(actor=self.users["chen.zong"], rows=rows[start:start + 1000])
            self.progress(f"leads {min(start + 1000, total)}/{total}")
        self.converted_customers: list[Any] = []
        self.lead_of_customer: dict[int, Any] = {}
        for lead, created, convert in zip(self.lead_rows, created_times, plans, strict=True):
            self.created_at[("lead", lead.pk)] = created
            if convert:
                result = lead_convert(actor=lead.owner, lead=lead)
                lead.status = "converted"
                self.converted_customers.append((result.customer, created + dt.timedelta(days=self.rng.randint(1, 30))))
                self.lead_of_customer[result.customer.pk] = lead
        self.counts["leads"] = total
        self.counts["converted_leads"] = len(self.converted_customers)

    # --- customers with contacts ---------------------------------------------------------------
    def customers(self) -> None:
        from openfunnel.customers.models import Customer, CustomerLevel
        from openfunnel.customers.services import contact_create, customer_bulk_create, tag_create

        self.progress("customers")
        levels = list(CustomerLevel.objects.order_by("order"))
        tags = [tag_create(actor=self.admin, name=name)
                for name in ["重点行业", "老客户转介绍", "价格敏感", "需要样品", "外资企业"]]
        rows, created_times = [], []
        for _index in range(max(self.n(2000) - len(self.converted_customers), 0)):
            company, city, industry = next(self.companies)
            created = self.ago(720, 3)
            self.serial += 1
            campaign = self._campaign_for(created) if self.rng.random() < 0.3 else None
            rows.append({
                "name": company, "owner": self.rng.choice(self.reps),
                "uscc": names.uscc_for(city[1], self.serial) if self.rng.random() < 0.7 else "",
                "industry": industry,
                "size": self.rng.choice(["1-20", "21-100", "21-100", "101-500", "501-1000", "1000+"]),
                "region": f"{city[2]}/{city[0]}",
                "address": f"{city[0]}市{self.rng.choice(['高新区', '经开区', '工业园区', '滨江区'])}{self.rng.randint(1, 999)}号",
                "lat": Decimal(str(round(22.5 + self.rng.uniform(0, 17), 6))),
                "lng": Decimal(str(round(113.0 + self.rng.uniform(0, 8), 6))),
                "level": self.rng.choices(levels, weights=[1, 3, 6, 8])[0],
                "source": self._source(campaign, ["referral", "website", "cold_call", "partner", "trade_show"]),
                "campaign": campaign, "status": self.rng.choices(["potential", "deal", "churned"], weights=[6, 3, 1])[0],
                "tags": self.rng.sample(tags, self.rng.choice([0, 0, 1, 2])),
                "contacts": [self._contact() for _ in range(self.rng.choice([1, 1, 2, 2, 3]))],
            })
            created_times.append(created)
        # The sales director brings the existing customer base in, each customer with its owner.
        created = customer_bulk_create(actor=self.users["chen.zong"], rows=rows)
        self.customer_rows = list(self.converted_customers) + list(zip(created, created_times, strict=True))
        for customer, _created in self.converted_customers:
            for _ in range(self.rng.choice([0, 1, 1, 2])):
                contact_create(actor=customer.owner, customer=customer, **self._contact())
        for customer, created in self.customer_rows:
            self.created_at[("customer", customer.pk)] = created
        self.counts["customers"] = Customer.objects.count()

    def _source(self, campaign: Any, others: list[str]) -> str:
        other = self.rng.choice(others)  # drawn either way: the sequence must not depend on today's date
        return "campaign" if campaign else other

    def _contact(self) -> dict[str, Any]:
        return {"name": names.person_name(self.rng), "title": self.rng.choice(names.TITLES),
                "phone": next(self.phones),
                "wechat": f"wx_{self.rng.randint(100000, 999999)}" if self.rng.random() < 0.5 else "",
                "decision_role": self.rng.choice(["decision_maker", "influencer", "supporter", "user", "", ""])}

    # --- tasks around today ----------------------------------------------------------------------
    def tasks(self) -> None:
        from openfunnel.activities.services import task_complete, task_create

        self.progress("tasks")
        titles = ["准备报价单", "寄送样品", "整理技术方案", "安排客户验厂", "催收回款", "回访老客户", "更新客户资料"]
        made = 0
        for rep in self.reps:
            for _ in range(self.n(25)):
                customer, _created = self.rng.choice(self.customer_rows)
                due = timezone.localtime(self.now + dt.timedelta(days=self.rng.randint(-6, 14))).replace(
                    hour=self.rng.choice([10, 14, 16]), minute=0, second=0, microsecond=0)
                task = task_create(actor=rep, title=self.rng.choice(titles), due_at=due,
                                   customer=customer if customer.owner_id == rep.pk else None,
                                   priority=self.rng.choice(["low", "normal", "normal", "high"]))
                finished = self.rng.random() < 0.6
                if due < self.now and finished:
                    task_complete(actor=rep, task=task)
                made += 1
        self.counts["tasks"] = made

    # --- history: move creation times into the past ---------------------------------------------
    def backdate(self) -> None:
        from openfunnel.audit.models import Event
        from openfunnel.customers.models import Customer
        from openfunnel.leads.models import Lead

        from django.db.models import OuterRef, Subquery

        from openfunnel.activities.models import Activity
        from openfunnel.automation.models import Notification
        from openfunnel.customers.models import Contact

        self.progress("history")
        writer = RowWriter()
        # owned since creation, unless a pool action came after (demo.pools.final_columns)
        writer.update(Customer, ["created_at", "owner_since", "updated_at"], [
            (pk, at, self.final.get(pk, {"owner_since": at})["owner_since"],
             self.final.get(pk, {"updated_at": at})["updated_at"])
            for (kind, pk), at in self.created_at.items() if kind == "customer"])
        # a lead is assigned when created with its owner, or when taken from the lead pool
        owners = {lead.pk: lead.owner_id for lead in self.lead_rows}
        writer.update(Lead, ["created_at", "assigned_at"], [
            (pk, at, self.lead_final[pk]["assigned_at"] if pk in self.lead_final else at if owners[pk] else None)
            for (kind, pk), at in self.created_at.items() if kind == "lead"])
        Contact.objects.update(created_at=Subquery(
            Customer.objects.filter(pk=OuterRef("customer_id")).values("created_at")[:1]))
        # (tasks are today's: their events keep their time)
        Event.objects.filter(customer_id__isnull=False).exclude(verb__startswith="activity.").exclude(
            verb__startswith="task.").update(
            at=Subquery(Customer.objects.filter(pk=OuterRef("customer_id")).values("created_at")[:1]))
        Event.objects.filter(lead_id__isnull=False, customer_id__isnull=True).exclude(
            verb__startswith="activity.").update(at=Subquery(Lead.objects.filter(pk=OuterRef("lead_id")).values("created_at")[:1]))
        # A follow-up's event stands on the timeline at the moment the follow-up happened.
        Event.objects.filter(verb="activity.created").update(
            at=Subquery(Activity.objects.filter(pk=OuterRef("object_id")).values("occurred_at")[:1]))
        # So does the notice of a mention in it; the older ones have been read.
        mentions = Notification.objects.filter(kind="mention", object_type="activity")
        mentions.update(created_at=Subquery(Activity.objects.filter(pk=OuterRef("object_id")).values("occurred_at")[:1]))
        writer.update(Notification, ["read_at"], [(pk, self._read_at(at)) for pk, at in
                                                  mentions.values_list("pk", "created_at")])
