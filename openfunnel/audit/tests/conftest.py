"""A recycle-bin kind of the tests' own: departments whose name starts with "Deleted" play deleted rows."""

from __future__ import annotations

from typing import Any

import pytest
from django.db.models import F

from openfunnel.accounts.models import Department
from openfunnel.core import recycle
from openfunnel.core.errors import Conflict, NotFound


@pytest.fixture
def fake_kind(monkeypatch: Any) -> dict[str, list[Any]]:
    restored: dict[str, list[Any]] = {"ids": []}

    def deleted(actor: Any) -> Any:
        return Department.objects.filter(name__startswith="Deleted").annotate(deleted_at=F("created_at"))

    def restore(*, actor: Any, id: int) -> Department:
        department = deleted(actor).filter(pk=id).first()
        if department is None:
            raise NotFound()
        if department.name.endswith("clash"):
            raise Conflict("A department with this name exists again.", code="duplicate",
                           extra={"existing": {"id": 1, "type": "department", "owner_name": None}})
        department.name = department.name.removeprefix("Deleted ")
        department.save(update_fields=["name"])
        restored["ids"].append(id)
        return department

    monkeypatch.setitem(recycle.KINDS, "fakedept", recycle.RecycleKind(
        key="fakedept", label="Fake departments", deleted=deleted, restore=restore, title=lambda d: d.name))
    return restored
