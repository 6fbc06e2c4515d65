"""Querysets compiled to SQL once per process and run again with other ids.

Building and compiling a queryset costs Django 0.5–2 ms of Python (filters resolved, joins set up, the SELECT
list and its annotations compiled) each time, and some run on every request — the signed-in user is read by
every page and every API call. A `CompiledQuery` builds its queryset once per shape with stand-in ids,
keeps the SQL and the compiler's description of its columns, and afterwards only swaps the ids in the
parameters and turns the rows into model instances as the ORM does (select_related objects, annotations,
field converters included).

Only ids vary between runs: the builder takes ints (or lists of ints, whose length is part of the shape) and
must build the same queryset for the same shape. Anything else it reads (settings, a constant) is fixed for
the life of the process; a value that varies (the time, a search) does not belong in a compiled query.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import Model, QuerySet
from django.db.models.query import get_related_populators

from openfunnel.core.prepared import prepared_cursor

Arg = int | Sequence[int]

# Stand-ins for the ids while compiling: far outside any id the database hands out, so a parameter equal to
# one can only be that id's place in the SQL.
_STAND_IN_BASE = -7_300_000_000_000_000_000


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


class CompiledQuery:
    """`build(*ids)` compiled once per shape and alias; `.all(*ids)` / `.first(*ids)` run it with these ids."""

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
        params = list(shape.params)
        for position, argument, element in shape.slots:
            value = args[argument]
            params[position] = value if element is None else value[element]  # type: ignore[index]
        with (prepared_cursor(self.using) if self.prepared else connection.cursor()) as cursor:
            cursor.execute(shape.sql, params)
            rows = cursor.fetchall()
        if shape.converters:
            rows = list(shape.compiler.apply_converters(rows, shape.converters))
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
        stand_ins: dict[int, tuple[int, int | None]] = {}
        built_args: list[Arg] = []
        for argument, value in enumerate(args):
            if isinstance(value, (list, tuple)):
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
        slots = [(position, *stand_ins[value]) for position, value in enumerate(params)
                 if type(value) is int and value in stand_ins]
        if {(argument, element) for _p, argument, element in slots} != set(stand_ins.values()):
            # an id the ORM folded into the SQL or dropped: the SQL would not follow the ids given
            raise ValueError("CompiledQuery: every id must reach the SQL as a parameter of its own")
        select, klass_info = compiler.select, compiler.klass_info
        fields = klass_info["select_fields"]
        model_slice = slice(fields[0], fields[-1] + 1)
        return _Shape(
            sql=sql, params=params, slots=slots,
            init_list=[column[0].target.attname for column in select[model_slice]], model_slice=model_slice,
            model=klass_info["model"], populators=get_related_populators(klass_info, select, self.using),
            annotations=dict(compiler.annotation_col_map or {}),
            converters=compiler.get_converters([column[0] for column in select]), compiler=compiler)
