"""REST resources of the organization (API.md): departments, roles, users, sign-in tokens."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import mixins, serializers
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from openfunnel.accounts import selectors, services
from openfunnel.accounts.filters import DepartmentFilter, RoleFilter, UserFilter
from openfunnel.accounts.models import ApiToken, Department, Role, User
from openfunnel.accounts.permissions import DATA_SCOPES
from openfunnel.accounts.services.login import client_ip
from openfunnel.core.api import IdField, StrictSerializer
from openfunnel.core.output import OutputModelSerializer
from openfunnel.core.viewsets import ScopedViewSet

# --- departments ------------------------------------------------------------------------------------


class DepartmentSerializer(OutputModelSerializer):
    parent_name = serializers.CharField(source="parent.name", read_only=True, default=None)
    user_count = serializers.IntegerField(read_only=True, default=0)
    child_count = serializers.IntegerField(read_only=True, default=0)

    class Meta:
        model = Department
        fields = ["id", "name", "parent", "parent_name", "user_count", "child_count", "created_at"]


class DepartmentInput(StrictSerializer):
    name = serializers.CharField(max_length=100)
    parent = IdField(required=False, allow_null=True)


class DepartmentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Any signed-in user reads the department tree; org.manage writes it."""

    serializer_class = DepartmentSerializer
    filterset_class = DepartmentFilter
    ordering_fields = ["name", "id"]
    ordering = ["name", "id"]

    def get_queryset(self) -> Any:
        return selectors.departments_visible_to(self.request.user)

    def fetch(self, pk: Any) -> Department:
        return selectors.department_get(actor=self.request.user, id=pk)

    @extend_schema(request=DepartmentInput, responses={201: DepartmentSerializer})
    def create(self, request: Request) -> Response:
        department = services.department_create(actor=request.user, **self.input(DepartmentInput))
        return self.respond(self.fetch(department.pk), status=201)

    @extend_schema(request=DepartmentInput, responses=DepartmentSerializer)
    def partial_update(self, request: Request, pk: Any = None) -> Response:
        department = services.department_update(actor=request.user, department=self.get_object(),
                                                 data=self.input(DepartmentInput, partial=True))
        return self.respond(self.fetch(department.pk))

    @extend_schema(responses={204: None})
    def destroy(self, request: Request, pk: Any = None) -> Response:
        services.department_delete(actor=request.user, department=self.get_object())
        return Response(status=204)


# --- roles ------------------------------------------------------------------------------------------


class RoleSerializer(OutputModelSerializer):
    display_name = serializers.CharField(read_only=True)
    user_count = serializers.IntegerField(read_only=True, default=0)
    permissions = serializers.ListField(child=serializers.CharField(), read_only=True)

    class Meta:
        model = Role
        fields = ["id", "code", "name", "display_name", "data_scope", "permissions", "is_builtin", "user_count"]


class RoleInput(StrictSerializer):
    code = serializers.CharField(max_length=50)
    name = serializers.CharField(max_length=100)
    data_scope = serializers.ChoiceField(choices=DATA_SCOPES, required=False)
    permissions = serializers.ListField(child=serializers.CharField(max_length=50), required=False, max_length=200)


class RoleViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Any signed-in user reads the roles; org.manage writes them. Built-in roles cannot be deleted."""

    serializer_class = RoleSerializer
    filterset_class = RoleFilter
    ordering_fields = ["code", "name", "id"]
    ordering = ["id"]

    def get_queryset(self) -> Any:
        return selectors.roles_visible_to(self.request.user)

    def fetch(self, pk: Any) -> Role:
        return selectors.role_get(actor=self.request.user, id=pk)

    @extend_schema(request=RoleInput, responses={201: RoleSerializer})
    def create(self, request: Request) -> Response:
        role = services.role_create(actor=request.user, **self.input(RoleInput))
        return self.respond(self.fetch(role.pk), status=201)

    @extend_schema(request=RoleInput, responses=RoleSerializer)
    def partial_update(self, request: Request, pk: Any = None) -> Response:
        role = services.role_update(actor=request.user, role=self.get_object(),
                                    data=self.input(RoleInput, partial=True))
        return self.respond(self.fetch(role.pk))

    @extend_schema(responses={204: None})
    def destroy(self, request: Request, pk: Any = None) -> Response:
        services.role_delete(actor=request.user, role=self.get_object())
        return Response(status=204)


# --- departure handover ----------------------------------------------------------------------------------


@extend_schema_field({"type": "object", "properties": {"to_user": {"type": "integer"},
                                                        "release_to_pool": {"type": "integer"}},
                      "description": "Exactly one of to_user (a user id) and release_to_pool (a customer pool id)."})
class SplitTargetField(serializers.JSONField):
    """One target of a split, checked by the service so that its errors are named split.<n>.<field>."""


HANDOVER_DESCRIPTION = """Hands the user's open records over in one transaction (needs the permission to manage
users): `to_user`, `release_to_pool` (a customer pool), or `split` across several targets; `dry_run` answers
the same report without moving anything.

What moves: open leads (new, contacted, qualified), every customer the user owns, open opportunities, open tasks
and reminders not yet done. Won and lost opportunities, converted and invalid leads, done tasks and records in
the recycle bin stay, as history. Contracts join when the contracts resource exists.

A split deals customers and leads in turns across the targets (counts differ by one at most). A customer with
an open opportunity goes to a user, never to the pool; opportunities, tasks and reminders follow their customer
(or lead) when it went to a user, and are dealt among the users otherwise. Leads go to the lead pool (no owner)
only when a lead pool exists; without one they go to the users. A handover with a pool but no user is refused
(400 on `release_to_pool`) while the user has open opportunities, tasks or reminders (or leads and no lead pool).

Every move is recorded like a single transfer or release: owner_since / assigned_at reset, previous_owner set,
an event on each record's timeline and a transfer or release entry in the pool log; each successor gets one
notification; the report is kept and the audit log holds a `user.handed_over` event with it."""


class HandoverInput(StrictSerializer):
    to_user = IdField(required=False, help_text="Everything goes to this active user.")
    release_to_pool = IdField(required=False, help_text="Customers go to this customer pool; leads to the lead "
                                                        "pool if there is one.")
    split = serializers.ListField(child=SplitTargetField(), required=False, max_length=20,
                                  help_text="Targets to deal the records across, round-robin; open opportunities, "
                                            "tasks and reminders follow their customer.")
    keep_as_collaborator = serializers.BooleanField(required=False, default=False,
                                                    help_text="The user stays a read-only collaborator of the "
                                                              "customers that go to users.")
    reason = serializers.CharField(max_length=300, required=False, allow_blank=True,
                                   help_text="Why the customers are in the pool (default: the handover).")
    dry_run = serializers.BooleanField(required=False, default=False)


class HandoverCountsSerializer(serializers.Serializer):
    leads = serializers.IntegerField()
    customers = serializers.IntegerField()
    opportunities = serializers.IntegerField()
    tasks = serializers.IntegerField()
    reminders = serializers.IntegerField()


class HandoverPoolSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class HandoverPreviewSerializer(serializers.Serializer):
    user = serializers.IntegerField()
    user_name = serializers.CharField()
    counts = HandoverCountsSerializer()
    lead_pool = HandoverPoolSerializer(allow_null=True)


class HandoverTargetSerializer(HandoverCountsSerializer):
    type = serializers.ChoiceField(choices=["user", "pool"])
    id = serializers.IntegerField()
    name = serializers.CharField()
    collaborator_shares = serializers.IntegerField()


class HandoverReportSerializer(serializers.Serializer):
    handover = serializers.IntegerField(allow_null=True, help_text="The report's id; null for a dry run.")
    user = serializers.IntegerField()
    user_name = serializers.CharField()
    at = serializers.DateTimeField()
    dry_run = serializers.BooleanField()
    keep_as_collaborator = serializers.BooleanField()
    reason = serializers.CharField()
    lead_pool = HandoverPoolSerializer(allow_null=True, help_text="Where released leads go unless the pool log "
                                                                  "names the lead pool they came from.")
    counts = HandoverCountsSerializer()
    targets = HandoverTargetSerializer(many=True)


# --- users ------------------------------------------------------------------------------------------


class UserSerializer(OutputModelSerializer):
    department_name = serializers.CharField(source="department.name", read_only=True, default=None)
    role = serializers.CharField(source="role.code", read_only=True, default=None)
    role_name = serializers.CharField(source="role.display_name", read_only=True, default=None)
    manager_name = serializers.CharField(source="manager.display_name", read_only=True, default=None)
    display_name = serializers.CharField(read_only=True)

    class Meta:
        model = User
        fields = ["id", "username", "name", "display_name", "email", "phone", "department", "department_name",
                  "role", "role_name", "manager", "manager_name", "is_active", "last_login", "date_joined"]


class UserInput(StrictSerializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=128, write_only=True, trim_whitespace=False)
    name = serializers.CharField(max_length=100, required=False, allow_blank=True)
    email = serializers.EmailField(max_length=254, required=False, allow_blank=True)
    phone = serializers.CharField(max_length=30, required=False, allow_blank=True)
    department = IdField(required=False, allow_null=True)
    role = serializers.CharField(max_length=50, required=False, allow_null=True, allow_blank=True,
                                 help_text="The role's code, e.g. rep")
    manager = IdField(required=False, allow_null=True)
    is_active = serializers.BooleanField(required=False)


class UserViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """The user directory (every signed-in user reads it); org.manage creates, changes and deactivates."""

    serializer_class = UserSerializer
    filterset_class = UserFilter
    ordering_fields = ["username", "name", "id", "last_login"]
    ordering = ["id"]

    def get_queryset(self) -> Any:
        return selectors.users_visible_to(self.request.user)

    def fetch(self, pk: Any) -> User:
        return selectors.user_get(actor=self.request.user, id=pk)

    @extend_schema(request=UserInput, responses={201: UserSerializer})
    def create(self, request: Request) -> Response:
        user = services.user_create(actor=request.user, **self.input(UserInput))
        return self.respond(self.fetch(user.pk), status=201)

    @extend_schema(request=UserInput, responses=UserSerializer)
    def partial_update(self, request: Request, pk: Any = None) -> Response:
        user = services.user_update(actor=request.user, user=self.get_object(),
                                    data=self.input(UserInput, partial=True))
        return self.respond(self.fetch(user.pk))

    @extend_schema(request=None, responses=UserSerializer)
    @action(detail=True, methods=["post"])
    def deactivate(self, request: Request, pk: Any = None) -> Response:
        user = services.user_deactivate(actor=request.user, user=self.get_object())
        return self.respond(self.fetch(user.pk))

    @extend_schema(request=None, responses=UserSerializer)
    @action(detail=True, methods=["post"])
    def reactivate(self, request: Request, pk: Any = None) -> Response:
        user = services.user_reactivate(actor=request.user, user=self.get_object())
        return self.respond(self.fetch(user.pk))

    @extend_schema(methods=["GET"], request=None, responses=HandoverPreviewSerializer,
                   description="What a handover of the user would move: counts per kind (contracts join when "
                               "the contracts resource exists).")
    @extend_schema(methods=["POST"], request=HandoverInput, responses=HandoverReportSerializer,
                   description=HANDOVER_DESCRIPTION)
    @action(detail=True, methods=["get", "post"])
    def handover(self, request: Request, pk: Any = None) -> Response:
        user = self.get_object()
        if request.method == "GET":
            lead_pool = selectors.handover_lead_pool()
            return Response({"user": user.pk, "user_name": user.display_name,
                             "counts": selectors.handover_preview(actor=request.user, user=user),
                             "lead_pool": {"id": lead_pool.pk, "name": lead_pool.name} if lead_pool else None})
        report = services.user_handover(actor=request.user, user=user, **self.input(HandoverInput))
        return Response(report.as_dict())


# --- sign-in tokens ---------------------------------------------------------------------------------


class ApiTokenSerializer(OutputModelSerializer):
    class Meta:
        model = ApiToken
        fields = ["id", "name", "prefix", "created_at", "last_used_at"]


class ApiTokenCreatedSerializer(ApiTokenSerializer):
    token = serializers.CharField(read_only=True, help_text="The key; shown this once only.")

    class Meta(ApiTokenSerializer.Meta):
        fields = ["token", *ApiTokenSerializer.Meta.fields]


class TokenRequestInput(StrictSerializer):
    username = serializers.CharField(max_length=150, trim_whitespace=False)
    password = serializers.CharField(max_length=128, trim_whitespace=False)
    name = serializers.CharField(max_length=100, required=False, allow_blank=True)


class ApiTokenInput(StrictSerializer):
    name = serializers.CharField(max_length=100, required=False, allow_blank=True)


def _created(token: ApiToken, key: str) -> Response:
    token.token = key  # type: ignore[attr-defined]
    return Response(ApiTokenCreatedSerializer(token).data, status=201)


class TokenObtainView(APIView):
    """POST username + password → a new personal token; throttled exactly like the login page."""

    authentication_classes: list[Any] = []
    permission_classes = [AllowAny]

    @extend_schema(request=TokenRequestInput, responses={201: ApiTokenCreatedSerializer}, auth=[])
    def post(self, request: Request) -> Response:
        serializer = TokenRequestInput(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        user = services.auth_login_attempt(username=data["username"], password=data["password"],
                                           ip=client_ip(request), request=request._request)
        token, key = services.apitoken_create(actor=user, name=data.get("name", ""))
        return _created(token, key)

    def handle_exception(self, exc: Exception) -> Response:
        response = super().handle_exception(exc)
        if isinstance(exc, services.LoginThrottled) and "retry_after" in exc.extra:
            response["Retry-After"] = str(exc.extra["retry_after"])
        return response


class ApiTokenViewSet(mixins.ListModelMixin, ScopedViewSet):
    """The actor's own tokens: list, create (key shown once), revoke. Another user's token is not found."""

    serializer_class = ApiTokenSerializer
    filterset_class = None
    ordering_fields = ["created_at", "last_used_at", "id"]
    ordering = ["-created_at", "-id"]

    def get_queryset(self) -> Any:
        return selectors.apitokens_of(actor=self.request.user)

    @extend_schema(request=ApiTokenInput, responses={201: ApiTokenCreatedSerializer})
    def create(self, request: Request) -> Response:
        token, key = services.apitoken_create(actor=request.user, **self.input(ApiTokenInput))
        return _created(token, key)

    @extend_schema(responses={204: None})
    def destroy(self, request: Request, pk: Any = None) -> Response:
        services.apitoken_revoke(actor=request.user, id=pk)
        return Response(status=204)
