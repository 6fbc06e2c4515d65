import pytest

from openfunnel.activities.models import Task


def test_create_list_patch_and_actions(personas, api_as, alice_customer):
    manager = api_as(personas.manager)
    created = manager.post("/api/v1/tasks/", {"title": "Call back", "assignee": personas.alice.pk,
                                              "due_at": "2026-12-01T10:00:00+08:00", "priority": "high",
                                              "customer": alice_customer.pk}, format="json")
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["assignee"] == personas.alice.pk and body["status"] == "open" and body["customer"] == alice_customer.pk
    alice = api_as(personas.alice)
    assert alice.get("/api/v1/tasks/?status=open").json()["count"] == 1
    assert alice.get(f"/api/v1/tasks/?assignee={personas.alice.pk}").json()["count"] == 1
    assert alice.get("/api/v1/tasks/?due_after=2026-12-02").json()["count"] == 0
    completed = alice.post(f"/api/v1/tasks/{body['id']}/complete/")
    assert completed.status_code == 200 and completed.json()["status"] == "done"
    assert alice.post(f"/api/v1/tasks/{body['id']}/complete/").json()["error"]["code"] == "invalid_transition"
    assert alice.post(f"/api/v1/tasks/{body['id']}/reopen/").json()["status"] == "open"
    patched = alice.patch(f"/api/v1/tasks/{body['id']}/", {"title": "Call back today"}, format="json")
    assert patched.status_code == 200 and patched.json()["title"] == "Call back today"
    assert api_as(personas.carol).get(f"/api/v1/tasks/{body['id']}/").status_code == 404
    assert api_as(personas.bob).post(f"/api/v1/tasks/{body['id']}/complete/").status_code == 404


def test_rep_cannot_assign_to_bob(personas, api_as):
    response = api_as(personas.alice).post("/api/v1/tasks/", {"title": "x", "assignee": personas.bob.pk},
                                           format="json")
    assert response.status_code == 400 and "assignee" in response.json()["error"]["fields"]
    assert not Task.objects.exists()


@pytest.mark.parametrize("body,field", [
    ({"title": "x", "status": "done"}, "status"),
    ({"title": ""}, "title"),
    ({"title": "x" * 201}, "title"),
    ({"title": "x", "due_at": "tomorrow"}, "due_at"),
    ({"title": "x", "assignee": "bob"}, "assignee"),
    ({"title": "x", "priority": "urgent"}, "priority"),
])
def test_bad_input(personas, api_as, body, field):
    response = api_as(personas.alice).post("/api/v1/tasks/", body, format="json")
    assert response.status_code == 400 and field in response.json()["error"]["fields"]
    assert not Task.objects.exists()


def test_finance_gets_403(personas, api_as):
    assert api_as(personas.finance).post("/api/v1/tasks/", {"title": "x"}, format="json").status_code == 403


def test_reminders_api_is_own_only(personas, api_as):
    from django.utils import timezone

    from openfunnel.activities.models import Reminder

    reminder = Reminder.objects.create(user=personas.alice, due_at=timezone.now(), message="m")
    assert api_as(personas.bob).post(f"/api/v1/reminders/{reminder.pk}/done/").status_code == 404
    alice = api_as(personas.alice)
    assert alice.get("/api/v1/reminders/?done=false").json()["count"] == 1
    assert alice.post(f"/api/v1/reminders/{reminder.pk}/done/").json()["done_at"] is not None
    assert alice.get("/api/v1/reminders/?done=false").json()["count"] == 0
