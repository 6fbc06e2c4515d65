"""Follow-ups logged on an opportunity: they belong to its customer and show on the opportunity page."""

from openfunnel.activities.models import Activity
from openfunnel.audit.models import Event


def test_api_follow_up_on_an_opportunity_lands_on_its_customer(world, api_as):
    opp = world.opp()
    api = api_as(world.p.alice)
    created = api.post("/api/v1/activities/", {"kind": "visit", "content": "看了样机", "opportunity": opp.pk},
                       format="json")
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["opportunity"], body["customer"]) == (opp.pk, world.alice_customer.pk)
    listed = api.get(f"/api/v1/activities/?opportunity={opp.pk}").json()
    assert [row["id"] for row in listed["results"]] == [body["id"]]
    assert api.get(f"/api/v1/activities/?opportunity={opp.pk + 1000}").json()["count"] == 0
    event = Event.objects.get(verb="activity.created")
    assert (event.customer_id, event.data["opportunity_id"]) == (world.alice_customer.pk, opp.pk)
    world.alice_customer.refresh_from_db()
    assert world.alice_customer.last_follow_up_at is not None


def test_an_opportunity_of_another_customer_or_out_of_scope_changes_nothing(world, api_as):
    opp = world.opp()
    other = world.opp(actor=world.p.carol, customer=world.carol_customer)
    api = api_as(world.p.alice)
    mismatch = api.post("/api/v1/activities/", {"kind": "call", "content": "x", "opportunity": opp.pk,
                                                "customer": world.bob_customer.pk}, format="json")
    assert mismatch.status_code in (400, 404)
    own_customer = api.post("/api/v1/activities/", {"kind": "call", "content": "x", "opportunity": opp.pk,
                                                    "customer": world.alice_customer.pk}, format="json")
    assert own_customer.status_code == 201
    Activity.objects.all().delete()
    mixed = api.post("/api/v1/activities/", {"kind": "call", "content": "x", "opportunity": opp.pk,
                                             "customer": world.alice_customer.pk, "lead": None}, format="json")
    assert mixed.status_code == 201
    Activity.objects.all().delete()
    hidden = api.post("/api/v1/activities/", {"kind": "call", "content": "x", "opportunity": other.pk},
                      format="json")
    assert hidden.status_code == 404 and hidden.json()["error"]["code"] == "not_found"
    assert not Activity.objects.exists()


def test_mismatched_customer_is_a_field_error(world):
    import pytest

    from openfunnel.activities.services import activity_create
    from openfunnel.core.errors import ValidationFailed
    from openfunnel.customers.services import customer_create

    opp = world.opp()
    second = customer_create(actor=world.p.alice, name="杭州第二客户有限公司")
    with pytest.raises(ValidationFailed) as refused:
        activity_create(actor=world.p.alice, kind="call", content="x", opportunity=opp, customer=second)
    assert "opportunity" in refused.value.fields
    assert not Activity.objects.exists()


def test_web_follow_up_from_the_opportunity_page(world, web_as):
    opp = world.opp()
    browser = web_as(world.p.alice)
    detail = browser.get(f"/opportunities/{opp.pk}/").content.decode()
    assert f"/activities/new/?opportunity={opp.pk}" in detail
    form = browser.get(f"/activities/new/?opportunity={opp.pk}")
    assert form.status_code == 200 and opp.name in form.content.decode()
    saved = browser.post("/activities/new/", {"opportunity": opp.pk, "kind": "meeting", "content": "技术交流会纪要"})
    assert saved.status_code == 302 and saved["Location"] == f"/opportunities/{opp.pk}/"
    activity = Activity.objects.get()
    assert (activity.opportunity_id, activity.customer_id) == (opp.pk, world.alice_customer.pk)
    assert "技术交流会纪要" in browser.get(f"/opportunities/{opp.pk}/").content.decode()
    hidden = world.opp(actor=world.p.carol, customer=world.carol_customer)
    assert browser.get(f"/activities/new/?opportunity={hidden.pk}").status_code == 404
