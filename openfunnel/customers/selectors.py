"""Reads of customers and contacts, always starting from the actor's data scope."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from openfunnel.accounts.scope import has_perm, visible_owner_ids
from openfunnel.core.api import parse_id
from openfunnel.core.errors import NotFound, PermissionDenied
from openfunnel.customers.models import Contact, Customer, CustomerShare


def customer_scope_q(actor: Any, prefix: str = "") -> Q:
    """Customers the actor sees: owned within the role's scope, or shared with the actor."""
    ids = visible_owner_ids(actor)
    if ids is None:
        return Q()
    shared = CustomerShare.objects.filter(user_id=actor.pk).values("customer_id")
    return Q(**{f"{prefix}owner_id__in": ids}) | Q(**{f"{prefix}id__in": shared})


def customers_visible_to(actor: Any) -> QuerySet[Customer]:
    """Every customer the actor may see (not deleted). Callers add their own filters."""
    return Customer.objects.filter(customer_scope_q(actor), deleted_at__isnull=True)


def customer_get(*, actor: Any, id: Any) -> Customer:
    """One visible customer; NotFound when missing, deleted or out of scope."""
    customer = (customers_visible_to(actor).select_related("owner", "level", "campaign")
                .filter(pk=parse_id(id)).first())
    if customer is None:
        raise NotFound()
    return customer


def customer_can_edit(actor: Any, customer: Customer) -> bool:
    if not has_perm(actor, "customers.edit"):
        return False
    ids = visible_owner_ids(actor)
    if ids is None or customer.owner_id in ids:
        return True
    return CustomerShare.objects.filter(customer=customer, user_id=actor.pk, can_edit=True).exists()


def customer_get_for_edit(*, actor: Any, id: Any) -> Customer:
    """A visible customer the actor may change; NotFound out of scope, PermissionDenied for read-only access."""
    customer = customer_get(actor=actor, id=id)
    if not customer_can_edit(actor, customer):
        raise PermissionDenied()
    return customer


def contacts_visible_to(actor: Any) -> QuerySet[Contact]:
    """Contacts of the customers the actor may see."""
    return Contact.objects.filter(customer_scope_q(actor, prefix="customer__"), deleted_at__isnull=True,
                                  customer__deleted_at__isnull=True)


def contact_get(*, actor: Any, id: Any) -> Contact:
    contact = contacts_visible_to(actor).select_related("customer").filter(pk=parse_id(id)).first()
    if contact is None:
        raise NotFound()
    return contact
