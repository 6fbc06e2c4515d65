"""The demo pipelines and standard lost reasons every fresh installation starts with.

`build_default_pipelines` takes the model classes so that the data migration can run it with the
historical models; `ensure_default_pipelines` (services) runs it with the current ones.
"""

from __future__ import annotations

from typing import Any

WON_ORDER, LOST_ORDER = 1000, 1001

STANDARD = {
    "name": "标准销售流程",
    "description": "新客户从取得销售机会到验厂签约的完整流程。",
    "stages": [
        ("取得销售机会", 5, "确认商机来源与基本需求，登记客户和关键联系人。",
         ["确认客户基本信息与来源", "识别关键联系人", "初步判断需求与预算"], [], 0, 7),
        ("初次接触", 10, "通过电话或拜访与客户建立联系，介绍公司与产品，了解客户的采购流程。",
         ["完成首次电话或拜访", "介绍公司及产品", "了解采购流程与决策链"], [], 0, 14),
        ("需求收集", 20, "深入了解技术要求、数量、交期和预算，明确预计成交日期。",
         ["记录技术规格与数量", "确认交期与预算", "确定预计成交日期"], ["expected_close_date"], 0, 21),
        ("客户考察", 35, "邀请客户来访或安排参观，展示生产能力和成功案例，确认决策人。",
         ["安排客户来访或参观", "展示成功案例", "确认决策人及其关注点"], ["contacts"], 0, 21),
        ("提供样品", 50, "按客户要求寄送样品，上传样品照片和快递单号，跟踪客户的测试结果。",
         ["确认样品规格", "寄出样品并上传照片与快递单号", "跟进样品测试反馈"], [], 1, 30),
        ("报价", 65, "根据需求和样品反馈编制报价，明确商务条款；折扣超出权限时提交审批。",
         ["编制报价单", "确认付款与交付条款", "折扣超出权限时提交审批"], ["amount"], 0, 14),
        ("客户验厂", 80, "配合客户验厂或资质审核，准备质量体系文件，整改审核问题后推进签约。",
         ["准备资质与质量体系文件", "陪同客户完成验厂", "整改审核发现的问题"], ["amount", "expected_close_date"],
         0, 30),
    ],
    "won": ("赢单", "签订合同，创建合同/订单，安排交付与回款计划。", ["签订合同", "创建合同与回款计划"]),
    "lost": ("输单", "记录输单原因和竞争对手，便于复盘。", ["记录输单原因", "记录竞争对手"]),
}

RENEWAL = {
    "name": "续约/复购流程",
    "description": "老客户续约、复购的简化流程。",
    "stages": [
        ("意向确认", 30, "确认客户的续约或复购意向、数量与时间。", ["确认续约/复购意向", "确认数量与时间"], [], 0, 14),
        ("方案报价", 60, "根据历史订单和新需求给出方案与报价。", ["参考历史订单", "提交方案与报价"], ["amount"], 0, 14),
        ("合同谈判", 80, "谈判价格与条款，确定签约日期。", ["确认价格与条款", "确定签约日期"],
         ["amount", "expected_close_date"], 0, 21),
    ],
    "won": ("赢单", "签订续约合同或复购订单。", ["签订合同"]),
    "lost": ("输单", "记录未续约的原因。", ["记录原因"]),
}

LOST_REASONS = ["价格过高", "选择竞争对手", "需求取消", "预算不足", "联系人离职", "其他"]


def build_default_pipelines(Pipeline: Any, Stage: Any, LostReason: Any) -> list[Any]:
    """Creates the missing demo pipelines (matched by name) and lost reasons; existing ones stay as
    the admin left them. Returns the pipelines created."""
    created = []
    for order, spec in enumerate([STANDARD, RENEWAL]):
        if Pipeline.objects.filter(name=spec["name"]).exists():
            continue
        pipeline = Pipeline.objects.create(name=spec["name"], description=spec["description"], order=order)
        for index, (name, probability, guidance, checklist, fields, attachments, max_days) in enumerate(
                spec["stages"], start=1):
            Stage.objects.create(pipeline=pipeline, name=name, order=index, probability=probability,
                                 guidance=guidance, checklist=checklist, required_fields=fields,
                                 required_attachments=attachments, max_days=max_days, kind="open")
        for kind, order_, probability in (("won", WON_ORDER, 100), ("lost", LOST_ORDER, 0)):
            name, guidance, checklist = spec[kind]
            Stage.objects.create(pipeline=pipeline, name=name, order=order_, probability=probability,
                                 guidance=guidance, checklist=checklist, kind=kind)
        created.append(pipeline)
    for order, name in enumerate(LOST_REASONS):
        LostReason.objects.get_or_create(name=name, defaults={"order": order})
    return created
