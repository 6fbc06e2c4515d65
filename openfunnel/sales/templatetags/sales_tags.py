"""Template tags other apps use to show opportunities: {% load sales_tags %}{% opportunity_panel customer=customer %}."""

from __future__ import annotations

from typing import Any

from django import template

from openfunnel.accounts.scope import has_perm
from openfunnel.sales.selectors import opportunities_of_customer

register = template.Library()


@register.inclusion_tag("sales/_opportunity_panel.html", takes_context=True)
def opportunity_panel(context: Any, customer: Any, limit: int = 10) -> dict[str, Any]:
    """The customer's opportunities the signed-in user may see (open first), for the customer 360° page."""
    actor = context["request"].user
    rows = opportunities_of_customer(actor=actor, customer_id=customer.pk, customer=customer)
    shown = list(rows[:limit])
    more = rows.count() - limit if len(shown) == limit else 0
    return {"customer": customer, "opportunities": shown, "more": max(more, 0),
            "can_create": has_perm(actor, "opportunities.create"), "request": context["request"]}
