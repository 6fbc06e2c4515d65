from openfunnel.sales.models import LostReason, Pipeline, Stage


def test_pipeline_pages_are_for_config_managers(world, web_as):
    for url in ("/pipelines/", "/pipelines/new/", f"/pipelines/{world.pipeline.pk}/", "/lost-reasons/"):
        assert web_as(world.p.admin).get(url).status_code == 200, url
        assert web_as(world.p.manager).get(url).status_code == 403, url


def test_create_pipeline_with_stage_names(world, web_as):
    browser = web_as(world.p.admin)
    invalid = browser.post("/pipelines/new/", {"name": "", "order": 5, "close_reminder_days": 7, "stage_names": "a"})
    assert invalid.status_code == 400
    created = browser.post("/pipelines/new/", {"name": "渠道销售", "order": 5, "close_reminder_days": 7,
                                               "is_active": "on", "stage_names": "渠道开发\n签约代理\n"})
    assert created.status_code == 302
    pipeline = Pipeline.objects.get(name="渠道销售")
    assert list(pipeline.stages.order_by("order").values_list("name", "kind")) == [
        ("渠道开发", "open"), ("签约代理", "open"), ("Won", "won"), ("Lost", "lost")]


def test_stage_add_edit_shift_retire(world, web_as):
    browser = web_as(world.p.admin)
    base = f"/pipelines/{world.pipeline.pk}"
    bad = browser.post(f"{base}/stages/new/", {"stage-name": "", "stage-probability": 10,
                                                "stage-required_attachments": 0})
    assert bad.status_code == 400
    added = browser.post(f"{base}/stages/new/", {"stage-name": "技术交流", "stage-probability": 30,
                                                 "stage-required_attachments": 0, "stage-checklist": "演示\n答疑",
                                                 "stage-required_fields": ["next_step"]})
    assert added.status_code == 302
    stage = Stage.objects.get(name="技术交流")
    assert stage.checklist == ["演示", "答疑"] and stage.required_fields == ["next_step"]
    edited = browser.post(f"{base}/stages/{stage.pk}/", {"name": "技术方案交流", "probability": 33,
                                                          "required_attachments": 1, "max_days": 10})
    assert edited.status_code == 302
    stage.refresh_from_db()
    assert (stage.name, stage.probability, stage.required_attachments, stage.max_days) == ("技术方案交流", 33, 1, 10)
    before = stage.order
    browser.post(f"{base}/stages/{stage.pk}/move/", {"direction": "up"})
    stage.refresh_from_db()
    assert stage.order == before - 1
    world.opp(stage=world.stage("初次接触"))
    in_use = world.stage("初次接触")
    refused = browser.post(f"{base}/stages/{in_use.pk}/retire/", {})
    assert refused.status_code == 400 and b"open opportunities" in refused.content
    assert browser.post(f"{base}/stages/{in_use.pk}/retire/",
                        {"move_to": world.stage("需求收集").pk}).status_code == 302
    in_use.refresh_from_db()
    assert not in_use.is_active
    browser.post(f"{base}/stages/{in_use.pk}/retire/", {"reactivate": "1"})
    in_use.refresh_from_db()
    assert in_use.is_active
    won = world.stage("赢单")
    assert browser.get(f"{base}/stages/{won.pk}/").status_code == 200
    assert browser.get(f"/pipelines/{world.renewal.pk}/stages/{won.pk}/").status_code == 404


def test_pipeline_settings_and_lost_reasons_pages(world, web_as):
    browser = web_as(world.p.admin)
    saved = browser.post(f"/pipelines/{world.pipeline.pk}/", {
        "name": world.pipeline.name, "order": 0, "is_active": "on", "close_reminder_days": 3,
        "auto_close_lost_after_days": 14, "auto_close_lost_reason": world.reasons["其他"].pk})
    assert saved.status_code == 302
    world.pipeline.refresh_from_db()
    assert world.pipeline.close_reminder_days == 3 and world.pipeline.auto_close_lost_after_days == 14
    assert browser.post("/lost-reasons/", {"name": "交期太长", "order": 9, "is_active": "on"}).status_code == 302
    duplicate = browser.post("/lost-reasons/", {"name": "交期太长", "order": 9, "is_active": "on"})
    assert duplicate.status_code == 400
    reason = LostReason.objects.get(name="交期太长")
    assert browser.post(f"/lost-reasons/{reason.pk}/", {"name": "交期过长", "order": 1}).status_code == 302
    reason.refresh_from_db()
    assert reason.name == "交期过长" and not reason.is_active
