"""Test helpers of the pool (also used by tests/concurrency): a pool of East, customers in it."""

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
