"""Roles: a set of permissions plus a data scope. Built-in roles can be edited but not deleted or re-coded."""

from __future__ import annotations

import re
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from openfunnel.accounts.models import Role
from openfunnel.accounts.permissions import DATA_SCOPES, PERMISSIONS
from openfunnel.accounts.scope import require_perm
from openfunnel.accounts.services._common import clean_text, unknown_fields
from openfunnel.audit.services import event_record
from openfunnel.core.errors import Conflict, NotFound, ValidationFailed
from openfunnel.core.records import apply_update, delete_or_conflict, snapshot

ROLE_FIELDS = ["code", "name", "data_scope", "permissions"]
_CODE_RE = re.compile(r"^[a-z0-9][a-z0-9_-]*$")


def _clean_code(value: Any) -> str:
    code = clean_text(value, field="code", max_length=50, required=True).lower()
    if not _CODE_RE.match(code):
        raise ValidationFailed(fields={"code": [_(
            "Use lowercase letters, digits, hyphens and underscores only, starting with a letter or digit.")]})
    return code


def _clean_scope(value: Any) -> str:
    if value not in {code for code, _label in DATA_SCOPES}:
        raise ValidationFailed(fields={"data_scope": [
            _("Choose one of: self, department, department_tree, all.")]})
    return str(value)


def clean_permissions(value: Any) -> list[str]:
    """The permission codes in their declared order; any unknown code is a field error."""
    if not isinstance(value, (list, tuple, set)) or not all(isinstance(v, str) for v in value):
        raise ValidationFailed(fields={"permissions": [_("Expected a list of permission codes.")]})
    unknown = sorted(set(value) - set(PERMISSIONS))
    if unknown:
        raise ValidationFailed(fields={"permissions": [
            _("Unknown permission: %(codes)s.") % {"codes": ", ".join(unknown[:10])}]})
    return [code for code in PERMISSIONS if code in set(value)]


def _check_code_free(code: str, exclude_id: int | None = None) -> None:
    taken = Role.objects.filter(code=code)
    if exclude_id is not None:
        taken = taken.exclude(pk=exclude_id)
    if taken.exists():
        raise ValidationFailed(fields={"code": [_("A role with this code already exists.")]})


@transaction.atomic
def role_create(*, actor: Any, code: str, name: str, data_scope: str = "self",
                permissions: list[str] | tuple[str, ...] = ()) -> Role:
    """Creates a custom role. Needs org.manage; raises PermissionDenied, ValidationFailed."""
    require_perm(actor, "org.manage")
    code = _clean_code(code)
    name = clean_text(name, field="name", max_length=100, required=True)
    data_scope = _clean_scope(data_scope)
    permission_list = clean_permissions(list(permissions))
    _check_code_free(code)
    try:
        with transaction.atomic():
            role = Role.objects.create(code=code, name=name, data_scope=data_scope,
                                       permissions=permission_list, is_builtin=False)
    except IntegrityError:
        raise ValidationFailed(fields={"code": [_("A role with this code already exists.")]}) from None
    event_record(actor=actor, verb="role.created", obj=role, data=snapshot(role, ROLE_FIELDS))
    return role


@transaction.atomic
def role_update(*, actor: Any, role: Role, data: dict[str, Any]) -> Role:
    """Changes a role's name, scope, permissions (and a custom role's code).

    Needs org.manage; raises PermissionDenied, ValidationFailed (a built-in role's code is fixed, and the
    administrator role keeps org.manage so that nobody locks the company out of its own settings).
    """
    require_perm(actor, "org.manage")
    unknown_fields(data, ROLE_FIELDS)
    role = Role.objects.select_for_update().get(pk=role.pk)
    data = dict(data)
    if "code" in data:
        code = _clean_code(data["code"])
        if role.is_builtin and code != role.code:
            raise ValidationFailed(fields={"code": [_("The code of a built-in role cannot be changed.")]})
        _check_code_free(code, exclude_id=role.pk)
        data["code"] = code
    if "name" in data:
        data["name"] = clean_text(data["name"], field="name", max_length=100, required=True)
    if "data_scope" in data:
        data["data_scope"] = _clean_scope(data["data_scope"])
    if "permissions" in data:
        data["permissions"] = clean_permissions(data["permissions"])
        if role.is_builtin and role.code == "admin" and "org.manage" not in data["permissions"]:
            raise ValidationFailed(fields={"permissions": [
                _("The administrator role must keep the permission to manage the organization.")]})
    try:
        with transaction.atomic():
            changes = apply_update(instance=role, data=data)
    except IntegrityError:
        raise ValidationFailed(fields={"code": [_("A role with this code already exists.")]}) from None
    if changes:
        event_record(actor=actor, verb="role.updated", obj=role, changes=changes)
    return role


@transaction.atomic
def role_delete(*, actor: Any, role: Role) -> None:
    """Deletes a custom role nobody has.

    Needs org.manage; raises PermissionDenied, Conflict(builtin | in_use).
    """
    require_perm(actor, "org.manage")
    role = Role.objects.select_for_update().get(pk=role.pk)
    if role.is_builtin:
        raise Conflict(_("Built-in roles cannot be deleted."), code="builtin")
    if role.users.exists():
        raise Conflict(_("Users still have this role; give them another role first."), code="in_use")
    event_record(actor=actor, verb="role.deleted", obj=role, data=snapshot(role, ROLE_FIELDS))
    delete_or_conflict(role, _("Other records still refer to this role; it cannot be deleted."))


@transaction.atomic
def role_permissions_set(*, actor: Any, permissions_by_role: dict[int, list[str]]) -> list[Role]:
    """Saves the permission matrix: each listed role gets exactly the given permissions, all or nothing.

    Needs org.manage; raises PermissionDenied, NotFound (no such role), ValidationFailed.
    """
    require_perm(actor, "org.manage")
    roles = {role.pk: role for role in Role.objects.filter(pk__in=list(permissions_by_role))}
    missing = set(permissions_by_role) - set(roles)
    if missing:
        raise NotFound()
    return [role_update(actor=actor, role=roles[role_id], data={"permissions": list(codes)})
            for role_id, codes in sorted(permissions_by_role.items())]
