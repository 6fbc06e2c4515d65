"""Generating the benchmark company once, and recognizing it on later runs."""

from __future__ import annotations

import datetime as dt
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import connection, transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from openfunnel.bench.generate.bulk import analyze_tables, bulk_load_mode
from openfunnel.bench.generate.customers import add_customer
from openfunnel.bench.generate.opportunities import SAMPLE_NAME, SAMPLE_SIZE, add_opportunity
from openfunnel.bench.generate.pools import PoolSetup
from openfunnel.bench.generate.rows import Batch, EventRow, ReminderRow, TaskRow
from openfunnel.bench.generate.values import (
    ADMIN_USERNAME,
    BENCH_PASSWORD,
    CHUNK,
    DAY,
    DEFAULT_SEED,
    GENERATED_VERB,
    MARKER_DEPARTMENT,
    REGIONS,
    REPS,
    SAMPLE_FILE,
    TAG_NAMES,
    TASK_TITLES,
    TASKS_PER_REP_FULL,
    TEAMS_PER_REGION,
    YEARS,
    Person,
    Weighted,
    encode,
    full_counts,
    phone_digits,
)
from openfunnel.bench.progress import Progress
from openfunnel.core.bulk import RowWriter
from openfunnel.sales.services.bulk import OpportunityRows, SampleFile
from openfunnel.demo import names
from openfunnel.demo.seed import FOLLOW_UP_TEXTS
from openfunnel.customers import search_index
from openfunnel.sales import board_tally


class BenchError(Exception):
    """The database is not one the benchmark may (re)use; the message says why and what to do."""


@dataclass
class GenerationResult:
    generated: bool
    scale: float
    seed: int
    counts: dict[str, int]
    seconds: float = 0.0
    rows: int = 0
    now: str = ""
    analyze_seconds: float = 0.0
    per_table: dict[str, int] = field(default_factory=dict)


def bench_marker() -> Any:
    from openfunnel.accounts.models import Department

    return Department.objects.filter(name=MARKER_DEPARTMENT, parent__isnull=True).first()


def bench_info(marker: Any) -> dict[str, Any] | None:
    """What the generation recorded when it finished (None: it never finished)."""
    from openfunnel.audit.models import Event

    event = (Event.objects.filter(verb=GENERATED_VERB, object_type="department", object_id=marker.pk)
             .order_by("-id").first())
    return event.data if event is not None else None


def other_data_present() -> bool:
    """Anything people could have entered: users, customers, leads, opportunities, follow-ups."""
    from openfunnel.accounts.models import User
    from openfunnel.activities.models import Activity
    from openfunnel.customers.models import Customer
    from openfunnel.leads.models import Lead
    from openfunnel.sales.models import Opportunity

    return any(model.objects.exists() for model in (User, Customer, Lead, Opportunity, Activity))


def ensure_company(*, scale: float, seed: int = DEFAULT_SEED, force: bool = False, progress: Progress | None = None,
                   now: dt.datetime | None = None) -> GenerationResult:
    """Generates the benchmark company once; a later run with the same scale and seed reuses it.

    Raises BenchError on a database holding other data (unless `force`), on benchmark data of another
    scale or seed, and on an interrupted generation.
    """
    if scale <= 0:
        raise BenchError("--scale must be positive")
    marker = bench_marker()
    if marker is not None:
        info = bench_info(marker)
        if info is None:
            raise BenchError("this database holds an interrupted benchmark generation; drop it and start from "
                             "an empty database")
        if float(info["scale"]) != float(scale) or int(info["seed"]) != int(seed):
            raise BenchError(f"this database holds benchmark data of scale {info['scale']} (seed {info['seed']}); "
                             f"run with --scale {info['scale']} or use an empty database")
        return GenerationResult(generated=False, scale=scale, seed=seed, counts=info["counts"],
                                seconds=float(info.get("seconds", 0)), rows=int(info.get("rows", 0)),
                                now=info.get("now", ""), analyze_seconds=float(info.get("analyze_seconds", 0)),
                                per_table=info.get("per_table", {}))
    if other_data_present() and not force:
        raise BenchError("this database already holds users or business data, and the benchmark writes millions "
                         "of rows. Point DATABASE_URL (or OPENFUNNEL_DATA_DIR) at an empty database, or pass "
                         "--force to write into this one anyway")
    with translation.override(settings.LANGUAGE_CODE):  # stored messages read as the services would write them
        return Generator(scale=scale, seed=seed, progress=progress, now=now).run()


# Extra steps run after the core data, in the last transaction: fn(generator), for apps whose rows hang off
# the generated company (the public pool's are written with each customer, generate/pools.py).
GENERATION_STEPS: list[Callable[[Generator], None]] = []


def register_generation_step(step: Callable[[Generator], None]) -> Callable[[Generator], None]:
    GENERATION_STEPS.append(step)
    return step


@dataclass
class Generator:
    scale: float
    seed: int
    progress: Progress | None = None
    now: dt.datetime | None = None
    counts: dict[str, int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)
        self.tz = timezone.get_current_timezone()
        # Every time is relative to this moment: the same seed and moment give the same rows.
        self.now = timezone.localtime(self.now).replace(second=0, microsecond=0)
        self.now_ts = self.now.timestamp()
        self.start_ts = self.now_ts - YEARS * 365 * DAY
        self.today = self.now.date()
        self.writer = RowWriter()
        self.plan = full_counts(self.scale)
        self.pending: dict[str, int] = {}
        self.ids: dict[str, int] = {}

    # --- small helpers ---------------------------------------------------------------------------------------
    def at(self, ts: float) -> dt.datetime:
        return dt.datetime.fromtimestamp(ts, self.tz)

    def count(self, name: str, n: int = 1) -> None:
        self.counts[name] = self.counts.get(name, 0) + n

    def take_id(self, kind: str) -> int:
        """The generator numbers the rows it links to (the writer inserts them with these ids)."""
        value = self.ids[kind]
        self.ids[kind] = value + 1
        return value

    def paired(self, index: int, total: int, pair_sum: int, kind: str) -> int:
        """Two neighbours share `pair_sum`, split at random (a lone last one gets half): the total is exact
        (five follow-ups per customer, four moves per opportunity) and the spread is wide."""
        if index % 2:
            return self.pending.pop(kind)
        if index == total - 1:
            return pair_sum // 2
        low = 1 if kind == "moves" else 0
        mine = self.rng.randint(low, pair_sum - low)
        self.pending[kind] = pair_sum - mine
        return mine

    # --- the run ---------------------------------------------------------------------------------------------
    def run(self) -> GenerationResult:
        from openfunnel.audit.services import event_record

        started = time.monotonic()
        progress = self.progress or Progress(self.plan["customers"])
        bulk = connection.vendor == "postgresql" and not connection.in_atomic_block and not other_data_present()
        with transaction.atomic():
            self.organization()
            self.reference_data()
            self.pools = PoolSetup(self)
        with bulk_load_mode(bulk, progress), search_index.suspended(note=progress.note):
            self.volumes(progress)
        progress.note(f"kanban tally: {board_tally.rebuild():,} keys")   # its triggers were off or wrote per row
        seconds = time.monotonic() - started
        progress.note("analyzing the tables (VACUUM ANALYZE on PostgreSQL, ANALYZE on SQLite) …")
        analyze_started = time.monotonic()
        analyze_tables()
        result = GenerationResult(generated=True, scale=self.scale, seed=self.seed, counts=dict(sorted(self.counts.items())),
                                  seconds=round(seconds, 1), rows=self.writer.rows_written, now=self.now.isoformat(),
                                  analyze_seconds=round(time.monotonic() - analyze_started, 1),
                                  per_table=dict(self.writer.per_table))
        with transaction.atomic():
            event_record(actor=self.admin, verb=GENERATED_VERB, obj=self.hq, data={
                "scale": self.scale, "seed": self.seed, "counts": result.counts, "seconds": result.seconds,
                "rows": result.rows, "now": result.now, "analyze_seconds": result.analyze_seconds,
                "per_table": result.per_table})
        return result

    def volumes(self, progress: Progress) -> None:
        from openfunnel.activities.models import Activity, Task
        from openfunnel.customers.models import Contact, Customer
        from openfunnel.sales.models import Opportunity, OpportunityAttachment

        models = {"customer": Customer, "contact": Contact, "activity": Activity, "opportunity": Opportunity,
                  "attachment": OpportunityAttachment, "task": Task}
        self.ids = {kind: self.writer.next_id(model) for kind, model in models.items()}
        self.rep_customers: dict[int, list[int]] = {}
        total, opportunities_left = self.plan["customers"], self.plan["opportunities"]
        done = 0
        while done < total:
            size = min(CHUNK, total - done)
            batch = Batch()
            chunk = [add_customer(self, serial, total, batch) for serial in range(done, done + size)]
            for ref in chunk:
                mine = self.rep_customers.setdefault(ref.owner_id, [])
                if ref.until is None and len(mine) < 20:   # still the creator's
                    mine.append(ref.id)
            # this chunk's share of the opportunities still to make, so that the total is exact
            share = opportunities_left if done + size == total else round(opportunities_left * size / (total - done))
            opportunities_left -= share
            for _n in range(share):
                add_opportunity(self, chunk[int(self.rng.random() * len(chunk))], batch)
            self._customers_won(batch)
            self.count("events", len(batch.events))
            with transaction.atomic():
                batch.write(self.writer)
            done += size
            progress.update(done, "customers", self.writer.rows_written)
        with transaction.atomic():
            batch = Batch()
            self.tasks(batch)
            batch.write(self.writer)
            for step in GENERATION_STEPS:
                step(self)
            self.writer.reset_sequences(models.values())
        progress.update(total, "done", self.writer.rows_written)
        progress.finish()

    def _customers_won(self, batch: Batch) -> None:
        """A won deal makes its customer a deal customer (customer_mark_deal): the status, version and event."""
        rows = self.opportunity_rows
        if not rows.first_wins:
            return
        position = {row.id: n for n, row in enumerate(batch.customers)}
        became = rows.customers_won(batch, {cid: (batch.customers[position[cid]].name,
                                                  batch.customers[position[cid]].status) for cid in rows.first_wins})
        rows.first_wins.clear()   # every won deal of this chunk is on one of its customers
        for cid, when in became.items():
            row = batch.customers[position[cid]]
            batch.customers[position[cid]] = row._replace(status="deal", version=row.version + 1,
                                                          updated_at=max(row.updated_at, when))
        self.count("customers_became_deal", len(became))

    # --- organization: administrator and departments through the services, users in bulk (one hash) ----------
    def organization(self) -> None:
        from openfunnel.accounts.bootstrap import ensure_admin, ensure_builtin_roles
        from openfunnel.accounts.models import User
        from openfunnel.accounts.services import department_create
        from openfunnel.accounts.services.users import AUDITED_FIELDS
        from openfunnel.audit.services import event_bulk_record, event_fields
        from openfunnel.core.records import snapshot

        roles = ensure_builtin_roles()
        self.admin, _created = ensure_admin(username=ADMIN_USERNAME, password=BENCH_PASSWORD)
        self.admin.name = "基准管理员"
        self.admin.save(update_fields=["name"])
        self.hq = department_create(actor=self.admin, name=MARKER_DEPARTMENT)
        regions: list[Any] = []
        teams: list[tuple[int, Any]] = []
        for r in range(REGIONS):
            region = department_create(actor=self.admin, name=f"第{r + 1:02d}销售大区", parent=self.hq)
            regions.append(region)
            teams += [(r, department_create(actor=self.admin, name=f"{r + 1:02d}区{t + 1}组", parent=region))
                      for t in range(TEAMS_PER_REGION[r])]
        password = make_password(BENCH_PASSWORD)
        rng = random.Random(self.seed + 1)

        def user(username: str, role: str, department: Any, manager: Any, serial: int) -> Any:
            return User(username=username, password=password, name=names.person_name(rng), role=roles[role],
                        department=department, manager=manager, email=f"{username}@bench.openfunnel.cn",
                        phone=phone_digits(90_000_000 + serial))

        director = User.objects.bulk_create([user("bench.director", "director", self.hq, None, 0)])[0]
        managers = User.objects.bulk_create([user(f"bench.mgr{r + 1:02d}", "manager", region, director, r + 1)
                                             for r, region in enumerate(regions)])
        leads = User.objects.bulk_create([user(f"bench.lead{i + 1:02d}", "manager", team, managers[r], 100 + i)
                                          for i, (r, team) in enumerate(teams)])
        # Reps go round the teams (12-13 each), so the first region's four teams hold ~51 reps.
        reps = User.objects.bulk_create([user(f"bench.rep{i + 1:04d}", "rep", teams[i % len(teams)][1],
                                              leads[i % len(teams)], 1000 + i) for i in range(REPS)])
        everyone = [director, *managers, *leads, *reps]
        event_bulk_record([event_fields(actor=self.admin, verb="user.created", obj=u,
                                        data=snapshot(u, AUDITED_FIELDS)) for u in everyone])
        self.regions = regions
        self.team_region = [r for r, _team in teams]
        self.reps = [Person(id=u.pk, name=u.display_name, team=i % len(teams), name_json=encode(u.display_name))
                     for i, u in enumerate(reps)]
        self.team_reps: dict[int, list[Person]] = {}
        for person in self.reps:
            self.team_reps.setdefault(person.team, []).append(person)
        self.count("departments", 1 + len(regions) + len(teams))
        self.count("users", 1 + len(everyone))

    def reference_data(self) -> None:
        """Levels, pipelines and lost reasons as the installation has them; the bench's tags (tag_create)."""
        from openfunnel.activities.models import Activity
        from openfunnel.customers.models import CustomerLevel, Tag
        from openfunnel.customers.services import tag_create
        from openfunnel.sales.services.bulk import lost_reason_plans, pipeline_plans

        self.levels = list(CustomerLevel.objects.filter(is_active=True).order_by("order", "id")
                           .values_list("id", flat=True))
        if self.levels:
            self.level_pick = Weighted(self.levels, [1, 3, 6, 8] if len(self.levels) == 4 else [1] * len(self.levels))
        existing = set(Tag.objects.filter(name__in=TAG_NAMES).values_list("name", flat=True))
        for name in TAG_NAMES:
            if name not in existing:
                tag_create(actor=self.admin, name=name)
        self.tags = dict(Tag.objects.filter(name__in=TAG_NAMES).values_list("name", "id"))
        self.follow_up_texts = {kind: [(text, encode(text), f"{Activity.Kind(kind).label}: {text[:40]}")
                                       for text in texts] for kind, texts in FOLLOW_UP_TEXTS.items()}
        self.follow_up_message = _("Follow up with %(name)s")
        self.share_messages = (_("%(actor)s shared the customer “%(name)s” with you (read only)."),
                               _("%(actor)s shared the customer “%(name)s” with you (read and edit)."))
        self.lost_reasons = lost_reason_plans()
        # the generator fills fields, contacts and attachments, not product lines
        self.pipelines = [p for p in pipeline_plans() if "lines" not in p.required]
        if not self.pipelines:
            raise BenchError("no active pipeline with two open stages, a won and a lost stage (and no product-line "
                             "requirement): the opportunities have nowhere to go")
        self.pipeline_pick = Weighted(self.pipelines, [4] + [1] * (len(self.pipelines) - 1))
        if any(s.required_attachments for p in self.pipelines for s in p.open):
            default_storage.delete(SAMPLE_FILE)
            default_storage.save(SAMPLE_FILE, ContentFile(b"\xff\xd8\xff\xe0 bench sample photo"))
        self.opportunity_rows = OpportunityRows(
            now=self.now, take_id=self.take_id,
            sample=SampleFile(SAMPLE_FILE, SAMPLE_NAME, SAMPLE_SIZE, "image/jpeg"))

    # --- tasks: each rep's own to-do list around today (task_create, for oneself) -----------------------------
    def tasks(self, batch: Batch) -> None:
        rng = random.Random(self.seed + 2)
        per_rep = max(2, round(TASKS_PER_REP_FULL * self.scale))
        for rep in self.reps:
            own = self.rep_customers.get(rep.id, [])
            for _n in range(per_rep):
                task_id = self.take_id("task")
                title = TASK_TITLES[int(rng.random() * len(TASK_TITLES))]
                due = self.at(self.now_ts + rng.randint(-6, 14) * DAY).replace(
                    hour=rng.choice([10, 14, 16]), minute=0, second=0, microsecond=0)
                remind = due - dt.timedelta(hours=1) if rng.random() < 0.5 else None
                priority = rng.choice(["low", "normal", "normal", "high"])
                customer_id = own[int(rng.random() * len(own))] if own and rng.random() < 0.5 else None
                created = self.at(min(due.timestamp(), self.now_ts) - rng.randint(1, 10) * DAY)
                batch.tasks.append(TaskRow(
                    id=task_id, title=title, assignee_id=rep.id, created_by_id=rep.id, due_at=due, remind_at=remind,
                    priority=priority, customer_id=customer_id, created_at=created, updated_at=created))
                if remind is not None:
                    batch.reminders.append(ReminderRow(
                        user_id=rep.id, due_at=remind, message=(_("Task: %(title)s") % {"title": title})[:300],
                        customer_id=customer_id, activity_id=None, task_id=task_id, created_at=created))
                    self.count("reminders")
                batch.events.append(EventRow(
                    at=created, actor_id=rep.id, verb="task.created", object_type="task", object_id=task_id,
                    object_repr=title, customer_id=customer_id, changes="{}", data=encode({
                        "title": title, "description": "", "assignee": rep.id, "due_at": due.isoformat(),
                        "remind_at": remind.isoformat() if remind else None, "priority": priority, "status": "open",
                        "customer": customer_id, "lead": None, "contact": None})))
        self.count("tasks", len(self.reps) * per_rep)
        self.count("events", len(batch.events))

