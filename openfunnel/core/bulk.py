"""Fast row insertion for the generators (benchmark, demo): COPY on PostgreSQL, executemany on SQLite.

A generator hands over tuples in its own column order; every other column of the model gets the
field's default (so a field another app adds later is filled the way the ORM would fill it, and a
new NOT NULL field without a default stops the generator with a clear message instead of writing
wrong rows).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from django.db import connection, models


class SchemaChanged(Exception):
    """A model gained a required column the generator does not know how to fill."""


class RowWriter:
    """Writes rows of one model at a time; counts what it wrote per table."""

    def __init__(self) -> None:
        self.vendor = connection.vendor
        if self.vendor not in ("postgresql", "sqlite"):
            raise SchemaChanged(f"the bulk generators support PostgreSQL and SQLite, not {self.vendor}")
        self.rows_written = 0
        self.per_table: dict[str, int] = {}
        self._plans: dict[
            tuple[type[models.Model], tuple[str, ...]], tuple[str, tuple[Any, ...], list[Any]]
        ] = {}
        self._names: dict[tuple[type[models.Model], tuple[str, ...]], list[str]] = {}
        self._insert_selects: dict[tuple[Any, ...], tuple[str, list[int]]] = {}

    # --- planning: which columns, which defaults, which converters ---------------------------------
    def _plan(
        self, model: type[models.Model], columns: Sequence[str]
    ) -> tuple[str, tuple[Any, ...], list[Any]]:
        key = (model, tuple(columns))
        if key in self._plans:
            return self._plans[key]
        fields = {f.attname: f for f in model._meta.concrete_fields}
        unknown = [c for c in columns if c not in fields]
        if unknown:
            raise SchemaChanged(f"{model._meta.label} has no column(s) {unknown}")
        extra = [
            f
            for name, f in fields.items()
            if name not in columns
            and not (f.primary_key and f.auto_created)
            and not (f.primary_key and isinstance(f, models.AutoField))
        ]
        tail = []
        for f in extra:
            if f.has_default():
                value = f.get_default()
            elif f.null:
                value = None
            elif getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
                raise SchemaChanged(f"{model._meta.label}.{f.name}: give the time explicitly")
            elif isinstance(f, (models.CharField, models.TextField)) and f.blank:
                value = ""
            else:
                raise SchemaChanged(
                    f"{model._meta.label}.{f.name} is required and has no default: teach "
                    "the generator (openfunnel/bench/generate, openfunnel/demo) to fill it"
                )
            tail.append(self._prepare(f, value))
        names = [*columns, *(f.attname for f in extra)]
        converters = [self._converter(fields[name]) for name in names]
        table = model._meta.db_table
        quoted = ", ".join(connection.ops.quote_name(fields[n].column) for n in names)
        if self.vendor == "postgresql":
            sql = f"COPY {connection.ops.quote_name(table)} ({quoted}) FROM STDIN"
        else:
            sql = f"INSERT INTO {connection.ops.quote_name(table)} ({quoted}) VALUES ({', '.join('?' * len(names))})"
        plan = (sql, tuple(tail), converters)
        self._plans[key] = plan
        self._names[key] = names
        return plan

    def _prepare(self, field: models.Field, value: Any) -> Any:
        """A default value as the database takes it (JSON as text, everything else as is)."""
        if isinstance(field, models.JSONField):
            import json

            return json.dumps(value)
        return value

    def _converter(self, field: models.Field) -> Callable[[Any], Any] | None:
        """SQLite stores what Django's SQLite backend would: UTC text times, decimal text, 0/1."""
        if self.vendor != "sqlite":
            return None
        if isinstance(field, models.DateTimeField):
            # What connection.ops.adapt_datetimefield_value does (UTC, naive, str()), several times faster.
            utc = dt.UTC
            return lambda v: None if v is None else v.astimezone(utc).replace(tzinfo=None).isoformat(" ")
        if isinstance(field, models.DateField):
            return lambda v: None if v is None else v.isoformat()
        if isinstance(field, models.DecimalField):
            return lambda v: None if v is None else str(v)
        return None

    # --- writing -------------------------------------------------------------------------------------
    def write(
        self, model: type[models.Model], columns: Sequence[str], rows: Iterable[tuple[Any, ...]]
    ) -> int:
        """Inserts `rows` (tuples in `columns` order); returns how many."""
        sql, tail, converters = self._plan(model, columns)
        count = 0
        if self.vendor == "postgresql":
            with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
                for row in rows:
                    copy.write_row(row + tail)
                    count += 1
        else:
            active = [(i, c) for i, c in enumerate(converters) if c is not None]

            def converted() -> Iterable[tuple[Any, ...]]:
                nonlocal count
                for row in rows:
                    values = list(row + tail)
                    for index, convert in active:
                        values[index] = convert(values[index])
                    count += 1
                    yield tuple(values)

            connection.ensure_connection()
            raw = connection.connection.cursor()
            try:
                raw.executemany(sql, converted())
            finally:
                raw.close()
        self.rows_written += count
        self.per_table[model._meta.db_table] = self.per_table.get(model._meta.db_table, 0) + count
        _reference_written(model, count)
        return count

    def insert_select(self, model: type[models.Model], columns: Sequence[str], row: tuple[Any, ...], *,
                      source: str, expressions: dict[str, str]) -> tuple[str, list[Any]]:
        """`INSERT INTO <model> (...) SELECT ... FROM <source>` writing `row` (PostgreSQL), and its parameters: the
        row the way write() would, once per row of `source` (none: nothing written), except the columns named in
        `expressions`, which take that SQL expression (over `source`) instead. Every parameter is cast to its
        column's type (a parameter in a SELECT list has none of its own). Rows written this way are not counted."""
        _copy, tail, _converters = self._plan(model, columns)
        key = (model, tuple(columns), source, tuple(sorted(expressions.items())))
        kept = self._insert_selects.get(key)
        if kept is None:   # the SQL and which values are its parameters, worked out once (cast types cost ~0.1 ms)
            fields = {f.attname: f for f in model._meta.concrete_fields}
            names = self._names[(model, tuple(columns))]
            values, positions = [], []
            for position, name in enumerate(names):
                if name in expressions:
                    values.append(expressions[name])
                else:
                    values.append(f"CAST(%s AS {fields[name].cast_db_type(connection)})")
                    positions.append(position)
            quote = connection.ops.quote_name
            kept = self._insert_selects[key] = (
                f"INSERT INTO {quote(model._meta.db_table)} ({', '.join(quote(fields[n].column) for n in names)}) "
                f"SELECT {', '.join(values)} FROM {source}", positions)
        sql, positions = kept
        values = (*row, *tail)
        return sql, [values[position] for position in positions]

    def update(self, model: type[models.Model], columns: Sequence[str], rows: Iterable[tuple[Any, ...]]) -> int:
        """Sets `columns` of existing rows: each row is (id, *values in `columns` order); returns how many.

        One prepared UPDATE run for every row (Django's bulk_update builds one CASE per column and batch,
        which is slow for thousands of rows)."""
        fields = {f.attname: f for f in model._meta.concrete_fields}
        unknown = [c for c in columns if c not in fields]
        if unknown:
            raise SchemaChanged(f"{model._meta.label} has no column(s) {unknown}")
        quote = connection.ops.quote_name
        marker = "?" if self.vendor == "sqlite" else "%s"

        def placeholder(field: models.Field) -> str:
            # JSON goes as text (json.dumps below); PostgreSQL wants it cast
            return f"{marker}::jsonb" if isinstance(field, models.JSONField) and self.vendor != "sqlite" else marker

        sql = (f"UPDATE {quote(model._meta.db_table)} SET "
               f"{', '.join(f'{quote(fields[c].column)} = {placeholder(fields[c])}' for c in columns)} "
               f"WHERE id = {marker}")
        converters = [self._json if isinstance(fields[c], models.JSONField) else self._converter(fields[c])
                      for c in columns]
        params = [tuple(convert(value) if convert else value for convert, value in zip(converters, row[1:], strict=True))
                  + (row[0],) for row in rows]
        if not params:
            return 0
        connection.ensure_connection()
        raw = connection.connection.cursor()
        try:
            raw.executemany(sql, params)
        finally:
            raw.close()
        _reference_written(model, len(params))
        return len(params)

    @staticmethod
    def _json(value: Any) -> Any:
        import json

        return value if value is None or isinstance(value, str) else json.dumps(value)

    def next_id(self, model: type[models.Model]) -> int:
        """The first free id of `model`'s table (the generator assigns ids itself to link rows)."""
        table = connection.ops.quote_name(model._meta.db_table)
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT COALESCE(MAX(id), 0) FROM {table}")
            return int(cursor.fetchone()[0]) + 1

    def reset_sequences(self, models_: Iterable[type[models.Model]]) -> None:
        """After explicit ids, PostgreSQL's identity sequences must continue past them (SQLite does it itself)."""
        if self.vendor != "postgresql":
            return
        with connection.cursor() as cursor:
            for model in models_:
                table = model._meta.db_table
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence(%s, 'id'), "
                    f"GREATEST((SELECT COALESCE(MAX(id), 0) FROM {connection.ops.quote_name(table)}), 1))",
                    [table],
                )


def _reference_written(model: type[models.Model], count: int) -> None:
    """Rows written here send no signals: tell the processes' kept choice lists (web.choices) when reference data
    (levels, tags, pipelines, departments…) was among them."""
    from openfunnel.web.choices import REFERENCE_MODELS, reference_changed

    if count and model._meta.label in REFERENCE_MODELS:
        reference_changed()
