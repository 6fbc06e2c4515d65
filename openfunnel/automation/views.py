from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from openfunnel.automation.selectors import notification_get, notifications_of, notifications_unread_count
from openfunnel.automation.services import notifications_mark_read


@login_required
def notifications(request: HttpRequest) -> HttpResponse:
    unread_only = request.GET.get("unread") in ("1", "true")
    rows = notifications_of(request.user)
    if unread_only:
        rows = rows.filter(read_at__isnull=True)
    page = Paginator(rows, 30).get_page(request.GET.get("page"))
    return render(request, "automation/notifications.html", {
        "title": _("Notifications"), "page": page, "unread_only": unread_only,
        "unread_count": notifications_unread_count(request.user)})


@login_required
@require_POST
def notifications_read(request: HttpRequest) -> HttpResponse:
    notifications_mark_read(actor=request.user)
    return redirect("automation:notifications")


@login_required
@require_POST
def notification_open(request: HttpRequest, pk: int) -> HttpResponse:
    """Marks one of the actor's notifications read, then goes to what it is about (or back to the list)."""
    notification = notification_get(actor=request.user, id=pk)
    notifications_mark_read(actor=request.user, ids=[notification.pk])
    target = notification.url if request.POST.get("go") != "0" else ""
    if not target or not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                         require_https=request.is_secure()):
        target = request.POST.get("next") or ""
        if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
            target = ""
    return redirect(target or "automation:notifications")
