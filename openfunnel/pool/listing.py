"""The "reclaim in" column of the customer and lead lists: days left before the reclaim and the rule that will
fire."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from openfunnel.web.listing import Column


def attach_reclaim_outlook(customers: Any, *, user: Any = None) -> None:
    """Sets `reclaim_due` on each customer of a list page (a fixed number of queries for the page)."""
    from openfunnel.pool.rules import reclaim_outlook

    rows = list(customers)
    outlook = reclaim_outlook(rows, timezone.now(), user=user)
    for customer in rows:
        customer.reclaim_due = outlook.get(customer.pk)


def attach_lead_reclaim_outlook(leads: Any, *, user: Any = None) -> None:
    """Sets `reclaim_due` on each lead of a list page (a fixed number of queries for the page)."""
    from openfunnel.pool.lead_rules import lead_reclaim_outlook

    rows = list(leads)
    outlook = lead_reclaim_outlook(rows, timezone.now(), user=user)
    for lead in rows:
        lead.reclaim_due = outlook.get(lead.pk)


def _cell(row: Any) -> Any:
    due = getattr(row, "reclaim_due", None)
    if due is None:
        return ""
    days = due.days_left(timezone.now())
    text = ngettext("%(days)d day", "%(days)d days", days) % {"days": days}
    # The rule in words under the count: a phone has no hover for a title.
    return format_html('<span class="{}">{}</span><div class="small muted" data-testid="reclaim-rule">{}</div>',
                       "badge badge-amber" if days <= 3 else "", text, due.label)


# Both lists: the cell reads `reclaim_due`, set by attach_reclaim_outlook / attach_lead_reclaim_outlook.
RECLAIM_COLUMN = Column("reclaim_in", _("Reclaim in"), render=_cell)
