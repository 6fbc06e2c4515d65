"""Periodic jobs of the activities app (listed in openfunnel/core/jobs.py SCHEDULE)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction

from openfunnel.activities.services.reminders import due_reminder_ids, reminder_notify

BATCH = 200


def reminders_notify_due(now: dt.datetime) -> dict[str, Any]:
    """Notifies every reminder due at `now` once. Idempotent; two workers never notify one reminder twice
    (SKIP LOCKED where the database has it, and a conditional UPDATE on notified_at everywhere)."""
    notified = 0
    seen: set[int] = set()
    while True:
        with transaction.atomic():
            ids = [pk for pk in due_reminder_ids(now=now, batch=BATCH) if pk not in seen]
            if not ids:
                break
            seen.update(ids)
            for pk in ids:
                notified += reminder_notify(reminder_id=pk, now=now)
    return {"notified": notified}
