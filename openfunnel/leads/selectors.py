"""Reads of leads and campaigns, scoped by the actor.

Lead visibility: a lead is visible when it is not deleted and its owner is within the actor's data
scope (accounts.scope). Unowned leads (owner NULL, "the lead pool") are visible to everyone whose
scope is "all" and, besides, to users holding `leads.assign` (managers, directors, admins), because
they are the ones who hand pool leads out. Reps do not see pool leads here; claiming from a lead pool
belongs to the pool app.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from openfunnel.accounts.scope import can_see_owner, has_perm, visible_owner_ids
from openfunnel.core.api import parse_id
from openfunnel.core.errors import NotFound, PermissionDenied
from openfunnel.leads.models import Campaign, Lead

POOL_PERMISSION = "leads.assign"


def _count(queryset: QuerySet) -> Any:
    """A correlated COUNT(*) subquery (no row multiplication when several counts are annotated)."""
    counted = queryset.order_by().values("campaign_id").annotate(n=Count("pk")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def campaigns_visible_to(actor: Any) -> QuerySet[Campaign]:
    """Campaigns are company-wide reference data: every signed-in user sees them all, with the
    company-wide lead, converted-lead and customer counts that campaign ROI is computed from."""
    from openfunnel.customers.models import Customer

    leads = Lead.objects.filter(campaign_id=OuterRef("pk"), deleted_at__isnull=True)
    customers = Customer.objects.filter(campaign_id=OuterRef("pk"), deleted_at__isnull=True)
    return Campaign.objects.annotate(
        lead_count=_count(leads),
        converted_count=_count(leads.filter(status=Lead.Status.CONVERTED)),
        customer_count=_count(customers),
    )


def campaign_get(*, actor: Any, id: Any) -> Campaign:
    """One campaign with its counts; NotFound when missing."""
    campaign = campaigns_visible_to(actor).filter(pk=parse_id(id)).first()
    if campaign is None:
        raise NotFound()
    return campaign


def campaign_choices(actor: Any) -> QuerySet[Campaign]:
    """Campaigns offered in lead forms and filters (no counts)."""
    return Campaign.objects.all()


# --- leads -----------------------------------------------------------------------------------------

def lead_scope_q(actor: Any, prefix: str = "") -> Q:
    """Leads the actor sees by scope: owned within the role's scope, plus the lead pool for assigners."""
    ids = visible_owner_ids(actor)
    if ids is None:
        return Q()
    q = Q(**{f"{prefix}owner_id__in": ids})
    if has_perm(actor, POOL_PERMISSION):
        q |= Q(**{f"{prefix}owner__isnull": True})
    return q


def lead_is_visible(actor: Any, lead: Lead) -> bool:
    """The same rule as lead_scope_q, for one lead already in memory."""
    if lead.deleted_at is not None:
        return False
    if lead.owner_id is None:
        return visible_owner_ids(actor) is None or has_perm(actor, POOL_PERMISSION)
    return can_see_owner(actor, lead.owner_id)


def leads_visible_to(actor: Any) -> QuerySet[Lead]:
    """Every lead the actor may see (not deleted), with owner and campaign joined for lists."""
    return Lead.objects.filter(lead_scope_q(actor), deleted_at__isnull=True).select_related("owner", "campaign")


def lead_get(*, actor: Any, id: Any) -> Lead:
    """One visible lead; NotFound when missing, deleted or out of scope."""
    lead = (leads_visible_to(actor)
            .select_related("created_by", "converted_customer", "converted_contact")
            .filter(pk=parse_id(id)).first())
    if lead is None:
        raise NotFound()
    return lead


def lead_can_edit(actor: Any, lead: Lead) -> bool:
    return has_perm(actor, "leads.edit") and lead_is_visible(actor, lead)


def lead_get_for_edit(*, actor: Any, id: Any) -> Lead:
    """A visible lead the actor may change; NotFound out of scope, PermissionDenied without leads.edit."""
    lead = lead_get(actor=actor, id=id)
    if not has_perm(actor, "leads.edit"):
        raise PermissionDenied()
    return lead


def leads_deleted_visible_to(actor: Any) -> QuerySet[Lead]:
    """Deleted leads in the actor's scope (the recycle bin)."""
    return Lead.objects.filter(lead_scope_q(actor), deleted_at__isnull=False).select_related("owner", "deleted_by")


def lead_timeline(*, actor: Any, lead: Lead) -> QuerySet[Any]:
    """Events on a lead's timeline (a lead the caller fetched with lead_get), newest first."""
    from openfunnel.audit.models import Event

    return Event.objects.filter(lead_id=lead.pk).select_related("actor").order_by("-at", "-id")


def assignable_users(actor: Any) -> QuerySet[Any]:
    """Active users the actor may give leads to: everyone within the actor's data scope."""
    from openfunnel.accounts.models import User

    users = User.objects.filter(is_active=True)
    ids = visible_owner_ids(actor)
    if ids is not None:
        users = users.filter(id__in=ids)
    return users.order_by("name", "username", "id")


def lead_customer_suggestions(*, actor: Any, lead: Lead, limit: int = 30) -> list[Any]:
    """Visible customers that look like the lead's company (to attach a conversion to), best first."""
    from openfunnel.customers.selectors import customers_visible_to

    match = Q(name_key__contains=lead.company_key) if lead.company_key else Q(pk__in=[])
    if lead.uscc:
        match |= Q(uscc=lead.uscc)
    if lead.phone_key:
        match |= Q(phone_key=lead.phone_key)
    if lead.email_key:
        match |= Q(email_key=lead.email_key)
    return list(customers_visible_to(actor).filter(match).select_related("owner").order_by("name", "id")[:limit])


def lead_search(*, actor: Any, query: str, limit: int = 10) -> list[Lead]:
    """Global search over company, person, phone and e-mail of the leads the actor may see."""
    query = query.strip()
    if not query:
        return []
    match = (Q(company__icontains=query) | Q(name__icontains=query) | Q(phone__icontains=query)
             | Q(email__icontains=query))
    return list(leads_visible_to(actor).filter(match).order_by("-id")[:limit])
