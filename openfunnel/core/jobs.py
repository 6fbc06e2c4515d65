"""The one schedule of periodic jobs.

A job is a plain function `run(now) -> dict` that is idempotent and safe when two workers run it at
once; it loads ids and calls services as the system. `openfunnel run-jobs --now ISO` runs every job
that is due at that moment once; `openfunnel serve` runs them periodically in process; Celery beat
runs the same functions in production.
"""

from __future__ import annotations

import datetime as dt
import importlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Job:
    name: str
    function: str            # dotted path to run(now) -> dict
    every: dt.timedelta      # how often it is due

    def load(self) -> Callable[[dt.datetime], dict[str, Any]]:
        module, _sep, attr = self.function.rpartition(".")
        return getattr(importlib.import_module(module), attr)


SCHEDULE: list[Job] = [
    Job("reminders", "openfunnel.activities.jobs.reminders_notify_due", dt.timedelta(minutes=1)),
    Job("opportunity_close_reminders", "openfunnel.sales.jobs.close_reminders", dt.timedelta(hours=1)),
    Job("opportunity_overdue", "openfunnel.sales.jobs.overdue_flags", dt.timedelta(hours=1)),
    Job("opportunity_auto_close", "openfunnel.sales.jobs.auto_close_lost", dt.timedelta(hours=1)),
    Job("opportunity_stage_sla", "openfunnel.sales.jobs.stage_sla_warnings", dt.timedelta(hours=1)),
    Job("opportunity_board_tally", "openfunnel.sales.jobs.compact_board_tally", dt.timedelta(minutes=10)),
    Job("pool_reclaim_warnings", "openfunnel.pool.jobs.warnings_run", dt.timedelta(hours=1)),
    Job("pool_reclaim", "openfunnel.pool.jobs.reclaim_run", dt.timedelta(hours=1)),
    Job("pool_lead_reclaim_warnings", "openfunnel.pool.jobs.lead_warnings_run", dt.timedelta(hours=1)),
    Job("pool_lead_reclaim", "openfunnel.pool.jobs.lead_reclaim_run", dt.timedelta(hours=1)),
]


class Ticker:
    """Which jobs are due on a periodic loop: each job runs at its own interval, the first time at once."""

    def __init__(self) -> None:
        self.next_run: dict[str, dt.datetime] = {}

    def due(self, now: dt.datetime) -> list[str]:
        names = [job.name for job in SCHEDULE if self.next_run.get(job.name, now) <= now]
        for job in SCHEDULE:
            if job.name in names:
                self.next_run[job.name] = now + job.every
        return names


def run_due_jobs(*, now: dt.datetime, only: str | None = None) -> dict[str, dict[str, Any]]:
    """Runs each scheduled job once at `now` (all of them, or the one named `only`)."""
    results: dict[str, dict[str, Any]] = {}
    for job in SCHEDULE:
        if only and job.name != only:
            continue
        results[job.name] = job.load()(now)
    return results
