"""The one error vocabulary of the domain.

Services and selectors raise these; the API maps them once to API.md's JSON errors
(`core.api.exception_handler`) and the web views map them once to form errors and messages
(`core.forms.apply_domain_error`).
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _


class DomainError(Exception):
    status = 400
    code = "error"
    default_message: Any = _("The request could not be completed.")

    def __init__(self, message: Any = None, *, code: str | None = None, fields: dict[str, list[Any]] | None = None,
                 extra: dict[str, Any] | None = None) -> None:
        self.message = message if message is not None else self.default_message
        if code:
            self.code = code
        self.fields = fields or {}
        self.extra = extra or {}
        super().__init__(str(self.message))


class NotFound(DomainError):
    """Missing, or outside the actor's data scope: the two are never told apart."""

    status = 404
    code = "not_found"
    default_message = _("Not found.")


class PermissionDenied(DomainError):
    """The object is visible to the actor but the action is not allowed."""

    status = 403
    code = "permission_denied"
    default_message = _("You do not have permission to do this.")


class Conflict(DomainError):
    """Conflicts with the current state: duplicate, already_claimed, stale_version, ..."""

    status = 409
    code = "conflict"
    default_message = _("This conflicts with the current state of the record.")


class ValidationFailed(DomainError):
    """Invalid input; `fields` maps a field name (or "__all__") to its messages."""

    status = 400
    code = "validation_error"
    default_message = _("Please correct the errors below.")


def field_error(field: str, message: Any) -> ValidationFailed:
    return ValidationFailed(fields={field: [message]})
