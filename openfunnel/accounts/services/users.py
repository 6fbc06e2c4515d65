"""Users: create, change, deactivate (ending their sessions and API tokens at once), reactivate."""

from __future__ import annotations

import re
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.contrib.auth.validators import UnicodeUsernameValidator
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from openfunnel.accounts.models import ApiToken, Department, Role, User
from openfunnel.accounts.scope import require_perm
from openfunnel.accounts.services._common import clean_text, resolve_ref, unknown_fields
from openfunnel.accounts.services.sessions import sessions_end
from openfunnel.audit.services import event_record
from openfunnel.core.errors import ValidationFailed
from openfunnel.core.records import apply_update, snapshot

USER_FIELDS = ["username", "password", "name", "email", "phone", "department", "role", "manager", "is_active"]
AUDITED_FIELDS = ["username", "name", "email", "phone", "department", "role", "manager", "is_active"]
PASSWORD_MAX_LENGTH = 128
_PHONE_RE = re.compile(r"^[0-9+\-() ]*$")


def _fail(field: str, message: Any) -> ValidationFailed:
    return ValidationFailed(fields={field: [message]})


def _clean_username(value: Any, *, exclude_id: int | None = None) -> str:
    username = clean_text(value, field="username", max_length=150, required=True)
    try:
        UnicodeUsernameValidator()(username)
    except DjangoValidationError:
        raise _fail("username", _("Use letters, digits and @ . + - _ only.")) from None
    taken = User.objects.filter(username__iexact=username)
    if exclude_id is not None:
        taken = taken.exclude(pk=exclude_id)
    if taken.exists():
        raise _fail("username", _("A user with this username already exists."))
    return username


def _clean_password(value: Any, *, user: User | None, field: str = "password") -> str:
    if not isinstance(value, str) or not value:
        raise _fail(field, _("This field is required."))
    if len(value) > PASSWORD_MAX_LENGTH:
        message = _("Ensure this value has at most %(max)d characters.")
        raise _fail(field, message % {"max": PASSWORD_MAX_LENGTH})
    try:
        validate_password(value, user)
    except DjangoValidationError as error:
        raise ValidationFailed(fields={field: list(error.messages)}) from None
    return value


def _clean_email(value: Any) -> str:
    email = clean_text(value, field="email", max_length=254)
    if email:
        try:
            validate_email(email)
        except DjangoValidationError:
            raise _fail("email", _("Enter a valid email address.")) from None
    return email


def _clean_phone(value: Any) -> str:
    phone = clean_text(value, field="phone", max_length=30)
    if not _PHONE_RE.match(phone):
        raise _fail("phone", _("Enter a valid phone number."))
    return phone


def _resolve_role(value: Any) -> Role | None:
    if value is None or value == "":
        return None
    if isinstance(value, Role):
        return value
    role = Role.objects.filter(code=str(value)[:50]).first() if isinstance(value, str) else None
    if role is None:
        raise _fail("role", _("Unknown role."))
    return role


def _resolve_manager(value: Any, *, user_id: int | None) -> User | None:
    manager = resolve_ref(User, value, field="manager")
    if manager is None:
        return None
    if user_id is not None and manager.pk == user_id:
        raise _fail("manager", _("A user cannot be their own manager."))
    if not manager.is_active:
        raise _fail("manager", _("Choose an active user as the manager."))
    if user_id is not None:
        # Walk up the new manager's reporting line: meeting the user again would close a loop.
        seen: set[int] = set()
        current = manager.manager_id
        while current is not None and current not in seen:
            if current == user_id:
                raise _fail("manager", _("This manager reports to the user (directly or further up); "
                                         "that would make a reporting loop."))
            seen.add(current)
            current = User.objects.filter(pk=current).values_list("manager_id", flat=True).first()
    return manager


def _clean_bool(value: Any, field: str) -> bool:
    if not isinstance(value, bool):
        raise _fail(field, _("Must be true or false."))
    return value


@transaction.atomic
def user_create(*, actor: Any, username: str, password: str, name: str = "", email: str = "", phone: str = "",
                department: Department | int | None = None, role: Role | str | None = None,
                manager: User | int | None = None, is_active: bool = True) -> User:
    """Creates a user (role given by its code).

    Needs org.manage; raises PermissionDenied, ValidationFailed.
    """
    require_perm(actor, "org.manage")
    values = {
        "username": _clean_username(username),
        "name": clean_text(name, field="name", max_length=100),
        "email": _clean_email(email),
        "phone": _clean_phone(phone),
        "department": resolve_ref(Department, department, field="department"),
        "role": _resolve_role(role),
        "manager": _resolve_manager(manager, user_id=None),
        "is_active": _clean_bool(is_active, "is_active"),
    }
    candidate = User(**values)
    _clean_password(password, user=candidate)
    candidate.set_password(password)
    try:
        with transaction.atomic():
            candidate.save()
    except IntegrityError:
        raise _fail("username", _("A user with this username already exists.")) from None
    event_record(actor=actor, verb="user.created", obj=candidate, data=snapshot(candidate, AUDITED_FIELDS))
    return candidate


@transaction.atomic
def user_update(*, actor: Any, user: User, data: dict[str, Any]) -> User:
    """Changes a user's fields; `is_active` False/True deactivates/reactivates, `password` sets a new one.

    Needs org.manage; raises PermissionDenied, ValidationFailed (a bad value, a manager loop, or
    deactivating yourself or changing your own role). The audit event never holds the password hash.
    """
    require_perm(actor, "org.manage")
    unknown_fields(data, USER_FIELDS)
    user = User.objects.select_for_update().get(pk=user.pk)
    data = dict(data)
    values: dict[str, Any] = {}
    if "username" in data:
        values["username"] = _clean_username(data["username"], exclude_id=user.pk)
    if "name" in data:
        values["name"] = clean_text(data["name"], field="name", max_length=100)
    if "email" in data:
        values["email"] = _clean_email(data["email"])
    if "phone" in data:
        values["phone"] = _clean_phone(data["phone"])
    if "department" in data:
        values["department"] = resolve_ref(Department, data["department"], field="department")
    if "role" in data:
        role = _resolve_role(data["role"])
        if user.pk == actor.pk and (role.pk if role else None) != user.role_id:
            raise _fail("role", _("You cannot change your own role."))
        values["role"] = role
    if "manager" in data:
        raw = data["manager"]
        unchanged = user.manager_id is not None and str(getattr(raw, "pk", raw)) == str(user.manager_id)
        if raw not in (None, "") and unchanged:
            values["manager"] = user.manager_id  # unchanged: a since-deactivated manager may stay
        else:
            values["manager"] = _resolve_manager(raw, user_id=user.pk)
    is_active = _clean_bool(data["is_active"], "is_active") if "is_active" in data else user.is_active
    if not is_active and user.pk == actor.pk:
        raise _fail("is_active", _("You cannot deactivate yourself."))
    new_password = _clean_password(data["password"], user=user) if "password" in data else None

    changes = apply_update(instance=user, data=values)
    if new_password is not None:
        user.set_password(new_password)
        user.save(update_fields=["password"])
    if changes or new_password is not None:
        event_record(actor=actor, verb="user.updated", obj=user, changes=changes,
                     data={"password_changed": True} if new_password is not None else {})
    if is_active != user.is_active:
        _set_active(actor=actor, user=user, active=is_active)
    return user


def _set_active(*, actor: Any, user: User, active: bool) -> User:
    # A conditional update: two admins pressing the button at once record one event.
    changed = User.objects.filter(pk=user.pk, is_active=not active).update(is_active=active)
    user.is_active = active
    data: dict[str, Any] = {}
    if not active:
        # Ended at once: tokens are deleted and sessions removed from the store; the authentication
        # backend also refuses inactive users on every request, so nothing slips through meanwhile.
        tokens, _per_model = ApiToken.objects.filter(user_id=user.pk).delete()
        data = {"tokens_revoked": tokens, "sessions_ended": sessions_end(user=user)}
    if changed:
        event_record(actor=actor, verb="user.reactivated" if active else "user.deactivated", obj=user,
                     changes={"is_active": [not active, active]}, data=data)
    return user


@transaction.atomic
def user_deactivate(*, actor: Any, user: User) -> User:
    """Deactivates a user and ends their sessions and API tokens at once; their data stays.

    Needs org.manage; raises PermissionDenied, ValidationFailed (not yourself). Idempotent.
    """
    require_perm(actor, "org.manage")
    if user.pk == actor.pk:
        raise _fail("is_active", _("You cannot deactivate yourself."))
    user = User.objects.select_for_update().get(pk=user.pk)
    return _set_active(actor=actor, user=user, active=False)


@transaction.atomic
def user_reactivate(*, actor: Any, user: User) -> User:
    """Lets a deactivated user sign in again. Needs org.manage; raises PermissionDenied. Idempotent."""
    require_perm(actor, "org.manage")
    user = User.objects.select_for_update().get(pk=user.pk)
    return _set_active(actor=actor, user=user, active=True)


@transaction.atomic
def user_password_change(*, actor: Any, current_password: str, new_password: str) -> User:
    """The actor changes their own password.

    Raises ValidationFailed (wrong current password, weak new one).
    """
    user = User.objects.select_for_update().get(pk=actor.pk)
    if not isinstance(current_password, str) or not user.check_password(current_password):
        raise _fail("current_password", _("Your current password is not correct."))
    _clean_password(new_password, user=user, field="new_password")
    user.set_password(new_password)
    user.save(update_fields=["password"])
    event_record(actor=actor, verb="user.updated", obj=user, data={"password_changed": True, "by": "self"})
    return user
