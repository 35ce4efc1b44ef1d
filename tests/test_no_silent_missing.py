"""No silent missing values (issue 8, battery item 8): ids keep their leading zeros, and a
value that cannot be kept is reported with its cell and the text as typed."""

from __future__ import annotations

from pathlib import Path

from openpyxl import Workbook, load_workbook

from surveytool.ingest import ingest, load_answers

HEADER = ["_rid", "B1", "B2_1", "B2_2", "B3", "B6"]


def test_leading_zeros_kept(tmp_path: Path, ingest_bank) -> None:
    (tmp_path / "a.csv").write_text(
        ",".join(HEADER) + "\n007,1,4,2,40,0123\n0008,1,4,2,41,00\n", encoding="utf-8"
    )
    wb = Workbook()
    wb.active.append(HEADER)
    wb.active.append(["009", 1, 4, 2, 42, "0456"])
    wb.save(tmp_path / "b.xlsx")
    ingest([tmp_path / "a.csv", tmp_path / "b.xlsx"], ingest_bank, tmp_path / "s.db")
    a = load_answers(tmp_path / "s.db", ingest_bank).sort_values("B3")
    assert a["_rid"].tolist() == ["007", "0008", "009"]
    assert a["B6"].tolist() == ["0123", "00", "0456"]


def test_a_value_that_cannot_be_kept_is_reported_with_cell_and_text(
    tmp_path: Path, ingest_bank
) -> None:
    wb = Workbook()
    ws = wb.active
    ws.append(HEADER)
    for i in range(1, 1500):  # a number column typed as numbers by its first rows…
        ws.append([f"R{i}", 1, 4, 2, 30, None])
    ws.append(["R9999", 1, 4, 2, "四十左右", None])  # …and text far below
    wb.save(tmp_path / "c.xlsx")
    s = ingest([tmp_path / "c.xlsx"], ingest_bank, tmp_path / "s.db")
    assert s.total("accepted") == 1499 and s.total("rejected") == 1
    wb = load_workbook(s.rejects_file)
    cells = [str(v) for ws in wb.worksheets for row in ws.iter_rows(values_only=True) for v in row]
    assert any("E1501" in c and "四十左右" in c for c in cells), [c for c in cells if "E15" in c]
