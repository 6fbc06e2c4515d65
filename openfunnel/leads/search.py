"""The leads provider of the global search (only leads the actor may see)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from openfunnel.leads.selectors import lead_search
from openfunnel.web.search import SearchHit


def search_leads(actor: Any, query: str, limit: int) -> list[SearchHit]:
    hits = []
    for lead in lead_search(actor=actor, query=query, limit=limit):
        detail = " · ".join(part for part in (lead.name, lead.phone, lead.get_status_display(),
                                              lead.owner.display_name if lead.owner else _("Lead pool")) if part)
        hits.append(SearchHit(kind=_("Lead"), title=lead.company, url=lead.get_absolute_url(), detail=detail))
    return hits
