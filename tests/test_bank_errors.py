"""Broken banks: each validation rule fails with its located Chinese message.

Expected messages are built from the error catalogue (surveytool.errors), not pasted.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from surveytool.bank import load_bank
from surveytool.errors import BankError, problem

from conftest import MINIMAL, write_bank

F = "bank.yaml"


def broken(tmp_path: Path, old: str, new: str) -> list[str]:
    assert old in MINIMAL, old
    path = write_bank(tmp_path, MINIMAL.replace(old, new, 1))
    with pytest.raises(BankError) as info:
        load_bank(path)
    return [p.message for p in info.value.problems]


def msg(code: str, line: int | None, field: str | None = None, **values: object) -> str:
    return problem(code, file=F, line=line, field=field, **values).message


CASES = [
    # duplicate ids (question id reused; first seen at line 10)
    (
        "dup_question",
        "      - id: B3\n",
        "      - id: B1\n",
        [msg("duplicate_id", 25, "B1", value="B1", first_line=10, first_what="，题目")],
    ),
    # a likert item id colliding with a question
    (
        "dup_item",
        "          B2_1: 项目申报材料过多",
        "          B3: 项目申报材料过多",
        [msg("duplicate_id", 25, "B3", value="B3", first_line=23, first_what="，题目 B2 的小题")],
    ),
    # unknown scale, with a near-miss suggestion
    (
        "unknown_scale",
        "scale: agree5",
        "scale: agre5",
        [msg("unknown_scale", 20, "B2", value="agre5", hint="您是不是想写“agree5”？")],
    ),
    # unknown block
    (
        "unknown_block",
        "include: [scales]",
        "include: [scales, demografics]",
        [msg("unknown_block", 5, value="demografics", hint="您是不是想写“demographics”？")],
    ),
    # relevant naming an unknown field
    (
        "relevant_unknown",
        'relevant: "B1 in [1, 2]"',
        'relevant: "B9 in [1, 2]"',
        [msg("relevant_unknown", 32, "B4", name="B9", hint="")],
    ),
    # relevant naming a later field
    (
        "relevant_later",
        'relevant: "B1 in [1, 2]"',
        'relevant: "B6 == 1 or B1 == 1"',
        [msg("relevant_later", 32, "B4", name="B6")],
    ),
    # relevant naming itself
    (
        "relevant_self",
        'relevant: "B1 in [1, 2]"',
        'relevant: "B4 has 1"',
        [msg("relevant_later", 32, "B4", name="B4")],
    ),
    # relevant syntax
    (
        "relevant_syntax",
        'relevant: "B1 in [1, 2]"',
        'relevant: "B1 in [1, 2"',
        [
            msg(
                "relevant_syntax",
                32,
                "B4",
                expr="B1 in [1, 2",
                detail="这里应当是右方括号“]”，实际是“结尾”",
                pos=12,
            )
        ],
    ),
    # relevant: a code that is not an option
    (
        "relevant_bad_option",
        'relevant: "B1 in [1, 2]"',
        'relevant: "B1 in [1, 7]"',
        [msg("relevant_bad_option", 32, "B4", value=7, name="B1", codes="1、2、3、4")],
    ),
    # has on a single-choice question
    (
        "relevant_has",
        'relevant: "B1 in [1, 2]"',
        'relevant: "B1 has 1"',
        [msg("relevant_has", 32, "B4", name="B1")],
    ),
    # min > max
    (
        "min_gt_max",
        "        min: 0\n",
        "        min: 200\n",
        [msg("min_gt_max", 29, "B3", min=200, max=100)],
    ),
    # empty options
    (
        "empty_options",
        "options: {1: 报销, 2: 会议, 3: 考核, 4: 以上都没有}",
        "options: {}",
        [
            msg("empty_options", 36, "B4", qtype="多选题"),
            msg("bad_choice_limit", 35, "B4", key="max_choices", value=2, count=0),
            msg("exclusive_unknown", 37, "B4", value=4, codes=""),
        ],
    ),
    # reverse outside a likert question
    (
        "reverse_outside",
        "        integer: true\n",
        "        integer: true\n        reverse: true\n",
        [msg("reverse_outside_likert", 32, "B3")],
    ),
    # bad YAML, located on its line
    (
        "yaml_syntax",
        "        text: 每周科研时间\n",
        "        text: 每周科研时间\n      bad: [\n",
        [msg("yaml_syntax", 28, None, detail="缩进不一致")],
    ),
    # duplicate YAML key (PyYAML would silently keep the last)
    (
        "duplicate_key",
        "        unit: 小时\n",
        "        unit: 小时\n        unit: 分钟\n",
        [msg("duplicate_key", 29, None, key="unit", first_line=28)],
    ),
    # unknown key with suggestion
    (
        "unknown_key",
        "        required: true\n",
        "        requried: true\n",
        [msg("unknown_key", 15, "B1", key="requried", hint="您是不是想写“required”？")],
    ),
    # bad type with suggestion
    (
        "bad_type",
        "type: rank",
        "type: ranking",
        [msg("bad_question_type", 40, "B5", value="ranking", hint="您是不是想写“rank”？")],
    ),
    # bad question ids: SPSS/XLSForm names (a letter, then letters, digits, underscores)
    ("bad_id", "- id: B6", "- id: B-6", [msg("bad_id", 44, "B-6", value="B-6")]),
    ("bad_id_underscore", "- id: B6", "- id: _b6", [msg("bad_id", 44, "_b6", value="_b6")]),
    ("bad_item_id", "B2_1: 项目", "B2.1: 项目", [msg("bad_id", 23, "B2.1", value="B2.1")]),
    ("reserved_id", "- id: B6", "- id: and", [msg("reserved_id", 44, "and", value="and")]),
    ("reserved_id_case", "- id: B6", "- id: IN", [msg("reserved_id", 44, "IN", value="IN")]),
    (
        "id_too_long",
        "- id: B6",
        "- id: " + "q" * 65,
        [msg("id_too_long", 44, "q" * 65, value="q" * 65, length=65, limit=64)],
    ),
    (
        "field_id_too_long",
        "- id: B4",
        "- id: " + "q" * 63,
        [msg("field_id_too_long", 32, "q" * 63, value="q" * 63 + "_1", length=65, limit=64)],
    ),
    # ids differing only in case are one SPSS variable, one SQLite column
    (
        "duplicate_id_case",
        "      - id: B3\n",
        "      - id: b1\n",
        [
            msg(
                "duplicate_id_case",
                25,
                "b1",
                value="b1",
                other="B1",
                first_line=10,
                first_what="，题目",
            )
        ],
    ),
    # option code not an integer
    (
        "bad_option_code",
        "options: {1: 经费, 2: 时间, 3: 平台}",
        "options: {1: 经费, x: 时间, 3: 平台}",
        [msg("bad_option_code", 42, "B5", value="x")],
    ),
    # duplicate option label
    (
        "duplicate_label",
        "options: {1: 经费, 2: 时间, 3: 平台}",
        "options: {1: 经费, 2: 时间, 3: 经费}",
        [msg("duplicate_option_label", 42, "B5", label="经费", first=1, second=3)],
    ),
    # bad version
    ("bad_version", "version: 1", "version: v1", [msg("bad_version", 2, value="v1")]),
    # missing description
    (
        "missing_description",
        "description: 用于测试。\n",
        "",
        [
            msg(
                "missing_key",
                1,
                key="description",
                meaning="问卷说明：调查目的、匿名承诺、所需时间",
            )
        ],
    ),
    # bad role
    ("bad_role", "role: group", "role: grp", [msg("bad_role", 16, "B1", value="grp")]),
    # exclusive code not an option
    (
        "exclusive_unknown",
        "exclusive: [4]",
        "exclusive: [9]",
        [msg("exclusive_unknown", 37, "B4", value=9, codes="1、2、3、4")],
    ),
    # max_choices larger than the options
    (
        "max_choices",
        "max_choices: 2",
        "max_choices: 9",
        [msg("bad_choice_limit", 35, "B4", key="max_choices", value=9, count=4)],
    ),
    # a key for another type
    (
        "not_for_type",
        "        unit: 小时\n",
        "        unit: 小时\n        max_choices: 2\n",
        [msg("not_for_type", 29, "B3", key="max_choices", types="多选题", qtype="数字题")],
    ),
    # likert without a scale
    (
        "likert_no_scale",
        "        scale: agree5\n",
        "",
        [
            msg(
                "likert_needs_scale",
                17,
                "B2",
                hint="已定义的量表：agree5、satisfied5、frequency5、extent5、importance5、effect5。",
            )
        ],
    ),
]


@pytest.mark.parametrize(("name", "old", "new", "expected"), CASES, ids=[c[0] for c in CASES])
def test_broken_bank(tmp_path: Path, name: str, old: str, new: str, expected: list[str]) -> None:
    assert broken(tmp_path, old, new) == expected


def test_every_problem_is_reported_at_once(tmp_path: Path) -> None:
    text = (
        MINIMAL.replace("scale: agree5", "scale: nope")
        .replace("        min: 0\n", "        min: 500\n")
        .replace("- id: B6", "- id: B5")
    )
    path = write_bank(tmp_path, text)
    with pytest.raises(BankError) as info:
        load_bank(path)
    codes = [p.code for p in info.value.problems]
    assert codes == ["unknown_scale", "min_gt_max", "duplicate_id"]
    assert all(p.file == F and p.line for p in info.value.problems)


def test_problem_in_a_block_names_the_block_file(tmp_path: Path) -> None:
    blocks = tmp_path / "blocks"
    blocks.mkdir()
    write_bank(
        blocks,
        """\
        sections:
          - id: A
            title: 基本情况
            questions:
              - id: A1
                type: singel
                text: 性别
                options: {1: 男, 2: 女}
        """,
        "profile.yaml",
    )
    path = write_bank(tmp_path, MINIMAL.replace("include: [scales]", "include: [scales, profile]"))
    with pytest.raises(BankError) as info:
        load_bank(path)
    [p] = info.value.problems
    assert (
        p.message
        == problem(
            "bad_question_type",
            file="blocks/profile.yaml",
            line=6,
            field="A1",
            value="singel",
            hint="您是不是想写“single”？",
        ).message
    )


def test_unknown_builtin_id_suggests(tmp_path: Path) -> None:
    with pytest.raises(BankError) as info:
        load_bank("young_researcher")
    assert "您是不是想写“young_researchers”？" in info.value.problems[0].message


def test_missing_file() -> None:
    with pytest.raises(BankError) as info:
        load_bank("no/such/bank.yaml")
    assert (
        info.value.problems[0].message
        == problem("file_not_found", path="no/such/bank.yaml").message
    )


def test_not_utf8(tmp_path: Path) -> None:
    path = tmp_path / "gbk.yaml"
    path.write_bytes(MINIMAL.encode("gbk"))
    with pytest.raises(BankError) as info:
        load_bank(path)
    assert info.value.problems[0].code == "yaml_encoding"


def test_every_code_used_in_the_source_is_in_the_catalogue() -> None:
    """A code missing from MESSAGES turns a user's mistake into a KeyError traceback."""
    import re

    from surveytool.errors import MESSAGES

    root = Path(__file__).resolve().parent.parent / "surveytool"
    used = {
        (m.group(1), p.name)
        for p in root.rglob("*.py")
        for m in re.finditer(r'problem\(\s*"([a-z_0-9]+)"', p.read_text(encoding="utf-8"))
    }
    assert used, "the scan found no problem() calls"
    assert sorted(u for u in used if u[0] not in MESSAGES) == []
