from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from openfunnel.automation.selectors import notifications_of
from openfunnel.automation.services import notifications_mark_read


@login_required
def notifications(request: HttpRequest) -> HttpResponse:
    page = Paginator(notifications_of(request.user), 30).get_page(request.GET.get("page"))
    return render(request, "automation/notifications.html", {"title": _("Notifications"), "page": page})


@login_required
@require_POST
def notifications_read(request: HttpRequest) -> HttpResponse:
    notifications_mark_read(actor=request.user)
    return redirect("automation:notifications")
