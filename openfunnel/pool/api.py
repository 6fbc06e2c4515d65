"""REST resources of the public pool (API.md /pools/, /pools/<id>/claim/, /assign/, /customers/<id>/release/,
/pool-events/): thin adapters over the pool's services and selectors."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_field, inline_serializer
from rest_framework import mixins, serializers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from openfunnel.core.api import IdField, StrictSerializer
from openfunnel.customers.api import CustomerSerializer
from openfunnel.core.errors import ValidationFailed
from openfunnel.core.viewsets import ScopedViewSet
from openfunnel.pool import selectors, services
from openfunnel.pool.filters import PoolEventFilter
from openfunnel.pool.models import Pool, PoolEvent

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


class PoolSerializer(serializers.ModelSerializer):
    members = serializers.SerializerMethodField()
    level_rules = serializers.SerializerMethodField()
    customer_count = serializers.IntegerField(read_only=True, default=None, allow_null=True)

    class Meta:
        model = Pool
        fields = ["id", "name", "kind", "is_default", "members", "claim_mode", "max_owned_per_user",
                  "daily_claim_limit", "reclaim_after_claim_days", "reclaim_no_follow_up_days", "reclaim_no_deal_days",
                  "level_rules", "warn_days_before", "cooldown_days", "reclaim_to", "members_see_history", "exempt_signed_contract",
                  "exempt_stage", "customer_count", "created_at", "updated_at"]
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


class ClaimInput(StrictSerializer):
    customer = IdField(required=False)
    lead = IdField(required=False)


class AssignInput(StrictSerializer):
    customers = serializers.ListField(child=IdField(), allow_empty=False, max_length=services.claim.MAX_BATCH)
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

    @extend_schema(request=ClaimInput, responses=CustomerSerializer)
    @action(detail=True, methods=["post"], filter_backends=[])
    def claim(self, request: Request, pk: Any = None) -> Response:
        pool = selectors.pool_get(actor=request.user, id=pk)
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
        return Response(_customer_out(request, customer.pk))

    @extend_schema(request=AssignInput,
                   responses=inline_serializer("PoolAssignResult", {"assigned": serializers.ListField(
                       child=inline_serializer("PoolAssigned", {"customer": serializers.IntegerField(),
                                                                "owner": serializers.IntegerField()}))}))
    @action(detail=True, methods=["post"], filter_backends=[])
    def assign(self, request: Request, pk: Any = None) -> Response:
        from openfunnel.accounts.models import User

        pool = selectors.pool_get(actor=request.user, id=pk)
        data = self.input(AssignInput)
        if ("owner" in data) == ("owners" in data):
            raise ValidationFailed(fields={"owner": [_("Give either an owner or a list of owners.")]})
        ids = [data["owner"]] if "owner" in data else data["owners"]
        found = {u.pk: u for u in User.objects.filter(pk__in=ids)}
        if len(found) != len(set(ids)):
            raise ValidationFailed(fields={"owner": [_("Choose active users within your data scope.")]})
        strategy = data.get("strategy") or ("single" if "owner" in data else "round_robin")
        assigned = services.customers_assign(actor=request.user, pool=pool, customer_ids=data["customers"],
                                             owners=[found[i] for i in ids], strategy=strategy)
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


def _customer_out_or_gone(request: Request, customer_id: int) -> dict[str, Any]:
    """The released customer as the actor now sees it (a rep who is no pool member only gets its id back)."""
    from openfunnel.core.errors import NotFound

    try:
        return _customer_out(request, customer_id)
    except NotFound:
        return {"id": customer_id, "owner": None}


class PoolEventSerializer(serializers.ModelSerializer):
    customer_name = serializers.CharField(source="customer.name", default=None, allow_null=True, read_only=True)
    user_name = serializers.CharField(source="user.display_name", default=None, allow_null=True, read_only=True)
    actor_name = serializers.CharField(source="actor.display_name", default=None, allow_null=True, read_only=True)
    pool_name = serializers.CharField(source="pool.name", default=None, allow_null=True, read_only=True)

    class Meta:
        model = PoolEvent
        fields = ["id", "kind", "pool", "pool_name", "customer", "customer_name", "lead", "user", "user_name",
                  "actor", "actor_name", "reason", "rule", "at"]
        read_only_fields = fields


class PoolEventViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """The pool log: events of the users within the actor's data scope, newest first."""

    serializer_class = PoolEventSerializer
    filterset_class = PoolEventFilter

    def get_queryset(self) -> Any:
        return selectors.pool_events_visible_to(self.request.user).order_by("-at", "-id")

    def fetch(self, pk: Any) -> PoolEvent:
        return selectors.pool_event_get(actor=self.request.user, id=pk)


class PoolStatisticsInput(serializers.Serializer):
    since = serializers.DateField(required=False)
    until = serializers.DateField(required=False)
    pool = IdField(required=False)


class PoolStatisticsView(APIView):
    """GET /pool-statistics/?since=&until=&pool= — per rep within the actor's scope: claims, assignments
    received, releases, reclaims and customers taken from a pool that went on to a won deal."""

    @extend_schema(parameters=[PoolStatisticsInput],
                   responses=inline_serializer("PoolStatistics", {"results": serializers.ListField(
                       child=inline_serializer("PoolStatisticsRow", {
                           "user": serializers.IntegerField(), "user_name": serializers.CharField(),
                           "claims": serializers.IntegerField(), "assigned": serializers.IntegerField(),
                           "releases": serializers.IntegerField(), "reclaims": serializers.IntegerField(),
                           "converted": serializers.IntegerField()}))}))
    def get(self, request: Request) -> Response:
        import datetime as dt

        from django.utils import timezone

        params = PoolStatisticsInput(data=request.query_params)
        params.is_valid(raise_exception=True)
        data = params.validated_data

        def moment(day: Any) -> Any:
            return timezone.make_aware(dt.datetime.combine(day, dt.time.min)) if day else None

        pool = selectors.pool_get(actor=request.user, id=data["pool"]) if "pool" in data else None
        until = moment(data.get("until") + dt.timedelta(days=1)) if data.get("until") else None
        rows = selectors.pool_statistics(actor=request.user, since=moment(data.get("since")), until=until, pool=pool)
        return Response({"results": [{"user": r["user"].pk, "user_name": r["user"].display_name,
                                      **{k: r[k] for k in ("claims", "assigned", "releases", "reclaims", "converted")}}
                                     for r in rows]})
