"""List pages: filters (the same django-filter FilterSet the API uses), sorting, pagination and the
columns each user chose to see, saved as a preference.

A view builds a `ListPage` from a scoped queryset and renders `web/list_page.html` (or includes
`web/_list_table.html` in its own template)::

    page = ListPage(request, customers_visible_to(request.user), columns=CUSTOMER_COLUMNS,
                    filterset_class=CustomerFilter, key="customers", default_sort="-id")
    return render(request, "web/list_page.html", {"page": page, "title": _("Customers")})
"""

from __future__ import annotations

import inspect
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from functools import partialmethod
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.core.paginator import EmptyPage, PageNotAnInteger
from django.db.models import Model, QuerySet
from django.http import HttpRequest
from django.template.defaultfilters import date as date_filter
from django.utils.encoding import force_str
from django.utils.hashable import make_hashable
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.timezone import is_aware, localtime

from openfunnel.accounts.models import Preference
from openfunnel.core.models import ChoiceLabels, choice_labels
from openfunnel.core.pagination import CappedPaginator, order_by_term
from openfunnel.web.choices import KeptChoices, UserPicker, lighten_form
from openfunnel.web.escaping import as_html


@dataclass(frozen=True)
class Column:
    key: str
    label: Any
    sort: str | None = None                       # ORDER BY field; None = not sortable
    render: Callable[[Any], Any] | None = None     # row -> text or safe HTML; default: the attribute
    default: bool = True                          # shown until the user chooses otherwise
    link: bool = False                            # link the cell to row.get_absolute_url()
    always: bool = False                          # shown whatever the user chose (e.g. the distance when nearby)

    def cell(self, row: Any) -> Any:
        return self.formatter(type(row))(row)

    def formatter(self, row_type: type) -> Callable[[Any], Any]:
        """row -> the cell's text or safe HTML, for rows of `row_type`: what can be decided once per column and
        page (where the value comes from, the choice labels in the current language) is decided here."""
        value_of = self.render or _value_reader(row_type, self.key)

        def cell(row: Any) -> Any:
            value = value_of(row)
            if value is None or value == "":
                value = "—"
            elif hasattr(value, "strftime") and not isinstance(value, SafeString):
                value = _format_moment(value)
            if self.link and hasattr(row, "get_absolute_url"):
                return format_html('<a href="{}">{}</a>', row.get_absolute_url(), value)
            return value

        return cell


def _value_reader(row_type: type, key: str) -> Callable[[Any], Any]:
    """The attribute `key` of a row (a `__` path), or its choice label as `get_<key>_display()` gives it."""
    display = inspect.getattr_static(row_type, f"get_{key}_display", None)
    if isinstance(display, partialmethod) and display.func in _FIELD_DISPLAYS:
        # a field's own get_FOO_display: its labels looked up once for the page
        field = display.keywords["field"]
        labels = choice_labels(field)
        if labels is not None:
            attname = field.attname

            def label(row: Any) -> Any:
                value = getattr(row, attname)
                return force_str(labels.get(make_hashable(value), value), strings_only=True)

            return label
    if display is None:
        return lambda row: _resolve(row, key)

    def other(row: Any) -> Any:
        shown = getattr(row, f"get_{key}_display", None)
        return shown() if callable(shown) else _resolve(row, key)

    return other


def _format_moment(value: Any) -> str:
    """date_filter(value, "Y-m-d H:i") for a datetime (in the current time zone), "Y-m-d" for a date."""
    if not hasattr(value, "year"):
        return date_filter(value, "Y-m-d H:i")  # a time of day: "" as before
    if hasattr(value, "hour"):
        if is_aware(value):
            value = localtime(value)
        return f"{value.year:04d}-{value.month:02d}-{value.day:02d} {value.hour:02d}:{value.minute:02d}"
    return f"{value.year:04d}-{value.month:02d}-{value.day:02d}"


def _resolve(row: Any, path: str) -> Any:
    value = row
    for part in path.split("__"):
        value = getattr(value, part, None)
        if value is None:
            return None
    return value


@dataclass
class ListPage:
    request: HttpRequest
    queryset: QuerySet
    columns: list[Column]
    key: str
    filterset_class: Any = None
    default_sort: str = "-id"
    page_size: int = 25

    def __post_init__(self) -> None:
        queryset = self.queryset
        self._filterset: Any = None
        if self.filterset_class is not None and self.request.GET:
            # Invalid filter values are shown as form errors; the list then stays unfiltered.
            if self.filterset.is_valid():
                queryset = self.filterset.qs
        self.sort = self._sort()
        field_name = self.sort.lstrip("-")
        # Empty values sort last whatever the direction, on SQLite and PostgreSQL alike.
        primary = order_by_term(queryset.model, self.sort)
        queryset = queryset.order_by(primary, "-id") if field_name != "id" else queryset.order_by(primary)
        paginator = CappedPaginator(queryset, self.page_size)
        try:
            self.page = paginator.page(self.request.GET.get("page") or 1)
        except (EmptyPage, PageNotAnInteger):
            self.page = paginator.page(1)

    @property
    def filterset(self) -> Any:
        """The filters (bound to the query string), built when first needed: a page without a query string
        filters nothing and may show a kept filter panel (`filter_panel`)."""
        if self._filterset is None and self.filterset_class is not None:
            self._filterset = self.filterset_class(self.request.GET or None, queryset=self.queryset,
                                                   request=self.request)
            lighten_form(self._filterset.form, self.request.user, default_picker="scope")
        return self._filterset

    def filter_panel(self) -> str:
        """The filter panel's HTML (web/_filter_panel.html). Without a query string it is kept per process — it
        then depends only on the filters, the language, the reference data (token) and the user's scope — unless
        a filter offers choices that are not reference data (they could change unseen)."""
        if self.filterset_class is None:
            return self._render_panel()
        return kept_filter_panel(self.request, self.filterset_class, lambda: self.filterset.form, self._render_panel)

    def _render_panel(self) -> str:
        return render_to_string("web/_filter_panel.html", {"page": self, "request": self.request})

    def _sort(self) -> str:
        requested = self.request.GET.get("sort", "")
        allowed = {c.sort for c in self.columns if c.sort}
        return requested if requested.lstrip("-") in allowed else self.default_sort

    @property
    def visible_columns(self) -> list[Column]:
        chosen = self.chosen_keys
        return [c for c in self.columns if c.key in chosen]

    @property
    def chosen_keys(self) -> set[str]:
        if not hasattr(self, "_chosen"):
            keys = set(_column_choice(self.request, self.key))
            keys &= {c.key for c in self.columns}
            self._chosen = (keys or {c.key for c in self.columns if c.default}) | {
                c.key for c in self.columns if c.always}
        return self._chosen

    def rows(self) -> list[dict[str, Any]]:
        """Each row's object, its cells, and the cells as <td>s (`tds`: escaped as `{{ cell }}` would be, without
        a template variable per cell)."""
        if not hasattr(self, "_rows"):
            columns = self.visible_columns
            formatters: dict[type, list[Callable[[Any], Any]]] = {}
            rows = []
            for obj in self.page.object_list:
                cells_of = formatters.get(type(obj))
                if cells_of is None:
                    cells_of = formatters[type(obj)] = [c.formatter(type(obj)) for c in columns]
                cells = [cell(obj) for cell in cells_of]
                tds = SafeString("".join(f"<td>{as_html(c)}</td>" for c in cells))
                rows.append({"object": obj, "cells": cells, "tds": tds})
            self._rows = rows
        return self._rows

    def headers(self) -> list[dict[str, Any]]:
        headers = []
        for column in self.visible_columns:
            entry: dict[str, Any] = {"label": column.label, "key": column.key, "url": None, "direction": ""}
            if column.sort:
                current = self.sort.lstrip("-") == column.sort
                descending = self.sort.startswith("-")
                next_sort = column.sort if current and descending else f"-{column.sort}"
                if not current:
                    next_sort = column.sort if column.sort in ("name", "company") else f"-{column.sort}"
                entry["url"] = self.querystring(sort=next_sort, page=None)
                entry["direction"] = ("desc" if descending else "asc") if current else ""
            headers.append(entry)
        return headers

    def querystring(self, **changes: Any) -> str:
        params = self.request.GET.copy()
        for name, value in changes.items():
            if value is None:
                params.pop(name, None)
            else:
                params[name] = value
        return "?" + urlencode(sorted(params.lists()), doseq=True)

    def page_url(self, number: int) -> str:
        return self.querystring(page=number)

    @property
    def previous_url(self) -> str | None:
        return self.page_url(self.page.previous_page_number()) if self.page.has_previous() else None

    @property
    def next_url(self) -> str | None:
        return self.page_url(self.page.next_page_number()) if self.page.has_next() else None


_FIELD_DISPLAYS = (Model._get_FIELD_display, ChoiceLabels._get_FIELD_display)


class _PanelStore:
    """Filter panels kept per process (a few hundred, the oldest dropped first), all dropped when the reference
    token changes."""

    LIMIT = 300

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._token: str | None = None
        self._panels: OrderedDict[Any, str] = OrderedDict()
        self._uncachable: set[Any] = set()

    def get(self, token: str, key: Any, render: Callable[[], str], cachable: Callable[[], bool]) -> str:
        with self._lock:
            if self._token != token:
                self._panels.clear()
                self._uncachable.clear()
                self._token = token
            html = self._panels.get(key)
            if html is not None:
                self._panels.move_to_end(key)
                return html
            if key[0] in self._uncachable:
                return render()
        html = render()
        keep = cachable()
        with self._lock:
            if self._token != token:
                return html
            if not keep:
                self._uncachable.add(key[0])
                return html
            self._panels[key] = html
            if len(self._panels) > self.LIMIT:
                self._panels.popitem(last=False)
        return html

    def clear(self) -> None:
        with self._lock:
            self._panels.clear()
            self._uncachable.clear()
            self._token = None


_PANELS = _PanelStore()


def kept_filter_panel(request: HttpRequest, filterset_class: Any, form: Callable[[], Any],
                      render: Callable[[], str], *, ignored: frozenset[str] = frozenset()) -> str:
    """A filter panel's HTML, kept per process while the query string sets no filter (only the `ignored`
    parameters, such as the board's pipeline): it then depends only on the filters, the language, the reference
    data (token) and the user's scope — unless the form offers choices that are not reference data (they could
    change unseen). `form` gives the filter form, asked for only when a panel is first rendered."""
    user = request.user
    token = getattr(user, "reference_token", None)
    if not token or any(name not in ignored for name in request.GET):
        return render()
    key = (filterset_class, request.path, bool(request.GET), translation.get_language(), user.pk,
           getattr(user, "role_id", None), getattr(user, "department_id", None), user.is_superuser)
    return _PANELS.get(token, key, render, lambda: _only_kept_choices(form()))


def clear_kept_panels() -> None:
    _PANELS.clear()


def _only_kept_choices(form: Any) -> bool:
    """Whether every choice the form offers is reference data (kept lists, see web.choices) or a user picker."""
    for field in form.fields.values():
        if isinstance(field, forms.ModelChoiceField) and not isinstance(field.widget, (UserPicker, forms.HiddenInput)):
            if not issubclass(field.iterator, KeptChoices):
                return False
    return True


SESSION_COLUMNS = "openfunnel_columns"


def _column_choice(request: HttpRequest, key: str) -> list[str]:
    """The columns the user chose for the list `key`: read from the preference once per session, then kept in
    the session (which every page reads anyway). Another device sees a change at its next sign-in."""
    user = request.user
    if not user.is_authenticated:
        return []
    session = getattr(request, "session", None)
    kept = session.get(SESSION_COLUMNS, {}) if session is not None else {}
    if key in kept:
        return kept[key]
    pref = Preference.objects.filter(user=user, key=f"columns:{key}").first()
    columns = list(pref.value.get("columns", [])) if pref else []
    if session is not None:
        session[SESSION_COLUMNS] = {**kept, key: columns}
    return columns


def save_column_choice(*, user: Any, key: str, columns: list[str], session: Any = None) -> None:
    """Remembers which columns `user` wants on the list page `key` (their own preference only)."""
    from openfunnel.accounts.services import preference_set

    preference_set(user=user, key=f"columns:{key}", value={"columns": columns})
    if session is not None:
        session[SESSION_COLUMNS] = {**session.get(SESSION_COLUMNS, {}), key: columns}
