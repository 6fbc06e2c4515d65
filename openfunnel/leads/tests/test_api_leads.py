import pytest

from openfunnel.audit.models import Event
from openfunnel.customers.models import Contact, Customer
from openfunnel.customers.services import customer_create
from openfunnel.leads.models import Lead
from openfunnel.leads.services import lead_create


def test_create_list_retrieve_patch_and_delete(personas, api_as, campaign):
    api = api_as(personas.alice)
    created = api.post("/api/v1/leads/", {"company": "Ningbo Gamma Plastics", "name": "Chen", "phone": "13600136000",
                                         "source": "trade_show", "campaign": campaign.pk}, format="json")
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["owner"] == personas.alice.pk and body["owner_name"] == "Alice Rep"
    assert body["status"] == "new" and body["version"] == 1 and body["campaign_name"] == "2026 Canton Fair"
    lead_id = body["id"]
    listed = api.get("/api/v1/leads/").json()
    assert listed["count"] == 1 and listed["next"] is None and listed["results"][0]["id"] == lead_id
    assert api.get(f"/api/v1/leads/{lead_id}/").json()["company"] == "Ningbo Gamma Plastics"
    patched = api.patch(f"/api/v1/leads/{lead_id}/", {"title": "Buyer", "version": 1}, format="json")
    assert patched.status_code == 200 and patched.json()["title"] == "Buyer" and patched.json()["version"] == 2
    stale = api.patch(f"/api/v1/leads/{lead_id}/", {"title": "Boss", "version": 1}, format="json")
    assert stale.status_code == 409 and stale.json()["error"]["code"] == "stale_version"
    assert api.delete(f"/api/v1/leads/{lead_id}/").status_code == 403  # reps may not delete
    assert api_as(personas.manager).delete(f"/api/v1/leads/{lead_id}/").status_code == 204
    assert api.get(f"/api/v1/leads/{lead_id}/").status_code == 404
    assert Lead.objects.get(pk=lead_id).deleted_at is not None


def test_manager_creates_into_the_pool_with_owner_null(personas, api_as):
    response = api_as(personas.manager).post("/api/v1/leads/", {"company": "Pool Co", "owner": None}, format="json")
    assert response.status_code == 201 and response.json()["owner"] is None
    denied = api_as(personas.alice).post("/api/v1/leads/", {"company": "Pool Co 2", "owner": None}, format="json")
    assert denied.status_code == 403


def test_filters_search_and_ordering(personas, api_as, alice_lead, bob_lead, pool_lead, campaign):
    api = api_as(personas.manager)

    def ids(query):
        response = api.get(f"/api/v1/leads/{query}")
        assert response.status_code == 200, response.content
        return [row["id"] for row in response.json()["results"]]

    assert set(ids("")) == {alice_lead.pk, bob_lead.pk, pool_lead.pk}
    assert ids(f"?owner={personas.bob.pk}") == [bob_lead.pk]
    assert ids("?pool=true") == [pool_lead.pk]
    assert ids(f"?campaign={campaign.pk}") == [alice_lead.pk]
    assert ids("?source=trade_show") == [alice_lead.pk]
    assert ids("?status=new&search=beta") == [bob_lead.pk]
    assert ids("?search=13900139000") == [bob_lead.pk]
    assert ids("?search=xingchen.example") == [alice_lead.pk]
    assert ids("?search=王伟") == [alice_lead.pk]
    assert ids("?created_after=2000-01-01&created_before=2000-01-02") == []
    assert ids("?ordering=company") == sorted(ids(""), key=lambda pk: Lead.objects.get(pk=pk).company)
    assert ids("?ordering=id") == sorted(ids(""))
    for bad in ("?owner=abc", "?status=bogus", "?created_after=yesterday", f"?owner={personas.carol.pk}"):
        response = api.get(f"/api/v1/leads/{bad}")
        assert response.status_code == 400 and response.json()["error"]["code"] == "validation_error", bad


def test_scope_alice_cannot_see_bobs_lead_but_their_manager_can(personas, api_as, bob_lead):
    alice = api_as(personas.alice)
    assert alice.get("/api/v1/leads/").json()["count"] == 0
    for method, path, body in [("get", f"/api/v1/leads/{bob_lead.pk}/", None),
                               ("patch", f"/api/v1/leads/{bob_lead.pk}/", {"title": "x"}),
                               ("delete", f"/api/v1/leads/{bob_lead.pk}/", None),
                               ("post", f"/api/v1/leads/{bob_lead.pk}/convert/", {}),
                               ("post", f"/api/v1/leads/{bob_lead.pk}/status/", {"status": "invalid"}),
                               ("get", f"/api/v1/leads/{bob_lead.pk}/timeline/", None)]:
        response = getattr(alice, method)(path, body, format="json")
        assert response.status_code == 404 and response.json()["error"]["code"] == "not_found", path
    assert api_as(personas.manager).get(f"/api/v1/leads/{bob_lead.pk}/").status_code == 200
    assert api_as(personas.carol).get(f"/api/v1/leads/{bob_lead.pk}/").status_code == 404
    bob_lead.refresh_from_db()
    assert bob_lead.title == "" and bob_lead.status == "new"


def test_duplicate_is_409_with_the_existing_record(personas, api_as, bob_lead):
    response = api_as(personas.alice).post("/api/v1/leads/", {"company": "HANGZHOU BETA PUMPS"}, format="json")
    assert response.status_code == 409
    error = response.json()["error"]
    assert error["code"] == "duplicate" and error["existing"]["type"] == "lead"
    assert error["existing"]["owner_name"] == "Bob Rep" and "id" not in error["existing"]
    assert "company" in error["fields"]
    shown = api_as(personas.manager).post("/api/v1/leads/", {"company": "Hangzhou Beta Pumps"}, format="json")
    assert shown.json()["error"]["existing"]["id"] == bob_lead.pk


@pytest.mark.parametrize("body,field", [
    ({"company": "X", "colour": "red"}, "colour"),                  # unknown field
    ({"company": "x" * 201}, "company"),                             # over-long
    ({"company": "X", "name": "n" * 101}, "name"),
    ({"company": "X", "email": "nope"}, "email"),                    # wrong format
    ({"company": 12}, None),                                         # DRF coerces numbers to text: accepted
    ({"company": ["X"]}, "company"),                                 # wrong type
    ({"company": "X", "campaign": "abc"}, "campaign"),               # invalid id
    ({"company": "X", "campaign": 0}, "campaign"),
    ({"company": "X", "campaign": 10**30}, "campaign"),
    ({"company": "X", "campaign": 999999}, "campaign"),              # no such campaign
    ({"company": "X", "owner": "me"}, "owner"),
    ({"company": "X", "status": "converted"}, "status"),
    ({"company": "X", "next_follow_up_at": "tomorrow"}, "next_follow_up_at"),
    ({"company": "X", "phone": "12345"}, "phone"),
    ({"company": "X", "uscc": "91350100M000100Y44"}, "uscc"),
    ({}, "company"),
])
def test_bad_input_is_a_field_error_and_changes_nothing(personas, api_as, body, field):
    response = api_as(personas.manager).post("/api/v1/leads/", body, format="json")
    if field is None:
        assert response.status_code == 201
        return
    assert response.status_code == 400, response.content
    assert response.json()["error"]["code"] == "validation_error"
    assert field in response.json()["error"]["fields"]
    assert not Lead.objects.exists()


def test_malformed_json_non_object_bodies_and_invalid_ids(personas, api_as, alice_lead):
    api = api_as(personas.manager)
    broken = api.post("/api/v1/leads/", data="{not json", content_type="application/json")
    assert broken.status_code == 400 and broken.json()["error"]["code"] == "validation_error"
    assert api.post("/api/v1/leads/", data="[1, 2]", content_type="application/json").status_code == 400
    assert api.patch(f"/api/v1/leads/{alice_lead.pk}/", data="{", content_type="application/json").status_code == 400
    for bad in ("999999", "abc", "0", "-1", "99999999999999999999999"):
        assert api.get(f"/api/v1/leads/{bad}/").status_code == 404
        assert api.post(f"/api/v1/leads/{bad}/assign/", {"owner": personas.bob.pk}, format="json").status_code == 404


def test_patch_bad_input_and_owner_changes_are_refused(personas, api_as, alice_lead):
    api = api_as(personas.alice)
    for body, field in [({"version": "two"}, "version"), ({"owner": personas.bob.pk}, "owner"),
                        ({"company": ""}, "company"), ({"unknown": 1}, "unknown")]:
        response = api.patch(f"/api/v1/leads/{alice_lead.pk}/", body, format="json")
        assert response.status_code == 400 and field in response.json()["error"]["fields"], body
    converted = api.patch(f"/api/v1/leads/{alice_lead.pk}/", {"status": "converted"}, format="json")
    assert converted.status_code == 409 and converted.json()["error"]["code"] == "invalid_transition"
    alice_lead.refresh_from_db()
    assert alice_lead.version == 1


def test_finance_reads_but_gets_403_on_writes(personas, api_as, alice_lead):
    api = api_as(personas.finance)
    assert api.get(f"/api/v1/leads/{alice_lead.pk}/").status_code == 200
    assert api.patch(f"/api/v1/leads/{alice_lead.pk}/", {"title": "x"}, format="json").status_code == 403
    assert api.post("/api/v1/leads/", {"company": "F"}, format="json").status_code == 403
    assert api.post(f"/api/v1/leads/{alice_lead.pk}/convert/", {}, format="json").status_code == 403


def test_assign_transfer_and_status_actions(personas, api_as, pool_lead, alice_lead):
    api = api_as(personas.manager)
    assigned = api.post(f"/api/v1/leads/{pool_lead.pk}/assign/", {"owner": personas.alice.pk}, format="json")
    assert assigned.status_code == 200 and assigned.json()["owner"] == personas.alice.pk
    moved = api.post(f"/api/v1/leads/{alice_lead.pk}/transfer/", {"owner": personas.bob.pk}, format="json")
    assert moved.status_code == 200 and moved.json()["owner_name"] == "Bob Rep"
    outside = api.post(f"/api/v1/leads/{alice_lead.pk}/transfer/", {"owner": personas.carol.pk}, format="json")
    assert outside.status_code == 400 and "owner" in outside.json()["error"]["fields"]
    for body in ({}, {"owner": "abc"}, {"owner": 0}, {"owner": personas.bob.pk, "x": 1}):
        assert api.post(f"/api/v1/leads/{alice_lead.pk}/assign/", body, format="json").status_code == 400
    denied = api_as(personas.alice).post(f"/api/v1/leads/{pool_lead.pk}/assign/", {"owner": personas.alice.pk},
                                         format="json")
    assert denied.status_code == 403
    status = api.post(f"/api/v1/leads/{alice_lead.pk}/status/", {"status": "qualified"}, format="json")
    assert status.status_code == 200 and status.json()["status"] == "qualified"
    bad = api.post(f"/api/v1/leads/{alice_lead.pk}/status/", {"status": "converted"}, format="json")
    assert bad.status_code == 409 and bad.json()["error"]["code"] == "invalid_transition"


def test_batch_assign_round_robin_and_single_owner(personas, api_as, east_reps):
    api = api_as(personas.manager)
    ids = [api.post("/api/v1/leads/", {"company": f"Card {i}", "owner": None}, format="json").json()["id"]
           for i in range(10)]
    response = api.post("/api/v1/leads/batch-assign/", {"leads": ids, "owners": [r.pk for r in east_reps]},
                        format="json")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["assigned"] == 10 and [o["count"] for o in body["owners"]] == [2, 2, 2, 2, 2]
    assert body["owners"][0]["leads"] == [ids[0], ids[5]]
    single = api.post("/api/v1/leads/batch-assign/", {"leads": ids[:3], "owner": personas.bob.pk}, format="json")
    assert single.json()["owners"] == [{"owner": personas.bob.pk, "owner_name": "Bob Rep", "count": 3,
                                        "leads": ids[:3]}]


@pytest.mark.parametrize("body", [
    {"leads": [], "owner": 1},
    {"leads": ["abc"], "owner": 1},
    {"leads": [1]},
    {"leads": [1], "owner": 1, "owners": [1]},
    {"leads": "1,2", "owner": 1},
    {"leads": [999999], "owner": "OWNER"},
    {"leads": [999999], "owner": "OWNER", "extra": True},
])
def test_batch_assign_bad_input(personas, api_as, pool_lead, body):
    body = {k: (personas.alice.pk if v == "OWNER" else v) for k, v in body.items()}
    response = api_as(personas.manager).post("/api/v1/leads/batch-assign/", body, format="json")
    assert response.status_code == 400 and response.json()["error"]["code"] == "validation_error"
    pool_lead.refresh_from_db()
    assert pool_lead.owner is None


def test_convert_returns_ids_and_timeline_shows_the_history(personas, api_as, alice_lead):
    api = api_as(personas.alice)
    api.credentials(HTTP_ACCEPT_LANGUAGE="en")
    response = api.post(f"/api/v1/leads/{alice_lead.pk}/convert/", {"create_opportunity": False}, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    customer = Customer.objects.get(pk=body["customer"])
    assert Contact.objects.get(pk=body["contact"]).customer == customer and body["opportunity"] is None
    again = api.post(f"/api/v1/leads/{alice_lead.pk}/convert/", {}, format="json")
    assert again.status_code == 409 and again.json()["error"]["code"] == "invalid_transition"
    timeline = api.get(f"/api/v1/leads/{alice_lead.pk}/timeline/").json()
    assert timeline["count"] == 2 and timeline["next"] is None
    assert [row["verb"] for row in timeline["results"]] == ["lead.converted", "lead.created"]
    assert timeline["results"][0]["verb_label"] == "converted the lead"
    assert timeline["results"][0]["actor_name"] == "Alice Rep"


def test_convert_with_create_opportunity(personas, api_as, alice_lead):
    from openfunnel.sales.models import Opportunity

    response = api_as(personas.alice).post(f"/api/v1/leads/{alice_lead.pk}/convert/",
                                           {"create_opportunity": True,
                                            "opportunity": {"name": "Deal", "amount": "5000.00"}}, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    opportunity = Opportunity.objects.get(pk=body["opportunity"])
    assert opportunity.customer_id == body["customer"] and opportunity.lead_id == alice_lead.pk
    assert opportunity.source == alice_lead.source and opportunity.owner == personas.alice


def test_convert_with_a_bad_opportunity_creates_nothing(personas, api_as, alice_lead):
    response = api_as(personas.alice).post(f"/api/v1/leads/{alice_lead.pk}/convert/",
                                           {"create_opportunity": True, "opportunity": {"amount": "-5"}},
                                           format="json")
    assert response.status_code == 400
    assert not Customer.objects.exists()


def test_convert_duplicate_is_409_and_nothing_is_created(personas, api_as, alice_lead):
    from openfunnel.customers.models import DedupSettings

    config = DedupSettings.current()
    config.check_phone = False
    config.save()
    customer_create(actor=personas.bob, name="Different name", phone="13800138000")
    DedupSettings.objects.update(check_phone=True)
    response = api_as(personas.alice).post(f"/api/v1/leads/{alice_lead.pk}/convert/", {}, format="json")
    assert response.status_code == 409
    assert response.json()["error"]["code"] == "duplicate"
    assert response.json()["error"]["existing"]["owner_name"] == "Bob Rep"
    assert Customer.objects.count() == 1 and not Contact.objects.exists()
    assert Lead.objects.get(pk=alice_lead.pk).status == "new"
    assert not Event.objects.filter(verb="lead.converted").exists()


@pytest.mark.parametrize("body,field", [
    ({"customer": "abc"}, "customer"),
    ({"customer": 999999}, "customer"),
    ({"create_opportunity": "maybe"}, "create_opportunity"),
    ({"opportunity": "deal"}, "opportunity"),
    ({"surprise": 1}, "surprise"),
])
def test_convert_bad_input(personas, api_as, alice_lead, body, field):
    response = api_as(personas.alice).post(f"/api/v1/leads/{alice_lead.pk}/convert/", body, format="json")
    assert response.status_code == 400 and field in response.json()["error"]["fields"]
    assert not Customer.objects.exists()


def test_convert_into_an_existing_customer(personas, api_as, alice_lead):
    existing = customer_create(actor=personas.alice, name="Xingchen Holding")
    response = api_as(personas.alice).post(f"/api/v1/leads/{alice_lead.pk}/convert/", {"customer": existing.pk},
                                           format="json")
    assert response.status_code == 201 and response.json()["customer"] == existing.pk


def test_campaign_detail_carries_roi_counts(personas, api_as, alice_lead, bob_lead, campaign):
    api = api_as(personas.alice)
    api.post(f"/api/v1/leads/{alice_lead.pk}/convert/", {}, format="json")
    lead_create(actor=personas.bob, company="Another fair lead", campaign=campaign)
    body = api.get(f"/api/v1/campaigns/{campaign.pk}/").json()
    assert body["lead_count"] == 2 and body["converted_count"] == 1 and body["customer_count"] == 1
    assert body["conversion_rate"] == 50.0
    assert body["cost_per_lead"] == "2500.00" and body["cost_per_customer"] == "5000.00"


def test_schema_is_valid(personas, api_as):
    response = api_as(personas.admin).get("/api/v1/schema/?format=json")
    assert response.status_code == 200
    assert "/api/v1/leads/batch-assign/" in response.json()["paths"]
