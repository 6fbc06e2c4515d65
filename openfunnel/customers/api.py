"""REST resources of customers, contacts, levels, tags and the duplicate-check settings (API.md).

Thin adapters: input serializers parse, one selector or service call does the work.

Decisions where API.md is silent:
- `tags` is read and written as a list of tag ids (API.md: references travel as ids); reads add
  `tag_names`. Tags are managed at /api/v1/tags/.
- `level` is the level id; reads add `level_name`. `owner` cannot be PATCHed: POST /transfer/.
- `pool` is the customer's public pool: the one it lies in (owner null) or whose reclaim rules govern it.
- DELETE /customer-levels/<id>/ retires the level (is_active=false); customers keep it.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, serializers
from rest_framework.decorators import action
from rest_framework.filters import OrderingFilter
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from openfunnel.accounts.scope import has_perm, visible_owner_ids
from openfunnel.core.api import FilterBackend, IdField, StrictSerializer
from openfunnel.core.choices import CompanySize, Industry, Source
from openfunnel.core.errors import ValidationFailed
from openfunnel.core.geo import NearbyFilter, distance_value
from openfunnel.core.output import OutputModelSerializer, OutputSerializer, related_rows
from openfunnel.core.pagination import order_by_term
from openfunnel.core.viewsets import ScopedViewSet
from openfunnel.customers import selectors, services
from openfunnel.customers.filters import ContactFilter, CustomerFilter
from openfunnel.customers.models import Contact, Customer, CustomerLevel, DedupSettings, Tag

# --- output -------------------------------------------------------------------------------------------


class CustomerCollaboratorSerializer(OutputSerializer):
    user = serializers.IntegerField(source="user_id")
    user_name = serializers.CharField(source="user.display_name")
    can_edit = serializers.BooleanField()


class CustomerSerializer(OutputModelSerializer):
    """A customer as the API reads it (list, detail, and the answer to a claim)."""

    lat = serializers.FloatField(read_only=True, allow_null=True)
    lng = serializers.FloatField(read_only=True, allow_null=True)
    level_name = serializers.CharField(source="level.name", read_only=True, default=None, allow_null=True)
    owner_name = serializers.CharField(
        source="owner.display_name", read_only=True, default=None, allow_null=True
    )
    campaign_name = serializers.CharField(
        source="campaign.name", read_only=True, default=None, allow_null=True
    )
    tags = serializers.PrimaryKeyRelatedField(many=True, read_only=True)
    tag_names = serializers.SerializerMethodField()
    collaborators = CustomerCollaboratorSerializer(source="shares", many=True, read_only=True)
    pool = serializers.SerializerMethodField()
    can_edit = serializers.SerializerMethodField()
    distance_m = serializers.SerializerMethodField()

    class Meta:
        model = Customer
        fields = [
            "id",
            "name",
            "uscc",
            "industry",
            "size",
            "region",
            "address",
            "lat",
            "lng",
            "phone",
            "email",
            "website",
            "level",
            "level_name",
            "source",
            "campaign",
            "campaign_name",
            "owner",
            "owner_name",
            "owner_since",
            "pool",
            "status",
            "tags",
            "tag_names",
            "collaborators",
            "notes",
            "last_follow_up_at",
            "next_follow_up_at",
            "created_at",
            "updated_at",
            "version",
            "can_edit",
            "distance_m",
        ]
        read_only_fields = fields

    @extend_schema_field({"type": "integer", "nullable": True})
    def get_distance_m(self, obj: Customer) -> int | None:
        """Metres from ?lat=&lng= of a list request (null otherwise, or without coordinates)."""
        return distance_value(obj)

    def get_tag_names(self, obj: Customer) -> list[str]:
        return [tag.name for tag in related_rows(obj, "tags")]

    @extend_schema_field({"type": "integer", "nullable": True})
    def get_pool(self, obj: Customer) -> int | None:
        return obj.pool_id

    def get_can_edit(self, obj: Customer) -> bool:
        actor = self.context["request"].user
        if not has_perm(actor, "customers.edit"):
            return False
        ids = visible_owner_ids(actor)
        if ids is None or obj.owner_id in ids:
            return True
        return any(share.user_id == actor.pk and share.can_edit for share in related_rows(obj, "shares"))


class ContactSerializer(OutputModelSerializer):
    customer_name = serializers.CharField(source="customer.name", read_only=True)

    class Meta:
        model = Contact
        fields = [
            "id",
            "customer",
            "customer_name",
            "name",
            "title",
            "phone",
            "email",
            "wechat",
            "birthday",
            "decision_role",
            "is_primary",
            "notes",
            "created_at",
            "updated_at",
            "version",
        ]
        read_only_fields = fields


class CustomerTimelineEventSerializer(OutputSerializer):
    id = serializers.IntegerField(source="event.id")
    verb = serializers.CharField(source="event.verb")
    label = serializers.CharField()
    at = serializers.DateTimeField(source="event.at")
    actor = serializers.IntegerField(source="event.actor_id", allow_null=True)
    actor_name = serializers.SerializerMethodField()
    object_type = serializers.CharField(source="event.object_type")
    object_id = serializers.IntegerField(source="event.object_id")
    object_repr = serializers.CharField(source="event.object_repr")
    is_follow_up = serializers.BooleanField()
    changes = serializers.DictField(source="event.changes")
    data = serializers.DictField(source="event.data")

    def get_actor_name(self, entry: Any) -> str | None:
        actor = entry.event.actor
        return actor.display_name if actor is not None else None


class CustomerTimelinePageSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.CharField(allow_null=True)
    previous = serializers.CharField(allow_null=True)
    results = CustomerTimelineEventSerializer(many=True)


class CustomerContactPageSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    next = serializers.CharField(allow_null=True)
    previous = serializers.CharField(allow_null=True)
    results = ContactSerializer(many=True)


class CustomerLevelSerializer(OutputModelSerializer):
    class Meta:
        model = CustomerLevel
        fields = ["id", "code", "name", "order", "is_active"]
        read_only_fields = fields


class CustomerTagSerializer(OutputModelSerializer):
    class Meta:
        model = Tag
        fields = ["id", "name", "color"]
        read_only_fields = fields


class DedupSettingsSerializer(OutputModelSerializer):
    class Meta:
        model = DedupSettings
        fields = ["check_name", "check_uscc", "check_phone", "check_email"]
        read_only_fields = fields


# --- input --------------------------------------------------------------------------------------------


class CustomerInput(StrictSerializer):
    name = serializers.CharField(max_length=200)
    uscc = serializers.CharField(max_length=30, required=False, allow_blank=True)
    industry = serializers.ChoiceField(choices=Industry.choices, required=False, allow_blank=True)
    size = serializers.ChoiceField(choices=CompanySize.choices, required=False, allow_blank=True)
    region = serializers.CharField(max_length=100, required=False, allow_blank=True)
    address = serializers.CharField(max_length=300, required=False, allow_blank=True)
    lat = serializers.FloatField(min_value=-90, max_value=90, required=False, allow_null=True)
    lng = serializers.FloatField(min_value=-180, max_value=180, required=False, allow_null=True)
    phone = serializers.CharField(max_length=30, required=False, allow_blank=True)
    email = serializers.EmailField(max_length=254, required=False, allow_blank=True)
    website = serializers.CharField(max_length=200, required=False, allow_blank=True)
    level = IdField(required=False, allow_null=True)
    source = serializers.ChoiceField(choices=Source.choices, required=False, allow_blank=True)
    campaign = IdField(required=False, allow_null=True)
    owner = IdField(required=False)
    status = serializers.ChoiceField(choices=Customer.Status.choices, required=False)
    tags = serializers.ListField(child=IdField(), required=False, max_length=50)
    notes = serializers.CharField(max_length=5000, required=False, allow_blank=True)
    next_follow_up_at = serializers.DateTimeField(required=False, allow_null=True)


class CustomerUpdateInput(CustomerInput):
    version = serializers.IntegerField(
        min_value=1,
        max_value=2**31 - 1,
        required=False,
        help_text="The version you read; a stale one answers 409 stale_version.",
    )

    def validate_owner(self, value: Any) -> Any:
        raise serializers.ValidationError(_("Change the owner with POST /api/v1/customers/<id>/transfer/."))


class CustomerTransferInput(StrictSerializer):
    owner = IdField()


class CustomerShareInput(StrictSerializer):
    user = IdField()
    can_edit = serializers.BooleanField(required=False, default=False)


class CustomerUnshareInput(StrictSerializer):
    user = IdField()


class ContactInput(StrictSerializer):
    customer = IdField()
    name = serializers.CharField(max_length=100)
    title = serializers.CharField(max_length=100, required=False, allow_blank=True)
    phone = serializers.CharField(max_length=30, required=False, allow_blank=True)
    email = serializers.EmailField(max_length=254, required=False, allow_blank=True)
    wechat = serializers.CharField(max_length=50, required=False, allow_blank=True)
    birthday = serializers.DateField(required=False, allow_null=True)
    decision_role = serializers.ChoiceField(
        choices=Contact.DecisionRole.choices, required=False, allow_blank=True
    )
    is_primary = serializers.BooleanField(required=False)
    notes = serializers.CharField(max_length=5000, required=False, allow_blank=True)


class ContactUpdateInput(ContactInput):
    version = serializers.IntegerField(min_value=1, max_value=2**31 - 1, required=False)

    def validate_customer(self, value: Any) -> Any:
        raise serializers.ValidationError(_("A contact cannot be moved to another customer."))


class CustomerLevelInput(StrictSerializer):
    code = serializers.CharField(max_length=20)
    name = serializers.CharField(max_length=50)
    order = serializers.IntegerField(min_value=0, max_value=32767, required=False)
    is_active = serializers.BooleanField(required=False)


class CustomerTagInput(StrictSerializer):
    name = serializers.CharField(max_length=50)
    color = serializers.RegexField(r"^#[0-9a-fA-F]{6}$", max_length=7, required=False)


class DedupSettingsInput(StrictSerializer):
    check_name = serializers.BooleanField(required=False)
    check_uscc = serializers.BooleanField(required=False)
    check_phone = serializers.BooleanField(required=False)
    check_email = serializers.BooleanField(required=False)


# --- references in input ----------------------------------------------------------------------------


def _field_error(field: str, message: Any) -> ValidationFailed:
    return ValidationFailed(fields={field: [message]})


def resolve_customer_refs(actor: Any, data: dict[str, Any]) -> dict[str, Any]:
    """Turns the ids of an input into the objects the services take (a missing id is a field error)."""
    values = dict(data)
    if values.get("level") is not None:
        level = selectors.levels_all().filter(pk=values["level"]).first()
        if level is None:
            raise _field_error("level", _("Select a valid level."))
        values["level"] = level
    if values.get("campaign") is not None:
        campaign = selectors.campaign_for_reference(values["campaign"])
        if campaign is None:
            raise _field_error("campaign", _("Select a valid campaign."))
        values["campaign"] = campaign
    if "owner" in values:
        owner = selectors.users_for_sharing(actor).filter(pk=values["owner"]).first()
        if owner is None:
            raise _field_error("owner", _("Choose an active user."))
        values["owner"] = owner
    if "tags" in values:
        ids = list(dict.fromkeys(values["tags"]))
        tags = list(selectors.tags_all().filter(pk__in=ids))
        if len(tags) != len(ids):
            raise _field_error("tags", _("Select valid tags."))
        values["tags"] = tags
    for name in ("lat", "lng"):
        if values.get(name) is not None:
            values[name] = Decimal(str(values[name]))
    return values


# --- resources ----------------------------------------------------------------------------------------


class CustomerOrdering(OrderingFilter):
    """?ordering=name|created_at|last_follow_up_at|next_follow_up_at|level (level: by the level's rank)."""

    aliases = {"level": "level__order"}

    def get_ordering(self, request: Request, queryset: Any, view: Any) -> Any:
        params = request.query_params.get(self.ordering_param)
        if params:
            allowed = set(view.ordering_fields)
            terms = []
            for term in (t.strip() for t in params.split(",")):
                name = term.lstrip("-")
                if name in allowed:
                    terms.append(("-" if term.startswith("-") else "") + self.aliases.get(name, name))
            if terms:
                return [*terms, "-id"]
        return self.get_default_ordering(view)

    def filter_queryset(self, request: Request, queryset: Any, view: Any) -> Any:
        ordering = self.get_ordering(request, queryset, view)
        if not ordering:
            return queryset
        return queryset.order_by(*[order_by_term(queryset.model, term) for term in ordering])


class CustomerViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    serializer_class = CustomerSerializer
    filterset_class = CustomerFilter
    # NearbyFilter last: with ?lat=&lng= (and no ?ordering=) the nearest customers come first.
    filter_backends = [FilterBackend, CustomerOrdering, NearbyFilter]
    ordering_fields = ["name", "created_at", "last_follow_up_at", "next_follow_up_at", "level", "id"]
    ordering = ["-created_at", "-id"]

    def get_queryset(self) -> Any:
        return selectors.customer_list(actor=self.request.user)

    def fetch(self, pk: Any) -> Customer:
        return selectors.customer_detail(actor=self.request.user, id=pk)

    @extend_schema(request=CustomerInput, responses={201: CustomerSerializer})
    def create(self, request: Request) -> Response:
        data = resolve_customer_refs(request.user, self.input(CustomerInput))
        customer = services.customer_create(actor=request.user, **data)
        return self.respond(self.fetch(customer.pk), status=201)

    @extend_schema(request=CustomerUpdateInput, responses=CustomerSerializer)
    def partial_update(self, request: Request, pk: Any = None) -> Response:
        customer = self.get_object()
        data = self.input(CustomerUpdateInput, partial=True)
        version = data.pop("version", None)
        customer = services.customer_update(
            actor=request.user,
            customer=customer,
            data=resolve_customer_refs(request.user, data),
            expected_version=version,
        )
        return self.respond(self.fetch(customer.pk))

    @extend_schema(responses={204: None})
    def destroy(self, request: Request, pk: Any = None) -> Response:
        services.customer_delete(actor=request.user, customer=self.get_object())
        return Response(status=204)

    @extend_schema(request=CustomerTransferInput, responses=CustomerSerializer)
    @action(detail=True, methods=["post"], filter_backends=[])
    def transfer(self, request: Request, pk: Any = None) -> Response:
        customer = self.get_object()
        data = self.input(CustomerTransferInput)
        owner = selectors.users_for_sharing(request.user).filter(pk=data["owner"]).first()
        if owner is None:
            raise _field_error("owner", _("Choose an active user."))
        services.customer_transfer(actor=request.user, customer=customer, owner=owner)
        return self.respond(self.fetch(customer.pk))

    @extend_schema(request=CustomerShareInput, responses=CustomerSerializer)
    @action(detail=True, methods=["post"], filter_backends=[])
    def share(self, request: Request, pk: Any = None) -> Response:
        customer = self.get_object()
        data = self.input(CustomerShareInput)
        user = selectors.users_for_sharing(request.user).filter(pk=data["user"]).first()
        if user is None:
            raise _field_error("user", _("Choose an active user."))
        services.customer_share(actor=request.user, customer=customer, user=user, can_edit=data["can_edit"])
        return self.respond(self.fetch(customer.pk))

    @extend_schema(request=CustomerUnshareInput, responses=CustomerSerializer)
    @action(detail=True, methods=["post"], filter_backends=[])
    def unshare(self, request: Request, pk: Any = None) -> Response:
        customer = self.get_object()
        data = self.input(CustomerUnshareInput)
        user = selectors.user_for_reference(data["user"])
        if user is None:
            raise _field_error("user", _("This user is not a collaborator of the customer."))
        services.customer_unshare(actor=request.user, customer=customer, user=user)
        return self.respond(self.fetch(customer.pk))

    @extend_schema(request=None, responses=CustomerTimelinePageSerializer)
    @action(detail=True, methods=["get"], filter_backends=[])
    def timeline(self, request: Request, pk: Any = None) -> Response:
        customer = self.get_object()
        page = self.paginate_queryset(selectors.customer_events(actor=request.user, customer=customer))
        entries = selectors.timeline_entries(page)
        return self.get_paginated_response(CustomerTimelineEventSerializer(entries, many=True).data)

    @extend_schema(request=None, responses=CustomerContactPageSerializer)
    @action(detail=True, methods=["get"], filter_backends=[])
    def contacts(self, request: Request, pk: Any = None) -> Response:
        customer = self.get_object()
        page = self.paginate_queryset(selectors.customer_contacts(actor=request.user, customer=customer))
        return self.get_paginated_response(ContactSerializer(page, many=True).data)


class ContactViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    serializer_class = ContactSerializer
    filterset_class = ContactFilter
    ordering_fields = ["name", "created_at", "id"]
    ordering = ["customer_id", "-is_primary", "id"]

    def get_queryset(self) -> Any:
        return selectors.contact_list(actor=self.request.user)

    def fetch(self, pk: Any) -> Contact:
        return selectors.contact_get(actor=self.request.user, id=pk)

    @extend_schema(request=ContactInput, responses={201: ContactSerializer})
    def create(self, request: Request) -> Response:
        data = self.input(ContactInput)
        customer = selectors.customers_visible_to(request.user).filter(pk=data.pop("customer")).first()
        if customer is None:
            raise _field_error("customer", _("Select a valid customer."))
        contact = services.contact_create(actor=request.user, customer=customer, **data)
        return self.respond(self.fetch(contact.pk), status=201)

    @extend_schema(request=ContactUpdateInput, responses=ContactSerializer)
    def partial_update(self, request: Request, pk: Any = None) -> Response:
        contact = self.get_object()
        data = self.input(ContactUpdateInput, partial=True)
        version = data.pop("version", None)
        contact = services.contact_update(
            actor=request.user, contact=contact, data=data, expected_version=version
        )
        return self.respond(self.fetch(contact.pk))

    @extend_schema(responses={204: None})
    def destroy(self, request: Request, pk: Any = None) -> Response:
        services.contact_delete(actor=request.user, contact=self.get_object())
        return Response(status=204)

    @extend_schema(request=None, responses=ContactSerializer)
    @action(detail=True, methods=["post"], url_path="set-primary", filter_backends=[])
    def set_primary(self, request: Request, pk: Any = None) -> Response:
        contact = services.contact_set_primary(actor=request.user, contact=self.get_object())
        return self.respond(self.fetch(contact.pk))


class CustomerLevelViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    serializer_class = CustomerLevelSerializer
    filter_backends: list[Any] = []
    pagination_class = None

    def get_queryset(self) -> Any:
        return selectors.levels_all()

    def fetch(self, pk: Any) -> CustomerLevel:
        return selectors.level_get(actor=self.request.user, id=pk)

    @extend_schema(request=CustomerLevelInput, responses={201: CustomerLevelSerializer})
    def create(self, request: Request) -> Response:
        data = self.input(CustomerLevelInput)
        is_active = data.pop("is_active", True)
        level = services.level_create(actor=request.user, **data)
        if not is_active:
            level = services.level_deactivate(actor=request.user, level=level)
        return self.respond(level, status=201)

    @extend_schema(request=CustomerLevelInput, responses=CustomerLevelSerializer)
    def partial_update(self, request: Request, pk: Any = None) -> Response:
        level = services.level_update(
            actor=request.user, level=self.get_object(), data=self.input(CustomerLevelInput, partial=True)
        )
        return self.respond(level)

    @extend_schema(responses={204: None})
    def destroy(self, request: Request, pk: Any = None) -> Response:
        services.level_deactivate(actor=request.user, level=self.get_object())
        return Response(status=204)


class TagViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    serializer_class = CustomerTagSerializer
    filter_backends: list[Any] = []
    pagination_class = None

    def get_queryset(self) -> Any:
        return selectors.tags_all()

    def fetch(self, pk: Any) -> Tag:
        return selectors.tag_get(actor=self.request.user, id=pk)

    @extend_schema(request=CustomerTagInput, responses={201: CustomerTagSerializer})
    def create(self, request: Request) -> Response:
        return self.respond(
            services.tag_create(actor=request.user, **self.input(CustomerTagInput)), status=201
        )

    @extend_schema(request=CustomerTagInput, responses=CustomerTagSerializer)
    def partial_update(self, request: Request, pk: Any = None) -> Response:
        tag = services.tag_update(
            actor=request.user, tag=self.get_object(), data=self.input(CustomerTagInput, partial=True)
        )
        return self.respond(tag)

    @extend_schema(responses={204: None})
    def destroy(self, request: Request, pk: Any = None) -> Response:
        services.tag_delete(actor=request.user, tag=self.get_object())
        return Response(status=204)


class DedupSettingsView(APIView):
    """GET the duplicate-check settings (everyone); PATCH them (config.manage)."""

    @extend_schema(responses=DedupSettingsSerializer)
    def get(self, request: Request) -> Response:
        return Response(DedupSettingsSerializer(selectors.dedup_settings_get()).data)

    @extend_schema(request=DedupSettingsInput, responses=DedupSettingsSerializer)
    def patch(self, request: Request) -> Response:
        serializer = DedupSettingsInput(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        config = services.dedup_settings_update(actor=request.user, data=dict(serializer.validated_data))
        return Response(DedupSettingsSerializer(config).data)
