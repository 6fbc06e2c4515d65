"""Notifications: the in-app centre (and e-mail when SMTP is configured)."""

from __future__ import annotations

from collections import namedtuple
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone

from openfunnel.automation.models import Notification

# A notification as the row generators (demo, benchmark) hand it to core.bulk.RowWriter.
NotificationRow = namedtuple(
    "NotificationRow", "recipient_id kind message object_type object_id url actor_id read_at created_at")


def notification_send(*, recipient: Any, kind: str, message: str, target: Any = None, url: str = "",
                      actor: Any = None, email: bool = False) -> Notification | None:
    """Notifies `recipient` (any service may call it); nothing is sent to inactive users or to the actor."""
    if recipient is None or not recipient.is_active or (actor is not None and recipient.pk == actor.pk):
        return None
    notification = Notification.objects.create(
        recipient=recipient, kind=kind, message=str(message)[:500], url=url,
        actor=actor if actor is not None and getattr(actor, "pk", None) else None,
        object_type=target._meta.model_name if target is not None else "",
        object_id=target.pk if target is not None else None,
    )
    if email and settings.SMTP_CONFIGURED and recipient.email:
        transaction.on_commit(lambda: send_mail("OpenFunnel", str(message), None, [recipient.email],
                                                fail_silently=True))
    return notification


def notifications_mark_read(*, actor: Any, ids: list[int] | None = None) -> int:
    """Marks the actor's own notifications read (all of them when `ids` is None); returns how many."""
    rows = Notification.objects.filter(recipient=actor, read_at__isnull=True)
    if ids is not None:
        rows = rows.filter(id__in=ids)
    return rows.update(read_at=timezone.now())
