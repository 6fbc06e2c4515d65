"""RowWriter.insert_select: the rows write() would write, once per row of the source, in the source's statement."""

from __future__ import annotations

import json

import pytest
from django.db import connection
from django.utils import timezone

from openfunnel.audit.models import Event
from openfunnel.audit.services import EventRow
from openfunnel.core.bulk import RowWriter

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="INSERT … SELECT in a WITH: PostgreSQL")


def _event(personas, name: str) -> EventRow:
    return EventRow(at=timezone.now(), actor_id=personas.alice.pk, verb="test.done", object_type="user",
                    object_id=personas.bob.pk, object_repr=name, customer_id=None, changes=json.dumps({"a": [1, 2]}),
                    data=json.dumps({}), lead_id=None)


@pytest.mark.parametrize("matched", [True, False])
def test_one_row_per_source_row_and_the_expression_in_place(personas, matched):
    row = _event(personas, "ignored")
    insert, params = RowWriter().insert_select(Event, EventRow._fields, row, source="src",
                                               expressions={"object_repr": "src.name"})
    with connection.cursor() as cursor:
        cursor.execute(f"WITH src AS (SELECT id, username AS name FROM accounts_user WHERE id = %s), "
                       f"done AS ({insert}) SELECT 1", [personas.bob.pk if matched else -1, *params])
    written = list(Event.objects.filter(verb="test.done"))
    if not matched:
        assert written == []
        return
    [event] = written
    assert (event.object_repr, event.changes, event.data, event.actor_id, event.at) == (
        personas.bob.username, {"a": [1, 2]}, {}, personas.alice.pk, row.at)
    assert event.dispatched_at is None   # a column the row leaves out: its field's default, as write() gives it
