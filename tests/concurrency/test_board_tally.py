"""The kanban tally under parallel writers: reps creating and moving deals, a customer changing hands and the
compaction job running at the same moment leave every total equal to the opportunities (no lost update, no
deadlock on a counter row: the tally is only ever inserted into)."""

from __future__ import annotations

from decimal import Decimal

from rest_framework.test import APIClient

from openfunnel.core.testing import make_personas
from openfunnel.customers.services import customer_create
from openfunnel.sales import board_tally
from openfunnel.sales.models import Opportunity, Pipeline
from openfunnel.sales.services import ensure_default_pipelines, opportunity_create
from openfunnel.sales.testing import expected_tally, tally_by_key


def _client(user):
    client = APIClient()
    client.force_login(user)
    return client


def test_parallel_deals_moves_a_transfer_and_the_compaction_keep_the_tally_exact(parallel):
    personas = make_personas()
    ensure_default_pipelines()
    pipeline = Pipeline.objects.get(name="标准销售流程")
    stages = list(pipeline.stages.filter(kind="open").order_by("order"))
    reps = [personas.alice, personas.bob, personas.carol]
    customers = {rep.pk: customer_create(actor=rep, name=f"并发看板客户{n}有限公司") for n, rep in enumerate(reps)}
    clients = {rep.pk: _client(rep) for rep in reps}
    moving = customer_create(actor=personas.bob, name="转手的客户有限公司")   # its deals follow it to carol
    for n in range(3):
        opportunity_create(actor=personas.bob, customer=moving, name=f"转手 {n}", pipeline=pipeline,
                           amount=Decimal("99.99"))

    def work(rep):
        def run():
            api = clients[rep.pk]
            made = []
            for n in range(6):
                response = api.post("/api/v1/opportunities/", {
                    "name": f"并发 {n}", "customer": customers[rep.pk].pk, "pipeline": pipeline.pk,
                    "amount": str(Decimal(1000 + n)) + ".25"}, format="json")
                assert response.status_code == 201, response.content
                made.append(response.json()["id"])
            for opp_id in made[:3]:
                moved = api.post(f"/api/v1/opportunities/{opp_id}/move/", {"stage": stages[1].pk}, format="json")
                assert moved.status_code == 200, moved.content
            return made
        return run

    def transfer():
        response = _client(personas.admin).post(f"/api/v1/customers/{moving.pk}/transfer/",
                                                {"owner": personas.carol.pk}, format="json")
        assert response.status_code == 200, response.content

    def compact():
        return [board_tally.compact() for _ in range(5)]

    results = parallel([work(rep) for rep in reps] + [transfer, compact, compact])
    errors = [r for r in results if isinstance(r, Exception)]
    assert not errors, errors
    assert Opportunity.objects.count() == 21
    assert Opportunity.objects.filter(customer=moving, customer_owner_id=personas.carol.pk).count() == 3
    assert tally_by_key() == expected_tally()
    board_tally.compact()
    assert tally_by_key() == expected_tally()
