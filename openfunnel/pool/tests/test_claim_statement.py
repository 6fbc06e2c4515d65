"""The claim's UPDATE carries the pool's limits (cooldown, owned, daily) itself: an accepted claim runs the user's
lock and the UPDATE only; a refused one then reads why, and answers as when the limits were read first."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from openfunnel.core.errors import Conflict
from openfunnel.customers.models import Customer
from openfunnel.pool.models import PoolEvent
from openfunnel.pool.services import customer_claim, customer_release
from openfunnel.pool.testing import make_pool, pool_customer

NOW = timezone.make_aware(dt.datetime(2026, 3, 2, 10, 0))


def _statements(captured: CaptureQueriesContext) -> list[str]:
    return [q["sql"] for q in captured.captured_queries if q["sql"] not in ("BEGIN", "COMMIT")
            and not q["sql"].startswith(("SAVEPOINT", "RELEASE SAVEPOINT"))]


def test_an_accepted_claim_is_the_lock_and_the_update(personas, pool, in_pool):
    customer_claim(actor=personas.alice, pool=pool, customer_id=in_pool[0].pk, now=NOW)
    with CaptureQueriesContext(connection) as captured:
        customer_claim(actor=personas.alice, pool=pool, customer_id=in_pool[1].pk, now=NOW)
    statements = _statements(captured)
    # (the visibility of the fixture's pool, read first: selectors.pool_get would have known it)
    statements = statements[next(i for i, sql in enumerate(statements) if "accounts_user" in sql):]
    assert "FOR UPDATE" in statements[0] or connection.vendor != "postgresql"
    update = statements[1]
    # the three limits of the fixture's pool, in the UPDATE
    assert update.count("COUNT(*)") == 2 and "NOT EXISTS" in update
    assert not any(sql.startswith("SELECT EXISTS") for sql in statements)
    if connection.vendor == "postgresql":
        assert len(statements) == 2   # the pool log and the timeline written by the UPDATE's statement


def test_the_owned_limit_lets_the_last_one_in(personas, pool, in_pool):
    for i in range(4):   # the pool allows 5
        Customer.objects.create(name=f"Own {i}", name_key=f"own {i}", owner=personas.alice)
    assert customer_claim(actor=personas.alice, pool=pool, customer_id=in_pool[0].pk, now=NOW).owner_id
    with pytest.raises(Conflict) as error:
        customer_claim(actor=personas.alice, pool=pool, customer_id=in_pool[1].pk, now=NOW)
    assert error.value.code == "claim_limit_reached" and error.value.extra["limit"] == "max_owned"
    assert Customer.objects.get(pk=in_pool[1].pk).owner is None and PoolEvent.objects.count() == 1


@pytest.mark.parametrize("settings", [
    {}, {"cooldown_days": 7}, {"max_owned_per_user": 1}, {"daily_claim_limit": 1},
    {"max_owned_per_user": 2, "daily_claim_limit": 1, "cooldown_days": 3},
])
def test_each_pool_setting_alone_or_together(personas, settings):
    """Every shape of the UPDATE (the conditions the pool sets): a claim within them, then the first refusal
    the settings give, worded as before."""
    pool = make_pool(personas, **settings)
    customers = [pool_customer(pool, f"Shape {i}") for i in range(3)]
    first = customer_claim(actor=personas.alice, pool=pool, customer_id=customers[0].pk, now=NOW)
    assert first.owner_id == personas.alice.pk
    if settings.get("cooldown_days"):
        customer_release(actor=personas.alice, customer=first, pool=pool, reason="Later", now=NOW)
        with pytest.raises(Conflict) as error:
            customer_claim(actor=personas.alice, pool=pool, customer_id=first.pk, now=NOW + dt.timedelta(days=1))
        assert error.value.code == "cooldown"
        # another rep is not cooled down
        assert customer_claim(actor=personas.bob, pool=pool, customer_id=first.pk, now=NOW).owner_id
    second = customer_claim if not (settings.get("max_owned_per_user") == 1 or settings.get("daily_claim_limit")) \
        else None
    if second is None:
        with pytest.raises(Conflict) as error:
            customer_claim(actor=personas.alice, pool=pool, customer_id=customers[1].pk, now=NOW)
        assert error.value.code == "claim_limit_reached"
        expected = "max_owned" if settings.get("max_owned_per_user") == 1 else "daily"
        assert error.value.extra["limit"] == expected
        assert Customer.objects.get(pk=customers[1].pk).owner is None
    else:
        assert second(actor=personas.alice, pool=pool, customer_id=customers[1].pk, now=NOW).owner_id
    with pytest.raises(Conflict) as error:   # taken already: the first refusal stays already_claimed
        customer_claim(actor=personas.bob, pool=pool, customer_id=customers[0].pk, now=NOW)
    assert error.value.code == "already_claimed"
