"""REST resources of follow-ups, attachments, tasks and reminders (API.md): thin adapters over services
and selectors."""

from __future__ import annotations

from typing import Any

from django.urls import reverse
from drf_spectacular.utils import extend_schema, extend_schema_serializer
from rest_framework import mixins, serializers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from openfunnel.activities import selectors, services
from openfunnel.activities.filters import ActivityFilter, AttachmentFilter, TaskFilter
from openfunnel.activities.models import Activity, Attachment, Reminder, Task
from openfunnel.activities.services.follow_ups import CONTENT_MAX, MAX_MENTIONS
from openfunnel.core.api import IdField, StrictSerializer
from openfunnel.core.output import OutputModelSerializer
from openfunnel.core.viewsets import ScopedViewSet


@extend_schema_serializer(component_name="RecordAttachment")
class AttachmentSerializer(OutputModelSerializer):
    uploaded_by_name = serializers.SerializerMethodField()
    url = serializers.SerializerMethodField()

    class Meta:
        model = Attachment
        fields = ["id", "name", "size", "content_type", "activity", "customer", "lead", "uploaded_by",
                  "uploaded_by_name", "uploaded_at", "url"]

    def get_uploaded_by_name(self, obj: Attachment) -> str:
        return obj.uploaded_by.display_name if obj.uploaded_by else ""

    def get_url(self, obj: Attachment) -> str:
        return reverse("activities:attachment_download", args=[obj.pk])


@extend_schema_serializer(component_name="ActivityAttachment")
class ActivityAttachmentSerializer(OutputModelSerializer):
    url = serializers.SerializerMethodField()

    class Meta:
        model = Attachment
        fields = ["id", "name", "size", "content_type", "url"]

    def get_url(self, obj: Attachment) -> str:
        return reverse("activities:attachment_download", args=[obj.pk])


class ActivitySerializer(OutputModelSerializer):
    author_name = serializers.SerializerMethodField()
    customer_name = serializers.SerializerMethodField()
    lead_name = serializers.SerializerMethodField()
    contact_name = serializers.SerializerMethodField()
    mentions = serializers.SerializerMethodField()
    attachments = ActivityAttachmentSerializer(many=True, read_only=True)

    class Meta:
        model = Activity
        fields = ["id", "kind", "content", "occurred_at", "lead", "lead_name", "customer", "customer_name", "contact",
                  "contact_name", "opportunity", "next_follow_up_at", "mentions", "author", "author_name",
                  "attachments", "created_at", "updated_at"]

    def get_author_name(self, obj: Activity) -> str:
        return obj.author.display_name

    def get_customer_name(self, obj: Activity) -> str | None:
        return obj.customer.name if obj.customer else None

    def get_lead_name(self, obj: Activity) -> str | None:
        return obj.lead.company if obj.lead else None

    def get_contact_name(self, obj: Activity) -> str | None:
        return obj.contact.name if obj.contact else None

    def get_mentions(self, obj: Activity) -> list[int]:
        return [user.pk for user in obj.mentions.all()]


class ActivityInput(StrictSerializer):
    kind = serializers.ChoiceField(choices=Activity.Kind.choices)
    content = serializers.CharField(max_length=CONTENT_MAX)
    occurred_at = serializers.DateTimeField(required=False)
    customer = IdField(required=False, allow_null=True)
    lead = IdField(required=False, allow_null=True)
    contact = IdField(required=False, allow_null=True)
    opportunity = IdField(required=False, allow_null=True)
    next_follow_up_at = serializers.DateTimeField(required=False, allow_null=True)
    mentions = serializers.ListField(child=IdField(), required=False, max_length=MAX_MENTIONS)


class ActivityUpdateInput(StrictSerializer):
    kind = serializers.ChoiceField(choices=Activity.Kind.choices, required=False)
    content = serializers.CharField(max_length=CONTENT_MAX, required=False)
    occurred_at = serializers.DateTimeField(required=False)
    contact = IdField(required=False, allow_null=True)
    next_follow_up_at = serializers.DateTimeField(required=False, allow_null=True)


class ActivityViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    serializer_class = ActivitySerializer
    filterset_class = ActivityFilter
    ordering_fields = ["occurred_at", "id", "kind"]
    ordering = ["-occurred_at", "-id"]

    def get_queryset(self) -> Any:
        return selectors.activities_visible_to(self.request.user)

    def fetch(self, pk: Any) -> Activity:
        return selectors.activity_get(actor=self.request.user, id=pk)

    @extend_schema(request=ActivityInput, responses={201: ActivitySerializer})
    def create(self, request: Request) -> Response:
        data = self.input(ActivityInput)
        activity = services.activity_create(actor=request.user, **data)
        return self.respond(self.fetch(activity.pk), status=201)

    @extend_schema(request=ActivityUpdateInput, responses=ActivitySerializer)
    def partial_update(self, request: Request, pk: Any = None) -> Response:
        activity = services.activity_update(actor=request.user, activity=self.get_object(),
                                            data=self.input(ActivityUpdateInput, partial=True))
        return self.respond(self.fetch(activity.pk))

    @extend_schema(responses={204: None})
    def destroy(self, request: Request, pk: Any = None) -> Response:
        services.activity_delete(actor=request.user, activity=self.get_object())
        return Response(status=204)


@extend_schema_serializer(component_name="RecordAttachmentInput")
class AttachmentInput(StrictSerializer):
    file = serializers.FileField(max_length=255)
    customer = IdField(required=False)
    lead = IdField(required=False)
    activity = IdField(required=False)


class AttachmentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    serializer_class = AttachmentSerializer
    filterset_class = AttachmentFilter
    ordering_fields = ["uploaded_at", "id", "name", "size"]
    ordering = ["-uploaded_at", "-id"]

    def get_queryset(self) -> Any:
        return selectors.attachments_visible_to(self.request.user)

    def fetch(self, pk: Any) -> Attachment:
        return selectors.attachment_get(actor=self.request.user, id=pk)

    @extend_schema(request={"multipart/form-data": AttachmentInput}, responses={201: AttachmentSerializer})
    def create(self, request: Request) -> Response:
        data = self.input(AttachmentInput)
        activity = selectors.activity_get(actor=request.user, id=data["activity"]) if data.get("activity") else None
        attachment = services.attachment_add(actor=request.user, file=data["file"], customer=data.get("customer"),
                                             lead=data.get("lead"), activity=activity)
        return self.respond(self.fetch(attachment.pk), status=201)

    @extend_schema(responses={204: None})
    def destroy(self, request: Request, pk: Any = None) -> Response:
        services.attachment_delete(actor=request.user, attachment=self.get_object())
        return Response(status=204)


class TaskSerializer(OutputModelSerializer):
    assignee_name = serializers.SerializerMethodField()
    created_by_name = serializers.SerializerMethodField()
    customer_name = serializers.SerializerMethodField()
    lead_name = serializers.SerializerMethodField()

    class Meta:
        model = Task
        fields = ["id", "title", "description", "assignee", "assignee_name", "due_at", "remind_at", "status",
                  "priority", "completed_at", "customer", "customer_name", "lead", "lead_name", "contact",
                  "created_by", "created_by_name", "created_at", "updated_at"]

    def get_assignee_name(self, obj: Task) -> str:
        return obj.assignee.display_name

    def get_created_by_name(self, obj: Task) -> str:
        return obj.created_by.display_name if obj.created_by else ""

    def get_customer_name(self, obj: Task) -> str | None:
        return obj.customer.name if obj.customer else None

    def get_lead_name(self, obj: Task) -> str | None:
        return obj.lead.company if obj.lead else None


class TaskInput(StrictSerializer):
    title = serializers.CharField(max_length=200)
    description = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    assignee = IdField(required=False, allow_null=True)
    due_at = serializers.DateTimeField(required=False, allow_null=True)
    remind_at = serializers.DateTimeField(required=False, allow_null=True)
    priority = serializers.ChoiceField(choices=Task.Priority.choices, required=False)
    customer = IdField(required=False, allow_null=True)
    lead = IdField(required=False, allow_null=True)
    contact = IdField(required=False, allow_null=True)


class TaskUpdateInput(TaskInput):
    title = serializers.CharField(max_length=200, required=False)


class TaskViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    serializer_class = TaskSerializer
    filterset_class = TaskFilter
    ordering_fields = ["due_at", "id", "priority", "status", "created_at"]
    ordering = ["due_at", "id"]

    def get_queryset(self) -> Any:
        return selectors.tasks_visible_to(self.request.user)

    def fetch(self, pk: Any) -> Task:
        return selectors.task_get(actor=self.request.user, id=pk)

    @extend_schema(request=TaskInput, responses={201: TaskSerializer})
    def create(self, request: Request) -> Response:
        task = services.task_create(actor=request.user, **self.input(TaskInput))
        return self.respond(self.fetch(task.pk), status=201)

    @extend_schema(request=TaskUpdateInput, responses=TaskSerializer)
    def partial_update(self, request: Request, pk: Any = None) -> Response:
        task = services.task_update(actor=request.user, task=self.get_object(),
                                    data=self.input(TaskUpdateInput, partial=True))
        return self.respond(self.fetch(task.pk))

    @extend_schema(request=None, responses=TaskSerializer)
    @action(detail=True, methods=["post"])
    def complete(self, request: Request, pk: Any = None) -> Response:
        return self.respond(services.task_complete(actor=request.user, task=self.get_object()))

    @extend_schema(request=None, responses=TaskSerializer)
    @action(detail=True, methods=["post"])
    def reopen(self, request: Request, pk: Any = None) -> Response:
        return self.respond(services.task_reopen(actor=request.user, task=self.get_object()))

    @extend_schema(request=None, responses=TaskSerializer)
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: Any = None) -> Response:
        return self.respond(services.task_cancel(actor=request.user, task=self.get_object()))


class ReminderSerializer(OutputModelSerializer):
    class Meta:
        model = Reminder
        fields = ["id", "due_at", "message", "customer", "lead", "activity", "task", "notified_at", "done_at",
                  "created_at"]


class ReminderViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """The actor's own reminders; `?done=false` lists the open ones."""

    serializer_class = ReminderSerializer
    ordering_fields = ["due_at", "id"]
    ordering = ["due_at", "id"]

    def get_queryset(self) -> Any:
        rows = selectors.reminders_of(self.request.user)
        done = self.request.query_params.get("done")
        if done in ("false", "0"):
            rows = rows.filter(done_at__isnull=True)
        elif done in ("true", "1"):
            rows = rows.filter(done_at__isnull=False)
        return rows

    def fetch(self, pk: Any) -> Reminder:
        return selectors.reminder_get(actor=self.request.user, id=pk)

    @extend_schema(request=None, responses=ReminderSerializer)
    @action(detail=True, methods=["post"])
    def done(self, request: Request, pk: Any = None) -> Response:
        return self.respond(services.reminder_done(actor=request.user, reminder=self.get_object()))

