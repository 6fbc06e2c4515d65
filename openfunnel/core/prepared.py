"""Statements PostgreSQL parses and plans once per connection.

The application binds parameters on the client (Django's default with psycopg: every statement reaches the
server as plain text, parsed and planned each time). For the few statements a request runs every time with only
ids and times changing — the signed-in user, a claim's lock, checks and UPDATE — parsing and planning is most of
the server's work: the signed-in user's statement costs PostgreSQL ~0.9 ms of CPU as text and ~0.2 ms as a
prepared statement run with its generic plan (PostgreSQL plans a prepared statement for its first five runs, then
keeps a generic plan when it is no worse). `prepared_cursor()` gives a cursor that binds on the server and
prepares what it runs; psycopg keeps the prepared statements of each connection (up to 100, the least used
dropped), so a new connection simply prepares again.

Behind a connection pooler in transaction mode (PgBouncer before 1.21) a connection's prepared statements are not
kept: DATABASE_PREPARED_STATEMENTS=0 in the environment turns this off.

Only SQL whose parameters PostgreSQL can type from their place (a column compared or assigned) belongs here:
a bare `%s` in a SELECT list has no type to prepare with. Elsewhere (SQLite, or PostgreSQL configured with
server-side binding already) it is the ordinary cursor.
"""

from __future__ import annotations

import contextlib
from typing import Any

from django.conf import settings
from django.db import connections
from django.db.backends.utils import CursorDebugWrapper


def _preparing_cursor_class() -> Any:
    from django.db.backends.postgresql.base import ServerBindingCursor

    class PreparingCursor(ServerBindingCursor):  # type: ignore[misc, valid-type]
        def execute(self, query: Any, params: Any = None, *, prepare: bool | None = None, **kwargs: Any) -> Any:
            return super().execute(query, params, prepare=True if prepare is None else prepare, **kwargs)

    return PreparingCursor


_cursor_class: Any = None


class _DebugCursor(CursorDebugWrapper):
    """Logs a prepared statement's SQL with its parameters merged, as the log of every other query shows it (psycopg
    keeps no text of a statement run by its prepared name)."""

    def execute(self, sql: Any, params: Any = None) -> Any:
        with self.debug_sql(self.db.ops.compose_sql(sql, params) if params else sql, params):
            return super(CursorDebugWrapper, self).execute(sql, params)


def _prepares(connection: Any) -> bool:
    """Whether statements are prepared here: PostgreSQL, unless turned off or already bound on the server."""
    return (connection.vendor == "postgresql" and settings.DATABASE_PREPARED_STATEMENTS
            and not connection.settings_dict.get("OPTIONS", {}).get("server_side_binding"))


def _connected(connection: Any) -> Any:
    """The driver's connection, opened (or reopened after a failed health check) as Django's cursor() does."""
    connection.close_if_health_check_failed()
    connection.ensure_connection()
    return connection.connection


def pipelined(using: str = "default") -> Any:
    """A block whose statements psycopg sends without waiting for each one's answer (its pipeline mode): the
    transaction's BEGIN and statements whose results are not read go in one round trip with the next statement
    whose result is. The server still runs them one after the other, each when the one before has finished (a lock
    taken first is held when the next statement starts). Where prepared_cursor prepares; elsewhere an empty
    block."""
    connection = connections[using]
    if not _prepares(connection):
        return contextlib.nullcontext()
    return _connected(connection).pipeline()


def prepared_cursor(using: str = "default") -> Any:
    """A cursor (Django's wrapper: queries logged and errors translated as usual) whose statements PostgreSQL
    prepares on first use; the ordinary cursor on other databases."""
    global _cursor_class
    connection = connections[using]
    if not _prepares(connection):
        return connection.cursor()
    if _cursor_class is None:
        _cursor_class = _preparing_cursor_class()
    raw_connection = _connected(connection)
    if raw_connection.prepare_threshold is None:
        # Django turns psycopg's preparing off for every connection (a pooler in transaction mode would lose the
        # statements); its own cursors bind on the client and never prepare, so this enables it for ours only.
        raw_connection.prepare_threshold = 5
    with connection.wrap_database_errors:
        raw = _cursor_class(raw_connection)
    connection.validate_thread_sharing()
    return _DebugCursor(raw, connection) if connection.queries_logged else connection.make_cursor(raw)
