from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from openfunnel.web.navigation import navigation_for


def layout(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    from openfunnel.automation.models import Notification

    def unread() -> int:
        # Counted with the user (accounts.authentication) on a GET; a POST may just have marked some read.
        counted = getattr(user, "unread_notification_count", None)
        if counted is not None and request.method in ("GET", "HEAD"):
            return counted
        return Notification.objects.filter(recipient=user, read_at__isnull=True).count()

    return {"navigation": navigation_for(user, request.path), "unread_notifications": unread}
