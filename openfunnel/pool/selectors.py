"""Reads of pools, pool customers and the pool log, always starting from the actor's membership and scope.

Who sees a pool: its member users, the users of its member departments (and their sub-departments), and
holders of config.manage (the admins who configure pools). A pool the actor does not see answers NotFound.
"""

from __future__ import annotations

import copy
import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Case, Count, IntegerField, Q, QuerySet, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from openfunnel.accounts.scope import has_perm, visible_owner_ids
from openfunnel.core.api import parse_id
from openfunnel.core.branches import not_for_index
from openfunnel.core.errors import NotFound
from openfunnel.pool.models import Pool, PoolEvent

MAX_DEPARTMENT_DEPTH = 6


def department_chain(actor: Any) -> Any:
    """The actor's department and the departments above it (members of a department include its subtree): ids
    from the process's copy of the tree, or a subquery — either way adding pools to a customer scope costs no
    query of its own."""
    from openfunnel.accounts.models import Department

    department_id = getattr(actor, "department_id", None)
    if department_id is None:
        return Department.objects.none().values("pk")
    if getattr(actor, "reference_token", None):
        # The same departments, walked up from the process's copy of the tree (kept while the reference token
        # read with the user is unchanged): a list of ids costs PostgreSQL no planning of five self-joins.
        from openfunnel.web.choices import reference_cached

        parents = reference_cached(actor, "pool.department_parents",
                                   lambda: dict(Department.objects.values_list("pk", "parent_id")))
        chain = [department_id]
        while len(chain) < MAX_DEPARTMENT_DEPTH and parents.get(chain[-1]) is not None:
            chain.append(parents[chain[-1]])
        return chain
    q = Q(pk=department_id)
    for depth in range(1, MAX_DEPARTMENT_DEPTH):
        q |= Q(**{"__".join(["children"] * depth): department_id})
    return Department.objects.filter(q).values("pk")


def member_pool_ids(actor: Any) -> Any:
    """A subquery of the ids of the pools the actor is a member of (not counting admin rights)."""
    return member_pool_ids_of(getattr(actor, "pk", None), department_chain(actor))


def member_pool_ids_of(user_id: Any, departments: Any) -> Any:
    """member_pool_ids for a user id and its department_chain (ids, or a subquery of them)."""
    users = Pool.member_users.through.objects.filter(user_id=user_id).values("pool_id")
    in_departments = Pool.member_departments.through.objects.filter(department_id__in=departments).values("pool_id")
    return Pool.objects.filter(Q(pk__in=users) | Q(pk__in=in_departments)).values("pk")


def is_pool_admin(actor: Any) -> bool:
    return has_perm(actor, "config.manage")


def pools_visible_to(actor: Any) -> QuerySet[Pool]:
    """The pools the actor may open: member pools; every pool for pool admins (config.manage)."""
    if not getattr(actor, "is_authenticated", False) or not actor.is_active:
        return Pool.objects.none()
    if is_pool_admin(actor):
        return Pool.objects.all()
    return Pool.objects.filter(pk__in=member_pool_ids(actor))


def pool_customers_q(actor: Any, prefix: str = "", *, history_only: bool = False) -> Q:
    """Customers in a pool the actor is a member of (unowned ones only): customers.selectors adds it to scope.

    With `history_only`, just the pools whose members may see the customers' history (follow-ups,
    opportunities, contacts, files); the others show their customers' basic fields only.
    """
    pools = member_pool_ids(actor)
    if history_only:
        pools = pools.filter(members_see_history=True)
    return Q(**{f"{prefix}owner_id__isnull": True, f"{prefix}pool_id__in": pools})


def pool_list(*, actor: Any) -> QuerySet[Pool]:
    """Visible pools with the number of customers in each, and for lead pools the number of open leads without
    an owner (every lead pool holds them all); one query."""
    from openfunnel.leads.models import Lead

    open_unowned = (Lead.objects.filter(owner__isnull=True, deleted_at__isnull=True)
                    .exclude(status__in=[Lead.Status.CONVERTED, Lead.Status.INVALID])
                    .order_by().annotate(one=Value(1)).values("one").annotate(n=Count("pk")).values("n"))
    return (pools_visible_to(actor).select_related("reclaim_to", "exempt_stage")
            .annotate(customer_count=Count("customers", filter=Q(customers__owner__isnull=True,
                                                                 customers__deleted_at__isnull=True)),
                      lead_count=Case(When(kind=Pool.Kind.LEAD,
                                           then=Coalesce(Subquery(open_unowned, output_field=IntegerField()),
                                                         Value(0))),
                                      default=Value(None), output_field=IntegerField()))
            .order_by("name", "id"))


@dataclass(frozen=True)
class _KeptPools:
    """Every pool (with its reclaim target and exempt stage) and who is a member of which: reference data."""

    pools: dict[int, Pool]
    by_user: dict[int, frozenset[int]]
    by_department: dict[int, frozenset[int]]

    @classmethod
    def load(cls) -> _KeptPools:
        def grouped(rows: Any) -> dict[int, frozenset[int]]:
            found: dict[int, set[int]] = {}
            for member, pool_id in rows:
                found.setdefault(member, set()).add(pool_id)
            return {member: frozenset(ids) for member, ids in found.items()}

        return cls(pools={pool.pk: pool for pool in Pool.objects.select_related("reclaim_to", "exempt_stage")},
                   by_user=grouped(Pool.member_users.through.objects.values_list("user_id", "pool_id")),
                   by_department=grouped(Pool.member_departments.through.objects.values_list("department_id",
                                                                                            "pool_id")))

    def visible(self, actor: Any, pool_id: int) -> Pool | None:
        """A copy of the pool if the actor may open it (the same rule as pools_visible_to)."""
        pool = self.pools.get(pool_id)
        if pool is None:
            return None
        if not is_pool_admin(actor) and pool_id not in self.by_user.get(actor.pk, ()) and not any(
                pool_id in self.by_department.get(department, ()) for department in department_chain(actor)):
            return None
        return copy.copy(pool)   # the caller's to mark and change; its related rows stay shared


def pool_get(*, actor: Any, id: Any, related: bool = True) -> Pool:
    """One visible pool; NotFound when missing or when the actor is not a member (nor a pool admin).
    `related=False` leaves its reclaim target and exempt stage to be read when needed (a claim needs neither)."""
    pool_id = parse_id(id)
    if getattr(actor, "reference_token", None) and actor.is_active:
        # Pools and their members are reference data (web.choices.REFERENCE_MODELS: a save, a delete or a change
        # of members changes the token read with the user): the process's copy answers without a query.
        from openfunnel.web.choices import reference_cached

        pool = reference_cached(actor, "pool.kept_pools", _KeptPools.load).visible(actor, pool_id)
    else:
        pools = pools_visible_to(actor)
        if related:
            pools = pools.select_related("reclaim_to", "exempt_stage")
        pool = pools.filter(pk=pool_id).first()
    if pool is None:
        raise NotFound()
    pool.visible_to = actor.pk   # found through the actor's visibility: the claim services need not ask again
    return pool


def pool_detail(*, actor: Any, id: Any) -> Pool:
    """A visible pool with its members and level rules prefetched (settings form, API detail)."""
    pool = (pools_visible_to(actor).select_related("reclaim_to", "exempt_stage")
            .prefetch_related("member_users", "member_departments", "level_rules__level")
            .filter(pk=parse_id(id)).first())
    if pool is None:
        raise NotFound()
    return pool


def pool_for_release(*, actor: Any, id: Any) -> Pool:
    """A customer pool the actor may release into (members; managers with customers.transfer: any pool).

    A pool the actor may not use reads as an invalid choice (ValidationFailed on `pool`)."""
    from django.utils.translation import gettext as _

    from openfunnel.core.errors import ValidationFailed

    pools = Pool.objects.all() if has_perm(actor, "customers.transfer") else pools_visible_to(actor)
    pool = pools.filter(kind=Pool.Kind.CUSTOMER, pk=id if str(id).isdigit() else 0).first()
    if pool is None:
        raise ValidationFailed(fields={"pool": [_("Choose a pool you are a member of.")]})
    return pool


def pools_for_release(actor: Any) -> QuerySet[Pool]:
    """Customer pools offered in the release form."""
    pools = Pool.objects.all() if has_perm(actor, "customers.transfer") else pools_visible_to(actor)
    return pools.filter(kind=Pool.Kind.CUSTOMER).order_by("name", "id")


def lead_pools_for_release(actor: Any) -> QuerySet[Pool]:
    """Lead pools a lead release may name: the actor's own; every lead pool for holders of leads.assign."""
    pools = Pool.objects.all() if has_perm(actor, "leads.assign") else pools_visible_to(actor)
    return pools.filter(kind=Pool.Kind.LEAD).order_by("name", "id")


def pool_customers(*, actor: Any, pool: Pool, search: str = "") -> QuerySet[Any]:
    """The customers in a pool the actor already holds (from pool_get): the basic fields a member sees;
    `search` matches part of the name."""
    from openfunnel.customers.models import Customer

    # meant to read SQLite in the order of the customer_pool_queue index (not_for_index): it does at scale 0.2,
    # not yet with the full-scale statistics (bench README, fifth round)
    unowned = not_for_index(Q(owner__isnull=True))
    customers = (Customer.objects.filter(unowned, pool=pool, deleted_at__isnull=True)
                 .select_related("level", "previous_owner").order_by("-pool_entered_at", "-id"))
    search = (search or "").strip()[:100]
    return customers.filter(name__icontains=search) if search else customers


def pool_leads(*, actor: Any, pool: Pool, search: str = "") -> QuerySet[Any]:
    """The unowned, open leads a lead pool's member may claim (basic fields), newest first; `search` matches
    part of the company name."""
    from openfunnel.leads.models import Lead

    if pool.kind != Pool.Kind.LEAD:
        return Lead.objects.none()
    leads = (Lead.objects.filter(owner__isnull=True, deleted_at__isnull=True)
             .exclude(status__in=[Lead.Status.CONVERTED, Lead.Status.INVALID]).order_by("-id"))
    search = (search or "").strip()[:100]
    return leads.filter(company__icontains=search) if search else leads


def pool_events_visible_to(actor: Any) -> QuerySet[PoolEvent]:
    """Pool log entries the actor sees: the events of users within the actor's data scope, plus the actor's own."""
    events = PoolEvent.objects.all()
    ids = visible_owner_ids(actor)
    if ids is not None:
        events = events.filter(Q(user_id__in=ids) | Q(actor_id=actor.pk))
    return events.select_related("pool", "customer", "lead", "user", "actor")


def pool_event_get(*, actor: Any, id: Any) -> PoolEvent:
    event = pool_events_visible_to(actor).filter(pk=parse_id(id)).first()
    if event is None:
        raise NotFound()
    return event


def pool_statistics(*, actor: Any, since: dt.datetime | None = None, until: dt.datetime | None = None,
                    pool: Pool | None = None) -> list[dict[str, Any]]:
    """Per rep within the actor's scope: claims, assignments received, releases, reclaims, how many customers
    they took from a pool went on to a won deal, and how many leads they took from a lead pool were converted."""
    from openfunnel.accounts.models import User
    from openfunnel.leads.models import Lead
    from openfunnel.sales.models import Opportunity

    events = pool_events_visible_to(actor).filter(user__isnull=False)
    if since is not None:
        events = events.filter(at__gte=since)
    if until is not None:
        events = events.filter(at__lt=until)
    if pool is not None:
        events = events.filter(pool=pool)
    rows = (events.values("user_id")
            .annotate(claims=Count("id", filter=Q(kind=PoolEvent.Kind.CLAIM)),
                      assigned=Count("id", filter=Q(kind=PoolEvent.Kind.ASSIGN)),
                      releases=Count("id", filter=Q(kind=PoolEvent.Kind.RELEASE)),
                      reclaims=Count("id", filter=Q(kind=PoolEvent.Kind.RECLAIM)))
            .order_by("user_id"))
    taken = events.filter(kind__in=[PoolEvent.Kind.CLAIM, PoolEvent.Kind.ASSIGN])
    converted: dict[int, int] = {}
    won = Opportunity.objects.filter(status=Opportunity.Status.WON, deleted_at__isnull=True)
    for user_id, count in (taken.filter(customer_id__in=won.values("customer_id"))
                           .values("user_id").annotate(n=Count("customer_id", distinct=True))
                           .values_list("user_id", "n")):
        converted[user_id] = count
    leads_converted = dict(taken.filter(lead__status=Lead.Status.CONVERTED)
                           .values("user_id").annotate(n=Count("lead_id", distinct=True))
                           .values_list("user_id", "n"))
    users = {u.pk: u for u in User.objects.filter(pk__in=[r["user_id"] for r in rows])}
    result = []
    for row in rows:
        user = users.get(row["user_id"])
        if user is None:
            continue
        result.append({"user": user, "claims": row["claims"], "assigned": row["assigned"],
                       "releases": row["releases"], "reclaims": row["reclaims"],
                       "converted": converted.get(row["user_id"], 0),
                       "leads_converted": leads_converted.get(row["user_id"], 0)})
    return sorted(result, key=lambda r: (r["user"].display_name or "").lower())


def today_start(now: dt.datetime) -> dt.datetime:
    """Midnight of `now`'s day in the company's time zone (the daily claim limit counts from here)."""
    local = timezone.localtime(now)
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


def reclaim_preview(*, actor: Any, at: dt.datetime, limit: int = 500) -> list[dict[str, Any]]:
    """Who would be reclaimed at `at` and why, among the owners within the actor's scope (the dry-run page):
    customers, then leads; each row has `customer` or `lead`."""
    from openfunnel.accounts.models import User
    from openfunnel.customers.models import Customer
    from openfunnel.leads.models import Lead
    from openfunnel.pool.lead_rules import lead_due_rows
    from openfunnel.pool.rules import due_rows, governing_pools

    ids = visible_owner_ids(actor)
    pools, _default = governing_pools()
    found: list[tuple[str, dict[str, Any], Any, Pool]] = []
    sources = [("customer", pool, due_rows) for pool in sorted(pools.values(), key=lambda p: p.pk)]
    sources += [("lead", pool, lead_due_rows) for pool in Pool.objects.filter(kind=Pool.Kind.LEAD).order_by("pk")]
    for kind, pool, rows in sources:
        for row, due in rows(pool, at):
            if len(found) >= limit:
                break
            if ids is None or row["owner_id"] in ids:
                found.append((kind, row, due, pool))
    records = {"customer": Customer.objects.in_bulk([row["pk"] for kind, row, *_ in found if kind == "customer"]),
               "lead": Lead.objects.in_bulk([row["pk"] for kind, row, *_ in found if kind == "lead"])}
    owners = User.objects.in_bulk({row["owner_id"] for _kind, row, *_ in found})
    return [{kind: records[kind][row["pk"]], "owner": owners.get(row["owner_id"]), "pool": pool,
             "due_at": due.at, "rule": due.rule, "reason": due.label}
            for kind, row, due, pool in found if row["pk"] in records[kind]]
