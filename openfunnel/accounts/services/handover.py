"""Departure handover (离职交接): one action moves a user's open leads, customers, open opportunities, open
tasks and pending reminders to one successor, or splits them across several successors and a customer pool.

What moves is `selectors.handover_rows` (contracts join when the contracts app exists). Won and lost
opportunities, converted and invalid leads, done tasks and done reminders stay: they are history.

How a split deals the records:
- customers one by one (oldest first), each to the target that has received the fewest so far, ties in the
  order given: round-robin, so counts differ by one at most. A customer on which the user has an open
  opportunity goes to a person, never to the pool, so that the deal and its customer stay together;
- leads the same way; the pool target takes leads only when a lead pool exists (a lead without an owner is
  in the lead pool); without one they are dealt among the persons;
- opportunities, tasks and reminders follow their customer (tasks then their lead, reminders their task, their
  customer, their lead, their follow-up's record) when it went to a person; the others are dealt among the
  persons. None of them can lie in a pool, so a handover without a person is refused while the user has any.

Each move follows the rules of the single transfer or release it stands for, set-based so that a book of
thousands moves in a few queries: owner_since / assigned_at reset, previous_owner set, version bumped, the
same event verbs on each record's timeline (bulk-inserted, carrying the handover's id), transfer and release
entries in the pool log, the successor's collaborator entry dropped on customers they now own; one summary
notification per successor instead of one per record; a `user.handed_over` event with the whole report.

Concurrency: one transaction. The departing user and the successors are locked first (in id order, as the
pool's assignments do), so two handovers of one user run one after the other and a successor cannot be
deactivated half-way; then every row that moves is locked (SELECT … FOR NO KEY UPDATE) and every UPDATE is
conditional on the old owner with its row count checked. A record transferred elsewhere meanwhile is never
taken from its new owner, and an edit waiting on a lock keeps its fields (services save only what they change).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from openfunnel.accounts.models import Handover, User
from openfunnel.accounts.scope import require_perm
from openfunnel.accounts.selectors import HANDOVER_KINDS, handover_lead_pool, handover_rows
from openfunnel.accounts.services.handover_moves import handover_apply, handover_notify
from openfunnel.audit.services import event_record
from openfunnel.core.api import MAX_ID
from openfunnel.core.errors import ValidationFailed

MAX_TARGETS = 20
REASON_MAX_LENGTH = 300


@dataclass
class HandoverTarget:
    """A successor or the customer pool, with what it receives."""

    field: str                      # the input field that named it, for error messages
    user: User | None = None
    pool: Any = None
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(HANDOVER_KINDS, 0))
    collaborator_shares: int = 0

    @property
    def is_pool(self) -> bool:
        return self.pool is not None

    @property
    def name(self) -> str:
        return self.pool.name if self.pool is not None else self.user.display_name  # type: ignore[union-attr]

    def as_dict(self) -> dict[str, Any]:
        return {"type": "pool" if self.is_pool else "user", "id": (self.pool or self.user).pk, "name": self.name,
                **self.counts, "collaborator_shares": self.collaborator_shares}


@dataclass
class HandoverReport:
    """What a handover moved (or, for a dry run, would move), per target and in total."""

    user: User
    targets: list[HandoverTarget]
    lead_pool: Any
    keep_as_collaborator: bool
    reason: str
    dry_run: bool
    at: dt.datetime
    handover: Handover | None = None

    @property
    def totals(self) -> dict[str, int]:
        return {kind: sum(t.counts[kind] for t in self.targets) for kind in HANDOVER_KINDS}

    def as_dict(self) -> dict[str, Any]:
        return {
            "handover": self.handover.pk if self.handover else None,
            "user": self.user.pk, "user_name": self.user.display_name,
            "at": self.at.isoformat(), "dry_run": self.dry_run,
            "keep_as_collaborator": self.keep_as_collaborator, "reason": self.reason,
            "lead_pool": ({"id": self.lead_pool.pk, "name": self.lead_pool.name} if self.lead_pool else None),
            "counts": self.totals,
            "targets": [t.as_dict() for t in self.targets],
        }


# --- input --------------------------------------------------------------------------------------------


def _id(value: Any, model: type) -> int | None:
    """A positive id from an instance, an int or a string of digits; None when it is none of these."""
    if isinstance(value, model):
        return value.pk
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if 0 < value <= MAX_ID else None
    if isinstance(value, str) and value.strip().isdigit():
        number = int(value.strip())
        return number if 0 < number <= MAX_ID else None
    return None


def _target_specs(*, to_user: Any, release_to_pool: Any, split: Any,
                  errors: dict[str, list[Any]]) -> list[tuple[str, str, Any]]:
    """[(field, "user" | "pool", raw value)] from the three ways of naming targets (exactly one is given)."""
    given = [name for name, value in (("to_user", to_user), ("release_to_pool", release_to_pool), ("split", split))
             if value is not None]
    if not given:
        errors["to_user"] = [_("Name a successor, a pool, or a split between several.")]
        return []
    if len(given) > 1:
        for name in given[1:]:
            errors[name] = [_("Give one of to_user, release_to_pool and split, not several.")]
        return []
    if to_user is not None:
        return [("to_user", "user", to_user)]
    if release_to_pool is not None:
        return [("release_to_pool", "pool", release_to_pool)]
    if not isinstance(split, (list, tuple)) or not split:
        errors["split"] = [_("Give a list of targets, each with to_user or release_to_pool.")]
        return []
    if len(split) > MAX_TARGETS:
        errors["split"] = [_("At most %(max)d targets.") % {"max": MAX_TARGETS}]
        return []
    specs = []
    for index, item in enumerate(split):
        prefix = f"split.{index}"
        if not isinstance(item, dict) or len(item) != 1 or next(iter(item)) not in ("to_user", "release_to_pool"):
            unknown = sorted(str(k) for k in item if k not in ("to_user", "release_to_pool")) \
                if isinstance(item, dict) else []
            for key in unknown:
                errors[f"{prefix}.{key}"] = [_("Unknown field.")]
            if not unknown:
                errors[prefix] = [_("Give either to_user or release_to_pool.")]
            continue
        name, value = next(iter(item.items()))
        specs.append((f"{prefix}.{name}", "user" if name == "to_user" else "pool", value))
    return specs


def _resolve_targets(*, actor: Any, user: User, specs: list[tuple[str, str, Any]], lock: bool,
                     errors: dict[str, list[Any]]) -> list[HandoverTarget]:
    """The targets as rows (successors locked with the departing user, in id order), or field errors."""
    from openfunnel.pool.models import Pool

    ids: dict[str, int | None] = {name: _id(value, User if kind == "user" else Pool) for name, kind, value in specs}
    user_ids = sorted({user.pk, *(ids[name] for name, kind, _v in specs if kind == "user" and ids[name])})
    users = User.objects.filter(pk__in=user_ids).order_by("pk")
    # FOR NO KEY UPDATE: it serializes handovers and (de)activations of these users, yet lets writes that merely
    # reference them (an event naming the user as actor, a record they are given) go on: no deadlock with an edit
    # of a record this handover waits for.
    found = {u.pk: u for u in (users.select_for_update(no_key=True) if lock else users)}
    targets: list[HandoverTarget] = []
    seen_users: set[int] = set()
    pools = 0
    for name, kind, _value in specs:
        pk = ids[name]
        if pk is None:
            errors[name] = [_("Enter a valid id.")]
            continue
        if kind == "pool":
            pool = Pool.objects.filter(pk=pk).first()
            if pool is None:
                errors[name] = [_("Choose an existing pool.")]
            elif pool.kind != Pool.Kind.CUSTOMER:
                errors[name] = [_("Choose a customer pool; leads go to the lead pool by themselves.")]
            elif pools:
                errors[name] = [_("Name one pool at most.")]
            else:
                pools += 1
                targets.append(HandoverTarget(field=name, pool=pool))
            continue
        successor = found.get(pk)
        if successor is None:
            errors[name] = [_("Choose an existing user.")]
        elif pk == user.pk:
            errors[name] = [_("This is the user whose records are handed over; choose someone else.")]
        elif pk == actor.pk:
            errors[name] = [_("You cannot hand the records over to yourself.")]
        elif not successor.is_active:
            errors[name] = [_("Choose an active user.")]
        elif pk in seen_users:
            errors[name] = [_("This user is named twice.")]
        else:
            seen_users.add(pk)
            targets.append(HandoverTarget(field=name, user=successor))
    return targets


def _clean_options(*, keep_as_collaborator: Any, reason: Any, dry_run: Any,
                   errors: dict[str, list[Any]]) -> str:
    for name, value in (("keep_as_collaborator", keep_as_collaborator), ("dry_run", dry_run)):
        if not isinstance(value, bool):
            errors[name] = [_("Must be true or false.")]
    if reason is None:
        reason = ""
    if not isinstance(reason, str):
        errors["reason"] = [_("Enter text.")]
        return ""
    reason = reason.strip()
    if len(reason) > REASON_MAX_LENGTH:
        errors["reason"] = [_("Ensure this value has at most %(max)d characters.") % {"max": REASON_MAX_LENGTH}]
    return reason


# --- planning: who gets what ----------------------------------------------------------------------------


def _deal(targets: list[HandoverTarget], kind: str) -> HandoverTarget:
    """The target that has received the fewest of `kind` so far (ties: the order given): round-robin."""
    chosen = min(range(len(targets)), key=lambda i: (targets[i].counts[kind], i))
    targets[chosen].counts[kind] += 1
    return targets[chosen]


def _give(target: HandoverTarget, kind: str) -> HandoverTarget:
    target.counts[kind] += 1
    return target


@dataclass
class _Plan:
    """Rows (locked unless a dry run) and the target of each, per kind."""

    rows: dict[str, list[Any]]
    to: dict[str, dict[int, HandoverTarget]]

    def ids_for(self, kind: str, target: HandoverTarget) -> list[int]:
        return [pk for pk, t in self.to[kind].items() if t is target]


def _load(user: User, *, lock: bool) -> dict[str, list[Any]]:
    only = {"leads": ("id", "company"), "customers": ("id", "name", "pool_id"),
            "opportunities": ("id", "name", "customer_id"), "tasks": ("id", "title", "customer_id", "lead_id"),
            "reminders": ("id", "task_id", "customer_id", "lead_id", "activity_id")}
    loaded = {}
    for kind, rows in handover_rows(user=user).items():
        rows = rows.only(*only[kind]).order_by("pk")
        loaded[kind] = list(rows.select_for_update(of=("self",), no_key=True) if lock else rows)
    return loaded


def _plan(rows: dict[str, list[Any]], targets: list[HandoverTarget], *, lead_pool: Any) -> _Plan:
    from openfunnel.activities.models import Activity

    persons = [t for t in targets if not t.is_pool]
    to: dict[str, dict[int, HandoverTarget]] = {kind: {} for kind in HANDOVER_KINDS}
    with_deals = {o.customer_id for o in rows["opportunities"]}
    for customer in rows["customers"]:
        eligible = persons if customer.pk in with_deals and persons else targets
        to["customers"][customer.pk] = _deal(eligible, "customers")
    lead_targets = targets if lead_pool is not None else persons
    for lead in rows["leads"]:
        to["leads"][lead.pk] = _deal(lead_targets, "leads")
    if not persons:  # the caller refused already whatever would need a person
        return _Plan(rows=rows, to=to)

    def person_of(kind: str, pk: int | None) -> HandoverTarget | None:
        target = to[kind].get(pk) if pk is not None else None
        return target if target is not None and not target.is_pool else None

    for opportunity in rows["opportunities"]:
        owner = person_of("customers", opportunity.customer_id)
        to["opportunities"][opportunity.pk] = _give(owner, "opportunities") if owner else _deal(persons,
                                                                                                "opportunities")
    for task in rows["tasks"]:
        owner = person_of("customers", task.customer_id) or person_of("leads", task.lead_id)
        to["tasks"][task.pk] = _give(owner, "tasks") if owner else _deal(persons, "tasks")
    activity_ids = [r.activity_id for r in rows["reminders"] if r.activity_id]
    activities = {a["pk"]: a for a in Activity.objects.filter(pk__in=activity_ids).values("pk", "customer_id",
                                                                                          "lead_id")}
    for reminder in rows["reminders"]:
        activity = activities.get(reminder.activity_id, {})
        owner = (person_of("tasks", reminder.task_id) or person_of("customers", reminder.customer_id)
                 or person_of("leads", reminder.lead_id) or person_of("customers", activity.get("customer_id"))
                 or person_of("leads", activity.get("lead_id")))
        to["reminders"][reminder.pk] = _give(owner, "reminders") if owner else _deal(persons, "reminders")
    return _Plan(rows=rows, to=to)


def _refuse_without_person(targets: list[HandoverTarget], rows: dict[str, list[Any]], lead_pool: Any,
                           errors: dict[str, list[Any]]) -> None:
    """Opportunities, tasks and reminders (and leads, without a lead pool) need a person to go to."""
    if any(not t.is_pool for t in targets) or not targets:
        return
    needs = {kind: len(rows[kind]) for kind in ("opportunities", "tasks", "reminders")}
    needs["leads"] = len(rows["leads"]) if lead_pool is None else 0
    if not any(needs.values()):
        return
    if needs["leads"]:
        message = _("The user has %(leads)d open leads (and there is no lead pool), %(opportunities)d open "
                    "opportunities, %(tasks)d open tasks and %(reminders)d pending reminders; they cannot go to a "
                    "customer pool. Add a successor.")
    else:
        message = _("The user has %(opportunities)d open opportunities, %(tasks)d open tasks and %(reminders)d "
                    "pending reminders; they cannot go to a pool. Add a successor.")
    errors[targets[0].field] = [message % needs]


# --- the service ------------------------------------------------------------------------------------------


@transaction.atomic
def user_handover(*, actor: Any, user: User, to_user: Any = None, release_to_pool: Any = None, split: Any = None,
                  keep_as_collaborator: Any = False, reason: Any = "", dry_run: Any = False,
                  now: dt.datetime | None = None) -> HandoverReport:
    """Hands over `user`'s open records: all `to_user` (a user or id), all customers to the customer pool
    `release_to_pool`, or dealt across `split` ([{"to_user": id} | {"release_to_pool": id}, ...]). With
    `keep_as_collaborator` the user stays a read-only collaborator of the customers and open opportunities that
    went to persons;
    `reason` is the pool's release reason; `dry_run` plans without changing anything.

    Needs org.manage; raises PermissionDenied, ValidationFailed (field errors named after the input: to_user,
    release_to_pool, split.<n>.to_user, ...), Conflict when a record changed under the handover (nothing moved).
    """
    require_perm(actor, "org.manage")
    now = now or timezone.now()
    errors: dict[str, list[Any]] = {}
    reason = _clean_options(keep_as_collaborator=keep_as_collaborator, reason=reason, dry_run=dry_run,
                            errors=errors)
    specs = _target_specs(to_user=to_user, release_to_pool=release_to_pool, split=split, errors=errors)
    lock = dry_run is not True
    targets = _resolve_targets(actor=actor, user=user, specs=specs, lock=lock, errors=errors)
    if errors:
        raise ValidationFailed(fields=errors)
    user = User.objects.get(pk=user.pk)  # read again under the lock taken with the successors'
    lead_pool = handover_lead_pool()
    rows = _load(user, lock=lock)
    _refuse_without_person(targets, rows, lead_pool, errors)
    if errors:
        raise ValidationFailed(fields=errors)
    plan = _plan(rows, targets, lead_pool=lead_pool)
    report = HandoverReport(user=user, targets=targets, lead_pool=lead_pool, keep_as_collaborator=keep_as_collaborator,
                            reason=reason or _("Handover of %(name)s") % {"name": user.display_name},
                            dry_run=not lock, at=now)
    if keep_as_collaborator:
        for target in targets:
            if not target.is_pool:
                target.collaborator_shares = target.counts["customers"]
    if report.dry_run:
        return report
    if not any(report.totals.values()):
        raise ValidationFailed(fields={"__all__": [
            _("%(name)s has no open records; there is nothing to hand over.") % {"name": user.display_name}]})
    report.handover = Handover.objects.create(user=user, actor=actor, at=now,
                                              keep_as_collaborator=keep_as_collaborator, report={})
    handover_apply(actor=actor, user=user, plan=plan, report=report, now=now)
    report.handover.report = report.as_dict()
    report.handover.save(update_fields=["report"])
    event_record(actor=actor, verb="user.handed_over", obj=user, at=now, data=report.as_dict())
    handover_notify(actor=actor, report=report)
    return report
