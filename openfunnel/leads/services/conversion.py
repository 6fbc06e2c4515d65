"""Lead conversion: customer + primary contact (+ opportunity, once the sales app plugs in) in one
transaction, with the source and campaign carried over for source-ROI analysis."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from openfunnel.accounts.scope import require_perm
from openfunnel.audit.services import event_record
from openfunnel.core.errors import Conflict, NotFound, ValidationFailed
from openfunnel.leads.models import Lead
from openfunnel.leads.services.leads import _locked

# The opportunity hook. The sales app registers one function
#     create(*, actor, lead, customer, contact, data: dict) -> Opportunity
# (from its AppConfig.ready, through register_opportunity_from_lead); lead_convert then calls it inside
# the conversion's transaction, so that a refused opportunity rolls back the customer and contact too.
# Until something is registered, create_opportunity=true is refused (never silently ignored).
OPPORTUNITY_FROM_LEAD: list[Callable[..., Any]] = []


def register_opportunity_from_lead(create: Callable[..., Any]) -> None:
    """Called once by the sales app to make `create_opportunity` work in lead conversion."""
    OPPORTUNITY_FROM_LEAD[:] = [create]


@dataclass(frozen=True)
class LeadConversion:
    lead: Lead
    customer: Any
    contact: Any
    opportunity: Any = None


def _existing_customer(actor: Any, customer: Any) -> Any:
    from openfunnel.customers.selectors import customer_get_for_edit

    try:
        return customer_get_for_edit(actor=actor, id=getattr(customer, "pk", customer))
    except NotFound:
        raise ValidationFailed(fields={"customer": [_("Choose a customer you can see.")]}) from None


@transaction.atomic
def lead_convert(*, actor: Any, lead: Lead, customer: Any = None, create_opportunity: bool = False,
                 opportunity: dict[str, Any] | None = None) -> LeadConversion:
    """Converts a lead: creates its customer (or attaches to the existing visible `customer`), the primary
    contact from the lead's person, optionally an opportunity, and marks the lead converted.

    Needs leads.convert (and customers.create / contacts.edit through the customer services). Raises
    NotFound, PermissionDenied, ValidationFailed, Conflict(invalid_transition) for a converted lead,
    Conflict(duplicate) when the new customer matches an existing one — then nothing is created.
    """
    lead = _locked(actor, lead)
    require_perm(actor, "leads.convert")
    if lead.status == Lead.Status.CONVERTED:
        raise Conflict(_("This lead has already been converted."), code="invalid_transition")
    if create_opportunity and not OPPORTUNITY_FROM_LEAD:
        message = _("Opportunities are not available yet.")
        raise ValidationFailed(message, fields={"create_opportunity": [message]})
    if opportunity and not create_opportunity:
        message = _("Set create_opportunity to create an opportunity.")
        raise ValidationFailed(message, fields={"opportunity": [message]})

    from openfunnel.customers.services import contact_create, customer_create

    attached = customer is not None
    if attached:
        target = _existing_customer(actor, customer)
    else:
        target = customer_create(actor=actor, name=lead.company, owner=lead.owner or actor, uscc=lead.uscc,
                                 region=lead.region, phone=lead.phone, email=lead.email, source=lead.source,
                                 campaign=lead.campaign, notes=lead.notes, exclude_lead_id=lead.pk)
    contact = None
    if lead.name.strip():
        contact = contact_create(actor=actor, customer=target, name=lead.name, title=lead.title, phone=lead.phone,
                                 email=lead.email, is_primary=not attached)
    created_opportunity = None
    if create_opportunity:
        created_opportunity = OPPORTUNITY_FROM_LEAD[0](actor=actor, lead=lead, customer=target, contact=contact,
                                                       data=dict(opportunity or {}))

    previous_status = lead.status
    lead.status = Lead.Status.CONVERTED
    lead.converted_at = timezone.now()
    lead.converted_customer = target
    lead.converted_contact = contact
    lead.version += 1
    lead.save(update_fields=["status", "converted_at", "converted_customer", "converted_contact", "version",
                             "updated_at"])
    event_record(actor=actor, verb="lead.converted", obj=lead, lead_id=lead.pk, customer_id=target.pk,
                 changes={"status": [previous_status, Lead.Status.CONVERTED]},
                 data={"customer": target.pk, "customer_name": str(target),
                       "contact": contact.pk if contact else None,
                       "opportunity": getattr(created_opportunity, "pk", None),
                       "existing_customer": attached, "source": lead.source, "campaign": lead.campaign_id})
    return LeadConversion(lead=lead, customer=target, contact=contact, opportunity=created_opportunity)
