"""Pages of the audit log and the recycle bin: thin adapters over the selectors and services of the API."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.timezone import localtime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from openfunnel.audit import selectors, services
from openfunnel.audit.filters import EventFilter
from openfunnel.audit.models import Event
from openfunnel.core.errors import DomainError
from openfunnel.web.listing import Column, ListPage


def _object_cell(event: Event) -> Any:
    return format_html('<span class="badge badge-gray">{}</span> {} <span class="muted small">#{}</span>',
                       event.object_type, event.object_repr, event.object_id)


def _changes_cell(event: Event) -> Any:
    return mark_safe(render_to_string("audit/_changes.html", {"event": event}))  # the template escapes


EVENT_COLUMNS = [
    Column("at", gettext_lazy("Time"), sort="at", render=lambda e: localtime(e.at)),
    Column("actor", gettext_lazy("Who"), render=lambda e: e.actor.display_name if e.actor else _("System")),
    Column("verb", gettext_lazy("Action"), render=lambda e: e.label),
    Column("object", gettext_lazy("Record"), render=_object_cell),
    Column("changes", gettext_lazy("Changes"), render=_changes_cell),
]


@login_required
def audit_log(request: HttpRequest) -> HttpResponse:
    page = ListPage(request, selectors.events_visible_to(request.user), columns=EVENT_COLUMNS, key="audit",
                    filterset_class=EventFilter, default_sort="-at", page_size=50)
    selectors.describe_events(list(page.page.object_list))  # labels and names for the whole page at once
    return render(request, "web/list_page.html", {"page": page, "title": _("Audit log"),
                                                  "subtitle": _("Every change: who, when, which record, "
                                                                "and each field before and after.")})


@login_required
def recycle_bin(request: HttpRequest) -> HttpResponse:
    kind = request.GET.get("kind", "")[:50] or None
    if kind not in {k.key for k in selectors.recycle_kinds()}:
        kind = None
    items = selectors.recycle_bin_for(actor=request.user, kind=kind)
    paginator = Paginator(items, 25)  # type: ignore[arg-type]
    page = paginator.get_page(request.GET.get("page"))
    return render(request, "audit/recycle_bin.html", {
        "title": _("Recycle bin"), "page": page, "kinds": selectors.recycle_kinds(), "kind": kind})


@login_required
@require_POST
def recycle_restore(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    try:
        restored = services.recycle_restore(actor=request.user, kind=kind, id=pk)
    except DomainError as error:
        if error.status in (403, 404):
            raise
        details = [str(m) for field_messages in error.fields.values() for m in field_messages]
        messages.error(request, " ".join([str(error.message), *details]))
    else:
        messages.success(request, _("“%(title)s” was restored.") % {"title": restored})
    return redirect("audit:recycle_bin")
