from openfunnel.automation.services import notification_send


def test_open_marks_read_and_follows_the_link(personas, web_as):
    linked = notification_send(recipient=personas.alice, kind="task", message="Task for you", url="/tasks/")
    plain = notification_send(recipient=personas.alice, kind="system", message="Plain news")
    browser = web_as(personas.alice)
    page = browser.get("/notifications/?unread=1")
    assert page.status_code == 200 and b"Task for you" in page.content and b"Plain news" in page.content
    response = browser.post(f"/notifications/{linked.pk}/open/")
    assert response.status_code == 302 and response["Location"] == "/tasks/"
    linked.refresh_from_db()
    assert linked.read_at is not None
    assert b"Task for you" not in browser.get("/notifications/?unread=1").content
    back = browser.post(f"/notifications/{plain.pk}/open/", {"go": "0", "next": "/notifications/?unread=1"})
    assert back["Location"] == "/notifications/?unread=1"
    assert b"No unread notifications" in browser.get("/notifications/?unread=1").content


def test_cannot_open_someone_elses(personas, web_as):
    bobs = notification_send(recipient=personas.bob, kind="system", message="x")
    assert web_as(personas.alice).post(f"/notifications/{bobs.pk}/open/").status_code == 404
    bobs.refresh_from_db()
    assert bobs.read_at is None


def test_external_links_are_not_followed(personas, web_as):
    evil = notification_send(recipient=personas.alice, kind="system", message="x", url="https://evil.example/")
    response = web_as(personas.alice).post(f"/notifications/{evil.pk}/open/")
    assert response["Location"] == "/notifications/"
