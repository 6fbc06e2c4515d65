"""Small helpers shared by the organization services."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext as _

from openfunnel.core.api import MAX_ID
from openfunnel.core.errors import ValidationFailed


def unknown_fields(data: dict[str, Any], allowed: list[str]) -> None:
    unknown = sorted(set(data) - set(allowed))
    if unknown:
        raise ValidationFailed(fields={name: [_("Unknown field.")] for name in unknown})


def clean_text(value: Any, *, field: str, max_length: int, required: bool = False) -> str:
    """A stripped string of at most `max_length` characters; ValidationFailed on `field` otherwise."""
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise ValidationFailed(fields={field: [_("Enter text.")]})
    value = value.strip()
    if required and not value:
        raise ValidationFailed(fields={field: [_("This field is required.")]})
    if len(value) > max_length:
        raise ValidationFailed(fields={field: [
            _("Ensure this value has at most %(max)d characters.") % {"max": max_length}]})
    return value


def resolve_ref(model: type[models.Model], value: Any, *, field: str, queryset: Any = None) -> Any:
    """A referenced row given as an instance or an id; None stays None; a missing id is a field error."""
    if value is None or value == "":
        return None
    if isinstance(value, model):
        return value
    try:
        pk = int(str(value))
    except (TypeError, ValueError):
        pk = 0
    found = None
    if 0 < pk <= MAX_ID:
        found = (queryset if queryset is not None else model._default_manager).filter(pk=pk).first()
    if found is None:
        raise ValidationFailed(fields={field: [_("Select a valid choice; this one does not exist.")]})
    return found
