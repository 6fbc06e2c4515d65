"""Believable, deterministic Chinese B2B names, phones and codes for the demo company."""

from __future__ import annotations

import random
from collections.abc import Iterator

from openfunnel.customers.dedup import USCC_ALPHABET, USCC_WEIGHTS

CITIES = [("上海", "310000", "华东"), ("杭州", "330100", "华东"), ("苏州", "320500", "华东"), ("宁波", "330200", "华东"),
          ("南京", "320100", "华东"), ("无锡", "320200", "华东"), ("合肥", "340100", "华东"), ("温州", "330300", "华东"),
          ("深圳", "440300", "华南"), ("广州", "440100", "华南"), ("东莞", "441900", "华南"), ("佛山", "440600", "华南"),
          ("厦门", "350200", "华南"), ("中山", "442000", "华南"), ("北京", "110000", "华北"), ("天津", "120000", "华北"),
          ("青岛", "370200", "华北"), ("济南", "370100", "华北"), ("石家庄", "130100", "华北"), ("沈阳", "210100", "华北")]
CORES = ["星辰", "恒通", "华力", "金鼎", "瑞丰", "宏达", "中科", "海德", "联创", "博远", "九洲", "天润", "鼎盛", "新锐",
         "永兴", "中昊", "嘉禾", "立信", "凯胜", "明扬", "正泰", "安达", "信诚", "众合", "同创", "远航", "蓝海", "德润",
         "汇通", "佳和", "晨光", "盛世", "康泰", "华宇", "万通", "银河", "卓越", "启明", "腾飞", "泰和", "精工", "睿达",
         "东方", "宇航", "鸿运", "创维", "美达", "丰源", "力拓", "金石"]
TRADES = [("精密机械", "machinery"), ("电子科技", "electronics"), ("化工", "chemicals"), ("纺织", "textiles"),
          ("建材", "construction"), ("物流", "logistics"), ("医疗器械", "healthcare"), ("软件", "software"),
          ("食品", "food"), ("新能源", "energy"), ("自动化设备", "machinery"), ("汽车配件", "manufacturing"),
          ("包装材料", "manufacturing"), ("环保科技", "manufacturing"), ("五金制品", "manufacturing"),
          ("供应链管理", "logistics")]
FORMS = ["有限公司", "有限公司", "有限公司", "股份有限公司", "有限责任公司"]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
GIVEN = ["伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "秀兰",
         "霞", "平", "刚", "桂英", "建华", "文", "华", "红", "志强", "海燕", "晓东", "雪", "鹏", "宇", "婷", "浩", "斌"]
TITLES = ["总经理", "采购经理", "采购专员", "技术总监", "生产经理", "财务经理", "工程师", "副总经理", "项目经理", "设备主管"]


def company_names(rng: random.Random) -> Iterator[tuple[str, tuple[str, str, str], str]]:
    """Endless distinct (company name, city, industry) triples; the normalized names never repeat."""
    combos = [(city, core, trade) for city in CITIES for core in CORES for trade in TRADES]
    rng.shuffle(combos)
    for city, core, (trade, industry) in combos:
        yield f"{city[0]}{core}{trade}{rng.choice(FORMS)}", city, industry


def person_name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN)


def mobile_numbers(rng: random.Random) -> Iterator[str]:
    """Distinct mainland mobile numbers."""
    prefixes = ["135", "136", "137", "138", "139", "150", "151", "158", "159", "186", "187", "188", "177", "199"]
    for serial in rng.sample(range(10_000_000, 99_999_999), 60_000):
        yield f"{rng.choice(prefixes)}{serial}"[:11]


def uscc_for(region_code: str, serial: int) -> str:
    """A valid unified social credit code (check character computed) for company number `serial`."""
    body = "91" + region_code
    digits = ""
    value = serial * 7919 + 104729
    for _ in range(9):
        digits += USCC_ALPHABET[value % 31]
        value //= 31
    prefix = body + digits
    total = sum(USCC_ALPHABET.index(ch) * weight for ch, weight in zip(prefix, USCC_WEIGHTS, strict=True))
    return prefix + USCC_ALPHABET[(31 - total % 31) % 31]
