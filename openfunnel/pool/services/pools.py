"""Configuring pools (admins, config.manage): settings, members and per-level reclaim days."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from openfunnel.accounts.scope import require_perm
from openfunnel.audit.services import event_record
from openfunnel.core.errors import Conflict, ValidationFailed
from openfunnel.pool.models import Pool, PoolLevelRule

POOL_FIELDS = ["name", "kind", "is_default", "claim_mode", "max_owned_per_user", "daily_claim_limit",
               "reclaim_after_claim_days", "reclaim_no_follow_up_days", "reclaim_no_deal_days", "warn_days_before",
               "cooldown_days", "reclaim_to", "members_see_history", "exempt_signed_contract", "exempt_stage"]
OPTIONAL_DAYS = ["max_owned_per_user", "daily_claim_limit", "reclaim_after_claim_days", "reclaim_no_follow_up_days",
                 "reclaim_no_deal_days"]
REQUIRED_DAYS = ["warn_days_before", "cooldown_days"]
LEVEL_RULE_FIELDS = ["reclaim_after_claim_days", "reclaim_no_follow_up_days", "reclaim_no_deal_days"]
MAX_DAYS = 36500


def _number(value: Any, field: str, errors: dict[str, list[Any]], *, optional: bool) -> int | None:
    if value is None or value == "":
        if optional:
            return None
        errors[field] = [_("This field is required.")]
        return None
    if isinstance(value, bool):
        errors[field] = [_("Enter a whole number.")]
        return None
    try:
        number = int(str(value))
    except (TypeError, ValueError):
        errors[field] = [_("Enter a whole number.")]
        return None
    if number < 0 or number > MAX_DAYS:
        errors[field] = [_("Enter a number between 0 and %(max)d.") % {"max": MAX_DAYS}]
        return None
    return number


def _clean(values: dict[str, Any], current: Pool | None) -> dict[str, Any]:
    from openfunnel.sales.models import Stage

    errors: dict[str, list[Any]] = {}
    clean: dict[str, Any] = {}
    if "name" in values or current is None:
        name = str(values.get("name") or "").strip()
        if not name:
            errors["name"] = [_("This field is required.")]
        elif len(name) > 100:
            errors["name"] = [_("Ensure this value has at most %(limit)d characters.") % {"limit": 100}]
        clean["name"] = name
    for field, choices in (("kind", Pool.Kind), ("claim_mode", Pool.ClaimMode)):
        if field in values:
            if values[field] not in choices.values:
                errors[field] = [_("Select a valid choice.")]
            clean[field] = values[field]
    for field in OPTIONAL_DAYS:
        if field in values:
            clean[field] = _number(values[field], field, errors, optional=True)
    for field in REQUIRED_DAYS:
        if field in values:
            clean[field] = _number(values[field], field, errors, optional=False)
    for field in ("is_default", "members_see_history", "exempt_signed_contract"):
        if field in values:
            if not isinstance(values[field], bool):
                errors[field] = [_("Must be true or false.")]
            clean[field] = bool(values[field])
    if "reclaim_to" in values:
        target = values["reclaim_to"]
        target_id = getattr(target, "pk", target)
        if target_id in (None, ""):
            clean["reclaim_to"] = None
        else:
            found = Pool.objects.filter(pk=target_id if str(target_id).isdigit() else 0,
                                        kind=Pool.Kind.CUSTOMER).first()
            if found is None:
                errors["reclaim_to"] = [_("Choose a customer pool.")]
            clean["reclaim_to"] = found
    if "exempt_stage" in values:
        stage = values["exempt_stage"]
        stage_id = getattr(stage, "pk", stage)
        if stage_id in (None, ""):
            clean["exempt_stage"] = None
        else:
            found_stage = Stage.objects.filter(pk=stage_id if str(stage_id).isdigit() else 0).first()
            if found_stage is None:
                errors["exempt_stage"] = [_("Choose a stage.")]
            clean["exempt_stage"] = found_stage
    if errors:
        raise ValidationFailed(fields=errors)
    return clean


def _set_members(pool: Pool, users: Any, departments: Any) -> None:
    from openfunnel.accounts.models import Department, User

    errors: dict[str, list[Any]] = {}
    if users is not None:
        ids = {getattr(u, "pk", u) for u in users}
        found = list(User.objects.filter(pk__in=[i for i in ids if str(i).isdigit()]))
        if len(found) != len(ids):
            errors["member_users"] = [_("Choose existing users.")]
        else:
            pool.member_users.set(found)
    if departments is not None:
        ids = {getattr(d, "pk", d) for d in departments}
        found_departments = list(Department.objects.filter(pk__in=[i for i in ids if str(i).isdigit()]))
        if len(found_departments) != len(ids):
            errors["member_departments"] = [_("Choose existing departments.")]
        else:
            pool.member_departments.set(found_departments)
    if errors:
        raise ValidationFailed(fields=errors)


def _set_level_rules(pool: Pool, level_rules: list[dict[str, Any]] | None) -> None:
    from openfunnel.customers.models import CustomerLevel

    if level_rules is None:
        return
    errors: dict[str, list[Any]] = {}
    rows: dict[int, dict[str, Any]] = {}
    for item in level_rules:
        level = item.get("level") if isinstance(item, dict) else None
        level_id = getattr(level, "pk", level)
        if not str(level_id).isdigit() or not CustomerLevel.objects.filter(pk=level_id).exists() \
                or int(level_id) in rows:
            errors["level_rules"] = [_("Each rule needs a different existing customer level.")]
            break
        row = {f: _number(item.get(f), "level_rules", errors, optional=True) for f in LEVEL_RULE_FIELDS}
        rows[int(level_id)] = row
    if errors:
        raise ValidationFailed(fields=errors)
    PoolLevelRule.objects.filter(pool=pool).exclude(level_id__in=list(rows)).delete()
    for level_id, row in rows.items():
        if all(v is None for v in row.values()):
            PoolLevelRule.objects.filter(pool=pool, level_id=level_id).delete()
        else:
            PoolLevelRule.objects.update_or_create(pool=pool, level_id=level_id, defaults=row)


def _save(pool: Pool, fields: list[str] | None = None) -> None:
    try:
        with transaction.atomic():
            pool.save(update_fields=fields) if fields else pool.save()
    except IntegrityError:
        raise Conflict(_("Another pool is already the default pool."), code="duplicate",
                       fields={"is_default": [_("Another pool is already the default pool.")]}) from None


@transaction.atomic
def pool_create(*, actor: Any, values: dict[str, Any], member_users: Any = None, member_departments: Any = None,
                level_rules: list[dict[str, Any]] | None = None) -> Pool:
    """Creates a pool. Needs config.manage. Raises PermissionDenied, ValidationFailed, Conflict (second default)."""
    require_perm(actor, "config.manage")
    clean = _clean(values, None)
    pool = Pool(**clean)
    _save(pool)
    _set_members(pool, member_users, member_departments)
    _set_level_rules(pool, level_rules)
    event_record(actor=actor, verb="pool.created", obj=pool, data={"name": pool.name})
    return pool


@transaction.atomic
def pool_update(*, actor: Any, pool: Pool, values: dict[str, Any], member_users: Any = None,
                member_departments: Any = None, level_rules: list[dict[str, Any]] | None = None) -> Pool:
    """Changes a pool's settings (only the given keys). Needs config.manage.
    Raises PermissionDenied, ValidationFailed, Conflict (second default)."""
    require_perm(actor, "config.manage")
    locked = Pool.objects.select_for_update().get(pk=pool.pk)
    clean = _clean(values, locked)
    changes: dict[str, Any] = {}
    for field, value in clean.items():
        before = getattr(locked, f"{field}_id") if field in ("reclaim_to", "exempt_stage") else getattr(locked, field)
        after = getattr(value, "pk", value)
        if before != after:
            changes[field] = [before, after]
        setattr(locked, field, value)
    if "reclaim_to" in clean and clean["reclaim_to"] is not None and clean["reclaim_to"].pk == locked.pk:
        locked.reclaim_to = None
    if locked.kind == Pool.Kind.LEAD and "kind" in changes and locked.customers.exists():
        raise ValidationFailed(fields={"kind": [_("This pool holds customers; it cannot become a lead pool.")]})
    _save(locked)
    _set_members(locked, member_users, member_departments)
    _set_level_rules(locked, level_rules)
    event_record(actor=actor, verb="pool.updated", obj=locked, changes=changes)
    return locked
