"""Moves of opportunities through their pipeline: forward/backward, win, lose, reopen."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from openfunnel.audit.services import event_record
from openfunnel.core.errors import Conflict, ValidationFailed
from openfunnel.core.records import apply_update
from openfunnel.sales.models import LostReason, Opportunity, Stage, StageChange
from openfunnel.sales.requirements import FILLABLE_FIELDS, requirements_error, requirements_missing
from openfunnel.sales.services.opportunities import (
    apply_changes,
    bump,
    clean_contacts,
    clean_fields,
    lock,
    lost_reason_resolve,
    require_edit,
)

VERBS = {Stage.Kind.OPEN: "opportunity.stage_changed", Stage.Kind.WON: "opportunity.won",
         Stage.Kind.LOST: "opportunity.lost"}


def _invalid_transition(message: Any) -> Conflict:
    return Conflict(message, code="invalid_transition")


def enter_stage(*, actor: Any, opportunity: Opportunity, stage: Stage, at: dt.datetime | None = None,
                verb: str | None = None, lost_reason: LostReason | None = None, lost_note: str = "",
                note: str = "") -> StageChange:
    """Puts a locked opportunity into `stage` (no guard: callers check), records the move with the time
    spent in the previous stage, sets status/probability/forecast for the stage's kind and writes the event."""
    now = at or timezone.now()
    previous = opportunity.stage
    seconds = int(max((now - opportunity.stage_entered_at).total_seconds(), 0))
    change = StageChange.objects.create(opportunity=opportunity, from_stage=previous, to_stage=stage,
                                        from_stage_name=previous.name, to_stage_name=stage.name, actor=actor, at=now,
                                        seconds_in_from_stage=seconds)
    before = {"status": opportunity.status, "probability": opportunity.probability,
              "forecast_category": opportunity.forecast_category}
    opportunity.stage, opportunity.stage_entered_at, opportunity.sla_warned_at = stage, now, None
    fields = ["stage", "stage_entered_at", "sla_warned_at", "probability", "status", "forecast_category",
              "closed_at", "won_at", "lost_reason", "lost_note", "is_overdue"]
    opportunity.probability = stage.probability
    if stage.kind == Stage.Kind.WON:
        opportunity.status, opportunity.forecast_category = Opportunity.Status.WON, Opportunity.ForecastCategory.CLOSED
        opportunity.won_at = opportunity.closed_at = now
        opportunity.lost_reason, opportunity.lost_note, opportunity.is_overdue = None, "", False
    elif stage.kind == Stage.Kind.LOST:
        opportunity.status, opportunity.forecast_category = Opportunity.Status.LOST, Opportunity.ForecastCategory.OMITTED
        opportunity.closed_at, opportunity.won_at = now, None
        opportunity.lost_reason, opportunity.lost_note, opportunity.is_overdue = lost_reason, lost_note, False
    elif opportunity.status != Opportunity.Status.OPEN:  # reopened
        opportunity.status, opportunity.forecast_category = Opportunity.Status.OPEN, Opportunity.ForecastCategory.PIPELINE
        opportunity.closed_at = opportunity.won_at = None
        opportunity.lost_reason, opportunity.lost_note = None, ""
        opportunity.is_overdue = (opportunity.expected_close_date is not None
                                  and opportunity.expected_close_date < timezone.localdate(now))
    bump(opportunity, fields)
    data: dict[str, Any] = {"from_stage": previous.pk, "to_stage": stage.pk, "from_stage_name": previous.name,
                            "to_stage_name": stage.name, "days_in_from_stage": round(seconds / 86400, 1),
                            "pipeline": opportunity.pipeline_id}
    if note:
        data["note"] = note
    if lost_reason is not None:
        data.update({"lost_reason": lost_reason.pk, "lost_reason_name": lost_reason.name, "lost_note": lost_note})
    after = {"status": opportunity.status, "probability": opportunity.probability,
             "forecast_category": opportunity.forecast_category}
    changes = {k: [before[k], after[k]] for k in after if before[k] != after[k]}
    changes["stage"] = [previous.name, stage.name]
    event_record(actor=actor, verb=verb or VERBS[stage.kind], obj=opportunity, customer_id=opportunity.customer_id,
                 changes=changes, data=data, at=at)
    if stage.kind == Stage.Kind.WON:
        from openfunnel.customers.services import customer_mark_deal

        customer_mark_deal(actor=actor, customer_id=opportunity.customer_id, at=now)
    return change


def _fill(*, actor: Any, opportunity: Opportunity, fill: dict[str, Any] | None) -> tuple[dict[str, Any], list]:
    """Validates what the rep filled in place on a refused move: fields and involved contacts."""
    fill = dict(fill or {})
    contacts = fill.pop("contacts", None)
    unknown = set(fill) - set(FILLABLE_FIELDS)
    if unknown:
        raise ValidationFailed(fields={name: [_("Unknown field.")] for name in unknown})
    cleaned = clean_fields(fill, pipeline=opportunity.pipeline)
    pairs: list = []
    if contacts:
        existing = {link.contact_id: link.role for link in opportunity.contact_links.all()}
        pairs = clean_contacts(contacts, customer_id=opportunity.customer_id)
        for contact, role in pairs:
            existing[contact.pk] = role or existing.get(contact.pk, "")
        pairs = clean_contacts([{"contact": cid, "role": role} for cid, role in existing.items()],
                               customer_id=opportunity.customer_id)
    return cleaned, pairs


@transaction.atomic
def opportunity_move(*, actor: Any, opportunity: Opportunity, stage: Stage, fill: dict[str, Any] | None = None,
                     files: Iterable[Any] = (), lost_reason: Any = None, lost_note: str = "",
                     expected_version: int | None = None, at: dt.datetime | None = None) -> Opportunity:
    """Moves an open opportunity to another stage of its pipeline, forward or backward.

    Forward moves must meet the requirements of the target stage and of the stages they skip; `fill`
    (field values and "contacts") and `files` (attached at the target stage) supply what is missing in
    the same transaction. A move to the won stage wins, to the lost stage loses (needs `lost_reason`).
    Raises NotFound, PermissionDenied, ValidationFailed (code stage_requirements_missing with the missing
    fields), Conflict(invalid_transition on closed deals, stale_version).
    """
    require_edit(actor, opportunity)
    opportunity = lock(opportunity)
    if expected_version is not None:
        apply_update(instance=opportunity, data={}, expected_version=expected_version)
    if not opportunity.is_open:
        raise _invalid_transition(_("This opportunity is closed; reopen it before moving it."))
    if stage.pipeline_id != opportunity.pipeline_id or not stage.is_active:
        raise ValidationFailed(fields={"stage": [_("Choose an active stage of this opportunity's pipeline.")]})
    files = list(files)
    cleaned, pairs = _fill(actor=actor, opportunity=opportunity, fill=fill)
    if stage.pk == opportunity.stage_id and not cleaned and not pairs and not files:
        return opportunity
    reason = None
    if stage.kind == Stage.Kind.LOST:
        if lost_reason in (None, ""):
            raise ValidationFailed(_("Say why the opportunity was lost."), code="stage_requirements_missing",
                                   fields={"lost_reason": [_("Required to enter “%(stage)s”.") % {"stage": stage.name}]},
                                   extra={"stage": stage.pk})
        try:
            reason = lost_reason_resolve(lost_reason)
        except ValidationFailed:
            raise ValidationFailed(fields={"lost_reason": [_("Choose a lost reason from the list.")]}) from None
    if files:
        from openfunnel.sales.services.attachments import check_files

        errors: dict[str, list[Any]] = {}
        check_files(files, errors, field="attachments")
        if errors:
            raise ValidationFailed(fields=errors)
    stages = list(opportunity.pipeline.stages.order_by("order", "id"))
    values = dict(cleaned)
    if pairs:
        values["contacts"] = pairs
    missing = requirements_missing(opportunity=opportunity, current=opportunity.stage, target=stage, stages=stages,
                                   values=values, new_files=len(files))
    if missing:
        raise requirements_error(target=stage, missing=missing)
    if cleaned:
        apply_changes(actor=actor, opportunity=opportunity, cleaned=cleaned)
    if pairs:
        from openfunnel.sales.services.opportunities import _set_contacts

        _set_contacts(actor=actor, opportunity=opportunity, pairs=pairs)
    if files:
        from openfunnel.sales.services.attachments import attachments_store

        attachments_store(actor=actor, opportunity=opportunity, stage=stage, files=files)
    if stage.pk != opportunity.stage_id:
        enter_stage(actor=actor, opportunity=opportunity, stage=stage, at=at, lost_reason=reason,
                    lost_note=(lost_note or "").strip()[:2000])
    return opportunity


def _closing_stage(opportunity: Opportunity, kind: str) -> Stage:
    stage = opportunity.pipeline.stages.filter(kind=kind).order_by("order", "id").first()
    if stage is None:  # a pipeline always has both; only hand-made data could lack one
        raise _invalid_transition(_("This pipeline has no stage for this outcome."))
    return stage


def opportunity_win(*, actor: Any, opportunity: Opportunity, fill: dict[str, Any] | None = None,
                    files: Iterable[Any] = (), expected_version: int | None = None,
                    at: dt.datetime | None = None) -> Opportunity:
    """Wins an open opportunity (moves it to the pipeline's won stage, with its requirements).
    Raises as opportunity_move; Conflict(invalid_transition) when it is already closed."""
    if not Opportunity.objects.filter(pk=opportunity.pk, status=Opportunity.Status.OPEN).exists():
        require_edit(actor, opportunity)
        raise _invalid_transition(_("This opportunity is already closed."))
    return opportunity_move(actor=actor, opportunity=opportunity, stage=_closing_stage(opportunity, Stage.Kind.WON),
                            fill=fill, files=files, expected_version=expected_version, at=at)


@transaction.atomic
def opportunity_lose(*, actor: Any, opportunity: Opportunity, reason: Any, note: str = "",
                     expected_version: int | None = None, at: dt.datetime | None = None) -> Opportunity:
    """Closes an open opportunity as lost with a reason from the admin's list (required). Raises NotFound,
    PermissionDenied, ValidationFailed, Conflict(invalid_transition)."""
    require_edit(actor, opportunity)
    locked = lock(opportunity)
    if not locked.is_open:
        raise _invalid_transition(_("This opportunity is already closed."))
    if reason in (None, ""):
        raise ValidationFailed(fields={"reason": [_("Say why the opportunity was lost.")]})
    resolved = lost_reason_resolve(reason)
    if expected_version is not None:
        apply_update(instance=locked, data={}, expected_version=expected_version)
    note = (note or "").strip()
    if len(note) > 2000:
        raise ValidationFailed(fields={"note": [_("At most %(n)d characters.") % {"n": 2000}]})
    enter_stage(actor=actor, opportunity=locked, stage=_closing_stage(locked, Stage.Kind.LOST), at=at,
                lost_reason=resolved, lost_note=note)
    return locked


@transaction.atomic
def opportunity_reopen(*, actor: Any, opportunity: Opportunity, stage: Stage | None = None,
                       at: dt.datetime | None = None) -> Opportunity:
    """Reopens a won or lost opportunity into `stage` (default: the stage it was closed from, or the first
    open stage). Raises NotFound, PermissionDenied, ValidationFailed, Conflict(invalid_transition)."""
    require_edit(actor, opportunity)
    locked = lock(opportunity)
    if locked.is_open:
        raise _invalid_transition(_("This opportunity is open already."))
    if stage is None:
        last = (StageChange.objects.filter(opportunity=locked, to_stage=locked.stage).select_related("from_stage")
                .order_by("-at", "-id").first())
        stage = last.from_stage if last is not None else None
        if stage is None or stage.kind != Stage.Kind.OPEN or not stage.is_active:
            stage = locked.pipeline.stages.filter(kind=Stage.Kind.OPEN, is_active=True).order_by("order", "id").first()
    if (stage is None or stage.pipeline_id != locked.pipeline_id or stage.kind != Stage.Kind.OPEN
            or not stage.is_active):
        raise ValidationFailed(fields={"stage": [_("Choose an active open stage of this opportunity's pipeline.")]})
    enter_stage(actor=actor, opportunity=locked, stage=stage, at=at, verb="opportunity.reopened")
    return locked
