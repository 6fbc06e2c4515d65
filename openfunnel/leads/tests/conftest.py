"""Fixtures of the leads tests: a lead of alice's and one of bob's, a campaign, extra reps for batches."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from openfunnel.accounts.bootstrap import ensure_builtin_roles
from openfunnel.accounts.models import User
from openfunnel.leads.services import campaign_create, lead_create


@pytest.fixture
def campaign(personas: Any) -> Any:
    return campaign_create(actor=personas.manager, name="2026 Canton Fair", channel="trade_show", cost=Decimal("5000.00"))


@pytest.fixture
def alice_lead(personas: Any, campaign: Any) -> Any:
    return lead_create(actor=personas.alice, company="上海星辰科技有限公司", name="王伟", title="采购经理",
                       phone="13800138000", email="wang@xingchen.example", source="trade_show", campaign=campaign,
                       region="上海")


@pytest.fixture
def bob_lead(personas: Any) -> Any:
    return lead_create(actor=personas.bob, company="Hangzhou Beta Pumps Co., Ltd.", name="Li Na", phone="13900139000")


@pytest.fixture
def pool_lead(personas: Any) -> Any:
    return lead_create(actor=personas.manager, company="Suzhou Pool Motors", name="Zhao", owner=None)


@pytest.fixture
def east_reps(personas: Any) -> list[Any]:
    """alice, bob and three more reps of East Team 1: five reps for a trade-fair batch."""
    rep = ensure_builtin_roles()["rep"]
    extra = [User.objects.create_user(username=f"rep{i}", password="x-secret-1", name=f"Rep {i}", role=rep,
                                      department=personas.east_team, manager=personas.manager) for i in range(3)]
    return [personas.alice, personas.bob, *extra]
