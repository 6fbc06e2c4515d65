from openfunnel.automation.models import Notification
from openfunnel.automation.services import notification_send


def send(recipient, message="hello", url=""):
    return notification_send(recipient=recipient, kind="system", message=message, url=url)


def test_list_filter_read_and_count(personas, api_as):
    first, second = send(personas.alice, "one"), send(personas.alice, "two", url="/tasks/")
    send(personas.bob, "bob's")
    api = api_as(personas.alice)
    listed = api.get("/api/v1/notifications/").json()
    assert listed["count"] == 2
    row = listed["results"][0]
    assert set(row) >= {"id", "kind", "message", "object_type", "object_id", "url", "read", "created_at"}
    assert api.get("/api/v1/notifications/unread-count/").json() == {"unread": 2}
    read = api.post(f"/api/v1/notifications/{first.pk}/read/")
    assert read.status_code == 200 and read.json()["read"] is True
    assert [n["id"] for n in api.get("/api/v1/notifications/?read=false").json()["results"]] == [second.pk]
    assert [n["id"] for n in api.get("/api/v1/notifications/?read=true").json()["results"]] == [first.pk]
    assert api.post("/api/v1/notifications/read-all/").json() == {"marked": 1}
    assert api.get("/api/v1/notifications/unread-count/").json() == {"unread": 0}
    assert Notification.objects.get(recipient=personas.bob).read_at is None  # bob's untouched


def test_only_own_notifications(personas, api_as):
    bobs = send(personas.bob)
    alice = api_as(personas.alice)
    assert alice.get(f"/api/v1/notifications/{bobs.pk}/").status_code == 404
    assert alice.post(f"/api/v1/notifications/{bobs.pk}/read/").status_code == 404
    assert alice.post("/api/v1/notifications/abc/read/").status_code == 404
    bobs.refresh_from_db()
    assert bobs.read_at is None


def test_anonymous_is_401(db, client):
    assert client.get("/api/v1/notifications/unread-count/").status_code == 401
