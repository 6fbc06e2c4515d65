"""The lead pool: claim, manager assignment and release of leads, on the customer pool's design (claim.py).

Every open lead without an owner lies in the lead pool. The owner changes only through a conditional UPDATE
(`owner_id IS NULL` for a claim or an assignment) after the receiving users' rows are locked, so of parallel
claims one wins and the owned limit (open leads) is never exceeded; the cooldown is read under the same lock.
Each claim, assignment and release is a pool event with its lead and a timeline event on the lead.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from openfunnel.accounts.scope import can_see_owner, require_perm
from openfunnel.audit.services import event_record
from openfunnel.core.api import parse_id
from openfunnel.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from openfunnel.pool.lead_rules import governing_lead_pool, open_leads
from openfunnel.pool.models import Pool, PoolEvent
from openfunnel.pool.selectors import lead_pools_for_release
from openfunnel.pool.services.claim import (
    ASSIGN_STRATEGIES,
    _assignees,
    _check_daily_limit,
    _check_visible,
    _lock_users,
    cooldown_until,
    next_receiver,
    unique_ids,
)

REASON_MAX_LENGTH = 300


def lead_assignment_message(*, actor: str, count: int, pool: str) -> str:
    """The receiver's notice of an assignment of leads (pool.services.bulk writes the same one)."""
    return ngettext("%(actor)s assigned you %(count)d lead from the pool “%(pool)s”.",
                    "%(actor)s assigned you %(count)d leads from the pool “%(pool)s”.", count) % {
        "actor": actor, "count": count, "pool": pool}


def _record(*, kind: str, verb: str, pool: Pool, lead: Any, user: Any, actor: Any, now: dt.datetime,
            reason: str = "", changes: dict[str, Any] | None = None) -> None:
    PoolEvent.objects.create(kind=kind, pool=pool, lead=lead, user=user, actor=actor, reason=reason, at=now)
    event_record(actor=actor, verb=verb, obj=lead, lead_id=lead.pk, at=now, changes=changes,
                 data={"pool": pool.pk, "pool_name": pool.name, "user": getattr(user, "pk", None),
                       "user_name": getattr(user, "display_name", ""), "reason": reason})


def _lead_in_pool_or_raise(pool: Pool, lead_id: int) -> Any:
    """The open, unowned lead, or why not: already_claimed when it left this pool through a claim or an
    assignment, NotFound otherwise (nothing about other leads is revealed)."""
    lead = open_leads().filter(pk=lead_id).first()
    if lead is not None and lead.owner_id is None:
        return lead
    if lead is not None:
        last = PoolEvent.objects.filter(lead_id=lead.pk).order_by("-at", "-id").first()
        if last is not None and last.pool_id == pool.pk and last.kind in (PoolEvent.Kind.CLAIM,
                                                                          PoolEvent.Kind.ASSIGN):
            raise Conflict(_("Someone else has just claimed this lead."), code="already_claimed")
    raise NotFound()


def _owned_open_leads(user_id: int) -> int:
    return open_leads().filter(owner_id=user_id).count()


def _check_owned_limit(pool: Pool, user: Any, owned: int, *, actor: Any) -> None:
    if pool.max_owned_per_user is None or owned < pool.max_owned_per_user:
        return
    if user.pk == actor.pk:
        message = _("You already own %(count)d open leads, the most this pool allows.") % {"count": owned}
    else:
        message = _("%(user)s already owns %(count)d open leads, the most this pool allows (%(limit)d).") % {
            "user": user.display_name, "count": owned, "limit": pool.max_owned_per_user}
    raise Conflict(message, code="claim_limit_reached",
                   extra={"limit": "max_owned", "max_owned_per_user": pool.max_owned_per_user})


def _take(*, lead: Any, owner: Any, now: dt.datetime) -> Any:
    from openfunnel.leads.models import Lead

    taken = open_leads().filter(pk=lead.pk, owner_id__isnull=True).update(
        owner_id=owner.pk, assigned_at=now, version=F("version") + 1, updated_at=now)
    if taken != 1:
        raise Conflict(_("Someone else has just claimed this lead."), code="already_claimed")
    return Lead.objects.select_related("owner").get(pk=lead.pk)


def _lead_pool(pool: Pool) -> None:
    if pool.kind != Pool.Kind.LEAD:
        raise ValidationFailed(fields={"lead": [_("This is a customer pool; claim customers from it.")]})


@transaction.atomic
def lead_claim(*, actor: Any, pool: Pool, lead_id: Any, now: dt.datetime | None = None) -> Any:
    """A member of a lead pool takes an unowned open lead.

    Needs leads.edit and claim mode free or both. The owned limit counts the rep's open leads; the daily limit
    and the cooldown after their own release or reclaim apply as for customers.
    Raises NotFound, PermissionDenied, ValidationFailed, Conflict already_claimed / claim_limit_reached /
    cooldown (with `until`).
    """
    now = now or timezone.now()
    _check_visible(actor, pool)
    require_perm(actor, "leads.edit")
    _lead_pool(pool)
    if pool.claim_mode == Pool.ClaimMode.ASSIGN:
        raise PermissionDenied(_("Leads in this pool are assigned by a manager."))
    lead = _lead_in_pool_or_raise(pool, parse_id(lead_id))
    _lock_users([actor.pk])
    until = cooldown_until(pool=pool, user=actor, lead_id=lead.pk, now=now)
    if until is not None:
        day = timezone.localdate(until)
        raise Conflict(_("You gave this lead up recently; you may claim it again from %(date)s.")
                       % {"date": day.isoformat()}, code="cooldown", extra={"until": day.isoformat()})
    _check_owned_limit(pool, actor, _owned_open_leads(actor.pk), actor=actor)
    _check_daily_limit(pool, actor, now)
    lead = _take(lead=lead, owner=actor, now=now)
    _record(kind=PoolEvent.Kind.CLAIM, verb="pool.lead_claimed", pool=pool, lead=lead, user=actor, actor=actor,
            now=now, changes={"owner": [None, actor.pk]})
    return lead


@transaction.atomic
def leads_assign(*, actor: Any, pool: Pool, lead_ids: list[Any], owner: Any = None, owners: Any = None,
                 strategy: str = "single", now: dt.datetime | None = None) -> list[Any]:
    """A manager hands lead-pool leads out: all to `owner`, or across `owners` round-robin or to the least loaded.

    Needs leads.assign, a visible lead pool in mode assign or both, receivers active and within the actor's
    scope; the owned limit (open leads) applies to each receiver. All or nothing. Raises NotFound,
    PermissionDenied, ValidationFailed, Conflict already_claimed / claim_limit_reached.
    """
    from openfunnel.automation.services import notification_send

    now = now or timezone.now()
    _check_visible(actor, pool)
    require_perm(actor, "leads.assign")
    if pool.kind != Pool.Kind.LEAD:
        raise ValidationFailed(fields={"leads": [_("This is a customer pool.")]})
    if pool.claim_mode == Pool.ClaimMode.FREE:
        raise PermissionDenied(_("Leads in this pool are claimed freely, not assigned."))
    if strategy not in ASSIGN_STRATEGIES:
        raise ValidationFailed(fields={"strategy": [_("Select a valid choice.")]})
    ids = unique_ids(lead_ids, field="leads", none_message=_("Choose at least one lead."))
    receivers = _assignees(actor, owner, owners)
    leads = [_lead_in_pool_or_raise(pool, lead_id) for lead_id in ids]
    _lock_users([u.pk for u in receivers])
    load = {u.pk: _owned_open_leads(u.pk) for u in receivers}
    assigned = []
    for index, lead in enumerate(leads):
        receiver = next_receiver(receivers, load, index, strategy)
        _check_owned_limit(pool, receiver, load[receiver.pk], actor=actor)
        taken = _take(lead=lead, owner=receiver, now=now)
        load[receiver.pk] += 1
        _record(kind=PoolEvent.Kind.ASSIGN, verb="pool.lead_assigned", pool=pool, lead=taken, user=receiver,
                actor=actor, now=now, changes={"owner": [None, receiver.pk]})
        assigned.append(taken)
    for receiver in receivers:
        mine = [lead for lead in assigned if lead.owner_id == receiver.pk]
        if mine:
            notification_send(recipient=receiver, kind="assignment", actor=actor, target=mine[0],
                              url=mine[0].get_absolute_url(),
                              message=lead_assignment_message(actor=actor.display_name, count=len(mine),
                                                              pool=pool.name))
    return assigned


@transaction.atomic
def lead_release(*, actor: Any, lead: Any, pool: Pool | None = None, reason: str,
                 now: dt.datetime | None = None) -> Any:
    """The owner (or a manager whose scope holds the owner) gives an open lead up to the lead pool, with a reason.

    Needs leads.edit. The pool defaults to the one the lead came from (or the default lead pool, or the only
    one); it is logged with the release. Raises NotFound, PermissionDenied, ValidationFailed,
    Conflict invalid_transition (already in the pool, converted).
    """
    from openfunnel.leads.models import Lead

    now = now or timezone.now()
    require_perm(actor, "leads.edit")
    locked = (Lead.objects.select_for_update(of=("self",)).select_related("owner")
              .filter(pk=getattr(lead, "pk", lead), deleted_at__isnull=True).first())
    if locked is None or (locked.owner_id is not None and not can_see_owner(actor, locked.owner_id)):
        raise NotFound()
    if locked.owner_id is None:
        raise Conflict(_("This lead is already in the lead pool."), code="invalid_transition")
    if locked.status == Lead.Status.CONVERTED:
        raise Conflict(_("A converted lead cannot go back to the lead pool."), code="invalid_transition")
    reason = (reason or "").strip()
    errors: dict[str, list[Any]] = {}
    if not reason:
        errors["reason"] = [_("Say why the lead goes back to the pool.")]
    elif len(reason) > REASON_MAX_LENGTH:
        errors["reason"] = [_("Ensure this value has at most %(limit)d characters.") % {"limit": REASON_MAX_LENGTH}]
    offered = lead_pools_for_release(actor)
    if pool is None:
        pool = governing_lead_pool(locked)
        if pool is None and offered.count() == 1:
            pool = offered.first()
        if pool is None:
            errors["pool"] = [_("Choose a lead pool.")]
    elif pool.kind != Pool.Kind.LEAD:
        errors["pool"] = [_("Choose a lead pool.")]
    elif not offered.filter(pk=pool.pk).exists():
        errors["pool"] = [_("Choose a pool you are a member of.")]
    if errors:
        raise ValidationFailed(fields=errors)
    assert pool is not None
    previous = locked.owner
    Lead.objects.filter(pk=locked.pk).update(owner=None, assigned_at=None, version=F("version") + 1, updated_at=now)
    locked.refresh_from_db()
    _record(kind=PoolEvent.Kind.RELEASE, verb="pool.lead_released", pool=pool, lead=locked, user=previous,
            actor=actor, now=now, reason=reason, changes={"owner": [previous.pk, None]})
    return locked


def pool_lead_owner_record(*, actor: Any, lead: Any, previous_owner_id: int | None, owner: Any,
                           now: dt.datetime | None = None) -> None:
    """Logs an owner change made by the leads app (assigning a lead out of the lead pool, or a transfer between
    users) in the pool log, against the lead pool the lead was last in (else the default lead pool)."""
    last = (PoolEvent.objects.filter(lead_id=lead.pk, pool__kind=Pool.Kind.LEAD).order_by("-at", "-id")
            .values_list("pool_id", flat=True).first())
    pool_id = last or Pool.objects.filter(kind=Pool.Kind.LEAD, is_default=True).values_list("pk", flat=True).first()
    kind = PoolEvent.Kind.ASSIGN if previous_owner_id is None else PoolEvent.Kind.TRANSFER
    PoolEvent.objects.create(kind=kind, pool_id=pool_id, lead=lead, user=owner, actor=actor, at=now or timezone.now())
