"""The kanban's cards as HTML, written out in Python: a board shows up to a hundred of them, and through the
template engine each cost ~0.3 ms of its ifs, filters and translations (the same markup, escaped the same
way by format_html)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.template.defaultfilters import floatformat
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html
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
    for card in cards:
        card.days = card.days_in_stage(now)
        card.stalled = card.is_open and card.stage.max_days is not None and card.days > card.stage.max_days
        card.overdue = card.is_open and card.expected_close_date is not None and card.expected_close_date < today
        card.html = _card(card, detail.replace("/0/", f"/{card.pk}/"), move.replace("/0/", f"/{card.pk}/"),
                          can_edit, labels)


def _card(card: Any, detail_url: str, move_url: str, can_edit: bool, labels: dict[str, str]) -> SafeString:
    meta = [format_html('<span class="amount">{}</span>', floatformat(card.amount, "2g"))]
    if card.expected_close_date:
        meta.append(format_html('<span title="{}">{}</span>', labels["close"], card.expected_close_date.isoformat()))
    if card.status == "open":
        days = ngettext("%(days)s day", "%(days)s days", card.days) % {"days": card.days}
        meta.append(format_html('<span title="{}">{}</span>', labels["days"], days))
    meta.append(format_html("<span>{}</span>", card.owner.display_name))
    flags = []
    if card.overdue:
        flags.append(format_html('<span class="badge badge-red" data-testid="flag-overdue">{}</span>',
                                 labels["overdue"]))
    if card.stalled:
        flags.append(format_html('<span class="badge badge-red" data-testid="flag-stalled">{}</span>',
                                 labels["stalled"]))
    return format_html(
        '<article class="kanban-card{}" data-testid="opp-{}" data-id="{}" data-draggable="{}" data-move-url="{}">'
        '<a href="{}"><strong>{}</strong></a><div class="muted">{}</div><div class="meta">{}</div>{}</article>\n',
        " flagged" if card.stalled or card.overdue else "", card.pk, card.pk,
        "1" if can_edit and card.status == "open" else "0", move_url, detail_url, card.name, card.customer.name,
        mark_safe(" ".join(meta)), mark_safe("".join(flags)))  # noqa: S308 (the parts are format_html's)
