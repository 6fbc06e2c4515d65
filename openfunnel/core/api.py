"""API plumbing shared by every app: pagination, the JSON error format, strict input serializers."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.encoding import force_str
from django.utils.translation import gettext as _
from django_filters.rest_framework import DjangoFilterBackend
from rest_framework import exceptions as drf
from rest_framework import pagination, serializers
from rest_framework.response import Response
from rest_framework.views import set_rollback

from openfunnel.core.errors import DomainError, NotFound
from openfunnel.core.pagination import CappedPaginator

MAX_ID = 2**63 - 1


# Query parameters no filter set reads: the pagination's and the ordering's.
UNFILTERED_PARAMS = frozenset({"page", "page_size", "ordering"})


class FilterBackend(DjangoFilterBackend):
    """django-filter's backend, which leaves a list untouched when no query parameter can be a filter's (as the web
    lists do): building the filter set — its filters deep-copied, its form built and validated — cost a list
    3–4 ms of Python per request to filter nothing."""

    def filter_queryset(self, request: Any, queryset: Any, view: Any) -> Any:
        if request.query_params.keys() <= UNFILTERED_PARAMS:
            filterset_class = self.get_filterset_class(view, queryset)
            if filterset_class is None or not UNFILTERED_PARAMS & set(filterset_class.base_filters):
                return queryset
        return super().filter_queryset(request, queryset, view)


class Pagination(pagination.PageNumberPagination):
    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200
    django_paginator_class = CappedPaginator

    def get_page_number(self, request: Any, paginator: Any) -> Any:
        # A garbled page number reads as the first page rather than an error.
        value = request.query_params.get(self.page_query_param, 1)
        return value if str(value).isdigit() else 1

    def paginate_queryset(self, queryset: Any, request: Any, view: Any = None) -> Any:
        try:
            return super().paginate_queryset(queryset, request, view)
        except drf.NotFound:
            raise NotFound(_("That page does not exist.")) from None

    def get_paginated_response(self, data: Any) -> Response:
        body = {"count": self.page.paginator.count, "next": self.get_next_link(),
                "previous": self.get_previous_link(), "results": data}
        if getattr(self.page.paginator, "capped", False):
            del body["count"]  # API.md: "count may be omitted on very large tables"
        return Response(body)

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        return {"type": "object", "required": ["results", "next"], "properties": {
            "count": {"type": "integer"}, "next": {"type": "string", "nullable": True},
            "previous": {"type": "string", "nullable": True}, "results": schema}}


def parse_id(value: Any) -> int:
    """An id from a URL or payload; anything that is not a sane positive integer is simply missing."""
    try:
        number = int(str(value))
    except (TypeError, ValueError):
        raise NotFound() from None
    if number <= 0 or number > MAX_ID:
        raise NotFound()
    return number


def error_body(code: str, message: Any, fields: dict[str, Any] | None = None, **extra: Any) -> dict[str, Any]:
    error: dict[str, Any] = {"code": code, "message": force_str(message)}
    if fields:
        error["fields"] = _stringify(fields)
    error.update(extra)
    return {"error": error}


def _stringify(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _stringify(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_stringify(v) for v in value]
    return force_str(value)


def _drf_fields(detail: Any) -> dict[str, Any]:
    if isinstance(detail, dict):
        return {("__all__" if k == "non_field_errors" else k): v for k, v in detail.items()}
    return {"__all__": detail if isinstance(detail, list) else [detail]}


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Maps every exception an API view can raise to API.md's error format."""
    set_rollback()
    if isinstance(exc, DomainError):
        return Response(error_body(exc.code, exc.message, exc.fields, **exc.extra), status=exc.status)
    if isinstance(exc, Http404):
        return Response(error_body("not_found", _("Not found.")), status=404)
    if isinstance(exc, DjangoPermissionDenied):
        return Response(error_body("permission_denied", _("You do not have permission to do this.")), status=403)
    if isinstance(exc, DjangoValidationError):
        fields = exc.message_dict if hasattr(exc, "error_dict") else {"__all__": exc.messages}
        return Response(error_body("validation_error", _("Please correct the errors below."), fields), status=400)
    if isinstance(exc, drf.ValidationError):
        return Response(error_body("validation_error", _("Please correct the errors below."),
                                   _drf_fields(exc.detail)), status=400)
    if isinstance(exc, drf.ParseError):
        return Response(error_body("validation_error", _("The request body is not valid JSON.")), status=400)
    if isinstance(exc, (drf.NotAuthenticated, drf.AuthenticationFailed)):
        return Response(error_body("not_authenticated", exc.detail), status=401)
    if isinstance(exc, drf.PermissionDenied):
        return Response(error_body("permission_denied", exc.detail), status=403)
    if isinstance(exc, drf.NotFound):
        return Response(error_body("not_found", _("Not found.")), status=404)
    if isinstance(exc, drf.Throttled):
        return Response(error_body("throttled", exc.detail), status=429)
    if isinstance(exc, drf.MethodNotAllowed):
        return Response(error_body("method_not_allowed", exc.detail), status=405)
    if isinstance(exc, drf.UnsupportedMediaType):
        return Response(error_body("unsupported_media_type", exc.detail), status=415)
    if isinstance(exc, drf.NotAcceptable):
        return Response(error_body("not_acceptable", exc.detail), status=406)
    if isinstance(exc, drf.APIException):
        return Response(error_body(exc.default_code, exc.detail), status=exc.status_code)
    return None


class StrictSerializer(serializers.Serializer):
    """An input serializer that refuses unknown fields and non-object bodies instead of ignoring them."""

    def to_internal_value(self, data: Any) -> Any:
        if not isinstance(data, dict) and not hasattr(data, "keys"):
            raise drf.ValidationError({"__all__": [_("Expected a JSON object.")]})
        unknown = sorted(set(data.keys()) - set(self.fields.keys()))
        if unknown:
            raise drf.ValidationError({name: [_("Unknown field.")] for name in unknown})
        return super().to_internal_value(data)


class IdField(serializers.IntegerField):
    """A reference to another object by id (API.md: the plain name carries the id)."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_ID)
        super().__init__(**kwargs)

