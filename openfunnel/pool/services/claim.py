"""Claim, assign and release: the owner of a pool customer changes only through one conditional UPDATE.

Concurrency by construction (STYLE.md rule 8):
- a claim or an assignment is `UPDATE customers SET owner_id=… WHERE id=… AND owner_id IS NULL AND pool_id=…`
  with its row count checked: of twenty parallel claims exactly one matches, the others answer already_claimed;
- the owned-customer and daily-claim limits are checked after locking the receiving user's row
  (SELECT … FOR UPDATE on the user), so two claims of one rep are serialized and a limit is never exceeded;
- the cooldown is read from the rep's last release / reclaim event of that customer, under the same lock.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from openfunnel.accounts.scope import can_see_owner, has_perm, require_perm
from openfunnel.audit.services import event_record
from openfunnel.core.api import parse_id
from openfunnel.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from openfunnel.core.prepared import pipelined, prepared_cursor
from openfunnel.pool.models import Pool, PoolEvent
from openfunnel.pool.selectors import pools_visible_to, today_start

ASSIGN_STRATEGIES = ("single", "round_robin", "least_loaded")
MAX_BATCH = 500


def assignment_message(*, actor: str, count: int, pool: str) -> str:
    """The receiver's notice of an assignment (pool.services.bulk writes the same one)."""
    return _("%(actor)s assigned you %(count)d customer(s) from the pool “%(pool)s”.") % {
        "actor": actor, "count": count, "pool": pool}


def _check_visible(actor: Any, pool: Pool) -> None:
    # selectors.pool_get marks the pool it found through the actor's visibility: asking again would be a query
    # whose answer is already known
    if getattr(pool, "visible_to", None) == getattr(actor, "pk", None) is not None:
        return
    if not pools_visible_to(actor).filter(pk=pool.pk).exists():
        raise NotFound()


def _lock_users(user_ids: list[int], *, read: bool = True) -> None:
    """Row locks on the receiving users, in id order (no deadlock between two batches). `read=False` in a
    pipelined block: the lock goes with the next statement (the server runs that once the lock is held)."""
    from openfunnel.accounts.models import User

    ids = sorted(set(user_ids))
    lock = " FOR UPDATE" if connection.features.has_select_for_update else ""   # SQLite: one writer at a time
    with prepared_cursor() as cursor:   # a claim's first statement, the same on every claim
        cursor.execute(f"SELECT id FROM {connection.ops.quote_name(User._meta.db_table)} "
                       f"WHERE id IN ({', '.join(['%s'] * len(ids))}) ORDER BY id{lock}", ids)
        if read:
            cursor.fetchall()


def _owned_count(user_id: int) -> int:
    from openfunnel.customers.models import Customer

    return Customer.objects.filter(owner_id=user_id, deleted_at__isnull=True).count()


def _check_owned_limit(pool: Pool, user: Any, owned: int) -> None:
    if pool.max_owned_per_user is not None and owned >= pool.max_owned_per_user:
        raise Conflict(
            _("%(user)s already owns %(count)d customers, the most this pool allows (%(limit)d).")
            % {"user": user.display_name, "count": owned, "limit": pool.max_owned_per_user},
            code="claim_limit_reached", extra={"limit": "max_owned", "max_owned_per_user": pool.max_owned_per_user})


def _check_daily_limit(pool: Pool, user: Any, now: dt.datetime, claimed: int | None = None) -> None:
    """`claimed`: the user's claims of the day when the caller has counted them already."""
    if pool.daily_claim_limit is None:
        return
    if claimed is None:
        # The whole local day, not "until now": a parallel claim that got the lock first may carry a later stamp.
        start = today_start(now)
        of_kind = {"lead__isnull": False} if pool.kind == Pool.Kind.LEAD else {"customer__isnull": False}
        claimed = PoolEvent.objects.filter(user_id=user.pk, kind=PoolEvent.Kind.CLAIM, at__gte=start,
                                           at__lt=start + dt.timedelta(days=1), **of_kind).count()
    if claimed >= pool.daily_claim_limit:
        raise Conflict(_("You have claimed %(count)d customers today, the daily limit of this pool.")
                       % {"count": claimed}, code="claim_limit_reached",
                       extra={"limit": "daily", "daily_claim_limit": pool.daily_claim_limit})


def cooldown_until(*, pool: Pool, user: Any, customer_id: int | None = None, lead_id: int | None = None,
                   now: dt.datetime) -> dt.datetime | None:
    """When `user` may claim the customer (or lead) again (None: now) — K days after their last release or
    reclaim of it."""
    if not pool.cooldown_days:
        return None
    record = {"customer_id": customer_id} if lead_id is None else {"lead_id": lead_id}
    last = (PoolEvent.objects.filter(user_id=user.pk, kind__in=[PoolEvent.Kind.RELEASE, PoolEvent.Kind.RECLAIM],
                                     **record)
            .order_by("-at").values_list("at", flat=True).first())
    if last is None:
        return None
    until = last + dt.timedelta(days=pool.cooldown_days)
    return until if until > now else None


def _claim_limits(pool: Pool, user_id: int, customer_id: int, now: dt.datetime) -> dict[str, tuple[str, list[Any]]]:
    """The pool's conditions on a customer claim besides the customer lying unowned in it, as SQL expressions over
    the rows that hold the lock's user's claims: "cooling" (a release or reclaim of the customer by the user within
    the cooldown), "owned" (the customers they own), "daily" (their customer claims of the local day); only those
    the pool sets. The same conditions as cooldown_until, _owned_count and _check_daily_limit, which word the
    refusals."""
    from openfunnel.customers.models import Customer

    quote, adapt = connection.ops.quote_name, connection.ops.adapt_datetimefield_value
    events, customers = quote(PoolEvent._meta.db_table), quote(Customer._meta.db_table)
    limits: dict[str, tuple[str, list[Any]]] = {}
    if pool.cooldown_days:
        # last + K days > now  <=>  last > now - K days
        limits["cooling"] = ((f"EXISTS (SELECT 1 FROM {events} WHERE user_id = %s AND customer_id = %s "
                              f"AND kind IN (%s, %s) AND at > %s)"),
                             [user_id, customer_id, PoolEvent.Kind.RELEASE, PoolEvent.Kind.RECLAIM,
                              adapt(now - dt.timedelta(days=pool.cooldown_days))])
    if pool.max_owned_per_user is not None:
        limits["owned"] = (f"(SELECT COUNT(*) FROM {customers} WHERE owner_id = %s AND deleted_at IS NULL)",
                           [user_id])
    if pool.daily_claim_limit is not None:
        start = today_start(now)
        limits["daily"] = ((f"(SELECT COUNT(*) FROM {events} WHERE user_id = %s AND kind = %s AND at >= %s "
                            f"AND at < %s AND customer_id IS NOT NULL)"),
                           [user_id, PoolEvent.Kind.CLAIM, adapt(start), adapt(start + dt.timedelta(days=1))])
    return limits


def _claim_conditions(pool: Pool, user_id: int, customer_id: int, now: dt.datetime) -> tuple[str, list[Any]]:
    """_claim_limits as conditions of the claim's UPDATE (" AND …"): it changes the row only within them."""
    limits = _claim_limits(pool, user_id, customer_id, now)
    sql, params = "", []
    if "cooling" in limits:
        sql += f" AND NOT {limits['cooling'][0]}"
        params += limits["cooling"][1]
    for name, limit in (("owned", pool.max_owned_per_user), ("daily", pool.daily_claim_limit)):
        if name in limits:
            sql += f" AND {limits[name][0]} < %s"
            params += [*limits[name][1], limit]
    return sql, params


def _claim_checks(pool: Pool, user_id: int, customer_id: int,
                  now: dt.datetime) -> tuple[bool, bool, int, int | None]:
    """Why a claim's UPDATE changed nothing, read under the user's lock: whether the customer lies unowned in the
    pool, whether the user is in cooldown for it, the customers they own, their customer claims of the local
    day (None without a daily limit)."""
    from openfunnel.customers.models import Customer

    customers = connection.ops.quote_name(Customer._meta.db_table)
    limits = _claim_limits(pool, user_id, customer_id, now)
    parts = [(f"EXISTS (SELECT 1 FROM {customers} WHERE id = %s AND owner_id IS NULL AND pool_id = %s "
              f"AND deleted_at IS NULL)")]
    params: list[Any] = [customer_id, pool.pk]
    for name, otherwise in (("cooling", "NULL"), ("owned", "0"), ("daily", "NULL")):
        parts.append(limits[name][0] if name in limits else otherwise)
        params += limits[name][1] if name in limits else []
    with connection.cursor() as cursor:   # only when a claim is refused: not worth a prepared statement
        cursor.execute(f"SELECT {', '.join(parts)}", params)
        in_pool, cooling, owned, daily = cursor.fetchone()
    return bool(in_pool), bool(cooling), int(owned), None if daily is None else int(daily)


def _customer_in_pool_or_raise(pool: Pool, customer_id: int) -> Any:
    """The pool customer, or why not: already_claimed when it left this pool through a claim or assignment,
    NotFound when it never was in this pool (nothing about other customers is revealed)."""
    from openfunnel.customers.models import Customer

    customer = Customer.objects.filter(pk=customer_id, deleted_at__isnull=True).first()
    if customer is not None and customer.owner_id is None and customer.pool_id == pool.pk:
        return customer
    if customer is not None and customer.owner_id is not None:
        last = PoolEvent.objects.filter(customer_id=customer_id).order_by("-at", "-id").first()
        if last is not None and last.pool_id == pool.pk and last.kind in (PoolEvent.Kind.CLAIM,
                                                                          PoolEvent.Kind.ASSIGN):
            raise Conflict(_("Someone else has just claimed this customer."), code="already_claimed")
    raise NotFound()


def _take(*, pool: Pool, customer_id: int, owner: Any, now: dt.datetime, read: Any = None,
          log: list[tuple[str, list[Any]]] | None = None, conditions: tuple[str, list[Any]] = ("", [])) -> Any:
    """The conditional UPDATE; already_claimed when another claim or assignment got there first. Returns the
    customer `read` before, or else one holding only what the UPDATE wrote (its other fields load when first
    used), with its version and name as the UPDATE left them (RETURNING: no second read).

    `log` (PostgreSQL): INSERT … SELECT … FROM taken statements (RowWriter.insert_select) run in the UPDATE's own
    statement, over the row it changed — written only if it changed one. `conditions`: more of the WHERE (" AND …")
    with its parameters."""
    from openfunnel.customers.models import Customer

    table, adapt = connection.ops.quote_name(Customer._meta.db_table), connection.ops.adapt_datetimefield_value
    returning = connection.features.can_return_columns_from_insert   # PostgreSQL, SQLite >= 3.35
    update = (f"UPDATE {table} SET owner_id = %s, owner_since = %s, pool_entered_at = NULL, pool_reason = '', "
              f"version = version + 1, updated_at = %s "
              f"WHERE id = %s AND owner_id IS NULL AND pool_id = %s AND deleted_at IS NULL{conditions[0]}"
              f"{' RETURNING version, name' if returning else ''}")
    params: list[Any] = [owner.pk, adapt(now), adapt(now), customer_id, pool.pk, *conditions[1]]
    if log:
        inserts = []
        for number, (insert, insert_params) in enumerate(log):
            inserts.append(f", logged{number} AS ({insert})")
            params += insert_params
        update = f"WITH taken AS ({update}){''.join(inserts)} SELECT version, name FROM taken"
    with prepared_cursor() as cursor:
        cursor.execute(update, params)
        row = cursor.fetchone() if returning else ((None, None) if cursor.rowcount == 1 else None)
    if row is None:
        raise Conflict(_("Someone else has just claimed this customer."), code="already_claimed")
    if not returning:
        row = Customer.objects.filter(pk=customer_id).values_list("version", "name").get()
    written = {"id": customer_id, "version": row[0], "name": row[1], "owner_id": owner.pk, "owner_since": now,
               "pool_id": pool.pk, "pool_entered_at": None, "pool_reason": "", "updated_at": now}
    if read is None:
        names = [f.attname for f in Customer._meta.concrete_fields if f.attname in written]
        customer = Customer.from_db(connection.alias, names, [written[name] for name in names])
    else:
        customer = read
        for name, value in written.items():
            setattr(customer, name, value)
    customer.owner, customer.pool = owner, pool
    return customer


def _record(*, kind: str, pool: Pool | None, customer: Any, user: Any, actor: Any, now: dt.datetime,
            verb: str, reason: str = "", rule: str = "", changes: dict[str, Any] | None = None,
            data: dict[str, Any] | None = None) -> PoolEvent:
    event = PoolEvent.objects.create(kind=kind, pool=pool, customer=customer, user=user, actor=actor,
                                     reason=reason[:300], rule=rule, at=now)
    event_record(actor=actor, verb=verb, obj=customer, customer_id=customer.pk, at=now, changes=changes,
                 data={"pool": pool.pk if pool else None, "pool_name": pool.name if pool else "",
                       "user": getattr(user, "pk", None), "user_name": getattr(user, "display_name", ""),
                       "reason": reason, "rule": rule, **(data or {})})
    return event


@transaction.atomic
def customer_claim(*, actor: Any, pool: Pool, customer_id: Any, now: dt.datetime | None = None) -> Any:
    """A pool member takes a customer from the pool (claim mode free or both; needs customers.edit).

    Raises NotFound (pool not visible, customer not in it), PermissionDenied (assignment-only pool),
    Conflict already_claimed / claim_limit_reached / cooldown (with `until`).
    """
    now = now or timezone.now()
    _check_visible(actor, pool)
    require_perm(actor, "customers.edit")
    if pool.kind != Pool.Kind.CUSTOMER:
        raise ValidationFailed(fields={"customer": [_("This is a lead pool; claim leads from it.")]})

    if pool.claim_mode == Pool.ClaimMode.ASSIGN:
        raise PermissionDenied(_("Customers in this pool are assigned by a manager."))
    customer_id = parse_id(customer_id)
    # The UPDATE checks the pool's limits itself, in the statement after the lock (its snapshot holds the claims
    # that had the lock before): one statement fewer on every claim. Only a refused one reads why. On PostgreSQL
    # the BEGIN, the lock and the UPDATE go in one round trip (core.prepared.pipelined).
    with pipelined():
        _lock_users([actor.pk], read=False)
        try:
            return _take_and_log_claim(pool=pool, customer_id=customer_id, actor=actor, now=now)
        except Conflict as refused:
            if refused.code != "already_claimed":
                raise
    in_pool, cooling, owned, claimed_today = _claim_checks(pool, actor.pk, customer_id, now)
    if not in_pool:
        # why not (already_claimed or NotFound, worded there), unless it came back to the pool meanwhile
        _customer_in_pool_or_raise(pool, customer_id)
    until = cooldown_until(pool=pool, user=actor, customer_id=customer_id, now=now) if cooling else None
    if until is not None:
        day = timezone.localdate(until)
        raise Conflict(_("You gave this customer up recently; you may claim it again from %(date)s.")
                       % {"date": day.isoformat()}, code="cooldown", extra={"until": day.isoformat()})
    _check_owned_limit(pool, actor, owned)
    _check_daily_limit(pool, actor, now, claimed_today)
    raise Conflict(_("Someone else has just claimed this customer."), code="already_claimed")


# The rows' SQL is the same for every claim: kept per process, like their plans (RowWriter._plan).
_claim_writer: dict[str, Any] = {}


def _take_and_log_claim(*, pool: Pool, customer_id: int, actor: Any, now: dt.datetime) -> Any:
    """_take, then the rows _record would write (pool.services.bulk.PoolRows.claim says which, and its tests check
    them against _record's), without model instances. On PostgreSQL the rows are written by the UPDATE's own
    statement (one round trip instead of three: the two COPYs cost a claim ~0.5 ms of Python and ~0.3 ms of
    PostgreSQL), the timeline event's object_repr read from the row the UPDATE changed."""
    from openfunnel.core.bulk import RowWriter
    from openfunnel.pool.services.bulk import Person, PoolBatch, PoolRows, Record

    writer = _claim_writer.get(connection.vendor)
    if writer is None:
        writer = _claim_writer[connection.vendor] = RowWriter()
    user = Person(actor.pk, actor.display_name)
    written = PoolBatch()
    conditions = _claim_conditions(pool, actor.pk, customer_id, now)
    if connection.vendor != "postgresql":
        claimed = _take(pool=pool, customer_id=customer_id, owner=actor, now=now, conditions=conditions)
        PoolRows().claim(written, pool=pool, customer=Record(claimed.pk, str(claimed)), user=user, at=now)
        written.write(writer)
        return claimed
    PoolRows().claim(written, pool=pool, customer=Record(customer_id, ""), user=user, at=now)
    log = [writer.insert_select(model, columns, row, source="taken",
                                expressions={"object_repr": "LEFT(taken.name, 200)"} if "object_repr" in columns else {})
           for model, columns, rows in written.tables() for row in rows]
    return _take(pool=pool, customer_id=customer_id, owner=actor, now=now, log=log, conditions=conditions)


def _assignees(actor: Any, owner: Any, owners: Any) -> list[Any]:
    from openfunnel.accounts.models import User

    wanted = [owner] if owner is not None else list(owners or [])
    if not wanted:
        raise ValidationFailed(fields={"owner": [_("Choose who receives the customers.")]})
    ids = [getattr(u, "pk", u) for u in wanted]
    found = {u.pk: u for u in User.objects.filter(pk__in=[i for i in ids if isinstance(i, int)], is_active=True)}
    users = []
    for user_id in ids:
        user = found.get(user_id)
        if user is None or not can_see_owner(actor, user.pk):
            raise ValidationFailed(fields={"owner": [_("Choose active users within your data scope.")]})
        if user not in users:
            users.append(user)
    return users


def unique_ids(raws: Any, *, field: str, none_message: Any) -> list[int]:
    """The ids of a batch (customers or leads) once each, in the order given, at most MAX_BATCH."""
    ids = list(dict.fromkeys(parse_id(raw) for raw in raws or []))
    if not ids:
        raise ValidationFailed(fields={field: [none_message]})
    if len(ids) > MAX_BATCH:
        raise ValidationFailed(fields={field: [_("At most %(max)d at once.") % {"max": MAX_BATCH}]})
    return ids


def next_receiver(receivers: list[Any], load: dict[int, int], index: int, strategy: str) -> Any:
    """Who gets the `index`-th record of an assignment: in turns, or the least loaded (ties: the first named)."""
    if strategy == "least_loaded":
        return min(receivers, key=lambda u: (load[u.pk], receivers.index(u)))
    return receivers[index % len(receivers)]


@transaction.atomic
def customers_assign(*, actor: Any, pool: Pool, customer_ids: list[Any], owner: Any = None, owners: Any = None,
                     strategy: str = "single", now: dt.datetime | None = None) -> list[Any]:
    """A manager hands pool customers out: all to `owner`, or across `owners` round-robin or to the least loaded.

    Needs customers.transfer, a visible pool in mode assign or both, receivers active and within the actor's
    scope; the owned limit applies to each receiver. All or nothing. Raises NotFound, PermissionDenied,
    ValidationFailed, Conflict already_claimed / claim_limit_reached.
    """
    now = now or timezone.now()
    _check_visible(actor, pool)
    require_perm(actor, "customers.transfer")
    if pool.kind != Pool.Kind.CUSTOMER:
        raise ValidationFailed(fields={"customers": [_("This is a lead pool.")]})
    if pool.claim_mode == Pool.ClaimMode.FREE:
        raise PermissionDenied(_("Customers in this pool are claimed freely, not assigned."))
    if strategy not in ASSIGN_STRATEGIES:
        raise ValidationFailed(fields={"strategy": [_("Select a valid choice.")]})
    ids = unique_ids(customer_ids, field="customers", none_message=_("Choose at least one customer."))
    receivers = _assignees(actor, owner, owners)
    customers = [_customer_in_pool_or_raise(pool, customer_id) for customer_id in ids]
    _lock_users([u.pk for u in receivers])
    load = {u.pk: _owned_count(u.pk) for u in receivers}
    assigned = []
    for index, customer in enumerate(customers):
        receiver = next_receiver(receivers, load, index, strategy)
        _check_owned_limit(pool, receiver, load[receiver.pk])
        taken = _take(pool=pool, customer_id=customer.pk, owner=receiver, now=now, read=customer)
        load[receiver.pk] += 1
        _record(kind=PoolEvent.Kind.ASSIGN, pool=pool, customer=taken, user=receiver, actor=actor, now=now,
                verb="pool.assigned", changes={"owner": [None, receiver.pk]})
        assigned.append(taken)
    from openfunnel.automation.services import notification_send

    for receiver in receivers:
        mine = [c for c in assigned if c.owner_id == receiver.pk]
        if mine:
            notification_send(recipient=receiver, kind="assignment", actor=actor, target=mine[0],
                              url=mine[0].get_absolute_url(),
                              message=assignment_message(actor=actor.display_name, count=len(mine), pool=pool.name))
    return assigned


@transaction.atomic
def customer_release(*, actor: Any, customer: Any, pool: Pool | None = None, reason: str,
                     now: dt.datetime | None = None) -> Any:
    """The owner (or a manager whose scope holds the owner) gives the customer up to a pool, with a reason.

    Needs customers.edit; the pool defaults to the customer's own pool (or the default pool).
    Raises PermissionDenied, NotFound (pool not visible), ValidationFailed, Conflict invalid_transition.
    """
    from openfunnel.customers.models import Customer
    from openfunnel.customers.selectors import customer_in_role_scope

    now = now or timezone.now()
    require_perm(actor, "customers.edit")
    locked = (Customer.objects.select_for_update(of=("self",)).select_related("owner")
              .filter(pk=customer.pk, deleted_at__isnull=True).first())
    if locked is None:
        raise NotFound()
    if locked.owner_id is None:
        raise Conflict(_("This customer is already in the public pool."), code="invalid_transition")
    if not customer_in_role_scope(actor, locked):
        raise PermissionDenied()
    reason = (reason or "").strip()
    errors: dict[str, list[Any]] = {}
    if not reason:
        errors["reason"] = [_("Say why the customer goes back to the pool.")]
    elif len(reason) > 300:
        errors["reason"] = [_("Ensure this value has at most %(limit)d characters.") % {"limit": 300}]
    if pool is None:
        pool = (Pool.objects.filter(pk=locked.pool_id).first() if locked.pool_id
                else Pool.objects.filter(is_default=True, kind=Pool.Kind.CUSTOMER).first())
        if pool is None:
            errors["pool"] = [_("Choose a pool.")]
    elif pool.kind != Pool.Kind.CUSTOMER:
        errors["pool"] = [_("Choose a customer pool.")]
    elif not pools_visible_to(actor).filter(pk=pool.pk).exists() and not has_perm(actor, "customers.transfer"):
        errors["pool"] = [_("Choose a pool you are a member of.")]
    if errors:
        raise ValidationFailed(fields=errors)
    assert pool is not None
    previous = locked.owner
    Customer.objects.filter(pk=locked.pk).update(
        owner=None, owner_since=None, pool=pool, pool_entered_at=now, pool_reason=reason,
        previous_owner=previous, version=F("version") + 1, updated_at=now)
    locked.refresh_from_db()
    _record(kind=PoolEvent.Kind.RELEASE, pool=pool, customer=locked, user=previous, actor=actor, now=now,
            verb="pool.released", reason=reason, changes={"owner": [previous.pk, None]})
    return locked


def pool_transfer_record(*, actor: Any, customer: Any, previous_owner: Any, owner: Any,
                         now: dt.datetime | None = None) -> None:
    """Logs a transfer between users in the pool log (called by customers' transfer service, in its transaction)."""
    PoolEvent.objects.create(kind=PoolEvent.Kind.TRANSFER, pool_id=customer.pool_id, customer=customer, user=owner,
                             actor=actor, reason="", at=now or timezone.now())
