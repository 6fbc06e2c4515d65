"""Departments: a tree of named units; users belong to one, data scopes follow the tree."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from openfunnel.accounts.models import Department
from openfunnel.accounts.scope import department_subtree_ids, require_perm
from openfunnel.accounts.services._common import clean_text, resolve_ref, unknown_fields
from openfunnel.audit.services import event_record
from openfunnel.core.errors import Conflict, ValidationFailed
from openfunnel.core.records import apply_update, delete_or_conflict, snapshot

DEPARTMENT_FIELDS = ["name", "parent"]


def _duplicate_name() -> ValidationFailed:
    return ValidationFailed(fields={"name": [_("A department with this name already exists at this level.")]})


def _check_unique_name(*, name: str, parent: Department | None, exclude_id: int | None = None) -> None:
    # The database constraint does not cover top-level departments (NULL parent), so check here too.
    siblings = Department.objects.filter(parent=parent, name__iexact=name)
    if exclude_id is not None:
        siblings = siblings.exclude(pk=exclude_id)
    if siblings.exists():
        raise _duplicate_name()


@transaction.atomic
def department_create(*, actor: Any, name: str, parent: Department | int | None = None) -> Department:
    """Creates a department under `parent` (None = top level).

    Needs org.manage; raises PermissionDenied, ValidationFailed.
    """
    require_perm(actor, "org.manage")
    name = clean_text(name, field="name", max_length=100, required=True)
    parent_obj = resolve_ref(Department, parent, field="parent")
    _check_unique_name(name=name, parent=parent_obj)
    try:
        with transaction.atomic():
            department = Department.objects.create(name=name, parent=parent_obj)
    except IntegrityError:
        raise _duplicate_name() from None
    event_record(actor=actor, verb="department.created", obj=department,
                 data=snapshot(department, DEPARTMENT_FIELDS))
    return department


@transaction.atomic
def department_update(*, actor: Any, department: Department, data: dict[str, Any]) -> Department:
    """Renames or moves a department (never below itself).

    Needs org.manage; raises PermissionDenied, ValidationFailed.
    """
    require_perm(actor, "org.manage")
    unknown_fields(data, DEPARTMENT_FIELDS)
    department = Department.objects.select_for_update().get(pk=department.pk)
    data = dict(data)
    if "name" in data:
        data["name"] = clean_text(data["name"], field="name", max_length=100, required=True)
    if "parent" in data:
        parent = resolve_ref(Department, data["parent"], field="parent")
        if parent is not None and parent.pk in department_subtree_ids(department.pk):
            raise ValidationFailed(fields={"parent": [
                _("A department cannot be placed under itself or one of its sub-departments.")]})
        data["parent"] = parent
    name = data.get("name", department.name)
    parent_obj = data.get("parent", department.parent)
    _check_unique_name(name=name, parent=parent_obj, exclude_id=department.pk)
    try:
        with transaction.atomic():
            changes = apply_update(instance=department, data=data)
    except IntegrityError:
        raise _duplicate_name() from None
    if changes:
        event_record(actor=actor, verb="department.updated", obj=department, changes=changes)
    return department


@transaction.atomic
def department_delete(*, actor: Any, department: Department) -> None:
    """Deletes an empty department.

    Needs org.manage; raises PermissionDenied, Conflict(in_use) while it has users, sub-departments or
    other records pointing at it.
    """
    require_perm(actor, "org.manage")
    department = Department.objects.select_for_update().get(pk=department.pk)
    if department.users.exists():
        raise Conflict(_("This department still has users; move them to another department first."),
                       code="in_use")
    if department.children.exists():
        raise Conflict(_("This department still has sub-departments; move or delete them first."),
                       code="in_use")
    event_record(actor=actor, verb="department.deleted", obj=department,
                 data=snapshot(department, DEPARTMENT_FIELDS))
    delete_or_conflict(department, _("Other records still refer to this department; it cannot be deleted."))
