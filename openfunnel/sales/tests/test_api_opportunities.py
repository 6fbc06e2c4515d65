import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from openfunnel.audit.models import Event
from openfunnel.sales.models import Opportunity, OpportunityAttachment

URL = "/api/v1/opportunities/"


def test_create_read_patch_and_list_with_filters(world, api_as):
    api = api_as(world.p.alice)
    contact = world.alice_customer.contacts.get()
    created = api.post(URL, {"name": "注塑机项目", "customer": world.alice_customer.pk, "source": "trade_show",
                             "expected_close_date": "2026-09-30",
                             "contacts": [{"contact": contact.pk, "role": "decision_maker"}],
                             "lines": [{"product": world.product.pk, "quantity": "2", "discount_percent": "10"}]},
                       format="json")
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["amount"] == "504000.00" and body["amount_from_lines"] is True
    assert body["stage_name"] == "取得销售机会" and body["probability"] == 5 and body["status"] == "open"
    assert body["contacts"] == [{"contact": contact.pk, "name": "王总", "role": "decision_maker"}]
    assert body["lines"][0]["product_code"] == "IMM-280" and body["weighted_amount"] == "25200.00"
    assert body["checklist"][0] == {"item": "确认客户基本信息与来源", "done": False}
    opp_id = body["id"]
    patched = api.patch(f"{URL}{opp_id}/", {"next_step": "安排技术交流", "competitor": "恩格尔",
                                             "forecast_category": "best_case", "version": body["version"]},
                        format="json")
    assert patched.status_code == 200 and patched.json()["next_step"] == "安排技术交流"
    stale = api.patch(f"{URL}{opp_id}/", {"name": "x", "version": body["version"]}, format="json")
    assert stale.status_code == 409 and stale.json()["error"]["code"] == "stale_version"
    listed = api.get(f"{URL}?pipeline={world.pipeline.pk}&status=open&forecast_category=best_case").json()
    assert listed["count"] == 1 and listed["results"][0]["customer_name"] == world.alice_customer.name
    assert api.get(f"{URL}?search=海天").json()["count"] == 1
    assert api.get(f"{URL}?close_from=2026-10-01").json()["count"] == 0
    assert api.get(f"{URL}?stage={world.stage('报价').pk}").json()["count"] == 0


@pytest.mark.parametrize("body,field", [
    ({"name": "x", "customer": 1, "colour": "red"}, "colour"),
    ({"name": "x" * 201, "customer": 1}, "name"),
    ({"name": "x", "customer": "abc"}, "customer"),
    ({"name": "x", "customer": 0}, "customer"),
    ({"name": "x", "customer": 99999999999999999999}, "customer"),
    ({"name": "x"}, "customer"),
    ({"name": "x", "customer": 1, "amount": "lots"}, "amount"),
    ({"name": "x", "customer": 1, "amount": "-5"}, "amount"),
    ({"name": "x", "customer": 1, "expected_close_date": "2026-02-30"}, "expected_close_date"),
    ({"name": "x", "customer": 1, "forecast_category": "maybe"}, "forecast_category"),
    ({"name": "x", "customer": 1, "stage": 999999}, "stage"),
    ({"name": "x", "customer": 1, "pipeline": 999999}, "pipeline"),
    ({"name": "x", "customer": 1, "lines": [{"product": 1, "bogus": 1}]}, "lines"),
    ({"name": "x", "customer": 1, "contacts": "nope"}, "contacts"),
])
def test_bad_input_is_400_and_creates_nothing(world, api_as, body, field):
    if body.get("customer") == 1:
        body = {**body, "customer": world.alice_customer.pk}
    response = api_as(world.p.alice).post(URL, body, format="json")
    assert response.status_code == 400, response.content
    assert response.json()["error"]["code"] == "validation_error"
    assert field in response.json()["error"]["fields"]
    assert not Opportunity.objects.exists()


def test_malformed_json_is_400(world, api_as):
    response = api_as(world.p.alice).post(URL, data="{oops", content_type="application/json")
    assert response.status_code == 400 and response.json()["error"]["code"] == "validation_error"


def test_scope_404_on_list_detail_and_actions(world, api_as):
    bob_opp = world.opp(actor=world.p.bob, customer=world.bob_customer)
    api = api_as(world.p.alice)
    assert api.get(URL).json()["count"] == 0
    for path in ("", "history/"):
        response = api.get(f"{URL}{bob_opp.pk}/{path}")
        assert response.status_code == 404 and response.json()["error"]["code"] == "not_found"
    for action, body in (("move", {"stage": world.stage("初次接触").pk}), ("win", {}), ("reopen", {}),
                         ("lose", {"reason": world.reasons["其他"].pk})):
        assert api.post(f"{URL}{bob_opp.pk}/{action}/", body, format="json").status_code == 404
    assert api.patch(f"{URL}{bob_opp.pk}/", {"name": "x"}, format="json").status_code == 404
    assert api.delete(f"{URL}{bob_opp.pk}/").status_code == 404
    for bad in ("abc", "0", "99999999999999999999"):
        assert api.get(f"{URL}{bad}/").status_code == 404
    from openfunnel.leads.services import lead_create

    carols_lead = lead_create(actor=world.p.carol, company="Carol Lead Co")
    response = api.post(URL, {"name": "x", "customer": world.alice_customer.pk, "lead": carols_lead.pk}, format="json")
    assert response.status_code == 400 and "lead" in response.json()["error"]["fields"]
    # the customer belongs to someone else: a field error that does not reveal it
    response = api.post(URL, {"name": "x", "customer": world.carol_customer.pk}, format="json")
    assert response.status_code == 400 and "customer" in response.json()["error"]["fields"]
    assert api_as(world.p.manager).get(f"{URL}{bob_opp.pk}/").status_code == 200


def test_read_only_users_get_403(world, api_as):
    opp = world.opp()
    api = api_as(world.p.finance)
    assert api.get(f"{URL}{opp.pk}/").status_code == 200
    response = api.post(f"{URL}{opp.pk}/move/", {"stage": world.stage("初次接触").pk}, format="json")
    assert response.status_code == 403 and response.json()["error"]["code"] == "permission_denied"
    assert api.patch(f"{URL}{opp.pk}/", {"name": "x"}, format="json").status_code == 403
    assert api_as(world.p.alice).delete(f"{URL}{opp.pk}/").status_code == 403
    assert api_as(world.p.manager).delete(f"{URL}{opp.pk}/").status_code == 204
    assert api.get(f"{URL}{opp.pk}/").status_code == 404


def test_move_requirements_missing_then_filled(world, api_as):
    opp = world.opp()
    api = api_as(world.p.alice)
    api.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    refused = api.post(f"{URL}{opp.pk}/move/", {"stage": world.stage("需求收集").pk}, format="json")
    assert refused.status_code == 400
    error = refused.json()["error"]
    assert error["code"] == "stage_requirements_missing"
    assert error["fields"] == {"expected_close_date": ["Required to enter “需求收集”."]}
    assert error["stage"] == world.stage("需求收集").pk
    chinese = api_as(world.p.alice).post(f"{URL}{opp.pk}/move/", {"stage": world.stage("需求收集").pk},
                                         format="json", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert chinese.json()["error"]["fields"] == {"expected_close_date": ["进入“需求收集”前必须填写。"]}
    moved = api.post(f"{URL}{opp.pk}/move/", {"stage": world.stage("需求收集").pk,
                                              "expected_close_date": "2026-10-31"}, format="json")
    assert moved.status_code == 200 and moved.json()["stage_name"] == "需求收集"
    assert moved.json()["probability"] == 20
    foreign = api.post(f"{URL}{opp.pk}/move/", {"stage": world.renewal.stages.first().pk}, format="json")
    assert foreign.status_code == 400 and "stage" in foreign.json()["error"]["fields"]
    bad = api.post(f"{URL}{opp.pk}/move/", {"stage": "abc"}, format="json")
    assert bad.status_code == 400


def test_win_lose_reopen_and_history(world, api_as):
    opp = world.opp(amount="100000", expected_close_date=dt.date(2026, 9, 1),
                    contacts=[{"contact": world.alice_customer.contacts.get()}])
    api = api_as(world.p.alice)
    no_reason = api.post(f"{URL}{opp.pk}/lose/", {}, format="json")
    assert no_reason.status_code == 400 and "reason" in no_reason.json()["error"]["fields"]
    lost = api.post(f"{URL}{opp.pk}/lose/", {"reason": world.reasons["预算不足"].pk, "note": "明年再议"}, format="json")
    assert lost.status_code == 200 and lost.json()["status"] == "lost" and lost.json()["lost_reason_name"] == "预算不足"
    again = api.post(f"{URL}{opp.pk}/move/", {"stage": world.stage("报价").pk}, format="json")
    assert again.status_code == 409 and again.json()["error"]["code"] == "invalid_transition"
    reopened = api.post(f"{URL}{opp.pk}/reopen/", {}, format="json")
    assert reopened.status_code == 200 and reopened.json()["stage_name"] == "取得销售机会"
    won = api.post(f"{URL}{opp.pk}/win/", {}, format="json")
    assert won.status_code == 200, won.content
    assert won.json()["status"] == "won" and won.json()["forecast_category"] == "closed"
    twice = api.post(f"{URL}{opp.pk}/win/", {}, format="json")
    assert twice.status_code == 409 and twice.json()["error"]["code"] == "invalid_transition"
    history = api.get(f"{URL}{opp.pk}/history/").json()
    assert [h["to_stage_name"] for h in history["results"]] == ["取得销售机会", "输单", "取得销售机会", "赢单"]
    assert history["results"][1]["actor"] == world.p.alice.pk and history["results"][1]["from_stage_name"] == "取得销售机会"
    assert history["stage_times"][0]["name"] == "取得销售机会" and history["stage_times"][0]["entries"] == 2
    verbs = set(Event.objects.filter(object_type="opportunity", object_id=opp.pk).values_list("verb", flat=True))
    assert {"opportunity.created", "opportunity.lost", "opportunity.reopened", "opportunity.won"} <= verbs


def test_shares_via_api(world, api_as):
    opp = world.opp()
    api = api_as(world.p.alice)
    shared = api.post(f"{URL}{opp.pk}/shares/", {"user": world.p.carol.pk, "can_edit": True}, format="json")
    assert shared.status_code == 200 and shared.json()["shares"][0]["user"] == world.p.carol.pk
    assert api_as(world.p.carol).get(f"{URL}{opp.pk}/").status_code == 200
    assert api.delete(f"{URL}{opp.pk}/shares/{world.p.carol.pk}/").status_code == 204
    assert api_as(world.p.carol).get(f"{URL}{opp.pk}/").status_code == 404
    assert api.post(f"{URL}{opp.pk}/shares/", {"user": "x"}, format="json").status_code == 400


def test_attachments_upload_list_download_delete_and_scope(world, api_as):
    opp = world.opp()
    api = api_as(world.p.alice)
    upload = SimpleUploadedFile("样品照片.jpg", b"\xff\xd8\xffdata", content_type="image/jpeg")
    created = api.post(f"{URL}{opp.pk}/attachments/", {"file": upload, "stage": world.stage("提供样品").pk,
                                                        "note": "顺丰 SF123"}, format="multipart")
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["stage_name"] == "提供样品" and body["name"] == "样品照片.jpg"
    listed = api.get(f"{URL}{opp.pk}/attachments/").json()
    assert [a["id"] for a in listed["results"]] == [body["id"]] and listed["count"] == 1
    download = api.get(body["download_url"])
    assert download.status_code == 200 and b"".join(download.streaming_content) == b"\xff\xd8\xffdata"
    outsider = api_as(world.p.carol)
    assert outsider.get(body["download_url"]).status_code == 404
    assert outsider.get(f"{URL}{opp.pk}/attachments/").status_code == 404
    empty = api.post(f"{URL}{opp.pk}/attachments/", {"file": SimpleUploadedFile("e.txt", b"")}, format="multipart")
    assert empty.status_code == 400
    assert api.post(f"{URL}{opp.pk}/attachments/", {}, format="multipart").status_code == 400
    assert api.delete(f"{URL}{opp.pk}/attachments/{body['id']}/").status_code == 204
    assert not OpportunityAttachment.objects.exists()


def test_overdue_report(world, api_as):
    from django.utils import timezone

    past = timezone.localdate() - dt.timedelta(days=5)
    world.opp(expected_close_date=past, amount="1000")
    world.opp(actor=world.p.bob, customer=world.bob_customer, expected_close_date=past, amount="500")
    world.opp(expected_close_date=timezone.localdate() + dt.timedelta(days=5))
    rows = api_as(world.p.manager).get(f"{URL}overdue-report/").json()["results"]
    assert {(r["owner_name"], r["overdue_open"], r["overdue_amount"]) for r in rows} == {
        ("Alice Rep", 1, "1000.00"), ("Bob Rep", 1, "500.00")}
    mine = api_as(world.p.alice).get(f"{URL}overdue-report/").json()["results"]
    assert [r["owner_name"] for r in mine] == ["Alice Rep"]


def test_schema_is_served(world, api_as):
    assert api_as(world.p.alice).get("/api/v1/schema/").status_code == 200
