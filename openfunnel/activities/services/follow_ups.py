"""Writes of follow-up records (跟进记录): log, change, delete."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from openfunnel.accounts.scope import require_perm
from openfunnel.activities import links
from openfunnel.activities.models import Activity, Reminder
from openfunnel.activities.services.attachments import attachments_store, check_files
from openfunnel.audit.services import event_record
from openfunnel.core.errors import PermissionDenied, ValidationFailed
from openfunnel.core.records import apply_update, jsonable

CONTENT_MAX = 5000
FUTURE_TOLERANCE = dt.timedelta(days=1)
EDIT_WINDOW = dt.timedelta(days=7)
MAX_MENTIONS = 20
MENTION_RE = re.compile(r"@([\w.@+-]{1,150})")


def mentioned_users_in(text: str) -> list[Any]:
    """Active users named as "@username" in `text` (the longest username that starts the token wins,
    so "@alice你好" still finds alice)."""
    tokens = MENTION_RE.findall(text or "")[:MAX_MENTIONS]
    if not tokens:
        return []
    candidates = {token[:length] for token in tokens for length in range(1, len(token) + 1)}
    users = {u.username.lower(): u for u in get_user_model().objects.filter(username__in=candidates, is_active=True)}
    found: dict[int, Any] = {}
    for token in tokens:
        for length in range(len(token), 0, -1):
            user = users.get(token[:length].lower())
            if user is not None:
                found[user.pk] = user
                break
    return list(found.values())


def _resolve_mentions(mentions: Iterable[Any]) -> list[Any]:
    ids = []
    for item in mentions:
        pk = getattr(item, "pk", item)
        if not isinstance(pk, int) or isinstance(pk, bool):
            raise ValidationFailed(fields={"mentions": [_("Give user ids.")]})
        ids.append(pk)
    ids = list(dict.fromkeys(ids))
    if len(ids) > MAX_MENTIONS:
        raise ValidationFailed(fields={"mentions": [_("Mention at most %(n)d people.") % {"n": MAX_MENTIONS}]})
    users = list(get_user_model().objects.filter(pk__in=ids, is_active=True))
    if len(users) != len(ids):
        raise ValidationFailed(fields={"mentions": [_("Mention only active users.")]})
    return users


def _check_content(kind: str, content: str, errors: dict[str, list[Any]]) -> str:
    if kind not in Activity.Kind.values:
        errors["kind"] = [_("Choose a valid kind.")]
    content = (content or "").strip()
    if not content:
        errors["content"] = [_("This field is required.")]
    elif len(content) > CONTENT_MAX:
        errors["content"] = [_("Keep it under %(max)d characters.") % {"max": CONTENT_MAX}]
    return content


def _check_times(occurred_at: dt.datetime, next_follow_up_at: dt.datetime | None, errors: dict[str, list[Any]],
                 now: dt.datetime) -> None:
    if timezone.is_naive(occurred_at) or (next_follow_up_at is not None and timezone.is_naive(next_follow_up_at)):
        errors["occurred_at"] = [_("Give the time with its time zone.")]
        return
    if occurred_at > now + FUTURE_TOLERANCE:
        errors["occurred_at"] = [_("A follow-up cannot be more than a day in the future.")]
    if next_follow_up_at is not None and next_follow_up_at <= occurred_at:
        errors["next_follow_up_at"] = [_("The next follow-up must be later than this one.")]


def _record_name(customer: Any, lead: Any) -> str:
    return str(customer) if customer is not None else str(lead)


def _touch(activity: Activity) -> None:
    from openfunnel.customers.services import customer_touch_follow_up

    if activity.customer_id:
        customer_touch_follow_up(customer_id=activity.customer_id, occurred_at=activity.occurred_at,
                                 next_follow_up_at=activity.next_follow_up_at)
    if activity.lead_id:
        from openfunnel.leads.services import lead_touch_follow_up

        lead_touch_follow_up(lead_id=activity.lead_id, occurred_at=activity.occurred_at,
                             next_follow_up_at=activity.next_follow_up_at)


def _plan_reminder(activity: Activity, now: dt.datetime) -> None:
    """The author's open follow-up reminders of this record are settled by this follow-up; its own
    next follow-up time becomes a new reminder."""
    pending = Reminder.objects.filter(user_id=activity.author_id, task__isnull=True, done_at__isnull=True)
    if activity.customer_id:
        pending.filter(customer_id=activity.customer_id).update(done_at=now)
    elif activity.lead_id:
        pending.filter(lead_id=activity.lead_id, customer__isnull=True).update(done_at=now)
    if activity.next_follow_up_at is not None:
        Reminder.objects.create(
            user_id=activity.author_id, due_at=activity.next_follow_up_at, activity=activity,
            customer_id=activity.customer_id, lead_id=activity.lead_id,
            message=_("Follow up with %(name)s") % {"name": _record_name(activity.customer, activity.lead)},
        )


def _notify_mentions(activity: Activity, users: list[Any], actor: Any) -> None:
    from openfunnel.automation.models import Notification
    from openfunnel.automation.services import notification_send

    url = links.record_url(customer_id=activity.customer_id, lead_id=activity.lead_id)
    message = _("%(author)s mentioned you in a follow-up on %(name)s: %(excerpt)s") % {
        "author": actor.display_name, "name": _record_name(activity.customer, activity.lead),
        "excerpt": activity.content[:120]}
    for user in users:
        notification_send(recipient=user, kind=Notification.Kind.MENTION, message=message, target=activity,
                          url=url, actor=actor)


def _event_data(activity: Activity, attachment_names: list[str]) -> dict[str, Any]:
    # The customer 360° timeline renders these keys; keep them stable.
    return {"kind": activity.kind, "content": activity.content, "activity_id": activity.pk,
            "occurred_at": jsonable(activity.occurred_at), "author_name": activity.author.display_name,
            "attachments": attachment_names, "opportunity_id": activity.opportunity_id}


@transaction.atomic
def activity_create(*, actor: Any, kind: str, content: str, occurred_at: dt.datetime | None = None,
                    lead: Any = None, customer: Any = None, contact: Any = None, opportunity: Any = None,
                    next_follow_up_at: dt.datetime | None = None, mentions: Iterable[Any] = (),
                    files: Iterable[Any] = ()) -> Activity:
    """Logs a follow-up on a lead, customer, contact or opportunity the actor can see. Needs
    activities.create. A follow-up on an opportunity belongs to the opportunity's customer.

    Raises PermissionDenied, NotFound (a linked record out of scope), ValidationFailed. Moves the
    record's last/next follow-up times, plans a reminder, notifies the mentioned users.
    """
    require_perm(actor, "activities.create")
    now = timezone.now()
    occurred_at = occurred_at or now
    errors: dict[str, list[Any]] = {}
    content = _check_content(kind, content, errors)
    _check_times(occurred_at, next_follow_up_at, errors, now)
    files = list(files)
    check_files(files, errors)
    if contact is not None:
        contact = links.fetch_contact(actor=actor, contact=contact)
        if customer is not None and contact.customer_id != getattr(customer, "pk", customer):
            errors["contact"] = [_("This contact does not belong to the customer.")]
        customer = customer if customer is not None else contact.customer_id
    if opportunity is not None:
        opportunity = links.fetch_opportunity(actor=actor, opportunity=opportunity)
        if customer is not None and opportunity.customer_id != getattr(customer, "pk", customer):
            errors["opportunity"] = [_("This opportunity does not belong to the customer.")]
        customer = customer if customer is not None else opportunity.customer_id
    if customer is not None:
        customer = links.fetch_customer(actor=actor, customer=customer)
    if lead is not None:
        lead = links.fetch_lead(actor=actor, lead=lead)
    if customer is None and lead is None:
        errors["customer"] = [_("Link the follow-up to a customer, a contact or a lead.")]
    mentioned = _resolve_mentions(mentions)
    if errors:
        raise ValidationFailed(fields=errors)

    activity = Activity.objects.create(kind=kind, content=content, occurred_at=occurred_at, author=actor,
                                       customer=customer, lead=lead, contact=contact, opportunity=opportunity,
                                       next_follow_up_at=next_follow_up_at)
    if mentioned:
        activity.mentions.set(mentioned)
    stored = attachments_store(files=files, actor=actor, activity=activity)
    _touch(activity)
    _plan_reminder(activity, now)
    _notify_mentions(activity, [u for u in mentioned if u.pk != actor.pk], actor)
    event_record(actor=actor, verb="activity.created", obj=activity, customer_id=activity.customer_id,
                 lead_id=activity.lead_id, data=_event_data(activity, [a.name for a in stored]))
    return activity


UPDATABLE = ["kind", "content", "occurred_at", "contact", "next_follow_up_at"]


@transaction.atomic
def activity_update(*, actor: Any, activity: Activity, data: dict[str, Any]) -> Activity:
    """Changes a follow-up: only its author, within 7 days of logging it.

    Raises PermissionDenied, NotFound (a contact out of scope), ValidationFailed.
    """
    activity = (Activity.objects.select_for_update(of=("self",)).select_related("author", "customer", "lead")
                .get(pk=activity.pk))
    now = timezone.now()
    if activity.author_id != actor.pk or activity.deleted_at is not None:
        raise PermissionDenied(_("Only the author can change a follow-up."))
    if activity.created_at < now - EDIT_WINDOW:
        raise PermissionDenied(_("A follow-up can be changed only within 7 days of logging it."))
    unknown = set(data) - set(UPDATABLE)
    if unknown:
        raise ValidationFailed(fields={name: [_("Unknown field.")] for name in unknown})
    data = dict(data)
    errors: dict[str, list[Any]] = {}
    if "kind" in data or "content" in data:
        data["content"] = _check_content(data.get("kind", activity.kind), data.get("content", activity.content),
                                         errors)
    occurred_at = data.get("occurred_at") or activity.occurred_at
    if "occurred_at" in data and data["occurred_at"] is None:
        errors["occurred_at"] = [_("This field is required.")]
    next_at = data["next_follow_up_at"] if "next_follow_up_at" in data else activity.next_follow_up_at
    _check_times(occurred_at, next_at, errors, now)
    if data.get("contact") is not None:
        contact = links.fetch_contact(actor=actor, contact=data["contact"])
        if contact.customer_id != activity.customer_id:
            errors["contact"] = [_("This contact does not belong to the customer.")]
        data["contact"] = contact
    if errors:
        raise ValidationFailed(fields=errors)
    changes = apply_update(instance=activity, data=data)
    if not changes:
        return activity
    if "occurred_at" in changes or "next_follow_up_at" in changes:
        _touch(activity)
    if "next_follow_up_at" in changes:
        activity.reminders.filter(done_at__isnull=True, notified_at__isnull=True).update(done_at=now)
        if activity.next_follow_up_at is not None:
            Reminder.objects.create(
                user_id=activity.author_id, due_at=activity.next_follow_up_at, activity=activity,
                customer_id=activity.customer_id, lead_id=activity.lead_id,
                message=_("Follow up with %(name)s") % {"name": _record_name(activity.customer, activity.lead)})
    event_record(actor=actor, verb="activity.updated", obj=activity, changes=changes,
                 customer_id=activity.customer_id, lead_id=activity.lead_id,
                 data={"activity_id": activity.pk, "kind": activity.kind, "content": activity.content})
    return activity


def activity_can_delete(actor: Any, activity: Activity) -> bool:
    if activity.author_id == actor.pk:
        return True
    if activity.customer is not None and links.customer_editable(actor, activity.customer):
        return True
    return activity.lead is not None and links.lead_editable(actor, activity.lead)


@transaction.atomic
def activity_delete(*, actor: Any, activity: Activity) -> None:
    """Soft-deletes a follow-up: its author, or someone who may edit its customer or lead.

    Raises PermissionDenied. Its open reminders are settled.
    """
    activity = Activity.objects.select_for_update(of=("self",)).select_related("customer", "lead").get(pk=activity.pk)
    if activity.deleted_at is not None:
        return
    if not activity_can_delete(actor, activity):
        raise PermissionDenied()
    now = timezone.now()
    activity.deleted_at, activity.deleted_by = now, actor
    activity.save(update_fields=["deleted_at", "deleted_by", "updated_at"])
    activity.reminders.filter(done_at__isnull=True).update(done_at=now)
    event_record(actor=actor, verb="activity.deleted", obj=activity, customer_id=activity.customer_id,
                 lead_id=activity.lead_id, data={"activity_id": activity.pk, "kind": activity.kind,
                                                 "content": activity.content[:200]})


@transaction.atomic
def activity_restore(*, actor: Any, id: Any) -> Activity:
    """Restores a deleted follow-up from the recycle bin. Needs recycle.manage; NotFound out of scope."""
    from openfunnel.activities.selectors import activity_scope_q
    from openfunnel.core.api import parse_id
    from openfunnel.core.errors import NotFound

    require_perm(actor, "recycle.manage")
    activity = (Activity.objects.select_for_update(of=("self",))
                .filter(activity_scope_q(actor), pk=parse_id(id), deleted_at__isnull=False).first())
    if activity is None:
        raise NotFound()
    activity.deleted_at, activity.deleted_by = None, None
    activity.save(update_fields=["deleted_at", "deleted_by", "updated_at"])
    event_record(actor=actor, verb="activity.restored", obj=activity, customer_id=activity.customer_id,
                 lead_id=activity.lead_id, data={"activity_id": activity.pk})
    return activity
