import pytest

from openfunnel.leads.models import Campaign


def test_create_list_and_patch(personas, api_as):
    api = api_as(personas.manager)
    created = api.post("/api/v1/campaigns/", {"name": "Spring fair", "channel": "trade_show", "cost": "1200.5"},
                       format="json")
    assert created.status_code == 201, created.content
    assert created.json()["cost"] == "1200.50"
    listed = api.get("/api/v1/campaigns/?channel=trade_show").json()
    assert listed["count"] == 1 and listed["results"][0]["name"] == "Spring fair" and listed["next"] is None
    patched = api.patch(f"/api/v1/campaigns/{created.json()['id']}/", {"name": "Autumn fair"}, format="json")
    assert patched.status_code == 200 and patched.json()["name"] == "Autumn fair"


@pytest.mark.parametrize("body,field", [
    ({"name": "x", "color": "red"}, "color"),                  # unknown field
    ({"name": "x" * 201}, "name"),                              # over-long
    ({"name": "x", "cost": "abc"}, "cost"),                     # wrong type
    ({"name": "x", "cost": "-1"}, "cost"),                      # negative money
    ({"name": "x", "start_date": "2026-13-01"}, "start_date"),  # not a date
    ({}, "name"),                                               # missing
])
def test_bad_input_is_a_field_error_and_changes_nothing(personas, api_as, body, field):
    response = api_as(personas.admin).post("/api/v1/campaigns/", body, format="json")
    assert response.status_code == 400
    assert response.json()["error"]["code"] == "validation_error"
    assert field in response.json()["error"]["fields"]
    assert not Campaign.objects.exists()


def test_malformed_json_and_non_object_bodies(personas, api_as):
    api = api_as(personas.admin)
    broken = api.post("/api/v1/campaigns/", data="{not json", content_type="application/json")
    assert broken.status_code == 400 and broken.json()["error"]["code"] == "validation_error"
    listed = api.post("/api/v1/campaigns/", data="[1, 2]", content_type="application/json")
    assert listed.status_code == 400


def test_rep_gets_403_and_unknown_ids_404(personas, api_as):
    api = api_as(personas.alice)
    assert api.post("/api/v1/campaigns/", {"name": "x"}, format="json").json()["error"]["code"] == "permission_denied"
    for bad in ("999999", "abc", "0", "99999999999999999999999"):
        response = api.get(f"/api/v1/campaigns/{bad}/")
        assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"


def test_anonymous_gets_401(db, client):
    response = client.get("/api/v1/campaigns/")
    assert response.status_code == 401 and response.json()["error"]["code"] == "not_authenticated"
