from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from openfunnel.core.api import error_body
from openfunnel.core.errors import DomainError


class ApiErrorMiddleware:
    """Domain errors escaping a plain Django view become the API's JSON error or an error page."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if not isinstance(exception, DomainError):
            return None
        if request.path.startswith("/api/"):
            return JsonResponse(error_body(exception.code, exception.message, exception.fields, **exception.extra),
                                status=exception.status)
        return render(request, "web/error.html", {"status": exception.status, "message": exception.message},
                      status=exception.status)
