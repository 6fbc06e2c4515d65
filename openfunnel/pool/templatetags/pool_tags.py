"""`{% pool_panel customer %}`: the pool card on the customer 360° page (release form, days left, claim);
`{% lead_pool_panel lead %}`: the same for a lead; `|distance`: a nearby list's distance cell."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils import timezone

register = template.Library()


@register.inclusion_tag("pool/_customer_pool.html", takes_context=True)
def pool_panel(context: Any, customer: Any) -> dict[str, Any]:
    from openfunnel.accounts.scope import has_perm
    from openfunnel.customers.selectors import customer_in_role_scope
    from openfunnel.pool.forms import ReleaseForm
    from openfunnel.pool.models import Pool
    from openfunnel.pool.rules import reclaim_outlook
    from openfunnel.pool.selectors import pools_visible_to

    request = context.get("request")
    actor = getattr(request, "user", None)
    if actor is None or not actor.is_authenticated:
        return {"pool_panel": None}
    panel: dict[str, Any] = {"customer": customer, "in_pool": customer.owner_id is None}
    if customer.owner_id is None:
        pool = pools_visible_to(actor).filter(pk=customer.pool_id).first() if customer.pool_id else None
        if pool is None:
            return {"pool_panel": None}
        panel.update(pool=pool, can_claim=has_perm(actor, "customers.edit")
                     and pool.claim_mode != Pool.ClaimMode.ASSIGN)
        return {"pool_panel": panel}
    now = timezone.now()
    due = reclaim_outlook([customer], now, user=actor).get(customer.pk)
    panel.update(due=due, days_left=due.days_left(now) if due else None)
    if has_perm(actor, "customers.edit") and customer_in_role_scope(actor, customer):
        panel["release_form"] = ReleaseForm(actor=actor)
    if not due and "release_form" not in panel:
        return {"pool_panel": None}
    return {"pool_panel": panel}


@register.inclusion_tag("pool/_lead_pool.html", takes_context=True)
def lead_pool_panel(context: Any, lead: Any) -> dict[str, Any]:
    """The lead page's pool card: days left before the lead goes back to the lead pool, and the release form."""
    from openfunnel.accounts.scope import has_perm
    from openfunnel.leads.models import Lead
    from openfunnel.pool.forms import LeadReleaseForm
    from openfunnel.pool.lead_rules import governing_lead_pool, lead_due_for

    request = context.get("request")
    actor = getattr(request, "user", None)
    if actor is None or not actor.is_authenticated or lead.owner_id is None or lead.deleted_at is not None \
            or lead.status in (Lead.Status.CONVERTED, Lead.Status.INVALID):
        return {"lead_pool_panel": None}
    panel: dict[str, Any] = {"lead": lead}
    pool = governing_lead_pool(lead)
    due = lead_due_for(lead, pool) if pool is not None else None
    if due is not None:
        panel.update(due=due, days_left=due.days_left(timezone.now()))
    if has_perm(actor, "leads.edit"):
        panel["release_form"] = LeadReleaseForm(actor=actor)
    if due is None and "release_form" not in panel:
        return {"lead_pool_panel": None}
    return {"lead_pool_panel": panel}


@register.filter
def distance(obj: Any) -> str:
    """`{{ customer|distance }}`: "850 m" / "12.3 km" when the list was asked for nearby, else empty."""
    from openfunnel.core.geo import distance_label

    return distance_label(obj)
