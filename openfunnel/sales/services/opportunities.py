"""Writes of opportunities: create, change, contacts, product lines, collaborators, delete/restore."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from openfunnel.accounts.scope import can_see_owner, has_perm, require_perm
from openfunnel.audit.services import event_record
from openfunnel.core.choices import Source
from openfunnel.core.errors import NotFound, PermissionDenied, ValidationFailed
from openfunnel.core.records import apply_update, jsonable, snapshot
from openfunnel.sales.models import (
    LostReason,
    Opportunity,
    OpportunityContact,
    OpportunityLine,
    OpportunityShare,
    Pipeline,
    Stage,
    StageChange,
)
from openfunnel.sales.requirements import requirements_error, requirements_missing
from openfunnel.sales.services._common import as_decimal, as_int, as_text

OPPORTUNITY_FIELDS = ["name", "customer", "owner", "pipeline", "stage", "amount", "amount_from_lines",
                      "expected_close_date", "probability", "forecast_category", "source", "campaign", "lead",
                      "difficulty", "next_step", "competitor", "description", "status"]
EDITABLE_FIELDS = ["name", "amount", "amount_from_lines", "expected_close_date", "probability", "forecast_category",
                   "source", "campaign", "difficulty", "next_step", "competitor", "description"]
REP_FORECAST_CATEGORIES = [Opportunity.ForecastCategory.PIPELINE, Opportunity.ForecastCategory.BEST_CASE,
                           Opportunity.ForecastCategory.COMMIT]
MAX_LINES = 200
MAX_CONTACTS = 50


# --- checks shared by every opportunity service ----------------------------------------------------------

def require_edit(actor: Any, opportunity: Opportunity) -> None:
    """NotFound unless the actor sees the opportunity; PermissionDenied unless they may change it."""
    from openfunnel.sales.selectors import opportunities_visible_to, opportunity_can_edit

    if actor is None:  # the system (periodic jobs) may do anything
        return
    if not opportunities_visible_to(actor).filter(pk=opportunity.pk).exists():
        raise NotFound()
    if not opportunity_can_edit(actor, opportunity):
        raise PermissionDenied()


def lock(opportunity: Opportunity | int) -> Opportunity:
    """The opportunity re-read under a row lock (the caller holds the transaction)."""
    pk = getattr(opportunity, "pk", opportunity)
    locked = (Opportunity.objects.select_for_update().select_related("stage", "pipeline", "customer")
              .filter(pk=pk, deleted_at__isnull=True).first())
    if locked is None:
        raise NotFound()
    return locked


def bump(opportunity: Opportunity, fields: list[str]) -> None:
    """Saves `fields` and moves the optimistic-locking version on."""
    opportunity.version += 1
    opportunity.save(update_fields=[*fields, "version", "updated_at"])


def _as_date(value: Any, *, field: str, errors: dict[str, list[Any]]) -> dt.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return timezone.localdate(value) if timezone.is_aware(value) else value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        errors[field] = [_("Enter a date as YYYY-MM-DD.")]
        return None


def clean_fields(data: dict[str, Any], *, pipeline: Pipeline, closed: bool = False) -> dict[str, Any]:
    """Validates opportunity field values (ids or instances) into what the model stores."""
    from openfunnel.leads.models import Campaign

    errors: dict[str, list[Any]] = {}
    cleaned: dict[str, Any] = {}
    for name in set(data) - set(EDITABLE_FIELDS):
        errors[name] = [_("Unknown field.")]
    if "name" in data:
        cleaned["name"] = as_text(data["name"], field="name", errors=errors, limit=200, required=True)
    if "amount" in data:
        cleaned["amount"] = as_decimal(data["amount"] if data["amount"] is not None else 0, field="amount",
                                       errors=errors)
    if "amount_from_lines" in data:
        cleaned["amount_from_lines"] = bool(data["amount_from_lines"])
    if "expected_close_date" in data:
        cleaned["expected_close_date"] = _as_date(data["expected_close_date"], field="expected_close_date",
                                                  errors=errors)
    if "probability" in data:
        if not pipeline.allow_probability_override:
            errors["probability"] = [_("In this pipeline the probability follows the stage.")]
        elif closed:
            errors["probability"] = [_("A closed opportunity keeps the probability of its outcome.")]
        else:
            cleaned["probability"] = as_int(data["probability"], field="probability", errors=errors, minimum=0,
                                            maximum=100)
    if "forecast_category" in data:
        if closed:
            errors["forecast_category"] = [_("A closed opportunity's forecast category follows its outcome.")]
        elif data["forecast_category"] not in REP_FORECAST_CATEGORIES:
            errors["forecast_category"] = [_("Choose pipeline, best case or commit.")]
        else:
            cleaned["forecast_category"] = data["forecast_category"]
    if "source" in data:
        source = data["source"] or ""
        if source and source not in Source.values:
            errors["source"] = [_("Choose a source from the list.")]
        cleaned["source"] = source
    if "campaign" in data:
        campaign = data["campaign"]
        if campaign is not None and not isinstance(campaign, Campaign):
            campaign = Campaign.objects.filter(pk=campaign).first() if str(campaign).isdigit() else None
            if campaign is None:
                errors["campaign"] = [_("Choose a campaign from the list.")]
        cleaned["campaign"] = campaign
    if "difficulty" in data:
        cleaned["difficulty"] = as_decimal(data["difficulty"] if data["difficulty"] is not None else 1,
                                           field="difficulty", errors=errors, minimum=Decimal("0.01"),
                                           maximum=Decimal("10.01"))
    for name, limit in (("next_step", 300), ("competitor", 200), ("description", 10000)):
        if name in data:
            cleaned[name] = as_text(data[name], field=name, errors=errors, limit=limit)
    if errors:
        raise ValidationFailed(fields=errors)
    return cleaned


def clean_contacts(items: Iterable[Any], *, customer_id: int) -> list[tuple[Any, str]]:
    """[(Contact, role)] from dicts {"contact": Contact|id, "role": str}; every contact must belong to the
    opportunity's customer."""
    from openfunnel.customers.models import Contact

    errors: list[Any] = []
    items = list(items)
    if len(items) > MAX_CONTACTS:
        raise ValidationFailed(fields={"contacts": [_("At most %(n)d contacts.") % {"n": MAX_CONTACTS}]})
    ids = []
    for item in items:
        contact = item.get("contact") if isinstance(item, dict) else item
        ids.append(getattr(contact, "pk", contact))
    found = {c.pk: c for c in Contact.objects.filter(pk__in=[i for i in ids if str(i).isdigit()], customer_id=customer_id,
                                                     deleted_at__isnull=True)}
    roles = set(Contact.DecisionRole.values)
    result: dict[int, tuple[Any, str]] = {}
    for item, contact_id in zip(items, ids, strict=True):
        role = (item.get("role") or "") if isinstance(item, dict) else ""
        contact = found.get(int(contact_id)) if str(contact_id).isdigit() else None
        if contact is None:
            errors.append(_("Contact %(id)s is not a contact of this customer.") % {"id": str(contact_id)[:20]})
        elif role and role not in roles:
            errors.append(_("“%(role)s” is not a decision role.") % {"role": str(role)[:30]})
        else:
            result[contact.pk] = (contact, role)
    if errors:
        raise ValidationFailed(fields={"contacts": errors})
    return list(result.values())


def clean_lines(items: Iterable[Any], *, keep_product_ids: set[int] = frozenset()) -> list[dict[str, Any]]:  # type: ignore[assignment]
    """Validated product lines from dicts {"product", "quantity", "unit_price", "discount_percent"}; the
    unit price defaults to the product's list price. New lines need an active product."""
    from openfunnel.catalog.models import Product

    items = list(items)
    if len(items) > MAX_LINES:
        raise ValidationFailed(fields={"lines": [_("At most %(n)d lines.") % {"n": MAX_LINES}]})
    product_ids = [getattr(i.get("product"), "pk", i.get("product")) if isinstance(i, dict) else None for i in items]
    products = Product.objects.in_bulk([p for p in product_ids if str(p).isdigit()])
    errors: dict[str, list[Any]] = {}
    lines = []
    for index, (item, product_id) in enumerate(zip(items, product_ids, strict=True)):
        prefix = f"lines.{index}"
        product = products.get(int(product_id)) if str(product_id).isdigit() else None
        if product is None or (not product.is_active and product.pk not in keep_product_ids):
            errors[f"{prefix}.product"] = [_("Choose an active product from the catalogue.")]
            continue
        line_errors: dict[str, list[Any]] = {}
        quantity = as_decimal(item.get("quantity", 1), field="quantity", errors=line_errors, minimum=Decimal("0.01"),
                              maximum=Decimal("1e10"))
        price = item.get("unit_price")
        unit_price = product.price if price is None or price == "" else as_decimal(price, field="unit_price",
                                                                                     errors=line_errors)
        discount = as_decimal(item.get("discount_percent") or 0, field="discount_percent", errors=line_errors,
                              maximum=Decimal("100.01"))
        if line_errors:
            errors.update({f"{prefix}.{k}": v for k, v in line_errors.items()})
            continue
        assert quantity is not None and unit_price is not None and discount is not None
        amount = (quantity * unit_price * (Decimal(100) - discount) / Decimal(100)).quantize(
            Decimal("0.01"), rounding=ROUND_HALF_UP)
        if amount >= Decimal("1e12"):
            errors[f"{prefix}.quantity"] = [_("The line amount is too large.")]
            continue
        lines.append({"product": product, "quantity": quantity, "unit_price": unit_price,
                      "discount_percent": discount, "amount": amount})
    if errors:
        raise ValidationFailed(fields=errors)
    return lines


def store_contacts(opportunity: Opportunity, contacts: list[tuple[Any, str]]) -> list[dict[str, Any]]:
    OpportunityContact.objects.filter(opportunity=opportunity).delete()
    OpportunityContact.objects.bulk_create([OpportunityContact(opportunity=opportunity, contact=c, role=r)
                                            for c, r in contacts])
    return [{"contact": c.pk, "name": c.name, "role": r} for c, r in contacts]


def store_lines(opportunity: Opportunity, lines: list[dict[str, Any]]) -> Decimal:
    OpportunityLine.objects.filter(opportunity=opportunity).delete()
    OpportunityLine.objects.bulk_create([OpportunityLine(opportunity=opportunity, order=i, **line)
                                         for i, line in enumerate(lines)])
    return sum((line["amount"] for line in lines), Decimal("0.00"))


def _lines_summary(lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{"product": line["product"].pk, "name": str(line["product"]), "quantity": jsonable(line["quantity"]),
             "unit_price": jsonable(line["unit_price"]), "discount_percent": jsonable(line["discount_percent"]),
             "amount": jsonable(line["amount"])} for line in lines]


def apply_changes(*, actor: Any, opportunity: Opportunity, cleaned: dict[str, Any],
                  expected_version: int | None = None) -> dict[str, list[Any]]:
    """Sets already cleaned field values on a locked opportunity, with the close-date discipline
    (push-backs counted, the overdue flag cleared) and the audit events."""
    old_close = opportunity.expected_close_date
    if "amount" in cleaned and not cleaned.get("amount_from_lines"):
        cleaned["amount_from_lines"] = False
    if cleaned.get("amount_from_lines"):
        cleaned["amount"] = sum((line.amount for line in opportunity.lines.all()), Decimal("0.00"))
    changes = apply_update(instance=opportunity, data=cleaned, expected_version=expected_version)
    if not changes:
        return changes
    event_record(actor=actor, verb="opportunity.updated", obj=opportunity, changes=changes,
                 customer_id=opportunity.customer_id)
    if "expected_close_date" in changes:
        new_close = opportunity.expected_close_date
        extra: list[str] = []
        if opportunity.is_open and old_close is not None and new_close is not None and new_close > old_close:
            opportunity.close_date_push_count += 1
            extra.append("close_date_push_count")
            event_record(actor=actor, verb="opportunity.close_date_pushed", obj=opportunity,
                         customer_id=opportunity.customer_id,
                         data={"from": old_close, "to": new_close, "count": opportunity.close_date_push_count})
        if opportunity.is_overdue and (new_close is None or new_close >= timezone.localdate()):
            opportunity.is_overdue = False
            extra.append("is_overdue")
        if extra:
            opportunity.save(update_fields=extra)
    return changes


def _resolve_owner(actor: Any, owner: Any) -> Any:
    User = get_user_model()
    if owner is None:
        return actor
    if not isinstance(owner, User):
        owner = User.objects.filter(pk=owner).first() if str(owner).isdigit() else None
    if owner is None or not owner.is_active or not can_see_owner(actor, owner.pk):
        raise ValidationFailed(fields={"owner": [_("Choose an active user within your data scope.")]})
    return owner


# --- services -----------------------------------------------------------------------------------------------

@transaction.atomic
def opportunity_create(*, actor: Any, customer: Any, name: str, pipeline: Pipeline | None = None,
                       stage: Stage | None = None, amount: Decimal | None = None,
                       expected_close_date: dt.date | None = None, owner: Any = None, source: str = "",
                       campaign: Any = None, lead: Any = None, contacts: Iterable[Any] = (),
                       lines: Iterable[Any] = (), probability: int | None = None,
                       forecast_category: str = Opportunity.ForecastCategory.PIPELINE,
                       difficulty: Decimal | None = None, next_step: str = "", competitor: str = "",
                       description: str = "", amount_from_lines: bool | None = None,
                       at: dt.datetime | None = None) -> Opportunity:
    """Opens an opportunity on a customer the actor sees (lead conversion calls this too).

    Defaults: the default pipeline, its first open stage, owner = the actor, amount = the lines' total
    when lines are given without an amount. Needs opportunities.create; raises PermissionDenied,
    ValidationFailed (stage_requirements_missing when `stage` asks for more than is given).
    """
    from openfunnel.customers.selectors import customer_get
    from openfunnel.sales.selectors import pipeline_default

    require_perm(actor, "opportunities.create")
    try:
        customer = customer_get(actor=actor, id=getattr(customer, "pk", customer))
    except NotFound:
        raise ValidationFailed(fields={"customer": [_("Choose a customer you can see.")]}) from None
    pipeline = pipeline or pipeline_default()
    if pipeline is None or not pipeline.is_active:
        raise ValidationFailed(fields={"pipeline": [_("Choose an active pipeline.")]})
    stages = list(pipeline.stages.order_by("order", "id"))
    if stage is None:
        first = [s for s in stages if s.kind == Stage.Kind.OPEN and s.is_active]
        if not first:
            raise ValidationFailed(fields={"pipeline": [_("This pipeline has no open stage.")]})
        stage = first[0]
    elif stage.pipeline_id != pipeline.pk or stage.kind != Stage.Kind.OPEN or not stage.is_active:
        raise ValidationFailed(fields={"stage": [_("Choose an active open stage of the pipeline.")]})
    owner = _resolve_owner(actor, owner)
    if lead is not None:
        from openfunnel.leads.selectors import lead_get

        try:
            lead = lead_get(actor=actor, id=getattr(lead, "pk", lead))
        except NotFound:
            raise ValidationFailed(fields={"lead": [_("Choose a lead you can see.")]}) from None
    values = {"name": name, "source": source, "campaign": campaign, "forecast_category": forecast_category,
              "next_step": next_step, "competitor": competitor, "description": description,
              "expected_close_date": expected_close_date}
    if amount is not None:
        values["amount"] = amount
    if difficulty is not None:
        values["difficulty"] = difficulty
    if probability is not None:
        values["probability"] = probability
    cleaned = clean_fields(values, pipeline=pipeline)
    contact_pairs = clean_contacts(contacts, customer_id=customer.pk)
    line_rows = clean_lines(lines)
    if amount_from_lines is None:
        amount_from_lines = bool(line_rows) and amount is None
    if amount_from_lines:
        cleaned["amount"] = sum((line["amount"] for line in line_rows), Decimal("0.00"))
    probe = Opportunity(pipeline=pipeline, stage=stage, customer=customer, **cleaned)
    missing = requirements_missing(opportunity=probe, current=None, target=stage, stages=stages,
                                   values={"contacts": contact_pairs, "lines": line_rows})
    if missing:
        raise requirements_error(target=stage, missing=missing)
    now = at or timezone.now()
    cleaned.setdefault("probability", stage.probability)
    opportunity = Opportunity.objects.create(
        customer=customer, owner=owner, pipeline=pipeline, stage=stage, lead=lead, created_by=actor,
        amount_from_lines=amount_from_lines, stage_entered_at=now, **cleaned)
    if at is not None:
        Opportunity.objects.filter(pk=opportunity.pk).update(created_at=at)
    store_contacts(opportunity, contact_pairs)
    store_lines(opportunity, line_rows)
    StageChange.objects.create(opportunity=opportunity, to_stage=stage, to_stage_name=stage.name, actor=actor, at=now)
    event_record(actor=actor, verb="opportunity.created", obj=opportunity, customer_id=customer.pk,
                 lead_id=getattr(lead, "pk", None), at=at,
                 data={**snapshot(opportunity, OPPORTUNITY_FIELDS), "stage_name": stage.name,
                       "contacts": [{"contact": c.pk, "role": r} for c, r in contact_pairs],
                       "lines": _lines_summary(line_rows)})
    return opportunity


@transaction.atomic
def opportunity_update(*, actor: Any, opportunity: Opportunity, data: dict[str, Any],
                       expected_version: int | None = None) -> Opportunity:
    """Changes fields; "owner" transfers (opportunities.transfer), "contacts" and "lines" replace those lists.
    Stage changes go through opportunity_move. Needs opportunities.edit and edit access; raises NotFound,
    PermissionDenied, ValidationFailed, Conflict(stale_version)."""
    require_edit(actor, opportunity)
    opportunity = lock(opportunity)
    data = dict(data)
    owner = data.pop("owner", None)
    contacts = data.pop("contacts", None)
    lines = data.pop("lines", None)
    for blocked in ("stage", "status", "pipeline", "customer"):
        if blocked in data:
            raise ValidationFailed(fields={blocked: [_("Use the move, win, lose and reopen actions to change this.")]})
    cleaned = clean_fields(data, pipeline=opportunity.pipeline, closed=not opportunity.is_open)
    contact_pairs = clean_contacts(contacts, customer_id=opportunity.customer_id) if contacts is not None else None
    existing = set(opportunity.lines.values_list("product_id", flat=True))
    line_rows = clean_lines(lines, keep_product_ids=existing) if lines is not None else None
    if expected_version is not None and opportunity.version != expected_version:
        apply_update(instance=opportunity, data={}, expected_version=expected_version)  # raises stale_version
    if owner is not None and getattr(owner, "pk", owner) != opportunity.owner_id:
        _transfer(actor=actor, opportunity=opportunity, owner=owner)
    if contact_pairs is not None:
        _set_contacts(actor=actor, opportunity=opportunity, pairs=contact_pairs)
    if line_rows is not None:
        _set_lines(actor=actor, opportunity=opportunity, rows=line_rows)
    apply_changes(actor=actor, opportunity=opportunity, cleaned=cleaned)
    return opportunity


def _transfer(*, actor: Any, opportunity: Opportunity, owner: Any) -> None:
    if actor is not None:
        require_perm(actor, "opportunities.transfer")
    new_owner = _resolve_owner(actor, owner) if actor is not None else owner
    before = opportunity.owner_id
    opportunity.owner = new_owner
    bump(opportunity, ["owner"])
    event_record(actor=actor, verb="opportunity.transferred", obj=opportunity, customer_id=opportunity.customer_id,
                 changes={"owner": [before, new_owner.pk]})
    from openfunnel.automation.services import notification_send

    notification_send(recipient=new_owner, kind="assignment", actor=actor, target=opportunity,
                      url=opportunity.get_absolute_url(),
                      message=_("Opportunity “%(name)s” was transferred to you.") % {"name": opportunity.name})


@transaction.atomic
def opportunity_transfer(*, actor: Any, opportunity: Opportunity, owner: Any) -> Opportunity:
    """Gives the opportunity to another owner within the actor's scope (handover calls this with the
    admin as actor). Needs opportunities.transfer; raises NotFound, PermissionDenied, ValidationFailed."""
    require_edit(actor, opportunity)
    opportunity = lock(opportunity)
    if getattr(owner, "pk", owner) != opportunity.owner_id:
        _transfer(actor=actor, opportunity=opportunity, owner=owner)
    return opportunity


def _set_contacts(*, actor: Any, opportunity: Opportunity, pairs: list[tuple[Any, str]]) -> None:
    before = [{"contact": link.contact_id, "role": link.role} for link in opportunity.contact_links.all()]
    after = [{"contact": c.pk, "role": r} for c, r in pairs]
    if sorted(before, key=str) == sorted(after, key=str):
        return
    store_contacts(opportunity, pairs)
    bump(opportunity, [])
    event_record(actor=actor, verb="opportunity.contacts_changed", obj=opportunity,
                 customer_id=opportunity.customer_id, changes={"contacts": [before, after]})


def _set_lines(*, actor: Any, opportunity: Opportunity, rows: list[dict[str, Any]]) -> None:
    total = store_lines(opportunity, rows)
    fields = []
    before_amount = opportunity.amount
    if opportunity.amount_from_lines and opportunity.amount != total:
        opportunity.amount = total
        fields.append("amount")
    bump(opportunity, fields)
    changes = {"amount": [before_amount, total]} if fields else {}
    event_record(actor=actor, verb="opportunity.lines_changed", obj=opportunity, customer_id=opportunity.customer_id,
                 changes=changes, data={"lines": _lines_summary(rows), "total": total})


@transaction.atomic
def opportunity_contacts_set(*, actor: Any, opportunity: Opportunity, contacts: Iterable[Any]) -> Opportunity:
    """Replaces the involved contacts ({"contact", "role"} dicts; contacts of the same customer).
    Raises NotFound, PermissionDenied, ValidationFailed."""
    require_edit(actor, opportunity)
    opportunity = lock(opportunity)
    _set_contacts(actor=actor, opportunity=opportunity,
                  pairs=clean_contacts(contacts, customer_id=opportunity.customer_id))
    return opportunity


@transaction.atomic
def opportunity_lines_set(*, actor: Any, opportunity: Opportunity, lines: Iterable[Any]) -> Opportunity:
    """Replaces the product lines; the amount follows them when amount_from_lines. Raises NotFound,
    PermissionDenied, ValidationFailed."""
    require_edit(actor, opportunity)
    opportunity = lock(opportunity)
    existing = set(opportunity.lines.values_list("product_id", flat=True))
    _set_lines(actor=actor, opportunity=opportunity, rows=clean_lines(lines, keep_product_ids=existing))
    return opportunity


@transaction.atomic
def opportunity_share_set(*, actor: Any, opportunity: Opportunity, user: Any, can_edit: bool = False) -> OpportunityShare:
    """Adds (or changes) a collaborator. Needs opportunities.share and edit access; raises NotFound,
    PermissionDenied, ValidationFailed."""
    require_edit(actor, opportunity)
    require_perm(actor, "opportunities.share")
    opportunity = lock(opportunity)
    User = get_user_model()
    if not isinstance(user, User):
        user = User.objects.filter(pk=user).first() if str(user).isdigit() else None
    if user is None or not user.is_active:
        raise ValidationFailed(fields={"user": [_("Choose an active user.")]})
    if user.pk == opportunity.owner_id:
        raise ValidationFailed(fields={"user": [_("The owner already has full access.")]})
    share, created = OpportunityShare.objects.get_or_create(opportunity=opportunity, user=user,
                                                            defaults={"can_edit": bool(can_edit)})
    if not created and share.can_edit == bool(can_edit):
        return share
    if not created:
        share.can_edit = bool(can_edit)
        share.save(update_fields=["can_edit"])
    event_record(actor=actor, verb="opportunity.shared", obj=opportunity, customer_id=opportunity.customer_id,
                 data={"user": user.pk, "user_name": user.display_name, "can_edit": share.can_edit})
    if created:
        from openfunnel.automation.services import notification_send

        notification_send(recipient=user, kind="share", actor=actor, target=opportunity,
                          url=opportunity.get_absolute_url(),
                          message=_("You were added as a collaborator on opportunity “%(name)s”.")
                          % {"name": opportunity.name})
    return share


@transaction.atomic
def opportunity_share_remove(*, actor: Any, opportunity: Opportunity, user: Any) -> None:
    """Removes a collaborator. Raises NotFound, PermissionDenied."""
    require_edit(actor, opportunity)
    require_perm(actor, "opportunities.share")
    deleted, _rows = OpportunityShare.objects.filter(opportunity=opportunity, user_id=getattr(user, "pk", user)).delete()
    if deleted:
        event_record(actor=actor, verb="opportunity.unshared", obj=opportunity, customer_id=opportunity.customer_id,
                     data={"user": getattr(user, "pk", user)})


@transaction.atomic
def opportunity_checklist_mark(*, actor: Any, opportunity: Opportunity, item: str, done: bool) -> Opportunity:
    """Ticks (or unticks) an item of the current stage's checklist. Raises NotFound, PermissionDenied,
    ValidationFailed."""
    require_edit(actor, opportunity)
    opportunity = lock(opportunity)
    if item not in (opportunity.stage.checklist or []):
        raise ValidationFailed(fields={"item": [_("This is not an item of the current stage's checklist.")]})
    key = str(opportunity.stage_id)
    ticked = dict(opportunity.checklist_done or {})
    items = [i for i in ticked.get(key, []) if i != item] + ([item] if done else [])
    if set(items) == set(ticked.get(key, [])):
        return opportunity
    ticked[key] = items
    opportunity.checklist_done = ticked
    bump(opportunity, ["checklist_done"])
    event_record(actor=actor, verb="opportunity.checklist_marked", obj=opportunity,
                 customer_id=opportunity.customer_id,
                 data={"stage": opportunity.stage.name, "item": item, "done": bool(done)})
    return opportunity


@transaction.atomic
def opportunity_delete(*, actor: Any, opportunity: Opportunity) -> None:
    """Moves the opportunity to the recycle bin. Needs opportunities.delete and the owner within scope;
    raises NotFound, PermissionDenied."""
    require_edit(actor, opportunity)
    if not has_perm(actor, "opportunities.delete") or not can_see_owner(actor, opportunity.owner_id):
        raise PermissionDenied()
    opportunity = lock(opportunity)
    opportunity.deleted_at, opportunity.deleted_by = timezone.now(), actor
    bump(opportunity, ["deleted_at", "deleted_by"])
    event_record(actor=actor, verb="opportunity.deleted", obj=opportunity, customer_id=opportunity.customer_id)


@transaction.atomic
def opportunity_restore(*, actor: Any, id: Any) -> Opportunity:
    """Brings a deleted opportunity back from the recycle bin. Needs recycle.manage and the owner within
    scope; raises NotFound, PermissionDenied."""
    from openfunnel.core.api import parse_id

    require_perm(actor, "recycle.manage")
    opportunity = (Opportunity.objects.select_for_update().filter(pk=parse_id(id), deleted_at__isnull=False).first())
    if opportunity is None or not can_see_owner(actor, opportunity.owner_id):
        raise NotFound()
    opportunity.deleted_at, opportunity.deleted_by = None, None
    bump(opportunity, ["deleted_at", "deleted_by"])
    event_record(actor=actor, verb="opportunity.restored", obj=opportunity, customer_id=opportunity.customer_id)
    return opportunity


def lost_reason_resolve(value: Any) -> LostReason:
    reason = value if isinstance(value, LostReason) else (
        LostReason.objects.filter(pk=value).first() if str(value).isdigit() else None)
    if reason is None or not reason.is_active:
        raise ValidationFailed(fields={"reason": [_("Choose a lost reason from the list.")]})
    return reason
