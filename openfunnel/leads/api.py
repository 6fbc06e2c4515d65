"""REST resources of leads and campaigns (API.md): thin adapters over services and selectors."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import mixins, serializers
from rest_framework.request import Request
from rest_framework.response import Response

from openfunnel.core.api import StrictSerializer
from openfunnel.core.viewsets import ScopedViewSet
from openfunnel.leads import selectors, services
from openfunnel.leads.filters import CampaignFilter
from openfunnel.leads.models import Campaign


class CampaignSerializer(serializers.ModelSerializer):
    lead_count = serializers.IntegerField(read_only=True, default=0)

    class Meta:
        model = Campaign
        fields = ["id", "name", "channel", "start_date", "end_date", "cost", "description", "lead_count",
                  "created_at", "updated_at"]


class CampaignInput(StrictSerializer):
    name = serializers.CharField(max_length=200)
    channel = serializers.ChoiceField(choices=Campaign.Channel.choices, required=False)
    start_date = serializers.DateField(required=False, allow_null=True)
    end_date = serializers.DateField(required=False, allow_null=True)
    cost = serializers.DecimalField(max_digits=14, decimal_places=2, required=False, min_value=0)
    description = serializers.CharField(required=False, allow_blank=True, max_length=5000)


class CampaignViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    serializer_class = CampaignSerializer
    filterset_class = CampaignFilter
    ordering_fields = ["name", "start_date", "cost", "id"]
    ordering = ["-start_date", "-id"]

    def get_queryset(self) -> Any:
        return selectors.campaigns_visible_to(self.request.user)

    def fetch(self, pk: Any) -> Campaign:
        return selectors.campaign_get(actor=self.request.user, id=pk)

    @extend_schema(request=CampaignInput, responses={201: CampaignSerializer})
    def create(self, request: Request) -> Response:
        campaign = services.campaign_create(actor=request.user, **self.input(CampaignInput))
        return self.respond(self.fetch(campaign.pk), status=201)

    @extend_schema(request=CampaignInput, responses=CampaignSerializer)
    def partial_update(self, request: Request, pk: Any = None) -> Response:
        campaign = services.campaign_update(actor=request.user, campaign=self.get_object(),
                                            data=self.input(CampaignInput, partial=True))
        return self.respond(self.fetch(campaign.pk))
