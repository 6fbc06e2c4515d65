"""Anti-collision (防撞单): normalized keys and the duplicate check shared by leads and customers.

Two reps typing the same company at the same moment must not both succeed. The check runs inside
the caller's transaction after taking a lock per normalized key (PostgreSQL advisory transaction
locks, in sorted order so two writers never deadlock); on SQLite every write transaction is
BEGIN IMMEDIATE, so writers are serialized already.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.utils.translation import gettext as _

from openfunnel.accounts.scope import can_see_owner
from openfunnel.core.errors import Conflict, ValidationFailed

# Longest first, so that 股份有限公司 is taken off before 有限公司 and 公司.
_COMPANY_SUFFIXES = sorted([
    "股份有限公司", "有限责任公司", "有限公司", "集团公司", "公司", "厂",
    "companylimited", "colimited", "coltd", "corporation", "limited", "company", "corp", "inc", "ltd", "llc",
    "gmbh", "co",
], key=len, reverse=True)
_NON_WORD = re.compile(r"[\W_]+", re.UNICODE)

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_LANDLINE = re.compile(r"^0\d{9,11}$")


def normalize_company(name: str) -> str:
    """Trim, full-width→half-width, case, punctuation and company-form suffixes."""
    text = unicodedata.normalize("NFKC", name or "").lower()
    text = _NON_WORD.sub("", text)
    stripped = True
    while stripped and text:
        stripped = False
        for suffix in _COMPANY_SUFFIXES:
            if text.endswith(suffix) and len(text) > len(suffix):
                text = text[: -len(suffix)]
                stripped = True
                break
    return text


def uscc_is_valid(code: str) -> bool:
    """GB 32100-2015: 18 characters from the USCC alphabet, the last one a mod-31 check character."""
    if len(code) != 18 or any(ch not in USCC_ALPHABET for ch in code):
        return False
    total = sum(USCC_ALPHABET.index(ch) * weight for ch, weight in zip(code[:17], USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31] == code[17]


def clean_uscc(value: str, field: str = "uscc") -> str:
    code = unicodedata.normalize("NFKC", value or "").strip().upper()
    if code and not uscc_is_valid(code):
        raise ValidationFailed(fields={field: [_("Enter a valid unified social credit code (18 characters, "
                                                 "check digit included).")]})
    return code


def normalize_phone(value: str) -> str:
    """One form for the forms people type: +86 138 0013 8000, 0086-13800138000, (010) 6552-9988, 010 65529988.

    Mobile numbers become their 11 digits, landlines 0 + area code + number, other countries +digits.
    Returns "" for a value that is not a phone number.
    """
    text = unicodedata.normalize("NFKC", value or "").strip()
    text = re.split(r"(?:转|ext\.?|x|#)", text, maxsplit=1, flags=re.IGNORECASE)[0]
    international = text.startswith("+") or text.startswith("00")
    digits = re.sub(r"\D", "", text)
    if international:
        digits = digits[2:] if text.startswith("00") else digits
        if digits.startswith("86"):
            digits = digits[2:]
            if _MOBILE.match(digits):
                return digits
            digits = "0" + digits.lstrip("0")
            return digits if _LANDLINE.match(digits) else ""
        return "+" + digits if 6 <= len(digits) <= 15 else ""
    if digits.startswith("86") and _MOBILE.match(digits[2:]):
        digits = digits[2:]
    if _MOBILE.match(digits) or _LANDLINE.match(digits):
        return digits
    return ""


def clean_phone(value: str, field: str = "phone") -> tuple[str, str]:
    """(the phone as typed, trimmed; its normalized key), or ValidationFailed for something not a phone."""
    raw = (value or "").strip()
    if not raw:
        return "", ""
    key = normalize_phone(raw)
    if not key:
        raise ValidationFailed(fields={field: [_("Enter a valid phone number, e.g. 13800138000 or 010-65529988.")]})
    return raw, key


def normalize_email(value: str) -> str:
    return (value or "").strip().lower()


@dataclass(frozen=True)
class DedupKeys:
    name: str = ""
    uscc: str = ""
    phone: str = ""
    email: str = ""


def _lock(keys: DedupKeys) -> None:
    if connection.vendor != "postgresql":
        return  # SQLite: the write transaction is BEGIN IMMEDIATE, writers are already serialized
    tokens = sorted(f"dedup:{kind}:{value}" for kind, value in
                    (("name", keys.name), ("uscc", keys.uscc), ("phone", keys.phone), ("email", keys.email)) if value)
    with connection.cursor() as cursor:
        for token in tokens:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", [token])


def duplicate_check(*, actor: Any, keys: DedupKeys, exclude_lead_id: int | None = None,
                    exclude_customer_id: int | None = None, name_field: str = "name") -> None:
    """Raises Conflict(duplicate) naming the first existing lead or customer that matches `keys`.

    Call it inside the writing transaction, right before the write. Only the fields the admin
    enabled in DedupSettings are compared. The conflict names the match's id only when the actor
    may see it; otherwise just its type and owner.
    """
    from openfunnel.customers.models import Contact, Customer, DedupSettings
    from openfunnel.leads.models import Lead

    _lock(keys)
    config = DedupSettings.current()
    form_fields = {"name": name_field, "uscc": "uscc", "phone": "phone", "email": "email"}
    enabled = {"name": config.check_name, "uscc": config.check_uscc, "phone": config.check_phone,
               "email": config.check_email}
    customer_fields = {"name": "name_key", "uscc": "uscc", "phone": "phone_key", "email": "email_key"}
    lead_fields = {"name": "company_key", "uscc": "uscc", "phone": "phone_key", "email": "email_key"}
    for kind, value in (("uscc", keys.uscc), ("name", keys.name), ("phone", keys.phone), ("email", keys.email)):
        if not value or not enabled[kind]:
            continue
        customers = Customer.objects.filter(deleted_at__isnull=True, **{customer_fields[kind]: value})
        if exclude_customer_id:
            customers = customers.exclude(id=exclude_customer_id)
        match = customers.select_related("owner").first()
        if match is None and kind in ("phone", "email"):
            contacts = Contact.objects.filter(deleted_at__isnull=True, customer__deleted_at__isnull=True,
                                              **{f"{kind}_key": value})
            if exclude_customer_id:
                contacts = contacts.exclude(customer_id=exclude_customer_id)
            contact = contacts.select_related("customer__owner").first()
            match = contact.customer if contact else None
        if match is not None:
            raise _duplicate(actor, kind, "customer", match, form_fields[kind])
        leads = Lead.objects.filter(deleted_at__isnull=True, **{lead_fields[kind]: value}).exclude(
            status=Lead.Status.CONVERTED)
        if exclude_lead_id:
            leads = leads.exclude(id=exclude_lead_id)
        lead = leads.select_related("owner").first()
        if lead is not None:
            raise _duplicate(actor, kind, "lead", lead, form_fields[kind])


def _duplicate(actor: Any, kind: str, record_type: str, record: Any, field: str) -> Conflict:
    owner_name = record.owner.display_name if record.owner else _("the public pool")
    visible = _record_visible(actor, record_type, record)
    existing: dict[str, Any] = {"type": record_type, "owner_name": owner_name, "matched_on": kind}
    if visible:
        existing["id"] = record.pk
        existing["name"] = str(record)
    type_label = _("customer") if record_type == "customer" else _("lead")
    field_label = {"name": _("company name"), "uscc": _("unified social credit code"), "phone": _("phone"),
                   "email": _("e-mail")}[kind]
    message = _("A %(type)s with the same %(field)s already exists, owned by %(owner)s.") % {
        "type": type_label, "field": field_label, "owner": owner_name}
    return Conflict(message, code="duplicate", fields={field: [message]}, extra={"existing": existing})


def _record_visible(actor: Any, record_type: str, record: Any) -> bool:
    if record_type == "customer":
        from openfunnel.customers.selectors import customers_visible_to

        return customers_visible_to(actor).filter(pk=record.pk).exists()
    return record.owner_id is not None and can_see_owner(actor, record.owner_id)
