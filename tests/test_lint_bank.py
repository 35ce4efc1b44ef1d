"""The questionnaire-quality lint (``surveytool check``, ``--strict``): each rule planted in a
small bank gives its exact message (built from the catalogue); the clean bank gives none.

(``tests/test_lint.py`` is the ruff test.)
"""

from __future__ import annotations

from pathlib import Path

import pytest

from surveytool.bank.lint import estimate_minutes, lint_bank, stated_minutes
from surveytool.bank.loader import load_bank
from surveytool.cli import main
from surveytool.errors import problem

from conftest import write_bank

F = "bank.yaml"

CLEAN = """\
id: clean
version: 1
title: 测试问卷
description: 为了解科研人员的工作负担，开展本次调查。问卷匿名填写，您可自愿参加，填写约需 2 分钟。
scales:
  agree: {1: 非常不同意, 2: 不同意, 3: 既不同意也不反对, 4: 同意, 5: 非常同意}
sections:
  - id: B
    title: 基本情况
    questions:
      - id: B1
        type: single
        text: 您所在的单位
        options: {1: 甲大学, 2: 乙医院}
        role: unit
      - id: B2
        type: single
        text: 您的年龄
        options: {1: 不足30岁, 2: 30～39岁, 3: 40岁及以上}
        role: group
      - id: B3
        type: single
        text: 您的职务
        options: {1: 单位负责人, 2: 一般职工}
        role: group
        identifying: true
      - id: B4
        type: single
        text: 您的职称
        options: {1: 正高级, 2: 其他}
        role: group
        identifying: true
  - id: C
    title: 工作负担
    questions:
      - id: C1
        type: likert
        text: 您在多大程度上同意以下说法？
        scale: agree
        construct: 行政负担
        problem_when: high
        items:
          C1_1: {text: 项目申报材料多, problem: 项目申报材料多}
          C1_2: {text: 报销手续繁琐, problem: 报销手续繁琐}
          C1_3: {text: 我有足够的时间专注科研, reverse: true, problem: 科研时间不足}
      - id: C2
        type: multi
        text: 最突出的负担
        problem_when: high
        options:
          1: {label: 报销, problem: 报销负担重}
          2: {label: 会议, problem: 会议负担重}
          3: {label: 以上都没有, none: true}
          4: {label: 不清楚, missing: true}
"""


def lint_text(tmp_path: Path, text: str) -> list[str]:
    return [p.message for p in lint_bank(write_bank(tmp_path, text))]


def planted(old: str, new: str) -> str:
    assert old in CLEAN, old
    return CLEAN.replace(old, new, 1)


def line_of(text: str, needle: str) -> int:
    """The 1-based line of the first line containing ``needle``."""
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


def msg(code: str, bank: str, needle: str, field: str | None = None, **values) -> str:
    """The catalogue message of ``code`` at the line of ``bank`` holding ``needle``."""
    return problem(code, file=F, line=line_of(bank, needle), field=field, **values).message


def test_the_clean_bank_has_no_warning(tmp_path: Path) -> None:
    assert lint_text(tmp_path, CLEAN) == []


# --- 1. ranges ------------------------------------------------------------------------------

RANGES = "options: {1: 不足30岁, 2: 30～39岁, 3: 40岁及以上}"


def test_overlapping_ranges(tmp_path: Path) -> None:
    text = planted(RANGES, "options: {1: 30岁以下, 2: 30～39岁, 3: 40岁及以上}")
    expected = msg(
        "lint_range_overlap",
        text,
        "30岁以下",
        "B2",
        first="30岁以下",
        second="30～39岁",
        value="30岁",
        fixed_first="不足30岁",
        fixed_second="30～39岁",
    )
    assert lint_text(tmp_path, text) == [expected]


def test_ranges_with_a_gap(tmp_path: Path) -> None:
    text = planted(RANGES, "options: {1: 不足30岁, 2: 31～39岁, 3: 40岁及以上}")
    expected = msg(
        "lint_range_gap",
        text,
        "31～39岁",
        "B2",
        first="不足30岁",
        second="31～39岁",
        value="30岁",
        fixed_first="不足30岁",
        fixed_second="30～39岁",
    )
    assert lint_text(tmp_path, text) == [expected]


def test_overlap_reported_at_the_option_line(tmp_path: Path) -> None:
    block = "options:\n          1: 11～20年\n          2: 20年以上"
    text = planted(RANGES, block)
    expected = msg(
        "lint_range_overlap",
        text,
        "2: 20年以上",
        "B2",
        first="11～20年",
        second="20年以上",
        value="20年",
        fixed_first="11～20年",
        fixed_second="21年及以上",
    )
    assert lint_text(tmp_path, text) == [expected]


# --- 2. double-barrelled items ----------------------------------------------------------------


def test_two_objects_in_an_item(tmp_path: Path) -> None:
    text = planted("C1_2: {text: 报销手续繁琐", "C1_2: {text: 科研秘书或财务助理能够帮我报销")
    expected = msg(
        "lint_double_barrelled",
        text,
        "C1_2:",
        "C1",
        item="C1_2",
        text="科研秘书或财务助理能够帮我报销",
        word="或",
    )
    assert lint_text(tmp_path, text) == [expected]


def test_two_claims_in_an_item(tmp_path: Path) -> None:
    text = planted("C1_2: {text: 报销手续繁琐", "C1_2: {text: 报销手续繁琐，并且耗时较长")
    expected = msg(
        "lint_two_claims",
        text,
        "C1_2:",
        "C1",
        item="C1_2",
        text="报销手续繁琐，并且耗时较长",
        word="并且",
    )
    assert lint_text(tmp_path, text) == [expected]


@pytest.mark.parametrize(
    "item",
    [
        "知识产权保护到位",  # no joint at all
        "党组织与企业管理层有定期沟通的机制",  # 与 means "with"
        "科技部门能够及时回应企业的问题",  # 及时 is one word
        "我能够便利地使用科研平台和仪器设备",  # the joint is not in the subject
    ],
)
def test_items_that_are_not_double_barrelled(tmp_path: Path, item: str) -> None:
    assert lint_text(tmp_path, planted("C1_2: {text: 报销手续繁琐", f"C1_2: {{text: {item}")) == []


# --- 3. loaded words --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("item", "code", "word"),
    [
        ("项目申报材料过于繁琐", "lint_loaded_degree", "过于"),
        ("青年人员获得经费支持的机会偏少", "lint_loaded_degree", "偏少"),
        ("难道报销手续不繁琐吗", "lint_loaded_rhetorical", "难道"),
        ("报销是否应该全部线上办理", "lint_loaded_should", "是否应该"),
        ("报销中有不合理的规定", "lint_loaded_judgement", "不合理的"),
        ("报销中存在的制度障碍较多", "lint_presupposes", "存在的制度障碍"),
    ],
)
def test_loaded_words_in_an_item(tmp_path: Path, item: str, code: str, word: str) -> None:
    text = planted("C1_1: {text: 项目申报材料多", f"C1_1: {{text: {item}")
    expected = msg(code, text, "C1_1:", "C1", what="小题 C1_1", text=item, word=word)
    assert lint_text(tmp_path, text) == [expected]


def test_loaded_words_in_a_question_text(tmp_path: Path) -> None:
    text = planted("text: 最突出的负担", "text: 您工作中存在的最突出的问题")
    expected = msg(
        "lint_presupposes",
        text,
        "- id: C2",
        "C2",
        what="题目",
        text="您工作中存在的最突出的问题",
        word="存在的最突出的问题",
    )
    assert lint_text(tmp_path, text) == [expected]


def test_problem_phrases_may_name_the_problem(tmp_path: Path) -> None:
    text = planted("problem: 报销负担重", "problem: 报销材料过于繁琐")
    assert lint_text(tmp_path, text) == []


# --- 4. agreement scale midpoint --------------------------------------------------------------


def test_agreement_scale_without_a_neutral_midpoint(tmp_path: Path) -> None:
    text = planted("3: 既不同意也不反对", "3: 一般")
    expected = msg(
        "lint_scale_midpoint",
        text,
        "agree:",
        scale="agree",
        labels="非常不同意、不同意、一般、同意、非常同意",
        mid="一般",
        questions="C1",
    )
    assert lint_text(tmp_path, text) == [expected]


@pytest.mark.parametrize("mid", ["中立", "说不清", "不确定"])
def test_neutral_midpoints(tmp_path: Path, mid: str) -> None:
    assert lint_text(tmp_path, planted("3: 既不同意也不反对", f"3: {mid}")) == []


def test_a_satisfaction_scale_may_say_yiban(tmp_path: Path) -> None:
    text = planted(
        "agree: {1: 非常不同意, 2: 不同意, 3: 既不同意也不反对, 4: 同意, 5: 非常同意}",
        "agree: {1: 非常不满意, 2: 不满意, 3: 一般, 4: 满意, 5: 非常满意}",
    )
    assert lint_text(tmp_path, text) == []


# --- 5. batteries ------------------------------------------------------------------------------


def test_construct_with_two_items(tmp_path: Path) -> None:
    text = planted("          C1_2: {text: 报销手续繁琐, problem: 报销手续繁琐}\n", "")
    expected = msg(
        "lint_construct_few_items",
        text,
        "- id: C1",
        "C1",
        construct="行政负担",
        count=2,
        items="C1_1、C1_3",
    )
    assert lint_text(tmp_path, text) == [expected]


def test_construct_without_a_reversed_item(tmp_path: Path) -> None:
    text = planted("reverse: true, problem: 科研时间不足", "problem: 科研时间不足")
    expected = msg(
        "lint_construct_no_reverse",
        text,
        "- id: C1",
        "C1",
        construct="行政负担",
        count=3,
        items="C1_1、C1_2、C1_3",
    )
    assert lint_text(tmp_path, text) == [expected]


# --- 6. problem phrases ------------------------------------------------------------------------


def test_item_without_a_problem_phrase(tmp_path: Path) -> None:
    text = planted("C1_2: {text: 报销手续繁琐, problem: 报销手续繁琐}", "C1_2: 报销手续繁琐")
    expected = msg("lint_no_problem_phrase", text, "- id: C1", "C1", what="小题", ids="C1_2")
    assert lint_text(tmp_path, text) == [expected]


def test_option_without_a_problem_phrase(tmp_path: Path) -> None:
    text = planted("2: {label: 会议, problem: 会议负担重}", "2: 会议")
    expected = msg("lint_no_problem_phrase", text, "- id: C2", "C2", what="选项", ids="2（会议）")
    assert lint_text(tmp_path, text) == [expected]


def test_single_on_a_scale_needs_the_question_phrase(tmp_path: Path) -> None:
    extra = (
        "      - id: C3\n        type: single\n        text: 总体上，报销流程顺畅\n"
        "        scale: agree\n        problem_when: low\n"
    )
    text = CLEAN + extra
    expected = msg("lint_no_problem_phrase", text, "- id: C3", "C3", what="题目", ids="C3")
    assert lint_text(tmp_path, text) == [expected]
    assert lint_text(tmp_path, text + "        problem: 报销流程不顺畅\n") == []


# --- 7.–9. the cover --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "missing"),
    [
        ("您可自愿参加，", "", "自愿参加的说明"),
        ("问卷匿名填写，", "", "匿名承诺"),
        ("为了解科研人员的工作负担，开展本次调查。", "", "调查目的"),
        ("填写约需 2 分钟。", "", "所需时间（约需 N 分钟）"),
    ],
)
def test_description_parts(tmp_path: Path, old: str, new: str, missing: str) -> None:
    text = planted(old, new)
    expected = msg("lint_description_parts", text, "description:", missing=missing)
    assert lint_text(tmp_path, text) == [expected]


def test_pii_under_a_promise_of_anonymity(tmp_path: Path) -> None:
    text = CLEAN + "      - {id: C3, type: text, text: 您的手机号码, pii: true}\n"
    expected = msg("lint_pii_anonymous", text, "- {id: C3", "C3")
    assert lint_text(tmp_path, text) == [expected]
    assert lint_text(tmp_path, text.replace(", pii: true", "")) == []


def test_stated_time_far_from_the_estimate(tmp_path: Path) -> None:
    text = planted("约需 2 分钟", "约需 20 分钟")
    expected = msg(
        "lint_time",
        text,
        "description:",
        stated="20",
        estimate=2,
        detail="单选 4 题、多选 1 题、量表小题 3 个",
    )
    assert lint_text(tmp_path, text) == [expected]
    assert lint_text(tmp_path, planted("约需 2 分钟", "约需 5 分钟")) == []  # off by 3: fine


def test_time_estimate_and_stated_time(tmp_path: Path) -> None:
    bank = load_bank(write_bank(tmp_path, CLEAN))
    # 4 single x 8 s + 1 multi x 12 s + 3 likert items x 6 s + 43 characters / 5 per second
    assert estimate_minutes(bank) == 2
    assert stated_minutes("填写约需10～14分钟。") == 12
    assert stated_minutes("填写约需 8 分钟") == 8
    assert stated_minutes("很快就好") is None


# --- 10. identifying combinations --------------------------------------------------------------


def test_unmarked_identifying_profile_questions(tmp_path: Path) -> None:
    text = CLEAN.replace("        identifying: true\n", "")
    expected = [
        msg("lint_identifying", text, "- id: B3", "B3", label="单位负责人", unit="B1", others="B4"),
        msg("lint_identifying", text, "- id: B4", "B4", label="正高级", unit="B1", others="B3"),
    ]
    assert lint_text(tmp_path, text) == expected


def test_one_rare_profile_question_is_not_a_combination(tmp_path: Path) -> None:
    text = CLEAN.replace("        identifying: true\n", "").replace("1: 正高级", "1: 高级")
    assert lint_text(tmp_path, text) == []


def test_no_unit_question_no_combination(tmp_path: Path) -> None:
    text = CLEAN.replace("        identifying: true\n", "").replace("role: unit", "role: group")
    assert lint_text(tmp_path, text) == []


# --- the command line --------------------------------------------------------------------------


def test_check_prints_warnings_after_a_pass_and_exits_0(tmp_path: Path, capsys) -> None:
    text = planted("3: 既不同意也不反对", "3: 一般")
    path = write_bank(tmp_path, text)
    assert main(["check", str(path)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0] == "✓ clean（版本 1）：6 道题，11 个答案字段，检查通过，另有 1 条质量提示："
    assert out[1:] == ["  " + m for m in lint_text(tmp_path, text)]


def test_check_strict_makes_warnings_errors(tmp_path: Path, capsys) -> None:
    text = planted("3: 既不同意也不反对", "3: 一般")
    path = write_bank(tmp_path, text)
    assert main(["check", "--strict", str(path)]) == 1
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.splitlines() == [
        *lint_text(tmp_path, text),
        "✗ bank.yaml：有 1 条质量提示（--strict：按错误处理）。",
    ]


def test_check_strict_passes_a_clean_bank(tmp_path: Path, capsys) -> None:
    path = write_bank(tmp_path, CLEAN)
    assert main(["check", "--strict", str(path)]) == 0
    assert capsys.readouterr().out == "✓ clean（版本 1）：6 道题，11 个答案字段，检查通过。\n"


def test_check_on_a_broken_bank_is_unchanged(tmp_path: Path, capsys) -> None:
    path = write_bank(tmp_path, planted("scale: agree", "scale: agre"))
    assert main(["check", "--strict", str(path)]) == 1
    err = capsys.readouterr().err
    assert "✗ bank.yaml：发现 1 个问题。" in err
    assert "质量提示" not in err


def test_a_bank_built_in_memory_is_linted_without_locations(tmp_path: Path) -> None:
    from dataclasses import replace

    from surveytool.bank.lint import lint, read_raw

    bank = replace(load_bank(write_bank(tmp_path, planted("您可自愿参加，", ""))), path=None)
    assert [p.message for p in lint(bank, read_raw(bank))] == [
        problem("lint_description_parts", missing="自愿参加的说明").message
    ]
