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
