"""Test helpers of the pool (also used by tests/concurrency): a pool of East, customers in it, what the pool
wrote about records."""

from __future__ import annotations

from typing import Any

from openfunnel.pool.models import Pool
from openfunnel.pool.services import pool_create


def make_pool(personas: Any, *, departments: Any = None, users: Any = None, **values: Any) -> Pool:
    """A customer pool whose members are Sales East (with East Team 1) unless told otherwise."""
    settings = {"name": values.pop("name", "East pool"), "claim_mode": "both", "warn_days_before": 0,
                "cooldown_days": 0, **values}
    return pool_create(actor=personas.admin, values=settings,
                       member_departments=[personas.east] if departments is None else departments,
                       member_users=users or [])


def pool_customer(pool: Pool, name: str, **fields: Any) -> Any:
    """A customer lying in `pool` (no owner), created directly: the pool is the fixture, not the subject."""
    from django.utils import timezone

    from openfunnel.customers.models import Customer

    return Customer.objects.create(name=name, name_key=name.lower(), pool=pool,
                                   pool_entered_at=fields.pop("pool_entered_at", timezone.now()),
                                   pool_reason=fields.pop("pool_reason", "Imported"), **fields)


def pool_rows_written(records: list[Any], kind: str = "customer") -> dict[str, Any]:
    """What the pool left about `records` (customers or leads): pool log entries, warnings, timeline events,
    notifications, in a form two ways of telling the same story can be compared in."""
    from openfunnel.audit.models import Event
    from openfunnel.automation.models import Notification
    from openfunnel.pool.models import PoolEvent, ReclaimWarning

    ids, key = [r.pk for r in records], f"{kind}_id__in"
    return {
        "pool_events": [(e.kind, e.pool_id, e.customer_id, e.lead_id, e.user_id, e.actor_id, e.reason, e.rule, e.at)
                        for e in PoolEvent.objects.filter(**{key: ids}).order_by("at", "id")],
        "warnings": [(w.customer_id, w.lead_id, w.owner_id, w.due_on, w.rule, w.sent_at)
                     for w in ReclaimWarning.objects.filter(**{key: ids}).order_by("sent_at", "id")],
        "events": [(e.at, e.actor_id, e.verb, e.object_type, e.object_id, e.object_repr, e.customer_id, e.lead_id,
                    e.changes, e.data)
                   for e in Event.objects.filter(verb__startswith="pool.", **{key: ids}).order_by("at", "id")],
        # (a notification is stamped with the clock, not the job's `now`)
        "notifications": [(n.recipient_id, n.kind, n.message, n.object_id, n.url, n.actor_id)
                          for n in Notification.objects.filter(object_type=kind, object_id__in=ids)
                          .order_by("created_at", "id")],
    }
