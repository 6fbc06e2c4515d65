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

from openfunnel.sales.models import days_since

# what a card shows, read as a row
CARD_VALUES = ("id", "name", "amount", "expected_close_date", "status", "stage_id", "closed_at", "stage_entered_at",
               "customer__name", "owner__name", "owner__username", "stage__max_days")


class Card:
    """One kanban card: the values it shows, read as a row rather than as an opportunity with its customer,
    owner and stage (four model instances per card, ninety cards a board)."""

    __slots__ = ("pk", "name", "amount", "expected_close_date", "status", "stage_id", "closed_at",
                 "stage_entered_at", "customer_name", "owner_name", "stage_max_days", "days", "stalled", "overdue",
                 "html")

    def __init__(self, row: tuple[Any, ...]) -> None:
        (self.pk, self.name, self.amount, self.expected_close_date, self.status, self.stage_id, self.closed_at,
         self.stage_entered_at, self.customer_name, owner_name, owner_username, self.stage_max_days) = row
        self.owner_name = owner_name or owner_username or ""   # User.display_name


def card_flags(*, status: str, days: int, max_days: int | None, expected_close_date: dt.date | None,
               today: dt.date) -> tuple[bool, bool]:
    """(stalled, overdue) of an opportunity: open and longer in its stage than the stage allows; open and past
    its expected close date."""
    is_open = status == "open"
    return (is_open and max_days is not None and days > max_days,
            is_open and expected_close_date is not None and expected_close_date < today)


def decorate_opportunity(opportunity: Any, now: dt.datetime) -> None:
    """Sets the detail page's flags: days in stage, stalled, overdue."""
    opportunity.days = opportunity.days_in_stage(now)
    opportunity.stalled, opportunity.overdue = card_flags(
        status=opportunity.status, days=opportunity.days, max_days=opportunity.stage.max_days,
        expected_close_date=opportunity.expected_close_date, today=timezone.localdate(now))


def decorate(cards: list[Card], now: dt.datetime, *, can_edit: bool) -> None:
    """Sets each card's flags (days in stage, stalled, overdue) and its `html`."""
    today = timezone.localdate(now)
    detail, move = reverse("sales:detail", args=[0]), reverse("sales:move", args=[0])
    labels = {"close": _("Expected close date"), "days": _("Days in stage"), "overdue": _("Overdue"),
              "stalled": _("Stalled")}
    money = money_format()
    for card in cards:
        card.days = days_since(card.stage_entered_at, now)
        card.stalled, card.overdue = card_flags(status=card.status, days=card.days, max_days=card.stage_max_days,
                                                expected_close_date=card.expected_close_date, today=today)
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


def _card(card: Card, detail_url: str, move_url: str, can_edit: bool, labels: dict[str, str],
          money: Callable[[Decimal], str]) -> SafeString:
    # one string per card, every value through escape(): format_html per part cost more than the rest
    meta = f'<span class="amount">{money(card.amount)}</span>'
    if card.expected_close_date:
        meta += f' <span title="{escape(labels["close"])}">{card.expected_close_date.isoformat()}</span>'
    if card.status == "open":
        days = ngettext("%(days)s day", "%(days)s days", card.days) % {"days": card.days}
        meta += f' <span title="{escape(labels["days"])}">{escape(days)}</span>'
    meta += f" <span>{escape(card.owner_name)}</span>"
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
        f'<strong>{escape(card.name)}</strong></a><div class="muted">{escape(card.customer_name)}</div>'
        f'<div class="meta">{meta}</div>{flags}</article>\n')
