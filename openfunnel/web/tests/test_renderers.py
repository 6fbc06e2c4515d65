"""The form renderer's widgets written in Python give exactly the HTML of Django's widget templates."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal

import pytest
from django import forms
from django.forms.renderers import DjangoTemplates
from django.test import override_settings
from django.urls import URLPattern, URLResolver, get_resolver
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy

from openfunnel.web.listing import clear_kept_panels
from openfunnel.web.renderers import FastWidgetRenderer

TEMPLATES = DjangoTemplates()
FAST = FastWidgetRenderer()

TRICKY = ['a"b<c>&d', mark_safe("<b>safe</b>"), gettext_lazy("Name"), 0, 12, Decimal("1234.50"), 1.5,
          datetime.date(2026, 11, 22), None, "", True, False, ("x", 1)]


def _widgets() -> list[tuple[forms.Widget, object]]:
    cases: list[tuple[forms.Widget, object]] = []
    attrs = {"class": 'q"<x>', "data-on": True, "hidden": False, "data-n": 3, "data-lazy": gettext_lazy("Search"),
             "data-safe": mark_safe("<i>")}
    for widget_class in (forms.TextInput, forms.NumberInput, forms.EmailInput, forms.URLInput, forms.PasswordInput,
                         forms.HiddenInput, forms.DateInput, forms.DateTimeInput, forms.TimeInput, forms.Textarea,
                         forms.CheckboxInput, forms.FileInput):
        for value in TRICKY:
            cases.append((widget_class(), value))
            cases.append((widget_class(attrs=attrs), value))
    choices = [("", "---------"), (1, "one & <two>"), ("2", mark_safe("<b>two</b>")), (3, gettext_lazy("Name")),
               ("group <g>", [(4, "four"), (5, 5)]), (None, "none"), (Decimal("1.5"), 1.5)]
    for widget_class in (forms.Select, forms.SelectMultiple, forms.NullBooleanSelect):
        values = [None, "", True, False, "true"] if widget_class is forms.NullBooleanSelect else [
            None, "", "1", 2, ["1", "4"], [5], "x<"]
        for value in values:
            widget = widget_class() if widget_class is forms.NullBooleanSelect else widget_class(choices=choices)
            cases.append((widget, value))
            widget = widget_class(attrs=attrs) if widget_class is forms.NullBooleanSelect else widget_class(
                attrs=attrs, choices=choices)
            cases.append((widget, value))
    return cases


@pytest.mark.parametrize("widget, value", _widgets())
def test_widgets_render_as_the_templates_do(widget, value):
    expected = widget.render("field<name>", value, attrs={"id": "id_x"}, renderer=TEMPLATES)
    assert widget.render("field<name>", value, attrs={"id": "id_x"}, renderer=FAST) == expected


def test_other_templates_are_rendered_by_the_templates():
    widget = forms.RadioSelect(choices=[(1, "one"), (2, "two")])
    assert widget.render("r", 1, renderer=FAST) == widget.render("r", 1, renderer=TEMPLATES)
    assert "<input" in widget.render("r", 1, renderer=FAST)


def _collection_urls(resolver: URLResolver, prefix: str = "") -> list[str]:
    """Every URL pattern that takes no argument (lists, form pages, settings)."""
    urls = []
    for pattern in resolver.url_patterns:
        if isinstance(pattern, URLResolver):
            urls += _collection_urls(pattern, prefix + str(pattern.pattern))
        elif isinstance(pattern, URLPattern) and not pattern.pattern.regex.groups:
            route = prefix + str(pattern.pattern)
            if "<" not in route and "(" not in route and not route.startswith(("api/", "admin/", "static/")):
                urls.append("/" + route.lstrip("^").rstrip("$"))
    return urls


def _without_tokens(html: str) -> str:
    return re.sub(r'(csrfmiddlewaretoken" value="|X-CSRFToken": ")[^"]+', r"\1", html)


def test_every_page_without_arguments_is_the_same_with_either_renderer(personas, web_as):
    browser = web_as(personas.admin)
    urls = _collection_urls(get_resolver())
    assert "/customers/" in urls
    # bound filters too: valid, invalid and junk values
    urls += ["/customers/?level=1&owner=me&status=x&created_after=2026-13-40&search=%3Cb%3E%22",
             "/opportunities/list/?stage=abc&amount_min=1e5&owner=99999", "/leads/?status=new&search=%26amp%3B"]
    compared = 0
    for url in urls:
        with override_settings(FORM_RENDERER="django.forms.renderers.DjangoTemplates"):
            expected = browser.get(url)
        clear_kept_panels()  # the filter panel rendered anew
        got = browser.get(url)
        clear_kept_panels()
        assert got.status_code == expected.status_code, url
        if expected.status_code == 200 and expected.get("Content-Type", "").startswith("text/html"):
            assert _without_tokens(got.content.decode()) == _without_tokens(expected.content.decode()), url
            compared += 1
    assert compared >= 20
