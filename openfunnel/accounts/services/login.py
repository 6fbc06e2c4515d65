"""Signing in, shared by the login page and the token endpoint so that both are throttled alike.

Failures are rows in the database (LoginFailure), so the limit holds across all worker processes.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

from django.conf import settings
from django.contrib.auth import authenticate
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from openfunnel.accounts.models import LoginFailure, User
from openfunnel.core.errors import DomainError


class LoginThrottled(DomainError):
    status = 429
    code = "throttled"
    default_message = gettext_lazy("Too many failed sign-in attempts. Please try again later.")


class InvalidCredentials(DomainError):
    status = 401
    code = "not_authenticated"
    default_message = gettext_lazy("The username or password is not correct.")


def _throttle_key(username: str) -> str:
    return username.strip().lower()[:150]


def _window() -> dt.timedelta:
    return dt.timedelta(seconds=settings.LOGIN_FAILURE_WINDOW_SECONDS)


def _check_throttle(*, key: str, ip: str, now: dt.datetime) -> None:
    limit = settings.LOGIN_FAILURE_LIMIT
    recent = LoginFailure.objects.filter(at__gt=now - _window())
    blocked_since: list[dt.datetime] = []
    for rows in (recent.filter(username=key), recent.filter(ip=ip) if ip else None):
        if rows is None:
            continue
        times = list(rows.order_by("-at").values_list("at", flat=True)[:limit])
        if len(times) >= limit:
            blocked_since.append(times[-1])  # the oldest of the last `limit` failures
    if blocked_since:
        retry_after = max(1, math.ceil((max(blocked_since) + _window() - now).total_seconds()))
        minutes = max(1, math.ceil(retry_after / 60))
        message = _("Too many failed sign-in attempts. Please try again in %(minutes)d minutes.")
        raise LoginThrottled(message % {"minutes": minutes}, extra={"retry_after": retry_after})


def auth_login_attempt(*, username: str, password: str, ip: str = "", request: Any = None,
                       now: dt.datetime | None = None) -> User:
    """Checks a username and password; returns the user, or raises LoginThrottled (429) while too many
    attempts failed for this username or IP within the window, or InvalidCredentials (401).

    Anyone may call it (it is how one becomes an actor). Deliberately not one transaction: a failure
    must stay recorded although the attempt is refused.
    """
    now = now or timezone.now()
    username = str(username or "")[:150]
    ip = str(ip or "")[:45]
    key = _throttle_key(username)
    _check_throttle(key=key, ip=ip, now=now)
    user = authenticate(request, username=username, password=str(password or "")) if username else None
    if user is None:
        LoginFailure.objects.create(username=key, ip=ip, at=now)
        # Keep the table small: rows older than the window no longer count.
        LoginFailure.objects.filter(at__lt=now - 2 * _window()).delete()
        raise InvalidCredentials()
    login_failures_clear(username=username)
    return user  # type: ignore[return-value]


def login_failures_clear(*, username: str) -> None:
    """Forgets the failed attempts of `username` (after a successful sign-in)."""
    LoginFailure.objects.filter(username=_throttle_key(username)).delete()


def client_ip(request: Any) -> str:
    """The address that counts for throttling: REMOTE_ADDR (a proxy in front should set it properly)."""
    return str(request.META.get("REMOTE_ADDR", "") or "")[:45]
