"""Reading numeric ranges out of option labels, and finding overlaps and gaps between them.

Convention (《民法典》第1259条): 以上、以下、以内、届满 include the number; 不满、低于、少于、
超过、多于、未满 exclude it.
"""

from __future__ import annotations

import pytest

from surveytool.bank.lint_ranges import INF, Fault, Range, parse_range, range_faults

LABELS = [
    ("20～29岁", Range(20, True, 29, True, "岁")),
    ("20~29岁", Range(20, True, 29, True, "岁")),
    ("30岁以下", Range(-INF, False, 30, True, "岁")),
    ("三十岁以下", Range(-INF, False, 30, True, "岁")),
    ("29岁及以下", Range(-INF, False, 29, True, "岁")),
    ("45周岁及以上", Range(45, True, INF, False, "岁")),
    ("5年以上", Range(5, True, INF, False, "年")),
    ("不满1年", Range(-INF, False, 1, False, "年")),
    ("未满 1 年", Range(-INF, False, 1, False, "年")),
    ("一年以内", Range(-INF, False, 1, True, "年")),
    ("1000人及以上", Range(1000, True, INF, False, "人")),
    ("1000名以上", Range(1000, True, INF, False, "人")),
    ("6个月以内", Range(-INF, False, 6, True, "月")),
    ("6个月以上至1年", Range(6, True, 12, True, "月")),
    ("1～2年", Range(1, True, 2, True, "年")),
    ("3-5年", Range(3, True, 5, True, "年")),
    ("3—5年", Range(3, True, 5, True, "年")),
    ("3至5年", Range(3, True, 5, True, "年")),
    ("10年及以上", Range(10, True, INF, False, "年")),
    ("超过10年", Range(10, False, INF, False, "年")),
    ("届满5年", Range(5, True, INF, False, "年")),
    ("不足20人", Range(-INF, False, 20, False, "人")),
    ("少于3家", Range(-INF, False, 3, False, "家")),
    ("多于10项", Range(10, False, INF, False, "项")),
    ("低于5%", Range(-INF, False, 5, False, "%")),
    ("10%～30%", Range(10, True, 30, True, "%")),
    ("50万元以下", Range(-INF, False, 500_000, True, "元")),
    ("100万～500万元", Range(1_000_000, True, 5_000_000, True, "元")),
    ("1～5万元", Range(10_000, True, 50_000, True, "元")),
    ("1.5～2万元", Range(15_000, True, 20_000, True, "元")),
    ("1亿元以上", Range(100_000_000, True, INF, False, "元")),
    ("5年以上10年以下", Range(5, True, 10, True, "年")),
    ("1年以上不满3年", Range(1, True, 3, False, "年")),
    ("3年（含）至5年（不含）", Range(3, True, 5, False, "年")),
    ("30岁以下（含30岁）", Range(-INF, False, 30, True, "岁")),
    ("1～2次", Range(1, True, 2, True, "次")),
    ("0次", Range(0, True, 0, True, "次")),
    ("1人", Range(1, True, 1, True, "人")),
    ("3～5", Range(3, True, 5, True, "")),
]

NOT_RANGES = [
    "近3年",  # a period, not an amount
    "2022年",  # a date
    "国家级",
    "一般",  # 一 is not a number here
    "一般职工",
    "三甲医院",
    "5G",
    "985高校",
    "第1名",
    "3A级",
    "不清楚",
    "其他（请注明）",
    "以上都没有",
    "1",  # a bare scale code
    "每周1～2次",
    "1～2次/周",
    "30～20岁",  # reversed ends
    "1～2～3年",
    "不满1年至3年",  # an upper bound where a lower one belongs
]


@pytest.mark.parametrize(("label", "expected"), LABELS, ids=[x[0] for x in LABELS])
def test_parse_range(label: str, expected: Range) -> None:
    assert parse_range(label) == expected


@pytest.mark.parametrize("label", NOT_RANGES)
def test_labels_that_are_not_ranges(label: str) -> None:
    assert parse_range(label) is None


FAULTS = [
    # whole years: 1～2 then 3～5 is contiguous, but 5 is in two options
    (
        ["不满1年", "1～2年", "3～5年", "5年以上"],
        [Fault("overlap", 2, 3, "5年", ("3～5年", "6年及以上"))],
    ),
    (
        ["20人以下", "20～99人", "100～299人"],
        [Fault("overlap", 0, 1, "20人", ("不足20人", "20～99人"))],
    ),
    (
        ["6～10年", "11～20年", "20年以上"],
        [Fault("overlap", 1, 2, "20年", ("11～20年", "21年及以上"))],
    ),
    (
        ["30岁以下", "30～34岁", "35～39岁"],
        [Fault("overlap", 0, 1, "30岁", ("不足30岁", "30～34岁"))],
    ),
    (
        ["不满1年", "1～2年", "4～5年", "6年及以上"],
        [Fault("gap", 1, 2, "3年", ("1～2年", "3～5年"))],
    ),
    (
        ["不满1年", "1～2年", "5～6年", "7年及以上"],
        [Fault("gap", 1, 2, "3～4年", ("1～2年", "3～6年"))],
    ),
    # months mixed with years: counted in months, amounts on a line
    (
        ["6个月以内", "6个月以上至1年", "1～2年", "3年以上"],
        [
            Fault("overlap", 0, 1, "6个月", ("不足6个月", "6个月以上至1年")),
            Fault("overlap", 1, 2, "1年", ("6个月至不足1年", "1～2年")),
            Fault("gap", 2, 3, "2年～3年之间的值", ("1～2年", "超过2年")),
        ],
    ),
    # amounts: no whole numbers
    (
        ["50万元以下", "50万～100万元", "超过100万元"],
        [Fault("overlap", 0, 1, "50万元", ("不足50万元", "50万～100万元"))],
    ),
    (
        ["10%以下", "10%～30%", "30%～50%", "超过50%"],
        [
            Fault("overlap", 0, 1, "10%", ("不足10%", "10%～30%")),
            Fault("overlap", 1, 2, "30%", ("10%至不足30%", "30%～50%")),
        ],
    ),
    # order of the options does not matter
    (
        ["20年以上", "11～20年", "6～10年"],
        [Fault("overlap", 1, 0, "20年", ("11～20年", "21年及以上"))],
    ),
]

CLEAN = [
    ["不足20人", "20～99人", "100～299人", "300人及以上"],
    ["11～20年", "21年及以上"],
    ["29岁及以下", "30～34岁", "35～39岁", "40～44岁", "45岁及以上"],
    ["不满1年", "1～2年", "3～5年", "6年及以上"],
    ["不满6个月", "6个月～1年（不含）", "1年（含）～2年（不含）", "2年及以上"],
    ["半年以内", "超过半年不满1年", "1年及以上"],
    ["不足50万元", "50万～100万元", "超过100万元"],
    ["0次", "1～2次", "3次及以上", "不清楚"],
    ["国家级", "自治区级", "市级"],  # not ranges
    ["30岁以下", "20人以上"],  # two units: nothing to compare
    ["30岁以下", "不清楚"],  # one range only
]


@pytest.mark.parametrize(("labels", "expected"), FAULTS)
def test_range_faults(labels: list[str], expected: list[Fault]) -> None:
    assert range_faults(labels) == expected


@pytest.mark.parametrize("labels", CLEAN)
def test_ranges_that_meet_exactly(labels: list[str]) -> None:
    assert range_faults(labels) == []
