"""Formatting shared by every template: money with thousands separators, two places."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django import template
from django.utils.html import format_html

register = template.Library()


@register.filter
def money(value: Any) -> str:
    """12500 -> "12,500.00"; empty stays empty."""
    if value is None or value == "":
        return ""
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        return str(value)
    return format_html('<span class="money">{}</span>', f"{amount:,.2f}")
