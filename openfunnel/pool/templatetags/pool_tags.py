"""`{% pool_panel customer %}`: the pool card on the customer 360° page (release form, days left, claim)."""

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
    due = reclaim_outlook([customer], now).get(customer.pk)
    panel.update(due=due, days_left=due.days_left(now) if due else None)
    if has_perm(actor, "customers.edit") and customer_in_role_scope(actor, customer):
        panel["release_form"] = ReleaseForm(actor=actor)
    if not due and "release_form" not in panel:
        return {"pool_panel": None}
    return {"pool_panel": panel}
