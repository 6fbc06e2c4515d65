"""Logging many follow-ups at once (history imports, the demo company): the same validation, rows,
record touches, reminders, mention notices and events as `activity_create`, in set-based queries."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from openfunnel.accounts.scope import can_see_owner, require_perm
from openfunnel.activities.models import Activity, Reminder
from openfunnel.activities.services.follow_ups import (
    _check_content,
    _check_times,
    _event_data,
    _notify_mentions,
    _record_name,
)
from openfunnel.audit.services import event_bulk_record, event_fields
from openfunnel.core.errors import NotFound, ValidationFailed

MAX_ROWS = 50_000


@dataclass
class FollowUpRow:
    author: Any
    kind: str
    content: str
    occurred_at: dt.datetime
    customer: Any = None
    lead: Any = None
    next_follow_up_at: dt.datetime | None = None
    mentions: list[Any] = field(default_factory=list)


@transaction.atomic
def activity_bulk_create(*, actor: Any, rows: list[FollowUpRow]) -> list[Activity]:
    """Logs every follow-up of `rows` or none. Needs activities.create.

    Each row's author is the actor or a user within the actor's data scope, and its customer or lead
    must be visible to the actor. Raises PermissionDenied, NotFound, ValidationFailed (extra "row").
    """
    from openfunnel.customers.selectors import customers_visible_to
    from openfunnel.leads.selectors import leads_visible_to

    require_perm(actor, "activities.create")
    if len(rows) > MAX_ROWS:
        raise ValidationFailed(fields={"__all__": [_("At most %(n)d rows at once.") % {"n": MAX_ROWS}]})
    now = timezone.now()
    customer_ids = {getattr(r.customer, "pk", r.customer) for r in rows if r.customer is not None}
    lead_ids = {getattr(r.lead, "pk", r.lead) for r in rows if r.lead is not None}
    customers = {c.pk: c for c in customers_visible_to(actor).filter(pk__in=customer_ids)} if customer_ids else {}
    leads = {lead.pk: lead for lead in leads_visible_to(actor).filter(pk__in=lead_ids)} if lead_ids else {}
    if len(customers) != len(customer_ids) or len(leads) != len(lead_ids):
        raise NotFound()
    activities = []
    for index, row in enumerate(rows, start=1):
        errors: dict[str, list[Any]] = {}
        content = _check_content(row.kind, row.content, errors)
        _check_times(row.occurred_at, row.next_follow_up_at, errors, now)
        if row.customer is None and row.lead is None:
            errors["customer"] = [_("Link the follow-up to a customer, a contact or a lead.")]
        if row.author.pk != actor.pk and (not row.author.is_active or not can_see_owner(actor, row.author.pk)):
            errors["author"] = [_("Choose an active user within your team.")]
        if errors:
            raise ValidationFailed(fields=errors, extra={"row": index})
        activities.append(Activity(
            kind=row.kind, content=content, occurred_at=row.occurred_at, author=row.author,
            customer=customers.get(getattr(row.customer, "pk", row.customer)),
            lead=leads.get(getattr(row.lead, "pk", row.lead)), next_follow_up_at=row.next_follow_up_at))
    Activity.objects.bulk_create(activities, batch_size=1000)
    _bulk_mentions(activities, rows, actor)
    _bulk_touch(activities)
    _bulk_reminders(activities, now)
    event_bulk_record([event_fields(actor=actor, verb="activity.created", obj=activity,
                                    customer_id=activity.customer_id, lead_id=activity.lead_id,
                                    data=_event_data(activity, [])) for activity in activities])
    return activities


def _bulk_mentions(activities: list[Activity], rows: list[FollowUpRow], actor: Any) -> None:
    links = [Activity.mentions.through(activity_id=activity.pk, user_id=getattr(user, "pk", user))
             for activity, row in zip(activities, rows, strict=True) for user in row.mentions]
    if not links:
        return
    Activity.mentions.through.objects.bulk_create(links, batch_size=1000)
    for activity, row in zip(activities, rows, strict=True):
        if row.mentions:
            _notify_mentions(activity, [u for u in activity.mentions.all() if u.pk != row.author.pk], row.author)


def _bulk_touch(activities: list[Activity]) -> None:
    """One touch per record with the latest occurrence and the last planned next follow-up, which is
    what touching once per follow-up in this order would leave behind."""
    from openfunnel.customers.services import customer_touch_follow_up
    from openfunnel.leads.services import lead_touch_follow_up

    latest: dict[tuple[str, int], list[Any]] = {}
    for activity in activities:
        for kind, record_id in (("customer", activity.customer_id), ("lead", activity.lead_id)):
            if record_id:
                state = latest.setdefault((kind, record_id), [activity.occurred_at, None])
                state[0] = max(state[0], activity.occurred_at)
                if activity.next_follow_up_at is not None:
                    state[1] = activity.next_follow_up_at
    for (kind, record_id), (occurred_at, next_at) in latest.items():
        touch = customer_touch_follow_up if kind == "customer" else lead_touch_follow_up
        key = "customer_id" if kind == "customer" else "lead_id"
        touch(**{key: record_id}, occurred_at=occurred_at, next_follow_up_at=next_at)


def _bulk_reminders(activities: list[Activity], now: dt.datetime) -> None:
    """Each follow-up settles its author's open reminders on the record and plans its own next one."""
    groups = {(a.author_id, a.customer_id, a.lead_id if not a.customer_id else None) for a in activities}
    customer_ids = {c for _u, c, _l in groups if c}
    lead_ids = {lead for _u, c, lead in groups if lead}
    pending = Reminder.objects.filter(task__isnull=True, done_at__isnull=True)
    settled = [r.pk for r in pending.filter(customer_id__in=customer_ids) if (r.user_id, r.customer_id, None) in groups]
    settled += [r.pk for r in pending.filter(lead_id__in=lead_ids, customer__isnull=True)
                if (r.user_id, None, r.lead_id) in groups]
    Reminder.objects.filter(pk__in=settled).update(done_at=now)
    last_of_group: dict[tuple[Any, ...], Activity] = {}
    for activity in activities:
        last_of_group[(activity.author_id, activity.customer_id, activity.lead_id if not activity.customer_id else None)] = activity
    Reminder.objects.bulk_create([
        Reminder(user_id=a.author_id, due_at=a.next_follow_up_at, activity=a, customer_id=a.customer_id,
                 lead_id=a.lead_id, message=_("Follow up with %(name)s") % {"name": _record_name(a.customer, a.lead)},
                 done_at=None if last_of_group[(a.author_id, a.customer_id, a.lead_id if not a.customer_id else None)] is a
                 else now)
        for a in activities if a.next_follow_up_at is not None], batch_size=1000)
