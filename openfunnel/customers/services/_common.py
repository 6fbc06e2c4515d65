"""Validation shared by the customer and contact services."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

from openfunnel.core.errors import ValidationFailed

COORDINATE_STEP = Decimal("0.000001")


def drop_keys(changes: dict[str, Any]) -> dict[str, Any]:
    """The diff without the normalized dedup keys (they only mirror the fields people typed)."""
    return {k: v for k, v in changes.items() if not k.endswith("_key")}


def coordinate(value: Any, field: str) -> Decimal | None:
    """A latitude/longitude as the model stores it (6 places), or ValidationFailed."""
    if value is None or value == "":
        return None
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise ValidationFailed(fields={field: [_("Enter a number.")]}) from None
    if not number.is_finite():
        raise ValidationFailed(fields={field: [_("Enter a number.")]})
    try:
        return number.quantize(COORDINATE_STEP, rounding=ROUND_HALF_UP)
    except InvalidOperation:
        return number  # far out of range: check_coordinates names the field


def check_coordinates(lat: Decimal | None, lng: Decimal | None) -> None:
    errors: dict[str, list[Any]] = {}
    if lat is not None and not (-90 <= Decimal(lat) <= 90):
        errors["lat"] = [_("Latitude must be between -90 and 90.")]
    if lng is not None and not (-180 <= Decimal(lng) <= 180):
        errors["lng"] = [_("Longitude must be between -180 and 180.")]
    if (lat is None) != (lng is None) and not errors:
        errors["lat" if lat is None else "lng"] = [_("Give both latitude and longitude, or neither.")]
    if errors:
        raise ValidationFailed(fields=errors)


def clean_email(value: str, field: str = "email") -> str:
    email = (value or "").strip()
    if email:
        try:
            validate_email(email)
        except DjangoValidationError:
            raise ValidationFailed(fields={field: [_("Enter a valid e-mail address.")]}) from None
    return email


def check_choice(value: Any, choices: Any, field: str, errors: dict[str, list[Any]]) -> None:
    if value and value not in {str(k) for k, _label in choices}:
        errors[field] = [_("Select a valid choice.")]


def check_length(value: Any, limit: int, field: str, errors: dict[str, list[Any]]) -> None:
    if isinstance(value, str) and len(value) > limit:
        errors[field] = [_("Ensure this value has at most %(limit)d characters.") % {"limit": limit}]


def raise_if(errors: dict[str, list[Any]]) -> None:
    if errors:
        raise ValidationFailed(fields=errors)
