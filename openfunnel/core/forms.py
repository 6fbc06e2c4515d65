"""Domain errors shown on Django forms: field messages next to their fields, the rest on top."""

from __future__ import annotations

from typing import Any

from django import forms

from openfunnel.core.errors import DomainError


def apply_domain_error(form: forms.BaseForm, error: DomainError) -> None:
    """Puts `error` on `form` so that re-rendering it shows the user what to fix."""
    on_field = on_top = False
    for name, messages in error.fields.items():
        for message in messages:
            if name in form.fields:
                form.add_error(name, message)
                on_field = True
            else:
                form.add_error(None, message)
                on_top = True
    # A duplicate is explained at the top too (it names the existing record and its owner).
    if not on_top and (not on_field or error.code == "duplicate"):
        form.add_error(None, error.message)


def model_choice_ids(value: Any) -> Any:
    """A ModelChoiceField value as the id the services take."""
    return value.pk if hasattr(value, "pk") else value
