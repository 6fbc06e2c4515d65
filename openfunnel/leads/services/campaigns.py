"""Writes of campaigns: one function per use case (actor, permission, validation, transaction, audit)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from openfunnel.accounts.scope import require_perm
from openfunnel.audit.services import event_record
from openfunnel.core.errors import ValidationFailed
from openfunnel.core.records import apply_update, snapshot
from openfunnel.leads.models import Campaign

CAMPAIGN_FIELDS = ["name", "channel", "start_date", "end_date", "cost", "description"]


def _campaign_validate(data: dict[str, Any]) -> None:
    errors: dict[str, list[Any]] = {}
    if "name" in data and not str(data["name"] or "").strip():
        errors["name"] = [_("This field is required.")]
    cost = data.get("cost")
    if cost is not None and Decimal(cost) < 0:
        errors["cost"] = [_("The cost cannot be negative.")]
    start, end = data.get("start_date"), data.get("end_date")
    if isinstance(start, dt.date) and isinstance(end, dt.date) and end < start:
        errors["end_date"] = [_("The end date is before the start date.")]
    if errors:
        raise ValidationFailed(fields=errors)


@transaction.atomic
def campaign_create(*, actor: Any, name: str, channel: str = Campaign.Channel.OTHER,
                    start_date: dt.date | None = None, end_date: dt.date | None = None,
                    cost: Decimal = Decimal("0.00"), description: str = "") -> Campaign:
    """Creates a campaign. Needs campaigns.manage; raises PermissionDenied, ValidationFailed."""
    require_perm(actor, "campaigns.manage")
    data = {"name": name.strip(), "channel": channel, "start_date": start_date, "end_date": end_date,
            "cost": cost, "description": description}
    _campaign_validate(data)
    campaign = Campaign.objects.create(created_by=actor, **data)
    event_record(actor=actor, verb="campaign.created", obj=campaign, data=snapshot(campaign, CAMPAIGN_FIELDS))
    return campaign


@transaction.atomic
def campaign_update(*, actor: Any, campaign: Campaign, data: dict[str, Any]) -> Campaign:
    """Changes campaign fields. Needs campaigns.manage; raises PermissionDenied, ValidationFailed."""
    require_perm(actor, "campaigns.manage")
    campaign = Campaign.objects.select_for_update().get(pk=campaign.pk)
    unknown = set(data) - set(CAMPAIGN_FIELDS)
    if unknown:
        raise ValidationFailed(fields={name: [_("Unknown field.")] for name in unknown})
    merged = {**snapshot(campaign, ["start_date", "end_date"]), **data}
    for key in ("start_date", "end_date"):
        if isinstance(merged[key], str):
            merged[key] = dt.date.fromisoformat(merged[key])
    _campaign_validate({**data, "start_date": merged["start_date"], "end_date": merged["end_date"]})
    if "name" in data:
        data["name"] = data["name"].strip()
    changes = apply_update(instance=campaign, data=data)
    if changes:
        event_record(actor=actor, verb="campaign.updated", obj=campaign, changes=changes)
    return campaign
