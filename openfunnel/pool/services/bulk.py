"""Pool history in bulk: the rows customer_claim, customers_assign, customer_release, customer_reclaim,
reclaim_warn and their lead-pool twins (lead_claim, leads_assign, lead_release, lead_reclaim,
lead_reclaim_warn) leave behind, for generators (the demo company) that write years of pool history through
core.bulk.RowWriter instead of replaying it service call by service call.

Each method appends what one service call writes at moment `at`: the pool log entry (PoolEvent), the
record's timeline event, the warning row and the notifications. The record's own columns (owner,
owner_since or assigned_at, pool, pool_entered_at, pool_reason, previous_owner) are the caller's to set once
the story is told. pool/tests/test_bulk.py checks the rows against the services'.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import namedtuple
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation

from openfunnel.audit.services import EventRow
from openfunnel.automation.services import NotificationRow
from openfunnel.pool.rules import Due
from openfunnel.pool.services.claim import assignment_message
from openfunnel.pool.services.lead_pool import lead_assignment_message
from openfunnel.pool.services.reclaim import reclaim_reason, reclaimed_message, warning_message

PoolEventRow = namedtuple("PoolEventRow", "kind pool_id customer_id lead_id user_id actor_id reason rule at")
ReclaimWarningRow = namedtuple("ReclaimWarningRow", "customer_id lead_id owner_id due_on rule sent_at")


@dataclass
class PoolBatch:
    pool_events: list[Any] = field(default_factory=list)
    warnings: list[Any] = field(default_factory=list)
    events: list[Any] = field(default_factory=list)
    notifications: list[Any] = field(default_factory=list)

    def tables(self) -> list[tuple[Any, tuple[str, ...], list[Any]]]:
        """(model, columns, rows) of each table the batch writes to, in the order written."""
        from openfunnel.audit.models import Event
        from openfunnel.automation.models import Notification
        from openfunnel.pool.models import PoolEvent, ReclaimWarning

        return [(model, row_type._fields, rows)
                for model, row_type, rows in ((PoolEvent, PoolEventRow, self.pool_events),
                                              (ReclaimWarning, ReclaimWarningRow, self.warnings),
                                              (Event, EventRow, self.events),
                                              (Notification, NotificationRow, self.notifications)) if rows]

    def write(self, writer: Any) -> None:
        for model, columns, rows in self.tables():
            writer.write(model, columns, rows)


@dataclass(frozen=True)
class Person:
    id: int
    name: str          # display_name


@dataclass(frozen=True)
class Record:
    """The customer (or lead) a pool action is about: its id and str() (a lead's is its company)."""

    id: int
    name: str


def _company(text: Callable[[], str]) -> str:
    """Generated history reads in the company's language (an assignment's notice is in the manager's)."""
    with translation.override(settings.LANGUAGE_CODE):
        return text()


# Stand-ins for a record's name and id in a text worked out once (PoolRows._per_record).
_NAME = "\x00"
_ID = 9_999_999_999_999


class PoolRows:
    """Appends the rows of pool actions to a PoolBatch; `read_at(sent)` says when a notification was read."""

    def __init__(self, *, read_at: Callable[[dt.datetime], dt.datetime | None] = lambda sent: None) -> None:
        self.read_at = read_at
        self._texts: dict[Any, str] = {}

    def _per_record(self, key: Any, make: Callable[[Any], str], value: Any, stand_in: Any) -> str:
        """make(value), from a text made once per `key` with `stand_in` for the value: a job's notices differ only
        by the record's name and link, and translating (and reversing a URL) for each of thousands costs ~60 µs.
        A text where the stand-in is not found exactly once is made for the record itself."""
        text = self._texts.get(key)
        if text is None:
            text = self._texts[key] = make(stand_in)
        if text.count(str(stand_in)) != 1:
            return make(value)
        return text.replace(str(stand_in), str(value))

    def _url(self, view: str, pk: int) -> str:
        return self._per_record(("url", view), lambda record: reverse(view, args=[record]), pk, _ID)

    def _pool_event(self, batch: PoolBatch, kind: str, pool: Any, customer: Record, user: Person | None,
                    actor: Person | None, at: dt.datetime, verb: str, changes: dict[str, Any], data: dict[str, Any],
                    reason: str = "", rule: str = "") -> None:
        batch.pool_events.append(PoolEventRow(kind, pool.pk, customer.id, None, user.id if user else None,
                                              actor.id if actor else None, reason[:300], rule, at))
        batch.events.append(EventRow(
            at=at, actor_id=actor.id if actor else None, verb=verb, object_type="customer", object_id=customer.id,
            object_repr=customer.name[:200], customer_id=customer.id, changes=json.dumps(changes),
            data=json.dumps(data)))

    def _record_data(self, pool: Any, user: Person, reason: str = "", rule: str = "") -> dict[str, Any]:
        """claim.py's _record: the timeline data of claims, assignments and releases."""
        return {"pool": pool.pk, "pool_name": pool.name, "user": user.id, "user_name": user.name,
                "reason": reason, "rule": rule}

    def _notify(self, batch: PoolBatch, recipient: Person, kind: str, message: str, customer: Record,
                at: dt.datetime, actor: Person | None = None) -> None:
        batch.notifications.append(NotificationRow(
            recipient_id=recipient.id, kind=kind, message=message[:500], object_type="customer",
            object_id=customer.id, url=self._url("customers:detail", customer.id),
            actor_id=actor.id if actor else None, read_at=self.read_at(at), created_at=at))

    def claim(self, batch: PoolBatch, *, pool: Any, customer: Record, user: Person, at: dt.datetime) -> None:
        """customer_claim by `user`."""
        self._pool_event(batch, "claim", pool, customer, user, user, at, "pool.claimed",
                         {"owner": [None, user.id]}, self._record_data(pool, user))

    def assign(self, batch: PoolBatch, *, pool: Any, customers: list[Record], receiver: Person, actor: Person,
               at: dt.datetime) -> None:
        """customers_assign of `customers` to one receiver by a manager, with the receiver's notice."""
        for customer in customers:
            self._pool_event(batch, "assign", pool, customer, receiver, actor, at, "pool.assigned",
                             {"owner": [None, receiver.id]}, self._record_data(pool, receiver))
        if customers and receiver.id != actor.id:
            message = _company(lambda: assignment_message(actor=actor.name, count=len(customers), pool=pool.name))
            self._notify(batch, receiver, "assignment", message, customers[0], at, actor=actor)

    def release(self, batch: PoolBatch, *, pool: Any, customer: Record, owner: Person, actor: Person, reason: str,
                at: dt.datetime) -> None:
        """customer_release by `actor` (the owner or their manager) into `pool`."""
        self._pool_event(batch, "release", pool, customer, owner, actor, at, "pool.released",
                         {"owner": [owner.id, None]}, self._record_data(pool, owner, reason), reason=reason)

    def reclaim_reason(self, due: Due) -> str:
        return reclaim_reason(due)

    def reclaim(self, batch: PoolBatch, *, pool: Any, customer: Record, owner: Person, due: Due,
                at: dt.datetime) -> None:
        """customer_reclaim by the job into `pool` (the governing pool's reclaim target)."""
        reason = self.reclaim_reason(due)
        self._pool_event(batch, "reclaim", pool, customer, owner, None, at, "pool.reclaimed",
                         {"owner": [owner.id, None]},
                         {"pool": pool.pk, "pool_name": pool.name, "rule": due.rule, "reason": reason,
                          "user": owner.id, "user_name": owner.name}, reason=reason, rule=due.rule)
        message = self._per_record(("reclaimed", pool.name, due.rule, due.rules),
                                   lambda name: reclaimed_message(name=name, pool=pool.name, due=due),
                                   customer.name, _NAME)
        self._notify(batch, owner, "system", message, customer, at)

    def warn(self, batch: PoolBatch, *, customer: Record, owner: Person, due: Due, at: dt.datetime) -> None:
        """reclaim_warn by the job: the warning row (once per due day), the event and the owner's notice."""
        due_on = timezone.localdate(due.at)
        batch.warnings.append(ReclaimWarningRow(customer.id, None, owner.id, due_on, due.rule, at))
        batch.events.append(EventRow(
            at=at, actor_id=None, verb="pool.reclaim_warned", object_type="customer", object_id=customer.id,
            object_repr=customer.name[:200], customer_id=customer.id, changes="{}",
            data=json.dumps({"rule": due.rule, "due_on": due_on.isoformat(), "user": owner.id})))
        message = self._per_record(("warning", due_on, due.rule, due.rules),
                                   lambda name: warning_message(name=name, due_on=due_on, due=due),
                                   customer.name, _NAME)
        self._notify(batch, owner, "reminder", message, customer, at)

    # --- the lead pool (pool.services.lead_pool, reclaim.lead_reclaim / lead_reclaim_warn) -----------------------
    def _lead_event(self, batch: PoolBatch, kind: str, pool: Any, lead: Record, user: Person | None,
                    actor: Person | None, at: dt.datetime, verb: str, changes: dict[str, Any], data: dict[str, Any],
                    reason: str = "", rule: str = "") -> None:
        batch.pool_events.append(PoolEventRow(kind, pool.pk, None, lead.id, user.id if user else None,
                                              actor.id if actor else None, reason, rule, at))
        batch.events.append(EventRow(
            at=at, actor_id=actor.id if actor else None, verb=verb, object_type="lead", object_id=lead.id,
            object_repr=lead.name[:200], customer_id=None, changes=json.dumps(changes), data=json.dumps(data),
            lead_id=lead.id))

    def _lead_notify(self, batch: PoolBatch, recipient: Person, kind: str, message: str, lead: Record,
                     at: dt.datetime, actor: Person | None = None) -> None:
        batch.notifications.append(NotificationRow(
            recipient_id=recipient.id, kind=kind, message=message[:500], object_type="lead", object_id=lead.id,
            url=self._url("leads:detail", lead.id), actor_id=actor.id if actor else None,
            read_at=self.read_at(at), created_at=at))

    def _lead_data(self, pool: Any, user: Person, reason: str = "") -> dict[str, Any]:
        return {"pool": pool.pk, "pool_name": pool.name, "user": user.id, "user_name": user.name, "reason": reason}

    def lead_claim(self, batch: PoolBatch, *, pool: Any, lead: Record, user: Person, at: dt.datetime) -> None:
        """lead_claim by `user`."""
        self._lead_event(batch, "claim", pool, lead, user, user, at, "pool.lead_claimed",
                         {"owner": [None, user.id]}, self._lead_data(pool, user))

    def lead_assign(self, batch: PoolBatch, *, pool: Any, leads: list[Record], receiver: Person, actor: Person,
                    at: dt.datetime) -> None:
        """leads_assign of `leads` to one receiver by a manager, with the receiver's notice."""
        for lead in leads:
            self._lead_event(batch, "assign", pool, lead, receiver, actor, at, "pool.lead_assigned",
                             {"owner": [None, receiver.id]}, self._lead_data(pool, receiver))
        if leads and receiver.id != actor.id:
            message = _company(lambda: lead_assignment_message(actor=actor.name, count=len(leads), pool=pool.name))
            self._lead_notify(batch, receiver, "assignment", message, leads[0], at, actor=actor)

    def lead_release(self, batch: PoolBatch, *, pool: Any, lead: Record, owner: Person, actor: Person, reason: str,
                     at: dt.datetime) -> None:
        """lead_release by `actor` (the owner or their manager)."""
        self._lead_event(batch, "release", pool, lead, owner, actor, at, "pool.lead_released",
                         {"owner": [owner.id, None]}, self._lead_data(pool, owner, reason), reason=reason)

    def lead_reclaim(self, batch: PoolBatch, *, pool: Any, lead: Record, owner: Person, due: Due,
                     at: dt.datetime) -> None:
        """lead_reclaim by the job."""
        reason = self.reclaim_reason(due)
        self._lead_event(batch, "reclaim", pool, lead, owner, None, at, "pool.lead_reclaimed",
                         {"owner": [owner.id, None]},
                         {"pool": pool.pk, "pool_name": pool.name, "rule": due.rule, "reason": reason,
                          "user": owner.id, "user_name": owner.name}, reason=reason, rule=due.rule)
        message = self._per_record(
            ("lead_reclaimed", pool.name, due.rule, due.rules),
            lambda name: reclaimed_message(name=name, pool=pool.name, due=due, lead=True), lead.name, _NAME)
        self._lead_notify(batch, owner, "system", message, lead, at)

    def lead_warn(self, batch: PoolBatch, *, lead: Record, owner: Person, due: Due, at: dt.datetime) -> None:
        """lead_reclaim_warn by the job."""
        due_on = timezone.localdate(due.at)
        batch.warnings.append(ReclaimWarningRow(None, lead.id, owner.id, due_on, due.rule, at))
        batch.events.append(EventRow(
            at=at, actor_id=None, verb="pool.lead_reclaim_warned", object_type="lead", object_id=lead.id,
            object_repr=lead.name[:200], customer_id=None, changes="{}",
            data=json.dumps({"rule": due.rule, "due_on": due_on.isoformat(), "user": owner.id}), lead_id=lead.id))
        message = self._per_record(
            ("lead_warning", due_on, due.rule, due.rules),
            lambda name: warning_message(name=name, due_on=due_on, due=due, lead=True), lead.name, _NAME)
        self._lead_notify(batch, owner, "reminder", message, lead, at)
