"""REST resources of the pool log and pool statistics (API.md /pool-events/, /pool-statistics/)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import mixins, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from openfunnel.core.api import IdField
from openfunnel.core.output import OutputModelSerializer
from openfunnel.core.viewsets import ScopedViewSet
from openfunnel.pool import selectors
from openfunnel.pool.filters import PoolEventFilter
from openfunnel.pool.models import PoolEvent


class PoolEventSerializer(OutputModelSerializer):
    customer_name = serializers.CharField(source="customer.name", default=None, allow_null=True, read_only=True)
    lead_name = serializers.CharField(source="lead.company", default=None, allow_null=True, read_only=True)
    user_name = serializers.CharField(source="user.display_name", default=None, allow_null=True, read_only=True)
    actor_name = serializers.CharField(source="actor.display_name", default=None, allow_null=True, read_only=True)
    pool_name = serializers.CharField(source="pool.name", default=None, allow_null=True, read_only=True)

    class Meta:
        model = PoolEvent
        fields = ["id", "kind", "pool", "pool_name", "customer", "customer_name", "lead", "lead_name", "user",
                  "user_name", "actor", "actor_name", "reason", "rule", "at"]
        read_only_fields = fields


class PoolEventViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """The pool log: events of the users within the actor's data scope, newest first."""

    serializer_class = PoolEventSerializer
    filterset_class = PoolEventFilter

    def get_queryset(self) -> Any:
        return selectors.pool_events_visible_to(self.request.user).order_by("-at", "-id")

    def fetch(self, pk: Any) -> PoolEvent:
        return selectors.pool_event_get(actor=self.request.user, id=pk)


STATISTICS = ("claims", "assigned", "releases", "reclaims", "converted", "leads_converted")


class PoolStatisticsInput(serializers.Serializer):
    since = serializers.DateField(required=False)
    until = serializers.DateField(required=False)
    pool = IdField(required=False)


class PoolStatisticsView(APIView):
    """GET /pool-statistics/?since=&until=&pool= — per rep within the actor's scope: claims, assignments
    received, releases, reclaims, customers taken from a pool that went on to a won deal and leads taken
    from a lead pool that were converted."""

    @extend_schema(parameters=[PoolStatisticsInput],
                   responses=inline_serializer("PoolStatistics", {"results": serializers.ListField(
                       child=inline_serializer("PoolStatisticsRow", {
                           "user": serializers.IntegerField(), "user_name": serializers.CharField(),
                           "claims": serializers.IntegerField(), "assigned": serializers.IntegerField(),
                           "releases": serializers.IntegerField(), "reclaims": serializers.IntegerField(),
                           "converted": serializers.IntegerField(),
                           "leads_converted": serializers.IntegerField()}))}))
    def get(self, request: Request) -> Response:
        params = PoolStatisticsInput(data=request.query_params)
        params.is_valid(raise_exception=True)
        data = params.validated_data

        def moment(day: Any) -> Any:
            return timezone.make_aware(dt.datetime.combine(day, dt.time.min)) if day else None

        pool = selectors.pool_get(actor=request.user, id=data["pool"]) if "pool" in data else None
        until = moment(data.get("until") + dt.timedelta(days=1)) if data.get("until") else None
        rows = selectors.pool_statistics(actor=request.user, since=moment(data.get("since")), until=until, pool=pool)
        return Response({"results": [{"user": r["user"].pk, "user_name": r["user"].display_name,
                                      **{k: r[k] for k in STATISTICS}}
                                     for r in rows]})
