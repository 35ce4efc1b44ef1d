"""Personal data in quotes (issue 13, item 2): the same masking in every output, full-width
forms read as ASCII, numbers with separators, QQ/WeChat/bank cards, names with compound
surnames or titles, and no person name ever a keyword."""

from __future__ import annotations

import time

import pytest

from surveytool.analysis import text
from surveytool.analysis.text import count_keywords, tokenize_all
from surveytool.privacy import mask


@pytest.mark.parametrize(
    ("said", "shown"),
    [
        ("身份证号 110101 19900307 7777", "身份证号 [身份证号]"),
        ("110101-19900307-7777", "[身份证号]"),
        ("QQ 123456789", "[QQ号]"),
        ("我的qq号：987654321", "我的[QQ号]"),
        ("微信 zhangsan_1990", "[微信号]"),
        ("加我微信号:abc_12345 谢谢", "加我[微信号] 谢谢"),
        ("１３８１２３４５６７８", "[手机号]"),
        ("+8613812345678", "[手机号]"),
        ("138.1234.5678", "[手机号]"),
        ("138 1234 5678", "[手机号]"),
        ("卡号 6222 0212 3456 7890 123", "卡号 [银行卡号]"),
        ("电话0772-1234567", "电话[电话]"),
        ("欧阳娜娜反映经费不足", "[姓名]反映经费不足"),
        ("刘主任说要简化材料", "[姓名]主任说要简化材料"),
        ("王小明处长很支持", "[姓名]处长很支持"),
        ("希望减少表格填报，谢谢！", "希望减少表格填报，谢谢！"),  # punctuation and 谢谢 stay
    ],
)
def test_masked(said: str, shown: str) -> None:
    assert mask(said) == shown


def test_no_person_name_is_a_keyword() -> None:
    answers = ["王建国说报销流程太复杂"] * 12 + ["报销流程需要简化"] * 6
    kw = count_keywords(tokenize_all(answers))
    assert "王建国" not in set(kw["keyword"]) and "报销" in set(kw["keyword"])


def test_masking_stays_linear() -> None:
    long = ("１３８１２３４５６７８ 王主任 abc@" * 1500)[: text.MAX_CHARS * 20]
    start = time.perf_counter()
    mask(long)
    assert time.perf_counter() - start < 10  # 40,000 characters; quadratic patterns took minutes
