"""``--where`` and ``--weights`` beyond ``table``: analyze, report, responses.

Data: UCLA's hsb2 sample (see tests/test_table.py) and R survey's apistrat (see
tests/test_weighted.py), both through a real ingest.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from surveytool.cli import main
from tests.test_table import BANK as HSB2
from tests.test_table import _store as hsb2_store
from tests.test_weighted import BANK as API
from tests.test_weighted import CAMPAIGN
from tests.test_weighted import store as api_store  # noqa: F401  (a fixture)


@pytest.fixture(scope="module")
def hsb2(tmp_path_factory) -> str:
    return hsb2_store(tmp_path_factory.mktemp("hsb2"))


def analyze(store: str, tmp_path: Path, bank: str, *args: str) -> dict:
    out = tmp_path / "a.json"
    assert main(["analyze", "--bank", bank, "--store", store, *args, "--json", str(out)]) == 0
    return json.loads(out.read_text("utf-8"))


def test_analyze_where_equals_the_subset_ingested_alone(hsb2, tmp_path) -> None:
    alone = hsb2_store(tmp_path / "alone", lambda r: r["prog"] == "2")
    a = analyze(hsb2, tmp_path, HSB2, "--where", "prog == 2", "--by", "female", "ses")
    b = analyze(alone, tmp_path, HSB2, "--by", "female", "ses")
    assert a["n"] == b["n"] == 105
    for key in a:
        assert a[key] == b[key], key


def test_a_report_on_a_subset_says_which(hsb2, tmp_path, capsys) -> None:
    out = tmp_path / "rep"
    argv = ["report", "--bank", HSB2, "--store", hsb2, "-o", str(out), "--format", "md"]
    assert main([*argv, "--where", "schtyp == 2"]) == 0
    text = (out / "report.md").read_text("utf-8")
    title = text.splitlines()[0]
    assert title.endswith("——学校类型为“私立学校”的受访者")
    assert "本报告只统计学校类型为“私立学校”的受访者，共 32 份有效答卷" in text
    assert "回收有效问卷 32 份" in text


def test_a_subset_below_k_is_refused(hsb2, tmp_path, capsys) -> None:
    argv = ["report", "--bank", HSB2, "--store", hsb2, "-o", str(tmp_path / "r")]
    assert main([*argv, "--where", "race == 2 and female == 0"]) == 1
    assert "只选出 3 份答卷，少于 5 份" in capsys.readouterr().err
    assert not (tmp_path / "r").exists()


def test_responses_where_exports_the_subset(hsb2, tmp_path) -> None:
    out = tmp_path / "r.csv"
    argv = ["responses", "--bank", HSB2, "--store", hsb2, "-o", str(out)]
    assert main([*argv, "--where", "female == 1 and ses in [1, 3]"]) == 0
    with out.open(encoding="utf-8-sig") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 32 + 29  # hsb2: girls of low / high ses
    assert {r["female"] for r in rows} == {"1"}


def test_a_weighted_report_says_so_and_prints_weighted_figures(api_store, tmp_path) -> None:  # noqa: F811
    out = tmp_path / "w"
    argv = ["report", "--bank", API, "--store", api_store, "--format", "md", "-o", str(out)]
    assert main([*argv, "--weights", CAMPAIGN]) == 0
    text = (out / "report.md").read_text("utf-8")
    basics = text[text.index("## 一、调查基本情况") : text.index("## 二、")]
    assert "按各单位人数加权；未加权人数 n 同时列出" in basics
    appendix = text[text.index("## 附录") :]
    assert "加权方法" in appendix and "svychisq" in appendix
    assert "82.8%" in text  # svymean(~sch.wide): 0.8279 (unweighted 76.0%)
    assert "662.3" in text  # svymean(~api00): 662.29 (unweighted 652.8)
    plain = tmp_path / "u"
    argv[-1] = str(plain)
    assert main([*argv, "--weights", CAMPAIGN, "--unweighted"]) == 0
    text = (plain / "report.md").read_text("utf-8")
    assert "加权" not in text.split("## 附录")[0]
    assert "76.0%" in text and "652.8" in text
