"""The ingest and responses commands, run as a user runs them."""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from pathlib import Path

from openpyxl import load_workbook

from surveytool.forms.fill import FormFiller

from conftest import GOOD


def run(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "surveytool", *args],
        capture_output=True,
        text=True,
        check=False,
        cwd=cwd,
    )


def test_ingest_json_and_exit_codes(tmp_path: Path, ingest_bank) -> None:
    bank_file = str(tmp_path / "ingest_demo.yaml")
    inbox = tmp_path / "inbox"
    f = FormFiller(ingest_bank)
    f.fill(GOOD, inbox / "a.xlsx")
    f.fill({**GOOD, "B3": 12}, inbox / "b.xlsx")
    f.fill({**GOOD, "B1": None, "B3": 13}, inbox / "c.xlsx")
    result = run("ingest", "--bank", bank_file, "--json", "inbox", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    d = json.loads(result.stdout)
    assert {"files", "accepted", "rejected", "duplicates"} <= d.keys()
    assert (len(d["files"]), d["accepted"], d["rejected"], d["duplicates"]) == (3, 2, 1, 0)
    assert Path(d["rejects_file"]).parent == tmp_path
    assert (tmp_path / "survey.db").is_file()  # the default store
    assert d["units"] == {"广西科技大学": 2}

    (inbox / "broken.xlsx").write_bytes(b"not an xlsx at all")
    f.fill({**GOOD, "B3": 14}, inbox / "d.xlsx")
    result = run("ingest", "--bank", bank_file, "inbox", cwd=tmp_path)
    assert result.returncode == 1
    assert "返回表 broken.xlsx：无法读取这个文件" in result.stderr
    assert "有效答卷 1 份" in result.stdout  # d.xlsx still ingested
    assert "Traceback" not in result.stderr + result.stdout


def test_responses_export_xlsx_and_csv_are_safe(tmp_path: Path, ingest_bank) -> None:
    bank_file = str(tmp_path / "ingest_demo.yaml")
    f = FormFiller(ingest_bank)
    f.fill({**GOOD, "B6": '=HYPERLINK("http://x")'}, tmp_path / "in" / "a.xlsx")
    f.fill({**GOOD, "B3": 1, "B6": "+1+1"}, tmp_path / "in" / "b.xlsx")
    assert run("ingest", "--bank", bank_file, "in", cwd=tmp_path).returncode == 0
    result = run("responses", "--bank", bank_file, "-o", "out.xlsx", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    wb = load_workbook(tmp_path / "out.xlsx")
    ws = wb["答卷"]
    header = [c.value for c in ws[2]]  # row 1: the questions in Chinese; row 2: field ids
    b6 = [ws.cell(r, header.index("B6") + 1) for r in (3, 4)]
    assert [c.value for c in b6] == ['=HYPERLINK("http://x")', "+1+1"]
    assert all(c.data_type == "s" for c in b6)
    assert "编码说明" in wb.sheetnames
    assert run("responses", "--bank", bank_file, "-o", "out.csv", cwd=tmp_path).returncode == 0
    rows = list(csv.DictReader((tmp_path / "out.csv").open(encoding="utf-8-sig")))
    assert [r["B6"] for r in rows] == ['\'=HYPERLINK("http://x")', "'+1+1"]
    assert [r["B3"] for r in rows] == ["40", "1"]
    assert (tmp_path / "out-编码说明.csv").is_file()
