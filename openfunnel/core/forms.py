"""Domain errors shown on Django forms: field messages next to their fields, the rest on top."""

from __future__ import annotations

from typing import Any

from django import forms

from openfunnel.core.errors import DomainError


def apply_domain_error(form: forms.BaseForm, error: DomainError) -> None:
    """Puts `error` on `form` so that re-rendering it shows the user what to fix."""
    placed_on_field = False
    for name, messages in error.fields.items():
        for message in messages:
            if name in form.fields:
                form.add_error(name, message)
                placed_on_field = True
            else:
                form.add_error(None, message)
    if not placed_on_field and not (error.fields and any(n not in form.fields for n in error.fields)):
        form.add_error(None, error.message)
    elif error.code == "duplicate":
        form.add_error(None, error.message)


def model_choice_ids(value: Any) -> Any:
    """A ModelChoiceField value as the id the services take."""
    return value.pk if hasattr(value, "pk") else value
