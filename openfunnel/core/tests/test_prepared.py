"""prepared_cursor: PostgreSQL prepares a statement once per connection; answers are those of the plain cursor."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from openfunnel.accounts.models import User
from openfunnel.core.compiled import CompiledQuery
from openfunnel.core.prepared import prepared_cursor

SQL = 'SELECT username FROM "accounts_user" WHERE id = %s'


def _prepared_here() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        return [row[0] for row in cursor.fetchall()]


def test_it_answers_as_the_plain_cursor_and_is_logged(personas):
    for user in (personas.alice, personas.bob, personas.alice):
        with CaptureQueriesContext(connection) as captured, prepared_cursor() as cursor:
            cursor.execute(SQL, [user.pk])
            assert cursor.fetchall() == [(user.username,)]
        assert len(captured.captured_queries) == 1   # counted like any query (the bench and the tests count them)
        assert str(user.pk) in captured.captured_queries[0]["sql"]   # logged as text, its parameters merged


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL prepares; SQLite has the plain cursor")
def test_postgresql_prepares_it_once_per_connection(personas, settings):
    for user in (personas.alice, personas.bob, personas.carol):
        with prepared_cursor() as cursor:
            cursor.execute(SQL, [user.pk])
    assert sum('FROM "accounts_user" WHERE id = $1' in s for s in _prepared_here()) == 1
    settings.DATABASE_PREPARED_STATEMENTS = False   # behind a pooler in transaction mode: nothing prepared
    with prepared_cursor() as cursor:
        cursor.execute('SELECT email FROM "accounts_user" WHERE id = %s', [personas.bob.pk])
        assert cursor.fetchall() == [(personas.bob.email,)]
    assert not any("SELECT email" in s for s in _prepared_here())


@pytest.mark.skipif(connection.vendor != "postgresql", reason="PostgreSQL prepares; SQLite has the plain cursor")
def test_a_prepared_compiled_query_is_prepared(personas):
    compiled = CompiledQuery(lambda user_id: User.objects.filter(pk=user_id).only("id", "username"), prepared=True)
    assert [u.username for u in compiled.all(personas.bob.pk)] == [personas.bob.username]
    assert [u.username for u in compiled.all(personas.alice.pk)] == [personas.alice.username]
    assert sum('"accounts_user"."username"' in s and "$1" in s for s in _prepared_here()) == 1


def test_pipelined_statements_run_in_order_and_fail_as_django_errors(personas):
    """A statement whose result is not read goes with the next one; the next one sees what it did; an error of
    the unread one reaches the caller as Django's error where the next result is read."""
    from django.db import DatabaseError, transaction

    from openfunnel.core.prepared import pipelined

    with transaction.atomic():
        with pipelined():
            with prepared_cursor() as cursor:
                cursor.execute('UPDATE "accounts_user" SET first_name = %s WHERE id = %s', ["Piped", personas.bob.pk])
            with prepared_cursor() as cursor:
                cursor.execute('SELECT first_name FROM "accounts_user" WHERE id = %s', [personas.bob.pk])
                assert cursor.fetchone() == ("Piped",)
        transaction.set_rollback(True)
    with pytest.raises(DatabaseError), transaction.atomic(), pipelined():
        with prepared_cursor() as cursor:
            cursor.execute('SELECT id FROM "no_such_table" WHERE id = %s', [personas.bob.pk])
        with prepared_cursor() as cursor:
            cursor.execute(SQL, [personas.bob.pk])
            cursor.fetchone()
    with prepared_cursor() as cursor:   # the connection goes on
        cursor.execute(SQL, [personas.bob.pk])
        assert cursor.fetchone() == (personas.bob.username,)
