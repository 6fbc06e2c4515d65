"""Small helpers of the activities templates."""

from __future__ import annotations

from typing import Any

from django import template

from openfunnel.activities import links

register = template.Library()


@register.simple_tag
def customer_link(customer: Any) -> str:
    return links.customer_url(customer.pk)


@register.simple_tag
def lead_link(lead: Any) -> str:
    return links.lead_url(lead.pk)
