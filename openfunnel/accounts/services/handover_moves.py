"""The moves of a handover (services.handover plans them): set-based, with the rows, events and pool log entries
each single transfer or release writes.

- customers to a person as customers.customer_transfer: owner, owner_since, previous_owner, version, the
  successor's collaborator entry dropped, `customer.owner_changed`, a transfer in the pool log;
- customers to the pool as pool.customer_release: no owner, the pool, the reason, `pool.released`, a release;
- leads to a person as leads.lead_transfer: owner, assigned_at, version, `lead.transferred`, a transfer logged
  against the lead pool the lead was last in (pool.pool_lead_owner_record);
- leads to the lead pool as pool.lead_release: no owner, `pool.lead_released`, a release logged against the lead
  pool that governs the lead (pool.lead_rules.governing_lead_pool), else the handover's lead pool;
- open opportunities as sales.opportunity_transfer (`opportunity.transferred`), open tasks as a reassignment
  in activities.task_update (`task.updated`); reminders change hands with their records.

Every UPDATE is conditional on the old owner with its row count checked (the rows are locked by the caller).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from django.db.models import F
from django.urls import reverse
from django.utils.translation import gettext as _

from openfunnel.accounts.models import User
from openfunnel.accounts.selectors import HANDOVER_KINDS, handover_rows
from openfunnel.audit.services import event_bulk_record, event_fields
from openfunnel.core.errors import Conflict

if TYPE_CHECKING:
    from openfunnel.accounts.services.handover import HandoverReport

CHUNK = 500  # ids per UPDATE … WHERE id IN (…): well below SQLite's parameter limit


def _chunks(ids: list[int]) -> Iterator[list[int]]:
    for start in range(0, len(ids), CHUNK):
        yield ids[start:start + CHUNK]


def _update(rows: Any, ids: list[int], **values: Any) -> None:
    """The conditional UPDATE of `ids`; every row must still match (they are locked), else nothing moves."""
    moved = sum(rows.filter(pk__in=chunk).update(**values) for chunk in _chunks(ids))
    if moved != len(ids):
        raise Conflict(_("Some of these records changed while the handover ran; nothing was handed over. "
                         "Try again."))


class _Moves:
    """What the moves collect for the two bulk inserts at the end."""

    def __init__(self, *, actor: Any, user: User, report: HandoverReport, now: dt.datetime) -> None:
        self.actor, self.user, self.report, self.now = actor, user, report, now
        self.handover_id = report.handover.pk  # type: ignore[union-attr]
        self.events: list[dict[str, Any]] = []
        self.pool_events: list[Any] = []

    def event(self, verb: str, obj: Any, **kwargs: Any) -> None:
        kwargs["data"] = {**kwargs.get("data", {}), "handover": self.handover_id}
        self.events.append(event_fields(actor=self.actor, verb=verb, obj=obj, at=self.now, **kwargs))

    def pool_event(self, kind: str, **kwargs: Any) -> None:
        from openfunnel.pool.models import PoolEvent

        self.pool_events.append(PoolEvent(kind=kind, actor=self.actor, at=self.now, **kwargs))


def handover_apply(*, actor: Any, user: User, plan: Any, report: HandoverReport, now: dt.datetime) -> None:
    """Carries out a handover's plan inside the caller's transaction (rows already locked)."""
    from openfunnel.pool.models import PoolEvent

    moves = _Moves(actor=actor, user=user, report=report, now=now)
    rows = handover_rows(user=user)
    by_id = {kind: {row.pk: row for row in plan.rows[kind]} for kind in HANDOVER_KINDS}
    lead_pools = _lead_pools(list(by_id["leads"]))

    def records(kind: str, target: Any) -> list[Any]:
        return [by_id[kind][pk] for pk in plan.ids_for(kind, target)]

    for target in report.targets:
        if target.is_pool:
            _customers_released(moves, pool=target.pool, customers=records("customers", target),
                                rows=rows["customers"])
            _leads_released(moves, leads=records("leads", target), rows=rows["leads"], pools=lead_pools)
            continue
        successor = target.user
        _customers_transferred(moves, successor=successor, customers=records("customers", target),
                               rows=rows["customers"])
        _leads_transferred(moves, successor=successor, leads=records("leads", target), rows=rows["leads"],
                           pools=lead_pools)
        _opportunities_transferred(moves, successor=successor, opportunities=records("opportunities", target),
                                   rows=rows["opportunities"])
        tasks = records("tasks", target)
        _update(rows["tasks"], [t.pk for t in tasks], assignee_id=successor.pk, updated_at=now)
        for task in tasks:
            moves.event("task.updated", task, customer_id=task.customer_id, lead_id=task.lead_id,
                        changes={"assignee": [user.pk, successor.pk]}, data={"title": task.title})
        # Reminders have no timeline of their own: the handover's report counts them.
        _update(rows["reminders"], plan.ids_for("reminders", target), user_id=successor.pk)
    event_bulk_record(moves.events)
    PoolEvent.objects.bulk_create(moves.pool_events, batch_size=1000)


def _customers_transferred(moves: _Moves, *, successor: User, customers: list[Any], rows: Any) -> None:
    from openfunnel.customers.models import CustomerShare
    from openfunnel.pool.models import PoolEvent

    user, ids = moves.user, [c.pk for c in customers]
    _update(rows, ids, owner_id=successor.pk, owner_since=moves.now, previous_owner_id=user.pk,
            version=F("version") + 1, updated_at=moves.now)
    for chunk in _chunks(ids):  # the new owner needs no collaborator entry any more
        CustomerShare.objects.filter(customer_id__in=chunk, user_id=successor.pk).delete()
    for customer in customers:
        moves.event("customer.owner_changed", customer, customer_id=customer.pk,
                    changes={"owner": [user.pk, successor.pk]},
                    data={"from_owner_name": user.display_name, "to_owner_name": successor.display_name})
        moves.pool_event(PoolEvent.Kind.TRANSFER, pool_id=customer.pool_id, customer_id=customer.pk, user=successor)
    if not moves.report.keep_as_collaborator:
        return
    CustomerShare.objects.bulk_create([CustomerShare(customer_id=pk, user_id=user.pk, can_edit=False) for pk in ids],
                                      batch_size=1000, ignore_conflicts=True)
    for customer in customers:
        moves.event("customer.shared", customer, customer_id=customer.pk,
                    data={"user": user.pk, "user_name": user.display_name, "can_edit": False})


def _opportunities_transferred(moves: _Moves, *, successor: User, opportunities: list[Any], rows: Any) -> None:
    """As for customers: the new owner's collaborator entry goes, the leaver optionally stays a reader."""
    from openfunnel.sales.models import OpportunityShare

    user, ids = moves.user, [o.pk for o in opportunities]
    _update(rows, ids, owner_id=successor.pk, version=F("version") + 1, updated_at=moves.now)
    for chunk in _chunks(ids):
        OpportunityShare.objects.filter(opportunity_id__in=chunk, user_id=successor.pk).delete()
    for opportunity in opportunities:
        moves.event("opportunity.transferred", opportunity, customer_id=opportunity.customer_id,
                    changes={"owner": [user.pk, successor.pk]})
    if not moves.report.keep_as_collaborator:
        return
    OpportunityShare.objects.bulk_create(
        [OpportunityShare(opportunity_id=pk, user_id=user.pk, can_edit=False) for pk in ids],
        batch_size=1000, ignore_conflicts=True)
    for opportunity in opportunities:
        moves.event("opportunity.shared", opportunity, customer_id=opportunity.customer_id,
                    data={"user": user.pk, "user_name": user.display_name, "can_edit": False})


def _customers_released(moves: _Moves, *, pool: Any, customers: list[Any], rows: Any) -> None:
    from openfunnel.pool.models import PoolEvent

    user, reason = moves.user, moves.report.reason
    _update(rows, [c.pk for c in customers], owner_id=None, owner_since=None, pool_id=pool.pk,
            pool_entered_at=moves.now, pool_reason=reason, previous_owner_id=user.pk, version=F("version") + 1,
            updated_at=moves.now)
    for customer in customers:
        moves.event("pool.released", customer, customer_id=customer.pk, changes={"owner": [user.pk, None]},
                    data={"pool": pool.pk, "pool_name": pool.name, "user": user.pk, "user_name": user.display_name,
                          "reason": reason, "rule": ""})
        moves.pool_event(PoolEvent.Kind.RELEASE, pool=pool, customer_id=customer.pk, user=user, reason=reason)


def _lead_pools(lead_ids: list[int]) -> dict[str, dict[int, int]]:
    """Per lead, from the pool log: the lead pool it was last logged in ("last"), and the one it last came out
    of by a claim or an assignment ("governing"); the rules of pool.pool_lead_owner_record and
    pool.lead_rules.governing_lead_pool, for many leads in one query per chunk."""
    from openfunnel.pool.models import Pool, PoolEvent

    found: dict[str, dict[int, int]] = {"last": {}, "governing": {}}
    taken = {PoolEvent.Kind.CLAIM, PoolEvent.Kind.ASSIGN}
    for chunk in _chunks(lead_ids):
        log = (PoolEvent.objects.filter(lead_id__in=chunk, pool__kind=Pool.Kind.LEAD).order_by("at", "id")
               .values_list("lead_id", "pool_id", "kind"))
        for lead_id, pool_id, kind in log:
            found["last"][lead_id] = pool_id
            if kind in taken:
                found["governing"][lead_id] = pool_id
    return found


def _default_lead_pool_id() -> int | None:
    from openfunnel.pool.models import Pool

    return Pool.objects.filter(kind=Pool.Kind.LEAD, is_default=True).values_list("pk", flat=True).first()


def _leads_transferred(moves: _Moves, *, successor: User, leads: list[Any], rows: Any,
                       pools: dict[str, dict[int, int]]) -> None:
    from openfunnel.pool.models import PoolEvent

    if not leads:
        return
    user = moves.user
    _update(rows, [lead.pk for lead in leads], owner_id=successor.pk, assigned_at=moves.now,
            version=F("version") + 1, updated_at=moves.now)
    default_pool_id = _default_lead_pool_id()
    for lead in leads:
        moves.event("lead.transferred", lead, lead_id=lead.pk, changes={"owner": [user.pk, successor.pk]},
                    data={"owner_name": successor.display_name, "previous_owner_name": user.display_name})
        moves.pool_event(PoolEvent.Kind.TRANSFER, pool_id=pools["last"].get(lead.pk, default_pool_id),
                         lead_id=lead.pk, user=successor)


def _leads_released(moves: _Moves, *, leads: list[Any], rows: Any, pools: dict[str, dict[int, int]]) -> None:
    """Into the lead pool (no owner: members claim them from there)."""
    from openfunnel.pool.models import Pool, PoolEvent

    if not leads:
        return
    user, reason, fallback = moves.user, moves.report.reason, moves.report.lead_pool
    _update(rows, [lead.pk for lead in leads], owner_id=None, assigned_at=None, version=F("version") + 1,
            updated_at=moves.now)
    default_pool_id = _default_lead_pool_id()
    chosen = {lead.pk: pools["governing"].get(lead.pk) or default_pool_id or fallback.pk for lead in leads}
    names = dict(Pool.objects.filter(pk__in=set(chosen.values())).values_list("pk", "name"))
    for lead in leads:
        pool_id = chosen[lead.pk]
        moves.event("pool.lead_released", lead, lead_id=lead.pk, changes={"owner": [user.pk, None]},
                    data={"pool": pool_id, "pool_name": names.get(pool_id, ""), "user": user.pk,
                          "user_name": user.display_name, "reason": reason, "rule": ""})
        moves.pool_event(PoolEvent.Kind.RELEASE, pool_id=pool_id, lead_id=lead.pk, user=user, reason=reason)


def handover_notify(*, actor: Any, report: HandoverReport) -> None:
    """One notification per successor, instead of one per record."""
    from openfunnel.automation.models import Notification
    from openfunnel.automation.services import notification_send

    for target in report.targets:
        if target.is_pool or not any(target.counts.values()):
            continue
        notification_send(
            recipient=target.user, kind=Notification.Kind.ASSIGNMENT, actor=actor,
            url=f"{reverse('customers:list')}?owner={target.user.pk}",
            message=_("%(actor)s handed %(user)s's records over to you: %(customers)d customers, %(leads)d leads, "
                      "%(opportunities)d opportunities, %(tasks)d tasks, %(reminders)d reminders.")
            % {"actor": actor.display_name, "user": report.user.display_name, **target.counts})
