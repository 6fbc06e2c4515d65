import pytest

from openfunnel.sales.models import LostReason, Pipeline, Stage


def test_everyone_reads_pipelines_with_nested_stages(world, api_as):
    body = api_as(world.p.alice).get("/api/v1/pipelines/").json()
    assert body["count"] == 2 and body["next"] is None
    pipelines = body["results"]
    standard = next(p for p in pipelines if p["name"] == "标准销售流程")
    assert [s["name"] for s in standard["stages"]][:2] == ["取得销售机会", "初次接触"]
    first = standard["stages"][0]
    assert set(first) >= {"id", "name", "order", "probability", "required_fields", "max_days", "guidance", "kind"}
    assert api_as(world.p.alice).get(f"/api/v1/pipelines/{world.pipeline.pk}/").status_code == 200


def test_admin_creates_and_edits_a_pipeline_and_its_stages(world, api_as):
    api = api_as(world.p.admin)
    created = api.post("/api/v1/pipelines/", {"name": "项目型", "stages": [
        {"name": "立项", "probability": 10, "checklist": ["确认预算"]},
        {"name": "投标", "probability": 40, "required_fields": ["amount"], "max_days": 30}]}, format="json")
    assert created.status_code == 201, created.content
    pipeline = created.json()
    assert [s["kind"] for s in pipeline["stages"]] == ["open", "open", "won", "lost"]
    pid = pipeline["id"]
    added = api.post(f"/api/v1/pipelines/{pid}/stages/", {"name": "评标", "probability": 60}, format="json")
    assert added.status_code == 201 and added.json()["order"] == 3
    ids = [s["id"] for s in pipeline["stages"] if s["kind"] == "open"] + [added.json()["id"]]
    reordered = api.post(f"/api/v1/pipelines/{pid}/stages/reorder/", {"stages": [ids[2], ids[0], ids[1]]},
                         format="json")
    assert reordered.status_code == 200, reordered.content
    assert [s["name"] for s in reordered.json()["stages"]][:3] == ["评标", "立项", "投标"]
    renamed = api.patch(f"/api/v1/pipelines/{pid}/stages/{ids[0]}/", {"name": "项目立项", "max_days": 14},
                        format="json")
    assert renamed.status_code == 200 and renamed.json()["name"] == "项目立项"
    retired = api.post(f"/api/v1/pipelines/{pid}/stages/{ids[2]}/retire/", {}, format="json")
    assert retired.status_code == 200 and retired.json()["is_active"] is False
    settings = api.patch(f"/api/v1/pipelines/{pid}/", {"allow_probability_override": True,
                                                       "auto_close_lost_after_days": 30}, format="json")
    assert settings.status_code == 200 and settings.json()["auto_close_lost_after_days"] == 30
    # a stage of another pipeline is not found under this one
    assert api.get(f"/api/v1/pipelines/{pid}/stages/{world.stage('报价').pk}/").status_code == 404


def test_retiring_a_stage_with_open_deals_is_409(world, api_as):
    world.opp()
    api = api_as(world.p.admin)
    first = world.stage("取得销售机会")
    url = f"/api/v1/pipelines/{world.pipeline.pk}/stages/{first.pk}/retire/"
    refused = api.post(url, {}, format="json")
    assert refused.status_code == 409 and refused.json()["error"]["code"] == "stage_in_use"
    moved = api.post(url, {"move_to": world.stage("初次接触").pk}, format="json")
    assert moved.status_code == 200
    won_url = f"/api/v1/pipelines/{world.pipeline.pk}/stages/{world.stage('赢单').pk}/retire/"
    assert api.post(won_url, {}, format="json").status_code == 400


@pytest.mark.parametrize("body,field", [
    ({"name": ""}, "name"),
    ({"name": "x", "close_reminder_days": -1}, "close_reminder_days"),
    ({"name": "x", "stages": [{"name": "a", "probability": 200}]}, "stages"),
    ({"name": "x", "stages": [{"name": "a", "required_fields": ["salary"]}]}, "stages"),
    ({"name": "x", "extra": 1}, "extra"),
])
def test_bad_pipeline_input(world, api_as, body, field):
    before = Pipeline.objects.count()
    response = api_as(world.p.admin).post("/api/v1/pipelines/", body, format="json")
    assert response.status_code == 400 and field in response.json()["error"]["fields"]
    assert Pipeline.objects.count() == before


def test_reps_cannot_configure(world, api_as):
    api = api_as(world.p.alice)
    assert api.post("/api/v1/pipelines/", {"name": "x"}, format="json").status_code == 403
    stage = world.stage("报价")
    response = api.patch(f"/api/v1/pipelines/{world.pipeline.pk}/stages/{stage.pk}/", {"name": "x"}, format="json")
    assert response.status_code == 403
    assert api.post("/api/v1/lost-reasons/", {"name": "x"}, format="json").status_code == 403
    assert Stage.objects.get(pk=stage.pk).name == "报价"


def test_lost_reasons_api(world, api_as):
    api = api_as(world.p.admin)
    created = api.post("/api/v1/lost-reasons/", {"name": "交期太长"}, format="json")
    assert created.status_code == 201
    duplicate = api.post("/api/v1/lost-reasons/", {"name": "交期太长"}, format="json")
    assert duplicate.status_code == 400
    patched = api.patch(f"/api/v1/lost-reasons/{created.json()['id']}/", {"is_active": False}, format="json")
    assert patched.json()["is_active"] is False
    active = api_as(world.p.alice).get("/api/v1/lost-reasons/?is_active=true").json()["results"]
    assert "交期太长" not in [r["name"] for r in active] and "价格过高" in [r["name"] for r in active]
    assert LostReason.objects.count() == 7
