import pytest
from django.test import Client
from rest_framework.test import APIClient

from openfunnel.accounts.models import User
from openfunnel.accounts.services import apitoken_create
from openfunnel.audit.models import Event


def test_admin_creates_and_patches_a_user(personas, api_as):
    api = api_as(personas.admin)
    created = api.post("/api/v1/users/", {
        "username": "dave", "password": "dave-pass-1", "name": "Dave", "email": "dave@example.com",
        "phone": "13800000000", "department": personas.north.pk, "role": "rep", "manager": personas.director.pk,
    }, format="json")
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["role"] == "rep" and body["department"] == personas.north.pk and "password" not in body
    patched = api.patch(f"/api/v1/users/{body['id']}/", {"role": "manager", "department": personas.east.pk},
                        format="json")
    assert patched.status_code == 200 and patched.json()["role"] == "manager"
    assert Event.objects.filter(verb="user.updated", object_id=body["id"]).exists()


def test_every_user_lists_the_directory_with_filters(personas, api_as):
    api = api_as(personas.alice)
    listed = api.get(f"/api/v1/users/?department={personas.east_team.pk}").json()
    assert {u["username"] for u in listed["results"]} == {"alice", "bob"}
    assert "password" not in listed["results"][0]
    assert api.get("/api/v1/users/?role=finance").json()["results"][0]["username"] == "fiona"
    assert api.get("/api/v1/users/?is_active=false").json()["count"] == 0
    assert api.get("/api/v1/users/?search=carol").json()["count"] == 1
    bad = api.get("/api/v1/users/?department=abc")
    assert bad.status_code == 400 and bad.json()["error"]["code"] == "validation_error"


def test_rep_cannot_manage_users(personas, api_as):
    api = api_as(personas.alice)
    assert api.post("/api/v1/users/", {"username": "x", "password": "long-enough"}, format="json").status_code == 403
    response = api.patch(f"/api/v1/users/{personas.bob.pk}/", {"role": "admin"}, format="json")
    assert response.status_code == 403 and response.json()["error"]["code"] == "permission_denied"
    assert api.post(f"/api/v1/users/{personas.bob.pk}/deactivate/").status_code == 403
    personas.bob.refresh_from_db()
    assert personas.bob.is_active and personas.bob.role.code == "rep"


@pytest.mark.parametrize("body,field", [
    ({"username": "x", "password": "12345"}, "password"),
    ({"username": "x"}, "password"),
    ({"username": "x", "password": "long-enough", "role": "emperor"}, "role"),
    ({"username": "x", "password": "long-enough", "role": 3}, "role"),
    ({"username": "x", "password": "long-enough", "department": "abc"}, "department"),
    ({"username": "x", "password": "long-enough", "department": 0}, "department"),
    ({"username": "x", "password": "long-enough", "manager": 99999999999999999999999}, "manager"),
    ({"username": "x", "password": "long-enough", "manager": 999999}, "manager"),
    ({"username": "x", "password": "long-enough", "is_active": "maybe"}, "is_active"),
    ({"username": "x", "password": "long-enough", "email": "nope"}, "email"),
    ({"username": "x", "password": "long-enough", "is_superuser": True}, "is_superuser"),
    ({"username": "x" * 151, "password": "long-enough"}, "username"),
    ({"username": "alice", "password": "long-enough"}, "username"),
])
def test_bad_input_changes_nothing(personas, api_as, body, field):
    before = User.objects.count()
    response = api_as(personas.admin).post("/api/v1/users/", body, format="json")
    assert response.status_code == 400, response.content
    assert response.json()["error"]["code"] == "validation_error" and field in response.json()["error"]["fields"]
    assert User.objects.count() == before


def test_manager_loop_is_a_validation_error(personas, api_as):
    response = api_as(personas.admin).patch(f"/api/v1/users/{personas.director.pk}/",
                                            {"manager": personas.alice.pk}, format="json")
    assert response.status_code == 400 and "manager" in response.json()["error"]["fields"]


def test_malformed_json_and_invalid_ids(personas, api_as):
    api = api_as(personas.admin)
    assert api.post("/api/v1/users/", data="{oops", content_type="application/json").status_code == 400
    assert api.patch(f"/api/v1/users/{personas.bob.pk}/", data="3", content_type="application/json").status_code == 400
    for bad in ("abc", "0", "-1", "999999", "99999999999999999999999"):
        assert api.get(f"/api/v1/users/{bad}/").status_code == 404
        assert api.post(f"/api/v1/users/{bad}/deactivate/").status_code == 404
    assert api.delete(f"/api/v1/users/{personas.bob.pk}/").status_code == 405


def test_deactivation_ends_an_existing_session_and_token_at_once(personas, api_as):
    # alice signed in before the deactivation: a browser session and an API token.
    browser = Client(HTTP_ACCEPT_LANGUAGE="en")
    assert browser.post("/accounts/login/", {"username": "alice", "password": "secret-pass-1"}).status_code == 302
    assert browser.get("/accounts/profile/").status_code == 200
    _token, key = apitoken_create(actor=personas.alice, name="script")
    script = APIClient()
    script.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    assert script.get("/api/v1/users/").status_code == 200

    response = api_as(personas.admin).post(f"/api/v1/users/{personas.alice.pk}/deactivate/")
    assert response.status_code == 200 and response.json()["is_active"] is False

    assert browser.get("/accounts/profile/").status_code == 302  # back to the login page
    refused = script.get("/api/v1/users/")
    assert refused.status_code == 401 and refused.json()["error"]["code"] == "not_authenticated"
    assert Client().post("/accounts/login/", {"username": "alice", "password": "secret-pass-1"}).status_code == 400

    assert api_as(personas.admin).post(f"/api/v1/users/{personas.alice.pk}/reactivate/").json()["is_active"] is True
    assert browser.get("/accounts/profile/").status_code == 302  # the old session stays ended


def test_session_stops_working_even_without_the_session_mapping(personas, api_as):
    browser = api_as(personas.bob)
    from openfunnel.accounts.models import UserSession

    UserSession.objects.all().delete()  # e.g. a session created before the mapping existed
    User.objects.filter(pk=personas.bob.pk).update(is_active=False)
    assert browser.get("/api/v1/users/").status_code in (401, 403)


def test_cannot_deactivate_yourself(personas, api_as):
    response = api_as(personas.admin).post(f"/api/v1/users/{personas.admin.pk}/deactivate/")
    assert response.status_code == 400 and "is_active" in response.json()["error"]["fields"]
