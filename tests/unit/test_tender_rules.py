"""Red-flag rules on single clauses: what they flag, and the look-alikes they leave alone."""

from __future__ import annotations

import pytest

from buyersync.tender.model import Clause
from buyersync.tender.rules import scan


def kinds(text: str) -> set[str]:
    return {h.pattern.kind.value for h in scan([Clause(id="c1", location="—", text=text)])}


@pytest.mark.parametrize("text, kind", [
    ("★ 品牌：西门子，型号S7-1500", "brand_named"),
    ("控制系统须采用西门子品牌PLC。", "brand_named"),
    ("设备须为德国原装进口产品。", "brand_named"),
    ("本项目采用ZL201810123456.7号专利技术。", "brand_named"),
    ("Brand name only: Cisco Catalyst 9300, no substitutions.", "brand_named"),
    ("主机重量：23.7kg；外形尺寸：1235mm×867mm×1580mm", "single_product_spec"),
    ("须采用独家专有的自适应降噪算法。", "single_product_spec"),
    ("投标人须为高新技术企业，并具有AAA级信用等级证书。", "unrelated_qualification"),
    ("投标人成立时间不少于10年。", "unrelated_qualification"),
    ("投标人须具有江苏省内同类项目业绩。", "regional_or_industry_record"),
    ("投标人须在本市设有售后服务机构。", "regional_or_industry_record"),
    ("获得鲁班奖的每项得2分。", "regional_or_industry_record"),
    ("具有三甲医院同类项目业绩的得5分。", "regional_or_industry_record"),
    ("Offerors must have an office located within the county limits.", "regional_or_industry_record"),
    ("投标人注册资本不低于5000万元。", "size_threshold"),
    ("投标人近三年年均营业收入不低于1亿元。", "size_threshold"),
    ("The offeror must have at least 500 full-time employees.", "size_threshold"),
    ("检测报告须由国家电子计算机质量检验检测中心出具。", "specific_certificate_or_report"),
    ("投标人具有五星级售后服务认证的得3分。", "specific_certificate_or_report"),
    ("本地企业投标的，评审时给予加3分。", "discriminatory_treatment"),
    ("投标人须为国有企业。", "discriminatory_treatment"),
    ("Preference will be given to local vendors in the evaluation.", "discriminatory_treatment"),
])
def test_a_restrictive_clause_gets_its_kind(text: str, kind: str) -> None:
    assert kind in kinds(text)


@pytest.mark.parametrize("text", [
    "参考品牌：西门子、施耐德或同等档次产品。",
    "品牌：投标人自报；规格型号：投标人填写。",
    "投标人须具有ISO9001质量管理体系认证。",
    "显示屏尺寸≥21.5英寸，分辨率不低于1920×1080。",
    "工作温度范围：-10℃～45℃，重量不大于25kg。",
    "投标人须具有同类项目业绩（不限地域）。",
    "投标人应承诺中标后在本市设立售后服务网点，接到报修后2小时内到达现场。",
    "不得将注册资本、营业收入等规模条件作为资格要求。",
    "检测报告须由具有CMA资质的第三方检测机构出具。",
    "系统须兼容现有西门子PLC控制系统。",
    "Brand name or equal; salient characteristics are listed in Annex B.",
    "The contractor shall be registered in SAM.gov.",
    "Throughput of at least 100 samples per hour.",
    "投标人须提供营业执照副本及近三个月社保缴纳证明。",
    "项目团队人员不少于10人，其中高级工程师不少于2人。",
    "投标人名称 | ____ | 注册资本 | ____ 万元",  # the bidder's details form, not a threshold
    "采购人不得以特定行政区域或者特定行业的业绩、奖项作为加分条件或者中标条件。",  # the law quoted
    "乙方应在采购人所在市设立售后服务机构。",  # a contract obligation of the winner
    "The agency shall not specify a brand name without the words or equal.",
])
def test_a_look_alike_is_not_flagged(text: str) -> None:
    assert kinds(text) == set()
