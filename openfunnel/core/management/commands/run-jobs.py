from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from openfunnel.core.jobs import SCHEDULE, Ticker, run_due_jobs


class Command(BaseCommand):
    help = "Runs every periodic job that is due at --now (default: the current time), once."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--now", help="ISO-8601 moment to run the jobs at, e.g. 2026-12-01T09:00+08:00")
        parser.add_argument("--only", choices=[job.name for job in SCHEDULE], help="run just this job")
        parser.add_argument("--every", type=int,
                            help="keep running: look every N seconds for jobs due at their own interval")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["every"]:
            return self.loop(options["every"], options["only"])
        now = timezone.now()
        if options["now"]:
            try:
                now = dt.datetime.fromisoformat(options["now"])
            except ValueError as exc:
                raise CommandError(f"--now must be an ISO-8601 date or time: {exc}") from None
            if timezone.is_naive(now):
                now = timezone.make_aware(now)
        results = run_due_jobs(now=now, only=options["only"])
        self.stdout.write(json.dumps({"now": now.isoformat(), "jobs": results}, ensure_ascii=False, default=str))

    def loop(self, seconds: int, only: str | None) -> None:
        import logging
        import time

        from django.db import close_old_connections

        logger = logging.getLogger("openfunnel.jobs")
        ticker = Ticker()
        while True:
            now = timezone.now()
            for name in ticker.due(now):
                if only and name != only:
                    continue
                try:
                    run_due_jobs(now=now, only=name)
                except Exception:  # a failing job must not stop the others from running next time
                    logger.exception("periodic job %s failed", name)
            close_old_connections()
            time.sleep(max(seconds, 5))
