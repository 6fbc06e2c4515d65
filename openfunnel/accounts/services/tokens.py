"""Personal API tokens: the key is shown once; only its SHA-256 is stored."""

from __future__ import annotations

import secrets
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from openfunnel.accounts.authentication import hash_token
from openfunnel.accounts.models import ApiToken
from openfunnel.accounts.services._common import clean_text
from openfunnel.audit.services import event_record
from openfunnel.core.api import parse_id
from openfunnel.core.errors import Conflict, NotFound

MAX_TOKENS_PER_USER = 50


@transaction.atomic
def apitoken_create(*, actor: Any, name: str = "") -> tuple[ApiToken, str]:
    """Creates an API token for the actor themselves; returns (token, key) — the key exists only here.

    Any active user may call it; raises ValidationFailed (name too long), Conflict(token_limit).
    """
    name = clean_text(name, field="name", max_length=100)
    if ApiToken.objects.filter(user_id=actor.pk).count() >= MAX_TOKENS_PER_USER:
        raise Conflict(_("You have too many API tokens; revoke some before creating another."),
                       code="token_limit")
    key = secrets.token_urlsafe(32)
    token = ApiToken.objects.create(user_id=actor.pk, name=name, key_hash=hash_token(key), prefix=key[:8])
    event_record(actor=actor, verb="apitoken.created", obj=token, data={"name": name, "prefix": token.prefix})
    return token, key


@transaction.atomic
def apitoken_revoke(*, actor: Any, id: Any) -> None:
    """Revokes one of the actor's own tokens; raises NotFound for another user's (or no) token."""
    token = ApiToken.objects.select_for_update().filter(pk=parse_id(id), user_id=actor.pk).first()
    if token is None:
        raise NotFound()
    event_record(actor=actor, verb="apitoken.revoked", obj=token,
                 data={"name": token.name, "prefix": token.prefix})
    token.delete()
