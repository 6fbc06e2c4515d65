"""Writes of leads: create, edit, delete and restore, status, assign / transfer (one or many), follow-up
touch. Each is one transaction with its permission check, validation, duplicate check and audit event
(the event carries lead_id so that it shows on the lead's timeline)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from openfunnel.accounts.scope import can_see_owner, require_perm
from openfunnel.audit.services import event_record
from openfunnel.core.api import parse_id
from openfunnel.core.choices import Source
from openfunnel.core.errors import Conflict, NotFound, ValidationFailed
from openfunnel.core.records import apply_update, snapshot
from openfunnel.customers.dedup import (
    DedupKeys,
    clean_phone,
    clean_uscc,
    duplicate_check,
    normalize_company,
    normalize_email,
)
from openfunnel.leads.models import Campaign, Lead
from openfunnel.leads.selectors import lead_is_visible, lead_scope_q

LEAD_FIELDS = ["company", "name", "title", "phone", "email", "uscc", "region", "source", "campaign", "owner",
               "status", "notes", "next_follow_up_at"]
EDITABLE_FIELDS = ["company", "name", "title", "phone", "email", "uscc", "region", "source", "campaign",
                   "status", "notes", "next_follow_up_at"]
KEY_FIELDS = {"company_key", "phone_key", "email_key"}
SETTABLE_STATUSES = [Lead.Status.NEW, Lead.Status.CONTACTED, Lead.Status.QUALIFIED, Lead.Status.INVALID]
MAX_BATCH = 1000
_MAX_LENGTH = {"company": 200, "name": 100, "title": 100, "phone": 30, "email": 254, "region": 100, "uscc": 18,
               "notes": 20000}


class _OwnerUnset:
    def __repr__(self) -> str:
        return "OWNER_UNSET"


OWNER_UNSET: Any = _OwnerUnset()  # lead_create without `owner`: the actor owns the new lead


# --- validation helpers ----------------------------------------------------------------------------

def _clean_field(name: str, value: Any) -> dict[str, Any]:
    """One input field as stored, with the normalized dedup key it implies; ValidationFailed if invalid."""
    if name in _MAX_LENGTH and name != "uscc":
        text = "" if value is None else str(value).strip()
        if len(text) > _MAX_LENGTH[name]:
            raise ValidationFailed(fields={name: [_("Ensure this value has at most %(max)d characters.")
                                                  % {"max": _MAX_LENGTH[name]}]})
        if name == "company":
            if not text:
                raise ValidationFailed(fields={name: [_("This field is required.")]})
            key = normalize_company(text)
            if not key:
                raise ValidationFailed(fields={name: [_("Enter a company name with letters or digits.")]})
            return {"company": text, "company_key": key}
        if name == "phone":
            phone, phone_key = clean_phone(text)
            return {"phone": phone, "phone_key": phone_key}
        if name == "email":
            if text:
                try:
                    validate_email(text)
                except DjangoValidationError:
                    raise ValidationFailed(fields={name: [_("Enter a valid e-mail address.")]}) from None
            return {"email": text, "email_key": normalize_email(text)}
        return {name: text}
    if name == "uscc":
        return {"uscc": clean_uscc("" if value is None else str(value))}
    if name == "source":
        value = value or ""
        if value and value not in Source.values:
            raise ValidationFailed(fields={name: [_("Choose a valid source.")]})
        return {"source": value}
    if name == "campaign":
        return {"campaign": _resolve_campaign(value)}
    if name == "status":
        if value not in Lead.Status.values:
            raise ValidationFailed(fields={name: [_("Choose a valid status.")]})
        return {"status": value}
    if name == "next_follow_up_at":
        if value is not None and not isinstance(value, dt.datetime):
            raise ValidationFailed(fields={name: [_("Enter a valid date and time.")]})
        if value is not None and timezone.is_naive(value):
            value = timezone.make_aware(value)
        return {"next_follow_up_at": value}
    if name == "owner":
        raise ValidationFailed(fields={name: [_("Use assign or transfer to change the owner.")]})
    raise ValidationFailed(fields={name: [_("Unknown field.")]})


def _clean_fields(data: dict[str, Any]) -> dict[str, Any]:
    """All of `data` cleaned; every invalid field is reported at once."""
    errors: dict[str, list[Any]] = {}
    clean: dict[str, Any] = {}
    for name, value in data.items():
        try:
            clean.update(_clean_field(name, value))
        except ValidationFailed as error:
            for key, messages in error.fields.items():
                errors.setdefault(key, []).extend(messages)
    if errors:
        raise ValidationFailed(fields=errors)
    return clean


def _resolve_campaign(value: Any) -> Campaign | None:
    if value is None or value == "":
        return None
    pk = value.pk if isinstance(value, Campaign) else value
    try:
        campaign = Campaign.objects.filter(pk=parse_id(pk)).first()
    except NotFound:
        campaign = None
    if campaign is None:
        raise ValidationFailed(fields={"campaign": [_("Choose an existing campaign.")]})
    return campaign


def _owner_pk(owner: Any) -> Any:
    return getattr(owner, "pk", owner)


def _resolve_owner(actor: Any, owner: Any, field_name: str = "owner") -> Any:
    """The active user `owner` (a User or an id) within the actor's data scope; ValidationFailed otherwise."""
    from openfunnel.accounts.models import User

    if owner is None or owner == "":
        raise ValidationFailed(fields={field_name: [_("Choose a user.")]})
    try:
        user = User.objects.filter(pk=parse_id(_owner_pk(owner))).first()
    except NotFound:
        user = None
    if user is None or not user.is_active or not can_see_owner(actor, user.pk):
        raise ValidationFailed(fields={field_name: [_("Choose an active user within your team.")]})
    return user


def _locked(actor: Any, lead: Any) -> Lead:
    """The lead row, locked for this transaction; NotFound when deleted or outside the actor's scope."""
    locked = (Lead.objects.select_for_update().filter(pk=parse_id(_owner_pk(lead)), deleted_at__isnull=True)
              .first())
    if locked is None or not lead_is_visible(actor, locked):
        raise NotFound()
    return locked


def _refuse_if_converted(lead: Lead, message: Any = None) -> None:
    if lead.status == Lead.Status.CONVERTED:
        raise Conflict(message or _("This lead has been converted and can no longer be changed."),
                       code="invalid_transition")


def _check_status_change(lead: Lead, status: str) -> None:
    _refuse_if_converted(lead, _("This lead has been converted; its status can no longer change."))
    if status == Lead.Status.CONVERTED:
        raise Conflict(_("A lead becomes converted only by converting it."), code="invalid_transition",
                       fields={"status": [_("A lead becomes converted only by converting it.")]})


def _check_version(lead: Lead, version: int | None) -> None:
    if version is not None and version != lead.version:
        raise Conflict(_("Someone else changed this record meanwhile; reload it and try again."),
                       code="stale_version", extra={"current_version": lead.version})


def _dedup_keys(values: dict[str, Any]) -> DedupKeys:
    return DedupKeys(name=values.get("company_key", ""), uscc=values.get("uscc", ""),
                     phone=values.get("phone_key", ""), email=values.get("email_key", ""))


def _lead_url(lead: Lead) -> str:
    return reverse("leads:detail", args=[lead.pk])


def _notify_owner(*, actor: Any, lead: Lead, recipient: Any, message: str) -> None:
    from openfunnel.automation.models import Notification
    from openfunnel.automation.services import notification_send

    notification_send(recipient=recipient, kind=Notification.Kind.ASSIGNMENT, message=message, target=lead,
                      url=_lead_url(lead), actor=actor)


def _actor_name(actor: Any) -> str:
    return getattr(actor, "display_name", "") or _("The system")


# --- create, update, delete, restore ---------------------------------------------------------------

@transaction.atomic
def lead_create(*, actor: Any, company: str, name: str = "", title: str = "", phone: str = "", email: str = "",
                uscc: str = "", region: str = "", source: str = "", campaign: Any = None, owner: Any = OWNER_UNSET,
                status: str = Lead.Status.NEW, notes: str = "", next_follow_up_at: dt.datetime | None = None,
                at: dt.datetime | None = None) -> Lead:
    """Creates a lead owned by the actor, or by `owner` (a user or id; None = the lead pool) for holders
    of leads.assign. Needs leads.create; raises PermissionDenied, ValidationFailed, Conflict(duplicate)."""
    require_perm(actor, "leads.create")
    if owner is not OWNER_UNSET and (owner is None or owner == "" or str(_owner_pk(owner)) != str(actor.pk)):
        require_perm(actor, "leads.assign")
    clean = _clean_fields({"company": company, "name": name, "title": title, "phone": phone, "email": email,
                           "uscc": uscc, "region": region, "source": source, "campaign": campaign,
                           "status": status, "notes": notes, "next_follow_up_at": next_follow_up_at})
    if clean["status"] not in SETTABLE_STATUSES:
        raise ValidationFailed(fields={"status": [_("A lead becomes converted only by converting it.")]})
    if owner is OWNER_UNSET:
        owner_user = actor
    elif owner is None or owner == "":
        owner_user = None
    else:
        owner_user = _resolve_owner(actor, owner)
    duplicate_check(actor=actor, keys=_dedup_keys(clean), name_field="company")
    now = at or timezone.now()
    lead = Lead.objects.create(**clean, owner=owner_user, assigned_at=now if owner_user else None, created_by=actor)
    event_record(actor=actor, verb="lead.created", obj=lead, lead_id=lead.pk, at=at,
                 data=snapshot(lead, LEAD_FIELDS))
    if owner_user is not None and owner_user.pk != actor.pk:
        _notify_owner(actor=actor, lead=lead, recipient=owner_user,
                      message=_("%(actor)s assigned the lead “%(lead)s” to you.")
                      % {"actor": _actor_name(actor), "lead": lead.company})
    return lead


@transaction.atomic
def lead_update(*, actor: Any, lead: Lead, data: dict[str, Any], version: int | None = None) -> Lead:
    """Changes lead fields (a PATCH; `version` guards against lost updates). Needs leads.edit.

    Raises NotFound, PermissionDenied, ValidationFailed, Conflict(stale_version / duplicate /
    invalid_transition). A changed company, USCC, phone or e-mail is checked for duplicates again.
    """
    lead = _locked(actor, lead)
    require_perm(actor, "leads.edit")
    _check_version(lead, version)
    clean = _clean_fields(dict(data))
    _refuse_if_converted(lead)
    if "status" in clean and clean["status"] != lead.status:
        _check_status_change(lead, clean["status"])
    changed_keys = {
        "company_key": clean.get("company_key", lead.company_key) != lead.company_key,
        "uscc": clean.get("uscc", lead.uscc) != lead.uscc,
        "phone_key": clean.get("phone_key", lead.phone_key) != lead.phone_key,
        "email_key": clean.get("email_key", lead.email_key) != lead.email_key,
    }
    if any(changed_keys.values()):
        # Only what changed is checked, so that fixing a phone number is not blocked by an old name match.
        duplicate_check(actor=actor, keys=_dedup_keys({k: clean[k] for k, changed in changed_keys.items() if changed}),
                        exclude_lead_id=lead.pk, name_field="company")
    changes = {k: v for k, v in apply_update(instance=lead, data=clean).items() if k not in KEY_FIELDS}
    if changes:
        event_record(actor=actor, verb="lead.updated", obj=lead, lead_id=lead.pk, changes=changes)
    return lead


@transaction.atomic
def lead_delete(*, actor: Any, lead: Lead) -> None:
    """Moves a lead to the recycle bin. Needs leads.delete; raises NotFound, PermissionDenied."""
    lead = _locked(actor, lead)
    require_perm(actor, "leads.delete")
    lead.deleted_at = timezone.now()
    lead.deleted_by = actor
    lead.save(update_fields=["deleted_at", "deleted_by", "updated_at"])
    event_record(actor=actor, verb="lead.deleted", obj=lead, lead_id=lead.pk)


@transaction.atomic
def lead_restore(*, actor: Any, id: Any) -> Lead:
    """Brings a deleted lead in the actor's scope back from the recycle bin. Needs recycle.manage.

    Raises NotFound, PermissionDenied, Conflict(duplicate) when a matching lead or customer was
    created meanwhile.
    """
    require_perm(actor, "recycle.manage")
    lead = (Lead.objects.select_for_update().filter(lead_scope_q(actor), pk=parse_id(id), deleted_at__isnull=False)
            .first())
    if lead is None:
        raise NotFound()
    if lead.status != Lead.Status.CONVERTED:
        duplicate_check(actor=actor, keys=_dedup_keys({"company_key": lead.company_key, "uscc": lead.uscc,
                                                       "phone_key": lead.phone_key, "email_key": lead.email_key}),
                        exclude_lead_id=lead.pk, name_field="company")
    lead.deleted_at = None
    lead.deleted_by = None
    lead.save(update_fields=["deleted_at", "deleted_by", "updated_at"])
    event_record(actor=actor, verb="lead.restored", obj=lead, lead_id=lead.pk)
    return lead


# --- status ------------------------------------------------------------------------------------------

@transaction.atomic
def lead_set_status(*, actor: Any, lead: Lead, status: str) -> Lead:
    """Sets new / contacted / qualified / invalid. Needs leads.edit.

    Raises NotFound, PermissionDenied, ValidationFailed, Conflict(invalid_transition) for a converted
    lead or for "converted" (reached only through lead_convert).
    """
    lead = _locked(actor, lead)
    require_perm(actor, "leads.edit")
    status = _clean_field("status", status)["status"]
    _check_status_change(lead, status)
    changes = apply_update(instance=lead, data={"status": status})
    if changes:
        event_record(actor=actor, verb="lead.status_changed", obj=lead, lead_id=lead.pk, changes=changes)
    return lead


# --- owners ------------------------------------------------------------------------------------------

def _set_owner(lead: Lead, owner: Any, now: dt.datetime, *, actor: Any) -> dict[str, list[Any]]:
    from openfunnel.pool.services import pool_lead_owner_record

    changes = {"owner": [lead.owner_id, owner.pk]}
    previous_owner_id = lead.owner_id
    lead.owner = owner
    lead.assigned_at = now
    lead.version += 1
    lead.save(update_fields=["owner", "assigned_at", "version", "updated_at"])
    # The pool log counts every assignment out of the lead pool and every transfer (pool statistics).
    pool_lead_owner_record(actor=actor, lead=lead, previous_owner_id=previous_owner_id, owner=owner, now=now)
    return changes


@transaction.atomic
def lead_assign(*, actor: Any, lead: Lead, owner: Any) -> Lead:
    """Gives one lead (from the pool or from another owner) to `owner`, an active user in the actor's
    scope, and notifies them. Needs leads.assign; raises NotFound, PermissionDenied, ValidationFailed,
    Conflict(invalid_transition) for a converted lead."""
    lead = _locked(actor, lead)
    require_perm(actor, "leads.assign")
    _refuse_if_converted(lead, _("A converted lead cannot be reassigned."))
    target = _resolve_owner(actor, owner)
    if target.pk == lead.owner_id:
        return lead
    changes = _set_owner(lead, target, timezone.now(), actor=actor)
    event_record(actor=actor, verb="lead.assigned", obj=lead, lead_id=lead.pk, changes=changes,
                 data={"owner_name": target.display_name})
    _notify_owner(actor=actor, lead=lead, recipient=target,
                  message=_("%(actor)s assigned the lead “%(lead)s” to you.")
                  % {"actor": _actor_name(actor), "lead": lead.company})
    return lead


@transaction.atomic
def lead_transfer(*, actor: Any, lead: Lead, owner: Any) -> Lead:
    """Moves an owned lead from its owner to `owner` (same rules as lead_assign); both are notified.
    Raises NotFound, PermissionDenied, ValidationFailed, Conflict(invalid_transition)."""
    lead = _locked(actor, lead)
    require_perm(actor, "leads.assign")
    _refuse_if_converted(lead, _("A converted lead cannot be reassigned."))
    if lead.owner_id is None:
        raise Conflict(_("This lead is in the lead pool; assign it instead."), code="invalid_transition")
    target = _resolve_owner(actor, owner)
    if target.pk == lead.owner_id:
        return lead
    previous = lead.owner
    changes = _set_owner(lead, target, timezone.now(), actor=actor)
    event_record(actor=actor, verb="lead.transferred", obj=lead, lead_id=lead.pk, changes=changes,
                 data={"owner_name": target.display_name, "previous_owner_name": previous.display_name})
    _notify_owner(actor=actor, lead=lead, recipient=target,
                  message=_("%(actor)s transferred the lead “%(lead)s” to you.")
                  % {"actor": _actor_name(actor), "lead": lead.company})
    _notify_owner(actor=actor, lead=lead, recipient=previous,
                  message=_("%(actor)s transferred your lead “%(lead)s” to %(owner)s.")
                  % {"actor": _actor_name(actor), "lead": lead.company, "owner": target.display_name})
    return lead


@dataclass
class BatchAssignment:
    """What lead_batch_assign did: lead ids per new owner (in the order they were dealt)."""

    by_owner: dict[int, list[int]] = field(default_factory=dict)
    owners: list[Any] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(len(ids) for ids in self.by_owner.values())


def _batch_lead_ids(leads: Sequence[Any]) -> list[int]:
    if not isinstance(leads, (list, tuple)) or not leads:
        raise ValidationFailed(fields={"leads": [_("Choose at least one lead.")]})
    if len(leads) > MAX_BATCH:
        raise ValidationFailed(fields={"leads": [_("At most %(max)d leads at a time.") % {"max": MAX_BATCH}]})
    ids: list[int] = []
    for value in leads:
        try:
            pk = parse_id(_owner_pk(value))
        except NotFound:
            raise ValidationFailed(fields={"leads": [_("“%(value)s” is not a valid id.") % {"value": value}]}) from None
        if pk not in ids:
            ids.append(pk)
    return ids


@transaction.atomic
def lead_batch_assign(*, actor: Any, leads: Sequence[Any], owner: Any = None,
                      owners: Sequence[Any] | None = None) -> BatchAssignment:
    """Assigns many leads in one transaction: all to `owner`, or dealt round-robin across `owners` in the
    order given (lead 1 → owner 1, lead 2 → owner 2, ...). Each new owner gets one notification.

    Needs leads.assign; raises PermissionDenied, ValidationFailed (unknown or invisible leads, bad
    owners), Conflict(invalid_transition) when a lead is converted. Nothing changes on any error.
    """
    require_perm(actor, "leads.assign")
    if (owner is None) == (owners is None):
        raise ValidationFailed(fields={"owner": [_("Give either one owner or a list of owners.")]})
    ids = _batch_lead_ids(leads)
    if owners is not None:
        if not isinstance(owners, (list, tuple)) or not owners:
            raise ValidationFailed(fields={"owners": [_("Choose at least one user.")]})
        targets: list[Any] = []
        for candidate in owners:
            user = _resolve_owner(actor, candidate, "owners")
            if user.pk not in {t.pk for t in targets}:
                targets.append(user)
    else:
        targets = [_resolve_owner(actor, owner)]
    rows = {lead.pk: lead for lead in Lead.objects.select_for_update(of=("self",))
            .filter(lead_scope_q(actor), pk__in=ids, deleted_at__isnull=True).select_related("owner")}
    missing = [pk for pk in ids if pk not in rows]
    if missing:
        raise ValidationFailed(fields={"leads": [_("These leads do not exist or are not visible to you: %(ids)s.")
                                                 % {"ids": ", ".join(map(str, missing[:20]))}]})
    converted = [pk for pk in ids if rows[pk].status == Lead.Status.CONVERTED]
    if converted:
        message = _("Converted leads cannot be reassigned: %(ids)s.") % {"ids": ", ".join(map(str, converted[:20]))}
        raise Conflict(message, code="invalid_transition", fields={"leads": [message]})
    now = timezone.now()
    result = BatchAssignment(by_owner={t.pk: [] for t in targets}, owners=targets)
    for index, pk in enumerate(ids):
        lead, target = rows[pk], targets[index % len(targets)]
        result.by_owner[target.pk].append(pk)
        if lead.owner_id == target.pk:
            continue
        changes = _set_owner(lead, target, now, actor=actor)
        event_record(actor=actor, verb="lead.assigned", obj=lead, lead_id=lead.pk, changes=changes,
                     data={"owner_name": target.display_name, "batch": True})
    for target in targets:
        count = len(result.by_owner[target.pk])
        if not count:
            continue
        from openfunnel.automation.models import Notification
        from openfunnel.automation.services import notification_send

        notification_send(recipient=target, kind=Notification.Kind.ASSIGNMENT, actor=actor,
                          url=f"{reverse('leads:list')}?owner={target.pk}",
                          message=ngettext("%(actor)s assigned %(count)d lead to you.",
                                           "%(actor)s assigned %(count)d leads to you.", count)
                          % {"actor": _actor_name(actor), "count": count})
    return result


# --- follow-ups ------------------------------------------------------------------------------------

def lead_touch_follow_up(*, lead_id: int, occurred_at: dt.datetime, next_follow_up_at: dt.datetime | None) -> None:
    """Moves the lead's last/next follow-up times forward after a follow-up was logged, and a new lead
    becomes contacted. Called by the follow-up services inside their transaction (which record the
    event); conditional UPDATEs, so two follow-ups logged at once cannot move last_follow_up_at back."""
    Lead.objects.filter(Q(last_follow_up_at__isnull=True) | Q(last_follow_up_at__lt=occurred_at),
                        pk=lead_id).update(last_follow_up_at=occurred_at)
    if next_follow_up_at is not None:
        Lead.objects.filter(pk=lead_id).update(next_follow_up_at=next_follow_up_at)
    Lead.objects.filter(pk=lead_id, status=Lead.Status.NEW).update(status=Lead.Status.CONTACTED,
                                                                    version=F("version") + 1)
