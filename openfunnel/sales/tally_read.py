"""The SQL of a board's totals read from the kanban tally (sales.board_tally), by branch of the scope.

A team's scope is an OR of owners and member pools. Filtering the pipeline's column ranges by it read every
tally row of the pipeline to keep the scope's (20,865 for 6,293 at full scale). Read by branch instead — the
scope's owners' rows; the rows other owners hold of the scope's owners' customers; those they hold of customers in
the member pools — each branch is a range of an index keyed on it (sales.models.BoardTally: board_tally_owner,
board_tally_elsewhere), and the branches are disjoint, so their sums add up to the scope's.

Written here as SQL rather than built by the ORM: the branches make seven parts of one statement, and building and
compiling seven querysets cost the request more than the rows they saved. Lists of ids are one array parameter on
PostgreSQL (as core.lookups' `in_array`), an IN list elsewhere.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from openfunnel.sales.board_tally import TALLY

Sql = tuple[str, list[Any]]

_ELSEWHERE: dict[str, str] = {}


def _in(column: str, values: Sequence[int], vendor: str) -> Sql:
    if vendor == "postgresql":
        return f"{column} = ANY(%s::bigint[])", [list(values)]
    return f"{column} IN ({', '.join(['%s'] * len(values))})", list(values)


def condition_sql(connection: Any, q: Any) -> Sql | None:
    """A condition on tally rows (a Q) as the ORM writes it on this database; None when it holds for every row."""
    from django.core.exceptions import EmptyResultSet, FullResultSet

    from openfunnel.sales.models import BoardTally

    if not q:
        return None
    query = BoardTally.objects.filter(q).query
    try:
        sql, params = query.get_compiler(connection=connection).compile(query.where)
    except EmptyResultSet:
        return "1 = 0", []
    except FullResultSet:
        return None
    return sql, list(params)


def _elsewhere(connection: Any) -> str:
    """TALLY_ELSEWHERE as the ORM writes it on this database, compiled once: the partial index is read only by a
    query that states its condition term for term."""
    if connection.vendor not in _ELSEWHERE:
        from openfunnel.sales.models import TALLY_ELSEWHERE

        sql, params = condition_sql(connection, TALLY_ELSEWHERE)
        assert not params
        _ELSEWHERE[connection.vendor] = sql
    return _ELSEWHERE[connection.vendor]


def _and(*parts: Sql) -> Sql:
    return " AND ".join(sql for sql, _params in parts), [value for _sql, params in parts for value in params]


def branches(connection: Any, ids: Sequence[int], pools: Sequence[int]) -> list[Sql]:
    """The scope (owners `ids`, member pools `pools` whose history shows) as disjoint conditions on tally rows
    whose OR is the scope (sales.selectors._owned_scope_q)."""
    vendor = connection.vendor
    owners = _in("owner_id", ids, vendor)
    others = _and((f"NOT ({owners[0]})", owners[1]), (_elsewhere(connection), []))
    # an owned customer's row has no pool (sales.board_tally._contribution): stated, its week is in the range
    found = [owners, _and(others, _in("customer_owner_id", ids, vendor), ("customer_pool_id IS NULL", []))]
    if pools:
        found.append(_and(others, ("customer_owner_id IS NULL", []), _in("customer_pool_id", pools, vendor)))
    return found


def scope(connection: Any, ids: Sequence[int], pools: Sequence[int]) -> Sql:
    """The scope as one OR (the read the branches replace)."""
    vendor = connection.vendor
    terms = [_in("owner_id", ids, vendor), _in("customer_owner_id", ids, vendor)]
    if pools:
        terms.append(_and(("customer_owner_id IS NULL", []), _in("customer_pool_id", pools, vendor)))
    return "(" + " OR ".join(f"({sql})" for sql, _p in terms) + ")", [v for _s, params in terms for v in params]


def sums(connection: Any, *, pipeline_id: int, open_ids: list[int], closed_ids: list[int], since: dt.date,
         owners: tuple[Sequence[int], Sequence[int]] | None, condition: Sql | None) -> list[Sql]:
    """SELECTs of (stage_id, board_n, board_amount, board_weighted) — several rows per stage —
    for the open stages and the closed stages' weeks since `since`. `owners`: (owner ids, member pools) of a
    scope, None for everyone's; `condition`: the filters' condition on the owner (BoardFilter.tally_owner_q).

    A branch's open stages are its rows without a closed week: one range per owner or pool, where a range per
    owner and stage would be 57 × 7 index descents for a team. An open stage's row with a week, which the
    services never write (reopening clears closed_at), is still counted, by a read of the column index that
    finds none."""
    vendor = connection.vendor
    pipeline = ("pipeline_id = %s", [pipeline_id])
    opened, closed = _in("stage_id", open_ids, vendor), _in("stage_id", closed_ids, vendor)
    recent = ("closed_week >= %s", [since])
    # everyone's is one branch (an owner filter on it is read per owner from board_tally_owner, as a branch is).
    # SQLite reads a team's scope as one OR: its branch parts measured 74–100 → 103–139 ms for the manager's board
    # at full scale (the parts' planning and scans cost it more than the rows they save).
    if owners is None:
        found = [("1 = 1", [])]
    elif vendor == "postgresql":
        found = branches(connection, *owners)
    else:
        found = [scope(connection, *owners)]
    parts: list[Sql] = []
    if open_ids:
        parts += [_and(pipeline, opened, ("closed_week IS NULL", []), branch) for branch in found]
        everyone = ("1 = 1", []) if owners is None else scope(connection, *owners)
        parts.append(_and(pipeline, opened, ("closed_week IS NOT NULL", []), everyone))
    if closed_ids:
        parts += [_and(pipeline, closed, recent, branch) for branch in found]
    if condition is not None:
        parts = [_and(part, condition) for part in parts]
    select = "SELECT stage_id, SUM(n) AS board_n, SUM(amount) AS board_amount, SUM(weighted) AS board_weighted"
    return [(f"{select} FROM {TALLY} WHERE {sql} GROUP BY stage_id", params) for sql, params in parts]
