"""Pages of the organization: login and logout, profile and tokens, departments, users, roles.

Thin adapters over the same services and selectors as the API.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from openfunnel.accounts import selectors, services
from openfunnel.accounts.filters import UserFilter
from openfunnel.accounts.forms import (
    ApiTokenForm,
    DepartmentForm,
    HandoverForm,
    LoginForm,
    PasswordChangeForm,
    RoleForm,
    UserForm,
)
from openfunnel.accounts.models import User
from openfunnel.accounts.permissions import PERMISSIONS
from openfunnel.accounts.scope import require_perm
from openfunnel.core.errors import DomainError, ValidationFailed
from openfunnel.web.forms import render_form, submit_form
from openfunnel.web.listing import Column, ListPage


def _error_text(error: DomainError) -> str:
    """A refused action as one message line: the field messages if any, else the error's own message."""
    details = [str(message) for messages_ in error.fields.values() for message in messages_]
    return " ".join(details) or str(error.message)


# --- sign-in ----------------------------------------------------------------------------------------


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True

    def form_invalid(self, form: Any) -> HttpResponse:
        response = super().form_invalid(form)
        response.status_code = 429 if getattr(form, "throttled", False) else 400
        return response


class LogoutView(auth_views.LogoutView):
    pass


# --- profile: own details, API tokens, password ---------------------------------------------------------


def _profile_page(request: HttpRequest, *, token_form: ApiTokenForm | None = None,
                  password_form: PasswordChangeForm | None = None, new_key: str | None = None,
                  status: int = 200) -> HttpResponse:
    return render(request, "accounts/profile.html", {
        "title": _("My profile"),
        "tokens": selectors.apitokens_of(actor=request.user),
        "token_form": token_form or ApiTokenForm(),
        "password_form": password_form or PasswordChangeForm(),
        "new_key": new_key,
    }, status=status)


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    return _profile_page(request)


@login_required
@require_POST
def profile_token_create(request: HttpRequest) -> HttpResponse:
    form = ApiTokenForm(request.POST)
    created = submit_form(request, form, lambda data: services.apitoken_create(actor=request.user, **data))
    if not created:
        return _profile_page(request, token_form=form, status=400)
    _token, key = created
    # The key is rendered in this response only; it is never stored or shown again.
    return _profile_page(request, new_key=key, status=201)


@login_required
@require_POST
def profile_token_revoke(request: HttpRequest, pk: int) -> HttpResponse:
    services.apitoken_revoke(actor=request.user, id=pk)
    messages.success(request, _("The API token was revoked."))
    return redirect("accounts:profile")


@login_required
@require_POST
def profile_password(request: HttpRequest) -> HttpResponse:
    form = PasswordChangeForm(request.POST)
    changed = submit_form(request, form, lambda data: services.user_password_change(
        actor=request.user, current_password=data["current_password"], new_password=data["new_password"]))
    if not changed:
        return _profile_page(request, password_form=form, status=400)
    # This session stays signed in (under a new key, remembered for deactivation); the others end.
    update_session_auth_hash(request, changed)
    services.session_register(user=changed, session_key=request.session.session_key)
    messages.success(request, _("Your password was changed."))
    return redirect("accounts:profile")


# --- departments ------------------------------------------------------------------------------------


@login_required
def department_list(request: HttpRequest) -> HttpResponse:
    require_perm(request.user, "org.manage")
    return render(request, "accounts/departments.html", {
        "title": _("Departments"), "rows": selectors.department_tree(actor=request.user)})


@login_required
def department_create(request: HttpRequest) -> HttpResponse:
    require_perm(request.user, "org.manage")
    initial = {"parent": request.GET.get("parent")} if request.GET.get("parent", "").isdigit() else None
    form = DepartmentForm(request.POST or None, actor=request.user, initial=initial)
    department = submit_form(request, form,
                             lambda data: services.department_create(actor=request.user, **data))
    if department:
        messages.success(request, _("Department “%(name)s” created.") % {"name": department.name})
        return redirect("accounts:departments")
    return render_form(request, form, {"title": _("New department"),
                                       "cancel_url": reverse("accounts:departments")})


@login_required
def department_edit(request: HttpRequest, pk: int) -> HttpResponse:
    department = selectors.department_get(actor=request.user, id=pk)
    require_perm(request.user, "org.manage")
    form = DepartmentForm(request.POST or None, actor=request.user, department=department)
    if submit_form(request, form, lambda data: services.department_update(actor=request.user,
                                                                          department=department, data=data)):
        messages.success(request, _("Department saved."))
        return redirect("accounts:departments")
    return render_form(request, form, {"title": department.name,
                                       "cancel_url": reverse("accounts:departments")})


@login_required
@require_POST
def department_delete(request: HttpRequest, pk: int) -> HttpResponse:
    department = selectors.department_get(actor=request.user, id=pk)
    try:
        services.department_delete(actor=request.user, department=department)
    except DomainError as error:
        if error.status == 403:
            raise
        messages.error(request, _error_text(error))
    else:
        messages.success(request, _("Department “%(name)s” deleted.") % {"name": department.name})
    return redirect("accounts:departments")


# --- roles ------------------------------------------------------------------------------------------


@login_required
def role_list(request: HttpRequest) -> HttpResponse:
    require_perm(request.user, "org.manage")
    roles = list(selectors.roles_visible_to(request.user).order_by("id"))
    matrix = [{"code": code, "label": label,
               "cells": [{"role": role, "checked": code in role.permissions} for role in roles]}
              for code, label in PERMISSIONS.items()]
    return render(request, "accounts/roles.html", {"title": _("Roles and permissions"), "roles": roles,
                                                   "matrix": matrix})


@login_required
@require_POST
def role_matrix_save(request: HttpRequest) -> HttpResponse:
    require_perm(request.user, "org.manage")
    role_ids = [int(v) for v in request.POST.getlist("roles") if v.isdigit()][:200]
    matrix: dict[int, list[str]] = {role_id: [] for role_id in role_ids}
    for value in request.POST.getlist("perm")[:10000]:
        role_id, _sep, code = value.partition(":")
        if role_id.isdigit() and int(role_id) in matrix:
            matrix[int(role_id)].append(code[:50])
    try:
        services.role_permissions_set(actor=request.user, permissions_by_role=matrix)
    except DomainError as error:
        if error.status == 403:
            raise
        messages.error(request, _error_text(error))
    else:
        messages.success(request, _("Permissions saved."))
    return redirect("accounts:roles")


@login_required
def role_create(request: HttpRequest) -> HttpResponse:
    require_perm(request.user, "org.manage")
    form = RoleForm(request.POST or None)
    role = submit_form(request, form, lambda data: services.role_create(actor=request.user, **data))
    if role:
        messages.success(request, _("Role “%(name)s” created.") % {"name": role.display_name})
        return redirect("accounts:roles")
    return render_form(request, form, {"title": _("New role"), "cancel_url": reverse("accounts:roles"),
                                       "permission_labels": PERMISSIONS}, template="accounts/role_form.html")


@login_required
def role_edit(request: HttpRequest, pk: int) -> HttpResponse:
    role = selectors.role_get(actor=request.user, id=pk)
    require_perm(request.user, "org.manage")
    form = RoleForm(request.POST or None, role=role)

    def save(data: dict[str, Any]) -> Any:
        if role.is_builtin:
            data.pop("code", None)
        return services.role_update(actor=request.user, role=role, data=data)

    if submit_form(request, form, save):
        messages.success(request, _("Role saved."))
        return redirect("accounts:roles")
    return render_form(request, form, {"title": role.display_name, "role": role,
                                       "cancel_url": reverse("accounts:roles")},
                       template="accounts/role_form.html")


@login_required
@require_POST
def role_delete(request: HttpRequest, pk: int) -> HttpResponse:
    role = selectors.role_get(actor=request.user, id=pk)
    try:
        services.role_delete(actor=request.user, role=role)
    except DomainError as error:
        if error.status == 403:
            raise
        messages.error(request, _error_text(error))
    else:
        messages.success(request, _("Role “%(name)s” deleted.") % {"name": role.display_name})
    return redirect("accounts:roles")


# --- users ------------------------------------------------------------------------------------------


def _user_link(user: User) -> Any:
    return format_html('<a href="{}">{}</a>', reverse("accounts:user_edit", args=[user.pk]), user.username)


def _active_badge(user: User) -> Any:
    if user.is_active:
        return format_html('<span class="badge badge-green">{}</span>', _("Active"))
    return format_html('<span class="badge badge-gray">{}</span>', _("Deactivated"))


USER_COLUMNS = [
    Column("username", gettext_lazy("Username"), sort="username", render=_user_link),
    Column("name", gettext_lazy("Name"), sort="name"),
    Column("department__name", gettext_lazy("Department"), sort="department__name"),
    Column("role", gettext_lazy("Role"), sort="role__name",
           render=lambda u: u.role.display_name if u.role else None),
    Column("manager", gettext_lazy("Manager"),
           render=lambda u: u.manager.display_name if u.manager else None),
    Column("email", gettext_lazy("Email"), default=False),
    Column("phone", gettext_lazy("Phone")),
    Column("is_active", gettext_lazy("Status"), sort="is_active", render=_active_badge),
    Column("last_login", gettext_lazy("Last sign-in"), sort="last_login", default=False),
]


@login_required
def user_list(request: HttpRequest) -> HttpResponse:
    require_perm(request.user, "org.manage")
    page = ListPage(request, selectors.users_visible_to(request.user), columns=USER_COLUMNS, key="users",
                    filterset_class=UserFilter, default_sort="username")
    return render(request, "web/list_page.html", {
        "page": page, "title": _("Users"), "row_actions_template": "accounts/_user_actions.html",
        "actions": [{"url": reverse("accounts:user_create"), "label": _("New user")}]})


@login_required
def user_create(request: HttpRequest) -> HttpResponse:
    require_perm(request.user, "org.manage")
    form = UserForm(request.POST or None, actor=request.user)
    user = submit_form(request, form,
                       lambda data: services.user_create(actor=request.user, **form.service_data()))
    if user:
        messages.success(request, _("User “%(name)s” created.") % {"name": user.display_name})
        return redirect("accounts:users")
    return render_form(request, form, {"title": _("New user"), "cancel_url": reverse("accounts:users")})


@login_required
def user_edit(request: HttpRequest, pk: int) -> HttpResponse:
    user = selectors.user_get(actor=request.user, id=pk)
    require_perm(request.user, "org.manage")
    form = UserForm(request.POST or None, actor=request.user, user=user)
    was_active = user.is_active
    saved = submit_form(request, form, lambda data: services.user_update(actor=request.user, user=user,
                                                                         data=form.service_data()))
    if saved:
        messages.success(request, _("User saved."))
        if was_active and not saved.is_active and _owns_open_records(saved):
            messages.info(request, _("%(name)s still owns open records: hand them over now.")
                          % {"name": user.display_name})
            return redirect("accounts:user_handover", pk=user.pk)
        return redirect("accounts:users")
    return render_form(request, form, {"title": user.display_name, "subtitle": user.username,
                                       "cancel_url": reverse("accounts:users"),
                                       "actions": [{"url": reverse("accounts:user_handover", args=[user.pk]),
                                                    "label": _("Hand over records")}]})


@login_required
@require_POST
def user_deactivate(request: HttpRequest, pk: int) -> HttpResponse:
    user = selectors.user_get(actor=request.user, id=pk)
    try:
        services.user_deactivate(actor=request.user, user=user)
    except DomainError as error:
        if error.status == 403:
            raise
        messages.error(request, _error_text(error))
    else:
        messages.success(request, _("%(name)s was deactivated; their sessions and API tokens ended.")
                         % {"name": user.display_name})
        if _owns_open_records(user):
            messages.info(request, _("%(name)s still owns open records: hand them over now.")
                          % {"name": user.display_name})
            return redirect("accounts:user_handover", pk=user.pk)
    return redirect("accounts:users")


@login_required
@require_POST
def user_reactivate(request: HttpRequest, pk: int) -> HttpResponse:
    user = selectors.user_get(actor=request.user, id=pk)
    services.user_reactivate(actor=request.user, user=user)
    messages.success(request, _("%(name)s can sign in again.") % {"name": user.display_name})
    return redirect("accounts:users")


# --- departure handover -------------------------------------------------------------------------------


def _owns_open_records(user: User) -> bool:
    return any(selectors.handover_counts(user=user).values())


@login_required
def user_handover(request: HttpRequest, pk: int) -> HttpResponse:
    """Preview what the user owns, choose successors and/or a pool, see the plan, confirm; then the report."""
    user = selectors.user_get(actor=request.user, id=pk)
    counts = selectors.handover_preview(actor=request.user, user=user)
    form = HandoverForm(request.POST if request.method == "POST" else None, actor=request.user, user=user)
    confirmed = request.POST.get("confirm") == "1"

    def run(data: dict[str, Any]) -> Any:
        try:
            return services.user_handover(actor=request.user, user=user, dry_run=not confirmed,
                                          **form.service_args())
        except ValidationFailed as error:
            raise ValidationFailed(error.message, fields=form.error_fields(error.fields)) from None

    report = submit_form(request, form, run)
    if report is not None and not report.dry_run:
        messages.success(request, _("The records of %(name)s were handed over.") % {"name": user.display_name})
        return redirect("accounts:handover_detail", pk=report.handover.pk)
    status = 400 if request.method == "POST" and form.errors else 200
    plan = report.as_dict() if report is not None else None
    return render(request, "accounts/handover.html", {
        "title": _("Hand over the records of %(name)s") % {"name": user.display_name},
        "subject": user, "total": sum(counts.values()), "form": form, "plan": plan, "kinds": _kind_labels(),
        "preview": [{"kind": kind, "label": label, "count": counts[kind]} for kind, label in _kind_labels()],
        "plan_table": _report_table(plan) if plan else None,
        "plan_has_pool": bool(plan) and any(t["type"] == "pool" for t in plan["targets"]),
        "earlier": selectors.handovers_visible_to(request.user).filter(user=user)[:10],
    }, status=status)


def _kind_labels() -> list[tuple[str, Any]]:
    return [("leads", _("Open leads")), ("customers", _("Customers")), ("opportunities", _("Open opportunities")),
            ("tasks", _("Open tasks")), ("reminders", _("Pending reminders"))]


def _report_table(report: dict[str, Any]) -> dict[str, Any]:
    """A report's targets as table rows, the counts in the order of _kind_labels, and the totals."""
    kinds = [kind for kind, _label in _kind_labels()]
    rows = [{**target, "cells": [target.get(kind, 0) for kind in kinds]} for target in report.get("targets", [])]
    return {"rows": rows, "totals": [report.get("counts", {}).get(kind, 0) for kind in kinds]}


@login_required
def handover_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The report of a handover: what went to whom, per kind."""
    handover = selectors.handover_get(actor=request.user, id=pk)
    report = handover.report
    return render(request, "accounts/handover_report.html", {
        "title": _("Handover of %(name)s") % {"name": handover.user.display_name},
        "handover": handover, "report": report, "kinds": _kind_labels(), "table": _report_table(report),
        "has_pool": any(t.get("type") == "pool" for t in report.get("targets", [])),
    })
