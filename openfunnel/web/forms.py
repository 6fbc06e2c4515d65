"""The one way a web form calls a service: validate, call, show domain errors on the form."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from openfunnel.core.errors import DomainError
from openfunnel.core.forms import apply_domain_error
from openfunnel.web.choices import lighten_form


def submit_form(request: HttpRequest, form: forms.BaseForm, save: Callable[[dict[str, Any]], Any]) -> Any:
    """On POST, validates `form` and calls `save(cleaned_data)`; returns its result, or None when the
    form (or the service, through a DomainError) refused the input — the errors are then on the form."""
    if request.method != "POST" or not form.is_valid():
        return None
    try:
        return save(form.cleaned_data)
    except DomainError as error:
        apply_domain_error(form, error)
        return None


def render_form(request: HttpRequest, form: forms.BaseForm, context: dict[str, Any],
                template: str = "web/form_page.html") -> HttpResponse:
    """Renders a form page; a re-shown invalid form answers 400 so scripts and tests can tell."""
    lighten_form(form, request.user)
    status = 400 if request.method == "POST" and form.errors else 200
    return render(request, template, {"form": form, **context}, status=status)
