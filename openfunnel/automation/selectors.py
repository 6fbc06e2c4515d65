"""Reads of notifications: only ever the actor's own."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from openfunnel.automation.models import Notification
from openfunnel.core.api import parse_id
from openfunnel.core.errors import NotFound


def notifications_of(actor: Any) -> QuerySet[Notification]:
    """The actor's own notifications, newest first (nobody reads another user's)."""
    return Notification.objects.filter(recipient_id=actor.pk).select_related("actor")


def notification_get(*, actor: Any, id: Any) -> Notification:
    """One of the actor's own notifications; NotFound for anyone else's."""
    notification = notifications_of(actor).filter(pk=parse_id(id)).first()
    if notification is None:
        raise NotFound()
    return notification


def notifications_unread_count(actor: Any) -> int:
    return Notification.objects.filter(recipient_id=actor.pk, read_at__isnull=True).count()
