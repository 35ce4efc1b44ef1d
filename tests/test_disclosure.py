"""Disclosure (issue 8, battery item 9): personal data planted in the returns — a field
marked ``pii``, a phone number typed into an open answer, the platform's IP column — appears
in no output file: report (html, md, docx), analysis JSON, exports (xlsx, csv, sav and their
codebooks), the three lists."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from test_platforms import BANK, TEXT_HEADER, TEXT_ROWS, xlsx

from surveytool.bank import load_bank
from surveytool.cli import main
from surveytool.forms.fill import FormFiller

from conftest import write_bank

PII_BANK = BANK + "      - {id: B7, type: text, text: 您的手机号（选填）, pii: true}\n"
PHONE_PII = "13912345678"  # typed into the pii question
PHONE_OPEN = "13987654321"  # typed into an open answer (masked in reports)
IP = "10.213.47.199"  # the 问卷星 来自IP column


def _text(path: Path) -> str:
    """A file's text: zip members (docx, xlsx) unpacked, others read as bytes."""
    if path.suffix in (".docx", ".xlsx"):
        with zipfile.ZipFile(path) as z:
            return "".join(z.read(n).decode("utf-8", "replace") for n in z.namelist())
    return path.read_bytes().decode("utf-8", "replace")


@pytest.fixture
def outputs(tmp_path: Path) -> Path:
    bank_file = write_bank(tmp_path, PII_BANK, "pii_demo.yaml")
    bank = load_bank(bank_file)
    filler = FormFiller(bank)
    base = {"B1": 1, "B2_1": 4, "B2_2": 2, "B3": 40, "B5_1": 1, "B5_2": 2, "B5_3": 3}
    for i in range(12):
        extra = {"B7": PHONE_PII, "B6": f"希望减少表格，有事请联系{PHONE_OPEN}"}
        filler.fill({**base, "B3": 30 + i, **extra}, tmp_path / "回收" / f"{i}.xlsx")
    rows = [[*r[:5], f"{IP}(广西-柳州)", *r[6:]] for r in TEXT_ROWS]
    xlsx(tmp_path / "回收" / "123_按文本_平台导入测试.xlsx", TEXT_HEADER, rows)
    out = tmp_path / "输出"
    store = str(tmp_path / "s.db")
    common = ["--bank", str(bank_file), "--store", store]
    assert main(["ingest", *common, str(tmp_path / "回收")]) == 0
    assert main(["report", *common, "-o", str(out / "报告")]) == 0
    assert main(["analyze", *common, "--json", str(out / "analysis.json")]) == 0
    for suffix in ("xlsx", "csv", "sav"):
        assert main(["responses", *common, "-o", str(out / f"答卷.{suffix}")]) == 0
    assert main(["lists", *common, "-o", str(out / "三张清单.xlsx")]) == 0
    # the planted value is in the store: exported only when asked for, outside the outputs
    everything = tmp_path / "含个人信息.csv"
    assert main(["responses", *common, "--include-pii", "-o", str(everything)]) == 0
    assert PHONE_PII in everything.read_text(encoding="utf-8-sig")
    return out


def test_planted_personal_data_reaches_no_output(outputs: Path) -> None:
    files = [p for p in outputs.rglob("*") if p.is_file() and p.suffix != ".png"]
    kinds = {p.suffix for p in files}
    assert {".html", ".md", ".docx", ".json", ".xlsx", ".csv", ".sav"} <= kinds
    for path in files:
        text = _text(path)
        for secret in (PHONE_PII, IP):
            assert secret not in text, (path.name, secret)
        if path.parent.name == "报告" or path.suffix == ".json":
            assert PHONE_OPEN not in text, path.name
    md = (outputs / "报告" / "report.md").read_text(encoding="utf-8")
    assert "希望减少表格" in md  # the open answers are there, the phone masked
