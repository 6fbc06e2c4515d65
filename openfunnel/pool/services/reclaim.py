"""Reclaim and warning: the owner loses a customer only if nothing changed since the job selected it.

The job selects due customers with their owner, ownership start and last follow-up; each reclaim then
locks the row with SKIP LOCKED (a row another worker or a follow-up holds is left for the next run) and
updates it only `WHERE owner_id = <selected> AND owner_since = <selected> AND last_follow_up_at IS NOT
DISTINCT FROM <selected>` — a follow-up that landed after the selection makes the update miss. Two workers
at once: the second finds the row locked or changed and does nothing, so no customer is reclaimed twice.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from openfunnel.audit.services import event_record
from openfunnel.pool.models import Pool, PoolEvent, ReclaimWarning
from openfunnel.pool.rules import Due


def _unchanged(queryset: Any, *, owner_id: int, owner_since: dt.datetime | None,
               last_follow_up_at: dt.datetime | None) -> Any:
    follow_up = (Q(last_follow_up_at__isnull=True) if last_follow_up_at is None
                 else Q(last_follow_up_at=last_follow_up_at))
    return queryset.filter(follow_up, owner_id=owner_id, owner_since=owner_since, deleted_at__isnull=True)


def _lock_skip(queryset: Any) -> Any:
    if connection.features.has_select_for_update_skip_locked:
        return queryset.select_for_update(skip_locked=True, of=("self",))
    return queryset.select_for_update()


# The jobs' texts, in the company's language (pool.services.bulk writes the same ones for generated history).
def reclaim_reason(due: Due) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return _("Reclaimed: %(rule)s") % {"rule": due.label}


def reclaimed_message(*, name: str, pool: str, due: Due, lead: bool = False) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        if lead:
            return _("The lead “%(name)s” went back to the lead pool “%(pool)s”: %(rule)s.") % {
                "name": name, "pool": pool, "rule": due.label}
        return _("The customer “%(name)s” went back to the pool “%(pool)s”: %(rule)s.") % {
            "name": name, "pool": pool, "rule": due.label}


def warning_message(*, name: str, due_on: dt.date, due: Due, lead: bool = False) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        if lead:
            return _("The lead “%(name)s” goes back to the lead pool on %(date)s unless you act: %(rule)s.") % {
                "name": name, "date": due_on.isoformat(), "rule": due.label}
        return _("The customer “%(name)s” goes back to the pool on %(date)s unless you act: %(rule)s.") % {
            "name": name, "date": due_on.isoformat(), "rule": due.label}


@transaction.atomic
def customer_reclaim(*, customer_id: int, owner_id: int, owner_since: dt.datetime | None,
                     last_follow_up_at: dt.datetime | None, pool: Pool, due: Due, now: dt.datetime) -> bool:
    """Returns a due customer to the pool as the system (jobs only); False when it changed or is being changed.

    Writes the reclaim pool event, the timeline event, and notifies the former owner with the rule that fired
    (in-app, and by e-mail when SMTP is configured).
    """
    from openfunnel.automation.services import notification_send
    from openfunnel.customers.models import Customer

    rows = _unchanged(Customer.objects.filter(pk=customer_id), owner_id=owner_id, owner_since=owner_since,
                      last_follow_up_at=last_follow_up_at)
    customer = _lock_skip(rows).first()
    if customer is None:
        return False
    target = pool.reclaim_to if pool.reclaim_to_id else pool
    reason = reclaim_reason(due)
    updated = rows.update(owner=None, owner_since=None, pool=target, pool_entered_at=now, pool_reason=reason,
                          previous_owner_id=owner_id, version=F("version") + 1, updated_at=now)
    if updated != 1:
        return False
    customer = Customer.objects.select_related("previous_owner").get(pk=customer_id)
    owner = customer.previous_owner
    PoolEvent.objects.create(kind=PoolEvent.Kind.RECLAIM, pool=target, customer=customer, user_id=owner_id,
                             actor=None, reason=reason, rule=due.rule, at=now)
    event_record(actor=None, verb="pool.reclaimed", obj=customer, customer_id=customer.pk, at=now,
                 changes={"owner": [owner_id, None]},
                 data={"pool": target.pk, "pool_name": target.name, "rule": due.rule, "reason": reason,
                       "user": owner_id, "user_name": owner.display_name if owner else ""})
    if owner is not None:
        notification_send(recipient=owner, kind="system", target=customer, url=customer.get_absolute_url(),
                          message=reclaimed_message(name=customer.name, pool=target.name, due=due), email=True)
    return True


@transaction.atomic
def reclaim_warn(*, customer_id: int, owner_id: int, due: Due, now: dt.datetime) -> bool:
    """Warns the owner once per (customer, owner, due day) that a reclaim is coming; jobs only.

    The unique warning row makes a second worker's insert fail, so the owner is warned once.
    The owner is told in-app, and by e-mail when SMTP is configured, with the rule that will fire.
    """
    from openfunnel.automation.services import notification_send
    from openfunnel.customers.models import Customer

    customer = Customer.objects.select_related("owner").filter(pk=customer_id, owner_id=owner_id,
                                                              deleted_at__isnull=True).first()
    if customer is None:
        return False
    due_on = timezone.localdate(due.at)
    try:
        with transaction.atomic():
            ReclaimWarning.objects.create(customer_id=customer_id, owner_id=owner_id, due_on=due_on, rule=due.rule,
                                          sent_at=now)
    except IntegrityError:
        return False
    event_record(actor=None, verb="pool.reclaim_warned", obj=customer, customer_id=customer.pk, at=now,
                 data={"rule": due.rule, "due_on": due_on.isoformat(), "user": owner_id})
    notification_send(recipient=customer.owner, kind="reminder", target=customer, url=customer.get_absolute_url(),
                      message=warning_message(name=customer.name, due_on=due_on, due=due), email=True)
    return True


@transaction.atomic
def lead_reclaim(*, lead_id: int, owner_id: int, assigned_at: dt.datetime | None,
                 last_follow_up_at: dt.datetime | None, pool: Pool, due: Due, now: dt.datetime) -> bool:
    """Returns a due lead to the lead pool as the system (jobs only); False when it changed or is being changed.

    The same guard as customer_reclaim: SKIP LOCKED, then an UPDATE that misses when the owner, the assignment
    time or the last follow-up moved since the job selected the lead. Writes the reclaim pool event (with the
    rule), the timeline event, and notifies the former owner (in-app; by e-mail when SMTP is configured).
    """
    from openfunnel.accounts.models import User
    from openfunnel.automation.services import notification_send
    from openfunnel.leads.models import Lead
    from openfunnel.pool.lead_rules import open_leads

    follow_up = (Q(last_follow_up_at__isnull=True) if last_follow_up_at is None
                 else Q(last_follow_up_at=last_follow_up_at))
    rows = open_leads().filter(follow_up, pk=lead_id, owner_id=owner_id, assigned_at=assigned_at)
    if _lock_skip(rows).first() is None:
        return False
    if rows.update(owner=None, assigned_at=None, version=F("version") + 1, updated_at=now) != 1:
        return False
    lead = Lead.objects.get(pk=lead_id)
    owner = User.objects.filter(pk=owner_id).first()
    reason = reclaim_reason(due)
    PoolEvent.objects.create(kind=PoolEvent.Kind.RECLAIM, pool=pool, lead=lead, user_id=owner_id, actor=None,
                             reason=reason, rule=due.rule, at=now)
    event_record(actor=None, verb="pool.lead_reclaimed", obj=lead, lead_id=lead.pk, at=now,
                 changes={"owner": [owner_id, None]},
                 data={"pool": pool.pk, "pool_name": pool.name, "rule": due.rule, "reason": reason,
                       "user": owner_id, "user_name": owner.display_name if owner else ""})
    if owner is not None:
        notification_send(recipient=owner, kind="system", target=lead, url=lead.get_absolute_url(),
                          message=reclaimed_message(name=lead.company, pool=pool.name, due=due, lead=True),
                          email=True)
    return True


@transaction.atomic
def lead_reclaim_warn(*, lead_id: int, owner_id: int, due: Due, now: dt.datetime) -> bool:
    """Warns the owner once per (lead, owner, due day) that the lead goes back to the lead pool; jobs only.

    In-app, and by e-mail when SMTP is configured, with the rule that will fire.
    """
    from openfunnel.automation.services import notification_send
    from openfunnel.pool.lead_rules import open_leads

    lead = open_leads().select_related("owner").filter(pk=lead_id, owner_id=owner_id).first()
    if lead is None:
        return False
    due_on = timezone.localdate(due.at)
    try:
        with transaction.atomic():
            ReclaimWarning.objects.create(lead_id=lead_id, owner_id=owner_id, due_on=due_on, rule=due.rule,
                                          sent_at=now)
    except IntegrityError:
        return False
    event_record(actor=None, verb="pool.lead_reclaim_warned", obj=lead, lead_id=lead.pk, at=now,
                 data={"rule": due.rule, "due_on": due_on.isoformat(), "user": owner_id})
    notification_send(recipient=lead.owner, kind="reminder", target=lead, url=lead.get_absolute_url(),
                      message=warning_message(name=lead.company, due_on=due_on, due=due, lead=True), email=True)
    return True
