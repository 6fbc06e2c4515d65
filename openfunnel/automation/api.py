"""REST resource of the notification centre: the actor's own notifications only."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema, extend_schema_field, inline_serializer
from rest_framework import mixins, serializers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from openfunnel.automation import selectors, services
from openfunnel.automation.filters import NotificationFilter
from openfunnel.automation.models import Notification
from openfunnel.core.output import OutputModelSerializer
from openfunnel.core.viewsets import ScopedViewSet


class NotificationSerializer(OutputModelSerializer):
    read = serializers.SerializerMethodField()
    object = serializers.SerializerMethodField()
    actor_name = serializers.SerializerMethodField()

    class Meta:
        model = Notification
        fields = ["id", "kind", "message", "object_type", "object_id", "object", "url", "read", "read_at", "actor",
                  "actor_name", "created_at"]

    def get_read(self, obj: Notification) -> bool:
        return obj.read_at is not None

    @extend_schema_field(inline_serializer("NotificationObject", {"type": serializers.CharField(),
                                                                  "id": serializers.IntegerField()}, allow_null=True))
    def get_object(self, obj: Notification) -> dict[str, Any] | None:
        if not obj.object_type:
            return None
        return {"type": obj.object_type, "id": obj.object_id}

    def get_actor_name(self, obj: Notification) -> str:
        return obj.actor.display_name if obj.actor else ""


COUNT = inline_serializer("NotificationCount", {"unread": serializers.IntegerField()})
MARKED = inline_serializer("NotificationsMarked", {"marked": serializers.IntegerField()})


class NotificationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """The actor's notifications; `?read=false` lists the unread ones."""

    serializer_class = NotificationSerializer
    filterset_class = NotificationFilter
    ordering_fields = ["created_at", "id"]
    ordering = ["-created_at", "-id"]

    def get_queryset(self) -> Any:
        return selectors.notifications_of(self.request.user)

    def fetch(self, pk: Any) -> Notification:
        return selectors.notification_get(actor=self.request.user, id=pk)

    @extend_schema(request=None, responses=NotificationSerializer)
    @action(detail=True, methods=["post"])
    def read(self, request: Request, pk: Any = None) -> Response:
        notification = self.get_object()
        services.notifications_mark_read(actor=request.user, ids=[notification.pk])
        return self.respond(self.fetch(notification.pk))

    @extend_schema(request=None, responses=MARKED)
    @action(detail=False, methods=["post"], url_path="read-all")
    def read_all(self, request: Request) -> Response:
        return Response({"marked": services.notifications_mark_read(actor=request.user)})

    @extend_schema(responses=COUNT)
    @action(detail=False, methods=["get"], url_path="unread-count")
    def unread_count(self, request: Request) -> Response:
        return Response({"unread": selectors.notifications_unread_count(request.user)})
