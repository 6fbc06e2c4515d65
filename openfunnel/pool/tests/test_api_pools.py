"""The pool API: /pools/, /pools/<id>/claim/, /assign/, /customers/<id>/release/, /pool-events/."""

from __future__ import annotations

import pytest

from openfunnel.customers.models import Customer
from openfunnel.pool.models import Pool, PoolEvent
from openfunnel.pool.testing import make_pool, pool_customer


def test_admin_creates_and_updates_a_pool(personas, api_as):
    api = api_as(personas.admin)
    body = {"name": "South pool", "kind": "customer", "members": {"users": [personas.carol.pk],
                                                                  "departments": [personas.east.pk]},
            "claim_mode": "free", "max_owned_per_user": 50, "daily_claim_limit": 5, "reclaim_after_claim_days": 7,
            "reclaim_no_follow_up_days": 30, "reclaim_no_deal_days": 90, "warn_days_before": 3, "cooldown_days": 14}
    created = api.post("/api/v1/pools/", body, format="json")
    assert created.status_code == 201, created.json()
    data = created.json()
    assert data["members"] == {"users": [personas.carol.pk], "departments": [personas.east.pk]}
    assert data["cooldown_days"] == 14 and data["claim_mode"] == "free" and data["customer_count"] is None
    changed = api.patch(f"/api/v1/pools/{data['id']}/", {"daily_claim_limit": None, "level_rules": [
        {"level": Customer._meta.get_field("level").related_model.objects.first().pk, "reclaim_no_deal_days": 180}]},
        format="json")
    assert changed.status_code == 200, changed.json()
    assert changed.json()["daily_claim_limit"] is None and changed.json()["level_rules"][0]["reclaim_no_deal_days"] == 180
    assert api.get("/api/v1/pools/").json()["count"] == 1


@pytest.mark.parametrize("body, field", [
    ({"name": ""}, "name"),
    ({"name": "x", "bogus": 1}, "bogus"),
    ({"name": "x", "cooldown_days": -1}, "cooldown_days"),
    ({"name": "x", "cooldown_days": "abc"}, "cooldown_days"),
    ({"name": "x", "claim_mode": "grab"}, "claim_mode"),
    ({"name": "x", "reclaim_to": 99999999}, "reclaim_to"),
    ({"name": "x", "members": {"users": [99999999]}}, "member_users"),
    ({"name": "x" * 101}, "name"),
])
def test_pool_bad_input_is_400_and_creates_nothing(personas, api_as, body, field):
    response = api_as(personas.admin).post("/api/v1/pools/", body, format="json")
    assert response.status_code == 400, response.json()
    assert field in response.json()["error"]["fields"]
    assert not Pool.objects.exists()


def test_only_admins_configure_and_members_see_pools(personas, api_as):
    pool = make_pool(personas)
    assert api_as(personas.manager).post("/api/v1/pools/", {"name": "Mine"}, format="json").status_code == 403
    assert api_as(personas.alice).patch(f"/api/v1/pools/{pool.pk}/", {"name": "Mine"},
                                        format="json").status_code == 403
    assert [p["id"] for p in api_as(personas.alice).get("/api/v1/pools/").json()["results"]] == [pool.pk]
    assert api_as(personas.carol).get("/api/v1/pools/").json()["results"] == []
    assert api_as(personas.carol).get(f"/api/v1/pools/{pool.pk}/").status_code == 404
    for bad in ("abc", "0", "99999999999999999999"):
        assert api_as(personas.alice).get(f"/api/v1/pools/{bad}/").status_code == 404


def test_claim_and_its_conflicts(personas, api_as, pool, in_pool):
    url = f"/api/v1/pools/{pool.pk}/claim/"
    claimed = api_as(personas.alice).post(url, {"customer": in_pool[0].pk}, format="json")
    assert claimed.status_code == 200, claimed.json()
    assert claimed.json()["owner"] == personas.alice.pk and claimed.json()["pool"] == pool.pk
    again = api_as(personas.bob).post(url, {"customer": in_pool[0].pk}, format="json")
    assert again.status_code == 409 and again.json()["error"]["code"] == "already_claimed"
    released = api_as(personas.alice).post(f"/api/v1/customers/{in_pool[0].pk}/release/",
                                           {"pool": pool.pk, "reason": "Wrong region"}, format="json")
    assert released.status_code == 200, released.json()
    assert released.json()["owner"] is None
    cooled = api_as(personas.alice).post(url, {"customer": in_pool[0].pk}, format="json")
    assert cooled.status_code == 409 and cooled.json()["error"]["code"] == "cooldown"
    assert cooled.json()["error"]["until"]
    assert api_as(personas.carol).post(url, {"customer": in_pool[1].pk}, format="json").status_code == 404


@pytest.mark.parametrize("body", [{}, {"customer": "abc"}, {"customer": 0}, {"customer": 1, "x": 2}, [1], "null",
                                  {"lead": 1}])
def test_claim_bad_input(personas, api_as, pool, in_pool, body):
    response = api_as(personas.alice).post(f"/api/v1/pools/{pool.pk}/claim/", body, format="json")
    assert response.status_code == 400
    assert not PoolEvent.objects.exists()


def test_claim_limit_reached(personas, api_as, pool, in_pool):
    api = api_as(personas.alice)
    for customer in in_pool[:3]:
        assert api.post(f"/api/v1/pools/{pool.pk}/claim/", {"customer": customer.pk}, format="json").status_code == 200
    over = api.post(f"/api/v1/pools/{pool.pk}/claim/", {"customer": in_pool[3].pk}, format="json")
    assert over.status_code == 409 and over.json()["error"]["code"] == "claim_limit_reached"


def test_assign(personas, api_as, pool, in_pool):
    url = f"/api/v1/pools/{pool.pk}/assign/"
    ids = [c.pk for c in in_pool[:3]]
    assert api_as(personas.alice).post(url, {"customers": ids, "owner": personas.alice.pk},
                                       format="json").status_code == 403
    bad = api_as(personas.manager).post(url, {"customers": ids, "owner": personas.carol.pk}, format="json")
    assert bad.status_code == 400
    done = api_as(personas.manager).post(url, {"customers": ids, "owners": [personas.alice.pk, personas.bob.pk],
                                               "strategy": "round_robin"}, format="json")
    assert done.status_code == 200, done.json()
    assert [a["owner"] for a in done.json()["assigned"]] == [personas.alice.pk, personas.bob.pk, personas.alice.pk]
    for body in ({"customers": [], "owner": personas.bob.pk}, {"customers": ids}, {"customers": "x", "owner": 1},
                 {"customers": [in_pool[3].pk], "owner": personas.bob.pk, "owners": [personas.bob.pk]}):
        assert api_as(personas.manager).post(url, body, format="json").status_code == 400


def test_release_scope_and_bad_input(personas, api_as, pool):
    customer = Customer.objects.create(name="Alice Own", name_key="alice own", owner=personas.alice)
    url = f"/api/v1/customers/{customer.pk}/release/"
    assert api_as(personas.carol).post(url, {"reason": "x"}, format="json").status_code == 404
    assert api_as(personas.alice).post(url, {"pool": pool.pk}, format="json").status_code == 400
    assert api_as(personas.alice).post(url, {"pool": pool.pk, "reason": "x" * 301}, format="json").status_code == 400
    assert api_as(personas.alice).post(url, {"pool": 99999, "reason": "x"}, format="json").status_code == 400
    assert api_as(personas.alice).post("/api/v1/customers/abc/release/", {"reason": "x"},
                                       format="json").status_code == 404
    assert Customer.objects.get(pk=customer.pk).owner == personas.alice
    ok = api_as(personas.alice).post(url, {"pool": pool.pk, "reason": "Not a fit"}, format="json")
    assert ok.status_code == 200 and Customer.objects.get(pk=customer.pk).pool == pool


def test_pool_events_are_scoped(personas, api_as, pool, in_pool):
    api_as(personas.alice).post(f"/api/v1/pools/{pool.pk}/claim/", {"customer": in_pool[0].pk}, format="json")
    carol_pool = make_pool(personas, name="North", departments=[personas.north])
    api_as(personas.carol).post(f"/api/v1/pools/{carol_pool.pk}/claim/",
                                {"customer": pool_customer(carol_pool, "North Co").pk}, format="json")
    mine = api_as(personas.alice).get("/api/v1/pool-events/").json()
    assert [(e["kind"], e["customer"], e["user"]) for e in mine["results"]] == [("claim", in_pool[0].pk,
                                                                                  personas.alice.pk)]
    assert api_as(personas.admin).get("/api/v1/pool-events/?kind=claim").json()["count"] == 2
    assert api_as(personas.manager).get("/api/v1/pool-events/").json()["count"] == 1
    assert api_as(personas.admin).get("/api/v1/pool-events/?kind=zzz").status_code == 400


def test_schema_is_valid(personas, api_as):
    assert api_as(personas.admin).get("/api/v1/schema/").status_code == 200


def test_pool_statistics_per_rep(personas, api_as, pool, in_pool):
    from openfunnel.sales.models import Opportunity, Pipeline

    api_as(personas.alice).post(f"/api/v1/pools/{pool.pk}/claim/", {"customer": in_pool[0].pk}, format="json")
    api_as(personas.bob).post(f"/api/v1/pools/{pool.pk}/claim/", {"customer": in_pool[1].pk}, format="json")
    api_as(personas.bob).post(f"/api/v1/customers/{in_pool[1].pk}/release/", {"reason": "No need"}, format="json")
    pipeline = Pipeline.objects.order_by("pk").first()
    Opportunity.objects.create(name="Won", customer=in_pool[0], owner=personas.alice, pipeline=pipeline,
                               stage=pipeline.stages.filter(kind="won").first(), status="won")
    rows = {r["user"]: r for r in api_as(personas.manager).get("/api/v1/pool-statistics/").json()["results"]}
    assert rows[personas.alice.pk]["claims"] == 1 and rows[personas.alice.pk]["converted"] == 1
    assert rows[personas.bob.pk]["releases"] == 1 and rows[personas.bob.pk]["converted"] == 0
    assert [r["user"] for r in api_as(personas.alice).get("/api/v1/pool-statistics/").json()["results"]] == [
        personas.alice.pk]
    assert api_as(personas.carol).get("/api/v1/pool-statistics/").json()["results"] == []
    assert api_as(personas.manager).get("/api/v1/pool-statistics/?since=2999-01-01").json()["results"] == []
    assert api_as(personas.manager).get("/api/v1/pool-statistics/?since=garbage").status_code == 400
    assert api_as(personas.carol).get(f"/api/v1/pool-statistics/?pool={pool.pk}").status_code == 404


@pytest.mark.parametrize("query", ["pool=99999999999999999999", "customer=abc", "user=0", "actor=-1",
                                   "since=garbage", "until=2026-13-45"])
def test_pool_event_filters_refuse_bad_values(personas, api_as, web_as, query):
    assert api_as(personas.admin).get(f"/api/v1/pool-events/?{query}").status_code == 400
    assert web_as(personas.admin).get(f"/pool/events/?{query}").status_code == 200
