"""Two years in the life of each demo customer (and of the leads that pass through the lead pool): who owned it
when, when they followed it up, and its trips through the public pools.

A rep works a customer at a cadence that depends on the customer (deal customers are called often, churned
ones rarely); now and then a rep lets a customer go quiet, or gives it up to a pool with a reason. The pools'
reclaim rules (pool.rules, the same functions the jobs use) decide when a quiet customer falls due: its owner
is warned first and mostly reacts with a follow-up, otherwise the job takes the customer back to the pool.
A customer in a pool waits until a member claims it or a manager assigns it, or is still there today.

Everything is told relative to `now`, so that the same seed builds the same company on any day; the jobs
are taken to run at every hourly tick and once more at `now`, so no customer is overdue for a reclaim or
warning when the demo starts. Nothing here writes to the database.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from openfunnel.demo import names
from openfunnel.pool.lead_rules import lead_rules
from openfunnel.pool.rules import Due, due_for, level_overrides, rules_for
from openfunnel.sales.services.bulk import job_time

DAY = 86400.0
# (mean days between follow-ups, chance per follow-up that the rep lets the customer go quiet, chance the
# owner reacts to a reclaim warning, chance per follow-up of giving the customer up) by customer status
CADENCE = {"deal": (25.0, 0.01, 0.9, 0.003), "potential": (36.0, 0.022, 0.8, 0.012),
           "churned": (48.0, 0.05, 0.55, 0.025)}
# Leads are worked fast and dropped fast.
LEAD_CADENCE = (15.0, 0.12, 0.7, 0.08)
LEAD_RELEASE_REASONS = ["线索信息不准确", "客户暂无需求", "电话无法接通", "非目标客户", "已有其他同事在跟进"]
RELEASE_REASONS = ["客户暂无采购计划", "联系人离职，暂时联系不上", "客户已选定其他供应商", "非目标行业，释放给其他同事跟进",
                   "客户规模太小，精力有限", "电话长期无人接听", "客户区域调整，交给当地同事"]


@dataclass
class Period:
    """One owner's time with the customer, from creation, a claim or an assignment to a release or reclaim."""

    owner: Any
    start: dt.datetime
    how: str                               # "created" | "claim" | "assign"
    pool: Any = None                       # the pool it was claimed or assigned from
    by: Any = None                         # the manager who assigned it
    follow_ups: list[dt.datetime] = field(default_factory=list)
    end: dt.datetime | None = None         # None: owned today
    exit: str = ""                         # "release" | "reclaim"
    exit_pool: Any = None
    released_by: Any = None
    reason: str = ""
    due: Due | None = None                 # the reclaim's rule


@dataclass
class Warning:
    at: dt.datetime
    owner: Any
    due: Due
    pool: Any
    period: Any


@dataclass
class Life:
    record: Any                            # a customer, or a lead
    created: dt.datetime
    lead: bool = False
    periods: list[Period] = field(default_factory=list)
    warnings: list[Warning] = field(default_factory=list)

    @property
    def in_pool(self) -> bool:
        return self.periods[-1].end is not None

    @property
    def pool(self) -> Any:
        """The record's pool today: the last pool it was in (None if it never was)."""
        for period in reversed(self.periods):
            if period.exit_pool is not None:
                return period.exit_pool
        return None


class Lives:
    """Simulates every customer's (and pool lead's) ownership against the pools' rules."""

    def __init__(self, *, rng: random.Random, now: dt.datetime, default_pool: Any, region_pool: Any, region: str,
                 lead_pool: Any, reps_by_region: dict[str, list[Any]], members: dict[int, set[int]],
                 manager_of: dict[int, Any]) -> None:
        self.rng, self.now = rng, now
        self.zone = timezone.get_current_timezone()
        # the region pool takes the customers of its own region that their reps give up (some of them)
        self.default_pool, self.region_pool, self.region_pool_region = default_pool, region_pool, region
        self.overrides = {pool.pk: level_overrides(pool) for pool in (default_pool, region_pool)}
        self.lead_pool = lead_pool
        self.reps_by_region, self.members, self.manager_of = reps_by_region, members, manager_of
        self.city_region = {city: region for city, _code, region in names.CITIES}
        # claims per (customers or leads, user, day): the pools' daily limit counts them by kind
        self.claims_per_day: dict[tuple[bool, int, dt.date], int] = defaultdict(int)

    # --- time ---------------------------------------------------------------------------------------------------
    def business(self, moment: dt.datetime, hour: int, minute: int, after: dt.datetime) -> dt.datetime:
        """`moment`'s day at hour:minute (office hours), later than `after`."""
        local = moment.astimezone(self.zone).replace(hour=hour, minute=minute, second=0, microsecond=0)
        while local <= after:
            local += dt.timedelta(days=1)
        return local

    def job_time(self, moment: dt.datetime) -> dt.datetime:
        return job_time(moment, self.now)

    # --- a life -------------------------------------------------------------------------------------------------
    def live(self, customer: Any, created: dt.datetime, owner: Any) -> Life:
        """A customer created by its first owner (the default pool's rules govern it)."""
        life = Life(record=customer, created=created)
        return self._go_on(life, Period(owner=owner, start=created, how="created"), self.default_pool, None)

    def live_in_pool(self, lead: Any, created: dt.datetime) -> Life:
        """A lead that came in without an owner: it lies in the lead pool until someone takes it."""
        life = Life(record=lead, created=created, lead=True)
        period = self._wait_in_pool(life, self.lead_pool, created)
        return self._go_on(life, period, self.lead_pool, None) if period is not None else life

    def _go_on(self, life: Life, period: Period, governing: Any, last: dt.datetime | None) -> Life:
        while True:
            life.periods.append(period)
            last = self._own(life, period, governing, last)
            if period.end is None:
                return life
            governing = period.exit_pool
            taken = self._wait_in_pool(life, governing, period.end)
            if taken is None:
                return life
            period = taken

    def _own(self, life: Life, period: Period, pool: Any, last: dt.datetime | None) -> dt.datetime | None:
        """Follow-ups until the owner still has the customer today, gives it up, or loses it to the job."""
        rng, record = self.rng, life.record
        if life.lead:
            mean, quiet_chance, react_chance, release_chance = LEAD_CADENCE
            rules, reasons = lead_rules(pool), LEAD_RELEASE_REASONS
        else:
            mean, quiet_chance, react_chance, release_chance = CADENCE.get(record.status, CADENCE["potential"])
            rules, reasons = rules_for(pool, record.level_id, self.overrides[pool.pk]), RELEASE_REASONS
        since = period.start
        while True:
            # every draw is made whatever happens next, so the sequence does not depend on today's date
            # a new owner calls soon: the customer was just created, claimed or assigned
            first = not period.follow_ups
            gap = rng.expovariate(1 / 4) if first else rng.expovariate(1 / mean)
            quiet = rng.random() < (0.06 if first and period.how != "created" else quiet_chance)
            gives_up, give_up_share = rng.random() < release_chance, rng.uniform(0.2, 1.0)
            reacts, react_share = rng.random() < react_chance, rng.uniform(0.1, 0.85)
            hour, minute = rng.randint(9, 18), rng.randint(0, 59)
            reason, by_manager, into_region = rng.choice(reasons), rng.random() < 0.15, rng.random() < 0.4
            base = max(last, since) if last is not None else since
            due = due_for(owner_since=since, last_follow_up_at=last, won_at=None, rules=rules)
            following = None if quiet else self.business(base + dt.timedelta(days=gap), hour, minute, base)
            release_at = None
            if gives_up:
                release_at = self.business(base + dt.timedelta(days=gap * give_up_share), hour, minute, base)
                if release_at > self.now or (due is not None and release_at >= due.at) \
                        or (following is not None and release_at > following):
                    release_at = None
            # the warning job writes to the owner once the reclaim is near, unless something happens first
            warned_at = None
            if due is not None and pool.warn_days_before:
                moment = self.job_time(max(due.at - dt.timedelta(days=pool.warn_days_before), base))
                first_next = min((t for t in (following, release_at) if t is not None), default=None)
                if moment <= self.now and moment < due.at and (first_next is None or moment < first_next):
                    warned_at = moment
                    life.warnings.append(Warning(moment, period.owner, due, pool, period))
            if release_at is not None:
                if life.lead:
                    target = self.lead_pool
                elif into_region and self._region(record) == self.region_pool_region \
                        and period.owner.pk in self.members[self.region_pool.pk]:
                    target = self.region_pool
                else:
                    target = self.default_pool
                manager = self.manager_of.get(period.owner.pk)
                period.end, period.exit, period.exit_pool, period.reason = release_at, "release", target, reason
                period.released_by = manager if by_manager and manager is not None else period.owner
                return last
            if due is not None and (following is None or following >= due.at):
                if not quiet and reacts and warned_at is not None:
                    # the warning works: the owner calls before the customer is gone
                    reaction = self.business(warned_at + (due.at - warned_at) * react_share, hour, minute, warned_at)
                    if reaction < due.at:
                        if reaction > self.now:
                            return last          # warned, and the owner has not called yet
                        period.follow_ups.append(reaction)
                        last = reaction
                        continue
                if due.at <= self.now:
                    period.end, period.exit, period.due = self.job_time(due.at), "reclaim", due
                    period.exit_pool = pool.reclaim_to or pool
                    return last
                return last
            if following is None or following > self.now:
                return last
            period.follow_ups.append(following)
            last = following

    def _region(self, record: Any) -> str:
        """华东, 华南 or 华北: customers carry "region/city", leads (and customers converted from them) the city."""
        region = record.region or ""
        return region.split("/")[0] if "/" in region else self.city_region.get(region, "")

    def _wait_in_pool(self, life: Life, pool: Any, entered: dt.datetime) -> Period | None:
        """It waits in the pool until a member claims it or a manager assigns it (or is still there)."""
        rng = self.rng
        roll = rng.random()
        soon = 5 if life.lead else 12
        wait = rng.expovariate(1 / soon) + 0.2 if roll < 0.45 else rng.uniform(30, 240)
        hour, minute = rng.randint(9, 18), rng.randint(0, 59)
        local, assigned = rng.random() < 0.7, rng.random() < 0.3
        pick = rng.random()
        if roll >= 0.75:
            return None                           # nobody wants it
        at = self.business(entered + dt.timedelta(days=wait), hour, minute, entered)
        region = self._region(life.record) if local else rng.choice(sorted(self.reps_by_region))
        everyone = [r for key in sorted(self.reps_by_region) for r in self.reps_by_region[key]]
        members = self.members[pool.pk]
        cooled = [r for r in self.reps_by_region.get(region) or everyone
                  if r.pk in members and self._cooled_down(life, pool, r, at)] or \
            [r for r in everyone if r.pk in members and self._cooled_down(life, pool, r, at)]
        if not cooled:
            return None
        owner = cooled[int(pick * len(cooled))]
        how = "assign" if pool.claim_mode == "assign" or (pool.claim_mode == "both" and assigned) else "claim"
        if how == "claim" and pool.daily_claim_limit is not None:
            while self.claims_per_day[(life.lead, owner.pk, at.astimezone(self.zone).date())] >= pool.daily_claim_limit:
                at += dt.timedelta(days=1)
        if at > self.now:
            return None
        if how == "claim":
            self.claims_per_day[(life.lead, owner.pk, at.astimezone(self.zone).date())] += 1
        return Period(owner=owner, start=at, how=how, pool=pool,
                      by=self.manager_of.get(owner.pk) if how == "assign" else None)

    def _cooled_down(self, life: Life, pool: Any, rep: Any, at: dt.datetime) -> bool:
        """cooldown_until: a rep may take it back only K days after they gave it up or lost it."""
        for period in life.periods:
            if period.owner.pk == rep.pk and period.end is not None and \
                    at < period.end + dt.timedelta(days=pool.cooldown_days or 0):
                return False
        return True
