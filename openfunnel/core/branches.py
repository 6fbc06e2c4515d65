"""Pages of a list whose data scope is an OR, read one ordered branch at a time.

A scope such as "owned by one of these users, or shared with me, or lying in one of my pools" is an OR of
branches. For the first page of it in some order, SQLite gathers every row of every branch (a multi-index OR)
and sorts them all; PostgreSQL, filtered on one column and sorted on another, does much the same. Yet the
first n rows of the whole scope are among the first n rows of each branch in that order, and each branch
alone is an index range read in that order that stops after n rows.

So a slice [a:b] of an ordered `BranchedQuerySet` first reads, for each branch, the ids of its first b rows
(the queryset's own filters and order, plus the branch), and then slices the queryset restricted to those ids
exactly as before: the scope, the filters and the order still apply to the rows read, branches that overlap
(a customer both owned and shared) count once, and the answer is the plain query's, row for row.

A count capped at n (`count_up_to`, the paginator's "more than 1,000") reads the same way, in no order: if one
branch holds n rows the scope does, and if none does, the branches' rows are all the scope's rows.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connection, connections
from django.db.models import BooleanField, F, Func, OrderBy, Q, QuerySet
from django.db.models.sql.where import AND

from openfunnel.core.prefetch import PrefetchingQuerySet


class BranchedQuerySet(PrefetchingQuerySet):
    """A queryset that may be filtered by a scope whose branches are known (`filter_in_branches`)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._scope: Any = None   # the where-node filter_in_branches added
        self._branches: tuple[Q, ...] = ()
        self._walked: frozenset[str] = frozenset()

    def _clone(self) -> BranchedQuerySet:
        clone = super()._clone()
        clone._scope, clone._branches, clone._walked = self._scope, self._branches, self._walked
        return clone

    def filter_in_branches(self, scope: Q, branches: list[Q], *, walked: tuple[str, ...] = ()) -> BranchedQuerySet:
        """filter(scope), where `scope` is exactly the OR of `branches`: a slice is then read by branch.

        `walked`: orders ("-created_at") that PostgreSQL reads well without branches, walking an index of the
        whole table in that order and keeping the scope's rows (a branch read costs it a few ms more there).

        Each branch must select only rows of the scope, and together all of them: the tests of a scope check
        both (e.g. customers/tests/test_branches.py)."""
        before = len(self.query.where.children)
        clone = self.filter(scope)
        children = clone.query.where.children
        # the condition the scope added, kept to be found again (and taken out) in the branch reads
        added = children[-1] if len(children) == before + 1 else None
        clone._scope, clone._branches, clone._walked = added, tuple(branches), frozenset(walked)
        return clone

    def read_plainly(self) -> BranchedQuerySet:
        """No branch reads: for a filter so selective (a text search) that reading each branch in the list's
        order would walk far for few rows, where its own index finds them at once."""
        return self._plain()

    def __getitem__(self, k: Any) -> Any:
        if isinstance(k, slice) and self._reads_branches(k):
            within = self._within_branches(k.stop)
            if within is not None:
                return within[k]
        return super().__getitem__(k)

    def count_up_to(self, limit: int) -> int:
        """min(count(), limit), reading at most `limit` rows of each branch (in no order) rather than the
        rows of the OR, which a selective filter beside it (a level) makes the database look far for."""
        if self._has_branches():
            unscoped = self._without_scope(self._plain())
            if unscoped is not None:
                return min(self._count_union(unscoped.order_by(), limit), limit)
        return self.order_by()[:limit].count()

    def _count_union(self, unscoped: QuerySet, limit: int) -> int:
        """COUNT(*) of the UNION of each branch's first `limit` ids, every branch a subquery in FROM (SQLite
        allows no LIMIT in a member of a UNION, and an IN would cost a primary-key lookup per id); UNION, not
        UNION ALL: a customer both owned and shared counts once."""
        members, params = [], []
        for number, branch in enumerate(self._branches):
            try:
                sql, branch_params = (unscoped.filter(branch).values("pk")[:limit]
                                      .query.get_compiler(self.db).as_sql())
            except EmptyResultSet:   # e.g. the ids shared with a user who has none
                continue
            members.append(f"SELECT * FROM ({sql}) branch_{number}")
            params += branch_params
        if not members:
            return 0
        with connections[self.db].cursor() as cursor:
            cursor.execute(f"SELECT COUNT(*) FROM ({' UNION '.join(members)}) scope", params)
            return cursor.fetchone()[0]

    def _plain(self) -> BranchedQuerySet:
        plain = self._chain()
        plain._scope, plain._branches = None, ()
        return plain

    def _has_branches(self) -> bool:
        """Whether reads may go by branch: a scope of several branches, on a query not yet evaluated, sliced,
        combined or made distinct."""
        query = self.query
        return (len(self._branches) > 1 and self._result_cache is None and not query.is_sliced
                and not query.combinator and not query.distinct)

    def _reads_branches(self, k: slice) -> bool:
        return (self._has_branches() and k.step is None and isinstance(k.stop, int) and k.stop > 0
                and self.ordered
                and not (connection.vendor == "postgresql" and _first_order(self.query) in self._walked))

    def _within_branches(self, limit: int) -> QuerySet | None:
        """The queryset restricted to the ids among the first `limit` rows of each branch (without branches,
        so that slicing it is a plain slice); None when the scope is not one of the conditions every row
        meets (the query was reshaped, e.g. ORed with another): then the branches may not hold every row."""
        plain = self._plain()
        unscoped = self._without_scope(plain)
        if unscoped is None:
            return None
        parts = [unscoped.filter(branch).values("pk")[:limit] for branch in self._branches]
        if not connection.features.supports_slicing_ordering_in_compound:
            # SQLite allows no ORDER BY / LIMIT directly in a member of a UNION: each part is then an IN of the
            # branch's limited ids, at the cost of a primary-key lookup per id
            base = self.model._base_manager.using(self.db)
            parts = [base.filter(pk__in=part).order_by().values("pk") for part in parts]
        return plain.filter(pk__in=parts[0].union(*parts[1:], all=True))

    def _without_scope(self, plain: QuerySet) -> QuerySet | None:
        """`plain` without the scope's condition, for the branch reads (a branch implies the scope, and the
        OR left beside it would only mislead the planners: PostgreSQL ORs bitmaps of its redundant terms);
        None unless the scope is found as it was added, one of the conditions ANDed at the top."""
        unscoped = plain._chain()
        where = unscoped.query.where
        if self._scope is None or where.connector != AND or where.negated:
            return None
        for position, child in enumerate(where.children):
            if child == self._scope:
                del where.children[position]
                return unscoped
        return None


def _first_order(query: Any) -> str | None:
    """The query's first order term as "field" / "-field", when it is a plain column."""
    if not query.order_by:
        return None
    term = query.order_by[0]
    if isinstance(term, str):
        return term
    if isinstance(term, OrderBy) and isinstance(term.expression, F):
        return ("-" if term.descending else "") + term.expression.name
    return None


def not_for_index(condition: Q) -> Q:
    """`condition` as SQLite's planner will not pick an index for (`likely(…)`: the same truth value; a
    partial index whose WHERE it states can still be read). Its statistics are averages: the (pool, owner)
    index says 146 customers per pool and owner, hiding that a pool's unowned customers are 20,000, and a
    team's 57 owners look like 23,000 rows to sort rather than a tenth of the table to walk in the list's
    order — so SQLite would read and sort them all instead of reading an index in the list's order that
    stops at the page. PostgreSQL's estimates see both: the condition stays as it is there."""
    if connection.vendor != "sqlite":
        return condition
    return Q(Func(condition, function="likely", output_field=BooleanField()))
