"""Nearby: pool customers and my customers ordered by distance from a location (API ?lat=&lng=, web pages)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from openfunnel.customers.models import Customer
from openfunnel.pool.testing import pool_customer

HERE = {"lat": "31.2304", "lng": "121.4737"}  # People's Square, Shanghai


def _at(customer, lat, lng):
    Customer.objects.filter(pk=customer.pk).update(lat=Decimal(lat), lng=Decimal(lng))
    return customer


@pytest.fixture
def spread(pool):
    """Pool customers at increasing distances from HERE, and one without coordinates."""
    return {
        "far": _at(pool_customer(pool, "Suzhou Co"), "31.2990", "120.5853"),
        "nowhere": pool_customer(pool, "Unknown Place Co"),
        "near": _at(pool_customer(pool, "Bund Co"), "31.2400", "121.4900"),
        "mid": _at(pool_customer(pool, "Pudong Airport Co"), "31.1443", "121.8083"),
    }


def test_api_pool_customers_nearest_first(personas, api_as, pool, spread):
    api = api_as(personas.alice)
    plain = api.get(f"/api/v1/pools/{pool.pk}/customers/").json()
    assert plain["count"] == 4 and {r["distance_m"] for r in plain["results"]} == {None}
    assert "owner" not in plain["results"][0] and "notes" not in plain["results"][0]  # basic fields only
    nearby = api.get(f"/api/v1/pools/{pool.pk}/customers/", HERE).json()["results"]
    assert [r["name"] for r in nearby] == ["Bund Co", "Pudong Airport Co", "Suzhou Co", "Unknown Place Co"]
    assert 1_500 < nearby[0]["distance_m"] < 2_500 and 80_000 < nearby[2]["distance_m"] < 90_000
    assert nearby[3]["distance_m"] is None
    found = api.get(f"/api/v1/pools/{pool.pk}/customers/", {**HERE, "search": "suzhou"}).json()["results"]
    assert [r["name"] for r in found] == ["Suzhou Co"]
    assert api_as(personas.carol).get(f"/api/v1/pools/{pool.pk}/customers/", HERE).status_code == 404


@pytest.mark.parametrize("params, fields", [
    ({"lat": "31.2"}, {"lng"}),
    ({"lat": "north", "lng": "121"}, {"lat"}),
    ({"lat": "95", "lng": "-200"}, {"lat", "lng"}),
    ({"lat": "NaN", "lng": "121"}, {"lat"}),
])
def test_bad_locations_are_400_field_errors(personas, api_as, pool, spread, params, fields):
    api = api_as(personas.alice)
    for url in (f"/api/v1/pools/{pool.pk}/customers/", "/api/v1/customers/"):
        response = api.get(url, params)
        assert response.status_code == 400, response.json()
        assert set(response.json()["error"]["fields"]) == fields


def test_api_my_customers_nearest_first(personas, api_as, pool, spread):
    mine = [_at(Customer.objects.create(name=name, name_key=name.lower(), owner=personas.alice), lat, lng)
            for name, lat, lng in (("Hangzhou Own Co", "30.2741", "120.1551"), ("Jingan Own Co", "31.2290", "121.4480"))]
    Customer.objects.create(name="Own Nowhere Co", name_key="own nowhere co", owner=personas.alice)
    Customer.objects.create(name="Bob Near Co", name_key="bob near co", owner=personas.bob, lat=Decimal("31.2304"),
                            lng=Decimal("121.4737"))
    api = api_as(personas.alice)
    rows = api.get("/api/v1/customers/", {"owner": "me", **HERE}).json()["results"]
    assert [r["name"] for r in rows] == ["Jingan Own Co", "Hangzhou Own Co", "Own Nowhere Co"]
    assert rows[0]["distance_m"] < 3_000 and rows[2]["distance_m"] is None
    assert {r["owner"] for r in rows} == {personas.alice.pk} and mine[0].pk in {r["id"] for r in rows}
    # An explicit ordering wins; the distance is still given.
    named = api.get("/api/v1/customers/", {"owner": "me", "ordering": "name", **HERE}).json()["results"]
    assert [r["name"] for r in named] == ["Hangzhou Own Co", "Jingan Own Co", "Own Nowhere Co"]
    assert named[0]["distance_m"] > 100_000
    assert {r["distance_m"] for r in api.get("/api/v1/customers/", {"owner": "me"}).json()["results"]} == {None}


def test_pool_page_nearby(personas, web_as, pool, spread):
    browser = web_as(personas.alice)
    plain = browser.get(f"/pool/{pool.pk}/").content.decode()
    assert "data-nearby" in plain and 'data-testid="distance"' not in plain
    page = browser.get(f"/pool/{pool.pk}/", HERE).content.decode()
    order = [page.index(name) for name in ("Bund Co", "Pudong Airport Co", "Suzhou Co", "Unknown Place Co")]
    assert order == sorted(order)
    assert page.count('data-testid="distance"') == 4 and "km" in page
    bad = browser.get(f"/pool/{pool.pk}/", {"lat": "999", "lng": "x"})
    assert bad.status_code == 200 and 'data-testid="distance"' not in bad.content.decode()
    assert "alert-error" in bad.content.decode()


def test_my_customers_page_nearby(personas, web_as):
    for name, lat, lng in (("Far Own Co", "39.9042", "116.4074"), ("Near Own Co", "31.2290", "121.4480")):
        _at(Customer.objects.create(name=name, name_key=name.lower(), owner=personas.alice), lat, lng)
    browser = web_as(personas.alice)
    plain = browser.get("/customers/?owner=me").content.decode()
    assert "data-nearby" in plain and "?owner=me" in plain
    page = browser.get("/customers/", {"owner": "me", **HERE}).content.decode()
    assert page.index("Near Own Co") < page.index("Far Own Co")
    assert "Distance" in page and "km" in page

