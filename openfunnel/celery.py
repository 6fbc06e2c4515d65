"""Celery for production: Redis as the broker, beat driving the one schedule of `core/jobs.py`.

Run it beside the web server with `celery -A openfunnel worker --beat --loglevel=info` (or a separate
`celery -A openfunnel beat` when there are several workers). The embedded default needs none of this:
`openfunnel serve` runs the same jobs in a side process when REDIS_URL is unset.
"""

from __future__ import annotations

import os
from typing import Any

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "openfunnel.settings")

app = Celery("openfunnel")
app.config_from_object("django.conf:settings", namespace="CELERY")


@app.task(name="openfunnel.run_job", ignore_result=False)
def run_job(name: str, now: str | None = None) -> dict[str, Any]:
    """Runs one scheduled job (by its name in SCHEDULE) at `now` (ISO-8601; default: the current time)."""
    import datetime as dt

    from django.utils import timezone

    from openfunnel.core.jobs import run_due_jobs

    moment = dt.datetime.fromisoformat(now) if now else timezone.now()
    return run_due_jobs(now=moment, only=name)[name]


def beat_schedule() -> dict[str, dict[str, Any]]:
    """One beat entry per job of the schedule, at the job's own interval."""
    from openfunnel.core.jobs import SCHEDULE

    return {job.name: {"task": "openfunnel.run_job", "schedule": job.every.total_seconds(), "args": (job.name,)}
            for job in SCHEDULE}


app.conf.beat_schedule = beat_schedule()
