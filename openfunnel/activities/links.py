"""Links and lookups of the records a follow-up, task or reminder points at (customers and leads
belong to other apps, which may not all be installed yet: every call is guarded)."""

from __future__ import annotations

from typing import Any

from django.urls import NoReverseMatch

from openfunnel.core.links import pk_url


def customer_url(customer_id: int | None) -> str:
    if not customer_id:
        return ""
    try:
        return pk_url("customers:detail", customer_id)
    except NoReverseMatch:
        return ""


def lead_url(lead_id: int | None) -> str:
    if not lead_id:
        return ""
    try:
        return pk_url("leads:detail", lead_id)
    except NoReverseMatch:
        return ""


def record_url(*, customer_id: int | None = None, lead_id: int | None = None) -> str:
    """The page of the customer (preferred) or lead a follow-up, task or reminder belongs to."""
    return customer_url(customer_id) or lead_url(lead_id)


def fetch_customer(*, actor: Any, customer: Any) -> Any:
    """The customer (an instance or an id) as the actor sees it; NotFound out of scope."""
    from openfunnel.customers.selectors import customer_get

    return customer_get(actor=actor, id=getattr(customer, "pk", customer))


def fetch_contact(*, actor: Any, contact: Any) -> Any:
    from openfunnel.customers.selectors import contact_get

    return contact_get(actor=actor, id=getattr(contact, "pk", contact))


def fetch_opportunity(*, actor: Any, opportunity: Any) -> Any:
    """The opportunity (an instance or an id) as the actor sees it; NotFound out of scope."""
    from openfunnel.sales.selectors import opportunity_get

    return opportunity_get(actor=actor, id=getattr(opportunity, "pk", opportunity))


def opportunity_url(opportunity_id: int | None) -> str:
    if not opportunity_id:
        return ""
    try:
        return pk_url("sales:detail", opportunity_id)
    except NoReverseMatch:
        return ""


def fetch_lead(*, actor: Any, lead: Any) -> Any:
    """The lead (an instance or an id) as the actor sees it; NotFound out of scope."""
    from openfunnel.leads.selectors import lead_get

    return lead_get(actor=actor, id=getattr(lead, "pk", lead))


def customer_editable(actor: Any, customer: Any) -> bool:
    from openfunnel.customers.selectors import customer_can_edit

    return customer_can_edit(actor, customer)


def lead_editable(actor: Any, lead: Any) -> bool:
    """A lead may be changed by whoever has leads.edit and sees it (the leads app's own rule)."""
    try:
        from openfunnel.leads.selectors import lead_can_edit
    except ImportError:  # pragma: no cover - older leads app
        from openfunnel.accounts.scope import can_see_owner, has_perm

        return has_perm(actor, "leads.edit") and lead.owner_id is not None and can_see_owner(actor, lead.owner_id)
    return lead_can_edit(actor, lead)
