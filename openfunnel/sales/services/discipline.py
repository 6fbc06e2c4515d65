"""Close-date and stage-time discipline, run by the periodic jobs as the system (actor None).

Each function handles one opportunity and is safe when two workers call it at once: a conditional
UPDATE (checked row count) or a row lock taken with SKIP LOCKED decides which worker acts.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import override

from openfunnel.audit.services import event_record
from openfunnel.automation.services import notification_send
from openfunnel.sales.models import Opportunity, Stage

OPEN = Opportunity.Status.OPEN


# The messages of the jobs' notifications (the bulk generators in sales.services.bulk write the same ones).
def close_reminder_message(*, name: str, days: int, date: dt.date) -> str:
    return _("Opportunity “%(name)s” is expected to close in %(days)d days (%(date)s).") % {
        "name": name, "days": days, "date": date.isoformat()}


def overdue_message(*, name: str, date: dt.date) -> str:
    return _("Opportunity “%(name)s” is past its expected close date (%(date)s): close it or set a new date.") % {
        "name": name, "date": date.isoformat()}


def stage_sla_message(*, name: str, stage: str, days: int, max_days: int) -> str:
    return _("Opportunity “%(name)s” has been in stage “%(stage)s” for %(days)d days (at most %(max)d).") % {
        "name": name, "stage": stage, "days": days, "max": max_days}


def _open_rows() -> Any:
    return Opportunity.objects.filter(status=OPEN, deleted_at__isnull=True)


def _notify(opportunity: Opportunity, message_for: Any, *, manager_too: bool) -> int:
    """Sends the owner (and their manager) a reminder; the message is built in Chinese, the company's
    language, as the recipients read it in the notification centre."""
    recipients = [opportunity.owner]
    manager = getattr(opportunity.owner, "manager", None)
    if manager_too and manager is not None and manager.pk != opportunity.owner_id:
        recipients.append(manager)
    sent = 0
    with override("zh-hans"):
        message = message_for(opportunity)
    for recipient in recipients:
        if notification_send(recipient=recipient, kind="reminder", message=message, target=opportunity,
                             url=opportunity.get_absolute_url()):
            sent += 1
    return sent


@transaction.atomic
def opportunity_close_reminder_send(*, opportunity_id: int, now: dt.datetime, days_before: int) -> bool:
    """Reminds the owner and their manager once per expected close date that it is within `days_before`
    days. Returns whether this call sent it."""
    today = timezone.localdate(now)
    claimed = (_open_rows().filter(pk=opportunity_id, expected_close_date__gte=today,
                                   expected_close_date__lte=today + dt.timedelta(days=days_before))
               .exclude(close_reminder_sent_for=F("expected_close_date"))
               .update(close_reminder_sent_for=F("expected_close_date")))
    if claimed != 1:
        return False
    opportunity = Opportunity.objects.select_related("owner__manager").get(pk=opportunity_id)
    days = (opportunity.expected_close_date - today).days
    _notify(opportunity, lambda o: close_reminder_message(name=o.name, days=days, date=o.expected_close_date),
            manager_too=True)
    event_record(actor=None, verb="opportunity.close_reminder_sent", obj=opportunity,
                 customer_id=opportunity.customer_id,
                 data={"expected_close_date": opportunity.expected_close_date, "days_left": days})
    return True


@transaction.atomic
def opportunity_flag_overdue(*, opportunity_id: int, now: dt.datetime) -> bool:
    """Flags an open opportunity whose expected close date has passed (once). Returns whether it flagged."""
    today = timezone.localdate(now)
    claimed = (_open_rows().filter(pk=opportunity_id, is_overdue=False, expected_close_date__lt=today)
               .update(is_overdue=True))
    if claimed != 1:
        return False
    opportunity = Opportunity.objects.select_related("owner__manager").get(pk=opportunity_id)
    _notify(opportunity, lambda o: overdue_message(name=o.name, date=o.expected_close_date), manager_too=False)
    event_record(actor=None, verb="opportunity.overdue", obj=opportunity, customer_id=opportunity.customer_id,
                 data={"expected_close_date": opportunity.expected_close_date})
    return True


def opportunities_overdue_clear(*, now: dt.datetime) -> int:
    """Clears the overdue flag of opportunities that are closed or whose close date moved ahead."""
    today = timezone.localdate(now)
    stale = Opportunity.objects.filter(is_overdue=True).exclude(status=OPEN, expected_close_date__lt=today)
    return stale.update(is_overdue=False)


@transaction.atomic
def opportunity_auto_close_lost(*, opportunity_id: int, now: dt.datetime) -> bool:
    """Closes an open opportunity as lost when its pipeline says so and the expected close date is more
    than the pipeline's grace period ago. A row another worker holds is skipped. Returns whether it closed."""
    from openfunnel.sales.services.moves import enter_stage

    opportunity = (_open_rows().select_for_update(skip_locked=True, of=("self",))
                   .select_related("stage", "pipeline", "owner__manager").filter(pk=opportunity_id).first())
    if opportunity is None or opportunity.expected_close_date is None:
        return False
    grace = opportunity.pipeline.auto_close_lost_after_days
    today = timezone.localdate(now)
    if grace is None or opportunity.expected_close_date + dt.timedelta(days=grace) >= today:
        return False
    lost = opportunity.pipeline.stages.filter(kind=Stage.Kind.LOST).first()
    if lost is None:
        return False
    with override("zh-hans"):
        note = _("Closed automatically: the expected close date %(date)s passed more than %(days)d days ago.") % {
            "date": opportunity.expected_close_date.isoformat(), "days": grace}
    enter_stage(actor=None, opportunity=opportunity, stage=lost, at=now, verb="opportunity.auto_closed",
                lost_reason=opportunity.pipeline.auto_close_lost_reason, lost_note=note)
    _notify(opportunity, lambda o: _("Opportunity “%(name)s” was closed as lost automatically because its expected "
                                     "close date passed long ago.") % {"name": o.name}, manager_too=True)
    return True


@transaction.atomic
def opportunity_stage_sla_warn(*, opportunity_id: int, stage_id: int, max_days: int, now: dt.datetime) -> bool:
    """Warns the owner and their manager once per stage entry that the opportunity has been in its stage
    longer than the stage allows. Returns whether this call warned."""
    claimed = (_open_rows().filter(pk=opportunity_id, stage_id=stage_id, sla_warned_at__isnull=True,
                                   stage_entered_at__lte=now - dt.timedelta(days=max_days))
               .update(sla_warned_at=now))
    if claimed != 1:
        return False
    opportunity = Opportunity.objects.select_related("owner__manager", "stage").get(pk=opportunity_id)
    days = opportunity.days_in_stage(now)
    _notify(opportunity, lambda o: stage_sla_message(name=o.name, stage=o.stage.name, days=days, max_days=max_days),
            manager_too=True)
    event_record(actor=None, verb="opportunity.stage_sla_exceeded", obj=opportunity,
                 customer_id=opportunity.customer_id,
                 data={"stage": opportunity.stage_id, "stage_name": opportunity.stage.name, "days_in_stage": days,
                       "max_days": max_days})
    return True
