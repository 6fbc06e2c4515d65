"""REST resources of pipelines, lost reasons and opportunities (API.md): thin adapters over services
and selectors.

Stages are edited through sub-endpoints of their pipeline:
  POST  /pipelines/<id>/stages/                 add an open stage ({"name", ..., "position"})
  POST  /pipelines/<id>/stages/reorder/         {"stages": [ids of every open stage, in order]}
  GET/PATCH /pipelines/<id>/stages/<stage_id>/  read / rename and reconfigure (also "is_active": true)
  POST  /pipelines/<id>/stages/<stage_id>/retire/  {"move_to": stage id for its open opportunities}
"""

from __future__ import annotations

from typing import Any

from django.http import FileResponse
from django.utils import timezone
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
    inline_serializer,
)
from rest_framework import mixins, serializers
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from openfunnel.core.api import IdField, StrictSerializer
from openfunnel.core.choices import Source
from openfunnel.core.errors import NotFound, ValidationFailed
from openfunnel.core.output import OutputModelSerializer, OutputSerializer
from openfunnel.core.viewsets import ScopedViewSet
from openfunnel.customers.models import Contact
from openfunnel.sales import selectors, services
from openfunnel.sales.filters import OpportunityFilter
from openfunnel.sales.models import (
    LostReason,
    Opportunity,
    OpportunityAttachment,
    Pipeline,
    Stage,
    StageChange,
)
from openfunnel.sales.requirements import REQUIRABLE_FIELDS


def _ref(field: str, fetch: Any) -> Any:
    """A referenced object from a payload id; a missing or invisible one is a field error."""
    try:
        return fetch()
    except NotFound:
        raise ValidationFailed(fields={field: [_not_found_message()]}) from None


def _not_found_message() -> str:
    from django.utils.translation import gettext

    return gettext("No such object, or not visible to you.")


# --- pipelines ----------------------------------------------------------------------------------------------

class StageSerializer(OutputModelSerializer):
    class Meta:
        model = Stage
        fields = ["id", "name", "order", "probability", "guidance", "checklist", "required_fields",
                  "required_attachments", "max_days", "kind", "is_active"]


class PipelineSerializer(OutputModelSerializer):
    stages = StageSerializer(many=True, read_only=True)

    class Meta:
        model = Pipeline
        fields = ["id", "name", "description", "order", "is_active", "allow_probability_override",
                  "close_reminder_days", "auto_close_lost_after_days", "auto_close_lost_reason", "stages"]


class StageFieldsInput(StrictSerializer):
    name = serializers.CharField(max_length=100)
    probability = serializers.IntegerField(min_value=0, max_value=100, required=False)
    guidance = serializers.CharField(max_length=5000, required=False, allow_blank=True)
    checklist = serializers.ListField(child=serializers.CharField(max_length=200), max_length=30, required=False)
    required_fields = serializers.ListField(child=serializers.ChoiceField(choices=list(REQUIRABLE_FIELDS)),
                                            required=False, max_length=len(REQUIRABLE_FIELDS))
    required_attachments = serializers.IntegerField(min_value=0, max_value=20, required=False)
    max_days = serializers.IntegerField(min_value=1, max_value=3650, required=False, allow_null=True)


class PipelineStageInput(StageFieldsInput):
    kind = serializers.ChoiceField(choices=Stage.Kind.choices, required=False)


class StageAddInput(StageFieldsInput):
    position = serializers.IntegerField(min_value=1, max_value=1000, required=False)


class StageUpdateInput(StageFieldsInput):
    is_active = serializers.BooleanField(required=False)


class StageRetireInput(StrictSerializer):
    move_to = IdField(required=False, allow_null=True)


class StageReorderInput(StrictSerializer):
    stages = serializers.ListField(child=IdField(), max_length=200)


class PipelineInput(StrictSerializer):
    name = serializers.CharField(max_length=100)
    description = serializers.CharField(max_length=5000, required=False, allow_blank=True)
    order = serializers.IntegerField(min_value=0, max_value=1000, required=False)
    is_active = serializers.BooleanField(required=False)
    allow_probability_override = serializers.BooleanField(required=False)
    close_reminder_days = serializers.IntegerField(min_value=0, max_value=365, required=False)
    auto_close_lost_after_days = serializers.IntegerField(min_value=0, max_value=3650, required=False,
                                                          allow_null=True)
    auto_close_lost_reason = IdField(required=False, allow_null=True)


class PipelineCreateInput(PipelineInput):
    stages = PipelineStageInput(many=True, required=False)


class PipelineViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    serializer_class = PipelineSerializer
    filterset_fields = ["is_active"]

    def get_queryset(self) -> Any:
        return selectors.pipelines_visible_to(self.request.user)

    def fetch(self, pk: Any) -> Pipeline:
        return selectors.pipeline_get(actor=self.request.user, id=pk)

    @extend_schema(request=PipelineCreateInput, responses={201: PipelineSerializer})
    def create(self, request: Request) -> Response:
        pipeline = services.pipeline_create(actor=request.user, **self.input(PipelineCreateInput))
        return self.respond(self.fetch(pipeline.pk), status=201)

    @extend_schema(request=PipelineInput, responses=PipelineSerializer)
    def partial_update(self, request: Request, pk: Any = None) -> Response:
        pipeline = services.pipeline_update(actor=request.user, pipeline=self.get_object(),
                                            data=self.input(PipelineInput, partial=True))
        return self.respond(self.fetch(pipeline.pk))

    @extend_schema(request=StageAddInput, responses={201: StageSerializer})
    @action(detail=True, methods=["post"], url_path="stages")
    def stages(self, request: Request, pk: Any = None) -> Response:
        pipeline = self.get_object()
        stage = services.stage_add(actor=request.user, pipeline=pipeline, **self.input(StageAddInput))
        return Response(StageSerializer(stage).data, status=201)

    @extend_schema(request=StageReorderInput, responses=PipelineSerializer)
    @action(detail=True, methods=["post"], url_path="stages/reorder")
    def reorder(self, request: Request, pk: Any = None) -> Response:
        pipeline = self.get_object()
        services.stage_reorder(actor=request.user, pipeline=pipeline,
                               stage_ids=self.input(StageReorderInput)["stages"])
        return self.respond(self.fetch(pipeline.pk))


PIPELINE_PK = OpenApiParameter("pipeline_pk", int, OpenApiParameter.PATH)
OPPORTUNITY_PK = OpenApiParameter("opportunity_pk", int, OpenApiParameter.PATH)


@extend_schema_view(retrieve=extend_schema(parameters=[PIPELINE_PK]), partial_update=extend_schema(parameters=[PIPELINE_PK]),
                    retire=extend_schema(parameters=[PIPELINE_PK]))
class PipelineStageViewSet(mixins.RetrieveModelMixin, ScopedViewSet):
    serializer_class = StageSerializer
    pagination_class = None

    def pipeline(self) -> Pipeline:
        return selectors.pipeline_get(actor=self.request.user, id=self.kwargs["pipeline_pk"])

    def get_queryset(self) -> Any:
        return Stage.objects.none()

    def fetch(self, pk: Any) -> Stage:
        return selectors.stage_get(pipeline=self.pipeline(), id=pk)

    @extend_schema(request=StageUpdateInput, responses=StageSerializer)
    def partial_update(self, request: Request, pipeline_pk: Any = None, pk: Any = None) -> Response:
        stage = services.stage_update(actor=request.user, stage=self.get_object(),
                                      data=self.input(StageUpdateInput, partial=True))
        return self.respond(stage)

    @extend_schema(request=StageRetireInput, responses=StageSerializer)
    @action(detail=True, methods=["post"])
    def retire(self, request: Request, pipeline_pk: Any = None, pk: Any = None) -> Response:
        stage = self.get_object()
        move_to_id = self.input(StageRetireInput).get("move_to")
        move_to = _ref("move_to", lambda: selectors.stage_get(pipeline=stage.pipeline, id=move_to_id)) \
            if move_to_id else None
        return self.respond(services.stage_retire(actor=request.user, stage=stage, move_to=move_to))


# --- lost reasons ---------------------------------------------------------------------------------------------

class LostReasonSerializer(OutputModelSerializer):
    class Meta:
        model = LostReason
        fields = ["id", "name", "order", "is_active"]


class LostReasonInput(StrictSerializer):
    name = serializers.CharField(max_length=100)
    order = serializers.IntegerField(min_value=0, max_value=1000, required=False)
    is_active = serializers.BooleanField(required=False)


class LostReasonViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    serializer_class = LostReasonSerializer
    filterset_fields = ["is_active"]

    def get_queryset(self) -> Any:
        return selectors.lost_reasons(active_only=False)

    def fetch(self, pk: Any) -> LostReason:
        return selectors.lost_reason_get(id=pk)

    @extend_schema(request=LostReasonInput, responses={201: LostReasonSerializer})
    def create(self, request: Request) -> Response:
        reason = services.lost_reason_create(actor=request.user, **self.input(LostReasonInput))
        return self.respond(reason, status=201)

    @extend_schema(request=LostReasonInput, responses=LostReasonSerializer)
    def partial_update(self, request: Request, pk: Any = None) -> Response:
        reason = services.lost_reason_update(actor=request.user, reason=self.get_object(),
                                             data=self.input(LostReasonInput, partial=True))
        return self.respond(reason)


# --- opportunities --------------------------------------------------------------------------------------------

class OpportunitySerializer(OutputModelSerializer):
    customer_name = serializers.CharField(source="customer.name", read_only=True)
    owner_name = serializers.CharField(source="owner.display_name", read_only=True)
    pipeline_name = serializers.CharField(source="pipeline.name", read_only=True)
    stage_name = serializers.CharField(source="stage.name", read_only=True)
    stage_kind = serializers.CharField(source="stage.kind", read_only=True)
    lost_reason_name = serializers.CharField(source="lost_reason.name", read_only=True, default=None)
    weighted_amount = serializers.DecimalField(max_digits=14, decimal_places=2, read_only=True)
    days_in_stage = serializers.SerializerMethodField()

    class Meta:
        model = Opportunity
        fields = ["id", "name", "customer", "customer_name", "owner", "owner_name", "pipeline", "pipeline_name",
                  "stage", "stage_name", "stage_kind", "amount", "amount_from_lines", "weighted_amount",
                  "expected_close_date", "probability", "forecast_category", "source", "campaign", "lead", "status",
                  "lost_reason", "lost_reason_name", "lost_note", "won_at", "closed_at", "stage_entered_at",
                  "days_in_stage", "close_date_push_count", "difficulty", "next_step", "competitor", "description",
                  "is_overdue", "version", "created_at", "updated_at"]

    def get_days_in_stage(self, obj: Opportunity) -> int:
        return obj.days_in_stage()


class ContactLinkSerializer(OutputSerializer):
    contact = serializers.IntegerField(source="contact_id")
    name = serializers.CharField(source="contact.name")
    role = serializers.CharField()


class LineSerializer(OutputSerializer):
    id = serializers.IntegerField()
    product = serializers.IntegerField(source="product_id")
    product_code = serializers.CharField(source="product.code")
    product_name = serializers.CharField(source="product.name")
    quantity = serializers.DecimalField(max_digits=12, decimal_places=2)
    unit_price = serializers.DecimalField(max_digits=14, decimal_places=2)
    discount_percent = serializers.DecimalField(max_digits=5, decimal_places=2)
    amount = serializers.DecimalField(max_digits=14, decimal_places=2)


class ShareSerializer(OutputSerializer):
    user = serializers.IntegerField(source="user_id")
    user_name = serializers.CharField(source="user.display_name")
    can_edit = serializers.BooleanField()


class OpportunityDetailSerializer(OpportunitySerializer):
    contacts = ContactLinkSerializer(source="contact_links", many=True, read_only=True)
    lines = LineSerializer(many=True, read_only=True)
    shares = ShareSerializer(many=True, read_only=True)
    checklist = serializers.SerializerMethodField()

    class Meta(OpportunitySerializer.Meta):
        fields = [*OpportunitySerializer.Meta.fields, "contacts", "lines", "shares", "checklist"]

    def get_checklist(self, obj: Opportunity) -> list[dict[str, Any]]:
        done = set((obj.checklist_done or {}).get(str(obj.stage_id), []))
        return [{"item": item, "done": item in done} for item in obj.stage.checklist or []]


class ContactLinkInput(StrictSerializer):
    contact = IdField()
    role = serializers.ChoiceField(choices=Contact.DecisionRole.choices, required=False, allow_blank=True)


class LineInput(StrictSerializer):
    product = IdField()
    quantity = serializers.DecimalField(max_digits=12, decimal_places=2, min_value=0, required=False)
    unit_price = serializers.DecimalField(max_digits=14, decimal_places=2, min_value=0, required=False)
    discount_percent = serializers.DecimalField(max_digits=5, decimal_places=2, min_value=0, max_value=100,
                                                required=False)


class OpportunityFieldsInput(StrictSerializer):
    name = serializers.CharField(max_length=200)
    amount = serializers.DecimalField(max_digits=14, decimal_places=2, min_value=0, required=False)
    amount_from_lines = serializers.BooleanField(required=False)
    expected_close_date = serializers.DateField(required=False, allow_null=True)
    probability = serializers.IntegerField(min_value=0, max_value=100, required=False)
    forecast_category = serializers.ChoiceField(choices=Opportunity.ForecastCategory.choices, required=False)
    source = serializers.ChoiceField(choices=Source.choices, required=False, allow_blank=True)
    campaign = IdField(required=False, allow_null=True)
    difficulty = serializers.DecimalField(max_digits=4, decimal_places=2, min_value=0, required=False)
    next_step = serializers.CharField(max_length=300, required=False, allow_blank=True)
    competitor = serializers.CharField(max_length=200, required=False, allow_blank=True)
    description = serializers.CharField(max_length=10000, required=False, allow_blank=True)
    owner = IdField(required=False)
    contacts = ContactLinkInput(many=True, required=False)
    lines = LineInput(many=True, required=False)


class OpportunityCreateInput(OpportunityFieldsInput):
    customer = IdField()
    pipeline = IdField(required=False)
    stage = IdField(required=False)
    lead = IdField(required=False, allow_null=True)


class OpportunityUpdateInput(OpportunityFieldsInput):
    version = serializers.IntegerField(min_value=1, required=False)


class FillInput(StrictSerializer):
    """Values filled in place when a stage's requirements are missing (and the optimistic version)."""

    version = serializers.IntegerField(min_value=1, required=False)
    amount = serializers.DecimalField(max_digits=14, decimal_places=2, min_value=0, required=False)
    expected_close_date = serializers.DateField(required=False, allow_null=True)
    next_step = serializers.CharField(max_length=300, required=False, allow_blank=True)
    competitor = serializers.CharField(max_length=200, required=False, allow_blank=True)
    source = serializers.ChoiceField(choices=Source.choices, required=False, allow_blank=True)
    campaign = IdField(required=False, allow_null=True)
    description = serializers.CharField(max_length=10000, required=False, allow_blank=True)
    contacts = ContactLinkInput(many=True, required=False)


class MoveInput(FillInput):
    stage = IdField()
    lost_reason = IdField(required=False, allow_null=True)
    lost_note = serializers.CharField(max_length=2000, required=False, allow_blank=True)


class LoseInput(StrictSerializer):
    reason = IdField()
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True)
    version = serializers.IntegerField(min_value=1, required=False)


class ReopenInput(StrictSerializer):
    stage = IdField(required=False)


class ShareInput(StrictSerializer):
    user = IdField()
    can_edit = serializers.BooleanField(required=False)


class StageChangeSerializer(OutputModelSerializer):
    actor_name = serializers.CharField(source="actor.display_name", read_only=True, default=None)
    days_in_from_stage = serializers.DecimalField(max_digits=10, decimal_places=1, read_only=True)

    class Meta:
        model = StageChange
        fields = ["id", "from_stage", "from_stage_name", "to_stage", "to_stage_name", "at", "actor", "actor_name",
                  "days_in_from_stage"]


class AttachmentSerializer(OutputModelSerializer):
    uploaded_by_name = serializers.CharField(source="uploaded_by.display_name", read_only=True, default=None)
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = OpportunityAttachment
        fields = ["id", "name", "size", "content_type", "stage", "stage_name", "note", "uploaded_by",
                  "uploaded_by_name", "uploaded_at", "download_url"]

    def get_download_url(self, obj: OpportunityAttachment) -> str:
        return f"/api/v1/opportunities/{obj.opportunity_id}/attachments/{obj.pk}/download/"


class AttachmentInput(StrictSerializer):
    file = serializers.FileField(max_length=255, allow_empty_file=False)
    stage = IdField(required=False)
    note = serializers.CharField(max_length=300, required=False, allow_blank=True)


def _fill(data: dict[str, Any]) -> dict[str, Any]:
    fill = {k: v for k, v in data.items() if k not in ("version", "stage", "lost_reason", "lost_note")}
    if "contacts" in fill:
        fill["contacts"] = [dict(c) for c in fill["contacts"]]
    return fill


class OpportunityViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    serializer_class = OpportunitySerializer
    filterset_class = OpportunityFilter
    ordering_fields = ["name", "amount", "expected_close_date", "probability", "created_at", "stage_entered_at", "id"]
    ordering = ["-id"]

    def get_serializer_class(self) -> Any:
        return OpportunitySerializer if self.action == "list" else OpportunityDetailSerializer

    def get_queryset(self) -> Any:
        return selectors.opportunities_visible_to(self.request.user)

    def fetch(self, pk: Any) -> Opportunity:
        return selectors.opportunity_get(actor=self.request.user, id=pk)

    @extend_schema(request=OpportunityCreateInput, responses={201: OpportunityDetailSerializer})
    def create(self, request: Request) -> Response:
        data = self.input(OpportunityCreateInput)
        actor = request.user
        pipeline_id, stage_id = data.pop("pipeline", None), data.pop("stage", None)
        pipeline = _ref("pipeline", lambda: selectors.pipeline_get(actor=actor, id=pipeline_id)) if pipeline_id \
            else None
        stage = None
        if stage_id:
            if pipeline is None:
                stage_obj = Stage.objects.filter(pk=stage_id).select_related("pipeline").first()
                pipeline = stage_obj.pipeline if stage_obj else None
            stage = _ref("stage", lambda: selectors.stage_get(pipeline=pipeline, id=stage_id)) if pipeline else None
            if stage is None:
                raise ValidationFailed(fields={"stage": [_not_found_message()]})
        data["contacts"] = [dict(c) for c in data.get("contacts", [])]
        data["lines"] = [dict(line) for line in data.get("lines", [])]
        opportunity = services.opportunity_create(actor=actor, pipeline=pipeline, stage=stage, **data)
        return self.respond(self.fetch(opportunity.pk), status=201)

    @extend_schema(request=OpportunityUpdateInput, responses=OpportunityDetailSerializer)
    def partial_update(self, request: Request, pk: Any = None) -> Response:
        data = self.input(OpportunityUpdateInput, partial=True)
        version = data.pop("version", None)
        for key in ("contacts", "lines"):
            if key in data:
                data[key] = [dict(item) for item in data[key]]
        opportunity = services.opportunity_update(actor=request.user, opportunity=self.get_object(), data=data,
                                                  expected_version=version)
        return self.respond(self.fetch(opportunity.pk))

    def destroy(self, request: Request, pk: Any = None) -> Response:
        services.opportunity_delete(actor=request.user, opportunity=self.get_object())
        return Response(status=204)

    @extend_schema(request=MoveInput, responses=OpportunityDetailSerializer)
    @action(detail=True, methods=["post"])
    def move(self, request: Request, pk: Any = None) -> Response:
        opportunity = self.get_object()
        data = self.input(MoveInput)
        stage = _ref("stage", lambda: selectors.stage_get(pipeline=opportunity.pipeline, id=data["stage"]))
        services.opportunity_move(actor=request.user, opportunity=opportunity, stage=stage, fill=_fill(data),
                                  lost_reason=data.get("lost_reason"), lost_note=data.get("lost_note", ""),
                                  expected_version=data.get("version"))
        return self.respond(self.fetch(opportunity.pk))

    @extend_schema(request=FillInput, responses=OpportunityDetailSerializer)
    @action(detail=True, methods=["post"])
    def win(self, request: Request, pk: Any = None) -> Response:
        opportunity = self.get_object()
        data = self.input(FillInput)
        services.opportunity_win(actor=request.user, opportunity=opportunity, fill=_fill(data),
                                 expected_version=data.get("version"))
        return self.respond(self.fetch(opportunity.pk))

    @extend_schema(request=LoseInput, responses=OpportunityDetailSerializer)
    @action(detail=True, methods=["post"])
    def lose(self, request: Request, pk: Any = None) -> Response:
        opportunity = self.get_object()
        data = self.input(LoseInput)
        services.opportunity_lose(actor=request.user, opportunity=opportunity, reason=data["reason"],
                                  note=data.get("note", ""), expected_version=data.get("version"))
        return self.respond(self.fetch(opportunity.pk))

    @extend_schema(request=ReopenInput, responses=OpportunityDetailSerializer)
    @action(detail=True, methods=["post"])
    def reopen(self, request: Request, pk: Any = None) -> Response:
        opportunity = self.get_object()
        stage_id = self.input(ReopenInput).get("stage")
        stage = _ref("stage", lambda: selectors.stage_get(pipeline=opportunity.pipeline, id=stage_id)) \
            if stage_id else None
        services.opportunity_reopen(actor=request.user, opportunity=opportunity, stage=stage)
        return self.respond(self.fetch(opportunity.pk))

    @extend_schema(responses=inline_serializer("OpportunityHistory", {
        "results": StageChangeSerializer(many=True),
        "stage_times": inline_serializer("StageTime", {"stage": serializers.IntegerField(allow_null=True),
                                                       "name": serializers.CharField(),
                                                       "days": serializers.DecimalField(max_digits=10, decimal_places=1),
                                                       "entries": serializers.IntegerField(),
                                                       "current": serializers.BooleanField()}, many=True),
        "close_date_push_count": serializers.IntegerField()}))
    @action(detail=True, methods=["get"])
    def history(self, request: Request, pk: Any = None) -> Response:
        opportunity = self.get_object()
        changes = selectors.opportunity_history(opportunity=opportunity)
        times = selectors.opportunity_stage_times(opportunity=opportunity, changes=changes)
        return Response({
            "results": StageChangeSerializer(changes, many=True).data,
            "stage_times": [{"stage": t.stage_id, "name": t.name, "days": str(t.days), "entries": t.entries,
                             "current": t.current} for t in times],
            "close_date_push_count": opportunity.close_date_push_count,
        })

    @extend_schema(request=ShareInput, responses=OpportunityDetailSerializer)
    @action(detail=True, methods=["post"])
    def shares(self, request: Request, pk: Any = None) -> Response:
        opportunity = self.get_object()
        data = self.input(ShareInput)
        services.opportunity_share_set(actor=request.user, opportunity=opportunity, user=data["user"],
                                       can_edit=data.get("can_edit", False))
        return self.respond(self.fetch(opportunity.pk))

    @extend_schema(request=None, responses={204: None})
    @action(detail=True, methods=["delete"], url_path=r"shares/(?P<user_id>[^/]+)")
    def unshare(self, request: Request, pk: Any = None, user_id: Any = None) -> Response:
        from openfunnel.core.api import parse_id

        services.opportunity_share_remove(actor=request.user, opportunity=self.get_object(), user=parse_id(user_id))
        return Response(status=204)

    @extend_schema(responses=inline_serializer("OverdueReportRow", {
        "owner": serializers.IntegerField(), "owner_name": serializers.CharField(),
        "overdue_open": serializers.IntegerField(), "overdue_amount": serializers.DecimalField(max_digits=18,
                                                                                                decimal_places=2),
        "closed_late": serializers.IntegerField(), "push_backs": serializers.IntegerField(),
        "opportunities": serializers.ListField(child=serializers.IntegerField())}, many=True))
    @action(detail=False, methods=["get"], url_path="overdue-report")
    def overdue_report(self, request: Request) -> Response:
        """Per rep: open opportunities past their expected close date, deals closed late, push-backs."""
        queryset = self.filter_queryset(self.get_queryset())
        rows = selectors.overdue_report(queryset=queryset, today=timezone.localdate())
        return Response({"results": [{
            "owner": r.owner.pk if r.owner else None, "owner_name": r.owner.display_name if r.owner else "",
            "overdue_open": r.overdue_open, "overdue_amount": f"{r.overdue_amount:.2f}", "closed_late": r.closed_late,
            "push_backs": r.push_backs, "opportunities": [o.pk for o in r.opportunities]} for r in rows]})


@extend_schema_view(list=extend_schema(parameters=[OPPORTUNITY_PK]), create=extend_schema(parameters=[OPPORTUNITY_PK]),
                    destroy=extend_schema(parameters=[OPPORTUNITY_PK]), download=extend_schema(parameters=[OPPORTUNITY_PK]))
class OpportunityAttachmentViewSet(mixins.ListModelMixin, ScopedViewSet):
    """Stage attachments of one opportunity: GET list, POST (multipart: file, stage, note), DELETE, download."""

    serializer_class = AttachmentSerializer
    parser_classes = [MultiPartParser, FormParser]

    def opportunity(self) -> Opportunity:
        return selectors.opportunity_get(actor=self.request.user, id=self.kwargs["opportunity_pk"])

    def get_queryset(self) -> Any:
        if getattr(self, "swagger_fake_view", False):
            return OpportunityAttachment.objects.none()
        return OpportunityAttachment.objects.filter(opportunity=self.opportunity()).select_related("uploaded_by")

    def fetch(self, pk: Any) -> OpportunityAttachment:
        return selectors.attachment_get(actor=self.request.user, opportunity_id=self.kwargs["opportunity_pk"], id=pk)

    @extend_schema(request={"multipart/form-data": AttachmentInput}, responses={201: AttachmentSerializer})
    def create(self, request: Request, opportunity_pk: Any = None) -> Response:
        opportunity = self.opportunity()
        data = self.input(AttachmentInput)
        stage = _ref("stage", lambda: selectors.stage_get(pipeline=opportunity.pipeline, id=data["stage"])) \
            if data.get("stage") else None
        attachment = services.opportunity_attachment_add(actor=request.user, opportunity=opportunity,
                                                         file=data["file"], stage=stage, note=data.get("note", ""))
        return self.respond(attachment, status=201)

    def destroy(self, request: Request, opportunity_pk: Any = None, pk: Any = None) -> Response:
        services.opportunity_attachment_delete(actor=request.user, attachment=self.get_object())
        return Response(status=204)

    @extend_schema(responses={(200, "application/octet-stream"): OpenApiResponse(description="the file")})
    @action(detail=True, methods=["get"])
    def download(self, request: Request, opportunity_pk: Any = None, pk: Any = None) -> Any:
        return attachment_response(self.get_object())


INLINE_TYPES = {"image/png", "image/jpeg", "image/gif", "image/webp", "application/pdf"}


def attachment_response(attachment: OpportunityAttachment) -> FileResponse:
    """The file, inline for images and PDFs and as a download otherwise."""
    try:
        handle = attachment.file.open("rb")
    except (FileNotFoundError, OSError):
        raise NotFound() from None
    inline = attachment.content_type in INLINE_TYPES
    return FileResponse(handle, as_attachment=not inline, filename=attachment.name,
                        content_type=attachment.content_type if inline else "application/octet-stream")
