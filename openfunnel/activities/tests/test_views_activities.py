import datetime as dt

from django.utils import timezone

from openfunnel.activities.models import Activity
from openfunnel.activities.services import activity_create


def test_list_shows_only_visible_follow_ups_with_filters(personas, web_as, alice_customer, carol_customer):
    activity_create(actor=personas.alice, kind="call", content="Alpha call", customer=alice_customer)
    activity_create(actor=personas.alice, kind="visit", content="Alpha visit", customer=alice_customer)
    activity_create(actor=personas.carol, kind="call", content="Northern call", customer=carol_customer)
    browser = web_as(personas.alice)
    page = browser.get("/activities/")
    assert page.status_code == 200
    assert b"Alpha call" in page.content and b"Alpha visit" in page.content and b"Northern call" not in page.content
    filtered = browser.get("/activities/?kind=visit")
    assert b"Alpha visit" in filtered.content and b"Alpha call" not in filtered.content
    assert b"Alpha" in browser.get(f"/activities/?customer={alice_customer.pk}").content
    assert browser.get("/activities/?customer=abc&occurred_after=nope").status_code == 200
    hidden = browser.get(f"/activities/?customer={carol_customer.pk}")
    assert hidden.status_code == 200 and b"Harbin" not in hidden.content and b"Northern call" not in hidden.content
    assert b"Northern call" in web_as(personas.director).get("/activities/").content


def test_edit_and_delete_pages(personas, web_as, alice_customer):
    activity = activity_create(actor=personas.alice, kind="call", content="first", customer=alice_customer)
    browser = web_as(personas.alice)
    assert browser.get(f"/activities/{activity.pk}/edit/").status_code == 200
    when = timezone.localtime(activity.occurred_at).strftime("%Y-%m-%dT%H:%M")
    invalid = browser.post(f"/activities/{activity.pk}/edit/", {"kind": "call", "occurred_at": when, "content": ""})
    assert invalid.status_code == 400
    saved = browser.post(f"/activities/{activity.pk}/edit/", {"kind": "visit", "occurred_at": when,
                                                               "content": "second"})
    assert saved.status_code == 302
    activity.refresh_from_db()
    assert activity.kind == "visit" and activity.content == "second"
    assert web_as(personas.bob).get(f"/activities/{activity.pk}/edit/").status_code == 404
    assert web_as(personas.manager).post(f"/activities/{activity.pk}/edit/", {
        "kind": "call", "occurred_at": when, "content": "mine now"}).status_code == 403
    assert web_as(personas.bob).post(f"/activities/{activity.pk}/delete/").status_code == 404
    assert browser.post(f"/activities/{activity.pk}/delete/").status_code == 302
    assert Activity.objects.get().deleted_at is not None


def test_standalone_form_page_and_lead_panel(personas, web_as, alice_customer, alice_lead):
    browser = web_as(personas.alice)
    assert browser.get(f"/activities/new/?customer={alice_customer.pk}").status_code == 200
    assert browser.get("/activities/new/").status_code == 404
    assert browser.get("/activities/new/?customer=abc").status_code == 404
    response = browser.post("/activities/new/", {"kind": "call", "content": "hello @mike", "lead": alice_lead.pk,
                                                 "next": "https://evil.example/"})
    assert response.status_code == 302 and not response["Location"].startswith("https://evil")
    activity = Activity.objects.get()
    assert activity.lead == alice_lead and list(activity.mentions.all()) == [personas.manager]


def test_far_future_time_is_a_field_error(personas, web_as, alice_customer):
    future = (timezone.localtime() + dt.timedelta(days=3)).strftime("%Y-%m-%dT%H:%M")
    response = web_as(personas.alice).post("/activities/new/", {"kind": "call", "content": "x",
                                                                "customer": alice_customer.pk, "occurred_at": future})
    assert response.status_code == 400 and b'data-field="occurred_at"' in response.content
