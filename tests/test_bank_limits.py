"""Banks built to exhaust or confuse the loader (issue 13, items 6, 7, 11 and 13): each gets a
located Chinese message from the catalogue, quickly — never a traceback, a RecursionError or a
minute of CPU. Expected messages are built from surveytool.errors, not pasted."""

from __future__ import annotations

import resource
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from surveytool.bank import expr, load_bank
from surveytool.cli import main
from surveytool.errors import BankError, UsageError, problem

from conftest import MINIMAL, write_bank

F = "bank.yaml"


def problems_of(tmp_path: Path, text: str) -> list[str]:
    path = write_bank(tmp_path, text)
    start = time.perf_counter()
    with pytest.raises(BankError) as info:
        load_bank(path)
    assert time.perf_counter() - start < 10
    return [p.message for p in info.value.problems]


def msg(code: str, line: int | None, field: str | None = None, /, **values: object) -> str:
    return problem(code, file=F, line=line, field=field, **values).message


def test_the_minimal_bank_loads(tmp_path: Path) -> None:
    """The clean case every planted defect below starts from."""
    assert load_bank(write_bank(tmp_path, MINIMAL)).id == "mini"


# --- item 6: aliases ----------------------------------------------------------------------


def laughs(levels: int = 9) -> str:
    """A bank with nested aliases: 9 levels of 9 references expand to 387 million strings."""
    lines = ["x0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    lines += [f"x{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 9)}]" for i in range(1, levels)]
    return MINIMAL.replace("include: [scales]", "\n".join(lines) + "\ninclude: [scales]")


def test_an_alias_bomb_is_refused_at_its_first_anchor(tmp_path: Path) -> None:
    """Through the CLI, in a child process with a deadline and a memory ceiling, so that
    the test fails (rather than takes the machine) where aliases are expanded."""
    path = write_bank(tmp_path, laughs())
    res = subprocess.run(
        [sys.executable, "-m", "surveytool", "check", str(path)],
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
        preexec_fn=lambda: resource.setrlimit(resource.RLIMIT_AS, (2 * 2**30, 2 * 2**30)),
    )
    assert res.returncode == 1
    assert res.stderr.splitlines()[0] == msg("yaml_anchor", 5, mark="&a0")


def test_an_alias_is_refused_even_alone(tmp_path: Path) -> None:
    text = MINIMAL.replace("include: [scales]", "include: [scales]\ntitle2: *i")
    assert problems_of(tmp_path, text) == [msg("yaml_anchor", 6, mark="*i")]
    text = MINIMAL.replace("include: [scales]", "include: &i [scales]")
    assert problems_of(tmp_path, text) == [msg("yaml_anchor", 5, mark="&i")]


def test_a_mapping_file_with_aliases_is_refused(tmp_path: Path) -> None:
    from surveytool.ingest.platforms.mapping import MAPPING_FILE, apply_mapping_file

    path = tmp_path / "m.yaml"
    path.write_text("a: &x [1, 2]\nb: *x\n", encoding="utf-8")
    with pytest.raises(UsageError) as info:
        apply_mapping_file([], load_bank(write_bank(tmp_path, MINIMAL)), path)
    assert (
        str(info.value)
        == problem("yaml_anchor", file="m.yaml", line=1, kind=MAPPING_FILE, mark="&x").message
    )


# --- item 13: PyYAML's own English ----------------------------------------------------------


def test_a_python_tag_is_a_chinese_message(tmp_path: Path) -> None:
    text = MINIMAL.replace("title: 测试问卷", "title: !!python/object/apply:os.system ['id']")
    tag = "!!python/object/apply:os.system"
    assert problems_of(tmp_path, text) == [msg("yaml_tag", 3, tag=tag)]


@pytest.mark.parametrize(
    ("old", "new", "line", "detail"),
    [
        ("title: 测试问卷", "title: [测试问卷", 4, "方括号 [ ] 中的写法有误或括号未闭合"),
        (
            "title: 测试问卷",
            'title: "a\\qb"',
            3,
            "双引号中有无法识别的反斜杠“\\”（这样的文字请改用单引号）",
        ),
        (
            "include: [scales]",
            "include: [scales]\n---\nid: x",
            6,
            "一个文件只能有一个 YAML 文档（请删除“---”或“...”分隔行）",
        ),
        ("title: 测试问卷", "title: 测试问卷\x07", 3, "有不允许出现的控制字符（U+0007）"),
    ],
)
def test_no_english_from_pyyaml(tmp_path: Path, old: str, new: str, line: int, detail: str) -> None:
    assert problems_of(tmp_path, MINIMAL.replace(old, new)) == [
        msg("yaml_syntax", line, detail=detail)
    ]


def test_deep_nesting_is_a_message_not_a_recursion_error(tmp_path: Path) -> None:
    text = MINIMAL.replace("title: 测试问卷", "title: " + "[" * 3000 + "]" * 3000)
    assert problems_of(tmp_path, text) == [
        msg("yaml_syntax", None, detail="列表或映射嵌套的层数过多")
    ]


# --- item 7: relevant nesting ---------------------------------------------------------------


def relevant(tmp_path: Path, condition: str) -> list[str]:
    return problems_of(tmp_path, MINIMAL.replace('"B1 in [1, 2]"', f'"{condition}"'))


def too_complex(detail: str, pos: int) -> str:
    return msg(
        "relevant_too_complex",
        32,
        "B4",
        detail=detail,
        pos=pos,
        depth=expr.MAX_DEPTH,
        terms=expr.MAX_TERMS,
    )


def test_300_nested_parentheses(tmp_path: Path) -> None:
    got = relevant(tmp_path, "(" * 300 + "B1 == 1" + ")" * 300)
    assert got == [too_complex(f"括号或 not 嵌套超过 {expr.MAX_DEPTH} 层", expr.MAX_DEPTH + 1)]


def test_1000_chained_ands(tmp_path: Path) -> None:
    got = relevant(tmp_path, " and ".join(["B1 == 1"] * 1000))
    pos = len(" and ".join(["B1 == 1"] * expr.MAX_TERMS)) + len(" and ") + 1
    assert got == [too_complex(f"条件超过 {expr.MAX_TERMS} 个", pos)]


def test_a_thousand_nots(tmp_path: Path) -> None:
    got = relevant(tmp_path, "not " * 1000 + "B1 == 1")
    pos = len("not ") * expr.MAX_DEPTH + 1
    assert got == [too_complex(f"括号或 not 嵌套超过 {expr.MAX_DEPTH} 层", pos)]


def test_the_limits_themselves_are_accepted(tmp_path: Path) -> None:
    deep = "(" * expr.MAX_DEPTH + "B1 == 1" + ")" * expr.MAX_DEPTH
    bank = load_bank(write_bank(tmp_path, MINIMAL.replace('"B1 in [1, 2]"', f'"{deep}"')))
    assert bank.question("B4").relevant_tree is not None
    chain = " or ".join(["B1 == 1"] * expr.MAX_TERMS)
    bank = load_bank(write_bank(tmp_path, MINIMAL.replace('"B1 in [1, 2]"', f'"{chain}"')))
    assert bank.question("B4").relevant_tree is not None


# --- item 11: options written as mappings, malformed ----------------------------------------


LABEL_1 = msg("bad_option_label", 13, "B1", code=1)


@pytest.mark.parametrize(
    ("option", "expected"),
    [
        (
            "{lable: 高校}",
            [msg("unknown_key", 13, "B1", key="lable", hint="您是不是想写“label”？"), LABEL_1],
        ),
        ("{label: [1, 2]}", [LABEL_1]),
        ("{}", [LABEL_1]),
        ("{label: 高校, none: 2}", [msg("bad_bool", 13, "B1", key="none", value=2)]),
    ],
)
def test_a_malformed_option_mapping_is_located(tmp_path: Path, option: str, expected: list) -> None:
    text = MINIMAL.replace(
        "options: {1: 高校, 2: 医院, 3: 企业}", f"options: {{1: {option}, 2: 医院, 3: 企业}}"
    )
    got = problems_of(tmp_path, text)
    assert got[: len(expected)] == expected
    # the only other problem: the skip rule of B4 names option 1, which is now missing
    assert got[len(expected) :] in (
        [],
        [msg("relevant_bad_option", 32, "B4", value=1, name="B1", codes="2、3、4")],
    )


def test_option_flags_that_contradict_each_other_are_located(tmp_path: Path) -> None:
    text = MINIMAL.replace(
        "options: {1: 高校, 2: 医院, 3: 企业}",
        "options: {1: {label: 高校, none: true, problem: 太远}, 2: 医院, 3: {label: 企业, none: true, missing: true}}",
    )
    assert problems_of(tmp_path, text) == [
        msg("none_with_problem", 13, "B1", code=1),
        msg("none_and_missing", 13, "B1", code=3),
    ]


def test_check_prints_the_messages_without_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture
) -> None:
    path = write_bank(tmp_path, MINIMAL.replace("include: [scales]", "include: &i [scales]"))
    assert main(["check", str(path)]) == 1
    err = capsys.readouterr().err
    assert msg("yaml_anchor", 5, mark="&i") in err and "Traceback" not in err


def test_the_loader_refuses_what_safe_load_would_expand() -> None:
    """The loader itself, for any caller: no alias is ever expanded."""
    from surveytool.bank.yamlio import AnchorError, NoAnchorLoader

    with pytest.raises(AnchorError):
        yaml.load("a: &x 1\nb: *x\n", Loader=NoAnchorLoader)
    assert yaml.load("a: 1\nb: [2, 3]\n", Loader=NoAnchorLoader) == {"a": 1, "b": [2, 3]}
