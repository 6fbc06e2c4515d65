"""Two reps typing the same company at the same moment: exactly one customer or lead is created."""

from __future__ import annotations

from rest_framework.test import APIClient

from openfunnel.core.testing import make_personas
from openfunnel.customers.models import Customer


def _client(user):
    client = APIClient()
    client.force_login(user)
    return client


def test_parallel_creation_of_the_same_customer_has_one_winner(parallel):
    personas = make_personas()
    reps = [personas.alice, personas.bob, personas.carol, personas.manager, personas.director, personas.admin]
    clients = [_client(user) for user in reps for _ in range(2)]
    names = ["杭州云图科技有限公司", "杭州云图科技", "杭州云图科技股份有限公司", "ＨＡＮＧＺＨＯＵ 杭州云图科技有限公司"]

    def create(client, name):
        return lambda: client.post("/api/v1/customers/", {"name": name}, format="json")

    responses = parallel([create(c, names[i % len(names)] if i % 4 != 3 else names[0]) for i, c in enumerate(clients)])
    codes = sorted(r.status_code for r in responses)
    assert codes.count(201) == 1, codes
    assert codes.count(409) == len(clients) - 1, codes
    assert all(r.json()["error"]["code"] == "duplicate" for r in responses if r.status_code == 409)
    assert Customer.objects.count() == 1


def test_parallel_lead_and_customer_with_one_phone_have_one_winner(parallel):
    personas = make_personas()
    alice, carol = _client(personas.alice), _client(personas.carol)
    calls = []
    for i in range(5):
        calls.append(lambda i=i: alice.post("/api/v1/leads/", {"company": f"Lead Co {i}", "phone": "+86 13912345678"},
                                            format="json"))
        calls.append(lambda i=i: carol.post("/api/v1/customers/", {"name": f"Cust Co {i}", "phone": "139-1234-5678"},
                                            format="json"))
    responses = parallel(calls)
    codes = [r.status_code for r in responses]
    assert codes.count(201) == 1, codes
    assert codes.count(409) == len(calls) - 1, codes
