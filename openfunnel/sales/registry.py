"""What the sales app plugs into the shared registries: global search, the recycle bin and lead conversion."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _


def _search(actor: Any, query: str, limit: int) -> list[Any]:
    from openfunnel.sales.selectors import opportunities_visible_to
    from openfunnel.web.search import SearchHit

    rows = opportunities_visible_to(actor).filter(name__icontains=query).order_by("-id")[:limit]
    return [SearchHit(kind=_("Opportunity"), title=o.name, url=o.get_absolute_url(),
                      detail=f"{o.customer.name} · {o.stage.name} · {o.amount}") for o in rows]


def _deleted(actor: Any) -> QuerySet:
    from openfunnel.accounts.scope import owner_q
    from openfunnel.sales.models import Opportunity

    return Opportunity.objects.filter(owner_q(actor), deleted_at__isnull=False).select_related("customer")


def register() -> None:
    from openfunnel.core.recycle import RecycleKind
    from openfunnel.core.recycle import register as register_recycle
    from openfunnel.leads.services import register_opportunity_from_lead
    from openfunnel.sales.services import opportunity_from_lead, opportunity_restore
    from openfunnel.web.search import SearchProvider, register_search

    register_opportunity_from_lead(opportunity_from_lead)
    register_search(SearchProvider(key="opportunities", label=_("Opportunities"), search=_search))
    register_recycle(RecycleKind(key="opportunity", label=_("Opportunities"), deleted=_deleted,
                                 restore=opportunity_restore, title=lambda o: f"{o.name} ({o.customer.name})"))
