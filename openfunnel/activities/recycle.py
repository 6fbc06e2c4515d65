"""Deleted follow-ups in the recycle bin."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from openfunnel.core.recycle import RecycleKind, register


def _deleted(actor: Any) -> QuerySet:
    from openfunnel.activities.models import Activity
    from openfunnel.activities.selectors import activity_scope_q

    return (Activity.objects.filter(activity_scope_q(actor), deleted_at__isnull=False)
            .select_related("author", "customer", "lead", "deleted_by"))


def _restore(*, actor: Any, id: Any) -> Any:
    from openfunnel.activities.services import activity_restore

    return activity_restore(actor=actor, id=id)


register(RecycleKind(key="activity", label=_("Follow-ups"), deleted=_deleted, restore=_restore))
