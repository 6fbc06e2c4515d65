from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from openfunnel.web.choices import picker_users
from openfunnel.web.listing import save_column_choice
from openfunnel.web.search import search_all


@login_required
def home(request: HttpRequest) -> HttpResponse:
    return redirect("activities:my_day")


@login_required
def search(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "")
    groups = search_all(actor=request.user, query=query)
    return render(request, "web/search.html", {"title": _("Search"), "search_query": query, "groups": groups,
                                               "total": sum(len(hits) for _p, hits in groups)})


@login_required
@require_POST
def list_columns(request: HttpRequest) -> HttpResponse:
    key = request.POST.get("key", "")[:60]
    columns = [c[:60] for c in request.POST.getlist("columns")][:50]
    if key:
        save_column_choice(user=request.user, key=key, columns=columns, session=request.session)
    target = request.POST.get("next", "/")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = "/"
    return redirect(target)


@login_required
def user_picker(request: HttpRequest) -> HttpResponse:
    """Up to 20 users of a picker's set whose name or username contains ?q= (web.choices.UserPicker)."""
    from django.http import JsonResponse

    users = picker_users(actor=request.user, set_name=request.GET.get("set", "scope"), query=request.GET.get("q", ""))
    return JsonResponse({"results": [{"id": user.pk, "label": user.display_name} for user in users]})


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if request.path.startswith("/api/"):
        from django.http import JsonResponse

        from openfunnel.core.api import error_body

        return JsonResponse(error_body("not_found", _("Not found.")), status=404)
    return render(request, "web/error.html", {"status": 404}, status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    if request.path.startswith("/api/"):
        from django.http import JsonResponse

        from openfunnel.core.api import error_body

        return JsonResponse(error_body("server_error", _("Internal error; it has been logged.")), status=500)
    return render(request, "web/error.html", {"status": 500}, status=500)
