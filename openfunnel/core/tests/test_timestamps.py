"""core.timestamps: PostgreSQL timestamps read by psycopg's compiled loader are Django's own values."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.db.backends.postgresql.psycopg_any import register_tzloader

from openfunnel.core.timestamps import UtcTimestamptzLoader

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="the loader is PostgreSQL's")

LITERALS = ["2026-11-23 06:22:22.123456+00", "2026-03-29 01:30:00+08", "1999-12-31 23:59:59.999999-05",
            "0001-01-02 00:00:00+00", "9999-12-30 23:59:59+00", "2026-10-25 02:30:00.5+01:30",
            "1970-01-01 00:00:00+00", "2000-02-29 12:00:00.000001+14"]


def _read(cursor):
    cursor.execute("SELECT " + ", ".join(f"%s::timestamptz AS t{n}" for n in range(len(LITERALS))), LITERALS)
    return cursor.fetchone()


@pytest.mark.django_db
def test_the_compiled_loader_reads_what_djangos_reads():
    with connection.cursor() as cursor:
        loader = cursor.cursor.adapters.get_loader(cursor.cursor.adapters.types["timestamptz"].oid, 0)
        assert loader is UtcTimestamptzLoader
        ours = _read(cursor)
    with connection.cursor() as cursor:
        register_tzloader(connection.timezone, cursor.cursor)   # Django's own loader, on this cursor only
        djangos = _read(cursor)
    assert ours == djangos
    assert all(value.tzinfo is dt.UTC for value in ours) and [v.tzinfo for v in djangos] == [v.tzinfo for v in ours]
    assert ours[0] == dt.datetime(2026, 11, 23, 6, 22, 22, 123456, tzinfo=dt.UTC)


@pytest.mark.django_db
def test_a_session_in_another_time_zone_reads_as_djangos_loader_does():
    """Not the compiled loader then (its values would be in the session's zone): Django's reading, value for value."""
    found = []
    for django_loader in (False, True):
        with connection.cursor() as cursor:
            if django_loader:
                register_tzloader(connection.timezone, cursor.cursor)
            cursor.execute("SET TIME ZONE 'Asia/Shanghai'")
            try:
                found.append(_read(cursor))
            finally:
                cursor.execute("SET TIME ZONE 'UTC'")
    assert found[0] == found[1]
    assert all(value.tzinfo is dt.UTC for value in found[0])
