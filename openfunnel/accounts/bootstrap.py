"""Idempotent set-up of what every installation needs: the built-in roles and a first administrator."""

from __future__ import annotations

from django.db import transaction
from django.utils import translation

from openfunnel.accounts.models import Role, User
from openfunnel.accounts.permissions import BUILTIN_ROLES


def ensure_builtin_roles() -> dict[str, Role]:
    """Creates the built-in roles that are missing; an admin's later edits to them are kept."""
    roles = {}
    with translation.override("en"):
        for code, spec in BUILTIN_ROLES.items():
            roles[code], _created = Role.objects.get_or_create(
                code=code, defaults={"name": str(spec["name"]), "data_scope": spec["data_scope"],
                                     "permissions": list(spec["permissions"]), "is_builtin": True})  # type: ignore[call-overload]
    return roles


@transaction.atomic
def ensure_admin(*, username: str, password: str) -> tuple[User, bool]:
    """Creates the administrator `username`, or resets its password and role if it exists."""
    from openfunnel.audit.services import event_record

    roles = ensure_builtin_roles()
    user, created = User.objects.get_or_create(username=username, defaults={"name": username})
    user.set_password(password)
    user.role = roles["admin"]
    user.is_active = True
    user.is_staff = True
    user.save()
    if created:
        event_record(actor=None, verb="user.created", obj=user, data={"via": "createadmin"})
    return user, created
