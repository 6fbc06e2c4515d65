"""REST resources of the audit log (read-only) and the recycle bin."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from openfunnel.audit import selectors, services
from openfunnel.audit.filters import EventFilter
from openfunnel.audit.models import Event
from openfunnel.audit.verbs import verb_label
from openfunnel.core.api import Pagination
from openfunnel.core.output import OutputModelSerializer, OutputSerializer
from openfunnel.core.recycle import KINDS
from openfunnel.core.viewsets import ScopedViewSet


class EventSerializer(OutputModelSerializer):
    actor_name = serializers.CharField(source="actor.display_name", read_only=True, default=None)
    verb_label = serializers.SerializerMethodField()

    class Meta:
        model = Event
        fields = ["id", "at", "actor", "actor_name", "verb", "verb_label", "object_type", "object_id",
                  "object_repr", "customer_id", "lead_id", "changes", "data"]

    def get_verb_label(self, event: Event) -> str:
        return str(verb_label(event.verb))


class AuditEventViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """The audit log: who did what to which record, with the field-level before/after. Needs audit.view."""

    serializer_class = EventSerializer
    filterset_class = EventFilter
    ordering_fields = ["at", "id"]
    ordering = ["-at", "-id"]

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):  # schema generation has no actor
            return Event.objects.none()
        return selectors.events_visible_to(self.request.user)

    def fetch(self, pk: Any) -> Event:
        return selectors.event_get(actor=self.request.user, id=pk)


class RecycleItemSerializer(OutputSerializer):
    kind = serializers.CharField()
    kind_label = serializers.CharField()
    id = serializers.IntegerField()
    title = serializers.CharField()
    deleted_at = serializers.DateTimeField(allow_null=True)
    deleted_by = serializers.IntegerField(source="deleted_by_id", allow_null=True)
    deleted_by_name = serializers.CharField(allow_null=True)


class RestoredSerializer(serializers.Serializer):
    kind = serializers.CharField()
    id = serializers.IntegerField()
    title = serializers.CharField()


class RecycleBinView(APIView):
    """Deleted records of every kind the actor may restore (needs recycle.manage), newest first."""

    @extend_schema(parameters=[OpenApiParameter("kind", str, description="only this kind, e.g. customer")],
                   responses=RecycleItemSerializer(many=True))
    def get(self, request: Request) -> Response:
        kind = request.query_params.get("kind") or None
        items = selectors.recycle_bin_for(actor=request.user, kind=kind[:50] if kind else None)
        paginator = Pagination()
        page = paginator.paginate_queryset(items, request, view=self)  # type: ignore[arg-type]
        return paginator.get_paginated_response(RecycleItemSerializer(page, many=True).data)


class RecycleRestoreView(APIView):
    """POST restores one deleted record; errors (e.g. 409 duplicate) come from the kind's restore service."""

    @extend_schema(request=None, responses=RestoredSerializer)
    def post(self, request: Request, kind: str, pk: str) -> Response:
        restored = services.recycle_restore(actor=request.user, kind=kind, id=pk)
        registered = KINDS[kind]
        return Response({"kind": kind, "id": restored.pk, "title": str(registered.title(restored))})
