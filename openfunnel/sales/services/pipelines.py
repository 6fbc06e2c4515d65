"""Writes of pipelines, stages and lost reasons (admins with config.manage)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from openfunnel.accounts.scope import require_perm
from openfunnel.audit.services import event_record
from openfunnel.core.errors import Conflict, ValidationFailed
from openfunnel.core.records import apply_update, snapshot
from openfunnel.sales.defaults import LOST_ORDER, WON_ORDER, build_default_pipelines
from openfunnel.sales.models import LostReason, Opportunity, Pipeline, Stage
from openfunnel.sales.requirements import REQUIRABLE_FIELDS
from openfunnel.sales.services._common import as_int, as_text

PIPELINE_FIELDS = ["name", "description", "order", "is_active", "allow_probability_override", "close_reminder_days",
                   "auto_close_lost_after_days", "auto_close_lost_reason"]
STAGE_FIELDS = ["name", "probability", "guidance", "checklist", "required_fields", "required_attachments", "max_days",
                "is_active"]
MAX_CHECKLIST_ITEMS = 30


def _clean_pipeline(data: dict[str, Any]) -> dict[str, Any]:
    errors: dict[str, list[Any]] = {}
    cleaned: dict[str, Any] = {}
    for name in set(data) - set(PIPELINE_FIELDS):
        errors[name] = [_("Unknown field.")]
    if "name" in data:
        cleaned["name"] = as_text(data["name"], field="name", errors=errors, limit=100, required=True)
    if "description" in data:
        cleaned["description"] = as_text(data["description"], field="description", errors=errors, limit=5000)
    if "order" in data:
        cleaned["order"] = as_int(data["order"], field="order", errors=errors, minimum=0, maximum=1000)
    for flag in ("is_active", "allow_probability_override"):
        if flag in data:
            cleaned[flag] = bool(data[flag])
    if "close_reminder_days" in data:
        cleaned["close_reminder_days"] = as_int(data["close_reminder_days"], field="close_reminder_days",
                                                errors=errors, minimum=0, maximum=365)
    if "auto_close_lost_after_days" in data:
        cleaned["auto_close_lost_after_days"] = as_int(
            data["auto_close_lost_after_days"], field="auto_close_lost_after_days", errors=errors, minimum=0,
            maximum=3650, allow_none=True)
    if "auto_close_lost_reason" in data:
        reason = data["auto_close_lost_reason"]
        if reason is not None and not isinstance(reason, LostReason):
            reason = LostReason.objects.filter(pk=reason).first() if str(reason).isdigit() else None
            if reason is None:
                errors["auto_close_lost_reason"] = [_("Choose a lost reason from the list.")]
        cleaned["auto_close_lost_reason"] = reason
    if errors:
        raise ValidationFailed(fields=errors)
    return cleaned


def _clean_stage(data: dict[str, Any], *, kind: str = Stage.Kind.OPEN) -> dict[str, Any]:
    errors: dict[str, list[Any]] = {}
    cleaned: dict[str, Any] = {}
    for name in set(data) - set(STAGE_FIELDS):
        errors[name] = [_("Unknown field.")]
    if "name" in data:
        cleaned["name"] = as_text(data["name"], field="name", errors=errors, limit=100, required=True)
    if "probability" in data:
        if kind != Stage.Kind.OPEN:
            if int(data["probability"] if str(data["probability"]).isdigit() else -1) != (
                    100 if kind == Stage.Kind.WON else 0):
                errors["probability"] = [_("Won stages are 100% and lost stages 0%.")]
        else:
            cleaned["probability"] = as_int(data["probability"], field="probability", errors=errors, minimum=0,
                                            maximum=100)
    if "guidance" in data:
        cleaned["guidance"] = as_text(data["guidance"], field="guidance", errors=errors, limit=5000)
    if "checklist" in data:
        items = data["checklist"]
        if isinstance(items, str):
            items = items.splitlines()
        if not isinstance(items, (list, tuple)) or not all(isinstance(i, str) for i in items):
            errors["checklist"] = [_("Give a list of texts.")]
        else:
            items = [i.strip() for i in items if i.strip()]
            if len(items) > MAX_CHECKLIST_ITEMS or any(len(i) > 200 for i in items):
                errors["checklist"] = [_("At most %(n)d items of at most 200 characters.") % {"n": MAX_CHECKLIST_ITEMS}]
            cleaned["checklist"] = list(dict.fromkeys(items))
    if "required_fields" in data:
        fields = data["required_fields"]
        if not isinstance(fields, (list, tuple)) or not all(isinstance(f, str) for f in fields):
            errors["required_fields"] = [_("Give a list of field names.")]
        else:
            unknown = [f for f in fields if f not in REQUIRABLE_FIELDS]
            if unknown:
                errors["required_fields"] = [_("These fields cannot be required: %(names)s. Choose from: %(allowed)s.")
                                             % {"names": ", ".join(unknown[:10]),
                                                "allowed": ", ".join(REQUIRABLE_FIELDS)}]
            cleaned["required_fields"] = list(dict.fromkeys(fields))
    if "required_attachments" in data:
        value = data["required_attachments"]
        value = int(value) if isinstance(value, bool) else value
        cleaned["required_attachments"] = as_int(value, field="required_attachments", errors=errors, minimum=0,
                                                 maximum=20)
    if "max_days" in data:
        cleaned["max_days"] = as_int(data["max_days"], field="max_days", errors=errors, minimum=1, maximum=3650,
                                     allow_none=True)
    if "is_active" in data:
        cleaned["is_active"] = bool(data["is_active"])
    if errors:
        raise ValidationFailed(fields=errors)
    return cleaned


@transaction.atomic
def pipeline_create(*, actor: Any, name: str, description: str = "", order: int | None = None,
                    is_active: bool = True, allow_probability_override: bool = False, close_reminder_days: int = 7,
                    auto_close_lost_after_days: int | None = None, auto_close_lost_reason: Any = None,
                    stages: Iterable[dict[str, Any]] = ()) -> Pipeline:
    """Creates a pipeline with its open `stages` (dicts of stage fields) plus a won and a lost stage
    (a stage dict with "kind": "won"/"lost" names them). Needs config.manage; raises PermissionDenied,
    ValidationFailed."""
    require_perm(actor, "config.manage")
    if order is None:
        order = (Pipeline.objects.aggregate(m=Max("order"))["m"] or 0) + 1
    data = _clean_pipeline({"name": name, "description": description, "order": order, "is_active": is_active,
                            "allow_probability_override": allow_probability_override,
                            "close_reminder_days": close_reminder_days,
                            "auto_close_lost_after_days": auto_close_lost_after_days,
                            "auto_close_lost_reason": auto_close_lost_reason})
    open_specs, closing = [], {Stage.Kind.WON: {"name": pgettext("stage name", "Won")},
                               Stage.Kind.LOST: {"name": pgettext("stage name", "Lost")}}
    errors: dict[str, list[Any]] = {}
    for index, spec in enumerate(stages):
        spec = dict(spec)
        kind = spec.pop("kind", Stage.Kind.OPEN)
        spec.pop("id", None)
        spec.pop("order", None)
        if kind not in Stage.Kind.values:
            errors[f"stages.{index}.kind"] = [_("Choose open, won or lost.")]
            continue
        try:
            cleaned = _clean_stage(spec, kind=kind)
        except ValidationFailed as error:
            errors.update({f"stages.{index}.{k}": v for k, v in error.fields.items()})
            continue
        if kind == Stage.Kind.OPEN:
            if "name" not in cleaned:
                errors[f"stages.{index}.name"] = [_("This field is required.")]
            open_specs.append(cleaned)
        else:
            closing[kind] = {**closing[kind], **cleaned}
    if errors:
        raise ValidationFailed(fields=errors)
    pipeline = Pipeline.objects.create(**data)
    for index, spec in enumerate(open_specs, start=1):
        Stage.objects.create(pipeline=pipeline, order=index, kind=Stage.Kind.OPEN, **spec)
    for kind, order_, probability in ((Stage.Kind.WON, WON_ORDER, 100), (Stage.Kind.LOST, LOST_ORDER, 0)):
        spec = {k: v for k, v in closing[kind].items() if k not in ("probability", "is_active")}
        Stage.objects.create(pipeline=pipeline, order=order_, kind=kind, probability=probability, **spec)
    event_record(actor=actor, verb="pipeline.created", obj=pipeline,
                 data={**snapshot(pipeline, PIPELINE_FIELDS),
                       "stages": list(pipeline.stages.order_by("order").values_list("name", flat=True))})
    return pipeline


@transaction.atomic
def pipeline_update(*, actor: Any, pipeline: Pipeline, data: dict[str, Any]) -> Pipeline:
    """Changes the pipeline's settings (not its stages). Needs config.manage; raises PermissionDenied,
    ValidationFailed."""
    require_perm(actor, "config.manage")
    pipeline = Pipeline.objects.select_for_update().get(pk=pipeline.pk)
    changes = apply_update(instance=pipeline, data=_clean_pipeline(data))
    if changes:
        event_record(actor=actor, verb="pipeline.updated", obj=pipeline, changes=changes)
    return pipeline


@transaction.atomic
def stage_add(*, actor: Any, pipeline: Pipeline, name: str, probability: int = 0, guidance: str = "",
              checklist: list[str] | None = None, required_fields: list[str] | None = None,
              required_attachments: int = 0, max_days: int | None = None, position: int | None = None) -> Stage:
    """Adds an open stage at `position` (1-based among the open stages; default: last before won/lost).
    Needs config.manage; raises PermissionDenied, ValidationFailed."""
    require_perm(actor, "config.manage")
    Pipeline.objects.select_for_update().get(pk=pipeline.pk)
    data = _clean_stage({"name": name, "probability": probability, "guidance": guidance,
                         "checklist": checklist or [], "required_fields": required_fields or [],
                         "required_attachments": required_attachments, "max_days": max_days})
    open_stages = list(pipeline.stages.filter(kind=Stage.Kind.OPEN).order_by("order", "id"))
    errors: dict[str, list[Any]] = {}
    at = as_int(position, field="position", errors=errors, minimum=1, maximum=len(open_stages) + 1, allow_none=True)
    if errors:
        raise ValidationFailed(fields=errors)
    at = len(open_stages) + 1 if at is None else at
    stage = Stage(pipeline=pipeline, kind=Stage.Kind.OPEN, **data)
    open_stages.insert(at - 1, stage)
    stage.order = at
    stage.save()
    _renumber(open_stages)
    event_record(actor=actor, verb="stage.added", obj=stage, data={**snapshot(stage, STAGE_FIELDS),
                                                                   "pipeline": pipeline.pk, "position": at})
    return stage


def _renumber(stages: list[Stage]) -> None:
    for index, stage in enumerate(stages, start=1):
        if stage.order != index:
            stage.order = index
            stage.save(update_fields=["order"])


@transaction.atomic
def stage_update(*, actor: Any, stage: Stage, data: dict[str, Any]) -> Stage:
    """Renames or reconfigures a stage (history keeps the old names). Retiring goes through stage_retire.
    Needs config.manage; raises PermissionDenied, ValidationFailed."""
    require_perm(actor, "config.manage")
    stage = Stage.objects.select_for_update().get(pk=stage.pk)
    cleaned = _clean_stage(data, kind=stage.kind)
    if cleaned.get("is_active") is False and stage.is_active:
        raise ValidationFailed(fields={"is_active": [_("Use “retire” to take a stage out of use.")]})
    changes = apply_update(instance=stage, data=cleaned)
    if changes:
        event_record(actor=actor, verb="stage.updated", obj=stage, changes=changes, data={"pipeline": stage.pipeline_id})
    return stage


@transaction.atomic
def stage_reorder(*, actor: Any, pipeline: Pipeline, stage_ids: list[int]) -> list[Stage]:
    """Puts the pipeline's open stages in the order of `stage_ids` (all of them, each once; won and lost
    stay last). Needs config.manage; raises PermissionDenied, ValidationFailed."""
    require_perm(actor, "config.manage")
    Pipeline.objects.select_for_update().get(pk=pipeline.pk)
    open_stages = {s.pk: s for s in pipeline.stages.filter(kind=Stage.Kind.OPEN)}
    try:
        ids = [int(i) for i in stage_ids]
    except (TypeError, ValueError):
        ids = []
    if sorted(ids) != sorted(open_stages) or len(set(ids)) != len(ids):
        raise ValidationFailed(fields={"stages": [_("List every open stage of this pipeline exactly once.")]})
    before = [s.pk for s in sorted(open_stages.values(), key=lambda s: (s.order, s.pk))]
    ordered = [open_stages[i] for i in ids]
    _renumber(ordered)
    if before != ids:
        event_record(actor=actor, verb="pipeline.stages_reordered", obj=pipeline,
                     changes={"stages": [[open_stages[i].name for i in before], [s.name for s in ordered]]})
    return ordered


@transaction.atomic
def stage_retire(*, actor: Any, stage: Stage, move_to: Stage | None = None) -> Stage:
    """Takes an open stage out of use. Open opportunities in it must go somewhere: to `move_to` (another
    active open stage of the same pipeline; the moves are recorded), otherwise 409 stage_in_use.
    Needs config.manage; raises PermissionDenied, ValidationFailed, Conflict."""
    from openfunnel.sales.services.moves import enter_stage

    require_perm(actor, "config.manage")
    stage = Stage.objects.select_for_update().get(pk=stage.pk)
    if stage.kind != Stage.Kind.OPEN:
        raise ValidationFailed(fields={"stage": [_("Won and lost stages cannot be retired; rename them instead.")]})
    if not stage.is_active:
        return stage
    waiting = Opportunity.objects.select_for_update().filter(stage=stage, status=Opportunity.Status.OPEN,
                                                             deleted_at__isnull=True)
    count = waiting.count()
    if count and move_to is None:
        raise Conflict(_("%(n)d open opportunities are in this stage; choose a stage to move them to.") % {"n": count},
                       code="stage_in_use", extra={"open_opportunities": count})
    if move_to is not None and (move_to.pipeline_id != stage.pipeline_id or move_to.kind != Stage.Kind.OPEN
                                or not move_to.is_active or move_to.pk == stage.pk):
        raise ValidationFailed(fields={"move_to": [_("Choose another active open stage of this pipeline.")]})
    now = timezone.now()
    for opportunity in waiting.select_related("stage", "pipeline"):
        enter_stage(actor=actor, opportunity=opportunity, stage=move_to, at=now,
                    note=_("Stage “%(name)s” retired") % {"name": stage.name})
    stage.is_active = False
    stage.save(update_fields=["is_active"])
    event_record(actor=actor, verb="stage.retired", obj=stage,
                 data={"pipeline": stage.pipeline_id, "moved": count, "move_to": getattr(move_to, "pk", None)})
    return stage


@transaction.atomic
def lost_reason_create(*, actor: Any, name: str, order: int | None = None, is_active: bool = True) -> LostReason:
    """Adds a lost reason. Needs config.manage; raises PermissionDenied, ValidationFailed."""
    require_perm(actor, "config.manage")
    errors: dict[str, list[Any]] = {}
    name = as_text(name, field="name", errors=errors, limit=100, required=True)
    if order is None:
        order = (LostReason.objects.aggregate(m=Max("order"))["m"] or 0) + 1
    order = as_int(order, field="order", errors=errors, minimum=0, maximum=1000)
    if name and LostReason.objects.filter(name__iexact=name).exists():
        errors["name"] = [_("This lost reason already exists.")]
    if errors:
        raise ValidationFailed(fields=errors)
    reason = LostReason.objects.create(name=name, order=order, is_active=bool(is_active))
    event_record(actor=actor, verb="lost_reason.created", obj=reason, data=snapshot(reason, ["name", "order", "is_active"]))
    return reason


@transaction.atomic
def lost_reason_update(*, actor: Any, reason: LostReason, data: dict[str, Any]) -> LostReason:
    """Renames, reorders or (de)activates a lost reason. Needs config.manage; raises PermissionDenied,
    ValidationFailed."""
    require_perm(actor, "config.manage")
    reason = LostReason.objects.select_for_update().get(pk=reason.pk)
    errors: dict[str, list[Any]] = {}
    cleaned: dict[str, Any] = {}
    for name in set(data) - {"name", "order", "is_active"}:
        errors[name] = [_("Unknown field.")]
    if "name" in data:
        cleaned["name"] = as_text(data["name"], field="name", errors=errors, limit=100, required=True)
        if LostReason.objects.filter(name__iexact=cleaned["name"]).exclude(pk=reason.pk).exists():
            errors["name"] = [_("This lost reason already exists.")]
    if "order" in data:
        cleaned["order"] = as_int(data["order"], field="order", errors=errors, minimum=0, maximum=1000)
    if "is_active" in data:
        cleaned["is_active"] = bool(data["is_active"])
    if errors:
        raise ValidationFailed(fields=errors)
    changes = apply_update(instance=reason, data=cleaned)
    if changes:
        event_record(actor=actor, verb="lost_reason.updated", obj=reason, changes=changes)
    return reason


@transaction.atomic
def ensure_default_pipelines() -> list[Pipeline]:
    """Creates the demo pipelines and the standard lost reasons when missing (idempotent; called by
    the data migration, the demo seeder and tests). Returns the pipelines it created."""
    return build_default_pipelines(Pipeline, Stage, LostReason)
