"""Forms of the organization pages; field names match the services' arguments so errors land on fields."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from openfunnel.accounts import selectors
from openfunnel.accounts.models import Department, Role, User
from openfunnel.accounts.permissions import DATA_SCOPES, PERMISSIONS
from openfunnel.accounts.services import InvalidCredentials, LoginThrottled, auth_login_attempt
from openfunnel.accounts.services.login import client_ip


class LoginForm(AuthenticationForm):
    """Django's login form, but signing in goes through auth_login_attempt (throttled like the API)."""

    throttled = False

    def clean(self) -> dict[str, Any]:
        username = self.cleaned_data.get("username")
        password = self.cleaned_data.get("password")
        if username is not None and password:
            try:
                self.user_cache = auth_login_attempt(username=username, password=password,
                                                     ip=client_ip(self.request), request=self.request)
            except LoginThrottled as error:
                self.throttled = True
                raise ValidationError(error.message, code="throttled") from None
            except InvalidCredentials:
                raise self.get_invalid_login_error() from None
            self.confirm_login_allowed(self.user_cache)
        return self.cleaned_data


def department_choices(*, actor: Any, exclude: set[int] | None = None) -> list[tuple[Any, str]]:
    """The department tree as indented select options."""
    exclude = exclude or set()
    return [("", "—")] + [(row.department.pk, "\u2003" * row.depth + row.department.name)
                          for row in selectors.department_tree(actor=actor) if row.department.pk not in exclude]


class DepartmentForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    parent = forms.TypedChoiceField(label=_("Parent department"), required=False, coerce=int, empty_value=None)

    def __init__(self, *args: Any, actor: Any, department: Department | None = None, **kwargs: Any) -> None:
        if department is not None:
            kwargs.setdefault("initial", {"name": department.name, "parent": department.parent_id})
        super().__init__(*args, **kwargs)
        exclude: set[int] = set()
        if department is not None:
            from openfunnel.accounts.scope import department_subtree_ids

            exclude = set(department_subtree_ids(department.pk))
        self.fields["parent"].choices = department_choices(actor=actor, exclude=exclude)


PERMISSION_CHOICES = [(code, label) for code, label in PERMISSIONS.items()]


class RoleForm(forms.Form):
    code = forms.SlugField(label=_("Code"), max_length=50,
                           help_text=_("A short identifier used by the API, e.g. key_account_rep."))
    name = forms.CharField(label=_("Name"), max_length=100)
    data_scope = forms.ChoiceField(label=_("Data scope"), choices=DATA_SCOPES)
    permissions = forms.MultipleChoiceField(label=_("Permissions"), choices=PERMISSION_CHOICES, required=False,
                                            widget=forms.CheckboxSelectMultiple)

    def __init__(self, *args: Any, role: Role | None = None, **kwargs: Any) -> None:
        if role is not None:
            kwargs.setdefault("initial", {"code": role.code, "name": role.name, "data_scope": role.data_scope,
                                          "permissions": list(role.permissions)})
        super().__init__(*args, **kwargs)
        if role is not None and role.is_builtin:
            self.fields["code"].disabled = True
            self.fields["code"].help_text = _("The code of a built-in role cannot be changed.")


class UserForm(forms.Form):
    username = forms.CharField(label=_("Username"), max_length=150)
    password = forms.CharField(label=_("Password"), max_length=128, strip=False,
                               widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}))
    name = forms.CharField(label=_("Name"), max_length=100, required=False)
    email = forms.EmailField(label=_("Email"), max_length=254, required=False)
    phone = forms.CharField(label=_("Phone"), max_length=30, required=False)
    department = forms.TypedChoiceField(label=_("Department"), required=False, coerce=int, empty_value=None)
    role = forms.ChoiceField(label=_("Role"), required=False)
    manager = forms.TypedChoiceField(label=_("Manager"), required=False, coerce=int, empty_value=None)
    is_active = forms.BooleanField(label=_("Active"), required=False, initial=True)

    def __init__(self, *args: Any, actor: Any, user: User | None = None, **kwargs: Any) -> None:
        if user is not None:
            kwargs.setdefault("initial", {
                "username": user.username, "name": user.name, "email": user.email, "phone": user.phone,
                "department": user.department_id, "role": user.role.code if user.role else "",
                "manager": user.manager_id, "is_active": user.is_active})
        super().__init__(*args, **kwargs)
        self.fields["department"].choices = department_choices(actor=actor)
        self.fields["role"].choices = [("", "—")] + [(role.code, role.display_name)
                                                    for role in selectors.roles_visible_to(actor).order_by("id")]
        managers = selectors.users_visible_to(actor).filter(is_active=True).order_by("name", "username")
        if user is not None:
            managers = managers.exclude(pk=user.pk)
        choices = [(m.pk, m.display_name) for m in managers]
        if user is not None and user.manager_id and not user.manager.is_active:
            choices.append((user.manager_id, user.manager.display_name))
        self.fields["manager"].choices = [("", "—")] + choices
        if user is not None:
            self.fields["password"].required = False
            self.fields["password"].label = _("New password")
            self.fields["password"].help_text = _("Leave empty to keep the current password.")

    def service_data(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        if not data.get("password"):
            data.pop("password", None)
        data["role"] = data.get("role") or None
        return data


class ApiTokenForm(forms.Form):
    name = forms.CharField(label=_("Token name"), max_length=100, required=False,
                           help_text=_("What the token is for, e.g. “ERP sync”."))


class PasswordChangeForm(forms.Form):
    current_password = forms.CharField(label=_("Current password"), strip=False, max_length=128,
                                       widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}))
    new_password = forms.CharField(label=_("New password"), strip=False, max_length=128,
                                   widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))
    new_password_again = forms.CharField(label=_("New password again"), strip=False, max_length=128,
                                         widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}))

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("new_password") and data.get("new_password_again") and \
                data["new_password"] != data["new_password_again"]:
            self.add_error("new_password_again", _("The two new passwords differ."))
        return data
