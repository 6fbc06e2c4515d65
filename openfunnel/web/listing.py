"""List pages: filters (the same django-filter FilterSet the API uses), sorting, pagination and the
columns each user chose to see, saved as a preference.

A view builds a `ListPage` from a scoped queryset and renders `web/list_page.html` (or includes
`web/_list_table.html` in its own template)::

    page = ListPage(request, customers_visible_to(request.user), columns=CUSTOMER_COLUMNS,
                    filterset_class=CustomerFilter, key="customers", default_sort="-id")
    return render(request, "web/list_page.html", {"page": page, "title": _("Customers")})
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from django.core.paginator import EmptyPage, PageNotAnInteger
from django.db.models import QuerySet
from django.http import HttpRequest
from django.template.defaultfilters import date as date_filter
from django.utils.html import format_html
from django.utils.timezone import is_aware, localtime
from django.utils.safestring import SafeString

from openfunnel.accounts.models import Preference
from openfunnel.core.pagination import CappedPaginator, order_by_term
from openfunnel.web.choices import lighten_form


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
        if self.render is not None:
            value = self.render(row)
        else:
            display = getattr(row, f"get_{self.key}_display", None)
            value = display() if callable(display) else _resolve(row, self.key)
        if value is None or value == "":
            value = "—"
        elif hasattr(value, "strftime") and not isinstance(value, SafeString):
            if hasattr(value, "hour"):
                value = date_filter(localtime(value) if is_aware(value) else value, "Y-m-d H:i")
            else:
                value = date_filter(value, "Y-m-d")
        if self.link and hasattr(row, "get_absolute_url"):
            return format_html('<a href="{}">{}</a>', row.get_absolute_url(), value)
        return value


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
    filterset: Any = field(init=False, default=None)

    def __post_init__(self) -> None:
        queryset = self.queryset
        if self.filterset_class is not None:
            self.filterset = self.filterset_class(self.request.GET or None, queryset=queryset,
                                                  request=self.request)
            lighten_form(self.filterset.form, self.request.user, default_picker="scope")
            # Invalid filter values are shown as form errors; the list then stays unfiltered.
            if self.filterset.is_bound and self.filterset.is_valid():
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
        columns = self.visible_columns
        return [{"object": obj, "cells": [c.cell(obj) for c in columns]} for obj in self.page.object_list]

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
