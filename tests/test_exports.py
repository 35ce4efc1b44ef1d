"""Exports (issue 13, item 14): CSV cells that Excel would read as error values or formulas are
written safely, and an xlsx export never cuts an answer longer than an Excel cell silently —
the cell holds its beginning and says so, the whole text is on the sheet 超长回答."""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import load_workbook

from surveytool.forms.xlsx import MAX_CELL_TEXT, evaluated
from surveytool.store.export import LONG_SHEET, PART, csv_safe, export_responses, overlong


@pytest.mark.parametrize(
    "text",
    [
        "#N/A",
        "#n/a",
        "#DIV/0!",
        "#NAME?",
        "#REF!",
        " #NULL! ",
        "#SPILL!",
        " =1+1",
        "=A1",
        "@SUM(1)",
    ],
)
def test_csv_never_holds_what_excel_evaluates(text: str) -> None:
    assert evaluated(text) and csv_safe(text) == "'" + text


@pytest.mark.parametrize("value", ["#1 建议", "N/A", "普通回答", "C#", 3, -2.5, None])
def test_plain_values_are_left_alone(value: object) -> None:
    assert not evaluated(value) and csv_safe(value) == value


def frame_with(bank, b6: list[str]) -> pd.DataFrame:
    from surveytool.store.answers import META_COLUMNS, dtype_of

    n = len(b6)
    frame = pd.DataFrame(
        {c: list(range(1, n + 1)) if c == "_response_id" else [None] * n for c in META_COLUMNS}
    )
    for f in bank.fields:
        frame[f.id] = pd.Series(b6 if f.id == "B6" else [None] * n, dtype=dtype_of(f))
    return frame


LONG = "".join(f"第{i}句。" for i in range(12_000))  # about 70,000 characters


def test_xlsx_keeps_a_long_answer_whole(tmp_path: Path, ingest_bank) -> None:
    assert len(LONG) > 2 * MAX_CELL_TEXT
    frame = frame_with(ingest_bank, ["短回答", LONG, "#DIV/0!"])
    assert overlong(frame) == 1
    out = export_responses(frame, ingest_bank, tmp_path / "答卷.xlsx")
    wb = load_workbook(out)
    ws = wb["答卷"]
    assert ws.cell(row=1, column=1).value == "答卷编号"  # the Chinese heading above the ids
    col = [c.value for c in ws[2]].index("B6") + 1
    cell = ws.cell(row=4, column=col).value
    assert cell == LONG[:PART] + f"……（共 {len(LONG):,} 个字符，全文见“{LONG_SHEET}”工作表）"
    assert ws.cell(row=5, column=col).value == "#DIV/0!"
    assert ws.cell(row=5, column=col).data_type == "s"
    rows = list(wb[LONG_SHEET].iter_rows(min_row=2, values_only=True))
    assert [r[:3] for r in rows] == [(2, "B6", k) for k in range(1, len(rows) + 1)]
    assert "".join(r[3] for r in rows) == LONG


def test_no_long_sheet_without_long_answers(tmp_path: Path, ingest_bank) -> None:
    out = export_responses(frame_with(ingest_bank, ["短回答"]), ingest_bank, tmp_path / "a.xlsx")
    assert LONG_SHEET not in load_workbook(out).sheetnames


def test_the_command_says_so(tmp_path: Path, ingest_bank, monkeypatch, capsys) -> None:
    from surveytool.cli import main

    frame = frame_with(ingest_bank, [LONG])
    monkeypatch.setattr("surveytool.store.load_answers", lambda *a, **k: frame)
    bank = str(tmp_path / "ingest_demo.yaml")
    assert (
        main(["responses", "--bank", bank, "--store", "x.db", "-o", str(tmp_path / "a.xlsx")]) == 0
    )
    out = capsys.readouterr().out
    assert "有 1 个回答超过 Excel 单元格的 32,767 个字符上限" in out and LONG_SHEET in out


def test_csv_export_of_error_values(tmp_path: Path, ingest_bank) -> None:
    frame = frame_with(ingest_bank, ["#N/A", "#DIV/0!", "普通"])
    out = export_responses(frame, ingest_bank, tmp_path / "a.csv")
    with out.open(encoding="utf-8-sig", newline="") as f:
        cells = [c for row in csv.reader(f) for c in row]
    assert "'#N/A" in cells and "'#DIV/0!" in cells and "普通" in cells
    assert "#N/A" not in cells and "#DIV/0!" not in cells


def test_labels_instead_of_codes_and_the_codebook_names_questions(
    tmp_path: Path, ingest_bank
) -> None:
    from surveytool.store.export import codebook

    frame = frame_with(ingest_bank, ["短回答"])
    single = next(f for f in ingest_bank.fields if f.kind == "single")
    first = single.options[0]
    frame[single.id] = pd.Series([first.code], dtype=frame[single.id].dtype)
    text = export_responses(frame, ingest_bank, tmp_path / "a.csv", labels=True).read_text(
        "utf-8-sig"
    )
    assert first.label in text.splitlines()[1].split(",")
    rows = codebook(ingest_bank)
    assert rows[1][1] == ingest_bank.question(rows[1][0]).text  # the question, not its id
