import datetime as dt

import pytest
from django.utils import timezone

from openfunnel.accounts.services import department_update, role_create, user_update
from openfunnel.audit.models import Event


@pytest.fixture
def history(personas):
    user_update(actor=personas.admin, user=personas.bob, data={"name": "Bob B.", "department": personas.north.pk})
    department_update(actor=personas.admin, department=personas.north, data={"name": "Sales North-West"})
    role_create(actor=personas.admin, code="presales", name="Presales", permissions=["customers.share"])
    return personas


def test_admin_and_director_read_the_log_with_filters(history, api_as):
    for actor in (history.admin, history.director):
        api = api_as(actor)
        listed = api.get("/api/v1/audit-events/", HTTP_ACCEPT_LANGUAGE="en").json()
        assert listed["count"] == 3
        newest = listed["results"][0]
        assert newest["verb"] == "role.created" and newest["verb_label"] == "created the role"
        assert newest["actor"] == history.admin.pk and newest["actor_name"] == "Root Admin"
    api = api_as(history.admin)
    bob = api.get(f"/api/v1/audit-events/?object_type=user&object_id={history.bob.pk}").json()["results"]
    assert len(bob) == 1 and bob[0]["changes"]["name"] == ["Bob Rep", "Bob B."]
    assert api.get("/api/v1/audit-events/?verb=department.updated").json()["count"] == 1
    assert api.get(f"/api/v1/audit-events/?actor={history.admin.pk}").json()["count"] == 3
    assert api.get(f"/api/v1/audit-events/?actor={history.alice.pk}").json()["count"] == 0
    today = timezone.localdate()
    assert api.get(f"/api/v1/audit-events/?date_from={today}&date_to={today}").json()["count"] == 3
    tomorrow = today + dt.timedelta(days=1)
    assert api.get(f"/api/v1/audit-events/?date_from={tomorrow}").json()["count"] == 0
    one = Event.objects.filter(verb="role.created").get()
    assert api.get(f"/api/v1/audit-events/{one.pk}/").json()["data"]["code"] == "presales"


def test_without_audit_view_it_is_403(history, api_as):
    for actor in (history.alice, history.manager, history.finance):
        response = api_as(actor).get("/api/v1/audit-events/")
        assert response.status_code == 403 and response.json()["error"]["code"] == "permission_denied"
        assert api_as(actor).get(f"/api/v1/audit-events/{Event.objects.first().pk}/").status_code == 403


@pytest.mark.parametrize("query", ["actor=abc", "actor=999999", "date_from=2026-13-01", "verb=no.such.verb",
                                   "object_id=abc", "object_id=99999999999999999999999", "object_id=0",
                                   "object_type=" + "x" * 40])
def test_bad_filters_are_400(history, api_as, query):
    response = api_as(history.admin).get(f"/api/v1/audit-events/?{query}")
    assert response.status_code == 400 and response.json()["error"]["code"] == "validation_error"


def test_read_only_and_bad_ids(history, api_as):
    api = api_as(history.admin)
    assert api.post("/api/v1/audit-events/", {"verb": "x"}, format="json").status_code == 405
    event = Event.objects.first()
    assert api.delete(f"/api/v1/audit-events/{event.pk}/").status_code == 405
    for bad in ("abc", "0", "999999", "99999999999999999999999"):
        assert api.get(f"/api/v1/audit-events/{bad}/").status_code == 404


def test_a_narrower_scope_sees_what_its_users_did(history, api_as):
    from openfunnel.accounts.services import role_update

    manager_role = history.manager.role
    role_update(actor=history.admin, role=manager_role, data={"permissions": [*manager_role.permissions, "audit.view"]})
    user_update(actor=history.admin, user=history.alice, data={"role": "manager"})  # alice is now in mike's scope
    from openfunnel.accounts.services import apitoken_create

    apitoken_create(actor=history.alice, name="alice's")
    apitoken_create(actor=history.carol, name="carol's")
    seen = api_as(history.manager).get("/api/v1/audit-events/").json()["results"]
    assert [e["actor"] for e in seen] == [history.alice.pk]
