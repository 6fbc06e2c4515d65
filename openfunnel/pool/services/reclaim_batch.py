"""The reclaim and warning jobs' writes, a batch of due customers or leads at a time: what customer_reclaim and
lead_reclaim (reclaim_warn, lead_reclaim_warn) do for one, in a handful of statements for hundreds.

The guard is the per-record services': in one transaction the batch's rows are locked with SKIP LOCKED (a row a
follow-up or another worker holds is left for the next run), and only those still unchanged since the job
selected them (same owner, ownership start and last follow-up; a customer not deleted, a lead still open) are
reclaimed — a follow-up that landed after the selection keeps the record with its owner. Locked rows cannot
change until the commit, so the UPDATE of the kept ids acts on exactly them, and two workers at once never
reclaim a record twice.

The pool log entries, timeline events and notices are pool.services.bulk's rows (the rows the services write,
checked by pool/tests/test_bulk.py and test_lead_jobs_batch.py), written with core.bulk.RowWriter (COPY on
PostgreSQL).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Case, CharField, F, QuerySet, Value, When
from django.utils import timezone

from openfunnel.core.bulk import RowWriter
from openfunnel.pool.models import Pool
from openfunnel.pool.rules import Due
from openfunnel.pool.services.bulk import Person, PoolBatch, PoolRows, Record
from openfunnel.pool.services.reclaim import _lock_skip, reclaim_reason

Batch = list[tuple[dict[str, Any], Due]]
# appends one record's rows: (rows, written, record, former owner, due)
Tell = Callable[[PoolRows, PoolBatch, Record, Person, Due], None]


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


@dataclass(frozen=True)
class _Kind:
    """Where customers and leads differ for the jobs: which rows a job may act on, the column where the
    ownership starts, the column of the record's str(), the warning row's column."""

    rows: Callable[[], QuerySet[Any]]
    since: str
    name: str
    warning_column: str


def _customers() -> QuerySet[Any]:
    from openfunnel.customers.models import Customer

    return Customer.objects.filter(deleted_at__isnull=True)


def _open_leads() -> QuerySet[Any]:
    from openfunnel.pool.lead_rules import open_leads

    return open_leads()


CUSTOMERS = _Kind(_customers, "owner_since", "name", "customer_id")
LEADS = _Kind(_open_leads, "assigned_at", "company", "lead_id")


def _selected(batch: Batch) -> dict[int, tuple[dict[str, Any], Due]]:
    return {row["pk"]: (row, due) for row, due in batch}


def _owners(ids: set[int]) -> dict[int, Any]:
    from openfunnel.accounts.models import User

    return {u.pk: u for u in User.objects.filter(pk__in=ids).only("pk", "name", "username", "is_active", "email")}


def _reclaim(kind: _Kind, batch: Batch, update: Callable[[dict[str, list[int]]], None], tell: Tell) -> int:
    """Locks the batch's rows (SKIP LOCKED), keeps those unchanged since the selection, has `update` take them
    (ids by reclaim reason) and `tell` append each one's rows; returns how many went back."""
    selected = _selected(batch)
    if not selected:
        return 0
    locked = _lock_skip(kind.rows().filter(pk__in=list(selected)).order_by()).values_list(
        "pk", "owner_id", kind.since, "last_follow_up_at", kind.name)
    unchanged = {pk: name for pk, *facts, name in locked
                 if (selected[pk][0]["owner_id"], selected[pk][0][kind.since], selected[pk][0]["last_follow_up_at"])
                 == tuple(facts)}
    # in the order of the selection, as the services one by one: the rows are the same, in the same order
    kept = {pk: unchanged[pk] for pk in selected if pk in unchanged}
    if not kept:
        return 0
    rows = _JobRows()
    by_reason: dict[str, list[int]] = defaultdict(list)
    for pk in kept:
        by_reason[rows.reclaim_reason(selected[pk][1])].append(pk)
    update(by_reason)
    owners = _owners({selected[pk][0]["owner_id"] for pk in kept})
    written = PoolBatch()
    for pk, name in kept.items():
        row, due = selected[pk]
        owner = owners.get(row["owner_id"])
        tell(rows, written, Record(pk, name), Person(row["owner_id"], owner.display_name if owner else ""), due)
    _send(written, owners)
    return len(kept)


@transaction.atomic
def customers_reclaim(*, batch: Batch, pool: Pool, now: dt.datetime) -> int:
    """Returns the due customers of `batch` (rows of rules.due_rows for `pool`) to the pool as the system (jobs
    only); returns how many went back — the others changed or are being changed, and stay.

    Per customer, as customer_reclaim: the reclaim pool event, the timeline event, and a notice to the former
    owner with the rule that fired (in-app, and by e-mail when SMTP is configured, one mail per notice).
    """
    from openfunnel.customers.models import Customer

    target = pool.reclaim_to if pool.reclaim_to_id else pool

    def update(by_reason: dict[str, list[int]]) -> None:
        # one UPDATE for the batch (each statement also runs the customer copy's and the tally's triggers), the
        # reason picked per row when the batch has several
        reasons = list(by_reason.items())
        reason: Any = (Value(reasons[0][0]) if len(reasons) == 1 else Case(
            *[When(pk__in=ids, then=Value(text)) for text, ids in reasons], output_field=CharField()))
        # the right-hand sides read the row as it was: previous_owner takes the owner being removed
        Customer.objects.filter(pk__in=[pk for _text, ids in reasons for pk in ids]).update(
            owner=None, owner_since=None, previous_owner=F("owner"), pool=target, pool_entered_at=now,
            pool_reason=reason, version=F("version") + 1, updated_at=now)

    def tell(rows: PoolRows, written: PoolBatch, record: Record, owner: Person, due: Due) -> None:
        rows.reclaim(written, pool=target, customer=record, owner=owner, due=due, at=now)

    return _reclaim(CUSTOMERS, batch, update, tell)


@transaction.atomic
def leads_reclaim(*, batch: Batch, pool: Pool, now: dt.datetime) -> int:
    """Returns the due leads of `batch` (rows of lead_rules.lead_due_rows for the lead pool `pool`) to the lead
    pool as the system (jobs only); returns how many went back — the others changed or are being changed, and
    stay. Per lead, as lead_reclaim: the reclaim pool event, the timeline event, the former owner's notice."""
    from openfunnel.leads.models import Lead

    def update(by_reason: dict[str, list[int]]) -> None:
        # a lead keeps no reason: one UPDATE for the batch
        Lead.objects.filter(pk__in=[pk for ids in by_reason.values() for pk in ids]).update(
            owner=None, assigned_at=None, version=F("version") + 1, updated_at=now)

    def tell(rows: PoolRows, written: PoolBatch, record: Record, owner: Person, due: Due) -> None:
        rows.lead_reclaim(written, pool=pool, lead=record, owner=owner, due=due, at=now)

    return _reclaim(LEADS, batch, update, tell)


def _send(written: PoolBatch, owners: dict[int, Any]) -> None:
    """Writes the batch's rows; the notices by notification_send's rules: nobody inactive is notified, a notice
    is stamped with the clock, and mailed (email=True) when SMTP is configured."""
    sent_at = timezone.now()
    written.notifications = [n._replace(created_at=sent_at) for n in written.notifications
                             if owners.get(n.recipient_id) is not None and owners[n.recipient_id].is_active]
    written.write(RowWriter())
    _mail(written.notifications, owners)


def _mail(notices: list[Any], owners: dict[int, Any]) -> None:
    """notification_send(email=True) for each notice: after the commit, over one SMTP connection."""
    if not settings.SMTP_CONFIGURED:
        return
    from django.core.mail import EmailMessage, get_connection

    messages = [EmailMessage("OpenFunnel", n.message, None, [owners[n.recipient_id].email])
                for n in notices if owners[n.recipient_id].email]
    if messages:
        transaction.on_commit(lambda: get_connection(fail_silently=True).send_messages(messages))


def _warn(kind: _Kind, batch: Batch, now: dt.datetime, tell: Tell) -> int:
    """Inserts the warning rows of the batch's records whose owner is still the selected one, with ON CONFLICT
    DO NOTHING; `tell` appends the event and notice of each one that went in. Returns how many."""
    from openfunnel.pool.models import ReclaimWarning

    selected = _selected(batch)
    current = {pk: name for pk, owner_id, name in kind.rows().filter(pk__in=list(selected)).order_by()
               .values_list("pk", "owner_id", kind.name) if owner_id == selected[pk][0]["owner_id"]}
    if not current:
        return 0
    ops = connection.ops
    # one order for all workers: inserts that wait on each other never deadlock
    params = [p for pk in sorted(current) for p in (
        pk, selected[pk][0]["owner_id"], ops.adapt_datefield_value(timezone.localdate(selected[pk][1].at)),
        selected[pk][1].rule, ops.adapt_datetimefield_value(now))]
    column = ops.quote_name(kind.warning_column)
    sql = (f"INSERT INTO {ops.quote_name(ReclaimWarning._meta.db_table)} ({column}, owner_id, due_on, rule, sent_at)"
           f" VALUES {', '.join(['(%s, %s, %s, %s, %s)'] * len(current))} ON CONFLICT DO NOTHING RETURNING {column}")
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        warned = sorted(pk for (pk,) in cursor.fetchall())
    if not warned:
        return 0
    owners = _owners({selected[pk][0]["owner_id"] for pk in warned})
    rows, written = PoolRows(), PoolBatch()
    for pk in warned:
        row, due = selected[pk]
        owner = owners[row["owner_id"]]
        tell(rows, written, Record(pk, current[pk]), Person(owner.pk, owner.display_name), due)
    written.warnings = []  # in already
    _send(written, owners)
    return len(warned)


@transaction.atomic
def customers_warn(*, batch: Batch, now: dt.datetime) -> int:
    """Warns the owners of `batch` (rows of rules.due_rows, falling due later) once per (customer, owner, due day)
    that a reclaim is coming, as reclaim_warn does for one (jobs only); returns how many were warned.

    The unique warning rows decide, as for one: they go in with ON CONFLICT DO NOTHING, and only those that went
    in get the timeline event and the owner's notice, so a second worker at once (or a second run) warns nobody
    twice. A customer whose owner changed since the selection, or deleted since, is not warned.
    """
    def tell(rows: PoolRows, written: PoolBatch, record: Record, owner: Person, due: Due) -> None:
        rows.warn(written, customer=record, owner=owner, due=due, at=now)

    return _warn(CUSTOMERS, batch, now, tell)


@transaction.atomic
def leads_warn(*, batch: Batch, now: dt.datetime) -> int:
    """customers_warn for leads (lead_reclaim_warn for a batch): once per (lead, owner, due day); a lead whose
    owner changed since the selection, or no longer open, is not warned."""
    def tell(rows: PoolRows, written: PoolBatch, record: Record, owner: Person, due: Due) -> None:
        rows.lead_warn(written, lead=record, owner=owner, due=due, at=now)

    return _warn(LEADS, batch, now, tell)
