"""The follow-up panel and the upload form other apps put on their detail pages:

    {% load activities_tags %}
    {% activity_panel customer=customer %}   or   {% activity_panel lead=lead %}
    {% attachment_upload customer=customer %} or   {% attachment_upload lead=lead %}
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django import template
from django.urls import reverse
from django.utils import timezone

from openfunnel.accounts.scope import has_perm
from openfunnel.activities.forms import DATETIME_LOCAL, ActivityForm, AttachmentForm
from openfunnel.activities.selectors import activities_visible_to
from openfunnel.activities.services import attachment_can_add

register = template.Library()

PANEL_SIZE = 10


def panel_contacts(user: Any, customer: Any) -> Any:
    from openfunnel.customers.selectors import contacts_visible_to

    return contacts_visible_to(user).filter(customer_id=customer.pk)


@register.inclusion_tag("activities/_panel.html", takes_context=True)
def activity_panel(context: template.Context, customer: Any = None, lead: Any = None) -> dict[str, Any]:
    """A log-a-follow-up form and the 10 latest follow-ups of `customer` or `lead` the viewer may see."""
    request = context["request"]
    user = request.user
    rows = activities_visible_to(user)
    if customer is not None:
        rows = rows.filter(customer_id=customer.pk)
        list_query = {"customer": customer.pk}
    elif lead is not None:
        rows = rows.filter(lead_id=lead.pk)
        list_query = {"lead": lead.pk}
    else:
        rows = rows.none()
        list_query = {}
    form = None
    if has_perm(user, "activities.create") and (customer is not None or lead is not None):
        form = ActivityForm(customer=customer, lead=lead,
                            contacts=panel_contacts(user, customer) if customer is not None else None,
                            initial={"next": context.get("return_to") or request.get_full_path(),
                                     "occurred_at": timezone.localtime().strftime(DATETIME_LOCAL)})
    recent = list(rows[:PANEL_SIZE + 1])
    return {
        "request": request,
        "csrf_token": context.get("csrf_token"),
        "form": form,
        "activities": recent[:PANEL_SIZE],
        "has_more": len(recent) > PANEL_SIZE,
        "list_url": reverse("activities:list") + "?" + urlencode(list_query),
        "create_url": reverse("activities:create"),
        "user": user,
    }


@register.inclusion_tag("activities/_attachment_upload.html", takes_context=True)
def attachment_upload(context: template.Context, customer: Any = None, lead: Any = None) -> dict[str, Any]:
    """A one-file upload form for `customer` or `lead`, shown only to those who may edit the record."""
    request = context["request"]
    user = request.user
    allowed = attachment_can_add(user, customer=customer, lead=lead if customer is None else None)
    form = AttachmentForm(initial={"customer": getattr(customer, "pk", None), "lead": getattr(lead, "pk", None),
                                   "next": context.get("return_to") or request.get_full_path()}) if allowed else None
    return {"form": form, "csrf_token": context.get("csrf_token"), "upload_url": reverse("activities:attachment_upload")}
