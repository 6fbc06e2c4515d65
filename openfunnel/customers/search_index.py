"""Text search on SQLite through FTS5 trigram indexes: which customers and contacts may contain a text.

The lists' search is `column LIKE '%text%'` on SQLite (icontains), a scan of a million customers and a
million and a half contacts (0.8 to 1.7 s). Two contentless FTS5 tables with the trigram tokenizer index
the searchable columns, kept by triggers. They only ever narrow: the filters keep their icontains
conditions and add "and the row is among the candidates" (`customer_ids`, `contact_ids`), so the results
are exactly those of the scan by construction, provided the candidates hold every row the conditions
match. They do:

* The trigram tokenizer folds case over all of Unicode, LIKE over ASCII only: everything LIKE matches,
  the index matches too (and a little more, which the conditions drop).
* A text of three characters or more is a phrase of trigrams, i.e. a substring (`match_expression` quotes
  it so that no input is FTS5 syntax).
* A text of one or two characters has no trigram. Every indexed value ends with two sentinel characters
  (`SENTINEL`), so every character of a value begins a trigram, and the rows holding the text are those
  having a term that begins with it: a range of the index's terms (the `_terms` fts5vocab table). The terms
  are folded by SQLite, so that path takes only texts whose folding Python knows to agree (ASCII and
  characters without case, e.g. Chinese: "张三"), and only texts that are not frequent (`DENSE`).

Triggers rather than service code keep the index, like sales.customer_copy: every writer goes through the
database. `install` runs after every `migrate` (apps.CustomersConfig) because a later migration that
rebuilds a table on SQLite drops its triggers; should any be missing, rows may have been written without
them, and the index is rebuilt from the tables. PostgreSQL has trigram GIN indexes instead (migration 0005);
a SQLite without FTS5 or the trigram tokenizer (before 3.34) keeps the scan.
"""

from __future__ import annotations

import functools
import sqlite3
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

from django.db import connection as default_connection
from django.db import transaction

SENTINEL = "\x01\x01"
# Longer searches are cut to this many characters (the filters do the same).
MAX_TEXT = 100


@dataclass(frozen=True)
class Index:
    table: str                  # the FTS5 table, rowid = the source row's id
    source: str                 # the table it indexes
    columns: tuple[str, ...]

    @property
    def terms(self) -> str:
        return f"{self.table}_terms"

    @property
    def triggers(self) -> set[str]:
        return {f"{self.table}_{event}" for event in ("insert", "update", "delete")}


CUSTOMERS = Index("customers_customer_fts", "customers_customer", ("name", "phone", "uscc", "email"))
CONTACTS = Index("customers_contact_fts", "customers_contact", ("name", "phone", "email", "title", "wechat"))
INDEXES = (CUSTOMERS, CONTACTS)


@functools.cache
def supported() -> bool:
    """Whether this Python's SQLite has FTS5 with the trigram tokenizer (3.34+)."""
    if sqlite3.sqlite_version_info < (3, 34, 0):
        return False
    probe = sqlite3.connect(":memory:")
    try:
        probe.execute("CREATE VIRTUAL TABLE temp.probe USING fts5(a, tokenize='trigram')")
        probe.execute("CREATE VIRTUAL TABLE temp.probe_terms USING fts5vocab(temp, probe, 'instance')")
    except sqlite3.Error:
        return False
    finally:
        probe.close()
    return True


def _values(index: Index, side: str) -> str:
    return ", ".join(f"{side}.{column} || char(1, 1)" for column in index.columns)


def _statements(index: Index) -> list[str]:
    columns = ", ".join(index.columns)
    delete = (f"INSERT INTO {index.table} ({index.table}, rowid, {columns}) "
              f"VALUES ('delete', OLD.id, {_values(index, 'OLD')});")
    insert = f"INSERT INTO {index.table} (rowid, {columns}) VALUES (NEW.id, {_values(index, 'NEW')});"
    changed = " OR ".join(f"OLD.{column} IS NOT NEW.{column}" for column in ("id", *index.columns))
    return [
        # columnsize=0: no ranking, so no per-row sizes to keep
        f"CREATE VIRTUAL TABLE IF NOT EXISTS {index.table} USING fts5({columns}, tokenize='trigram', "
        "content='', columnsize=0)",
        f"CREATE VIRTUAL TABLE IF NOT EXISTS {index.terms} USING fts5vocab({index.table}, 'instance')",
        f"DROP TRIGGER IF EXISTS {index.table}_insert",
        f"CREATE TRIGGER {index.table}_insert AFTER INSERT ON {index.source} BEGIN {insert} END",
        f"DROP TRIGGER IF EXISTS {index.table}_update",
        f"CREATE TRIGGER {index.table}_update AFTER UPDATE OF id, {columns} ON {index.source} "
        f"WHEN {changed} BEGIN {delete} {insert} END",
        f"DROP TRIGGER IF EXISTS {index.table}_delete",
        f"CREATE TRIGGER {index.table}_delete AFTER DELETE ON {index.source} BEGIN {delete} END",
    ]


def installed(connection: Any = default_connection) -> set[str]:
    """The names of the index's triggers present in the database."""
    from openfunnel.sales.customer_copy import installed as triggers_named

    return triggers_named(connection, like="customers_%_fts_%")


def _tables(connection: Any) -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        return {row[0] for row in cursor.fetchall()}


def install(connection: Any = default_connection) -> bool:
    """Creates the index tables when missing and (re-)creates their triggers; rebuilds an index whose table is
    new or whose triggers were missing. Nothing on another database or without FTS5 trigram. Returns whether
    the index is there."""
    if connection.vendor != "sqlite" or not supported():
        return False
    with transaction.atomic(using=connection.alias), connection.cursor() as cursor:
        tables = _tables(connection)
        present = installed(connection)
        for index in INDEXES:
            stale = index.table not in tables or not index.triggers <= present
            for statement in _statements(index):
                cursor.execute(statement)
            if stale:
                rebuild(connection, index)
    _available.add(_key(connection))
    return True


def rebuild(connection: Any = default_connection, index: Index | None = None) -> None:
    """The index from its table's rows (after a load without the triggers, or when they were missing)."""
    with connection.cursor() as cursor:
        for one in [index] if index else INDEXES:
            columns = ", ".join(one.columns)
            cursor.execute(f"INSERT INTO {one.table} ({one.table}) VALUES ('delete-all')")
            cursor.execute(f"INSERT INTO {one.table} (rowid, {columns}) "
                           f"SELECT id, {_values(one, one.source)} FROM {one.source}")


def uninstall(connection: Any = default_connection) -> None:
    with connection.cursor() as cursor:
        for index in INDEXES:
            for name in sorted(index.triggers):
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
            cursor.execute(f"DROP TABLE IF EXISTS {index.terms}")
            cursor.execute(f"DROP TABLE IF EXISTS {index.table}")
    _available.discard(_key(connection))


@contextmanager
def suspended(connection: Any = default_connection, note: Callable[[str], None] | None = None) -> Iterator[None]:
    """Without the triggers while a bulk load writes (one rebuild at the end instead of an index insertion per
    row): the benchmark's generator. `note` hears how long the rebuild took."""
    if not ready(connection):
        yield
        return
    with connection.cursor() as cursor:
        for index in INDEXES:
            for name in sorted(index.triggers):
                cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
    try:
        yield
    finally:
        started = time.monotonic()
        install(connection)   # the triggers are missing: rebuilds
        if note:
            note(f"text-search index rebuilt in {time.monotonic() - started:.1f} s")


def install_after_migrate(sender: Any, using: str = "default", **kwargs: Any) -> None:
    """Re-creates the triggers a table rebuild may have dropped (where the customers' migration made the index)."""
    from django.db import connections

    connection = connections[using]
    if connection.vendor == "sqlite" and CUSTOMERS.table in connection.introspection.table_names():
        install(connection)


# Databases (by name) known to have the index; asking sqlite_master on every search would be a query more.
_available: set[str] = set()


def _key(connection: Any) -> str:
    return str(connection.settings_dict.get("NAME"))


def ready(connection: Any = default_connection) -> bool:
    """Whether searches on this connection can use the index."""
    if connection.vendor != "sqlite" or not supported():
        return False
    key = _key(connection)
    if key in _available:
        return True
    if {CUSTOMERS.table, CONTACTS.table} <= _tables(connection):
        _available.add(key)
        return True
    return False


def match_expression(text: str, column: str | None = None) -> str:
    """`text` as one FTS5 phrase: inside double quotes (doubled within) nothing is syntax, so quotes, `*`,
    `OR`, `NEAR(` or parentheses are searched as they are."""
    phrase = '"' + text.replace('"', '""') + '"'
    return f"{{{column}}} : {phrase}" if column else phrase


def _short_range(text: str) -> tuple[str, str] | None:
    """The range of index terms beginning with a one- or two-character `text`, as SQLite folds them; None when
    Python cannot tell that folding (a character with case outside ASCII)."""
    folded = ""
    for char in text:
        if char.isascii():
            folded += char.lower()
        elif char.lower() == char == char.upper() and char.casefold() == char:
            folded += char
        else:
            return None
    following = ord(folded[-1]) + 1
    if following > 0x10FFFF or 0xD800 <= following <= 0xDFFF:
        return None
    return folded, folded[:-1] + chr(following)


# A short text found in more than one row in DENSE (by its terms' occurrences) is left to the scan: reading its
# terms costs more than the scan, which stops at the lists' count cap when matches are that frequent (scale 0.2:
# "有限", in every company name, 1,265 ms through the terms and 77 ms scanned for the administrator).
DENSE = 10
MIN_DENSE = 1000


def _cap(index: Index) -> str:
    return f"(SELECT max(coalesce(MAX(id), 0) / {DENSE}, {MIN_DENSE}) FROM {index.source})"


def _dense(ranges: list[tuple[Index, tuple[str, str]]], connection: Any) -> bool:
    """Whether any of the term ranges occurs more often than its table's cap: one query, however many ranges."""
    if not ranges:
        return False
    probes = [f"(SELECT COUNT(*) FROM (SELECT 1 FROM {index.terms} WHERE term >= %s AND term < %s "
              f"LIMIT {_cap(index)} + 1)) > {_cap(index)}" for index, _bounds in ranges]
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {' OR '.join(probes)}", [bound for _index, bounds in ranges for bound in bounds])
        return bool(cursor.fetchone()[0])


@dataclass(frozen=True)
class Part:
    sql: str                                       # selects ids
    params: list[Any]
    short: tuple[Index, tuple[str, str]] | None    # the term range read for a short text


def matching(index: Index, text: str, column: str | None = None) -> Part | None:
    """SQL selecting the ids of `index`'s rows that may contain `text` (in `column`, or in any); None when the
    index cannot tell (a text of one or two characters that `_short_range` does not take, a NUL character).
    The callers leave a short text to the scan when its terms are frequent (`_dense`)."""
    if not text or "\x00" in text:
        return None
    if len(text) >= 3:
        return Part(f"SELECT rowid FROM {index.table} WHERE {index.table} MATCH %s",
                    [match_expression(text, column)], None)
    bounds = _short_range(text)
    if bounds is None:
        return None
    sql = f"SELECT doc FROM {index.terms} WHERE term >= %s AND term < %s"
    params: list[Any] = list(bounds)
    if column:
        sql += " AND col = %s"
        params.append(column)
    return Part(sql, params, (index, bounds))


def _through(part: Part | None, sql: str) -> Part | None:
    """`part`'s ids turned into other ids by `sql` (holding `{}` where they go)."""
    return part and Part(sql.format(part.sql), part.params, part.short)


def _candidates(parts: list[Part | None], extra: tuple[str, list[Any]] | None, connection: Any) -> Any:
    if None in parts:
        return None
    known = [part for part in parts if part is not None]
    if _dense([part.short for part in known if part.short], connection):
        return None
    from django.db.models.expressions import RawSQL

    pieces = [(part.sql, part.params) for part in known] + ([extra] if extra else [])
    return RawSQL(" UNION ALL ".join(sql for sql, _params in pieces),
                  [param for _sql, params in pieces for param in params])


def customer_ids(text: str, phone_key: str = "", with_contacts: bool = True,
                 connection: Any = default_connection) -> Any:
    """The ids (an SQL expression for `pk__in`) of the customers that may contain `text` in a searchable column
    or have a contact whose name may, plus those whose phone key is `phone_key`; None to scan."""
    if not ready(connection):
        return None
    parts = [matching(CUSTOMERS, text)]
    if with_contacts:
        parts.append(_through(matching(CONTACTS, text, "name"),
                              f"SELECT customer_id FROM {CONTACTS.source} WHERE id IN ({{}})"))
    phone = (f"SELECT id FROM {CUSTOMERS.source} WHERE phone_key = %s", [phone_key]) if phone_key else None
    return _candidates(parts, phone, connection)


def contact_ids(text: str, phone_key: str = "", with_customers: bool = True,
                connection: Any = default_connection) -> Any:
    """The ids of the contacts that may contain `text` in a searchable column or whose customer's name may, plus
    those whose phone key is `phone_key`; None to scan."""
    if not ready(connection):
        return None
    parts = [matching(CONTACTS, text)]
    if with_customers:
        parts.append(_through(matching(CUSTOMERS, text, "name"),
                              f"SELECT id FROM {CONTACTS.source} WHERE customer_id IN ({{}})"))
    phone = (f"SELECT id FROM {CONTACTS.source} WHERE phone_key = %s", [phone_key]) if phone_key else None
    return _candidates(parts, phone, connection)
