import pytest
from django.utils import translation

from openfunnel.audit.models import Event
from openfunnel.core.errors import Conflict, PermissionDenied, ValidationFailed
from openfunnel.sales.models import LostReason, Pipeline, Stage, StageChange
from openfunnel.sales.services import (
    ensure_default_pipelines,
    lost_reason_create,
    lost_reason_update,
    pipeline_create,
    pipeline_update,
    stage_add,
    stage_reorder,
    stage_retire,
    stage_update,
)


def test_default_pipelines_are_idempotent_and_complete(world):
    assert ensure_default_pipelines() == []
    names = list(world.pipeline.stages.order_by("order").values_list("name", "probability", "kind"))
    assert names == [("取得销售机会", 5, "open"), ("初次接触", 10, "open"), ("需求收集", 20, "open"),
                     ("客户考察", 35, "open"), ("提供样品", 50, "open"), ("报价", 65, "open"),
                     ("客户验厂", 80, "open"), ("赢单", 100, "won"), ("输单", 0, "lost")]
    assert world.stage("报价").required_fields == ["amount"]
    assert world.stage("需求收集").required_fields == ["expected_close_date"]
    assert world.stage("提供样品").required_attachments == 1
    assert all(s.guidance and s.checklist for s in world.pipeline.stages.all())
    assert list(world.renewal.stages.filter(kind="open").values_list("name", flat=True)) == ["意向确认", "方案报价", "合同谈判"]
    assert set(LostReason.objects.values_list("name", flat=True)) >= {"价格过高", "选择竞争对手", "需求取消", "预算不足",
                                                                      "联系人离职", "其他"}


def test_pipeline_create_adds_won_and_lost_stages(world):
    with translation.override("en"):
        pipeline = pipeline_create(actor=world.p.admin, name="项目型销售", allow_probability_override=True,
                                   stages=[{"name": "立项", "probability": 10, "checklist": "确认预算\n\n确认决策人"},
                                           {"name": "招投标", "probability": 50, "required_fields": ["amount"]},
                                           {"name": "中标", "kind": "won"}])
    stages = list(pipeline.stages.order_by("order"))
    assert [(s.name, s.kind, s.probability) for s in stages] == [
        ("立项", "open", 10), ("招投标", "open", 50), ("中标", "won", 100), ("Lost", "lost", 0)]
    assert stages[0].checklist == ["确认预算", "确认决策人"]
    assert Event.objects.get(verb="pipeline.created").data["stages"] == ["立项", "招投标", "中标", "Lost"]


@pytest.mark.parametrize("stages,field", [
    ([{"name": ""}], "stages.0.name"),
    ([{"name": "x", "probability": 101}], "stages.0.probability"),
    ([{"name": "x", "required_fields": ["salary"]}], "stages.0.required_fields"),
    ([{"name": "x", "kind": "maybe"}], "stages.0.kind"),
    ([{"name": "x", "max_days": 0}], "stages.0.max_days"),
])
def test_pipeline_create_validates_stages_and_creates_nothing(world, stages, field):
    before = Pipeline.objects.count()
    with pytest.raises(ValidationFailed) as error:
        pipeline_create(actor=world.p.admin, name="Bad", stages=stages)
    assert field in error.value.fields
    assert Pipeline.objects.count() == before


def test_only_config_managers_edit_pipelines(world):
    with pytest.raises(PermissionDenied):
        pipeline_create(actor=world.p.manager, name="Mine")
    with pytest.raises(PermissionDenied):
        stage_update(actor=world.p.alice, stage=world.stage("报价"), data={"name": "x"})
    with pytest.raises(PermissionDenied):
        lost_reason_create(actor=world.p.alice, name="x")


def test_rename_keeps_history_names(world):
    opp = world.opp(expected_close_date=None)
    from openfunnel.sales.services import opportunity_move

    opportunity_move(actor=world.p.alice, opportunity=opp, stage=world.stage("初次接触"))
    stage_update(actor=world.p.admin, stage=world.stage("初次接触"), data={"name": "首次拜访", "probability": 12})
    change = StageChange.objects.filter(opportunity=opp).last()
    assert change.to_stage_name == "初次接触" and change.to_stage.name == "首次拜访"
    assert Event.objects.get(verb="stage.updated").changes == {"name": ["初次接触", "首次拜访"], "probability": [10, 12]}


def test_won_and_lost_stage_probabilities_are_fixed(world):
    with pytest.raises(ValidationFailed):
        stage_update(actor=world.p.admin, stage=world.stage("赢单"), data={"probability": 90})
    stage_update(actor=world.p.admin, stage=world.stage("赢单"), data={"name": "成交"})
    assert Stage.objects.get(pk=world.stage("赢单").pk).name == "成交"


def test_add_reorder_and_retire_stages(world):
    added = stage_add(actor=world.p.admin, pipeline=world.pipeline, name="技术交流", probability=25, position=3)
    names = list(world.pipeline.stages.filter(kind="open").order_by("order").values_list("name", flat=True))
    assert names[:4] == ["取得销售机会", "初次接触", "技术交流", "需求收集"]
    ids = list(world.pipeline.stages.filter(kind="open").order_by("order").values_list("id", flat=True))
    stage_reorder(actor=world.p.admin, pipeline=world.pipeline, stage_ids=[ids[1], ids[0], *ids[2:]])
    assert world.pipeline.stages.filter(kind="open").order_by("order").first().name == "初次接触"
    with pytest.raises(ValidationFailed):
        stage_reorder(actor=world.p.admin, pipeline=world.pipeline, stage_ids=ids[:-1])
    with pytest.raises(ValidationFailed):
        stage_reorder(actor=world.p.admin, pipeline=world.pipeline, stage_ids=[ids[0], *ids[:-1]])
    stage_retire(actor=world.p.admin, stage=added)
    added.refresh_from_db()
    assert not added.is_active
    assert Event.objects.filter(verb__in=["stage.added", "pipeline.stages_reordered", "stage.retired"]).count() == 3


def test_retiring_a_stage_in_use_needs_a_destination(world):
    opp = world.opp()
    first = world.stage("取得销售机会")
    with pytest.raises(Conflict) as error:
        stage_retire(actor=world.p.admin, stage=first)
    assert error.value.code == "stage_in_use"
    with pytest.raises(ValidationFailed):
        stage_retire(actor=world.p.admin, stage=first, move_to=world.stage("赢单"))
    stage_retire(actor=world.p.admin, stage=first, move_to=world.stage("初次接触"))
    opp.refresh_from_db()
    assert opp.stage == world.stage("初次接触") and opp.probability == 10
    assert StageChange.objects.filter(opportunity=opp, to_stage=world.stage("初次接触")).exists()
    with pytest.raises(ValidationFailed):
        stage_retire(actor=world.p.admin, stage=world.stage("赢单"))


def test_pipeline_settings_and_lost_reasons(world):
    pipeline_update(actor=world.p.admin, pipeline=world.pipeline,
                    data={"close_reminder_days": 3, "auto_close_lost_after_days": 30,
                          "auto_close_lost_reason": world.reasons["其他"].pk})
    world.pipeline.refresh_from_db()
    assert world.pipeline.auto_close_lost_reason == world.reasons["其他"]
    with pytest.raises(ValidationFailed):
        pipeline_update(actor=world.p.admin, pipeline=world.pipeline, data={"close_reminder_days": -1})
    reason = lost_reason_create(actor=world.p.admin, name="交期太长")
    with pytest.raises(ValidationFailed):
        lost_reason_create(actor=world.p.admin, name="交期太长")
    lost_reason_update(actor=world.p.admin, reason=reason, data={"is_active": False})
    reason.refresh_from_db()
    assert not reason.is_active


def test_new_pipelines_name_their_closing_stages_in_the_active_language(world):
    with translation.override("zh-hans"):
        pipeline = pipeline_create(actor=world.p.admin, name="中文流程", stages=[{"name": "洽谈"}])
    assert list(pipeline.stages.filter(kind__in=["won", "lost"]).values_list("name", flat=True)) == ["赢单", "输单"]
