"""Field-level updates with optimistic locking and the before/after diff the audit log keeps."""

from __future__ import annotations

import datetime as dt
import decimal
from typing import Any

from django.db import models
from django.utils.translation import gettext as _

from openfunnel.core.errors import Conflict


def jsonable(value: Any) -> Any:
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, decimal.Decimal):
        return f"{value:.2f}"
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, (list, tuple, set)):
        return [jsonable(v) for v in value]
    return value


def snapshot(instance: models.Model, fields: list[str]) -> dict[str, Any]:
    """The current values of `fields`, foreign keys as ids, ready to be stored as JSON."""
    values: dict[str, Any] = {}
    for name in fields:
        field = instance._meta.get_field(name)
        attname = getattr(field, "attname", name)
        values[name] = jsonable(getattr(instance, attname))
    return values


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    return {k: [before.get(k), after[k]] for k in after if before.get(k) != after[k]}


def apply_update(*, instance: models.Model, data: dict[str, Any], expected_version: int | None = None) -> dict[str, list[Any]]:
    """Sets `data` on `instance` (already locked by the caller's select_for_update) and saves only what changed.

    Raises Conflict(stale_version) when `expected_version` is given and is not the row's version.
    Returns the field-level diff {field: [before, after]}.
    """
    if expected_version is not None and getattr(instance, "version", None) != expected_version:
        raise Conflict(_("Someone else changed this record meanwhile; reload it and try again."),
                       code="stale_version", extra={"current_version": getattr(instance, "version", None)})
    fields = list(data)
    before = snapshot(instance, fields)
    for name, value in data.items():
        field = instance._meta.get_field(name)
        if field.is_relation and not isinstance(value, models.Model) and value is not None:
            setattr(instance, field.attname, value)
        else:
            setattr(instance, name, value)
    after = snapshot(instance, fields)
    changes = diff(before, after)
    if changes:
        update_fields = [instance._meta.get_field(k).name for k in changes]
        if hasattr(instance, "version"):
            instance.version += 1  # type: ignore[attr-defined]
            update_fields.append("version")
        if any(f.name == "updated_at" for f in instance._meta.fields):
            update_fields.append("updated_at")
        instance.save(update_fields=update_fields)
    return changes


def delete_or_conflict(instance: models.Model, message: Any) -> None:
    """Deletes `instance`, or raises Conflict(in_use) when other rows still refer to it.

    PostgreSQL checks foreign keys at commit (Django declares them DEFERRABLE INITIALLY DEFERRED), which
    would turn a refused delete into an error at the end of the request; the constraints are checked
    right here instead, inside a savepoint, so the caller gets a clean conflict.
    """
    from django.db import IntegrityError, connection, transaction
    from django.db.models import ProtectedError

    try:
        with transaction.atomic():
            instance.delete()
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
                    cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    except (ProtectedError, IntegrityError):
        raise Conflict(message, code="in_use") from None
