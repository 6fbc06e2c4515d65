"""Writes of customers: one function per use case (actor, permission, validation, transaction,
duplicate check, audit)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from openfunnel.accounts.scope import can_see_owner, has_perm, require_perm
from openfunnel.audit.services import event_record
from openfunnel.core.api import parse_id
from openfunnel.core.choices import CompanySize, Industry, Source
from openfunnel.core.errors import NotFound, PermissionDenied, ValidationFailed
from openfunnel.core.records import apply_update, snapshot
from openfunnel.customers.dedup import (
    DedupKeys,
    clean_phone,
    clean_uscc,
    duplicate_check,
    normalize_company,
    normalize_email,
)
from openfunnel.customers.models import Customer, CustomerShare, Tag
from openfunnel.customers.selectors import customer_in_role_scope, customer_scope_q, customer_write_access
from openfunnel.customers.services._common import (
    check_choice,
    check_coordinates,
    check_length,
    clean_email,
    coordinate,
    drop_keys,
    raise_if,
)

CUSTOMER_FIELDS = [
    "name",
    "uscc",
    "industry",
    "size",
    "region",
    "address",
    "lat",
    "lng",
    "phone",
    "email",
    "website",
    "level",
    "source",
    "campaign",
    "owner",
    "status",
    "notes",
]
# What customer_update changes; the owner changes only through customer_transfer (and the pool).
CUSTOMER_UPDATE_FIELDS = [name for name in CUSTOMER_FIELDS if name != "owner"] + ["next_follow_up_at", "tags"]
_LENGTHS = {"name": 200, "region": 100, "address": 300, "phone": 30, "email": 254, "website": 200}


def _check_coordinates(lat: Decimal | None, lng: Decimal | None) -> None:
    check_coordinates(lat, lng)


def _validate_plain(values: dict[str, Any]) -> None:
    errors: dict[str, list[Any]] = {}
    for name, limit in _LENGTHS.items():
        check_length(values.get(name), limit, name, errors)
    check_choice(values.get("industry"), Industry.choices, "industry", errors)
    check_choice(values.get("size"), CompanySize.choices, "size", errors)
    check_choice(values.get("source"), Source.choices, "source", errors)
    if "status" in values:
        if not values["status"]:
            errors["status"] = [_("This field is required.")]
        check_choice(values["status"], Customer.Status.choices, "status", errors)
    raise_if(errors)


def _check_level(level: Any, current_level_id: int | None = None) -> None:
    if level is not None and not level.is_active and level.pk != current_level_id:
        raise ValidationFailed(fields={"level": [_("This level is no longer in use.")]})


def _check_new_owner(actor: Any, owner: Any) -> None:
    if owner is None or not getattr(owner, "is_active", False):
        raise ValidationFailed(fields={"owner": [_("Choose an active user.")]})
    if not can_see_owner(actor, owner.pk):
        raise ValidationFailed(fields={"owner": [_("Choose a user within your data scope.")]})


def _tag_names(tags: Any) -> list[str]:
    return sorted(t.name for t in tags)


def _lock(customer: Customer | int) -> Customer:
    pk = customer.pk if isinstance(customer, Customer) else customer
    locked = Customer.objects.select_for_update().filter(pk=pk, deleted_at__isnull=True).first()
    if locked is None:
        raise NotFound()
    return locked


def customer_build(
    *,
    actor: Any,
    name: str,
    owner: Any = None,
    uscc: str = "",
    industry: str = "",
    size: str = "",
    region: str = "",
    address: str = "",
    lat: Decimal | None = None,
    lng: Decimal | None = None,
    phone: str = "",
    email: str = "",
    website: str = "",
    level: Any = None,
    source: str = "",
    campaign: Any = None,
    status: str = Customer.Status.POTENTIAL,
    notes: str = "",
    at: dt.datetime | None = None,
    next_follow_up_at: dt.datetime | None = None,
) -> tuple[Customer, DedupKeys]:
    """A validated, unsaved customer and its duplicate-check keys: what customer_create and the bulk
    path both save. Checks permissions; raises PermissionDenied, ValidationFailed."""
    require_perm(actor, "customers.create")
    if owner is not None and owner.pk != actor.pk:
        require_perm(actor, "customers.transfer")
        _check_new_owner(actor, owner)
    name = (name or "").strip()
    if not name:
        raise ValidationFailed(fields={"name": [_("This field is required.")]})
    name_key = normalize_company(name)
    if not name_key:
        raise ValidationFailed(fields={"name": [_("Enter a company name with letters or digits.")]})
    _validate_plain(
        {
            "name": name,
            "region": region,
            "address": address,
            "phone": phone,
            "email": email,
            "website": website,
            "industry": industry,
            "size": size,
            "source": source,
            "status": status,
        }
    )
    uscc = clean_uscc(uscc)
    phone, phone_key = clean_phone(phone)
    email = clean_email(email)
    email_key = normalize_email(email)
    lat, lng = coordinate(lat, "lat"), coordinate(lng, "lng")
    _check_coordinates(lat, lng)
    _check_level(level)
    owner = actor if owner is None else owner
    now = at or timezone.now()
    customer = Customer(
        name=name,
        name_key=name_key,
        uscc=uscc,
        industry=industry,
        size=size,
        region=region.strip(),
        address=address.strip(),
        lat=lat,
        lng=lng,
        phone=phone,
        phone_key=phone_key,
        email=email,
        email_key=email_key,
        website=website.strip(),
        level=level,
        source=source,
        campaign=campaign,
        owner=owner,
        owner_since=now if owner else None,
        status=status,
        notes=notes,
        created_by=actor,
        next_follow_up_at=next_follow_up_at,
    )
    return customer, DedupKeys(name=name_key, uscc=uscc, phone=phone_key, email=email_key)


def customer_created_event_data(customer: Customer, tags: Any) -> dict[str, Any]:
    data = snapshot(customer, CUSTOMER_FIELDS)
    if tags:
        data["tags"] = _tag_names(tags)
    return data


@transaction.atomic
def customer_create(
    *,
    actor: Any,
    name: str,
    tags: list[Tag] | tuple[Tag, ...] = (),
    exclude_lead_id: int | None = None,
    at: dt.datetime | None = None,
    **fields: Any,
) -> Customer:
    """Creates a customer owned by `owner` (default: the actor). Needs customers.create, and
    customers.transfer to create it for another user within the actor's scope. The other keyword
    arguments are customer_build's.

    Raises PermissionDenied, ValidationFailed, Conflict(duplicate). `exclude_lead_id` is the lead
    being converted, which must not count as a duplicate of its own customer.
    """
    customer, keys = customer_build(actor=actor, name=name, at=at, **fields)
    duplicate_check(actor=actor, keys=keys, exclude_lead_id=exclude_lead_id)
    customer.save()
    if tags:
        customer.tags.set(tags)
    event_record(
        actor=actor, verb="customer.created", obj=customer, customer_id=customer.pk, at=at,
        data=customer_created_event_data(customer, tags),
    )
    return customer


@transaction.atomic
def customer_update(
    *, actor: Any, customer: Customer, data: dict[str, Any], expected_version: int | None = None
) -> Customer:
    """Changes customer fields (only those in `data`; `tags` replaces the tag set). Needs customers.edit
    and write access (owner within scope or a collaborator allowed to edit).

    Raises PermissionDenied, ValidationFailed, Conflict(stale_version), Conflict(duplicate) when the
    new name / USCC / phone / e-mail matches another lead or customer.
    """
    require_perm(actor, "customers.edit")
    unknown = set(data) - set(CUSTOMER_UPDATE_FIELDS)
    if unknown:
        raise ValidationFailed(fields={name: [_("Unknown field.")] for name in sorted(unknown)})
    locked = _lock(customer)
    if not customer_write_access(actor, locked):
        raise PermissionDenied()
    apply_update(instance=locked, data={}, expected_version=expected_version)  # stale_version before anything
    values = dict(data)
    tags = values.pop("tags", None)
    for name in ("region", "address", "website"):
        if name in values:
            values[name] = (values[name] or "").strip()
    for name in ("industry", "size", "source", "notes", *_LENGTHS):
        if name in values and values[name] is None:
            values[name] = ""
    _validate_plain(values)
    keys: dict[str, str] = {}
    if "name" in values:
        values["name"] = (values["name"] or "").strip()
        if not values["name"]:
            raise ValidationFailed(fields={"name": [_("This field is required.")]})
        values["name_key"] = normalize_company(values["name"])
        if not values["name_key"]:
            raise ValidationFailed(fields={"name": [_("Enter a company name with letters or digits.")]})
        if values["name_key"] != locked.name_key:
            keys["name"] = values["name_key"]
    if "uscc" in values:
        values["uscc"] = clean_uscc(values["uscc"])
        if values["uscc"] != locked.uscc:
            keys["uscc"] = values["uscc"]
    if "phone" in values:
        values["phone"], values["phone_key"] = clean_phone(values["phone"])
        if values["phone_key"] != locked.phone_key:
            keys["phone"] = values["phone_key"]
    if "email" in values:
        values["email"] = clean_email(values["email"])
        values["email_key"] = normalize_email(values["email"])
        if values["email_key"] != locked.email_key:
            keys["email"] = values["email_key"]
    if "lat" in values or "lng" in values:
        values["lat"] = coordinate(values.get("lat", locked.lat), "lat")
        values["lng"] = coordinate(values.get("lng", locked.lng), "lng")
        _check_coordinates(values["lat"], values["lng"])
    if "level" in values:
        _check_level(values["level"], locked.level_id)
    if any(keys.values()):
        duplicate_check(actor=actor, keys=DedupKeys(**keys), exclude_customer_id=locked.pk)
    changes = drop_keys(apply_update(instance=locked, data=values))
    if tags is not None:
        before = _tag_names(locked.tags.all())
        after = _tag_names(tags)
        if before != after:
            locked.tags.set(tags)
            changes["tags"] = [before, after]
            if len(changes) == 1:  # only the tags changed: the record still gets a new version
                locked.version += 1
                locked.save(update_fields=["version", "updated_at"])
    if changes:
        event_record(actor=actor, verb="customer.updated", obj=locked, changes=changes, customer_id=locked.pk)
    return locked


@transaction.atomic
def customer_delete(*, actor: Any, customer: Customer) -> None:
    """Moves a customer to the recycle bin. Needs customers.delete and write access; raises
    PermissionDenied."""
    require_perm(actor, "customers.delete")
    locked = _lock(customer)
    if not customer_write_access(actor, locked):
        raise PermissionDenied()
    locked.deleted_at = timezone.now()
    locked.deleted_by = actor
    locked.version += 1
    locked.save(update_fields=["deleted_at", "deleted_by", "version", "updated_at"])
    event_record(actor=actor, verb="customer.deleted", obj=locked, customer_id=locked.pk)


@transaction.atomic
def customer_restore(*, actor: Any, id: Any) -> Customer:
    """Brings a deleted customer back. Needs recycle.manage or customers.delete, and the customer
    within the actor's scope (else NotFound). Runs the duplicate check again: a lead or customer
    created meanwhile with the same keys makes it Conflict(duplicate)."""
    locked = (
        Customer.objects.select_for_update()
        .filter(customer_scope_q(actor), pk=parse_id(id), deleted_at__isnull=False)
        .first()
    )
    if locked is None:
        raise NotFound()
    if not (has_perm(actor, "recycle.manage") or has_perm(actor, "customers.delete")):
        raise PermissionDenied()
    duplicate_check(
        actor=actor,
        keys=DedupKeys(
            name=locked.name_key, uscc=locked.uscc, phone=locked.phone_key, email=locked.email_key
        ),
        exclude_customer_id=locked.pk,
    )
    locked.deleted_at = None
    locked.deleted_by = None
    locked.version += 1
    locked.save(update_fields=["deleted_at", "deleted_by", "version", "updated_at"])
    event_record(actor=actor, verb="customer.restored", obj=locked, customer_id=locked.pk)
    return locked


@transaction.atomic
def customer_transfer(
    *, actor: Any, customer: Customer, owner: Any, at: dt.datetime | None = None
) -> Customer:
    """Hands the customer to another active user within the actor's scope and notifies them.

    Needs customers.transfer and the customer's owner within the actor's role scope (a collaborator
    cannot give the customer away). Raises PermissionDenied, ValidationFailed.
    """
    from openfunnel.automation.services import notification_send

    require_perm(actor, "customers.transfer")
    locked = _lock(customer)
    if not customer_in_role_scope(actor, locked):
        raise PermissionDenied()
    _check_new_owner(actor, owner)
    if owner.pk == locked.owner_id:
        raise ValidationFailed(fields={"owner": [_("This user already owns the customer.")]})
    previous = locked.owner
    now = at or timezone.now()
    locked.owner = owner
    locked.owner_since = now
    locked.version += 1
    locked.save(update_fields=["owner", "owner_since", "version", "updated_at"])
    # The new owner needs no collaborator entry any more.
    CustomerShare.objects.filter(customer=locked, user=owner).delete()
    event_record(
        actor=actor,
        verb="customer.owner_changed",
        obj=locked,
        customer_id=locked.pk,
        at=at,
        changes={"owner": [previous.pk if previous else None, owner.pk]},
        data={
            "from_owner_name": previous.display_name if previous else "",
            "to_owner_name": owner.display_name,
        },
    )
    from openfunnel.pool.services import pool_transfer_record

    pool_transfer_record(actor=actor, customer=locked, previous_owner=previous, owner=owner, now=now)
    notification_send(
        recipient=owner,
        kind="assignment",
        target=locked,
        url=locked.get_absolute_url(),
        actor=actor,
        message=_("%(actor)s transferred the customer “%(name)s” to you.")
        % {"actor": actor.display_name, "name": locked.name},
    )
    return locked


@transaction.atomic
def customer_share(*, actor: Any, customer: Customer, user: Any, can_edit: bool = False) -> CustomerShare:
    """Adds `user` as a collaborator (read, or read/write with `can_edit`), or changes their access,
    and notifies them. Needs customers.share and write access to the customer (owner or editor).
    Raises PermissionDenied, ValidationFailed."""
    from openfunnel.automation.services import notification_send

    require_perm(actor, "customers.share")
    locked = _lock(customer)
    if not customer_write_access(actor, locked):
        raise PermissionDenied()
    if user is None or not getattr(user, "is_active", False):
        raise ValidationFailed(fields={"user": [_("Choose an active user.")]})
    if user.pk == locked.owner_id:
        raise ValidationFailed(fields={"user": [_("The owner already has full access.")]})
    share = CustomerShare.objects.filter(customer=locked, user=user).first()
    if share is not None and share.can_edit == bool(can_edit):
        return share
    if share is None:
        share = CustomerShare.objects.create(customer=locked, user=user, can_edit=bool(can_edit))
        changes = None
    else:
        share.can_edit = bool(can_edit)
        share.save(update_fields=["can_edit"])
        changes = {"can_edit": [not share.can_edit, share.can_edit]}
    event_record(
        actor=actor,
        verb="customer.shared",
        obj=locked,
        customer_id=locked.pk,
        changes=changes,
        data={"user": user.pk, "user_name": user.display_name, "can_edit": share.can_edit},
    )
    message = (
        _("%(actor)s shared the customer “%(name)s” with you (read and edit).")
        if share.can_edit
        else _("%(actor)s shared the customer “%(name)s” with you (read only).")
    )
    notification_send(
        recipient=user,
        kind="share",
        target=locked,
        url=locked.get_absolute_url(),
        actor=actor,
        message=message % {"actor": actor.display_name, "name": locked.name},
    )
    return share


@transaction.atomic
def customer_unshare(*, actor: Any, customer: Customer, user: Any) -> None:
    """Removes a collaborator. Needs customers.share and write access; a collaborator may always
    remove themselves. Raises PermissionDenied, ValidationFailed (not a collaborator)."""
    locked = _lock(customer)
    leaving = user is not None and user.pk == actor.pk
    if not leaving:
        require_perm(actor, "customers.share")
        if not customer_write_access(actor, locked):
            raise PermissionDenied()
    deleted, _rows = CustomerShare.objects.filter(customer=locked, user_id=getattr(user, "pk", None)).delete()
    if not deleted:
        raise ValidationFailed(fields={"user": [_("This user is not a collaborator of the customer.")]})
    event_record(
        actor=actor,
        verb="customer.unshared",
        obj=locked,
        customer_id=locked.pk,
        data={"user": user.pk, "user_name": user.display_name},
    )


def customer_mark_deal(*, actor: Any, customer_id: int, at: dt.datetime | None = None) -> bool:
    """A won opportunity makes its customer a deal customer (成交客户), once; returns whether it changed.

    Called by the opportunity services inside their transaction; a conditional UPDATE, so that two deals
    won at once record the change once.
    """
    customer = Customer.objects.filter(pk=customer_id).exclude(status=Customer.Status.DEAL).only("status").first()
    if customer is None:
        return False
    changed = (Customer.objects.filter(pk=customer_id, status=customer.status)
               .update(status=Customer.Status.DEAL, version=F("version") + 1, updated_at=at or timezone.now()))
    if changed:
        event_record(actor=actor, verb="customer.became_deal", obj=customer, customer_id=customer_id,
                     changes={"status": [customer.status, Customer.Status.DEAL]}, at=at)
    return bool(changed)


def customer_touch_follow_up(
    *, customer_id: int, occurred_at: dt.datetime, next_follow_up_at: dt.datetime | None
) -> None:
    """Moves the customer's last/next follow-up times forward after a follow-up was logged.

    Called by the follow-up services inside their transaction; a conditional UPDATE, so that two
    follow-ups logged at once cannot move `last_follow_up_at` backwards.
    """
    Customer.objects.filter(
        Q(last_follow_up_at__isnull=True) | Q(last_follow_up_at__lt=occurred_at), pk=customer_id
    ).update(last_follow_up_at=occurred_at)
    if next_follow_up_at is not None:
        Customer.objects.filter(pk=customer_id).update(next_follow_up_at=next_follow_up_at)
