"""Claiming leads from a lead pool (every unowned, open lead lies in it)."""

from __future__ import annotations

import pytest

from openfunnel.audit.models import Event
from openfunnel.core.errors import Conflict, NotFound, ValidationFailed
from openfunnel.leads.models import Lead
from openfunnel.leads.services import lead_create
from openfunnel.pool.models import PoolEvent
from openfunnel.pool.services import lead_claim
from openfunnel.pool.testing import make_pool


@pytest.fixture
def lead_pool(personas):
    return make_pool(personas, name="Lead pool", kind="lead", daily_claim_limit=2, max_owned_per_user=10)


@pytest.fixture
def pool_leads(personas):
    return [lead_create(actor=personas.manager, company=f"Lead Co {i}", owner=None) for i in range(4)]


def test_member_claims_a_lead(personas, lead_pool, pool_leads):
    lead = lead_claim(actor=personas.alice, pool=lead_pool, lead_id=pool_leads[0].pk)
    assert lead.owner == personas.alice and lead.assigned_at is not None
    assert PoolEvent.objects.get(kind="claim").lead_id == lead.pk
    assert Event.objects.get(verb="pool.lead_claimed").lead_id == lead.pk
    with pytest.raises(Conflict) as error:
        lead_claim(actor=personas.bob, pool=lead_pool, lead_id=pool_leads[0].pk)
    assert error.value.code == "already_claimed"


def test_lead_claim_refusals(personas, lead_pool, pool_leads, pool):
    with pytest.raises(NotFound):
        lead_claim(actor=personas.carol, pool=lead_pool, lead_id=pool_leads[0].pk)
    with pytest.raises(ValidationFailed):
        lead_claim(actor=personas.alice, pool=pool, lead_id=pool_leads[0].pk)
    owned = lead_create(actor=personas.bob, company="Bob's Own Co")
    with pytest.raises(NotFound):  # never was in the pool: not revealed
        lead_claim(actor=personas.alice, pool=lead_pool, lead_id=owned.pk)
    lead_claim(actor=personas.alice, pool=lead_pool, lead_id=pool_leads[0].pk)
    lead_claim(actor=personas.alice, pool=lead_pool, lead_id=pool_leads[1].pk)
    with pytest.raises(Conflict) as error:
        lead_claim(actor=personas.alice, pool=lead_pool, lead_id=pool_leads[2].pk)
    assert error.value.code == "claim_limit_reached"
    assert Lead.objects.get(pk=pool_leads[2].pk).owner is None


def test_lead_claim_through_api_and_page(personas, api_as, web_as, lead_pool, pool_leads):
    url = f"/api/v1/pools/{lead_pool.pk}/claim/"
    response = api_as(personas.alice).post(url, {"lead": pool_leads[0].pk}, format="json")
    assert response.status_code == 200 and response.json()["owner"] == personas.alice.pk
    assert api_as(personas.alice).post(url, {"lead": pool_leads[1].pk, "customer": 1},
                                       format="json").status_code == 400
    page = web_as(personas.bob).get(f"/pool/{lead_pool.pk}/")
    assert page.status_code == 200 and "Lead Co 1" in page.content.decode() and "Lead Co 0" not in page.content.decode()
    claimed = web_as(personas.bob).post(f"/pool/{lead_pool.pk}/claim/", {"lead": pool_leads[1].pk})
    assert claimed.status_code == 302 and Lead.objects.get(pk=pool_leads[1].pk).owner == personas.bob
