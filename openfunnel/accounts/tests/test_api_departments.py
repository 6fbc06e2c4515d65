import pytest

from openfunnel.accounts.models import Department


def test_everyone_lists_departments_but_only_org_manage_writes(personas, api_as):
    listed = api_as(personas.alice).get("/api/v1/departments/").json()
    assert listed["count"] == 5
    east = next(d for d in listed["results"] if d["name"] == "Sales East")
    assert east["parent"] == personas.hq.pk and east["parent_name"] == "HQ" and east["child_count"] == 1
    denied = api_as(personas.alice).post("/api/v1/departments/", {"name": "X"}, format="json")
    assert denied.status_code == 403 and denied.json()["error"]["code"] == "permission_denied"
    denied = api_as(personas.manager).delete(f"/api/v1/departments/{personas.north.pk}/")
    assert denied.status_code == 403


def test_admin_creates_patches_and_deletes(personas, api_as):
    api = api_as(personas.admin)
    created = api.post("/api/v1/departments/", {"name": "Sales South", "parent": personas.hq.pk}, format="json")
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    patched = api.patch(f"/api/v1/departments/{pk}/", {"name": "Sales South-East", "parent": personas.east.pk},
                        format="json")
    assert patched.status_code == 200 and patched.json()["parent"] == personas.east.pk
    assert api.get(f"/api/v1/departments/?parent={personas.east.pk}").json()["count"] == 2
    assert api.delete(f"/api/v1/departments/{pk}/").status_code == 204
    assert not Department.objects.filter(pk=pk).exists()


def test_delete_in_use_is_409(personas, api_as):
    response = api_as(personas.admin).delete(f"/api/v1/departments/{personas.east_team.pk}/")
    assert response.status_code == 409 and response.json()["error"]["code"] == "in_use"
    assert Department.objects.filter(pk=personas.east_team.pk).exists()


@pytest.mark.parametrize("body,field", [
    ({"name": "X", "colour": "red"}, "colour"),
    ({"name": "x" * 101}, "name"),
    ({"name": ""}, "name"),
    ({"name": 5, "parent": "abc"}, "parent"),
    ({"name": "X", "parent": 0}, "parent"),
    ({"name": "X", "parent": 99999999999999999999999}, "parent"),
    ({"name": "X", "parent": 999999}, "parent"),
    ({}, "name"),
])
def test_bad_input_changes_nothing(personas, api_as, body, field):
    before = Department.objects.count()
    response = api_as(personas.admin).post("/api/v1/departments/", body, format="json")
    assert response.status_code == 400 and response.json()["error"]["code"] == "validation_error"
    assert field in response.json()["error"]["fields"]
    assert Department.objects.count() == before


def test_moving_below_own_child_is_400(personas, api_as):
    response = api_as(personas.admin).patch(f"/api/v1/departments/{personas.east.pk}/",
                                            {"parent": personas.east_team.pk}, format="json")
    assert response.status_code == 400 and "parent" in response.json()["error"]["fields"]


def test_malformed_json_and_bad_ids(personas, api_as):
    api = api_as(personas.admin)
    broken = api.post("/api/v1/departments/", data="{nope", content_type="application/json")
    assert broken.status_code == 400 and broken.json()["error"]["code"] == "validation_error"
    assert api.post("/api/v1/departments/", data="[]", content_type="application/json").status_code == 400
    for bad in ("abc", "0", "999999", "99999999999999999999999"):
        response = api.get(f"/api/v1/departments/{bad}/")
        assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"
