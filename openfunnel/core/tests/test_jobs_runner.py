"""The periodic-job runners: the embedded loop's intervals and Celery beat over the same schedule."""

from __future__ import annotations

import datetime as dt
import socket
import time

import pytest

from openfunnel.celery import app, beat_schedule, run_job
from openfunnel.core.jobs import SCHEDULE, Ticker

T0 = dt.datetime(2026, 12, 1, 9, 0, tzinfo=dt.timezone.utc)


def test_ticker_runs_every_job_at_once_then_each_at_its_own_interval():
    ticker = Ticker()
    assert ticker.due(T0) == [job.name for job in SCHEDULE]
    assert ticker.due(T0 + dt.timedelta(seconds=30)) == []
    assert ticker.due(T0 + dt.timedelta(minutes=1)) == ["reminders"]
    assert set(ticker.due(T0 + dt.timedelta(hours=1))) == {job.name for job in SCHEDULE}


def test_beat_schedules_every_job_of_the_one_schedule_at_its_interval():
    schedule = beat_schedule()
    assert set(schedule) == {job.name for job in SCHEDULE}
    for job in SCHEDULE:
        entry = schedule[job.name]
        assert entry["task"] == run_job.name
        assert entry["args"] == (job.name,)
        assert entry["schedule"] == job.every.total_seconds()
    assert app.conf.beat_schedule == schedule


@pytest.mark.django_db
def test_the_celery_task_runs_the_named_job_at_the_given_moment(personas):
    from openfunnel.activities.models import Reminder

    due_at = T0 - dt.timedelta(minutes=5)
    reminder = Reminder.objects.create(user=personas.alice, due_at=due_at, message="回访客户")
    result = run_job.apply(args=("reminders", T0.isoformat())).get()
    assert result == {"notified": 1}
    reminder.refresh_from_db()
    assert reminder.notified_at == T0


def _redis_up() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=0.5).close()
        return True
    except OSError:
        return False


@pytest.mark.django_db(transaction=True)
@pytest.mark.skipif(not _redis_up(), reason="needs Redis at 127.0.0.1:6379 (CI has it)")
def test_a_worker_takes_the_job_from_redis_and_runs_it(personas):
    from celery.contrib.testing.worker import start_worker

    from openfunnel.activities.models import Reminder

    reminder = Reminder.objects.create(user=personas.alice, due_at=T0 - dt.timedelta(minutes=1), message="回访客户")
    app.conf.broker_url = "redis://127.0.0.1:6379/15"
    try:
        with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=10):
            run_job.delay("reminders", T0.isoformat())
            deadline = time.monotonic() + 20
            while not Reminder.objects.filter(pk=reminder.pk, notified_at=T0).exists():
                assert time.monotonic() < deadline, "the worker did not run the job within 20 s"
                time.sleep(0.1)
    finally:
        app.conf.broker_url = "memory://"
