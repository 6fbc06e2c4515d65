"""Per-user UI preferences."""

from __future__ import annotations

from typing import Any

from django.db import transaction

from openfunnel.accounts.models import Preference


@transaction.atomic
def preference_set(*, user: Any, key: str, value: dict[str, Any]) -> Preference:
    """Stores one UI preference of `user` (only ever their own)."""
    preference, _created = Preference.objects.update_or_create(user=user, key=key, defaults={"value": value})
    return preference
