"""Keeps the user → session mapping that lets deactivation end every session at once."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out
from django.dispatch import receiver

from openfunnel.accounts.services import session_forget, session_register


@receiver(user_logged_in, dispatch_uid="openfunnel.accounts.session_register")
def remember_session(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    session = getattr(request, "session", None)
    if session is not None:
        session_register(user=user, session_key=session.session_key)


@receiver(user_logged_out, dispatch_uid="openfunnel.accounts.session_forget")
def forget_session(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    session = getattr(request, "session", None)
    if session is not None:
        session_forget(session_key=session.session_key)
