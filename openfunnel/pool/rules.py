"""The reclaim rules: when an owned customer falls due to return to its pool, and which rule fires.

The same definitions serve the SQL side (`due_customers`: which customers are due at a moment, batch-wise)
and the Python side (`due_for`: when exactly and why, for one customer), so the jobs, the dry-run page and
the "days left" column always agree.

- after_claim: no follow-up within N days after the claim or assignment (`owner_since`);
- no_follow_up: no follow-up within N days since the last one (counted from `owner_since` when the last
  follow-up is older than the ownership);
- no_deal: no won opportunity within N days of ownership.
Customers with an opportunity at or beyond the pool's exempt stage are never due.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.db.models import Exists, F, OuterRef, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from openfunnel.pool.models import Pool, PoolLevelRule

BATCH = 500
AFTER_CLAIM = "after_claim"
NO_FOLLOW_UP = "no_follow_up"
NO_DEAL = "no_deal"
RULE_LABELS: dict[str, Any] = {
    AFTER_CLAIM: _("no follow-up within %(days)d days after claim or assignment"),
    NO_FOLLOW_UP: _("no follow-up within %(days)d days since the last one"),
    NO_DEAL: _("no won deal within %(days)d days of ownership"),
}
# Short names for a list column (the pool log): the reason stored with a reclaim has the days, in the
# company's language.
RULE_NAMES: dict[str, Any] = {
    AFTER_CLAIM: _("No follow-up after claim"),
    NO_FOLLOW_UP: _("No follow-up"),
    NO_DEAL: _("No won deal"),
}
# A lead's "deal" is its conversion (openfunnel.pool.lead_rules).
LEAD_RULE_LABELS: dict[str, Any] = {**RULE_LABELS, NO_DEAL: _("not converted within %(days)d days of ownership")}


@dataclass(frozen=True)
class Rules:
    after_claim: int | None = None
    no_follow_up: int | None = None
    no_deal: int | None = None
    lead: bool = False

    def days(self, rule: str) -> int:
        return int(getattr(self, rule) or 0)

    def label(self, rule: str) -> str:
        return str((LEAD_RULE_LABELS if self.lead else RULE_LABELS)[rule]) % {"days": self.days(rule)}

    @property
    def empty(self) -> bool:
        return self.after_claim is None and self.no_follow_up is None and self.no_deal is None


@dataclass(frozen=True)
class Due:
    at: dt.datetime
    rule: str
    rules: Rules

    @property
    def label(self) -> str:
        return self.rules.label(self.rule)

    def days_left(self, now: dt.datetime) -> int:
        """Whole days until the reclaim (0 when it is due now or overdue)."""
        seconds = (self.at - now).total_seconds()
        return max(0, -int(-seconds // 86400))


def _pick(override: int | None, default: int | None) -> int | None:
    return override if override is not None else default


def rules_for(pool: Pool, level_id: int | None, overrides: dict[int, PoolLevelRule] | None = None) -> Rules:
    """The pool's reclaim days, with the customer level's overrides applied."""
    override = (overrides or {}).get(level_id) if level_id is not None else None
    if override is None:
        return Rules(pool.reclaim_after_claim_days, pool.reclaim_no_follow_up_days, pool.reclaim_no_deal_days)
    return Rules(_pick(override.reclaim_after_claim_days, pool.reclaim_after_claim_days),
                 _pick(override.reclaim_no_follow_up_days, pool.reclaim_no_follow_up_days),
                 _pick(override.reclaim_no_deal_days, pool.reclaim_no_deal_days))


def level_overrides(pool: Pool) -> dict[int, PoolLevelRule]:
    cache = getattr(pool, "_prefetched_objects_cache", {})
    rules = cache["level_rules"] if "level_rules" in cache else PoolLevelRule.objects.filter(pool=pool)
    return {rule.level_id: rule for rule in rules}


def due_for(*, owner_since: dt.datetime | None, last_follow_up_at: dt.datetime | None, won_at: dt.datetime | None,
            rules: Rules) -> Due | None:
    """When the customer falls due and by which rule (the earliest); None when no rule applies."""
    if owner_since is None or rules.empty:
        return None
    found: list[tuple[dt.datetime, int, str]] = []
    if rules.after_claim is not None and (last_follow_up_at is None or last_follow_up_at < owner_since):
        found.append((owner_since + dt.timedelta(days=rules.after_claim), 0, AFTER_CLAIM))
    if rules.no_follow_up is not None:
        base = max(last_follow_up_at, owner_since) if last_follow_up_at else owner_since
        found.append((base + dt.timedelta(days=rules.no_follow_up), 1, NO_FOLLOW_UP))
    if rules.no_deal is not None and not (won_at is not None and won_at >= owner_since):
        found.append((owner_since + dt.timedelta(days=rules.no_deal), 2, NO_DEAL))
    if not found:
        return None
    at, _order, rule = min(found)
    return Due(at=at, rule=rule, rules=rules)


def _won_since_ownership() -> Exists:
    from openfunnel.sales.models import Opportunity

    return Exists(Opportunity.objects.filter(customer_id=OuterRef("pk"), status=Opportunity.Status.WON,
                                             deleted_at__isnull=True, won_at__gte=OuterRef("owner_since")))


def due_q(rules: Rules, at: dt.datetime, *, since: str = "owner_since", won: Q | None = None) -> Q:
    """Records (owned) that are due at `at` under `rules` — the SQL twin of `due_for`.

    `since` names the ownership start (customers: owner_since; leads: assigned_at); `won` the condition that
    stops the no-deal rule (customers: a win since the ownership began; leads: none, open leads are unconverted).
    """
    q = Q(pk__in=[])
    if rules.after_claim is not None:
        q |= Q(**{f"{since}__lte": at - dt.timedelta(days=rules.after_claim)}) & (
            Q(last_follow_up_at__isnull=True) | Q(last_follow_up_at__lt=F(since)))
    if rules.no_follow_up is not None:
        limit = at - dt.timedelta(days=rules.no_follow_up)
        q |= Q(**{f"{since}__lte": limit}) & (Q(last_follow_up_at__isnull=True) | Q(last_follow_up_at__lte=limit))
    if rules.no_deal is not None:
        no_deal = Q(**{f"{since}__lte": at - dt.timedelta(days=rules.no_deal)})
        q |= no_deal & ~won if won is not None else no_deal
    return q


def _due_q(rules: Rules, at: dt.datetime) -> Q:
    return due_q(rules, at, won=Q(won_since_ownership=True))


def governed_q(pool: Pool, prefix: str = "") -> Q:
    """Customers whose reclaim rules come from `pool` (their pool, or no pool and this is the default)."""
    q = Q(**{f"{prefix}pool_id": pool.pk})
    if pool.is_default:
        q |= Q(**{f"{prefix}pool_id__isnull": True})
    return q


def exempts(pool: Pool) -> bool:
    """Whether the pool exempts any customer from reclaim (exempt_q is not None), without building the condition."""
    return pool.exempt_stage_id is not None


def exempt_q(pool: Pool) -> Q | None:
    """Customers exempt from reclaim: an opportunity at or beyond the pool's exempt stage (same pipeline).

    Signed contracts exempt too once the orders app exists (the setting is stored already).
    """
    if not exempts(pool):
        return None
    from openfunnel.sales.models import Opportunity

    stage = pool.exempt_stage
    return Q(Exists(Opportunity.objects.filter(
        customer_id=OuterRef("pk"), deleted_at__isnull=True,
        status__in=[Opportunity.Status.OPEN, Opportunity.Status.WON],
        stage__pipeline_id=stage.pipeline_id, stage__order__gte=stage.order)))


def owned_governed_by(pool: Pool) -> QuerySet[Any]:
    from openfunnel.customers.models import Customer

    queryset = Customer.objects.filter(governed_q(pool), owner__isnull=False, deleted_at__isnull=True)
    exempt = exempt_q(pool)
    if exempt is not None:
        queryset = queryset.exclude(exempt)
    return queryset


def due_customers(pool: Pool, at: dt.datetime) -> QuerySet[Any]:
    """Owned customers governed by `pool` that are due for reclaim at `at` (not exempt)."""
    overrides = level_overrides(pool)
    q = (~Q(level_id__in=list(overrides)) | Q(level_id__isnull=True)) & _due_q(rules_for(pool, None), at)
    for level_id in overrides:
        q |= Q(level_id=level_id) & _due_q(rules_for(pool, level_id, overrides), at)
    return owned_governed_by(pool).annotate(won_since_ownership=_won_since_ownership()).filter(q)


def won_dates(customer_ids: list[int]) -> dict[int, dt.datetime]:
    """The latest win of each customer (one query for a batch)."""
    from django.db.models import Max

    from openfunnel.sales.models import Opportunity

    rows = (Opportunity.objects.filter(customer_id__in=customer_ids, status=Opportunity.Status.WON,
                                       deleted_at__isnull=True, won_at__isnull=False)
            .values("customer_id").annotate(last=Max("won_at")).values_list("customer_id", "last"))
    return dict(rows)


def governing_pools() -> tuple[dict[int, Pool], Pool | None]:
    """Every customer pool (level rules prefetched) and the default one."""
    pools = {p.pk: p for p in Pool.objects.filter(kind=Pool.Kind.CUSTOMER).select_related("exempt_stage",
                                                                                           "reclaim_to")
             .prefetch_related("level_rules")}
    default = next((p for p in pools.values() if p.is_default), None)
    return pools, default


def reclaim_outlook(customers: list[Any], now: dt.datetime, *, user: Any = None) -> dict[int, Due]:
    """For a page of owned customers: when each falls due and why (customers exempt or without rules are absent).

    One query for the page (each customer's latest win, and whether the pool governing it exempts it), plus the
    pools — kept with the reference data when `user` (the signed-in user, who carries its token) is given, and then
    the query compiled once per set of exempting pools while the pools are unchanged (core.compiled).
    """
    owned = [c for c in customers if c.owner_id is not None]
    if not owned:
        return {}
    from openfunnel.web.choices import reference_cached

    pools, default = reference_cached(user, "pool-governing", governing_pools) if user else governing_pools()
    governing = {c.pk: pools.get(c.pool_id) if c.pool_id else default for c in owned}
    exempting = tuple(sorted(pool.pk for pool in {p for p in governing.values() if p is not None}
                             if exempts(pool)))
    ids = sorted(governing)
    if user is not None and getattr(user, "reference_token", None):
        from openfunnel.core.compiled import CompiledQuery

        compiled = reference_cached(user, ("pool-outlook", exempting), lambda: CompiledQuery(
            lambda ids: _outlook_rows(ids, [pools[pk] for pk in exempting]), prepared=True))
        rows = compiled.all(ids)
    else:
        rows = _outlook_rows(ids, [pools[pk] for pk in exempting])
    facts = {row["pk"]: row for row in rows}
    outlook: dict[int, Due] = {}
    for customer in owned:
        pool, row = governing[customer.pk], facts.get(customer.pk)
        if pool is None or row is None or row.get(f"exempt_{pool.pk}"):
            continue
        due = due_for(owner_since=customer.owner_since, last_follow_up_at=customer.last_follow_up_at,
                      won_at=row["last_win"], rules=rules_for(pool, customer.level_id, level_overrides(pool)))
        if due is not None:
            outlook[customer.pk] = due
    return outlook


def _outlook_rows(ids: list[int], exempting: list[Pool]) -> QuerySet[Any]:
    """Per customer of `ids`: its latest win, and whether each pool of `exempting` exempts it."""
    from django.db.models import BooleanField, ExpressionWrapper, Subquery

    from openfunnel.customers.models import Customer
    from openfunnel.sales.models import Opportunity

    last_win = (Opportunity.objects.filter(customer_id=OuterRef("pk"), status=Opportunity.Status.WON,
                                           deleted_at__isnull=True, won_at__isnull=False)
                .order_by("-won_at").values("won_at")[:1])
    return (Customer.objects.filter(pk__in_array=ids).order_by()
            .annotate(last_win=Subquery(last_win),
                      **{f"exempt_{pool.pk}": ExpressionWrapper(exempt_q(pool), output_field=BooleanField())
                         for pool in exempting})
            .values("pk", "last_win", *[f"exempt_{pool.pk}" for pool in exempting]))


def due_rows(pool: Pool, at: dt.datetime, *, batch: int = BATCH) -> Iterator[tuple[dict[str, Any], Due]]:
    """Owned customers governed by `pool` that are due at `at`, with when and why; batch by batch."""
    overrides = level_overrides(pool)
    last_id = 0
    while True:
        rows = list(due_customers(pool, at).filter(pk__gt=last_id).order_by("pk")
                    .values("pk", "owner_id", "owner_since", "last_follow_up_at", "level_id")[:batch])
        if not rows:
            return
        wins = won_dates([r["pk"] for r in rows])
        for row in rows:
            due = due_for(owner_since=row["owner_since"], last_follow_up_at=row["last_follow_up_at"],
                          won_at=wins.get(row["pk"]), rules=rules_for(pool, row["level_id"], overrides))
            if due is not None and due.at <= at:
                yield row, due
        last_id = rows[-1]["pk"]
