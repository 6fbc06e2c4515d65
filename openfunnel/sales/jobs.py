"""Periodic jobs of the sales app (listed in openfunnel.core.jobs.SCHEDULE).

Each is `run(now) -> dict`: it loads candidate ids and calls one discipline service per opportunity;
the services decide under a conditional update or a SKIP LOCKED row lock, so running a job twice, or
on two workers at once, acts once.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import F
from django.utils import timezone

from openfunnel.sales import services
from openfunnel.sales.models import Opportunity, Pipeline, Stage

BATCH = 5000


def _open() -> Any:
    return Opportunity.objects.filter(status=Opportunity.Status.OPEN, deleted_at__isnull=True)


def close_reminders(now: dt.datetime) -> dict[str, Any]:
    """Reminds owners and managers N days (the pipeline's setting, default 7) before expected close dates."""
    today = timezone.localdate(now)
    sent = 0
    for pipeline in Pipeline.objects.filter(close_reminder_days__gt=0):
        horizon = today + dt.timedelta(days=pipeline.close_reminder_days)
        ids = (_open().filter(pipeline=pipeline, expected_close_date__gte=today, expected_close_date__lte=horizon)
               .exclude(close_reminder_sent_for=F("expected_close_date")).values_list("id", flat=True)[:BATCH])
        for opportunity_id in list(ids):
            sent += services.opportunity_close_reminder_send(opportunity_id=opportunity_id, now=now,
                                                             days_before=pipeline.close_reminder_days)
    return {"reminded": sent}


def overdue_flags(now: dt.datetime) -> dict[str, Any]:
    """Flags open opportunities past their expected close date; clears stale flags."""
    today = timezone.localdate(now)
    ids = list(_open().filter(is_overdue=False, expected_close_date__lt=today).values_list("id", flat=True)[:BATCH])
    flagged = sum(services.opportunity_flag_overdue(opportunity_id=i, now=now) for i in ids)
    return {"flagged": flagged, "cleared": services.opportunities_overdue_clear(now=now)}


def auto_close_lost(now: dt.datetime) -> dict[str, Any]:
    """Closes as lost the opportunities overdue beyond their pipeline's grace period (where set)."""
    today = timezone.localdate(now)
    closed = 0
    for pipeline in Pipeline.objects.filter(auto_close_lost_after_days__isnull=False):
        cutoff = today - dt.timedelta(days=pipeline.auto_close_lost_after_days)
        ids = list(_open().filter(pipeline=pipeline, expected_close_date__lt=cutoff)
                   .values_list("id", flat=True)[:BATCH])
        closed += sum(services.opportunity_auto_close_lost(opportunity_id=i, now=now) for i in ids)
    return {"closed": closed}


def stage_sla_warnings(now: dt.datetime) -> dict[str, Any]:
    """Warns owners and managers when an opportunity stays in a stage longer than the stage's maximum."""
    warned = 0
    for stage in Stage.objects.filter(kind=Stage.Kind.OPEN, max_days__isnull=False):
        ids = list(_open().filter(stage=stage, sla_warned_at__isnull=True,
                                  stage_entered_at__lte=now - dt.timedelta(days=stage.max_days))
                   .values_list("id", flat=True)[:BATCH])
        warned += sum(services.opportunity_stage_sla_warn(opportunity_id=i, stage_id=stage.pk,
                                                          max_days=stage.max_days, now=now) for i in ids)
    return {"warned": warned}


def compact_board_tally(now: dt.datetime) -> dict[str, Any]:
    """Merges the kanban tally's change rows per key (sales.board_tally)."""
    from django.db import connection

    from openfunnel.sales import board_tally

    merged = board_tally.compact()
    if merged and connection.vendor == "postgresql" and not connection.in_atomic_block:
        # the merged-away rows are dead until vacuumed, and the board reads the tally index-only only where
        # the visibility map says so: 6 ms → 28 ms for a team's board right after a merge
        with connection.cursor() as cursor:
            cursor.execute("VACUUM (ANALYZE) sales_boardtally")
    return {"merged": merged}
