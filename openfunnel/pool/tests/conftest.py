"""Fixtures of the pool tests: the East pool (Sales East and its team are members) with customers in it."""

from __future__ import annotations

from typing import Any

import pytest

from openfunnel.pool.testing import make_pool, pool_customer


@pytest.fixture
def pool(personas: Any) -> Any:
    return make_pool(personas, max_owned_per_user=5, daily_claim_limit=3, cooldown_days=7)


@pytest.fixture
def in_pool(pool: Any) -> list[Any]:
    return [pool_customer(pool, f"Pool Customer {i}") for i in range(6)]
