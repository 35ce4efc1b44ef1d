"""``surveytool report --per-unit``: one report per unit, no other unit named (tested by
searching every file written), units under --min-unit get none and the command says why.

Data: R survey's apistrat (3 school types as units: 100 / 50 / 50 answers) and UCLA's hsb2
(2 school types: 168 / 32), through a real ingest (see tests/test_weighted.py, test_table.py).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from surveytool.cli import main
from surveytool.errors import problem
from tests.test_table import BANK as HSB2
from tests.test_table import _store as hsb2_store
from tests.test_weighted import BANK as API
from tests.test_weighted import store  # noqa: F401  (a fixture)

UNITS = ("小学", "高中", "初中")


def _texts(folder: Path) -> str:
    return "\n".join(
        p.read_text("utf-8", errors="ignore")
        for p in folder.rglob("*")
        if p.suffix in (".md", ".html")
    )


def test_one_report_per_unit_above_min_unit(store, tmp_path, capsys) -> None:  # noqa: F811
    out = tmp_path / "units"
    argv = ["report", "--bank", API, "--store", store, "--per-unit", "-o", str(out)]
    assert main([*argv, "--min-unit", "60", "--format", "md,html,docx"]) == 0
    said = capsys.readouterr().out
    assert [p.name for p in out.iterdir()] == ["小学"]
    for unit in ("高中", "初中"):
        assert problem("per_unit_too_few", unit=unit, n=50, min=60).message in said
    text = _texts(out / "小学")
    md = (out / "小学" / "report.md").read_text("utf-8")
    assert md.splitlines()[0].endswith("——小学本单位报告")
    for other in ("高中", "初中"):
        assert other not in text
    from docx import Document

    doc = Document(str(out / "小学" / "report.docx"))
    words = "\n".join(p.text for p in doc.paragraphs) + "\n".join(
        c.text for t in doc.tables for row in t.rows for c in row.cells
    )
    assert "小学" in words and "高中" not in words and "初中" not in words
    # 本单位 beside 全部: two other units of at least k, so 全部 is shown
    assert "本单位与全部受访者的回答比较" in text
    # R: table(apistrat$stype, apistrat$sch.wide): E 91 of 100 Yes; all: 152 of 200 = 76.0%
    assert "| 是否达到全校成绩增长目标 | 是 | 91.0% | 76.0% |" in text


def test_min_unit_is_never_below_k(store, tmp_path, capsys) -> None:  # noqa: F811
    out = tmp_path / "units"
    argv = ["report", "--bank", API, "--store", store, "--per-unit", "-o", str(out)]
    assert main([*argv, "--min-unit", "1", "--k", "60", "--format", "md"]) == 0
    assert [p.name for p in out.iterdir()] == ["小学"]


def test_with_two_units_the_whole_column_is_withheld(tmp_path, capsys) -> None:
    db = hsb2_store(tmp_path / "hsb2")
    out = tmp_path / "units"
    argv = ["report", "--bank", HSB2, "--store", db, "--per-unit", "-o", str(out)]
    assert main([*argv, "--format", "md"]) == 0
    private = _texts(out / "私立学校")
    assert "公立学校" not in private and "本单位与全部受访者的回答比较" not in private
    assert "未列出“全部”一栏" in private
    assert "私立学校" not in _texts(out / "公立学校")


@pytest.mark.parametrize("extra", [["--where", "awards == 1"], ["--waves", "a", "b"]])
def test_per_unit_refuses_what_it_cannot_honour(store, tmp_path, capsys, extra) -> None:  # noqa: F811
    argv = ["report", "--bank", API, "--store", store, "--per-unit", "-o", str(tmp_path / "u")]
    assert main([*argv, *extra]) == 1
    assert problem("per_unit_with", option=extra[0]).message in capsys.readouterr().err
