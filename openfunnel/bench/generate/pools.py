"""The public pools of the benchmark company, and each customer's story with them.

Pools are made by pool_create, as an administrator makes them: the company pool (default, every department a
member, stricter days for nobody, looser for the first level) and one pool per region (its reps release there).
Each customer then lives the story the services and the hourly jobs would have written, told with
pool.services.bulk.PoolRows:

- whenever the company pool's rules made it due before now, the reclaim job took it back at that moment
  (customer_reclaim: the pool log entry with the rule, the timeline event, the owner's notice). So no owned
  customer is due at the generator's `now`, as on a system whose job runs every hour;
- otherwise a few owners gave one up (customer_release into their region's pool, with a reason) before it fell
  due, never one with a follow-up planned;
- some customers lying in a pool were claimed by another member in the last weeks (customer_claim), within
  the days the rules give a claimer before a first follow-up is due.

About a fifth of the customers end in a pool. The follow-ups and opportunities of a customer that left its
owner all come before the moment it left (the generator bounds them with CustomerRef.until).
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from openfunnel.bench.generate.values import DAY, Person
from openfunnel.pool.rules import Due, Rules, due_for, rules_for
from openfunnel.pool.services.bulk import PoolRows, Record

if TYPE_CHECKING:
    from openfunnel.bench.generate.company import Generator
    from openfunnel.bench.generate.rows import Batch

COMPANY_POOL = "公司公海"
REGION_POOL = "第{:02d}大区公海"
AFTER_CLAIM_DAYS = 30
NO_FOLLOW_UP_DAYS = 180          # with the claims below, about a fifth of the customers end in a pool
FIRST_LEVEL_NO_FOLLOW_UP_DAYS = 360
REGION_NO_FOLLOW_UP_DAYS = 120
RELEASE_RATE = 0.03              # owned customers, never due, without a planned follow-up, given up
CLAIM_RATE = 0.25                # pool customers claimed again by another member
CLAIM_WINDOW_DAYS = 25           # < AFTER_CLAIM_DAYS: a claimed customer is not due yet at `now`
DAILY_CLAIM_LIMIT = 100
COOLDOWN_DAYS = 30
RELEASE_REASONS = ["客户暂无采购计划", "多次联系不上决策人", "客户已选择其他供应商", "行业不匹配，转公海"]


@dataclass(frozen=True)
class PoolStory:
    """A customer's pool columns once its story is told, and when its first owner lost it (None: never)."""

    owner_id: int | None
    owner_since: dt.datetime | None
    pool_id: int | None
    pool_entered_at: dt.datetime | None
    pool_reason: str
    previous_owner_id: int | None
    version: int
    updated_at: dt.datetime
    until: float | None


def max_owned(scale: float) -> int:
    """The company pool's owned limit: above what a rep owns at this scale (~1,600 at scale 1), so that the
    benchmark's claims are not refused, yet checked on every claim."""
    return max(200, round(4000 * scale))


class PoolSetup:
    """The pools, their rules per level, and the row builder; `story` tells one customer's story."""

    def __init__(self, gen: Generator) -> None:
        from openfunnel.customers.models import CustomerLevel
        from openfunnel.pool.rules import level_overrides
        from openfunnel.pool.services import pool_create

        levels = list(CustomerLevel.objects.filter(is_active=True).order_by("order", "id"))
        common = {"kind": "customer", "claim_mode": "both", "reclaim_after_claim_days": AFTER_CLAIM_DAYS,
                  "daily_claim_limit": DAILY_CLAIM_LIMIT, "max_owned_per_user": max_owned(gen.scale),
                  "warn_days_before": 0, "cooldown_days": COOLDOWN_DAYS,
                  # the hand SQL of the benchmark lists a member's pools as one list (customers.selectors
                  # splits them by this flag)
                  "members_see_history": True}
        self.company = pool_create(
            actor=gen.admin, values={**common, "name": COMPANY_POOL, "is_default": True,
                                     "reclaim_no_follow_up_days": NO_FOLLOW_UP_DAYS},
            member_departments=[gen.hq],
            level_rules=[{"level": levels[0], "reclaim_no_follow_up_days": FIRST_LEVEL_NO_FOLLOW_UP_DAYS}]
            if levels else [])
        self.regions = [pool_create(actor=gen.admin, values={**common, "name": REGION_POOL.format(r + 1),
                                                             "reclaim_no_follow_up_days": REGION_NO_FOLLOW_UP_DAYS},
                                    member_departments=[region])
                        for r, region in enumerate(gen.regions)]
        overrides = level_overrides(self.company)
        self.rules: dict[int | None, Rules] = {level.pk: rules_for(self.company, level.pk, overrides)
                                               for level in levels}
        self.rules[None] = rules_for(self.company, None, overrides)
        self.gen = gen
        self.rng = random.Random(gen.seed + 3)
        now_ts = gen.now_ts
        self.rows = PoolRows(read_at=lambda sent: sent + dt.timedelta(days=1)
                             if now_ts - sent.timestamp() > 7 * DAY else None)
        self.region_of = {pool.pk: r for r, pool in enumerate(self.regions)}
        self.region_reps: dict[int, list[Person]] = {}
        for person in gen.reps:
            self.region_reps.setdefault(gen.team_region[person.team], []).append(person)
        gen.count("pools", 1 + len(self.regions))

    def story(self, batch: Batch, *, cid: int, name: str, owner: Person, level: int | None, created_at: dt.datetime,
              last: dt.datetime | None, planned: dt.datetime | None) -> PoolStory:
        gen, rng, rows = self.gen, self.rng, self.rows
        record = Record(cid, name)
        due = due_for(owner_since=created_at, last_follow_up_at=last, won_at=None,
                      rules=self.rules.get(level, self.rules[None]))
        left: tuple[Any, dt.datetime, str] | None = None
        if due is not None and due.at <= gen.now:
            rows.reclaim(batch, pool=self.company, customer=record, owner=owner, due=due, at=due.at)
            left = (self.company, due.at, rows.reclaim_reason(due))
            gen.count("pool_reclaims")
        elif planned is None and rng.random() < RELEASE_RATE:
            left = self._release(batch, record, owner, created_at, last, due)
        if left is None:
            return PoolStory(owner.id, created_at, None, None, "", None, 1, created_at, None)
        pool, at, reason = left
        claimer = (self._claimer(pool, owner) if at.timestamp() < gen.now_ts - DAY and rng.random() < CLAIM_RATE
                   else None)
        if claimer is not None:
            claimed = gen.at(rng.uniform(max(at.timestamp() + 3600, gen.now_ts - CLAIM_WINDOW_DAYS * DAY),
                                         gen.now_ts - 3600))
            rows.claim(batch, pool=pool, customer=record, user=claimer, at=claimed)
            gen.count("pool_claims")
            return PoolStory(claimer.id, claimed, pool.pk, None, "", owner.id, 3, claimed, at.timestamp())
        gen.count("pool_customers")
        return PoolStory(None, None, pool.pk, at, reason, owner.id, 2, at, at.timestamp())

    def _release(self, batch: Batch, record: Record, owner: Person, created_at: dt.datetime,
                 last: dt.datetime | None, due: Due | None) -> tuple[Any, dt.datetime, str] | None:
        """The owner gives the customer up to their region's pool, after its last follow-up and before it falls
        due (a customer that fell due went back by the job)."""
        gen, rng = self.gen, self.rng
        low = max(created_at.timestamp() + 2 * DAY, last.timestamp() + 3600 if last else 0.0)
        high = min(due.at.timestamp() if due else gen.now_ts, gen.now_ts) - 3600
        if low >= high:
            return None
        at = gen.at(rng.uniform(low, high))
        pool = self.regions[gen.team_region[owner.team]]
        reason = RELEASE_REASONS[int(rng.random() * len(RELEASE_REASONS))]
        self.rows.release(batch, pool=pool, customer=record, owner=owner, actor=owner, reason=reason, at=at)
        gen.count("pool_releases")
        return pool, at, reason

    def _claimer(self, pool: Any, owner: Person) -> Person | None:
        """A member of the pool other than the owner who gave it up (their cooldown would refuse them)."""
        members = self.gen.reps if pool.pk == self.company.pk else self.region_reps[self.region_of[pool.pk]]
        for _attempt in range(3):
            person = members[int(self.rng.random() * len(members))]
            if person.id != owner.id:
                return person
        return None
