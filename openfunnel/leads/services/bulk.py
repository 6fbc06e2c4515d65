"""Creating many leads at once (trade-fair business cards, imports, the demo company): the same
validation, duplicate check, rows and events as `lead_create`, in a few set-based queries."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from openfunnel.accounts.scope import require_perm
from openfunnel.audit.services import event_bulk_record, event_fields
from openfunnel.core.errors import ValidationFailed
from openfunnel.core.records import snapshot
from openfunnel.customers.dedup import duplicate_check_many
from openfunnel.leads.models import Lead
from openfunnel.leads.services.leads import (
    LEAD_FIELDS,
    OWNER_UNSET,
    SETTABLE_STATUSES,
    _actor_name,
    _clean_fields,
    _dedup_keys,
    _notify_owner,
    _resolve_owner,
)

MAX_ROWS = 10_000


@transaction.atomic
def lead_bulk_create(*, actor: Any, rows: list[dict[str, Any]], at: dt.datetime | None = None) -> list[Lead]:
    """Creates every lead of `rows` (each a dict of lead_create's arguments) or none of them.

    Needs leads.create (and leads.assign for rows naming another owner or none). Raises
    ValidationFailed (with extra "row", 1-based) or Conflict(duplicate) for the first bad row.
    """
    require_perm(actor, "leads.create")
    if len(rows) > MAX_ROWS:
        raise ValidationFailed(fields={"__all__": [_("At most %(n)d rows at once.") % {"n": MAX_ROWS}]})
    owners: dict[Any, Any] = {}
    cleaned: list[tuple[dict[str, Any], Any]] = []
    for index, row in enumerate(rows, start=1):
        data = dict(row)
        owner = data.pop("owner", OWNER_UNSET)
        try:
            clean = _clean_fields(data)
            if clean.get("status", Lead.Status.NEW) not in SETTABLE_STATUSES:
                raise ValidationFailed(fields={"status": [_("A lead becomes converted only by converting it.")]})
            if owner is OWNER_UNSET:
                owner_user = actor
            else:
                key = getattr(owner, "pk", owner)
                if key is None or key == "" or str(key) != str(actor.pk):
                    require_perm(actor, "leads.assign")
                if key is None or key == "":
                    owner_user = None
                else:
                    if key not in owners:
                        owners[key] = _resolve_owner(actor, owner)
                    owner_user = owners[key]
        except ValidationFailed as error:
            error.extra["row"] = index
            raise
        cleaned.append((clean, owner_user))
    duplicate_check_many(actor=actor, keys=[_dedup_keys(clean) for clean, _owner in cleaned],
                         name_field="company")
    now = at or timezone.now()
    leads = Lead.objects.bulk_create(
        [Lead(**clean, owner=owner, assigned_at=now if owner else None, created_by=actor) for clean, owner in cleaned],
        batch_size=500)
    event_bulk_record([event_fields(actor=actor, verb="lead.created", obj=lead, lead_id=lead.pk, at=at,
                                    data=snapshot(lead, LEAD_FIELDS)) for lead in leads])
    assigned = Counter(lead.owner for lead in leads if lead.owner is not None and lead.owner.pk != actor.pk)
    for owner, count in assigned.items():
        first = next(lead for lead in leads if lead.owner_id == owner.pk)
        _notify_owner(actor=actor, lead=first, recipient=owner, message=ngettext(
            "%(actor)s assigned %(count)d new lead to you.", "%(actor)s assigned %(count)d new leads to you.", count)
            % {"actor": _actor_name(actor), "count": count})
    return leads
