from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from openfunnel.automation.models import Notification


def notifications_of(actor: Any) -> QuerySet[Notification]:
    """The actor's own notifications, newest first (nobody reads another user's)."""
    return Notification.objects.filter(recipient_id=actor.pk).select_related("actor")
