"""Small helpers of the activities templates."""

from __future__ import annotations

from typing import Any

from django import template

from openfunnel.activities import links
from openfunnel.core import links as core_links

register = template.Library()


@register.simple_tag
def customer_link(customer: Any) -> str:
    return links.customer_url(customer.pk)


@register.simple_tag
def lead_link(lead: Any) -> str:
    return links.lead_url(lead.pk)


@register.simple_tag
def pk_url(name: str, pk: Any) -> str:
    """`{% url name pk %}` for a URL whose only argument is an id, without a full reverse per row."""
    return core_links.pk_url(name, pk)


@register.simple_tag(takes_context=True)
def my_day_rows(context: template.Context, group: str, rows: Any) -> str:
    """The list items of one "my day" group (see `activities.my_day_rows`)."""
    from openfunnel.activities.my_day_rows import my_day_rows as rows_html

    return rows_html(group, rows, context.get("csrf_token"))
