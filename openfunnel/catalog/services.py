"""Writes of the product catalogue: one function per use case (actor, permission, validation, audit)."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from openfunnel.accounts.scope import require_perm
from openfunnel.audit.services import event_record
from openfunnel.catalog.models import Product
from openfunnel.core.errors import ValidationFailed
from openfunnel.core.records import apply_update, snapshot

PRODUCT_FIELDS = ["code", "name", "category", "unit", "price", "is_active", "description"]
TEXT_LIMITS = {"code": 50, "name": 200, "category": 100, "unit": 20}


def _clean(data: dict[str, Any], *, product: Product | None = None) -> dict[str, Any]:
    errors: dict[str, list[Any]] = {}
    unknown = set(data) - set(PRODUCT_FIELDS)
    for name in unknown:
        errors[name] = [_("Unknown field.")]
    cleaned = dict(data)
    for name, limit in TEXT_LIMITS.items():
        if name in cleaned:
            cleaned[name] = str(cleaned[name] or "").strip()
            if len(cleaned[name]) > limit:
                errors[name] = [_("At most %(n)d characters.") % {"n": limit}]
    for name in ("code", "name"):
        if name in cleaned and not cleaned[name]:
            errors[name] = [_("This field is required.")]
    if "price" in cleaned:
        try:
            price = Decimal(str(cleaned["price"]))
        except (InvalidOperation, TypeError, ValueError):
            errors["price"] = [_("Enter a number.")]
        else:
            if not price.is_finite() or price < 0:
                errors["price"] = [_("The price cannot be negative.")]
            elif price >= Decimal("1e12"):
                errors["price"] = [_("The price is too large.")]
            else:
                cleaned["price"] = price.quantize(Decimal("0.01"))
    if cleaned.get("code") and "code" not in errors:
        taken = Product.objects.filter(code__iexact=cleaned["code"])
        if product is not None:
            taken = taken.exclude(pk=product.pk)
        if taken.exists():
            errors["code"] = [_("Another product already has this code.")]
    if errors:
        raise ValidationFailed(fields=errors)
    return cleaned


def _code_taken() -> ValidationFailed:
    return ValidationFailed(fields={"code": [_("Another product already has this code.")]})


@transaction.atomic
def product_create(*, actor: Any, code: str, name: str, category: str = "", unit: str = "",
                   price: Decimal = Decimal("0.00"), is_active: bool = True, description: str = "") -> Product:
    """Adds a product to the catalogue. Needs config.manage; raises PermissionDenied, ValidationFailed."""
    require_perm(actor, "config.manage")
    data = _clean({"code": code, "name": name, "category": category, "unit": unit, "price": price,
                   "is_active": is_active, "description": description})
    try:
        with transaction.atomic():
            product = Product.objects.create(**data)
    except IntegrityError:
        raise _code_taken() from None
    event_record(actor=actor, verb="product.created", obj=product, data=snapshot(product, PRODUCT_FIELDS))
    return product


@transaction.atomic
def product_update(*, actor: Any, product: Product, data: dict[str, Any]) -> Product:
    """Changes a product (deactivate with is_active=False). Needs config.manage; raises PermissionDenied,
    ValidationFailed."""
    require_perm(actor, "config.manage")
    product = Product.objects.select_for_update().get(pk=product.pk)
    data = _clean(data, product=product)
    try:
        with transaction.atomic():
            changes = apply_update(instance=product, data=data)
    except IntegrityError:
        raise _code_taken() from None
    if changes:
        event_record(actor=actor, verb="product.updated", obj=product, changes=changes)
    return product
