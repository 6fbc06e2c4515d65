"""Reads of the audit log and the recycle bin."""

from __future__ import annotations

import heapq
from dataclasses import dataclass
from functools import cache
from typing import Any

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.db.models import QuerySet
from django.utils.text import capfirst
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from openfunnel.accounts.scope import owner_q, require_perm
from openfunnel.audit.models import Event
from openfunnel.audit.verbs import verb_label
from openfunnel.core import recycle
from openfunnel.core.api import parse_id
from openfunnel.core.errors import NotFound, ValidationFailed

# --- the audit log ----------------------------------------------------------------------------------


def events_visible_to(actor: Any) -> QuerySet[Event]:
    """Events the actor may read in the audit log. Needs audit.view (PermissionDenied otherwise).

    With the data scope "all" that is every event; a narrower scope sees what the users within it did.
    """
    require_perm(actor, "audit.view")
    return Event.objects.filter(owner_q(actor, "actor")).select_related("actor")


def event_get(*, actor: Any, id: Any) -> Event:
    """One audit event; PermissionDenied without audit.view, NotFound when missing or out of scope."""
    event = events_visible_to(actor).filter(pk=parse_id(id)).first()
    if event is None:
        raise NotFound()
    return event


def events_for_object(*, actor: Any, object_type: str, object_id: int, limit: int = 100) -> list[Event]:
    """The history of one record (newest first), described for display with audit/_history.html.

    For detail pages of any app: the caller has already checked that the actor may see the object,
    so no audit.view is needed. `object_type` is the model name (e.g. "customer").
    """
    events = list(Event.objects.filter(object_type=object_type, object_id=object_id)
                  .select_related("actor").order_by("-at", "-id")[:limit])
    return describe_events(events)


# --- describing changes for people --------------------------------------------------------------------

DATA_LABELS: dict[str, Any] = {
    "password_changed": gettext_lazy("Password changed"),
    "tokens_revoked": gettext_lazy("API tokens revoked"),
    "sessions_ended": gettext_lazy("Sessions ended"),
}


@cache
def _models_by_name() -> dict[str, type[models.Model]]:
    found: dict[str, type[models.Model]] = {}
    for model in apps.get_models():
        found.setdefault(model._meta.model_name or "", model)
    return found


@dataclass
class ChangeRow:
    field: str
    label: Any
    before: Any
    after: Any
    only_after: bool = False


def _field(model: type[models.Model] | None, name: str) -> Any:
    if model is None:
        return None
    try:
        return model._meta.get_field(name)
    except FieldDoesNotExist:  # a data key that is no field: shown by its name
        return None


def _plain(value: Any) -> Any:
    if value is None or value == "" or value == []:
        return "—"
    if value is True:
        return _("Yes")
    if value is False:
        return _("No")
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{k}: {v}" for k, v in value.items())
    return value


def describe_events(events: list[Event]) -> list[Event]:
    """Adds `label` (the verb as words) and `change_rows` (field label, before → after, references and
    choices shown by name) to each event; a few queries for the whole list, none per row."""
    wanted: dict[type[models.Model], set[Any]] = {}
    pending: list[tuple[Event, list[tuple[str, Any, Any, Any, bool]]]] = []
    for event in events:
        model = _models_by_name().get(event.object_type)
        raw: list[tuple[str, Any, Any, Any, bool]] = []
        if event.changes:
            items = [(name, pair, False) for name, pair in event.changes.items()]
        else:
            items = [(name, [None, value], True) for name, value in (event.data or {}).items()]
        for name, pair, only_after in items:
            before, after = (pair + [None, None])[:2] if isinstance(pair, list) else (None, pair)
            field = _field(model, name)
            if field is not None and field.many_to_one and field.related_model is not None:
                for value in (before, after):
                    if isinstance(value, int):
                        wanted.setdefault(field.related_model, set()).add(value)
            raw.append((name, field, before, after, only_after))
        pending.append((event, raw))  # type: ignore[arg-type]
    names: dict[type[models.Model], dict[Any, str]] = {
        model: {obj.pk: str(obj) for obj in model._base_manager.filter(pk__in=ids)}
        for model, ids in wanted.items()}
    for event, raw in pending:
        rows = []
        for name, field, before, after, only_after in raw:
            rows.append(ChangeRow(field=name, label=_label(field, name),
                                  before=_display(field, before, names), after=_display(field, after, names),
                                  only_after=only_after))
        event.label = verb_label(event.verb)  # type: ignore[attr-defined]
        event.change_rows = rows  # type: ignore[attr-defined]
    return events


def _label(field: Any, name: str) -> Any:
    if name in DATA_LABELS:
        return DATA_LABELS[name]
    verbose = getattr(field, "verbose_name", None)
    return capfirst(verbose) if verbose else name


def _display(field: Any, value: Any, names: dict[type[models.Model], dict[Any, str]]) -> Any:
    if field is not None and value is not None:
        if field.many_to_one and field.related_model is not None:
            return names.get(field.related_model, {}).get(value, f"#{value}")
        choices = dict(getattr(field, "flatchoices", None) or [])
        if choices and not isinstance(value, (list, dict)) and value in choices:
            return choices[value]
    return _plain(value)


# --- the recycle bin --------------------------------------------------------------------------------


@dataclass(frozen=True)
class RecycleItem:
    kind: str
    kind_label: Any
    id: int
    title: str
    deleted_at: Any
    deleted_by_id: int | None
    deleted_by_name: str | None


class RecycleBin:
    """Deleted rows of every registered kind, newest deletion first; sliceable and countable, so that the
    web paginator and the API pagination page through it without loading every kind in full."""

    def __init__(self, querysets: list[tuple[recycle.RecycleKind, QuerySet]]) -> None:
        self.querysets = querysets

    def count(self) -> int:
        return sum(queryset.count() for _kind, queryset in self.querysets)

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, index: Any) -> Any:
        if isinstance(index, int):
            items = self[index:index + 1]
            if not items:
                raise IndexError(index)
            return items[0]
        start, stop = index.start or 0, index.stop
        if stop is None:
            stop = self.count()
        streams = [[self._item(kind, row) for row in queryset[:stop]] for kind, queryset in self.querysets]
        merged = heapq.merge(*streams, reverse=True, key=lambda item: (
            item.deleted_at.timestamp() if item.deleted_at else 0, item.id))
        return [item for position, item in enumerate(merged) if start <= position < stop]

    @staticmethod
    def _item(kind: recycle.RecycleKind, row: Any) -> RecycleItem:
        deleted_by = getattr(row, "deleted_by", None)
        return RecycleItem(kind=kind.key, kind_label=kind.label, id=row.pk, title=str(kind.title(row))[:200],
                           deleted_at=getattr(row, "deleted_at", None),
                           deleted_by_id=getattr(row, "deleted_by_id", None),
                           deleted_by_name=getattr(deleted_by, "display_name", None) or
                           (str(deleted_by) if deleted_by else None))


def recycle_kinds() -> list[recycle.RecycleKind]:
    return sorted(recycle.KINDS.values(), key=lambda kind: kind.key)


def recycle_bin_for(*, actor: Any, kind: str | None = None) -> RecycleBin:
    """The deleted records the actor may restore. Needs recycle.manage; raises PermissionDenied,
    ValidationFailed for an unknown kind."""
    require_perm(actor, "recycle.manage")
    if kind and kind not in recycle.KINDS:
        raise ValidationFailed(fields={"kind": [_("Unknown kind of record.")]})
    querysets = []
    for registered in recycle_kinds():
        if kind and registered.key != kind:
            continue
        queryset = registered.deleted(actor)
        if _field(queryset.model, "deleted_by") is not None:
            queryset = queryset.select_related("deleted_by")
        querysets.append((registered, queryset.order_by("-deleted_at", "-pk")))
    return RecycleBin(querysets)
