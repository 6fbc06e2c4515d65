"""The kanban's column totals kept as running sums (sales.models.BoardTally).

A team's board adds up every open opportunity of the pipeline it sees (75,000 rows for a 50-rep team of the
benchmark's million): read from the opportunities that is ~100 ms even as an index-only scan. Database
triggers instead write, for every change of opportunities that moves a total, minus the old contribution
and plus the new, keyed by what the scope and the columns ask (pipeline, stage, owner, the customer's owner
and pool, the week it closed): on PostgreSQL one row per key a statement moved, holding the statement's net
change (statement triggers); on SQLite, which has only row triggers, a minus row and a plus row per
opportunity. Rows are only ever inserted, so concurrent writers never wait on one another or deadlock on a
counter row; a read sums a few thousand rows; `compact` (a scheduled job) merges them per key.

`install` is idempotent and runs after every `migrate`, like sales.customer_copy.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import connection as default_connection
from django.db import transaction

TALLY = "sales_boardtally"
OPPORTUNITY = "sales_opportunity"
KEYS = "pipeline_id, stage_id, owner_id, customer_owner_id, customer_pool_id, closed_week"
COLUMNS = f"{KEYS}, n, amount, weighted"


def week_start(moment: dt.datetime) -> dt.datetime:
    """Monday 00:00 UTC of the moment's week: the closed columns' window starts on a week's first moment, so
    that the tally's weeks hold exactly the deals the window shows."""
    day = moment.astimezone(dt.timezone.utc).date()
    monday = day - dt.timedelta(days=day.weekday())
    return dt.datetime.combine(monday, dt.time.min, tzinfo=dt.timezone.utc)


def _contribution(side: str, sign: str, vendor: str) -> list[str]:
    """The column values of one opportunity's contribution (`side` OLD, NEW or a table alias; `sign` '' or
    '-'). The pool counts for a pool customer only (an owned customer's pool is the one whose rules govern
    it, which is not part of the scope)."""
    week = (f"date_trunc('week', {side}.closed_at AT TIME ZONE 'UTC')::date" if vendor == "postgresql"
            else f"date({side}.closed_at, '-6 days', 'weekday 1')")
    return [f"{side}.pipeline_id", f"{side}.stage_id", f"{side}.owner_id", f"{side}.customer_owner_id",
            f"CASE WHEN {side}.customer_owner_id IS NULL THEN {side}.customer_pool_id END", week,
            f"{sign}1", f"{sign}{side}.amount", f"{sign}({side}.amount * {side}.probability / 100.0)"]


def _row(side: str, sign: str, vendor: str) -> str:
    return ", ".join(_contribution(side, sign, vendor))


def _live(side: str) -> str:
    return f"{side}.deleted_at IS NULL AND NOT {side}.customer_deleted"


_MOVED = ("pipeline_id", "stage_id", "owner_id", "customer_owner_id", "customer_pool_id", "closed_at", "amount",
          "probability", "deleted_at", "customer_deleted")


def _named(side: str, sign: str, vendor: str) -> str:
    """_row with the tally's column names, for a SELECT that is grouped per key."""
    return ", ".join(f"{value} AS {name}" for value, name in
                     zip(_contribution(side, sign, vendor), COLUMNS.split(", "), strict=True))


# PostgreSQL: statement triggers with transition tables (one trigger per event, as PostgreSQL requires). A
# statement's minus rows (from the old rows) and plus rows (from the new ones) are summed per key and only the
# keys whose sums moved are written: at most one row per key whatever the statement's size, none for rows
# whose contribution did not change (the row triggers' WHEN), and one INSERT per statement instead of two per
# row — the reclaim's UPDATE of a batch's opportunities (customer_copy) is one trigger call.
_OLD, _NEW = "board_tally_old", "board_tally_new"


def _statement_changes(vendor: str) -> str:
    minus = f"SELECT {_named('o', '-', vendor)} FROM {_OLD} o WHERE {_live('o')}"
    plus = f"SELECT {_named('o', '', vendor)} FROM {_NEW} o WHERE {_live('o')}"
    return "\n".join([
        "IF TG_OP = 'INSERT' THEN",
        f"    INSERT INTO {TALLY} ({COLUMNS}) {_grouped(f'({plus}) AS c')};",
        "ELSIF TG_OP = 'UPDATE' THEN",
        f"    INSERT INTO {TALLY} ({COLUMNS}) {_grouped(f'({minus} UNION ALL {plus}) AS c')};",
        "ELSE",
        f"    INSERT INTO {TALLY} ({COLUMNS}) {_grouped(f'({minus}) AS c')};",
        "END IF;",
    ])


def _statements(vendor: str) -> list[str]:
    if vendor == "postgresql":
        tables = {"insert": f"NEW TABLE AS {_NEW}", "update": f"OLD TABLE AS {_OLD} NEW TABLE AS {_NEW}",
                  "delete": f"OLD TABLE AS {_OLD}"}
        function = "CREATE OR REPLACE FUNCTION sales_board_tally() RETURNS trigger LANGUAGE plpgsql AS $$"
        statements = [f"""{function}
BEGIN
{_statement_changes(vendor)}
    RETURN NULL;
END $$"""]
        for event, referencing in tables.items():
            statements += [
                f"DROP TRIGGER IF EXISTS sales_board_tally_{event} ON {OPPORTUNITY}",
                f"CREATE TRIGGER sales_board_tally_{event} AFTER {event.upper()} ON {OPPORTUNITY} "
                f"REFERENCING {referencing} FOR EACH STATEMENT EXECUTE FUNCTION sales_board_tally()"]
        return statements
    moved = " OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in _MOVED)
    # The board index in the form SQLite can read in the board's order (no NULLS LAST, no INCLUDE: the "no
    # date" flag and the scope's columns are keys; sales.selectors.board_order) — a column's first cards then
    # stop at the cap instead of sorting the stage.
    board_index = (f"CREATE INDEX IF NOT EXISTS opp_board_sqlite ON {OPPORTUNITY} (pipeline_id, stage_id, "
                   "closed_at DESC, expected_close_date IS NULL, expected_close_date, id DESC, owner_id, "
                   "customer_owner_id, customer_pool_id, customer_id) "
                   "WHERE deleted_at IS NULL AND NOT customer_deleted")
    minus = f"INSERT INTO {TALLY} ({COLUMNS}) SELECT {_row('OLD', '-', vendor)} WHERE {_live('OLD')};"
    plus = f"INSERT INTO {TALLY} ({COLUMNS}) SELECT {_row('NEW', '', vendor)} WHERE {_live('NEW')};"
    return [
        "DROP TRIGGER IF EXISTS sales_board_tally_insert",
        f"CREATE TRIGGER sales_board_tally_insert AFTER INSERT ON {OPPORTUNITY} BEGIN {plus} END",
        "DROP TRIGGER IF EXISTS sales_board_tally_update",
        f"CREATE TRIGGER sales_board_tally_update AFTER UPDATE ON {OPPORTUNITY} WHEN {moved} "
        f"BEGIN {minus} {plus} END",
        "DROP TRIGGER IF EXISTS sales_board_tally_delete",
        f"CREATE TRIGGER sales_board_tally_delete AFTER DELETE ON {OPPORTUNITY} BEGIN {minus} END",
        board_index,
    ]


def install(connection: Any = default_connection) -> None:
    """Creates (or re-creates) the triggers that keep the tally, in one transaction: no write slips between the
    old triggers' drop and the new ones (DDL is transactional on both databases)."""
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        for statement in _statements(connection.vendor):
            cursor.execute(statement)


def installed(connection: Any = default_connection) -> set[str]:
    from openfunnel.sales.customer_copy import installed as triggers_named

    return triggers_named(connection, like="%board_tally%")


def _grouped(source: str) -> str:
    """Per key, the sums of `source` (a table of tally rows, or the opportunities' contributions)."""
    return (f"SELECT {KEYS}, SUM(n), SUM(amount), SUM(weighted) FROM {source} GROUP BY {KEYS} "
            "HAVING SUM(n) <> 0 OR SUM(amount) <> 0 OR SUM(weighted) <> 0")


def rebuild(connection: Any = default_connection) -> int:
    """The tally from the opportunities themselves: after a load that skipped the triggers (the benchmark's
    COPY) and when the table is created. Returns the keys written."""
    contributions = f"(SELECT {_named('o', '', connection.vendor)} FROM {OPPORTUNITY} o WHERE {_live('o')}) AS c"
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {TALLY}")
        cursor.execute(f"INSERT INTO {TALLY} ({COLUMNS}) {_grouped(contributions)}")
        return cursor.rowcount


def compact(connection: Any = default_connection) -> int:
    """Merges the rows of each key that has several into one (keys summing to nothing go), leaving the keys that
    did not change alone. The rows deleted are exactly those summed — by id, on PostgreSQL in one statement — so
    rows that concurrent transactions commit meanwhile stay as they are (SQLite has one writer at a time).
    Returns the rows merged away."""
    def several(last: str = "") -> str:
        """The ids of the rows whose key has more than one (a window per key: NULLs group together)."""
        upto = f"WHERE id <= {last}" if last else ""
        return (f"SELECT id FROM (SELECT id, COUNT(*) OVER (PARTITION BY {KEYS}) AS rows_of_key FROM {TALLY} {upto}) "
                "k WHERE rows_of_key > 1")

    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT pg_try_advisory_xact_lock(hashtext('sales.board_tally.compact'))")
            if not cursor.fetchone()[0]:
                return 0   # another worker is at it
            cursor.execute(
                f"WITH gone AS (DELETE FROM {TALLY} WHERE id IN ({several()}) RETURNING {COLUMNS}), "
                f"kept AS (INSERT INTO {TALLY} ({COLUMNS}) {_grouped('gone')} RETURNING 1) "
                "SELECT (SELECT COUNT(*) FROM gone) - (SELECT COUNT(*) FROM kept)")
            return int(cursor.fetchone()[0] or 0)
        cursor.execute(f"SELECT MAX(id) FROM {TALLY}")
        last = cursor.fetchone()[0]
        if not last:
            return 0
        ids = several(str(int(last)))
        cursor.execute(f"INSERT INTO {TALLY} ({COLUMNS}) "
                       f"{_grouped(f'(SELECT * FROM {TALLY} WHERE id IN ({ids})) AS t')}")
        kept = cursor.rowcount
        cursor.execute(f"DELETE FROM {TALLY} WHERE id IN ({ids})")
        return cursor.rowcount - kept


def install_after_migrate(sender: Any, using: str = "default", **kwargs: Any) -> None:
    from django.db import connections

    connection = connections[using]
    tables = connection.introspection.table_names()
    if OPPORTUNITY in tables and TALLY in tables:
        install(connection)
