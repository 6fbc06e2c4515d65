"""Writes of the organization: departments, roles, users, sign-in, API tokens, preferences.

Every function is keyword-only, checks the actor's permission, validates, runs in one transaction
and records its audit event. Import them from here: `from openfunnel.accounts.services import user_create`.
"""

from openfunnel.accounts.services.departments import department_create, department_delete, department_update
from openfunnel.accounts.services.handover import HandoverReport, HandoverTarget, user_handover
from openfunnel.accounts.services.login import (
    InvalidCredentials,
    LoginThrottled,
    auth_login_attempt,
    login_failures_clear,
)
from openfunnel.accounts.services.preferences import preference_set
from openfunnel.accounts.services.roles import role_create, role_delete, role_permissions_set, role_update
from openfunnel.accounts.services.sessions import session_forget, session_register, sessions_end
from openfunnel.accounts.services.tokens import apitoken_create, apitoken_revoke
from openfunnel.accounts.services.users import (
    user_create,
    user_deactivate,
    user_password_change,
    user_reactivate,
    user_update,
)

__all__ = [
    "InvalidCredentials", "LoginThrottled", "apitoken_create", "apitoken_revoke", "auth_login_attempt",
    "HandoverReport", "HandoverTarget",
    "department_create", "department_delete", "department_update", "login_failures_clear", "preference_set",
    "role_create", "role_delete", "role_permissions_set", "role_update", "session_forget", "session_register", "sessions_end",
    "user_create", "user_deactivate", "user_handover", "user_password_change", "user_reactivate", "user_update",
]
