"""`field__in_array=[…]`: membership in a list of ids, bound as one array parameter on PostgreSQL.

A data scope is a few lists of ids (a team's hundred owners, its pools, the actor's shares) repeated in every
read of a page; as `IN (%s, %s, …)` each id is a placeholder the ORM prepares and psycopg splits out of the
statement again — on a team's kanban ~1,000 of them. `= ANY(%s)` plans the same (PostgreSQL turns an IN list
into it) with one parameter. Other databases get the IN list.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db.models import Field, ForeignObject, Lookup


class InArray(Lookup):
    lookup_name = "in_array"
    prepare_rhs = False

    def get_prep_lookup(self) -> list[Any]:
        return [self.lhs.output_field.get_prep_value(value) for value in self.rhs if value is not None]

    def as_sql(self, compiler: Any, connection: Any) -> tuple[str, list[Any]]:
        values = self.rhs
        if not values:
            raise EmptyResultSet   # as IN () would: in an OR the branch drops, alone nothing matches
        lhs, lhs_params = self.process_lhs(compiler, connection)
        if connection.vendor == "postgresql":
            return f"{lhs} = ANY(%s::{self.lhs.output_field.db_type(connection)}[])", [*lhs_params, values]
        return f"{lhs} IN ({', '.join(['%s'] * len(values))})", [*lhs_params, *values]


Field.register_lookup(InArray)
ForeignObject.register_lookup(InArray)   # a relation's `…_id` keeps lookups of its own
