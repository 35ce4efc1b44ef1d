"""Every built-in bank as respondent form, collection sheet and XLSForm, read back."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl.utils import column_index_from_string

from surveytool.bank import builtin_ids, load_bank
from surveytool.errors import UsageError
from surveytool.forms import read_structure, write_form, write_xlsform
from surveytool.forms.structure import LISTS_SHEET, META_SHEET, RESPONSE_ID
from surveytool.forms.xlsx import NO, YES

from formcheck import list_values, load, validation_at

BANKS = builtin_ids()


def test_eight_builtin_banks() -> None:
    assert len(BANKS) == 8
    topics = sorted(load_bank(b).topic for b in BANKS)
    assert topics == [1, 2, 3, 4, 5, 6, 7, 8]


def check_field_validation(wb, ws, ref: str, f) -> None:
    dv = validation_at(ws, ref)
    if f.kind == "text" or f.kind == "other":
        assert dv is None
        return
    assert dv is not None, f"{f.id}: no validation at {ref}"
    assert dv.prompt and len(dv.prompt) <= 255 and dv.error and len(dv.error) <= 255
    assert dv.promptTitle and len(dv.promptTitle) <= 32
    if f.kind in ("single", "likert"):
        assert dv.type == "list"
        values = list_values(wb, dv.formula1)
        if ws.title == "问卷":
            assert values == [o.label for o in f.options]
        else:
            assert values == [str(o.code) for o in f.options]
    elif f.kind == "flag" and ws.title == "问卷":
        assert dv.type == "list"
        assert list_values(wb, dv.formula1) == [YES, NO]
    else:
        assert dv.type in ("whole", "decimal")
        if f.min is not None:
            assert float(dv.formula1) == f.min
        if f.max is not None:
            assert float(dv.formula2) == f.max


@pytest.mark.parametrize("bank_id", BANKS)
def test_respondent_form(tmp_path: Path, bank_id: str) -> None:
    bank = load_bank(bank_id)
    path = tmp_path / "form.xlsx"
    structure = write_form(bank, path, "respondent")
    wb = load(path)
    assert wb.sheetnames == ["填写说明", "问卷", LISTS_SHEET, META_SHEET]
    assert wb[LISTS_SHEET].sheet_state == "hidden"
    assert wb[META_SHEET].sheet_state == "veryHidden"
    assert wb[META_SHEET].protection.sheet and wb["问卷"].protection.sheet
    assert wb.security.lockStructure
    ws = wb["问卷"]
    assert str(ws.page_setup.paperSize) == ws.PAPERSIZE_A4 and ws.page_setup.fitToWidth == 1
    assert ws.print_title_rows == "$3:$3"
    answer_cells = set()
    for entry, f in zip(structure.entries, bank.fields, strict=True):
        assert entry.field == f.id
        cell = ws[entry.cell]
        answer_cells.add(entry.cell)
        assert cell.protection.locked is False, f"{f.id} answer cell is locked"
        assert ws.cell(cell.row, 1).value == f.id, "column A names the field of its row"
        check_field_validation(wb, ws, entry.cell, f)
    for row in ws.iter_rows(min_row=1, max_row=ws.max_row):
        for cell in row:
            if cell.coordinate not in answer_cells:
                assert cell.protection.locked is not False, f"{cell.coordinate} should be locked"
    # required questions are marked, skip rules are written in words
    for q in bank.questions:
        row = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == q.id)
        assert str(ws.cell(row, 2).value).startswith("★") == q.required
        if q.relevant_tree is not None:
            assert "仅当" in str(ws.cell(row, 4).value) and "否则请跳过" in str(
                ws.cell(row, 4).value
            )


@pytest.mark.parametrize("bank_id", BANKS)
def test_collection_sheet(tmp_path: Path, bank_id: str) -> None:
    bank = load_bank(bank_id)
    path = tmp_path / "collect.xlsx"
    write_form(bank, path, "collection")
    wb = load(path)
    assert wb.sheetnames == ["数据录入", LISTS_SHEET, META_SHEET]
    ws = wb["数据录入"]
    header = [c.value for c in ws[1]]
    assert header == [RESPONSE_ID, *(f.id for f in bank.fields)]
    assert ws.freeze_panes == "B4"
    for col, f in enumerate(bank.fields, start=2):
        letter = ws.cell(1, col).column_letter
        assert ws.cell(2, col).value == f.label  # question text in the frozen header
        check_field_validation(wb, ws, f"{letter}4", f)
        assert column_index_from_string(letter) == col


@pytest.mark.parametrize("layout", ["respondent", "collection"])
@pytest.mark.parametrize("bank_id", BANKS)
def test_hidden_structure_reads_back(tmp_path: Path, bank_id: str, layout: str) -> None:
    bank = load_bank(bank_id)
    path = tmp_path / "f.xlsx"
    written = write_form(bank, path, layout)
    structure, stored = read_structure(path)
    assert (structure.bank_id, structure.bank_version, structure.layout) == (
        bank.id,
        bank.version,
        layout,
    )
    assert stored == structure.checksum == written.checksum
    ids = [f for f in structure.fields() if f != RESPONSE_ID]
    assert ids == [f.id for f in bank.fields]
    kinds = {e.field: (e.kind, e.codes) for e in structure.entries}
    for f in bank.fields:
        assert kinds[f.id] == (f.kind, f.codes)


def test_checksum_changes_when_structure_changes(tmp_path: Path, minimal_bank: Path) -> None:
    bank = load_bank(minimal_bank)
    a = write_form(bank, tmp_path / "a.xlsx")
    text = minimal_bank.read_text(encoding="utf-8").replace("3: 企业}", "3: 企业, 4: 政府}")
    minimal_bank.write_text(text.replace("version: 1", "version: 2"), encoding="utf-8")
    b = write_form(load_bank(minimal_bank), tmp_path / "b.xlsx")
    assert a.checksum != b.checksum


def test_long_option_lists_use_a_range_not_an_inline_list(
    tmp_path: Path, minimal_bank: Path
) -> None:
    long = ", ".join(f"{i}: 一个相当长的选项文字，包含逗号和标点第{i}项" for i in range(1, 30))
    text = minimal_bank.read_text(encoding="utf-8").replace(
        "options: {1: 高校, 2: 医院, 3: 企业}", "options: {" + long + "}"
    )
    minimal_bank.write_text(text, encoding="utf-8")
    bank = load_bank(minimal_bank)
    path = tmp_path / "long.xlsx"
    write_form(bank, path)
    wb = load(path)
    dv = validation_at(wb["问卷"], "C5")
    assert dv.formula1.startswith("'选项'!") or dv.formula1.startswith("=")
    assert len(list_values(wb, dv.formula1)) == 30  # 29 options + 其他（请注明）


def test_formula_like_text_in_a_bank_is_written_as_text(tmp_path: Path, minimal_bank: Path) -> None:
    text = minimal_bank.read_text(encoding="utf-8").replace(
        "text: 您的建议", "text: '=HYPERLINK(1)'"
    )
    minimal_bank.write_text(text, encoding="utf-8")
    path = tmp_path / "f.xlsx"
    write_form(load_bank(minimal_bank), path)
    ws = load(path)["问卷"]
    cell = next(c for row in ws.iter_rows() for c in row if c.value and "HYPERLINK" in str(c.value))
    assert cell.data_type == "s"


def test_unknown_layout(tmp_path: Path, minimal_bank: Path) -> None:
    with pytest.raises(UsageError):
        write_form(load_bank(minimal_bank), tmp_path / "x.xlsx", "paper")


@pytest.mark.parametrize("bank_id", BANKS)
def test_xlsform_converts_with_pyxform(tmp_path: Path, bank_id: str) -> None:
    pyxform = pytest.importorskip("pyxform.xls2xform")
    bank = load_bank(bank_id)
    path = write_xlsform(bank, tmp_path / "x.xlsx")
    result = pyxform.convert(xlsform=str(path))
    assert result.warnings == []
    for f in bank.fields:
        if f.kind in ("flag", "rank"):
            continue  # select_multiple / rank: one node per question
        assert f"<{f.id}" in result.xform, f.id
    for q in bank.questions:
        if q.relevant_tree is not None:
            assert 'relevant="' in result.xform
