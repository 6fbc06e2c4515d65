"""A list's filter panel without a query string is kept per process: the same HTML, a reference change or another
language seen at once, filters offering other choices never kept."""

from __future__ import annotations

import re

from django.db import connection
from django.test.utils import CaptureQueriesContext

from openfunnel.customers.services import level_create
from openfunnel.web import listing


def _panel(html: str) -> str:
    return re.search(r'<details class="filter-panel".*?</details>', html, re.S).group(0)


def test_the_kept_panel_is_the_panel(personas, web_as):
    browser = web_as(personas.manager)
    for url in ("/customers/", "/opportunities/list/", "/leads/", "/activities/", "/contacts/", "/tasks/"):
        listing.clear_kept_panels()
        first = browser.get(url).content.decode()
        kept = browser.get(url).content.decode()
        assert _panel(kept) == _panel(first), url
    # another user (another scope) gets a panel of their own
    assert _panel(web_as(personas.alice).get("/customers/").content.decode())


def test_reference_changes_and_languages_are_seen_at_once(personas, web_as):
    browser = web_as(personas.admin)
    browser.get("/customers/")
    with CaptureQueriesContext(connection) as again:
        browser.get("/customers/")
    assert not any("customers_customerlevel" in q["sql"] for q in again.captured_queries)
    level_create(actor=personas.admin, code="gold", name="Gold partner", order=9)
    assert "Gold partner" in _panel(browser.get("/customers/").content.decode())
    chinese = browser.get("/customers/", HTTP_ACCEPT_LANGUAGE="zh-hans")
    english = browser.get("/customers/")
    assert _panel(chinese.content.decode()) != _panel(english.content.decode())


def test_a_query_string_renders_the_panel_anew(personas, web_as):
    browser = web_as(personas.admin)
    browser.get("/customers/")
    page = browser.get("/customers/?region=%3Cb%3E").content.decode()
    assert 'value="&lt;b&gt;"' in _panel(page) and " open>" in _panel(page)
    assert " open>" not in _panel(browser.get("/customers/").content.decode())


def test_filters_with_other_choices_are_not_kept(personas, rf):
    from django import forms

    class Form(forms.Form):
        product = forms.ModelChoiceField(queryset=personas.admin.__class__.objects.none())

    assert not listing._only_kept_choices(Form())
    assert listing._only_kept_choices(forms.Form())


def _board_filters(html: str) -> str:
    return re.search(r'<form method="get" class="filters" data-testid="board-filters">.*?</form>', html, re.S).group(0)


def test_the_boards_filters_are_kept_while_only_the_pipeline_is_chosen(personas, web_as):
    from openfunnel.sales.selectors import pipeline_default

    pipeline = pipeline_default()
    browser = web_as(personas.manager)
    url = f"/opportunities/?pipeline={pipeline.pk}"
    listing.clear_kept_panels()
    first = _board_filters(browser.get(url).content.decode())
    kept = _board_filters(browser.get(url).content.decode())
    assert kept == first and 'name="owner"' in kept
    assert _board_filters(browser.get("/opportunities/").content.decode()) == first
    # a filter value is the user's own input: rendered anew, escaped, never kept
    typed = _board_filters(browser.get(url + "&search=%3Cb%3E").content.decode())
    assert 'value="&lt;b&gt;"' in typed
    assert 'value="&lt;b&gt;"' not in _board_filters(browser.get(url).content.decode())
