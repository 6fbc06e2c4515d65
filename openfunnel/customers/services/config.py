"""Customer configuration: levels, tags and which fields the duplicate check compares (config.manage)."""

from __future__ import annotations

import re
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from openfunnel.accounts.scope import require_perm
from openfunnel.audit.services import event_record
from openfunnel.core.errors import ValidationFailed
from openfunnel.core.records import apply_update, snapshot
from openfunnel.customers.models import CustomerLevel, DedupSettings, Tag
from openfunnel.customers.services._common import check_length, raise_if

LEVEL_FIELDS = ["code", "name", "order", "is_active"]
TAG_FIELDS = ["name", "color"]
DEDUP_FIELDS = ["check_name", "check_uscc", "check_phone", "check_email"]
_SLUG = re.compile(r"^[-a-zA-Z0-9_]+$")
_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")


def _level_validate(values: dict[str, Any], level_id: int | None) -> None:
    errors: dict[str, list[Any]] = {}
    if "code" in values:
        code = values["code"]
        if not code:
            errors["code"] = [_("This field is required.")]
        elif not _SLUG.match(code):
            errors["code"] = [_("Use letters, digits, hyphens or underscores.")]
        elif CustomerLevel.objects.filter(code__iexact=code).exclude(pk=level_id).exists():
            errors["code"] = [_("A level with this code already exists.")]
        check_length(code, 20, "code", errors)
    if "name" in values:
        if not values["name"]:
            errors["name"] = [_("This field is required.")]
        check_length(values["name"], 50, "name", errors)
    if "order" in values and not (isinstance(values["order"], int) and 0 <= values["order"] <= 32767):
        errors["order"] = [_("Enter a whole number between 0 and 32767.")]
    raise_if(errors)


@transaction.atomic
def level_create(*, actor: Any, code: str, name: str, order: int = 0) -> CustomerLevel:
    """Adds a customer level. Needs config.manage; raises PermissionDenied, ValidationFailed."""
    require_perm(actor, "config.manage")
    values = {"code": (code or "").strip().lower(), "name": (name or "").strip(), "order": order}
    _level_validate(values, None)
    level = CustomerLevel.objects.create(**values)
    event_record(actor=actor, verb="customer_level.created", obj=level, data=snapshot(level, LEVEL_FIELDS))
    return level


@transaction.atomic
def level_update(*, actor: Any, level: CustomerLevel, data: dict[str, Any]) -> CustomerLevel:
    """Changes a level (code, name, order, active). Needs config.manage; raises PermissionDenied,
    ValidationFailed."""
    require_perm(actor, "config.manage")
    unknown = set(data) - set(LEVEL_FIELDS)
    if unknown:
        raise ValidationFailed(fields={name: [_("Unknown field.")] for name in sorted(unknown)})
    locked = CustomerLevel.objects.select_for_update().get(pk=level.pk)
    values = dict(data)
    if "code" in values:
        values["code"] = (values["code"] or "").strip().lower()
    if "name" in values:
        values["name"] = (values["name"] or "").strip()
    if "is_active" in values:
        values["is_active"] = bool(values["is_active"])
    _level_validate(values, locked.pk)
    changes = apply_update(instance=locked, data=values)
    if changes:
        event_record(actor=actor, verb="customer_level.updated", obj=locked, changes=changes)
    return locked


def level_deactivate(*, actor: Any, level: CustomerLevel) -> CustomerLevel:
    """Retires a level: customers keep it, new customers cannot get it. Needs config.manage."""
    return level_update(actor=actor, level=level, data={"is_active": False})


def _tag_validate(values: dict[str, Any], tag_id: int | None) -> None:
    errors: dict[str, list[Any]] = {}
    if "name" in values:
        if not values["name"]:
            errors["name"] = [_("This field is required.")]
        elif Tag.objects.filter(name__iexact=values["name"]).exclude(pk=tag_id).exists():
            errors["name"] = [_("A tag with this name already exists.")]
        check_length(values["name"], 50, "name", errors)
    if "color" in values and not _COLOR.match(values["color"] or ""):
        errors["color"] = [_("Enter a colour like #2563eb.")]
    raise_if(errors)


@transaction.atomic
def tag_create(*, actor: Any, name: str, color: str = "#64748b") -> Tag:
    """Adds a tag. Needs config.manage; raises PermissionDenied, ValidationFailed."""
    require_perm(actor, "config.manage")
    values = {"name": (name or "").strip(), "color": (color or "#64748b").strip()}
    _tag_validate(values, None)
    tag = Tag.objects.create(**values)
    event_record(actor=actor, verb="tag.created", obj=tag, data=snapshot(tag, TAG_FIELDS))
    return tag


@transaction.atomic
def tag_update(*, actor: Any, tag: Tag, data: dict[str, Any]) -> Tag:
    """Renames or recolours a tag. Needs config.manage; raises PermissionDenied, ValidationFailed."""
    require_perm(actor, "config.manage")
    unknown = set(data) - set(TAG_FIELDS)
    if unknown:
        raise ValidationFailed(fields={name: [_("Unknown field.")] for name in sorted(unknown)})
    locked = Tag.objects.select_for_update().get(pk=tag.pk)
    values = {k: (v or "").strip() for k, v in data.items()}
    _tag_validate(values, locked.pk)
    changes = apply_update(instance=locked, data=values)
    if changes:
        event_record(actor=actor, verb="tag.updated", obj=locked, changes=changes)
    return locked


@transaction.atomic
def tag_delete(*, actor: Any, tag: Tag) -> None:
    """Deletes a tag and takes it off every customer (tags are labels, not records). Needs config.manage."""
    require_perm(actor, "config.manage")
    locked = Tag.objects.select_for_update().get(pk=tag.pk)
    event_record(
        actor=actor,
        verb="tag.deleted",
        obj=locked,
        data={"name": locked.name, "customers": locked.customers.count()},
    )
    locked.delete()


@transaction.atomic
def dedup_settings_update(*, actor: Any, data: dict[str, Any]) -> DedupSettings:
    """Chooses which of company name / USCC / phone / e-mail the duplicate check compares.

    Needs config.manage; raises PermissionDenied, ValidationFailed."""
    require_perm(actor, "config.manage")
    unknown = set(data) - set(DEDUP_FIELDS)
    if unknown:
        raise ValidationFailed(fields={name: [_("Unknown field.")] for name in sorted(unknown)})
    config = DedupSettings.objects.select_for_update().order_by("id").first()
    if config is None:
        config = DedupSettings.objects.create()
    changes = apply_update(instance=config, data={k: bool(v) for k, v in data.items()})
    if changes:
        event_record(actor=actor, verb="dedup_settings.updated", obj=config, changes=changes)
    return config
