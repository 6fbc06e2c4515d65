"""What an opportunity must have before it may enter a stage (the stage guard)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from openfunnel.core.errors import ValidationFailed
from openfunnel.sales.models import Opportunity, OpportunityAttachment, Stage

# The opportunity fields an admin may require at a stage, with how they read in the editor.
REQUIRABLE_FIELDS: dict[str, Any] = {
    "amount": gettext_lazy("Amount"),
    "expected_close_date": gettext_lazy("Expected close date"),
    "next_step": gettext_lazy("Next step"),
    "competitor": gettext_lazy("Competitor"),
    "source": gettext_lazy("Source"),
    "campaign": gettext_lazy("Campaign"),
    "description": gettext_lazy("Description"),
    "contacts": gettext_lazy("Involved contacts"),
    "decision_maker": gettext_lazy("A decision maker among the contacts"),
    "lines": gettext_lazy("Product lines"),
}

# Fields a rep can fill in place when a move is refused (the rest link to their section of the page).
FILLABLE_FIELDS = ["amount", "expected_close_date", "next_step", "competitor", "source", "campaign", "description"]


def _present(opportunity: Opportunity, values: dict[str, Any]) -> dict[str, Callable[[], bool]]:
    def value(name: str) -> Any:
        if name in values:
            return values[name]
        return getattr(opportunity, f"{name}_id" if name == "campaign" else name)

    saved = opportunity.pk is not None

    def has_contacts() -> bool:
        return bool(values.get("contacts")) or (saved and opportunity.contact_links.exists())

    def has_decision_maker() -> bool:
        if any(role == "decision_maker" for _contact, role in values.get("contacts", [])):
            return True
        return saved and opportunity.contact_links.filter(role="decision_maker").exists()

    return {
        "amount": lambda: (value("amount") or 0) > 0,
        "expected_close_date": lambda: value("expected_close_date") is not None,
        "next_step": lambda: bool(str(value("next_step") or "").strip()),
        "competitor": lambda: bool(str(value("competitor") or "").strip()),
        "source": lambda: bool(value("source")),
        "campaign": lambda: value("campaign") is not None,
        "description": lambda: bool(str(value("description") or "").strip()),
        "contacts": has_contacts,
        "decision_maker": has_decision_maker,
        "lines": lambda: bool(values.get("lines")) or (saved and opportunity.lines.exists()),
    }


def stages_entered(*, current: Stage | None, target: Stage, stages: list[Stage]) -> list[Stage]:
    """The stages whose requirements apply: the target and every open stage a forward move skips.
    A backward move (or a move to a lost stage) applies none."""
    if target.kind == Stage.Kind.LOST:
        return []
    if current is not None and target.kind == Stage.Kind.OPEN and target.order <= current.order:
        return []
    low = current.order if current is not None and current.kind == Stage.Kind.OPEN else -1
    skipped = [s for s in stages if s.kind == Stage.Kind.OPEN and s.is_active and low < s.order < target.order
               and s.pk != target.pk]
    if target.kind == Stage.Kind.WON:
        skipped = [s for s in stages if s.kind == Stage.Kind.OPEN and s.is_active and s.order > low]
    return [*skipped, target]


def requirements_missing(*, opportunity: Opportunity, current: Stage | None, target: Stage, stages: list[Stage],
                         values: dict[str, Any] | None = None, new_files: int = 0) -> dict[str, list[str]]:
    """{field: [message]} of what is missing to enter `target` (empty when the move may go ahead).

    `values` are fields about to be filled in place; `new_files` files about to be attached at `target`.
    """
    values = values or {}
    checks = _present(opportunity, values)
    missing: dict[str, list[str]] = {}
    for stage in stages_entered(current=current, target=target, stages=stages):
        for name in stage.required_fields or []:
            if name in checks and name not in missing and not checks[name]():
                missing[name] = [_("Required to enter “%(stage)s”.") % {"stage": stage.name}]
    if target.required_attachments and target.kind != Stage.Kind.LOST:
        have = 0
        if opportunity.pk is not None:
            have = OpportunityAttachment.objects.filter(opportunity=opportunity, stage=target).count()
        if have + new_files < target.required_attachments:
            missing["attachments"] = [
                _("%(n)d attachment(s) required to enter “%(stage)s”; %(have)d uploaded.")
                % {"n": target.required_attachments, "stage": target.name, "have": have + new_files}]
    return missing


def requirements_error(*, target: Stage, missing: dict[str, list[str]]) -> ValidationFailed:
    return ValidationFailed(
        _("“%(stage)s” needs more information before the opportunity may enter it.") % {"stage": target.name},
        code="stage_requirements_missing", fields=missing, extra={"stage": target.pk})
