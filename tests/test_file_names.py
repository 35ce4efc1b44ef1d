"""File names from the outside world (issue 13, item 8): a name that is not UTF-8 (GBK bytes, as
zips made on Chinese Windows carry) neither stops the batch nor stops its own file being read,
and is shown as the user would see it on Windows; control characters (an ESC sequence) are
shown escaped, never sent raw to the terminal."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from surveytool.errors import display_name, problem
from surveytool.forms.fill import FormFiller
from surveytool.ingest.table import KIND

from conftest import GOOD

GBK_FORM = "研究院.xlsx"
GBK_CSV = "汇总.csv"
ESC = "\x1b[31m红色\x1b[0m.xlsx"


def gbk(name: str) -> str:
    """The str Python gives for a file whose name is ``name`` in GBK bytes."""
    return os.fsdecode(name.encode("gbk"))


@pytest.mark.parametrize(
    ("name", "shown"),
    [
        (gbk(GBK_FORM), GBK_FORM),
        (os.fsdecode(b"\xff\xfe.xlsx"), "\\xff\\xfe.xlsx"),  # neither UTF-8 nor GB18030
        (ESC, "\\x1b[31m红色\\x1b[0m.xlsx"),
        ("报告\u202excod.exe", "报告\\u202excod.exe"),  # a right-to-left override
        ("回收/正常.xlsx", "回收/正常.xlsx"),
    ],
)
def test_display_name(name: str, shown: str) -> None:
    assert display_name(name) == shown
    assert display_name(shown) == shown
    shown.encode("utf-8")  # printable and storable


@pytest.fixture
def folder(tmp_path: Path, ingest_bank) -> Path:
    out = tmp_path / "回收"
    out.mkdir()
    filler = FormFiller(ingest_bank)
    filler.fill({**GOOD, "B3": 31}, out / gbk(GBK_FORM))
    filler.fill({**GOOD, "B3": 32}, out / ESC)
    (out / "正常.xlsx").write_bytes((out / ESC).read_bytes())  # the same file twice
    ids = ["B1", "B2_1", "B2_2", "B3", "B4_1", "B4_2", "B4_3", "B4_4", "B5_1", "B5_2", "B6"]
    rows = [",".join(ids), ",".join(str({**GOOD, "B3": 33}[k]) for k in ids)]
    (out / gbk(GBK_CSV)).write_bytes("\n".join(rows).encode("gbk"))
    return out


def run_cli(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONIOENCODING": "utf-8", "LC_ALL": "C.UTF-8"}  # strict stdout
    cmd = [sys.executable, "-m", "surveytool", "ingest", "--bank"]
    cmd += [str(tmp_path / "ingest_demo.yaml"), "--store", str(tmp_path / "s.db"), *args]
    return subprocess.run(cmd, capture_output=True, env=env, check=False)


def test_the_batch_is_read_whole_and_names_are_shown_safely(folder: Path, tmp_path: Path) -> None:
    res = run_cli(tmp_path, str(folder))
    out, err = res.stdout.decode("utf-8"), res.stderr.decode("utf-8")
    assert res.returncode == 0, out + err
    assert "Traceback" not in err
    assert b"\x1b" not in res.stdout + res.stderr
    assert "有效答卷 3 份" in out  # the GBK-named form and CSV too
    copy = problem(
        "same_file_in_run", file="正常.xlsx", kind=KIND, other="\\x1b[31m红色\\x1b[0m.xlsx"
    )
    assert copy.message in out


def test_json_and_store_hold_the_shown_names(folder: Path, tmp_path: Path) -> None:
    import json
    import sqlite3

    res = run_cli(tmp_path, "--json", str(folder))
    assert res.returncode == 0, res.stderr.decode("utf-8", "replace")
    names = {f["name"]: f["status"] for f in json.loads(res.stdout)["files"]}
    assert names == {
        "\\x1b[31m红色\\x1b[0m.xlsx": "ingested",
        GBK_CSV: "ingested",
        GBK_FORM: "ingested",
        "正常.xlsx": "known",
    }
    db = sqlite3.connect(tmp_path / "s.db")
    stored = {name for (name,) in db.execute("SELECT name FROM sources")}
    assert stored == {"\\x1b[31m红色\\x1b[0m.xlsx", GBK_CSV, GBK_FORM}


# --- names we generate, valid on Windows (issue 21, item 3) ---------------------------------

HOSTILE_LABELS = [
    "高校/科研院所",
    "医院:三甲?",
    "CON",
    "nul.xlsx",
    "企业*<一>",
    "com1 ",
    "末尾点.",
    "",
]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("高校/科研院所", "高校_科研院所"),
        ('a<b>c:d"e\\f|g?h*i', "a_b_c_d_e_f_g_h_i"),
        ("CON", "_CON"),
        ("nul.xlsx", "_nul.xlsx"),
        ("Com1", "_Com1"),
        ("LPT9.txt", "_LPT9.txt"),
        ("aux .docx", "_aux.docx"),
        ("CONSOLE", "CONSOLE"),
        ("末尾点. . ", "末尾点"),
        ("", "_"),
        ("...", "_"),
        ("x\x1by\tz", "x_y_z"),
    ],
)
def test_safe_name(text: str, expected: str) -> None:
    from surveytool.filenames import safe_name, valid_on_windows

    assert safe_name(text) == expected
    assert valid_on_windows(safe_name(text))


def test_safe_name_bounds_the_length_and_keeps_the_extension() -> None:
    from surveytool.filenames import NAME_MAX, safe_name

    name = safe_name("很长的单位名称" * 40 + ".xlsx")
    assert len(name) == NAME_MAX and name.endswith(".xlsx")
    assert safe_name("版本1.2 说明") == "版本1.2 说明"  # not an extension: kept as text


def test_any_text_becomes_a_valid_name() -> None:
    from hypothesis import given
    from hypothesis import strategies as st

    from surveytool.filenames import NAME_MAX, safe_name, valid_on_windows

    @given(st.text(max_size=300))
    def check(text: str) -> None:
        name = safe_name(text)
        assert valid_on_windows(name), (text, name)
        assert len(name) <= NAME_MAX

    check()


def test_demo_unit_folders_are_valid_on_windows(tmp_path: Path) -> None:
    """The demo writes one folder per unit, named by the bank's unit labels (which a user
    may edit): each label Windows refuses still gives a folder, one level deep."""
    import dataclasses

    from surveytool.bank import load_bank
    from surveytool.demo import UNIT_FIELD, write_returns
    from surveytool.filenames import valid_on_windows

    bank = load_bank("young_researchers")
    unit = bank.field(UNIT_FIELD)
    options = tuple(
        dataclasses.replace(o, label=HOSTILE_LABELS[i % len(HOSTILE_LABELS)])
        for i, o in enumerate(unit.options)
    )
    saved = unit.options
    object.__setattr__(unit, "options", options)  # the bank is frozen (and cached)
    try:
        paths = write_returns(bank, [{UNIT_FIELD: o.code} for o in options], tmp_path)
    finally:
        object.__setattr__(unit, "options", saved)
    assert len(paths) == len(options)
    for p in paths:
        assert p.parent.parent == tmp_path, p  # one folder per unit, no sub-folders from "/"
        assert valid_on_windows(p.parent.name), p.parent.name


def test_fixed_pattern_names_are_valid_on_windows(tmp_path: Path) -> None:
    """Names built from a bank id (``[a-z0-9_]+``, so ``con`` or ``nul`` may occur), a topic
    number or the time: the web app's downloads, stores, inbox uploads, rejects workbooks."""
    from hypothesis import given
    from hypothesis import strategies as st

    from surveytool.bank import load_bank
    from surveytool.filenames import safe_name, valid_on_windows
    from surveytool.ingest.rejects import write_rejects
    from surveytool.web.site import generated_name

    @given(st.from_regex(r"\A[a-z0-9_]{1,40}\Z"), st.integers(1, 99))
    def check(bank_id: str, topic: int) -> None:
        for name in (
            f"{bank_id}-调研问卷.xlsx",
            f"{bank_id}-调研报告初稿.docx",
            f"{bank_id}-三张清单.xlsx",
            f"选题{topic}.db",
            f"选题{topic}-三张清单.xlsx",
        ):
            assert valid_on_windows(safe_name(name)), name
        assert valid_on_windows(safe_name(bank_id)), bank_id

    check()
    assert valid_on_windows(generated_name(".xlsx"))
    bank = load_bank("young_researchers")
    rejects = write_rejects([], bank, tmp_path)
    assert valid_on_windows(rejects.name), rejects.name


def test_paths_typed_with_backslashes_and_long_paths() -> None:
    from surveytool.filenames import extended, typed_path

    assert typed_path("数据\\选题1.db") == Path("数据", "选题1.db")
    assert typed_path("数据/选题1.db") == Path("数据", "选题1.db")
    short = "C:\\调研\\报告\\report.docx"
    assert extended(short) == short
    deep = "C:\\" + "\\".join(["很长的文件夹名称" * 4] * 10) + "\\report.docx"
    assert len(deep) > 260
    assert extended(deep) == "\\\\?\\" + deep
    unc = "\\\\server\\share\\" + "x" * 300
    assert extended(unc) == "\\\\?\\UNC\\server\\share\\" + "x" * 300
    assert extended("\\\\?\\" + deep) == "\\\\?\\" + deep


def test_campaign_store_typed_with_backslashes(tmp_path: Path) -> None:
    from surveytool.followup.campaign import Campaign, Topic

    campaign = Campaign("计划", 2026, [], path=tmp_path / "campaign.yaml")
    topic = Topic(1, "选题", "young_researchers", "", "数据\\选题1.db", ())
    assert campaign.store_of(topic) == tmp_path / "数据" / "选题1.db"


def test_a_gbk_console_or_redirected_output_never_stops_a_run(tmp_path: Path, ingest_bank) -> None:
    """Chinese Windows writes redirected output (and old consoles) in GBK (cp936): a name
    with a character GBK lacks is shown escaped, the run goes on."""
    FormFiller(ingest_bank).fill(GOOD, tmp_path / "回收" / "问卷😀𠮷.xlsx")
    FormFiller(ingest_bank).fill(GOOD, tmp_path / "回收" / "副本😀.xlsx")  # named in a message
    env = {**os.environ, "PYTHONIOENCODING": "gbk"}
    cmd = [sys.executable, "-m", "surveytool", "ingest", "--bank"]
    cmd += [str(tmp_path / "ingest_demo.yaml"), "--store", str(tmp_path / "s.db")]
    res = subprocess.run([*cmd, str(tmp_path / "回收")], capture_output=True, env=env, check=False)
    out, err = res.stdout.decode("gbk"), res.stderr.decode("gbk")
    assert res.returncode == 0, out + err
    assert "Traceback" not in err
    assert "有效答卷 1 份" in out
    assert "\\U0001f600" in out  # the emoji, escaped


def test_a_non_utf8_name_is_read_through_a_copy_where_links_are_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Windows lets few users make symbolic links: readable() then copies the file."""
    from surveytool.ingest.files import readable

    path = tmp_path / gbk(GBK_FORM)
    path.write_bytes(b"PK-form")

    def refuse(self, target) -> None:
        raise OSError(1314, "客户端没有所需的特权。")  # ERROR_PRIVILEGE_NOT_HELD

    monkeypatch.setattr(Path, "symlink_to", refuse)
    with readable(path) as p:
        assert p.name == GBK_FORM and p.read_bytes() == b"PK-form"
    assert not p.exists()
