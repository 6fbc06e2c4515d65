"""The reclaim job's write, a batch of due customers at a time: what customer_reclaim does for one, in a handful of
statements for hundreds.

The guard is customer_reclaim's: in one transaction the batch's rows are locked with SKIP LOCKED (a row a
follow-up or another worker holds is left for the next run), and only those still unchanged since the job
selected them (same owner, ownership start and last follow-up, not deleted) are reclaimed — a follow-up that
landed after the selection keeps the customer with its owner. Locked rows cannot change until the commit, so
the UPDATE of the kept ids acts on exactly them, and two workers at once never reclaim a customer twice.

The pool log entries, timeline events and notices are pool.services.bulk's rows (the rows customer_reclaim
writes, checked by pool/tests/test_bulk.py), written with core.bulk.RowWriter (COPY on PostgreSQL).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from openfunnel.core.bulk import RowWriter
from openfunnel.pool.models import Pool
from openfunnel.pool.rules import Due
from openfunnel.pool.services.bulk import Person, PoolBatch, PoolRows, Record
from openfunnel.pool.services.reclaim import _lock_skip, reclaim_reason


class _JobRows(PoolRows):
    """PoolRows whose reclaim reason is worked out once per rule and level (a batch has a handful)."""

    def __init__(self) -> None:
        super().__init__()
        self.reasons: dict[tuple[str, Any], str] = {}

    def reclaim_reason(self, due: Due) -> str:
        key = (due.rule, due.rules)
        if key not in self.reasons:
            self.reasons[key] = reclaim_reason(due)
        return self.reasons[key]


def _unchanged(row: dict[str, Any], locked: tuple[Any, ...]) -> bool:
    return (row["owner_id"], row["owner_since"], row["last_follow_up_at"]) == locked


@transaction.atomic
def customers_reclaim(*, batch: list[tuple[dict[str, Any], Due]], pool: Pool, now: dt.datetime) -> int:
    """Returns the due customers of `batch` (rows of rules.due_rows for `pool`) to the pool as the system (jobs
    only); returns how many went back — the others changed or are being changed, and stay.

    Per customer, as customer_reclaim: the reclaim pool event, the timeline event, and a notice to the former
    owner with the rule that fired (in-app, and by e-mail when SMTP is configured, one mail per notice).
    """
    from openfunnel.accounts.models import User
    from openfunnel.customers.models import Customer

    selected = {row["pk"]: (row, due) for row, due in batch}
    if not selected:
        return 0
    locked = _lock_skip(Customer.objects.filter(pk__in=list(selected), deleted_at__isnull=True)).values_list(
        "pk", "owner_id", "owner_since", "last_follow_up_at", "name")
    kept = {pk: name for pk, *facts, name in locked if _unchanged(selected[pk][0], tuple(facts))}
    if not kept:
        return 0
    target = pool.reclaim_to if pool.reclaim_to_id else pool
    rows = _JobRows()
    by_reason: dict[str, list[int]] = defaultdict(list)
    for pk in kept:
        by_reason[rows.reclaim_reason(selected[pk][1])].append(pk)
    for reason, ids in by_reason.items():
        # the right-hand sides read the row as it was: previous_owner takes the owner being removed
        Customer.objects.filter(pk__in=ids).update(
            owner=None, owner_since=None, previous_owner=F("owner"), pool=target, pool_entered_at=now,
            pool_reason=reason, version=F("version") + 1, updated_at=now)

    owners = {u.pk: u for u in User.objects.filter(pk__in={selected[pk][0]["owner_id"] for pk in kept})
              .only("pk", "name", "username", "is_active", "email")}
    written = PoolBatch()
    for pk, name in kept.items():
        row, due = selected[pk]
        owner = owners.get(row["owner_id"])
        rows.reclaim(written, pool=target, customer=Record(pk, name),
                     owner=Person(row["owner_id"], owner.display_name if owner else ""), due=due, at=now)
    # notification_send's rules: nobody inactive is notified, and a notice is stamped with the clock
    sent_at = timezone.now()
    written.notifications = [n._replace(created_at=sent_at) for n in written.notifications
                             if owners.get(n.recipient_id) is not None and owners[n.recipient_id].is_active]
    written.write(RowWriter())
    _mail(written.notifications, owners)
    return len(kept)


def _mail(notices: list[Any], owners: dict[int, Any]) -> None:
    """notification_send(email=True) for each notice: after the commit, over one SMTP connection."""
    if not settings.SMTP_CONFIGURED:
        return
    from django.core.mail import EmailMessage, get_connection

    messages = [EmailMessage("OpenFunnel", n.message, None, [owners[n.recipient_id].email])
                for n in notices if owners[n.recipient_id].email]
    if messages:
        transaction.on_commit(lambda: get_connection(fail_silently=True).send_messages(messages))


@transaction.atomic
def customers_warn(*, batch: list[tuple[dict[str, Any], Due]], now: dt.datetime) -> int:
    """Warns the owners of `batch` (rows of rules.due_rows, falling due later) once per (customer, owner, due day)
    that a reclaim is coming, as reclaim_warn does for one (jobs only); returns how many were warned.

    The unique warning rows decide, as for one: they go in with ON CONFLICT DO NOTHING, and only those that went
    in get the timeline event and the owner's notice, so a second worker at once (or a second run) warns nobody
    twice. A customer whose owner changed since the selection, or deleted since, is not warned.
    """
    from openfunnel.accounts.models import User
    from openfunnel.customers.models import Customer
    from openfunnel.pool.models import ReclaimWarning

    selected = {row["pk"]: (row, due) for row, due in batch}
    current = {pk: name for pk, owner_id, name in Customer.objects.filter(
        pk__in=list(selected), deleted_at__isnull=True).values_list("pk", "owner_id", "name")
        if owner_id == selected[pk][0]["owner_id"]}
    if not current:
        return 0
    ops = connection.ops
    # one order for all workers: inserts that wait on each other never deadlock
    values = [(pk, selected[pk][0]["owner_id"], timezone.localdate(selected[pk][1].at), selected[pk][1].rule)
              for pk in sorted(current)]
    table = ops.quote_name(ReclaimWarning._meta.db_table)
    sql = (f"INSERT INTO {table} (customer_id, lead_id, owner_id, due_on, rule, sent_at) VALUES "
           + ", ".join(["(%s, NULL, %s, %s, %s, %s)"] * len(values))
           + " ON CONFLICT DO NOTHING RETURNING customer_id")
    params = [p for pk, owner_id, due_on, rule in values
              for p in (pk, owner_id, ops.adapt_datefield_value(due_on), rule, ops.adapt_datetimefield_value(now))]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        warned = sorted(pk for (pk,) in cursor.fetchall())
    if not warned:
        return 0
    owners = {u.pk: u for u in User.objects.filter(pk__in={selected[pk][0]["owner_id"] for pk in warned})
              .only("pk", "name", "username", "is_active", "email")}
    rows, written = PoolRows(), PoolBatch()
    for pk in warned:
        row, due = selected[pk]
        owner = owners[row["owner_id"]]
        rows.warn(written, customer=Record(pk, current[pk]), owner=Person(owner.pk, owner.display_name), due=due,
                  at=now)
    written.warnings = []  # in already
    sent_at = timezone.now()
    written.notifications = [n._replace(created_at=sent_at) for n in written.notifications
                             if owners[n.recipient_id].is_active]
    written.write(RowWriter())
    _mail(written.notifications, owners)
    return len(warned)
