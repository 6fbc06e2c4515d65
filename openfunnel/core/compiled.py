"""Querysets compiled to SQL once per process and run again with other ids.

Building and compiling a queryset costs Django 0.5–2 ms of Python (filters resolved, joins set up, the SELECT
list and its annotations compiled) each time, and some run on every request — the signed-in user is read by
every page and every API call. A `CompiledQuery` builds its queryset once per shape with stand-in ids,
keeps the SQL and the compiler's description of its columns, and afterwards only swaps the ids in the
parameters and turns the rows into model instances as the ORM does (select_related objects, annotations,
field converters included).

A builder may also end in `.values(...)`, `.values_list(...)` (flat or not) or combine such querysets with `union`:
then the rows come back as the ORM's dicts or tuples (converters applied), for the small reads a request makes
before its page (the actor's shares and member pools).

Only ids and moments vary between runs: the builder takes ints (or lists of ints, whose length is part of the
shape; bound element by element, or whole as one array by `in_array`) and aware datetimes, and must build the
same queryset for the same shape. A datetime must reach the SQL as a parameter of a datetime column's lookup (or
a `Value` of one), as given: arithmetic on it in the builder (a day added) would be done on the stand-in, so
compute such moments before and pass them as arguments of their own.
Anything else the builder reads (settings, a constant) is fixed for the life of the process; a value that varies
otherwise (a search) does not belong in a compiled query.
"""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import Model, QuerySet
from django.db.models.query import (
    FlatValuesListIterable,
    ValuesIterable,
    ValuesListIterable,
    get_related_populators,
)
from django.utils import timezone

from openfunnel.core.prepared import prepared_cursor

Arg = int | Sequence[int] | dt.datetime

# Stand-ins for the ids while compiling: far outside any id the database hands out, so a parameter equal to
# one can only be that id's place in the SQL.
_STAND_IN_BASE = -7_300_000_000_000_000_000
# Stand-ins for the datetimes, a second apart: centuries before any date the data holds. The SQL gets one as itself
# (PostgreSQL) or as the backend adapts it for a datetime column (SQLite: a string in UTC).
_STAND_IN_MOMENT = dt.datetime(1111, 1, 1, tzinfo=dt.UTC)


@dataclass
class _Shape:
    sql: str | None                            # None: the queryset can hold no row (e.g. `pk__in=[]`)
    params: list[Any]
    slots: list[tuple[int, int, int | None]]   # (parameter position, argument, element of a list argument)
    init_list: list[str]
    model_slice: slice
    model: type[Model]
    populators: list[Any]
    annotations: dict[str, int]
    converters: dict[int, Any]
    compiler: Any
    adapted: list[int] = field(default_factory=list)   # positions of datetimes the SQL gets adapted (SQLite)
    moments: list[int] = field(default_factory=list)   # arguments that are datetimes (to be aware)
    typed: dict[int, type] = field(default_factory=dict)   # positions of ids the SQL gets as a typed int
    arrays: list[tuple[int, int]] = field(default_factory=list)   # (parameter position, list argument) whole
    values: str | None = None                   # rows as "dict", "tuple" or "flat" (a values queryset)
    names: list[str] = field(default_factory=list)   # the dicts' keys


class CompiledQuery:
    """`build(*args)` compiled once per shape and alias; `.all(*args)` / `.first(*args)` run it with these ids and
    datetimes."""

    def __init__(self, build: Callable[..., QuerySet[Any]], *, using: str = "default", prepared: bool = False) -> None:
        """`prepared`: PostgreSQL prepares the SQL once per connection (core.prepared), for queries run on most
        requests, whose parsing and planning would cost the server more than running them."""
        self.build = build
        self.using = using
        self.prepared = prepared
        self._shapes: dict[tuple[Any, ...], _Shape] = {}
        self._lock = threading.Lock()

    def all(self, *args: Arg) -> list[Any]:
        connection = connections[self.using]
        key = (connection.vendor, connection.settings_dict.get("NAME"),
               *(len(a) if isinstance(a, (list, tuple)) else None for a in args))
        shape = self._shapes.get(key)
        if shape is None:
            shape = self._compile(args)
            with self._lock:
                self._shapes[key] = shape
        if shape.sql is None:
            return []
        for argument in shape.moments:
            if timezone.is_naive(args[argument]):  # type: ignore[arg-type]
                raise ValueError("CompiledQuery: a datetime argument must be aware")
        params = list(shape.params)
        for position, argument, element in shape.slots:
            value = args[argument]
            params[position] = value if element is None else value[element]  # type: ignore[index]
        for position, argument in shape.arrays:
            params[position] = list(args[argument])  # type: ignore[arg-type]
        for position in shape.adapted:
            params[position] = connection.ops.adapt_datetimefield_value(params[position])
        for position, kind in shape.typed.items():
            params[position] = kind(params[position])
        with (prepared_cursor(self.using) if self.prepared else connection.cursor()) as cursor:
            cursor.execute(shape.sql, params)
            rows = cursor.fetchall()
        if shape.converters:
            rows = list(shape.compiler.apply_converters(rows, shape.converters))
        if shape.values == "tuple":
            return [tuple(row) for row in rows]
        if shape.values == "flat":
            return [row[0] for row in rows]
        if shape.values == "dict":
            names = shape.names
            return [dict(zip(names, row, strict=True)) for row in rows]
        found = []
        for row in rows:
            obj = shape.model.from_db(self.using, shape.init_list, row[shape.model_slice])
            for populator in shape.populators:
                populator.populate(row, obj)
            for name, position in shape.annotations.items():
                setattr(obj, name, row[position])
            found.append(obj)
        return found

    def first(self, *args: Arg) -> Any:
        rows = self.all(*args)
        return rows[0] if rows else None

    def _compile(self, args: Sequence[Arg]) -> _Shape:
        connection = connections[self.using]
        stand_ins: dict[int, tuple[int, int | None]] = {}
        moments: dict[Any, int] = {}   # a datetime stand-in, as itself and as adapted -> its argument
        built_args: list[Arg] = []
        for argument, value in enumerate(args):
            if isinstance(value, dt.datetime):
                moment = _STAND_IN_MOMENT + dt.timedelta(seconds=len(built_args))
                moments[moment] = moments[connection.ops.adapt_datetimefield_value(moment)] = argument
                built_args.append(moment)
            elif isinstance(value, (list, tuple)):
                ids = []
                for element in range(len(value)):
                    stand_in = _STAND_IN_BASE - len(stand_ins)
                    stand_ins[stand_in] = (argument, element)
                    ids.append(stand_in)
                built_args.append(ids)
            else:
                stand_in = _STAND_IN_BASE - len(stand_ins)
                stand_ins[stand_in] = (argument, None)
                built_args.append(stand_in)
        queryset = self.build(*built_args)
        compiler = queryset.query.get_compiler(using=self.using)
        try:
            sql, params = compiler.as_sql()
        except EmptyResultSet:
            return _Shape(sql=None, params=[], slots=[], init_list=[], model_slice=slice(0), model=queryset.model,
                          populators=[], annotations={}, converters={}, compiler=compiler)
        params = list(params)
        # An id compared with an integer column that is not a primary key reaches the SQL as the driver's typed int
        # (psycopg's Int8 on PostgreSQL): found as such, and given as such.
        slots = [(position, *stand_ins[value]) for position, value in enumerate(params)
                 if isinstance(value, int) and value in stand_ins]
        typed = {position: type(params[position]) for position, *_ in slots if type(params[position]) is not int}
        # a list argument bound whole, as one array parameter (core.lookups' `in_array` on PostgreSQL)
        arrays = [(position, stand_ins[value[0]][0]) for position, value in enumerate(params)
                  if type(value) is list and value and all(type(v) is int and v in stand_ins for v in value)
                  and [stand_ins[v] for v in value] == [(stand_ins[value[0]][0], n) for n in range(len(value))]]
        adapted = [position for position, value in enumerate(params) if type(value) is str and value in moments]
        slots += [(position, moments[value], None) for position, value in enumerate(params)
                  if type(value) is dt.datetime and value in moments]
        slots += [(position, moments[params[position]], None) for position in adapted]
        reached = {(argument, element) for _p, argument, element in slots}
        reached |= {(argument, n) for _p, argument in arrays
                    for n in range(len(args[argument]))}  # type: ignore[arg-type]
        if reached != {*stand_ins.values(), *((argument, None) for argument in moments.values())}:
            # an id or a moment the ORM folded into the SQL or dropped: the SQL would not follow the values given
            raise ValueError("CompiledQuery: every id and datetime must reach the SQL as a parameter of its own")
        select, klass_info = compiler.select, compiler.klass_info
        values = _VALUES_KINDS.get(queryset._iterable_class)
        if values is not None:
            return self._values_shape(queryset, compiler, values, sql, params, slots, adapted, moments, typed, arrays)
        if klass_info is None:
            raise ValueError("CompiledQuery: a queryset of model instances or of values")
        fields = klass_info["select_fields"]
        model_slice = slice(fields[0], fields[-1] + 1)
        return _Shape(
            sql=sql, params=params, slots=slots,
            init_list=[column[0].target.attname for column in select[model_slice]], model_slice=model_slice,
            model=klass_info["model"], populators=get_related_populators(klass_info, select, self.using),
            annotations=dict(compiler.annotation_col_map or {}),
            converters=compiler.get_converters([column[0] for column in select]), compiler=compiler,
            adapted=adapted, moments=sorted(set(moments.values())), typed=typed, arrays=arrays)

    @staticmethod
    def _values_shape(queryset: QuerySet[Any], compiler: Any, values: str, sql: str, params: list[Any],
                      slots: list[tuple[int, int, int | None]], adapted: list[int], moments: dict[Any, int],
                      typed: dict[int, type], arrays: list[tuple[int, int]]) -> _Shape:
        query = queryset.query
        names = [*query.extra_select, *query.values_select, *query.annotation_select]
        fields = list(queryset._fields or names)
        if values != "dict" and [*fields, *(name for name in query.annotation_select if name not in fields)] != names:
            # values_list() naming an annotation before a field: the ORM reorders each row; not worth a copy here
            raise ValueError("CompiledQuery: values_list() fields in the order the query selects them")
        columns = [column[0] for column in compiler.select[: compiler.col_count]]
        return _Shape(
            sql=sql, params=params, slots=slots, init_list=[], model_slice=slice(0), model=queryset.model,
            populators=[], annotations={}, converters=compiler.get_converters(columns), compiler=compiler,
            adapted=adapted, moments=sorted(set(moments.values())), typed=typed, arrays=arrays, values=values,
            names=names)


_VALUES_KINDS = {ValuesIterable: "dict", ValuesListIterable: "tuple", FlatValuesListIterable: "flat"}
