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


class HandoverForm(forms.Form):
    """Whom a user's records go to; the view turns it into user_handover's to_user / release_to_pool / split."""

    successors = forms.TypedMultipleChoiceField(
        label=_("Successors"), required=False, coerce=int, widget=forms.SelectMultiple(attrs={"size": 6}),
        help_text=_("One successor takes everything; with several, customers and leads are dealt out in turns "
                    "and each open opportunity, task and reminder follows its customer."))
    pool = forms.TypedChoiceField(label=_("Release customers to the pool"), required=False, coerce=int,
                                  empty_value=None,
                                  help_text=_("The pool takes its turn with the successors; customers with an open "
                                              "opportunity always go to a successor. Leads go to the lead pool, "
                                              "if there is one."))
    # No help text: a checkbox field lays its parts out in a row, where a help text would stand first.
    keep_as_collaborator = forms.BooleanField(
        label=_("Keep the user as a read-only collaborator of the customers that go to successors"),
        required=False)
    reason = forms.CharField(label=_("Reason for the pool"), max_length=300, required=False,
                             help_text=_("Shown with the released customers. Empty: “Handover of <name>”."))

    # Where the service's field errors belong on this form.
    ERROR_FIELDS = {"to_user": "successors", "split": "successors", "release_to_pool": "pool"}

    def __init__(self, *args: Any, actor: Any, user: User, **kwargs: Any) -> None:
        from openfunnel.pool.models import Pool

        super().__init__(*args, **kwargs)
        successors = (selectors.users_visible_to(actor).filter(is_active=True).exclude(pk__in=[user.pk, actor.pk])
                      .order_by("name", "username"))
        self.fields["successors"].choices = [(u.pk, u.display_name) for u in successors]
        self.fields["pool"].choices = [("", "—")] + [
            (p.pk, p.name) for p in Pool.objects.filter(kind=Pool.Kind.CUSTOMER).order_by("name", "id")]

    def service_args(self) -> dict[str, Any]:
        """user_handover's keyword arguments for what was chosen."""
        users, pool = self.cleaned_data["successors"], self.cleaned_data["pool"]
        args: dict[str, Any] = {"keep_as_collaborator": self.cleaned_data["keep_as_collaborator"],
                                "reason": self.cleaned_data["reason"]}
        if pool is not None and not users:
            args["release_to_pool"] = pool
        elif len(users) == 1 and pool is None:
            args["to_user"] = users[0]
        elif users:
            args["split"] = [{"to_user": u} for u in users] + ([{"release_to_pool": pool}] if pool else [])
        return args

    def error_fields(self, fields: dict[str, list[Any]]) -> dict[str, list[Any]]:
        """The service's errors (to_user, split.<n>.release_to_pool, ...) under this form's field names."""
        mapped: dict[str, list[Any]] = {}
        for name, messages in fields.items():
            last = name.rsplit(".", 1)[-1]
            target = self.ERROR_FIELDS.get(last, last if last in self.fields else "__all__")
            if name.startswith("split.") and last not in self.ERROR_FIELDS:
                target = "successors"
            mapped.setdefault(target, []).extend(messages)
        return mapped
