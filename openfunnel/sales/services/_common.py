"""Small helpers shared by the sales services."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _

MONEY_MAX = Decimal("1e12")


def as_decimal(value: Any, *, field: str, errors: dict[str, list[Any]], minimum: Decimal = Decimal(0),
               maximum: Decimal = MONEY_MAX, places: str = "0.01") -> Decimal | None:
    """`value` as a Decimal within [minimum, maximum), or None after noting a field error."""
    try:
        number = Decimal(str(value))
    except (InvalidOperation, TypeError, ValueError):
        errors[field] = [_("Enter a number.")]
        return None
    if not number.is_finite():
        errors[field] = [_("Enter a number.")]
        return None
    if number < minimum:
        errors[field] = [_("Must be at least %(min)s.") % {"min": minimum}]
        return None
    if number >= maximum:
        errors[field] = [_("Must be less than %(max)s.") % {"max": maximum}]
        return None
    return number.quantize(Decimal(places))


def as_int(value: Any, *, field: str, errors: dict[str, list[Any]], minimum: int, maximum: int,
           allow_none: bool = False) -> int | None:
    if value is None or value == "":
        if not allow_none:
            errors[field] = [_("This field is required.")]
        return None
    if isinstance(value, bool):
        errors[field] = [_("Enter a whole number.")]
        return None
    try:
        number = int(str(value))
    except (TypeError, ValueError):
        errors[field] = [_("Enter a whole number.")]
        return None
    if not minimum <= number <= maximum:
        errors[field] = [_("Must be between %(min)d and %(max)d.") % {"min": minimum, "max": maximum}]
        return None
    return number


def as_text(value: Any, *, field: str, errors: dict[str, list[Any]], limit: int, required: bool = False) -> str:
    text = str(value if value is not None else "").strip()
    if required and not text:
        errors[field] = [_("This field is required.")]
    elif len(text) > limit:
        errors[field] = [_("At most %(n)d characters.") % {"n": limit}]
    return text
