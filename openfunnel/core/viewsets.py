"""The base of every REST resource (kept apart from core.api, which DRF's settings import)."""

from __future__ import annotations

from typing import Any

from rest_framework import serializers, viewsets
from rest_framework.response import Response


class ScopedViewSet(viewsets.GenericViewSet):
    """Base of every resource: reads go through the app's selectors, writes through its services.

    Subclasses set `serializer_class` (the output), implement `get_queryset()` with the scoped
    selector and `fetch(pk)` with the `<entity>_get` selector (NotFound for missing or out of
    scope), and write `create` / `partial_update` / `destroy` / actions that parse input with
    `self.input(...)` and call one service.
    """

    lookup_value_regex = "[^/]+"

    def fetch(self, pk: Any) -> Any:
        raise NotImplementedError

    def get_object(self) -> Any:
        return self.fetch(self.kwargs[self.lookup_url_kwarg or self.lookup_field])

    def input(self, serializer_class: type[serializers.Serializer], *, partial: bool = False,
              data: Any = None) -> dict[str, Any]:
        serializer = serializer_class(data=self.request.data if data is None else data, partial=partial,
                                      context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        return dict(serializer.validated_data)

    def respond(self, obj: Any, status: int = 200) -> Response:
        return Response(self.get_serializer(obj).data, status=status)
