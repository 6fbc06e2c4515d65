from __future__ import annotations

from functools import cache

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from openfunnel.accounts.permissions import BUILTIN_ROLES, DATA_SCOPES, SCOPE_SELF


@cache
def _builtin_default_names() -> dict[str, str]:
    """The English names the built-in roles are created with (what the database holds until renamed)."""
    with translation.override("en"):
        return {code: str(spec["name"]) for code, spec in BUILTIN_ROLES.items()}


class Department(models.Model):
    name = models.CharField(_("name"), max_length=100)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children",
                               verbose_name=_("parent department"))
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        constraints = [models.UniqueConstraint(fields=["parent", "name"], name="department_unique_name_in_parent")]

    def __str__(self) -> str:
        return self.name


class Role(models.Model):
    code = models.SlugField(_("code"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=100)
    data_scope = models.CharField(_("data scope"), max_length=20, choices=DATA_SCOPES, default=SCOPE_SELF)
    permissions = models.JSONField(_("permissions"), default=list, blank=True)
    is_builtin = models.BooleanField(_("built in"), default=False)

    class Meta:
        ordering = ["id"]
        verbose_name = _("role")
        verbose_name_plural = _("roles")

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        """A built-in role still carrying its default name reads in the user's language; a renamed one as named."""
        if self.is_builtin and self.code in BUILTIN_ROLES and self.name == _builtin_default_names().get(self.code):
            return str(BUILTIN_ROLES[self.code]["name"])
        return self.name


class User(AbstractUser):
    name = models.CharField(_("name"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    department = models.ForeignKey(Department, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="users", verbose_name=_("department"))
    manager = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="reports", verbose_name=_("manager"))
    role = models.ForeignKey(Role, null=True, blank=True, on_delete=models.PROTECT, related_name="users",
                             verbose_name=_("role"))

    objects = UserManager()

    class Meta:
        ordering = ["id"]
        verbose_name = _("user")
        verbose_name_plural = _("users")

    def __str__(self) -> str:
        return self.name or self.username

    @property
    def display_name(self) -> str:
        return self.name or self.username


class ApiToken(models.Model):
    """A personal API token; only its hash is stored, the key is shown once at creation."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("name"), max_length=100, blank=True)
    key_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(max_length=8)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.name or self.prefix} ({self.prefix}…)"


class LoginFailure(models.Model):
    """Failed logins, counted across all worker processes for throttling."""

    username = models.CharField(max_length=150, db_index=True)
    ip = models.CharField(max_length=45, blank=True, db_index=True)
    at = models.DateTimeField(db_index=True)


class UserSession(models.Model):
    """Which session keys belong to which user, so that deactivation can end them at once on any session backend."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="session_keys")
    session_key = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)


class Preference(models.Model):
    """Per-user UI choices, e.g. the columns shown on a list page."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="preferences")
    key = models.CharField(max_length=100)
    value = models.JSONField(default=dict)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "key"], name="preference_unique_key")]


class Handover(models.Model):
    """One departure handover (离职交接): whose open records moved, who did it, and the report of what went where.

    `report` holds the targets in the order given, each with its counts per kind (see services.handover);
    the field-level trail of every moved record is in the audit events, which carry this handover's id.
    """

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="handovers", verbose_name=_("user"))
    actor = models.ForeignKey(User, null=True, blank=True, on_delete=models.SET_NULL, related_name="+",
                              verbose_name=_("by"))
    at = models.DateTimeField(_("time"), default=timezone.now)
    keep_as_collaborator = models.BooleanField(_("kept as read-only collaborator"), default=False)
    report = models.JSONField(default=dict)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("handover")
        verbose_name_plural = _("handovers")

    def __str__(self) -> str:
        return f"{self.user} @ {self.at:%Y-%m-%d %H:%M}"


class ReferenceVersion(models.Model):
    """One row whose token changes whenever company-wide reference data (levels, tags, campaigns, pipelines,
    departments…) changes. It is read with the signed-in user, so every worker process knows at no cost whether
    the choice lists it keeps (openfunnel.web.choices) are still those of the database."""

    token = models.CharField(max_length=32, default="initial")
