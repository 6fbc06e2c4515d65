import pytest

from openfunnel.accounts.models import Role


def test_list_and_create_and_patch(personas, api_as):
    api = api_as(personas.admin)
    listed = api.get("/api/v1/roles/", HTTP_ACCEPT_LANGUAGE="en").json()
    assert {r["code"] for r in listed["results"]} >= {"admin", "director", "manager", "rep", "finance"}
    rep = next(r for r in listed["results"] if r["code"] == "rep")
    assert rep["is_builtin"] and rep["data_scope"] == "self" and "leads.create" in rep["permissions"]
    created = api.post("/api/v1/roles/", {"code": "presales", "name": "Presales", "data_scope": "department_tree",
                                          "permissions": ["customers.share"]}, format="json")
    assert created.status_code == 201, created.content
    patched = api.patch(f"/api/v1/roles/{created.json()['id']}/", {"permissions": ["customers.share", "audit.view"]},
                        format="json")
    assert patched.status_code == 200 and patched.json()["permissions"] == ["audit.view", "customers.share"]
    assert api.delete(f"/api/v1/roles/{created.json()['id']}/").status_code == 204


def test_every_signed_in_user_reads_roles_but_only_org_manage_writes(personas, api_as):
    api = api_as(personas.alice)
    assert api.get("/api/v1/roles/").status_code == 200
    rep = Role.objects.get(code="rep")
    response = api.patch(f"/api/v1/roles/{rep.pk}/", {"permissions": ["org.manage"]}, format="json")
    assert response.status_code == 403
    rep.refresh_from_db()
    assert "org.manage" not in rep.permissions


def test_builtin_code_immutable_and_not_deletable(personas, api_as):
    api = api_as(personas.admin)
    rep = Role.objects.get(code="rep")
    response = api.patch(f"/api/v1/roles/{rep.pk}/", {"code": "seller"}, format="json")
    assert response.status_code == 400 and "code" in response.json()["error"]["fields"]
    response = api.delete(f"/api/v1/roles/{rep.pk}/")
    assert response.status_code == 409 and response.json()["error"]["code"] == "builtin"


def test_custom_role_in_use_is_409(personas, api_as):
    api = api_as(personas.admin)
    role = api.post("/api/v1/roles/", {"code": "temp", "name": "Temp"}, format="json").json()
    api.patch(f"/api/v1/users/{personas.carol.pk}/", {"role": "temp"}, format="json")
    response = api.delete(f"/api/v1/roles/{role['id']}/")
    assert response.status_code == 409 and response.json()["error"]["code"] == "in_use"


@pytest.mark.parametrize("body,field", [
    ({"code": "x", "name": "X", "permissions": ["leads.create", "bogus.perm"]}, "permissions"),
    ({"code": "x", "name": "X", "permissions": "leads.create"}, "permissions"),
    ({"code": "x", "name": "X", "data_scope": "everything"}, "data_scope"),
    ({"code": "x", "name": "X", "colour": "red"}, "colour"),
    ({"code": "x" * 51, "name": "X"}, "code"),
    ({"name": "X"}, "code"),
])
def test_bad_input(personas, api_as, body, field):
    before = Role.objects.count()
    response = api_as(personas.admin).post("/api/v1/roles/", body, format="json")
    assert response.status_code == 400 and field in response.json()["error"]["fields"]
    assert Role.objects.count() == before
