import pytest

from openfunnel.catalog.models import Product


def test_create_list_filter_and_patch(personas, api_as):
    api = api_as(personas.admin)
    created = api.post("/api/v1/products/", {"code": "P1", "name": "Pump", "category": "Pumps", "unit": "pc",
                                             "price": "99.5"}, format="json")
    assert created.status_code == 201, created.content
    assert created.json()["price"] == "99.50" and created.json()["is_active"] is True
    api.post("/api/v1/products/", {"code": "V1", "name": "Valve", "category": "Valves"}, format="json")
    listed = api.get("/api/v1/products/?category=pumps").json()
    assert listed["count"] == 1 and listed["results"][0]["code"] == "P1"
    assert api.get("/api/v1/products/?search=valv").json()["count"] == 1
    patched = api.patch(f"/api/v1/products/{created.json()['id']}/", {"is_active": False}, format="json")
    assert patched.status_code == 200 and patched.json()["is_active"] is False
    assert api.get("/api/v1/products/?is_active=true").json()["count"] == 1


@pytest.mark.parametrize("body,field", [
    ({"code": "X", "name": "x", "colour": "red"}, "colour"),
    ({"code": "X" * 51, "name": "x"}, "code"),
    ({"code": "X", "name": "x", "price": "abc"}, "price"),
    ({"code": "X", "name": "x", "price": "-3"}, "price"),
    ({"name": "x"}, "code"),
])
def test_bad_input_is_400_and_changes_nothing(personas, api_as, body, field):
    response = api_as(personas.admin).post("/api/v1/products/", body, format="json")
    assert response.status_code == 400
    assert field in response.json()["error"]["fields"]
    assert not Product.objects.exists()


def test_duplicate_code_is_a_field_error(personas, api_as):
    api = api_as(personas.admin)
    api.post("/api/v1/products/", {"code": "P1", "name": "Pump"}, format="json")
    response = api.post("/api/v1/products/", {"code": "p1", "name": "Pump 2"}, format="json")
    assert response.status_code == 400 and "code" in response.json()["error"]["fields"]


def test_rep_reads_but_cannot_write(personas, api_as):
    Product.objects.create(code="P1", name="Pump")
    api = api_as(personas.alice)
    assert api.get("/api/v1/products/").json()["count"] == 1
    response = api.post("/api/v1/products/", {"code": "P2", "name": "x"}, format="json")
    assert response.status_code == 403 and response.json()["error"]["code"] == "permission_denied"
    for bad in ("abc", "0", "999999", "99999999999999999999999"):
        assert api.get(f"/api/v1/products/{bad}/").status_code == 404
