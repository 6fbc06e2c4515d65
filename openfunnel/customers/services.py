"""Writes of customers and contacts: one function per use case (actor, permission, validation,
transaction, duplicate check, audit)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from openfunnel.accounts.scope import require_perm
from openfunnel.audit.services import event_record
from openfunnel.core.errors import ValidationFailed
from openfunnel.core.records import snapshot
from openfunnel.customers.dedup import DedupKeys, clean_phone, clean_uscc, duplicate_check, normalize_company, \
    normalize_email
from openfunnel.customers.models import Contact, Customer, Tag

CUSTOMER_FIELDS = ["name", "uscc", "industry", "size", "region", "address", "lat", "lng", "phone", "email",
                   "website", "level", "source", "campaign", "owner", "status", "notes"]
CONTACT_FIELDS = ["customer", "name", "title", "phone", "email", "wechat", "birthday", "decision_role",
                  "is_primary", "notes"]


def _check_coordinates(lat: Decimal | None, lng: Decimal | None) -> None:
    errors: dict[str, list[Any]] = {}
    if lat is not None and not (-90 <= Decimal(lat) <= 90):
        errors["lat"] = [_("Latitude must be between -90 and 90.")]
    if lng is not None and not (-180 <= Decimal(lng) <= 180):
        errors["lng"] = [_("Longitude must be between -180 and 180.")]
    if (lat is None) != (lng is None):
        errors["lat" if lat is None else "lng"] = [_("Give both latitude and longitude, or neither.")]
    if errors:
        raise ValidationFailed(fields=errors)


@transaction.atomic
def customer_create(*, actor: Any, name: str, owner: Any = None, uscc: str = "", industry: str = "",
                    size: str = "", region: str = "", address: str = "", lat: Decimal | None = None,
                    lng: Decimal | None = None, phone: str = "", email: str = "", website: str = "",
                    level: Any = None, source: str = "", campaign: Any = None,
                    status: str = Customer.Status.POTENTIAL, tags: list[Tag] | tuple[Tag, ...] = (),
                    notes: str = "", exclude_lead_id: int | None = None,
                    at: dt.datetime | None = None) -> Customer:
    """Creates a customer owned by `owner` (default: the actor). Needs customers.create.

    Raises PermissionDenied, ValidationFailed, Conflict(duplicate). `exclude_lead_id` is the lead
    being converted, which must not count as a duplicate of its own customer.
    """
    require_perm(actor, "customers.create")
    name = (name or "").strip()
    if not name:
        raise ValidationFailed(fields={"name": [_("This field is required.")]})
    name_key = normalize_company(name)
    if not name_key:
        raise ValidationFailed(fields={"name": [_("Enter a company name with letters or digits.")]})
    uscc = clean_uscc(uscc)
    phone, phone_key = clean_phone(phone)
    email_key = normalize_email(email)
    _check_coordinates(lat, lng)
    duplicate_check(actor=actor, keys=DedupKeys(name=name_key, uscc=uscc, phone=phone_key, email=email_key),
                    exclude_lead_id=exclude_lead_id)
    owner = actor if owner is None else owner
    now = at or timezone.now()
    customer = Customer.objects.create(
        name=name, name_key=name_key, uscc=uscc, industry=industry, size=size, region=region.strip(),
        address=address.strip(), lat=lat, lng=lng, phone=phone, phone_key=phone_key, email=email.strip(),
        email_key=email_key, website=website.strip(), level=level, source=source, campaign=campaign,
        owner=owner, owner_since=now if owner else None, status=status, notes=notes, created_by=actor,
    )
    if tags:
        customer.tags.set(tags)
    event_record(actor=actor, verb="customer.created", obj=customer, customer_id=customer.pk, at=at,
                 data=snapshot(customer, CUSTOMER_FIELDS))
    return customer


@transaction.atomic
def contact_create(*, actor: Any, customer: Customer, name: str, title: str = "", phone: str = "",
                   email: str = "", wechat: str = "", birthday: dt.date | None = None, decision_role: str = "",
                   is_primary: bool = False, notes: str = "", at: dt.datetime | None = None) -> Contact:
    """Adds a contact to a customer the actor may edit (callers fetch it with customer_get_for_edit).

    Needs contacts.edit; raises PermissionDenied, ValidationFailed. The first contact becomes primary.
    """
    require_perm(actor, "contacts.edit")
    name = (name or "").strip()
    if not name:
        raise ValidationFailed(fields={"name": [_("This field is required.")]})
    phone, phone_key = clean_phone(phone)
    has_contacts = Contact.objects.filter(customer=customer, deleted_at__isnull=True).exists()
    if is_primary:
        Contact.objects.filter(customer=customer, is_primary=True).update(is_primary=False)
    contact = Contact.objects.create(
        customer=customer, name=name, title=title.strip(), phone=phone, phone_key=phone_key, email=email.strip(),
        email_key=normalize_email(email), wechat=wechat.strip(), birthday=birthday, decision_role=decision_role,
        is_primary=is_primary or not has_contacts, notes=notes,
    )
    event_record(actor=actor, verb="contact.created", obj=contact, customer_id=customer.pk, at=at,
                 data=snapshot(contact, CONTACT_FIELDS))
    return contact


def customer_touch_follow_up(*, customer_id: int, occurred_at: dt.datetime,
                             next_follow_up_at: dt.datetime | None) -> None:
    """Moves the customer's last/next follow-up times forward after a follow-up was logged.

    Called by the follow-up services inside their transaction; a conditional UPDATE, so that two
    follow-ups logged at once cannot move `last_follow_up_at` backwards.
    """
    from django.db.models import Q

    Customer.objects.filter(Q(last_follow_up_at__isnull=True) | Q(last_follow_up_at__lt=occurred_at),
                            pk=customer_id).update(last_follow_up_at=occurred_at)
    if next_follow_up_at is not None:
        Customer.objects.filter(pk=customer_id).update(next_follow_up_at=next_follow_up_at)
