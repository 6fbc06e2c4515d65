"""Writes of contacts: create, edit, make primary, delete and restore."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from openfunnel.accounts.scope import has_perm, require_perm
from openfunnel.audit.services import event_record
from openfunnel.core.api import parse_id
from openfunnel.core.errors import NotFound, PermissionDenied, ValidationFailed
from openfunnel.core.records import apply_update, snapshot
from openfunnel.customers.dedup import clean_phone, normalize_email
from openfunnel.customers.models import Contact, Customer
from openfunnel.customers.selectors import customer_scope_q, customer_write_access
from openfunnel.customers.services._common import check_choice, check_length, clean_email, drop_keys, raise_if

CONTACT_FIELDS = [
    "customer",
    "name",
    "title",
    "phone",
    "email",
    "wechat",
    "birthday",
    "decision_role",
    "is_primary",
    "notes",
]
CONTACT_UPDATE_FIELDS = [
    "name",
    "title",
    "phone",
    "email",
    "wechat",
    "birthday",
    "decision_role",
    "is_primary",
    "notes",
]
_LENGTHS = {"name": 100, "title": 100, "phone": 30, "email": 254, "wechat": 50}


def _validate(values: dict[str, Any]) -> None:
    errors: dict[str, list[Any]] = {}
    for name, limit in _LENGTHS.items():
        check_length(values.get(name), limit, name, errors)
    check_choice(values.get("decision_role"), Contact.DecisionRole.choices, "decision_role", errors)
    birthday = values.get("birthday")
    if isinstance(birthday, dt.date) and birthday > timezone.localdate():
        errors["birthday"] = [_("The birthday cannot be in the future.")]
    raise_if(errors)


def _require_contact_write(actor: Any, customer: Customer) -> None:
    require_perm(actor, "contacts.edit")
    if not customer_write_access(actor, customer):
        raise PermissionDenied()


def _clear_other_primaries(customer_id: int, keep_id: int | None) -> None:
    Contact.objects.filter(customer_id=customer_id, is_primary=True).exclude(pk=keep_id).update(
        is_primary=False
    )


@transaction.atomic
def contact_create(
    *,
    actor: Any,
    customer: Customer,
    name: str,
    title: str = "",
    phone: str = "",
    email: str = "",
    wechat: str = "",
    birthday: dt.date | None = None,
    decision_role: str = "",
    is_primary: bool = False,
    notes: str = "",
    at: dt.datetime | None = None,
) -> Contact:
    """Adds a contact to a customer the actor may edit (callers fetch it with a scoped selector).

    Needs contacts.edit and write access to the customer; raises PermissionDenied, ValidationFailed.
    The first contact becomes primary; a new primary contact takes the flag from the previous one.
    """
    _require_contact_write(actor, customer)
    name = (name or "").strip()
    if not name:
        raise ValidationFailed(fields={"name": [_("This field is required.")]})
    _validate(
        {
            "name": name,
            "title": title,
            "phone": phone,
            "email": email,
            "wechat": wechat,
            "decision_role": decision_role,
            "birthday": birthday,
        }
    )
    phone, phone_key = clean_phone(phone)
    email = clean_email(email)
    has_contacts = Contact.objects.filter(customer=customer, deleted_at__isnull=True).exists()
    if is_primary:
        _clear_other_primaries(customer.pk, None)
    contact = Contact.objects.create(
        customer=customer,
        name=name,
        title=(title or "").strip(),
        phone=phone,
        phone_key=phone_key,
        email=email,
        email_key=normalize_email(email),
        wechat=(wechat or "").strip(),
        birthday=birthday,
        decision_role=decision_role or "",
        is_primary=is_primary or not has_contacts,
        notes=notes or "",
    )
    event_record(
        actor=actor,
        verb="contact.created",
        obj=contact,
        customer_id=customer.pk,
        at=at,
        data=snapshot(contact, CONTACT_FIELDS),
    )
    return contact


def _lock(contact: Contact) -> Contact:
    locked = (
        Contact.objects.select_for_update()
        .select_related("customer")
        .filter(pk=contact.pk, deleted_at__isnull=True, customer__deleted_at__isnull=True)
        .first()
    )
    if locked is None:
        raise NotFound()
    return locked


@transaction.atomic
def contact_update(
    *, actor: Any, contact: Contact, data: dict[str, Any], expected_version: int | None = None
) -> Contact:
    """Changes contact fields. Needs contacts.edit and write access to its customer.

    Raises PermissionDenied, ValidationFailed, Conflict(stale_version). Setting `is_primary` takes
    the flag from the customer's other contacts.
    """
    unknown = set(data) - set(CONTACT_UPDATE_FIELDS)
    if unknown:
        raise ValidationFailed(fields={name: [_("Unknown field.")] for name in sorted(unknown)})
    locked = _lock(contact)
    _require_contact_write(actor, locked.customer)
    apply_update(instance=locked, data={}, expected_version=expected_version)
    values = dict(data)
    for name in ("title", "wechat", "decision_role", "notes", "phone", "email"):
        if name in values:
            values[name] = values[name] or ""
    for name in ("title", "wechat"):
        if name in values:
            values[name] = values[name].strip()
    if "name" in values:
        values["name"] = (values["name"] or "").strip()
        if not values["name"]:
            raise ValidationFailed(fields={"name": [_("This field is required.")]})
    _validate(values)
    if "phone" in values:
        values["phone"], values["phone_key"] = clean_phone(values["phone"])
    if "email" in values:
        values["email"] = clean_email(values["email"])
        values["email_key"] = normalize_email(values["email"])
    if "is_primary" in values:
        values["is_primary"] = bool(values["is_primary"])
        if values["is_primary"]:
            _clear_other_primaries(locked.customer_id, locked.pk)
    changes = drop_keys(apply_update(instance=locked, data=values))
    if changes:
        event_record(
            actor=actor, verb="contact.updated", obj=locked, changes=changes, customer_id=locked.customer_id
        )
    return locked


def contact_set_primary(*, actor: Any, contact: Contact) -> Contact:
    """Makes the contact its customer's only primary contact (same rules as contact_update)."""
    return contact_update(actor=actor, contact=contact, data={"is_primary": True})


@transaction.atomic
def contact_delete(*, actor: Any, contact: Contact) -> None:
    """Moves a contact to the recycle bin; if it was primary, the customer's oldest other contact
    becomes primary. Needs contacts.edit and write access; raises PermissionDenied."""
    locked = _lock(contact)
    _require_contact_write(actor, locked.customer)
    was_primary = locked.is_primary
    locked.deleted_at = timezone.now()
    locked.deleted_by = actor
    locked.is_primary = False
    locked.version += 1
    locked.save(update_fields=["deleted_at", "deleted_by", "is_primary", "version", "updated_at"])
    if was_primary:
        successor = (
            Contact.objects.filter(customer_id=locked.customer_id, deleted_at__isnull=True)
            .order_by("id")
            .first()
        )
        if successor is not None:
            Contact.objects.filter(pk=successor.pk).update(is_primary=True)
    event_record(actor=actor, verb="contact.deleted", obj=locked, customer_id=locked.customer_id)


@transaction.atomic
def contact_restore(*, actor: Any, id: Any) -> Contact:
    """Brings a deleted contact back (NotFound out of scope). Needs recycle.manage, or contacts.edit
    with write access to its customer. Refused while the customer itself is deleted. It becomes
    primary only if the customer has no primary contact now."""
    locked = (
        Contact.objects.select_for_update()
        .select_related("customer")
        .filter(customer_scope_q(actor, prefix="customer__"), pk=parse_id(id), deleted_at__isnull=False)
        .first()
    )
    if locked is None:
        raise NotFound()
    if not has_perm(actor, "recycle.manage"):
        _require_contact_write(actor, locked.customer)
    if locked.customer.deleted_at is not None:
        raise ValidationFailed(
            _("Restore the customer “%(name)s” first.") % {"name": locked.customer.name},
            fields={
                "__all__": [_("Restore the customer “%(name)s” first.") % {"name": locked.customer.name}]
            },
        )
    has_primary = Contact.objects.filter(
        customer_id=locked.customer_id, deleted_at__isnull=True, is_primary=True
    ).exists()
    locked.deleted_at = None
    locked.deleted_by = None
    locked.is_primary = not has_primary
    locked.version += 1
    locked.save(update_fields=["deleted_at", "deleted_by", "is_primary", "version", "updated_at"])
    event_record(actor=actor, verb="contact.restored", obj=locked, customer_id=locked.customer_id)
    return locked
