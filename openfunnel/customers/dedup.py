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
from django.db.models import Q
from django.utils.translation import gettext as _

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


_BULK_LOCK = 742_001  # one advisory lock id shared by every writer of leads and customers


def _lock(keys: DedupKeys) -> None:
    if connection.vendor != "postgresql":
        return  # SQLite: the write transaction is BEGIN IMMEDIATE, writers are already serialized
    tokens = sorted(f"dedup:{kind}:{value}" for kind, value in
                    (("name", keys.name), ("uscc", keys.uscc), ("phone", keys.phone), ("email", keys.email)) if value)
    with connection.cursor() as cursor:
        # Single writers share this lock; a bulk writer takes it exclusively (see _lock_everything).
        cursor.execute("SELECT pg_advisory_xact_lock_shared(%s)", [_BULK_LOCK])
        for token in tokens:
            cursor.execute("SELECT pg_advisory_xact_lock(hashtextextended(%s, 0))", [token])


def _lock_everything() -> None:
    """A bulk writer (import, demo) checks thousands of keys at once: it waits for the single writers in
    flight and holds new ones back, instead of taking thousands of key locks."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_BULK_LOCK])


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
    wanted = {kind: value for kind, value in (("uscc", keys.uscc), ("name", keys.name), ("phone", keys.phone),
                                               ("email", keys.email))
              if value and getattr(config, f"check_{kind}")}
    if not wanted:
        return
    form_fields = {"name": name_field, "uscc": "uscc", "phone": "phone", "email": "email"}
    customer_columns = {"name": "name_key", "uscc": "uscc", "phone": "phone_key", "email": "email_key"}
    lead_columns = {"name": "company_key", "uscc": "uscc", "phone": "phone_key", "email": "email_key"}

    def any_of(columns: dict[str, str], prefix: str = "") -> Q:
        condition = Q()
        for kind, value in wanted.items():
            if kind in columns:
                condition |= Q(**{prefix + columns[kind]: value})
        return condition

    # One query per table (a handful of indexed equality lookups), then the match is chosen here in
    # priority order: USCC, name, phone, e-mail; customers before leads.
    customers = Customer.objects.filter(any_of(customer_columns), deleted_at__isnull=True)
    if exclude_customer_id:
        customers = customers.exclude(id=exclude_customer_id)
    customer_rows = list(customers.values_list("id", "name_key", "uscc", "phone_key", "email_key")[:20])
    contact_rows: list[tuple[Any, ...]] = []
    contact_keys = {k: v for k, v in wanted.items() if k in ("phone", "email")}
    if contact_keys:
        contacts = Contact.objects.filter(
            any_of({"phone": "phone_key", "email": "email_key"}), deleted_at__isnull=True,
            customer__deleted_at__isnull=True)
        if exclude_customer_id:
            contacts = contacts.exclude(customer_id=exclude_customer_id)
        contact_rows = list(contacts.values_list("customer_id", "phone_key", "email_key")[:20])
    leads = Lead.objects.filter(any_of(lead_columns), deleted_at__isnull=True).exclude(status=Lead.Status.CONVERTED)
    if exclude_lead_id:
        leads = leads.exclude(id=exclude_lead_id)
    lead_rows = list(leads.values_list("id", "company_key", "uscc", "phone_key", "email_key")[:20])

    position = {"name": 1, "uscc": 2, "phone": 3, "email": 4}
    for kind, value in wanted.items():
        customer_id = next((row[0] for row in customer_rows if row[position[kind]] == value), None)
        if customer_id is None and kind in contact_keys:
            column = 1 if kind == "phone" else 2
            customer_id = next((row[0] for row in contact_rows if row[column] == value), None)
        if customer_id is not None:
            match = Customer.objects.select_related("owner").get(pk=customer_id)
            raise _duplicate(actor, kind, "customer", match, form_fields[kind])
        lead_id = next((row[0] for row in lead_rows if row[position[kind]] == value), None)
        if lead_id is not None:
            raise _duplicate(actor, kind, "lead", Lead.objects.select_related("owner").get(pk=lead_id),
                             form_fields[kind])


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
    from openfunnel.leads.selectors import lead_is_visible

    return lead_is_visible(actor, record)


def duplicate_check_many(*, actor: Any, keys: list[DedupKeys], name_field: str = "name",
                         row_offset: int = 1) -> None:
    """The duplicate check for a batch of new records (import, bulk creation), in a few set-based queries.

    Refuses a batch whose rows repeat each other (ValidationFailed naming both rows) or match an
    existing lead or customer (the Conflict of `duplicate_check` for the first such row, with "row").
    """
    from openfunnel.customers.models import Contact, Customer, DedupSettings
    from openfunnel.leads.models import Lead

    _lock_everything()
    config = DedupSettings.current()
    kinds = [kind for kind in ("uscc", "name", "phone", "email") if getattr(config, f"check_{kind}")]
    field_of = {"name": name_field, "uscc": "uscc", "phone": "phone", "email": "email"}
    first_row: dict[tuple[str, str], int] = {}
    for index, row in enumerate(keys):
        for kind in kinds:
            value = getattr(row, kind)
            if not value:
                continue
            seen = first_row.setdefault((kind, value), index)
            if seen != index:
                message = _("Row %(row)d repeats row %(other)d.") % {"row": index + row_offset,
                                                                   "other": seen + row_offset}
                raise ValidationFailed(fields={field_of[kind]: [message]}, extra={"row": index + row_offset})
    customer_columns = {"name": "name_key", "uscc": "uscc", "phone": "phone_key", "email": "email_key"}
    lead_columns = {"name": "company_key", "uscc": "uscc", "phone": "phone_key", "email": "email_key"}
    taken: set[tuple[str, str]] = set()
    for kind in kinds:
        values = [value for (k, value) in first_row if k == kind]
        for start in range(0, len(values), 500):
            chunk = values[start:start + 500]
            column = customer_columns[kind]
            taken.update((kind, v) for v in Customer.objects.filter(
                deleted_at__isnull=True, **{f"{column}__in": chunk}).values_list(column, flat=True))
            if kind in ("phone", "email"):
                taken.update((kind, v) for v in Contact.objects.filter(
                    deleted_at__isnull=True, customer__deleted_at__isnull=True,
                    **{f"{kind}_key__in": chunk}).values_list(f"{kind}_key", flat=True))
            column = lead_columns[kind]
            taken.update((kind, v) for v in Lead.objects.filter(
                deleted_at__isnull=True, **{f"{column}__in": chunk}).exclude(
                status=Lead.Status.CONVERTED).values_list(column, flat=True))
    if not taken:
        return
    clashing = min(first_row[key] for key in taken)
    try:
        duplicate_check(actor=actor, keys=keys[clashing], name_field=name_field)
    except Conflict as conflict:
        conflict.extra["row"] = clashing + row_offset
        raise
