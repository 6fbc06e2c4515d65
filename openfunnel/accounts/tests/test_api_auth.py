import pytest
from rest_framework.test import APIClient

from openfunnel.accounts.models import ApiToken
from openfunnel.core.testing import PASSWORD


def test_token_endpoint_gives_a_key_that_works_once_shown(personas):
    anonymous = APIClient()
    response = anonymous.post("/api/v1/auth/token/", {"username": "alice", "password": PASSWORD, "name": "phone"},
                              format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["token"] and body["id"] and body["prefix"] == body["token"][:8] and body["name"] == "phone"
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {body['token']}")
    tokens = client.get("/api/v1/auth/tokens/").json()
    assert tokens["count"] == 1 and "token" not in tokens["results"][0] and tokens["results"][0]["prefix"]
    assert tokens["results"][0]["last_used_at"] is not None


def test_wrong_credentials_are_401(personas):
    response = APIClient().post("/api/v1/auth/token/", {"username": "alice", "password": "nope"}, format="json")
    assert response.status_code == 401 and response.json()["error"]["code"] == "not_authenticated"
    assert not ApiToken.objects.exists()


@pytest.mark.parametrize("body", [{}, {"username": "alice"}, {"username": "alice", "password": PASSWORD, "x": 1},
                                  {"username": ["alice"], "password": PASSWORD}])
def test_bad_token_requests_are_400(personas, body):
    response = APIClient().post("/api/v1/auth/token/", body, format="json")
    assert response.status_code == 400 and response.json()["error"]["code"] == "validation_error"
    broken = APIClient().post("/api/v1/auth/token/", data="{x", content_type="application/json")
    assert broken.status_code == 400


def test_token_endpoint_is_throttled(personas, settings):
    settings.LOGIN_FAILURE_LIMIT = 3
    client = APIClient()
    for _ in range(3):
        assert client.post("/api/v1/auth/token/", {"username": "bob", "password": "bad"}, format="json").status_code == 401
    response = client.post("/api/v1/auth/token/", {"username": "bob", "password": PASSWORD}, format="json")
    assert response.status_code == 429 and response.json()["error"]["code"] == "throttled"
    assert response.json()["error"]["retry_after"] > 0
    assert int(response["Retry-After"]) == response.json()["error"]["retry_after"]
    assert not ApiToken.objects.exists()


def test_list_create_and_revoke_own_tokens_only(personas, api_as):
    alice, bob = api_as(personas.alice), api_as(personas.bob)
    created = alice.post("/api/v1/auth/tokens/", {"name": "ERP sync"}, format="json")
    assert created.status_code == 201 and created.json()["token"]
    pk = created.json()["id"]
    assert bob.get("/api/v1/auth/tokens/").json()["count"] == 0
    missing = bob.delete(f"/api/v1/auth/tokens/{pk}/")
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "not_found"
    assert alice.delete("/api/v1/auth/tokens/abc/").status_code == 404
    assert alice.delete(f"/api/v1/auth/tokens/{pk}/").status_code == 204
    assert not ApiToken.objects.exists()
    assert alice.post("/api/v1/auth/tokens/", {"name": "x" * 101}, format="json").status_code == 400


def test_revoked_token_stops_working(personas, api_as):
    key = APIClient().post("/api/v1/auth/token/", {"username": "carol", "password": PASSWORD},
                           format="json").json()["token"]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    pk = client.get("/api/v1/auth/tokens/").json()["results"][0]["id"]
    assert client.delete(f"/api/v1/auth/tokens/{pk}/").status_code == 204
    assert client.get("/api/v1/auth/tokens/").status_code == 401


def test_tokens_list_needs_authentication(db):
    response = APIClient().get("/api/v1/auth/tokens/")
    assert response.status_code == 401 and response.json()["error"]["code"] == "not_authenticated"
