"""Fixtures of the sales tests: the demo pipelines, a customer per rep, a product."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest

from openfunnel.catalog.models import Product
from openfunnel.core.testing import Personas
from openfunnel.customers.services import contact_create, customer_create
from openfunnel.sales.models import LostReason, Pipeline, Stage
from openfunnel.sales.services import ensure_default_pipelines, opportunity_create


@dataclass
class World:
    p: Personas
    pipeline: Pipeline
    renewal: Pipeline
    stages: dict[str, Stage]
    reasons: dict[str, LostReason]
    alice_customer: Any
    bob_customer: Any
    carol_customer: Any
    product: Product

    def stage(self, name: str) -> Stage:
        return self.stages[name]

    def opp(self, actor: Any = None, customer: Any = None, **kwargs: Any) -> Any:
        actor = actor or self.p.alice
        customer = customer or self.alice_customer
        kwargs.setdefault("name", "10 台注塑机")
        return opportunity_create(actor=actor, customer=customer, pipeline=kwargs.pop("pipeline", self.pipeline),
                                  **kwargs)


@pytest.fixture
def world(personas: Personas) -> World:
    ensure_default_pipelines()
    pipeline = Pipeline.objects.get(name="标准销售流程")
    renewal = Pipeline.objects.get(name="续约/复购流程")
    stages = {s.name: s for s in pipeline.stages.all()}
    reasons = {r.name: r for r in LostReason.objects.all()}
    alice_customer = customer_create(actor=personas.alice, name="宁波海天塑机有限公司")
    contact_create(actor=personas.alice, customer=alice_customer, name="王总", decision_role="decision_maker")
    bob_customer = customer_create(actor=personas.bob, name="苏州精密模具有限公司")
    carol_customer = customer_create(actor=personas.carol, name="天津北方重工有限公司")
    product = Product.objects.create(code="IMM-280", name="注塑机 280T", unit="台", price=Decimal("280000.00"))
    return World(p=personas, pipeline=pipeline, renewal=renewal, stages=stages, reasons=reasons,
                 alice_customer=alice_customer, bob_customer=bob_customer, carol_customer=carol_customer,
                 product=product)


def aware(year: int, month: int, day: int, hour: int = 9) -> dt.datetime:
    from django.utils import timezone

    return timezone.make_aware(dt.datetime(year, month, day, hour))
