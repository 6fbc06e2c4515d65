"""The kanban's cards as HTML, written out in Python: a board shows up to a hundred of them, and through the
template engine each cost ~0.3 ms of its ifs, filters and translations (the same markup, escaped the same
way as the template's autoescape)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.utils import formats, numberformat
from django.urls import reverse
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

# what the cards show: the card query reads only these columns
CARD_FIELDS = ("id", "name", "amount", "expected_close_date", "status", "stage_id", "closed_at", "stage_entered_at",
               "customer__id", "customer__name", "owner__id", "owner__name", "owner__username", "stage__id",
               "stage__max_days")


def decorate(cards: list[Any], now: dt.datetime, *, can_edit: bool) -> None:
    """Sets each card's flags (days in stage, stalled, overdue) and its `html`."""
    today = timezone.localdate(now)
    detail, move = reverse("sales:detail", args=[0]), reverse("sales:move", args=[0])
    labels = {"close": _("Expected close date"), "days": _("Days in stage"), "overdue": _("Overdue"),
              "stalled": _("Stalled")}
    money = money_format()
    for card in cards:
        card.days = card.days_in_stage(now)
        card.stalled = card.is_open and card.stage.max_days is not None and card.days > card.stage.max_days
        card.overdue = card.is_open and card.expected_close_date is not None and card.expected_close_date < today
        card.html = _card(card, detail.replace("/0/", f"/{card.pk}/"), move.replace("/0/", f"/{card.pk}/"),
                          can_edit, labels, money)


def money_format() -> Callable[[Decimal], str]:
    """`floatformat:"2g"` of an amount in the active language, with the language's separators looked up once
    (the filter looks them up, and quantizes, for every value: a quarter of a card's time)."""
    decimal_sep, thousand_sep = formats.get_format("DECIMAL_SEPARATOR"), formats.get_format("THOUSAND_SEPARATOR")
    grouping, cent = formats.get_format("NUMBER_GROUPING"), Decimal("0.01")

    def money(amount: Decimal) -> str:
        rounded = Decimal(amount).quantize(cent, ROUND_HALF_UP)
        return numberformat.format(rounded, decimal_sep, 2, grouping, thousand_sep, force_grouping=True)

    return money


def _card(card: Any, detail_url: str, move_url: str, can_edit: bool, labels: dict[str, str],
          money: Callable[[Decimal], str]) -> SafeString:
    # one string per card, every value through escape(): format_html per part cost more than the rest
    meta = f'<span class="amount">{money(card.amount)}</span>'
    if card.expected_close_date:
        meta += f' <span title="{escape(labels["close"])}">{card.expected_close_date.isoformat()}</span>'
    if card.status == "open":
        days = ngettext("%(days)s day", "%(days)s days", card.days) % {"days": card.days}
        meta += f' <span title="{escape(labels["days"])}">{escape(days)}</span>'
    meta += f" <span>{escape(card.owner.display_name)}</span>"
    flags = ""
    if card.overdue:
        flags += f'<span class="badge badge-red" data-testid="flag-overdue">{escape(labels["overdue"])}</span>'
    if card.stalled:
        flags += f'<span class="badge badge-red" data-testid="flag-stalled">{escape(labels["stalled"])}</span>'
    flagged = " flagged" if card.stalled or card.overdue else ""
    draggable = "1" if can_edit and card.status == "open" else "0"
    return mark_safe(  # noqa: S308 (every value above is escaped or a number)
        f'<article class="kanban-card{flagged}" data-testid="opp-{card.pk}" data-id="{card.pk}" '
        f'data-draggable="{draggable}" data-move-url="{escape(move_url)}"><a href="{escape(detail_url)}">'
        f'<strong>{escape(card.name)}</strong></a><div class="muted">{escape(card.customer.name)}</div>'
        f'<div class="meta">{meta}</div>{flags}</article>\n')
