import datetime as dt

import pytest
from django.utils import timezone

from openfunnel.activities.models import Activity
from openfunnel.activities.services import activity_create
from openfunnel.audit.models import Event
from openfunnel.automation.models import Notification


def test_create_list_retrieve_patch_delete(personas, api_as, alice_customer, alice_contact):
    api = api_as(personas.alice)
    next_at = (timezone.now() + dt.timedelta(days=2)).isoformat()
    created = api.post("/api/v1/activities/", {"kind": "call", "content": "Price talk", "customer": alice_customer.pk,
                                               "contact": alice_contact.pk, "next_follow_up_at": next_at,
                                               "mentions": [personas.bob.pk]}, format="json")
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["customer"] == alice_customer.pk and body["contact"] == alice_contact.pk
    assert body["opportunity"] is None and body["mentions"] == [personas.bob.pk]
    assert body["author"] == personas.alice.pk and body["author_name"] == "Alice Rep" and body["attachments"] == []
    assert Notification.objects.get().recipient == personas.bob

    listed = api.get(f"/api/v1/activities/?customer={alice_customer.pk}&kind=call").json()
    assert listed["count"] == 1 and listed["results"][0]["id"] == body["id"]
    assert api.get("/api/v1/activities/?kind=visit").json()["count"] == 0
    assert api.get(f"/api/v1/activities/?author={personas.alice.pk}").json()["count"] == 1
    today = timezone.localdate().isoformat()
    assert api.get(f"/api/v1/activities/?occurred_after={today}&occurred_before={today}").json()["count"] == 1

    patched = api.patch(f"/api/v1/activities/{body['id']}/", {"content": "Price agreed"}, format="json")
    assert patched.status_code == 200 and patched.json()["content"] == "Price agreed"
    assert api.delete(f"/api/v1/activities/{body['id']}/").status_code == 204
    assert api.get(f"/api/v1/activities/{body['id']}/").status_code == 404
    assert Activity.objects.get().deleted_at is not None


def test_lead_follow_up_via_api(personas, api_as, alice_lead):
    response = api_as(personas.alice).post("/api/v1/activities/", {"kind": "wechat", "content": "hi",
                                                                   "lead": alice_lead.pk}, format="json")
    assert response.status_code == 201 and response.json()["lead"] == alice_lead.pk


@pytest.mark.parametrize("body,field", [
    ({"kind": "call", "content": "x", "customer": "{c}", "colour": "red"}, "colour"),       # unknown field
    ({"kind": "call", "content": "x", "customer": "abc"}, "customer"),                      # wrong type
    ({"kind": "call", "content": "x", "customer": 0}, "customer"),                         # invalid id
    ({"kind": "call", "content": "x", "customer": 10**30}, "customer"),                    # huge id
    ({"kind": "fax", "content": "x", "customer": "{c}"}, "kind"),
    ({"kind": "call", "content": "", "customer": "{c}"}, "content"),
    ({"kind": "call", "content": "x" * 5001, "customer": "{c}"}, "content"),
    ({"kind": "call", "content": "x", "customer": "{c}", "occurred_at": "2099-01-01T00:00:00+08:00"}, "occurred_at"),
    ({"kind": "call", "content": "x", "customer": "{c}", "occurred_at": "yesterday"}, "occurred_at"),
    ({"kind": "call", "content": "x", "customer": "{c}", "mentions": "bob"}, "mentions"),
    ({"kind": "call", "content": "x", "customer": "{c}", "mentions": [999999]}, "mentions"),
    ({"kind": "call", "content": "x", "customer": "{c}", "opportunity": "five"}, "opportunity"),
    ({"kind": "call", "content": "x"}, "customer"),
])
def test_bad_input_is_a_field_error_and_changes_nothing(personas, api_as, alice_customer, body, field):
    body = {k: (alice_customer.pk if v == "{c}" else v) for k, v in body.items()}
    response = api_as(personas.alice).post("/api/v1/activities/", body, format="json")
    assert response.status_code == 400, response.content
    assert response.json()["error"]["code"] == "validation_error"
    assert field in response.json()["error"]["fields"]
    assert not Activity.objects.exists()


def test_malformed_json_and_non_object(personas, api_as):
    api = api_as(personas.alice)
    assert api.post("/api/v1/activities/", data="{oops", content_type="application/json").status_code == 400
    assert api.post("/api/v1/activities/", data="[1]", content_type="application/json").status_code == 400
    assert not Activity.objects.exists()


def test_scope_on_api(personas, api_as, alice_customer, carol_customer):
    activity = activity_create(actor=personas.alice, kind="call", content="a", customer=alice_customer)
    bob = api_as(personas.bob)
    assert bob.get("/api/v1/activities/").json()["count"] == 0
    assert bob.get(f"/api/v1/activities/{activity.pk}/").status_code == 404
    assert bob.patch(f"/api/v1/activities/{activity.pk}/", {"content": "z"}, format="json").status_code == 404
    assert bob.delete(f"/api/v1/activities/{activity.pk}/").status_code == 404
    for bad in ("abc", "0", "99999999999999999999999"):
        assert bob.get(f"/api/v1/activities/{bad}/").status_code == 404
    response = api_as(personas.alice).post("/api/v1/activities/", {"kind": "call", "content": "x",
                                                                   "customer": carol_customer.pk}, format="json")
    assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"
    # the manager sees it but is not its author: 403 on change
    manager = api_as(personas.manager)
    assert manager.get(f"/api/v1/activities/{activity.pk}/").status_code == 200
    forbidden = manager.patch(f"/api/v1/activities/{activity.pk}/", {"content": "z"}, format="json")
    assert forbidden.status_code == 403 and forbidden.json()["error"]["code"] == "permission_denied"
    assert not Event.objects.filter(verb="activity.updated").exists()


def test_patch_refuses_fields_that_cannot_change(personas, api_as, alice_customer, carol_customer):
    activity = activity_create(actor=personas.alice, kind="call", content="a", customer=alice_customer)
    response = api_as(personas.alice).patch(f"/api/v1/activities/{activity.pk}/", {"customer": carol_customer.pk},
                                            format="json")
    assert response.status_code == 400 and "customer" in response.json()["error"]["fields"]


def test_finance_cannot_log_and_anonymous_is_401(personas, api_as, alice_customer, client):
    response = api_as(personas.finance).post("/api/v1/activities/", {"kind": "call", "content": "x",
                                                                     "customer": alice_customer.pk}, format="json")
    assert response.status_code == 403
    assert client.get("/api/v1/activities/").status_code == 401


def test_list_has_no_n_plus_one(personas, api_as, alice_customer, alice_contact, django_assert_max_num_queries):
    for i in range(5):
        activity_create(actor=personas.alice, kind="call", content=f"n{i}", contact=alice_contact,
                        mentions=[personas.bob])
    api = api_as(personas.alice)
    with django_assert_max_num_queries(12):
        assert api.get("/api/v1/activities/").json()["count"] == 5
