"""Reads of leads and campaigns, scoped by the actor."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, QuerySet

from openfunnel.core.api import parse_id
from openfunnel.core.errors import NotFound
from openfunnel.leads.models import Campaign


def campaigns_visible_to(actor: Any) -> QuerySet[Campaign]:
    """Campaigns are company-wide reference data: every signed-in user sees them all."""
    return Campaign.objects.annotate(lead_count=Count("leads"))


def campaign_get(*, actor: Any, id: Any) -> Campaign:
    campaign = campaigns_visible_to(actor).filter(pk=parse_id(id)).first()
    if campaign is None:
        raise NotFound()
    return campaign
