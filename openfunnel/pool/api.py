"""REST resources of the public pool (API.md /pools/, /pools/<id>/customers/, /leads/, /claim/, /assign/,
/customers/<id>/release/, /leads/<id>/release/): thin adapters over the pool's services and selectors.
The pool log and statistics are in api_log."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field, inline_serializer
from rest_framework import mixins, serializers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from openfunnel.core.api import IdField, StrictSerializer
from openfunnel.core.errors import NotFound, ValidationFailed
from openfunnel.core.geo import NearbyFilter, distance_value
from openfunnel.core.output import OutputModelSerializer
from openfunnel.core.viewsets import ScopedViewSet
from openfunnel.customers.api import CustomerSerializer
from openfunnel.customers.models import Customer
from openfunnel.leads.models import Lead
from openfunnel.pool import selectors, services
from openfunnel.pool.models import Pool

DAY_FIELDS = ["max_owned_per_user", "daily_claim_limit", "reclaim_after_claim_days", "reclaim_no_follow_up_days",
              "reclaim_no_deal_days"]


class PoolMembersSerializer(serializers.Serializer):
    users = serializers.ListField(child=IdField(), required=False)
    departments = serializers.ListField(child=IdField(), required=False)


class PoolLevelRuleSerializer(serializers.Serializer):
    level = IdField()
    reclaim_after_claim_days = serializers.IntegerField(min_value=0, max_value=36500, allow_null=True, required=False)
    reclaim_no_follow_up_days = serializers.IntegerField(min_value=0, max_value=36500, allow_null=True,
                                                         required=False)
    reclaim_no_deal_days = serializers.IntegerField(min_value=0, max_value=36500, allow_null=True, required=False)


class PoolSerializer(OutputModelSerializer):
    members = serializers.SerializerMethodField()
    level_rules = serializers.SerializerMethodField()
    customer_count = serializers.IntegerField(read_only=True, default=None, allow_null=True)
    lead_count = serializers.IntegerField(read_only=True, default=None, allow_null=True,
                                          help_text="Lead pools, in lists: open leads without an owner")

    class Meta:
        model = Pool
        fields = ["id", "name", "kind", "is_default", "members", "claim_mode", "max_owned_per_user",
                  "daily_claim_limit", "reclaim_after_claim_days", "reclaim_no_follow_up_days", "reclaim_no_deal_days",
                  "level_rules", "warn_days_before", "cooldown_days", "reclaim_to", "members_see_history", "exempt_signed_contract",
                  "exempt_stage", "customer_count", "lead_count", "created_at", "updated_at"]
        read_only_fields = fields

    @extend_schema_field({"type": "object", "properties": {
        "users": {"type": "array", "items": {"type": "integer"}},
        "departments": {"type": "array", "items": {"type": "integer"}}}})
    def get_members(self, pool: Pool) -> dict[str, list[int]]:
        return {"users": sorted(u.pk for u in pool.member_users.all()),
                "departments": sorted(d.pk for d in pool.member_departments.all())}

    @extend_schema_field(PoolLevelRuleSerializer(many=True))
    def get_level_rules(self, pool: Pool) -> list[dict[str, Any]]:
        return [{"level": r.level_id, "reclaim_after_claim_days": r.reclaim_after_claim_days,
                 "reclaim_no_follow_up_days": r.reclaim_no_follow_up_days,
                 "reclaim_no_deal_days": r.reclaim_no_deal_days}
                for r in sorted(pool.level_rules.all(), key=lambda r: r.level_id)]


class PoolInput(StrictSerializer):
    name = serializers.CharField(max_length=100)
    kind = serializers.ChoiceField(choices=Pool.Kind.choices, required=False)
    is_default = serializers.BooleanField(required=False)
    members = PoolMembersSerializer(required=False)
    claim_mode = serializers.ChoiceField(choices=Pool.ClaimMode.choices, required=False)
    max_owned_per_user = serializers.IntegerField(min_value=0, max_value=36500, allow_null=True, required=False)
    daily_claim_limit = serializers.IntegerField(min_value=0, max_value=36500, allow_null=True, required=False)
    reclaim_after_claim_days = serializers.IntegerField(min_value=0, max_value=36500, allow_null=True, required=False)
    reclaim_no_follow_up_days = serializers.IntegerField(min_value=0, max_value=36500, allow_null=True,
                                                         required=False)
    reclaim_no_deal_days = serializers.IntegerField(min_value=0, max_value=36500, allow_null=True, required=False)
    level_rules = PoolLevelRuleSerializer(many=True, required=False)
    warn_days_before = serializers.IntegerField(min_value=0, max_value=36500, required=False)
    cooldown_days = serializers.IntegerField(min_value=0, max_value=36500, required=False)
    reclaim_to = IdField(allow_null=True, required=False)
    members_see_history = serializers.BooleanField(required=False)
    exempt_signed_contract = serializers.BooleanField(required=False)
    exempt_stage = IdField(allow_null=True, required=False)


class PoolCustomerSerializer(OutputModelSerializer):
    """What a pool member sees of a customer lying in the pool (its basic fields) and, with ?lat=&lng=,
    how far it is in metres."""

    lat = serializers.FloatField(read_only=True, allow_null=True)
    lng = serializers.FloatField(read_only=True, allow_null=True)
    level_name = serializers.CharField(source="level.name", read_only=True, default=None, allow_null=True)
    distance_m = serializers.SerializerMethodField()

    class Meta:
        model = Customer
        fields = ["id", "name", "industry", "size", "region", "address", "lat", "lng", "level", "level_name",
                  "last_follow_up_at", "pool", "pool_entered_at", "pool_reason", "distance_m"]
        read_only_fields = fields

    @extend_schema_field({"type": "integer", "nullable": True})
    def get_distance_m(self, obj: Any) -> int | None:
        return distance_value(obj)


class PoolLeadSerializer(OutputModelSerializer):
    """What a lead pool's member sees of a lead lying in the pool before claiming it."""

    campaign_name = serializers.CharField(source="campaign.name", read_only=True, default=None, allow_null=True)

    class Meta:
        model = Lead
        fields = ["id", "company", "region", "source", "campaign", "campaign_name", "status", "created_at"]
        read_only_fields = fields


class ClaimInput(StrictSerializer):
    customer = IdField(required=False)
    lead = IdField(required=False)


class AssignInput(StrictSerializer):
    customers = serializers.ListField(child=IdField(), allow_empty=False, max_length=services.claim.MAX_BATCH,
                                      required=False)
    leads = serializers.ListField(child=IdField(), allow_empty=False, max_length=services.claim.MAX_BATCH,
                                  required=False)
    owner = IdField(required=False)
    owners = serializers.ListField(child=IdField(), allow_empty=False, required=False, max_length=200)
    strategy = serializers.ChoiceField(choices=list(services.ASSIGN_STRATEGIES), required=False)


class ReleaseInput(StrictSerializer):
    pool = IdField(required=False, allow_null=True)
    reason = serializers.CharField(max_length=300)


def _service_args(data: dict[str, Any]) -> dict[str, Any]:
    members = data.pop("members", None) or {}
    level_rules = data.pop("level_rules", None)
    return {"values": data, "member_users": members.get("users"), "member_departments": members.get("departments"),
            "level_rules": [dict(r) for r in level_rules] if level_rules is not None else None}


def _customer_out(request: Request, customer_id: int) -> dict[str, Any]:
    from openfunnel.customers.selectors import customer_detail

    customer = customer_detail(actor=request.user, id=customer_id)
    return CustomerSerializer(customer, context={"request": request}).data


class PoolViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Pools the actor is a member of (every pool for admins); admins create and change them."""

    serializer_class = PoolSerializer

    def get_queryset(self) -> Any:
        return selectors.pool_list(actor=self.request.user).prefetch_related(
            "member_users", "member_departments", "level_rules")

    def fetch(self, pk: Any) -> Pool:
        return selectors.pool_detail(actor=self.request.user, id=pk)

    @extend_schema(request=PoolInput, responses={201: PoolSerializer})
    def create(self, request: Request) -> Response:
        pool = services.pool_create(actor=request.user, **_service_args(self.input(PoolInput)))
        return self.respond(self.fetch(pool.pk), status=201)

    @extend_schema(request=PoolInput, responses=PoolSerializer)
    def partial_update(self, request: Request, pk: Any = None) -> Response:
        pool = self.get_object()
        services.pool_update(actor=request.user, pool=pool, **_service_args(self.input(PoolInput, partial=True)))
        return self.respond(self.fetch(pool.pk))

    @extend_schema(parameters=[OpenApiParameter("search", str, description="Part of the name")],
                   responses=PoolCustomerSerializer(many=True))
    @action(detail=True, methods=["get"], filter_backends=[NearbyFilter], serializer_class=PoolCustomerSerializer)
    def customers(self, request: Request, pk: Any = None) -> Response:
        """The customers lying in the pool, newest first; with ?lat=&lng= nearest first (distance_m)."""
        pool = selectors.pool_get(actor=request.user, id=pk)
        queryset = selectors.pool_customers(actor=request.user, pool=pool,
                                            search=request.query_params.get("search", ""))
        page = self.paginate_queryset(self.filter_queryset(queryset))
        return self.get_paginated_response(PoolCustomerSerializer(page, many=True).data)

    @extend_schema(parameters=[OpenApiParameter("search", str, description="Part of the company name")],
                   responses=PoolLeadSerializer(many=True))
    @action(detail=True, methods=["get"], filter_backends=[], serializer_class=PoolLeadSerializer)
    def leads(self, request: Request, pk: Any = None) -> Response:
        """The open leads lying in a lead pool (every lead without an owner), newest first."""
        pool = selectors.pool_get(actor=request.user, id=pk)
        queryset = selectors.pool_leads(actor=request.user, pool=pool, search=request.query_params.get("search", ""))
        page = self.paginate_queryset(queryset.select_related("campaign"))
        return self.get_paginated_response(PoolLeadSerializer(page, many=True).data)

    @extend_schema(request=ClaimInput, responses=CustomerSerializer)
    @action(detail=True, methods=["post"], filter_backends=[])
    def claim(self, request: Request, pk: Any = None) -> Response:
        pool = selectors.pool_get(actor=request.user, id=pk, related=False)
        data = self.input(ClaimInput)
        if ("lead" in data) == ("customer" in data):
            raise ValidationFailed(fields={"customer": [_("Give either a customer or a lead.")]})
        if "lead" in data:
            from openfunnel.leads.api import LeadSerializer
            from openfunnel.leads.selectors import lead_get

            lead = services.lead_claim(actor=request.user, pool=pool, lead_id=data["lead"])
            return Response(LeadSerializer(lead_get(actor=request.user, id=lead.pk),
                                           context={"request": request}).data)
        if "customer" not in data:
            raise ValidationFailed(fields={"customer": [_("This field is required.")]})
        customer = services.customer_claim(actor=request.user, pool=pool, customer_id=data["customer"])
        from openfunnel.customers.selectors import customer_owned_detail

        # the claimer owns it now: the customer's detail without the scope's lookups
        return Response(CustomerSerializer(customer_owned_detail(actor=request.user, id=customer.pk),
                                           context={"request": request}).data)

    @extend_schema(request=AssignInput,
                   responses=inline_serializer("PoolAssignResult", {"assigned": serializers.ListField(
                       child=inline_serializer("PoolAssigned", {"customer": serializers.IntegerField(required=False),
                                                                "lead": serializers.IntegerField(required=False),
                                                                "owner": serializers.IntegerField()}))}))
    @action(detail=True, methods=["post"], filter_backends=[])
    def assign(self, request: Request, pk: Any = None) -> Response:
        """Customers (a customer pool) or leads (a lead pool) to one owner, or dealt across several owners."""
        from openfunnel.accounts.models import User

        pool = selectors.pool_get(actor=request.user, id=pk)
        data = self.input(AssignInput)
        if ("customers" in data) == ("leads" in data):
            raise ValidationFailed(fields={"customers": [_("Give either customers or leads.")]})
        if ("owner" in data) == ("owners" in data):
            raise ValidationFailed(fields={"owner": [_("Give either an owner or a list of owners.")]})
        ids = [data["owner"]] if "owner" in data else data["owners"]
        found = {u.pk: u for u in User.objects.filter(pk__in=ids)}
        if len(found) != len(set(ids)):
            raise ValidationFailed(fields={"owner": [_("Choose active users within your data scope.")]})
        strategy = data.get("strategy") or ("single" if "owner" in data else "round_robin")
        owners = [found[i] for i in ids]
        if "leads" in data:
            leads = services.leads_assign(actor=request.user, pool=pool, lead_ids=data["leads"], owners=owners,
                                          strategy=strategy)
            return Response({"assigned": [{"lead": lead.pk, "owner": lead.owner_id} for lead in leads]})
        assigned = services.customers_assign(actor=request.user, pool=pool, customer_ids=data["customers"],
                                             owners=owners, strategy=strategy)
        return Response({"assigned": [{"customer": c.pk, "owner": c.owner_id} for c in assigned]})


class CustomerReleaseView(APIView):
    """POST /customers/<id>/release/ {"pool", "reason"}: the owner gives the customer up to a pool."""

    @extend_schema(request=ReleaseInput, responses=CustomerSerializer)
    def post(self, request: Request, pk: Any) -> Response:
        from openfunnel.customers.selectors import customer_get

        customer = customer_get(actor=request.user, id=pk)
        serializer = ReleaseInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        pool = selectors.pool_for_release(actor=request.user, id=data["pool"]) if data.get("pool") else None
        services.customer_release(actor=request.user, customer=customer, pool=pool, reason=data["reason"])
        return Response(_customer_out_or_gone(request, customer.pk))


class LeadReleaseView(APIView):
    """POST /leads/<id>/release/ {"pool", "reason"}: the owner gives an open lead up to the lead pool."""

    @extend_schema(request=ReleaseInput, responses=inline_serializer(
        "LeadReleased", {"id": serializers.IntegerField(), "owner": serializers.IntegerField(allow_null=True)}))
    def post(self, request: Request, pk: Any) -> Response:
        from openfunnel.leads.api import LeadSerializer
        from openfunnel.leads.selectors import lead_get

        lead = lead_get(actor=request.user, id=pk)
        serializer = ReleaseInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        pool = None
        if data.get("pool"):
            pool = selectors.lead_pools_for_release(request.user).filter(pk=data["pool"]).first()
            if pool is None:
                raise ValidationFailed(fields={"pool": [_("Choose a lead pool you are a member of.")]})
        services.lead_release(actor=request.user, lead=lead, pool=pool, reason=data["reason"])
        try:
            released = lead_get(actor=request.user, id=lead.pk)
        except NotFound:  # reps do not see pool leads: they get the id back
            return Response({"id": lead.pk, "owner": None})
        return Response(LeadSerializer(released, context={"request": request}).data)


def _customer_out_or_gone(request: Request, customer_id: int) -> dict[str, Any]:
    """The released customer as the actor now sees it (a rep who is no pool member only gets its id back)."""
    from openfunnel.core.errors import NotFound

    try:
        return _customer_out(request, customer_id)
    except NotFound:
        return {"id": customer_id, "owner": None}
