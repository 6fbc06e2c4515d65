"""Writing events (every service calls `event_record` inside its own transaction); restoring from the bin."""

from __future__ import annotations

import datetime as dt
from collections import namedtuple
from typing import Any

from django.db import models, transaction

from openfunnel.accounts.scope import require_perm
from openfunnel.audit.models import Event
from openfunnel.core import recycle
from openfunnel.core.api import parse_id
from openfunnel.core.errors import NotFound
from openfunnel.core.records import jsonable


def event_record(*, actor: Any, verb: str, obj: models.Model, changes: dict[str, Any] | None = None,
                 data: dict[str, Any] | None = None, customer_id: int | None = None,
                 lead_id: int | None = None, at: dt.datetime | None = None) -> Event:
    """Records that `actor` did `verb` to `obj`; any service may call it (inside its transaction)."""
    return Event.objects.create(**event_fields(actor=actor, verb=verb, obj=obj, changes=changes, data=data,
                                               customer_id=customer_id, lead_id=lead_id, at=at))


def event_fields(*, actor: Any, verb: str, obj: models.Model, changes: dict[str, Any] | None = None,
                 data: dict[str, Any] | None = None, customer_id: int | None = None,
                 lead_id: int | None = None, at: dt.datetime | None = None) -> dict[str, Any]:
    """The column values of an event, for callers that bulk-create many at once (demo, bench)."""
    fields: dict[str, Any] = {
        "actor_id": getattr(actor, "pk", None) if actor is not None and getattr(actor, "is_authenticated", True)
        else None,
        "verb": verb,
        "object_type": obj._meta.model_name,
        "object_id": obj.pk,
        "object_repr": str(obj)[:200],
        "customer_id": customer_id,
        "lead_id": lead_id,
        "changes": jsonable(changes or {}) if not isinstance(changes, dict) else
        {k: jsonable(v) for k, v in changes.items()},
        "data": {k: jsonable(v) for k, v in (data or {}).items()},
    }
    if at is not None:
        fields["at"] = at
    return fields


# An event as the row generators (demo, benchmark) hand it to core.bulk.RowWriter: the field names are the
# columns, `changes` and `data` JSON text (encoded once by the generator, which is faster than a dict per row).
EventRow = namedtuple("EventRow", "at actor_id verb object_type object_id object_repr customer_id changes data lead_id",
                      defaults=(None,))


def event_bulk_record(rows: list[dict[str, Any]], batch_size: int = 2000) -> None:
    """Bulk insert of rows built with `event_fields` (demo and benchmark generators)."""
    Event.objects.bulk_create([Event(**row) for row in rows], batch_size=batch_size)


@transaction.atomic
def recycle_restore(*, actor: Any, kind: str, id: Any) -> Any:
    """Restores one deleted record through its kind's own restore service (which writes its event).

    Needs recycle.manage; raises PermissionDenied, NotFound (unknown kind, missing or out of scope),
    and whatever the kind raises, e.g. Conflict(duplicate) when an equal record exists meanwhile.
    """
    require_perm(actor, "recycle.manage")
    registered = recycle.KINDS.get(str(kind))
    if registered is None:
        raise NotFound()
    return registered.restore(actor=actor, id=parse_id(id))
