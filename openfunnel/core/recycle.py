"""The recycle bin: soft-deletable kinds register how to list and restore their deleted rows."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet


@dataclass(frozen=True)
class RecycleKind:
    key: str                                   # "customer"
    label: Any                                 # translatable plural name
    deleted: Callable[[Any], QuerySet]         # deleted(actor) -> deleted rows the actor may see
    restore: Callable[..., Any]                # restore(actor=, id=) -> restored object
    title: Callable[[Any], str] = str          # how a row is named in the bin


KINDS: dict[str, RecycleKind] = {}


def register(kind: RecycleKind) -> None:
    KINDS[kind.key] = kind
