"""PostgreSQL timestamps parsed by psycopg's compiled loader.

Django registers a timestamptz loader of its own on every connection: a subclass of psycopg's pure-Python loader
that sets the time zone Django wants on each value. A subclass is not swapped for psycopg's compiled loader, so
every timestamp a page reads was parsed in Python — 50 opportunities with their customer and owner are ~750
values, 3 ms of CPU. When Django wants UTC (USE_TZ with the database's TIME_ZONE unset: the default) and the
connection's session is in UTC (Django sets it so), psycopg's compiled loader gives exactly Django's values
(aware, `datetime.timezone.utc`): that loader is used, behind a class that keeps what Django checks on it.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from psycopg import adapters, pq
from psycopg.adapt import Loader
from psycopg.types.datetime import TimestamptzLoader

_COMPILED = pq.__impl__ in ("c", "binary")


class UtcTimestamptzLoader(Loader):
    """timestamptz → an aware datetime in UTC, by the compiled loader where the session is in UTC."""

    timezone = dt.timezone.utc   # what Django's create_cursor compares with the connection's time zone

    def __init__(self, oid: int, context: Any = None) -> None:
        super().__init__(oid, context)
        connection = self.connection
        if _COMPILED and connection is not None and connection.info.timezone is dt.timezone.utc:
            # the registry hands out the compiled class for psycopg's own one; its bound `load` is called per value
            compiled = adapters.get_loader(adapters.types["timestamptz"].oid, pq.Format.TEXT)
            self.load = compiled(oid, context).load  # type: ignore[method-assign]
        else:
            self._python = TimestamptzLoader(oid, context)

    def load(self, data: Any) -> dt.datetime:
        return self._python.load(data).replace(tzinfo=dt.timezone.utc)


def use_compiled_loader(sender: Any, connection: Any, **_kwargs: Any) -> None:
    """connection_created receiver: the loader above on PostgreSQL connections whose Django time zone is UTC."""
    if connection.vendor == "postgresql" and connection.timezone is dt.timezone.utc:
        connection.connection.adapters.register_loader("timestamptz", UtcTimestamptzLoader)
