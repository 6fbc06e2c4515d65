"""Pagination that never counts more than it shows, and orderings that indexes can serve: the web lists and
the API lists share them.

An exact COUNT(*) over a scope of half a million customers costs more than the page itself (the database
has to visit every row in scope). Beyond `COUNT_CAP` rows the paginator stops counting: the list says
"more than 1,000 records" and pages on past the cap by asking for one row more than a page holds.
"""

from __future__ import annotations

from typing import Any

from django.core.paginator import EmptyPage, Page, Paginator
from django.db.models import F, OrderBy, QuerySet
from django.utils.functional import cached_property

COUNT_CAP = 1_000
# Past the cap a page number is taken on trust; one the database cannot offset by would be an error.
MAX_PAGE = 1_000_000


class CappedPaginator(Paginator):
    count_cap = COUNT_CAP

    @cached_property
    def _counted(self) -> int:
        rows = self.object_list
        if not isinstance(rows, QuerySet):
            return super().count
        counted_up_to = getattr(rows, "count_up_to", None)   # a scope read by branch (core.branches)
        if counted_up_to is not None:
            return counted_up_to(self.count_cap + 1)
        # SELECT COUNT(*) FROM (SELECT … LIMIT cap + 1): the database stops reading at the cap
        return rows.order_by()[: self.count_cap + 1].count()

    @cached_property
    def count(self) -> int:
        """The exact number of rows up to `count_cap`; `count_cap` itself beyond it (then `capped`)."""
        return min(self._counted, self.count_cap)

    @property
    def capped(self) -> bool:
        return self._counted > self.count_cap

    def validate_number(self, number: Any) -> int:
        try:
            return super().validate_number(number)
        except EmptyPage:
            # past the counted pages of a capped list: the page itself tells whether it has rows
            if self.capped and 1 <= int(number) <= MAX_PAGE:
                return int(number)
            raise

    def page(self, number: Any) -> Page:
        number = self.validate_number(number)
        if not self.capped:
            return super().page(number)
        bottom = (number - 1) * self.per_page
        rows = list(self.object_list[bottom: bottom + self.per_page + 1])
        if not rows and number > 1:
            raise EmptyPage(self.error_messages["no_results"])
        return CappedPage(rows[: self.per_page], number, self, more=len(rows) > self.per_page)


class CappedPage(Page):
    """A page of a list counted only up to the cap: whether there is a next page is known from its own rows."""

    def __init__(self, object_list: Any, number: int, paginator: Any, *, more: bool) -> None:
        super().__init__(object_list, number, paginator)
        self.more = more

    def has_next(self) -> bool:
        return self.more

    def next_page_number(self) -> int:
        return self.number + 1

    def end_index(self) -> int:
        return (self.number - 1) * self.paginator.per_page + len(self.object_list)


def order_by_term(model: Any, term: str) -> OrderBy:
    """"-field" / "field" (a path across relations allowed) with empty values last on every database
    (SQLite and PostgreSQL disagree by default).

    NULLS LAST is only said for a column that can be empty: "created_at DESC NULLS LAST" would keep
    PostgreSQL from reading a plain (created_at DESC) index, and a large list from its first page.
    """
    name = term.lstrip("-")
    nulls_last = True if _nullable(model, name) else None
    return F(name).desc(nulls_last=nulls_last) if term.startswith("-") else F(name).asc(nulls_last=nulls_last)


def _nullable(model: Any, path: str) -> bool:
    from django.core.exceptions import FieldDoesNotExist

    for part in path.split("__"):
        try:
            field = model._meta.get_field(part)
        except FieldDoesNotExist:
            return True  # an annotation: assume it can be empty
        if getattr(field, "null", True) or not getattr(field, "concrete", False):
            return True
        model = field.related_model
        if model is None:
            return False
    return False
