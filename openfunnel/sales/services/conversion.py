"""The opportunity a lead conversion creates (leads.services.lead_convert calls this inside its
transaction once it is registered with leads.services.register_opportunity_from_lead)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from openfunnel.accounts.scope import can_see_owner
from openfunnel.core.errors import ValidationFailed
from openfunnel.sales.models import Opportunity, Pipeline, Stage
from openfunnel.sales.services.opportunities import opportunity_create

FROM_LEAD_FIELDS = {"name", "amount", "expected_close_date", "pipeline", "stage", "forecast_category", "next_step",
                    "competitor", "description", "difficulty", "contact_role"}


def _prefixed(error: ValidationFailed) -> ValidationFailed:
    return ValidationFailed(error.message, code=error.code, extra=error.extra,
                            fields={f"opportunity.{name}": messages for name, messages in error.fields.items()})


def opportunity_from_lead(*, actor: Any, lead: Any, customer: Any, contact: Any, data: dict[str, Any]) -> Opportunity:
    """Opens the converted lead's opportunity on its new customer: named after the company unless `data`
    names it, with the lead's source and campaign, owned by the customer's owner (when the actor sees
    them), with the lead's person as involved contact. `data` is the raw "opportunity" object of the
    conversion request. Raises ValidationFailed with fields "opportunity.<field>" (also
    stage_requirements_missing), PermissionDenied."""
    data = dict(data or {})
    unknown = sorted(set(data) - FROM_LEAD_FIELDS)
    if unknown:
        raise ValidationFailed(fields={f"opportunity.{name}": [_("Unknown field.")] for name in unknown})
    pipeline = stage = None
    if data.get("pipeline") not in (None, ""):
        pipeline = Pipeline.objects.filter(pk=data["pipeline"], is_active=True).first() \
            if str(data["pipeline"]).isdigit() else None
        if pipeline is None:
            raise ValidationFailed(fields={"opportunity.pipeline": [_("Choose an active pipeline.")]})
    if data.get("stage") not in (None, ""):
        stage = Stage.objects.filter(pk=data["stage"]).select_related("pipeline").first() \
            if str(data["stage"]).isdigit() else None
        if stage is None or (pipeline is not None and stage.pipeline_id != pipeline.pk):
            raise ValidationFailed(fields={"opportunity.stage": [_("Choose an active open stage of the pipeline.")]})
        pipeline = pipeline or stage.pipeline
    role = data.pop("contact_role", "") or ""
    owner = customer.owner if customer.owner_id and can_see_owner(actor, customer.owner_id) else actor
    kwargs = {k: v for k, v in data.items() if k not in ("pipeline", "stage")}
    kwargs["name"] = str(kwargs.get("name") or lead.company)
    try:
        return opportunity_create(actor=actor, customer=customer, pipeline=pipeline, stage=stage, owner=owner,
                                  source=lead.source, campaign=lead.campaign, lead=lead,
                                  contacts=[{"contact": contact, "role": role}] if contact is not None else [],
                                  **kwargs)
    except ValidationFailed as error:
        raise _prefixed(error) from None
