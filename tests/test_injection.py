"""Injection (issue 8, battery item 4): formula, error-value, HTML and template payloads typed
by respondents reach every output as plain text — no formula or error cell in any xlsx, CSV
safe to open in a spreadsheet, no unescaped HTML, no template evaluation."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from docx import Document
from openpyxl import load_workbook

from surveytool.analysis import Survey, analyse
from surveytool.forms.fill import FormFiller
from surveytool.ingest import ingest, load_answers
from surveytool.report.context import build_context
from surveytool.report.render import render
from surveytool.store.answers import collection_summary
from surveytool.store.export import export_responses
from surveytool.store.sav import write_sav

from conftest import GOOD

PAYLOADS = [
    "=cmd|' /C calc'!A0",
    "+1+1",
    "-2+3",
    "@SUM(1)",
    "\t=1+1",
    "\r=1+1",
    "#N/A",
    "<script>alert(1)</script>",
    "{{ 7*7 }}",
]
SPREADSHEET_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


@pytest.fixture
def outputs(tmp_path: Path, ingest_bank) -> dict[str, Path]:
    """Payload answers ingested, exported every way, and reported."""
    filler = FormFiller(ingest_bank)
    for i in range(12):
        filler.fill({**GOOD, "B3": 30 + i, "B6": PAYLOADS[i % 9]}, tmp_path / "in" / f"{i}.xlsx")
    raw = {k: filler.cell_value(k, v) for k, v in GOOD.items()}
    for i, bad in enumerate(("=cmd|' /C calc'!A0", "#N/A")):  # rejected: shown in the rejects
        filler.fill({**raw, "B3": bad}, tmp_path / "in" / f"bad{i}.xlsx", raw=True)
    store = tmp_path / "s.db"
    summary = ingest([tmp_path / "in"], ingest_bank, store)
    assert summary.total("accepted") == 12 and summary.rejects_file
    frame = load_answers(store, ingest_bank)
    out = {
        "rejects": Path(summary.rejects_file),
        "xlsx": export_responses(frame, ingest_bank, tmp_path / "答卷.xlsx"),
        "csv": export_responses(frame, ingest_bank, tmp_path / "答卷.csv"),
        "sav": write_sav(frame, ingest_bank, tmp_path / "答卷.sav"),
    }
    s = Survey(frame, ingest_bank)
    ctx = build_context(s, analyse(s, k=5), collection_summary(store, ingest_bank), tmp_path)
    # every kind of slot the templates have, filled with the payloads at once
    table = {
        "caption": PAYLOADS[7],
        "header": ["题项", PAYLOADS[6]],
        "rows": [[p, p] for p in PAYLOADS],
        "note": PAYLOADS[8],
    }
    blocks = [
        {"para": PAYLOADS[7]},
        {"note": PAYLOADS[0]},
        {"heading": PAYLOADS[8], "level": 2},
        *({"quote": p} for p in PAYLOADS),
        {"items": PAYLOADS, "ordered": True},
        {"table": table},
    ]
    ctx["sections"].insert(1, {"title": PAYLOADS[6], "blocks": blocks, "appendix": False})
    out.update(render(ctx, tmp_path))
    return out


def test_no_formula_or_error_cell_in_any_xlsx(outputs: dict[str, Path]) -> None:
    found = set()
    for kind in ("rejects", "xlsx"):
        wb = load_workbook(outputs[kind])
        for ws in wb.worksheets:
            for row in ws.iter_rows():
                for cell in row:
                    assert cell.data_type not in ("f", "e"), (kind, ws.title, cell.coordinate)
                    if isinstance(cell.value, str):
                        found.add(cell.value)
    assert "=cmd|' /C calc'!A0" in found and "#N/A" in found and "@SUM(1)" in found


def test_csv_is_spreadsheet_safe(outputs: dict[str, Path]) -> None:
    with outputs["csv"].open(encoding="utf-8-sig", newline="") as f:
        cells = [c for row in csv.reader(f) for c in row]
    assert not [c for c in cells if c.startswith(SPREADSHEET_TRIGGERS)]
    assert "'=cmd|' /C calc'!A0" in cells and "'@SUM(1)" in cells
    assert "'=1+1" in cells  # "\t=1+1" as stored: surrounding whitespace is trimmed on ingest


def test_sav_keeps_the_text_as_data(outputs: dict[str, Path], ingest_bank) -> None:
    import pyreadstat

    frame, _ = pyreadstat.read_sav(str(outputs["sav"]))
    assert {p.strip() for p in PAYLOADS} <= set(frame["B6"])  # trimmed on ingest (documented)


def test_report_shows_payloads_as_text(outputs: dict[str, Path]) -> None:
    html = outputs["html"].read_text(encoding="utf-8")
    assert "<script>" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "{{ 7*7 }}" in html  # shown, never evaluated
    md = outputs["md"].read_text(encoding="utf-8")
    assert "<script>" not in md and "&lt;script&gt;" in md and "{{ 7\\*7 }}" in md
    text = "\n".join(p.text for p in Document(str(outputs["docx"])).paragraphs)
    assert "<script>alert(1)</script>" in text and "{{ 7*7 }}" in text and "=cmd|" in text
