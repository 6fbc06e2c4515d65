"""Sizes, vocabularies and the deterministic values of the benchmark company (names, phones)."""

from __future__ import annotations

import bisect
import itertools
import json
import random
from dataclasses import dataclass, field
from typing import Any

from openfunnel.demo import names
from openfunnel.demo.seed import FOLLOW_UP_TEXTS

FULL = {"customers": 1_000_000, "contacts": 1_500_000, "follow_ups": 5_000_000, "opportunities": 1_000_000,
        "stage_changes": 5_000_000}
REPS = 500
REGIONS = 10
TEAMS_PER_REGION = [4] * 9 + [3]   # 39 teams: 1 + 10 + 39 = 50 departments on three levels
YEARS = 3
CHUNK = 10_000                     # customers (and everything hanging off them) per transaction
SHARE_RATE = 0.01                  # customers with a collaborator
TAG_RATE = 0.2                     # customers with tags
TASKS_PER_REP_FULL = 20
DAY = 86400.0

MARKER_DEPARTMENT = "Bench HQ"
GENERATED_VERB = "bench.generated"
ADMIN_USERNAME = "bench.admin"
REP_USERNAME = "bench.rep0001"     # a rep of the first region
MANAGER_USERNAME = "bench.mgr01"   # the first region's manager: ~50 reps below him
BENCH_PASSWORD = "bench1234"
DEFAULT_SEED = 20261122
SAMPLE_FILE = "opportunities/bench/sample.jpg"

TAG_NAMES = ["重点行业", "老客户转介绍", "价格敏感", "需要样品", "外资企业"]
PRODUCTS = ["数控机床", "工业传感器", "伺服电机", "包装生产线", "检测设备", "环保设备", "ERP 实施", "仓储系统",
            "自动化产线", "配件年度采购"]
NEXT_STEPS = ["安排技术交流", "寄送样品", "提交报价单", "邀请客户验厂", "确认合同条款", "跟进付款计划"]
COMPETITORS = ["", "", "西门子", "发那科", "汇川技术", "本地供应商"]
SIZES = ["1-20", "21-100", "21-100", "101-500", "501-1000", "1000+"]
SOURCES = ["referral", "website", "cold_call", "partner", "trade_show", "wechat", "advertising"]
DECISION_ROLES = ["decision_maker", "influencer", "supporter", "user", "", ""]
DISTRICTS = ["高新区", "经开区", "工业园区", "滨江区"]
TASK_TITLES = ["准备报价单", "寄送样品", "整理技术方案", "安排客户验厂", "催收回款", "回访老客户", "更新客户资料"]
PHONE_PREFIXES = ["135", "136", "137", "138", "139", "150", "151", "158", "159", "186", "187", "188", "177", "199"]

CITIES, CORES, TRADES = names.CITIES, names.CORES, names.TRADES
NAME_COMBOS = len(CITIES) * len(CORES) * len(CORES) * len(TRADES)   # 800,000 distinct names per branch
BRANCHES = ["", "二厂", "三厂", "四厂", "五厂", "六厂", "七厂", "八厂", "九厂", "十厂"]


def full_counts(scale: float) -> dict[str, int]:
    """How many rows of each volume the generator writes at `scale` (five follow-ups per customer and five
    stage changes per opportunity, exactly)."""
    customers = max(2, round(FULL["customers"] * scale))
    opportunities = max(2, round(FULL["opportunities"] * scale))
    return {"customers": customers, "contacts": customers + customers // 2, "follow_ups": 5 * customers,
            "opportunities": opportunities, "stage_changes": 5 * opportunities}


def company_name(serial: int) -> tuple[str, tuple[str, str, str], str]:
    """The `serial`-th company (name, city, industry): city, two brand cores, trade, branch and legal form.
    Different serials never share a normalized name, so the duplicate check would accept every one."""
    combo = (serial * 7919) % NAME_COMBOS   # 7919 is prime to 800,000: a permutation of the combinations
    round_ = serial // NAME_COMBOS
    branch = BRANCHES[round_] if round_ < len(BRANCHES) else f"{round_ + 1}厂"
    combo, city_index = divmod(combo, len(CITIES))
    combo, first = divmod(combo, len(CORES))
    trade_index, second = divmod(combo, len(CORES))
    city = CITIES[city_index]
    trade, industry = TRADES[trade_index]
    form = "股份有限公司" if serial % 5 == 3 else "有限责任公司" if serial % 5 == 4 else "有限公司"
    return f"{city[0]}{CORES[first]}{CORES[second]}{trade}{branch}{form}", city, industry


def phone_digits(serial: int) -> str:
    """Distinct mainland mobile numbers: the 8 digits after the prefix are a permutation of the serial."""
    return PHONE_PREFIXES[serial % len(PHONE_PREFIXES)] + f"{(serial * 48271 + 12345) % 100_000_000:08d}"


def search_term(serial: int = 0) -> str:
    """A name fragment that finds a handful of companies: the two brand cores of company `serial`."""
    name, city, _industry = company_name(serial)
    return name[len(city[0]):len(city[0]) + 4]


def encode(value: Any) -> str:
    return json.dumps(value)


class Weighted:
    """A weighted choice with one random number (random.choices builds two lists on every call)."""

    def __init__(self, items: list[Any], weights: list[float]) -> None:
        self.items = items
        self.cumulative = list(itertools.accumulate(weights))
        self.total = self.cumulative[-1]

    def pick(self, rng: random.Random) -> Any:
        return self.items[bisect.bisect_right(self.cumulative, rng.random() * self.total)]


KINDS = list(FOLLOW_UP_TEXTS)
KIND_PICK = Weighted(KINDS, [5, 2, 1, 1, 3, 1])
STATUS_PICK = Weighted(["potential", "deal", "churned"], [6, 3, 1])


@dataclass
class Person:
    id: int
    name: str
    team: int
    name_json: str = ""
