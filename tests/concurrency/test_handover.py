"""A handover running while others change the same records: nothing is lost, nothing is moved twice."""

from __future__ import annotations

from rest_framework.test import APIClient

from openfunnel.accounts.models import Handover
from openfunnel.accounts.testing import make_book
from openfunnel.audit.models import Event
from openfunnel.core.testing import make_personas
from openfunnel.customers.models import Customer


def _client(user):
    client = APIClient()
    client.force_login(user)
    return client


def test_parallel_handovers_of_one_user_move_each_record_once(parallel):
    personas = make_personas()
    make_book(personas.alice, admin=personas.admin)
    admin = _client(personas.admin)
    url = f"/api/v1/users/{personas.alice.pk}/handover/"
    responses = parallel([lambda: admin.post(url, {"to_user": personas.bob.pk}, format="json"),
                          lambda: admin.post(url, {"to_user": personas.carol.pk}, format="json")])
    codes = sorted(r.status_code for r in responses)
    assert codes == [200, 400], [r.content for r in responses]
    winner = next(r.json() for r in responses if r.status_code == 200)
    assert Handover.objects.count() == 1
    assert Customer.objects.filter(owner_id=winner["targets"][0]["id"]).count() == 4
    assert Event.objects.filter(verb="customer.owner_changed").count() == 4


def test_edits_and_transfers_during_a_handover_are_kept(parallel):
    personas = make_personas()
    book = make_book(personas.alice, admin=personas.admin)
    admin, manager, alice = _client(personas.admin), _client(personas.manager), _client(personas.alice)
    plain, followed = book.customers["plain"], book.customers["followed"]
    calls = [
        lambda: admin.post(f"/api/v1/users/{personas.alice.pk}/handover/", {"to_user": personas.carol.pk},
                           format="json"),
        lambda: manager.post(f"/api/v1/customers/{plain.pk}/transfer/", {"owner": personas.bob.pk}, format="json"),
        lambda: alice.patch(f"/api/v1/customers/{followed.pk}/", {"region": "浙江杭州"}, format="json"),
    ]
    handover, transfer, edit = parallel(calls)
    assert handover.status_code == 200, handover.content
    plain.refresh_from_db()
    followed.refresh_from_db()
    # Whichever came first, the customer ends with one owner, and the handover reported what it really moved.
    moved = handover.json()["counts"]["customers"]
    if transfer.status_code == 200:
        assert plain.owner in (personas.bob, personas.carol)
        assert moved == (3 if plain.owner == personas.bob else 4)
    else:
        assert plain.owner == personas.carol and moved == 4
    assert Customer.objects.filter(owner=personas.alice, deleted_at__isnull=True).count() == 0
    # The region typed at the same moment is kept, whether the edit ran before or after the handover.
    if edit.status_code == 200:
        assert followed.region == "浙江杭州"
    assert followed.owner == personas.carol
    assert Event.objects.filter(verb="customer.owner_changed", customer_id=plain.pk).count() in (1, 2)
