"""Which browser sessions a user has, so that deactivating them ends every session at once."""

from __future__ import annotations

from importlib import import_module
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction

from openfunnel.accounts.models import UserSession


def session_register(*, user: Any, session_key: str | None) -> None:
    """Remembers that `session_key` is signed in as `user` (called on every login)."""
    if not session_key or getattr(user, "pk", None) is None:
        return
    try:
        with transaction.atomic():
            UserSession.objects.update_or_create(session_key=session_key, defaults={"user_id": user.pk})
    except IntegrityError:  # two logins racing on one key: the other one recorded it
        pass


def session_forget(*, session_key: str | None) -> None:
    """Forgets a session that ended by logging out."""
    if session_key:
        UserSession.objects.filter(session_key=session_key).delete()


def sessions_end(*, user: Any) -> int:
    """Deletes every session of `user` from the session store; returns how many there were.

    Called by user_deactivate (which holds the permission check). Even a session missed here stops
    working, because the authentication backend refuses inactive users on every request.
    """
    store = import_module(settings.SESSION_ENGINE).SessionStore
    keys = list(UserSession.objects.filter(user_id=user.pk).values_list("session_key", flat=True))
    for key in keys:
        store(session_key=key).delete()
    UserSession.objects.filter(user_id=user.pk).delete()
    return len(keys)
