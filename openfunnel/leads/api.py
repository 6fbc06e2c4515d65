"""REST resources of leads and campaigns (API.md): thin adapters over services and selectors."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import mixins, serializers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from openfunnel.audit.verbs import verb_label
from openfunnel.core.api import IdField, StrictSerializer
from openfunnel.core.choices import Source
from openfunnel.core.output import OutputModelSerializer, OutputSerializer
from openfunnel.core.viewsets import ScopedViewSet
from openfunnel.leads import selectors, services
from openfunnel.leads.filters import CampaignFilter, LeadFilter
from openfunnel.leads.models import Campaign, Lead

# --- campaigns -------------------------------------------------------------------------------------


class CampaignSerializer(OutputModelSerializer):
    lead_count = serializers.IntegerField(read_only=True, default=0)
    converted_count = serializers.IntegerField(read_only=True, default=0)
    customer_count = serializers.IntegerField(read_only=True, default=0)
    conversion_rate = serializers.SerializerMethodField(help_text="Converted leads per lead, percent (0-100).")
    cost_per_lead = serializers.SerializerMethodField()
    cost_per_customer = serializers.SerializerMethodField()

    class Meta:
        model = Campaign
        fields = ["id", "name", "channel", "start_date", "end_date", "cost", "description", "lead_count",
                  "converted_count", "customer_count", "conversion_rate", "cost_per_lead", "cost_per_customer",
                  "created_at", "updated_at"]

    def get_conversion_rate(self, campaign: Campaign) -> float | None:
        leads = getattr(campaign, "lead_count", 0)
        return round(100 * getattr(campaign, "converted_count", 0) / leads, 1) if leads else None

    def _per(self, campaign: Campaign, count: int) -> str | None:
        return f"{(campaign.cost / count).quantize(Decimal('0.01'))}" if count else None

    def get_cost_per_lead(self, campaign: Campaign) -> str | None:
        return self._per(campaign, getattr(campaign, "lead_count", 0))

    def get_cost_per_customer(self, campaign: Campaign) -> str | None:
        return self._per(campaign, getattr(campaign, "customer_count", 0))


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
    ordering_fields = ["name", "start_date", "cost", "id", "lead_count", "customer_count"]
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


# --- leads -----------------------------------------------------------------------------------------

class LeadSerializer(OutputModelSerializer):
    owner_name = serializers.SerializerMethodField()
    campaign_name = serializers.SerializerMethodField()

    class Meta:
        model = Lead
        fields = ["id", "company", "name", "title", "phone", "email", "uscc", "region", "source", "campaign",
                  "campaign_name", "owner", "owner_name", "assigned_at", "status", "notes", "last_follow_up_at",
                  "next_follow_up_at", "converted_at", "converted_customer", "converted_contact", "created_by",
                  "created_at", "updated_at", "version"]

    def get_owner_name(self, lead: Lead) -> str | None:
        return lead.owner.display_name if lead.owner_id else None

    def get_campaign_name(self, lead: Lead) -> str | None:
        return lead.campaign.name if lead.campaign_id else None


_SETTABLE_STATUSES = [(value, label) for value, label in Lead.Status.choices if value != Lead.Status.CONVERTED]


class LeadInput(StrictSerializer):
    company = serializers.CharField(max_length=200)
    name = serializers.CharField(max_length=100, required=False, allow_blank=True)
    title = serializers.CharField(max_length=100, required=False, allow_blank=True)
    phone = serializers.CharField(max_length=30, required=False, allow_blank=True)
    email = serializers.EmailField(max_length=254, required=False, allow_blank=True)
    uscc = serializers.CharField(max_length=18, required=False, allow_blank=True)
    region = serializers.CharField(max_length=100, required=False, allow_blank=True)
    source = serializers.ChoiceField(choices=Source.choices, required=False, allow_blank=True)
    campaign = IdField(required=False, allow_null=True)
    owner = IdField(required=False, allow_null=True,
                    help_text="The owner's user id; null puts the lead in the lead pool. Default: yourself.")
    status = serializers.ChoiceField(choices=_SETTABLE_STATUSES, required=False)
    notes = serializers.CharField(max_length=20000, required=False, allow_blank=True)
    next_follow_up_at = serializers.DateTimeField(required=False, allow_null=True)


class LeadUpdateInput(LeadInput):
    company = serializers.CharField(max_length=200, required=False)
    status = serializers.ChoiceField(choices=Lead.Status.choices, required=False)
    version = serializers.IntegerField(required=False, min_value=1, max_value=2**31 - 1,
                                       help_text="The version you read; a stale one answers 409 stale_version.")


class OwnerInput(StrictSerializer):
    owner = IdField()


class StatusInput(StrictSerializer):
    status = serializers.ChoiceField(choices=Lead.Status.choices)


class BatchAssignInput(StrictSerializer):
    leads = serializers.ListField(child=IdField(), min_length=1, max_length=1000)
    owner = IdField(required=False)
    owners = serializers.ListField(child=IdField(), min_length=1, max_length=200, required=False)

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if ("owner" in attrs) == ("owners" in attrs):
            raise serializers.ValidationError({"owner": [_("Give either one owner or a list of owners.")]})
        return attrs


class ConvertInput(StrictSerializer):
    customer = IdField(required=False, allow_null=True,
                       help_text="Attach to this existing customer instead of creating one.")
    create_opportunity = serializers.BooleanField(required=False, default=False)
    opportunity = serializers.DictField(required=False, allow_null=True)


class ConvertOutput(serializers.Serializer):
    customer = serializers.IntegerField()
    contact = serializers.IntegerField(allow_null=True)
    opportunity = serializers.IntegerField(allow_null=True)


class BatchAssignOutput(serializers.Serializer):
    assigned = serializers.IntegerField()
    owners = inline_serializer("BatchAssignOwner", many=True, fields={
        "owner": serializers.IntegerField(), "owner_name": serializers.CharField(),
        "count": serializers.IntegerField(), "leads": serializers.ListField(child=serializers.IntegerField())})


class LeadEventSerializer(OutputSerializer):
    id = serializers.IntegerField()
    at = serializers.DateTimeField()
    verb = serializers.CharField()
    verb_label = serializers.SerializerMethodField()
    actor = serializers.IntegerField(source="actor_id", allow_null=True)
    actor_name = serializers.SerializerMethodField()
    object_type = serializers.CharField()
    object_id = serializers.IntegerField()
    object_repr = serializers.CharField()
    changes = serializers.JSONField()
    data = serializers.JSONField()

    def get_verb_label(self, event: Any) -> str:
        return str(verb_label(event.verb))

    def get_actor_name(self, event: Any) -> str | None:
        return event.actor.display_name if event.actor_id and event.actor else None


class LeadViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Leads in the actor's data scope; unowned leads (the lead pool) are listed for holders of leads.assign."""

    serializer_class = LeadSerializer
    filterset_class = LeadFilter
    ordering_fields = ["id", "company", "name", "status", "source", "created_at", "updated_at", "assigned_at",
                       "last_follow_up_at", "next_follow_up_at"]
    ordering = ["-id"]

    def get_queryset(self) -> Any:
        return selectors.leads_visible_to(self.request.user)

    def fetch(self, pk: Any) -> Lead:
        return selectors.lead_get(actor=self.request.user, id=pk)

    @extend_schema(request=LeadInput, responses={201: LeadSerializer})
    def create(self, request: Request) -> Response:
        lead = services.lead_create(actor=request.user, **self.input(LeadInput))
        return self.respond(self.fetch(lead.pk), status=201)

    @extend_schema(request=LeadUpdateInput, responses=LeadSerializer)
    def partial_update(self, request: Request, pk: Any = None) -> Response:
        lead = selectors.lead_get_for_edit(actor=request.user, id=pk)
        data = self.input(LeadUpdateInput, partial=True)
        version = data.pop("version", None)
        services.lead_update(actor=request.user, lead=lead, data=data, version=version)
        return self.respond(self.fetch(lead.pk))

    @extend_schema(request=None, responses={204: None})
    def destroy(self, request: Request, pk: Any = None) -> Response:
        services.lead_delete(actor=request.user, lead=self.get_object())
        return Response(status=204)

    @extend_schema(request=OwnerInput, responses=LeadSerializer)
    @action(detail=True, methods=["post"])
    def assign(self, request: Request, pk: Any = None) -> Response:
        lead = services.lead_assign(actor=request.user, lead=self.get_object(), **self.input(OwnerInput))
        return self.respond(self.fetch(lead.pk))

    @extend_schema(request=OwnerInput, responses=LeadSerializer)
    @action(detail=True, methods=["post"])
    def transfer(self, request: Request, pk: Any = None) -> Response:
        lead = services.lead_transfer(actor=request.user, lead=self.get_object(), **self.input(OwnerInput))
        return self.respond(self.fetch(lead.pk))

    @extend_schema(request=StatusInput, responses=LeadSerializer)
    @action(detail=True, methods=["post"])
    def status(self, request: Request, pk: Any = None) -> Response:
        lead = services.lead_set_status(actor=request.user, lead=self.get_object(), **self.input(StatusInput))
        return self.respond(self.fetch(lead.pk))

    @extend_schema(request=BatchAssignInput, responses=BatchAssignOutput)
    @action(detail=False, methods=["post"], url_path="batch-assign")
    def batch_assign(self, request: Request) -> Response:
        result = services.lead_batch_assign(actor=request.user, **self.input(BatchAssignInput))
        return Response({"assigned": result.total, "owners": [
            {"owner": owner.pk, "owner_name": owner.display_name, "count": len(result.by_owner[owner.pk]),
             "leads": result.by_owner[owner.pk]} for owner in result.owners]})

    @extend_schema(request=ConvertInput, responses={201: ConvertOutput})
    @action(detail=True, methods=["post"])
    def convert(self, request: Request, pk: Any = None) -> Response:
        conversion = services.lead_convert(actor=request.user, lead=self.get_object(), **self.input(ConvertInput))
        return Response({"customer": conversion.customer.pk,
                         "contact": conversion.contact.pk if conversion.contact else None,
                         "opportunity": getattr(conversion.opportunity, "pk", None)}, status=201)

    @extend_schema(responses=LeadEventSerializer(many=True), filters=False)
    @action(detail=True, methods=["get"])
    def timeline(self, request: Request, pk: Any = None) -> Response:
        events = selectors.lead_timeline(actor=request.user, lead=self.get_object())
        page = self.paginate_queryset(events)
        return self.get_paginated_response(LeadEventSerializer(page, many=True).data)
