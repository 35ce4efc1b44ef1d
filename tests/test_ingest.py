"""Ingest of returned forms filled the way people fill them; exact counts and reasons."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pytest
from openpyxl import load_workbook

from surveytool.errors import problem
from surveytool.forms import read_structure, write_form
from surveytool.forms.fill import FormFiller
from surveytool.ingest import ingest, load_answers

from conftest import GOOD

K = "返回表"


def cell_msg(
    code: str, file: str, cell: str, field: str, question: str, sheet: str = "问卷", **values
) -> str:
    return problem(
        code, file=file, sheet=sheet, cell=cell, field=field, kind=K, question=question, **values
    ).message


def fill(
    filler: FormFiller, folder: Path, name: str, changes: dict, raw: dict | None = None
) -> Path:
    answers = {**GOOD, **changes}
    path = filler.fill({k: v for k, v in answers.items() if v is not None}, folder / name)
    if raw:
        filler.fill(
            {**{k: filler.cell_value(k, v) for k, v in answers.items() if v is not None}, **raw},
            path,
            raw=True,
        )
    return path


def resave(src: Path, dst: Path, edit=None) -> Path:
    wb = load_workbook(src)
    if edit:
        edit(wb["问卷"])
    wb.save(dst)
    return dst


OWN = {
    "B1": 2,
    "B2_1": 1,
    "B2_2": 5,
    "B3": 77,
    "B4_1": 0,
    "B4_3": 1,
    "B5_1": 2,
    "B5_2": 1,
    "B6": "科研助理太少，希望按项目配备",
}


def test_forms_filled_the_way_people_do(tmp_path: Path, ingest_bank) -> None:
    bank = ingest_bank
    inbox = tmp_path / "inbox"
    f = FormFiller(bank)
    cells = f.cells
    # one person's own answers (not the GOOD most forms here share): a re-saved copy of
    # them cannot be a coincidence, while two forms of GOOD could be two people (issue 22)
    good = fill(f, inbox, "01-good.xlsx", OWN)
    fill(f, inbox, "02-fullwidth.xlsx", {"B1": 2, "B3": None}, raw={"B3": "４５"})
    fill(f, inbox, "03-about.xlsx", {"B1": 2, "B3": None, "B2_1": 5}, raw={"B3": "约40"})
    fill(f, inbox, "04-range.xlsx", {"B3": None}, raw={"B3": "30-40"})
    fill(f, inbox, "05-unit.xlsx", {"B3": None, "B2_1": 3}, raw={"B3": " 45小时\n"})
    fill(f, inbox, "06-missing.xlsx", {"B1": None})
    fill(f, inbox, "07-skipped.xlsx", {"B1": 3, "B2_1": 2})  # B4 should be skipped, is answered
    resave(good, inbox / "08-resaved.xlsx")  # same answers, different bytes
    resave(
        fill(f, tmp_path, "x.xlsx", {"B2_1": 1}),
        inbox / "09-row-inserted.xlsx",
        lambda ws: ws.insert_rows(5),
    )
    resave(
        fill(f, tmp_path, "y.xlsx", {"B2_1": 2, "B3": 12}),
        inbox / "10-row-deleted.xlsx",
        lambda ws: ws.delete_rows(int(cells["B3"][1:])),
    )
    fill(f, inbox, "11-bad-option.xlsx", {"B2_2": None}, raw={"B2_2": "很同意"})
    fill(f, inbox, "12-too-many.xlsx", {"B4_2": 1, "B4_3": 1})

    s = ingest([inbox], bank, tmp_path / "survey.db")
    d = s.to_dict()
    assert (d["accepted"], d["rejected"], d["duplicates"]) == (6, 5, 1)
    assert d["accepted"] + d["rejected"] + d["duplicates"] == 12  # rows given, always
    assert d["failed"] == 0

    db = sqlite3.connect(tmp_path / "survey.db")
    reasons = dict(
        db.execute("SELECT s.name, r.reasons FROM rejects r JOIN sources s ON s.id = r.source_id")
    )
    b3 = "请填写 0～100 之间的整数（单位：小时）。"
    assert reasons["04-range.xlsx"] == cell_msg(
        "cell_ambiguous_number",
        "04-range.xlsx",
        cells["B3"],
        "B3",
        "每周科研时间",
        value="30-40",
        why="是一个范围",
        rule=b3,
    )
    assert reasons["06-missing.xlsx"] == cell_msg(
        "required_missing", "06-missing.xlsx", cells["B1"], "B1", "您所在的单位"
    )
    assert reasons["11-bad-option.xlsx"] == cell_msg(
        "cell_bad_option",
        "11-bad-option.xlsx",
        cells["B2_2"],
        "B2_2",
        "我有足够的时间专注科研",
        value="很同意",
        accepted="1=非常不同意；2=不同意；3=中立；4=同意；5=非常同意",
    )
    assert reasons["12-too-many.xlsx"] == cell_msg(
        "too_many_choices",
        "12-too-many.xlsx",
        cells["B4_1"],
        "B4",
        "最突出的负担（最多选两项）",
        count=3,
        limit=2,
    )
    assert "form_fields_lost" not in reasons  # (by name, below)
    assert "B3（缺失）" in reasons["10-row-deleted.xlsx"]

    warnings = dict(
        db.execute(
            "SELECT s.name, i.code FROM issues i JOIN responses r ON r.id = i.response_id "
            "JOIN sources s ON s.id = r.source_id"
        )
    )
    assert warnings == {
        "03-about.xlsx": "number_normalised",
        "05-unit.xlsx": "number_normalised",
        "07-skipped.xlsx": "skipped_answered",
    }
    relocated = [p.code for r in s.files if r.name == "09-row-inserted.xlsx" for p in r.problems]
    assert relocated == ["form_relocated"]
    dup = db.execute("SELECT reason FROM duplicates").fetchone()[0]
    here, there = "文件 08-resaved.xlsx 工作表“问卷”", "文件 01-good.xlsx 工作表“问卷”"
    merged = problem(
        "identical_merged", here=here, where=there, count=11, odds="约 0.0001", name="x"
    ).message
    assert dup.startswith(merged.split("（共答")[0]) and "按同一人的重复答卷合并" in dup
    listed = [p.message for r in s.files if r.name == "08-resaved.xlsx" for p in r.problems]
    assert listed == [dup]  # the merge is listed for the owner, with both files

    a = load_answers(tmp_path / "survey.db", bank).set_index("_source")
    assert a.loc["02-fullwidth.xlsx", "B3"] == 45
    assert a.loc["03-about.xlsx", "B3"] == 40
    assert a.loc["05-unit.xlsx", "B3"] == 45
    assert a.loc["07-skipped.xlsx", "B1"] == 3  # the label "None" is a real option
    assert a.loc[["07-skipped.xlsx"], ["B4_1", "B4_2"]].isna().all(axis=None)  # set aside
    assert a.loc["09-row-inserted.xlsx", "B2_1"] == 1
    assert a.loc["01-good.xlsx", "B6"] == OWN["B6"]
    assert str(a["B3"].dtype) == "Int64" and str(a["B6"].dtype) == "string"
    assert isinstance(a["B2_1"].dtype, __import__("pandas").CategoricalDtype)


def test_other_bank_version(tmp_path: Path, ingest_bank) -> None:
    """A form of an older bank version: accepted when every field can be found by id,
    rejected (listing the fields) when the new version has fields the form lacks."""
    old = FormFiller(ingest_bank)
    form = fill(old, tmp_path / "in", "old.xlsx", {})
    text = (tmp_path / "ingest_demo.yaml").read_text(encoding="utf-8")
    text = text.replace("version: 1", "version: 2").replace(
        "      - id: B6\n",
        "      - id: B7\n        type: text\n        text: 补充\n      - id: B6\n",
    )
    (tmp_path / "v2.yaml").write_text(text, encoding="utf-8")
    from surveytool.bank import load_bank

    v2 = load_bank(tmp_path / "v2.yaml")
    s = ingest([form], v2, tmp_path / "s.db")
    assert (s.total("accepted"), s.total("rejected")) == (0, 1)
    [p] = s.files[0].problems
    assert (
        p.message
        == problem(
            "form_fields_lost",
            file="old.xlsx",
            sheet="问卷",
            kind=K,
            bank="ingest_demo",
            version=2,
            why="问卷是版本 1，题库是版本 2",
            fields="B7（缺失）",
        ).message
    )
    # the same old form into the old bank is fine, and the v2 form into v1 too (extra rows)
    assert ingest([form], ingest_bank, tmp_path / "s1.db").total("accepted") == 1
    new = fill(FormFiller(v2), tmp_path / "in2", "new.xlsx", {"B7": "补充说明"})
    s = ingest([new], ingest_bank, tmp_path / "s2.db")
    assert s.total("accepted") == 1
    assert [p.code for p in s.files[0].problems] == ["form_relocated"]


def test_form_of_another_bank_is_not_read(tmp_path: Path, ingest_bank) -> None:
    from surveytool.bank import load_bank

    other = load_bank("young_researchers")
    path = tmp_path / "yr.xlsx"
    write_form(other, path)
    ok = fill(FormFiller(ingest_bank), tmp_path, "ok.xlsx", {})
    s = ingest([path, ok], ingest_bank, tmp_path / "s.db")
    assert [f.status for f in s.files] == ["failed", "ingested"]
    assert s.files[0].problems[0].code == "form_other_bank"
    assert s.total("accepted") == 1


def test_reingesting_a_folder_changes_nothing(tmp_path: Path, ingest_bank) -> None:
    inbox = tmp_path / "inbox"
    f = FormFiller(ingest_bank)
    for i in range(5):
        fill(f, inbox, f"r{i}.xlsx", {"B3": 10 + i})
    fill(f, inbox, "bad.xlsx", {"B1": None})
    db = tmp_path / "s.db"
    first = ingest([inbox], ingest_bank, db)
    before = dump(db)
    second = ingest([inbox], ingest_bank, db)
    assert dump(db) == before
    assert (first.total("accepted"), first.total("rejected")) == (5, 1)
    assert (second.total("accepted"), second.total("rejected")) == (0, 0)
    assert all(r.status == "known" for r in second.files)


def dump(db: Path) -> list:
    """The store's answer content (no timestamps)."""
    con = sqlite3.connect(db)
    out = []
    out += con.execute(
        "SELECT source_id, batch_row, row, rid, unit, content_hash FROM responses ORDER BY id"
    ).fetchall()
    for (t,) in con.execute(
        "SELECT name FROM sqlite_master WHERE name LIKE 'answers^_%' ESCAPE '^'"
    ):
        out += con.execute(f'SELECT * FROM "{t}" ORDER BY _response_id').fetchall()
    out += con.execute("SELECT sheet, row, reasons, raw FROM rejects ORDER BY id").fetchall()
    out += con.execute(
        "SELECT sheet, row, duplicate_of, reason FROM duplicates ORDER BY id"
    ).fetchall()
    out += con.execute(
        "SELECT sha256, name, sheet, bank_id, bank_version, wave, channel, rows, accepted, rejected, "
        "duplicates, cells FROM sources ORDER BY id"
    ).fetchall()
    con.close()
    return out


def _collection_sheet(tmp_path: Path, bank):
    """A new collection form 录入表.xlsx: (path, workbook, its 数据录入 sheet, field ids)."""
    path = tmp_path / "录入表.xlsx"
    write_form(bank, path, "collection")
    wb = load_workbook(path)
    ws = wb["数据录入"]
    return path, wb, ws, [c.value for c in ws[1]]


def _fill(ws, ids: list, rows: list[dict]) -> None:
    """Type ``rows`` (field id -> value; None leaves the cell empty) into a collection
    sheet from row 4, its columns in the order of ``ids``."""
    for r, values in enumerate(rows, start=4):
        for j, fid in enumerate(ids, start=1):
            v = values.get(fid)
            if v is not None:
                ws.cell(r, j, v)


def test_a_cell_of_only_spaces_is_blank_in_a_collection_sheet(tmp_path: Path, ingest_bank) -> None:
    """A row whose cells are only spaces (or a full-width space) is a blank row, not a
    respondent, and a space-only answer beside real ones is a blank answer: no internal
    error (pandas 3 hands back a read-only mask that blank_rows once changed in place), and
    the typed read's text columns (pandas 3's string dtype, not object) are looked at too."""
    path, wb, ws, ids = _collection_sheet(tmp_path, ingest_bank)
    rows = [
        {"_rid": "P001", **GOOD, "B6": " "},
        dict.fromkeys(ids, "\u3000"),  # every cell a full-width space: a blank row
        {"_rid": "P002", **GOOD},
    ]
    _fill(ws, ids, rows)
    wb.save(path)
    s = ingest([path], ingest_bank, tmp_path / "s.db")
    assert s.files[0].status != "failed", s.files[0].problems
    db = sqlite3.connect(tmp_path / "s.db")
    assert (s.total("accepted"), s.total("rejected")) == (2, 0)
    assert [r[0] for r in db.execute("SELECT row FROM responses ORDER BY id")] == [4, 6]
    db.close()


def test_collection_sheet_codes_labels_and_rid_duplicates(tmp_path: Path, ingest_bank) -> None:
    path, wb, ws, ids = _collection_sheet(tmp_path, ingest_bank)
    rows = [
        {"_rid": "P001", **GOOD},
        {"_rid": "P002", **GOOD, "B1": "NA", "B4_1": None, "B2_1": "4 同意", "B3": "１２"},
        {"_rid": "P001", **GOOD},  # keyed twice: duplicate
        {"_rid": "P003", **GOOD, "B1": "医院"},  # not an option label
        {"_rid": "P002", **GOOD, "B3": 99},  # same number, other answers: conflict
    ]
    _fill(ws, ids, rows)
    wb.save(path)
    s = ingest([path], ingest_bank, tmp_path / "s.db")
    assert (s.total("accepted"), s.total("rejected"), s.total("duplicates")) == (2, 2, 1)
    db = sqlite3.connect(tmp_path / "s.db")
    reasons = [r[0] for r in db.execute("SELECT reasons FROM rejects ORDER BY row")]
    col_b1 = ws.cell(1, ids.index("B1") + 1).column_letter
    assert reasons[0] == cell_msg(
        "cell_bad_option",
        "录入表.xlsx",
        f"{col_b1}7",
        "B1",
        "您所在的单位",
        sheet="数据录入",
        value="医院",
        accepted="1=广西科技大学；2=柳州市人民医院；3=None；4=NA",
    )
    assert reasons[1].endswith(
        problem(
            "conflict_rid", rid="P002", where="文件 录入表.xlsx 工作表“数据录入”第 5 行"
        ).message
    )
    a = load_answers(tmp_path / "s.db", ingest_bank)
    assert a["_rid"].tolist() == ["P001", "P002"]
    assert a["B1"].tolist() == [1, 4]  # "NA" is an option label, not missing
    assert a["B3"].tolist() == [40, 12]
    assert a["B2_1"].tolist() == [4, 4]


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gbk", "gb18030"])
def test_csv_with_question_text_header(tmp_path: Path, ingest_bank, encoding: str) -> None:
    header = "您所在的单位,项目申报材料过多,我有足够的时间专注科研,每周科研时间,B4,您的建议\n"
    body = '广西科技大学,4,2,40,"报销,会议",无\nNone,5,1,30,,\n'
    path = tmp_path / "export.csv"
    path.write_bytes((header + body).encode(encoding))
    s = ingest([path], ingest_bank, tmp_path / "s.db")
    assert s.total("accepted") == 2, s.to_dict()
    a = load_answers(tmp_path / "s.db", ingest_bank)
    assert a["B1"].tolist() == [1, 3]
    assert a[["B4_1", "B4_2", "B4_3"]].iloc[0].tolist() == [1, 1, 0]
    assert a["B6"].iloc[0] == "无"


def test_csv_undecodable_names_the_byte(tmp_path: Path, ingest_bank) -> None:
    path = tmp_path / "bad.csv"
    path.write_bytes(b"B1,B3\n" + b"\xff\xfe\xfa,1\n")
    s = ingest([path], ingest_bank, tmp_path / "s.db")
    assert s.files[0].status == "failed"
    assert (
        s.files[0].problems[0].message
        == problem("csv_encoding", file="bad.csv", kind=K, offset=6).message
    )


def test_unreadable_file_fails_alone(tmp_path: Path, ingest_bank) -> None:
    inbox = tmp_path / "in"
    fill(FormFiller(ingest_bank), inbox, "ok.xlsx", {})
    (inbox / "broken.xlsx").write_bytes(b"PK\x03\x04 not really a zip")
    s = ingest([inbox], ingest_bank, tmp_path / "s.db")
    status = {f.name: f.status for f in s.files}
    assert status == {"broken.xlsx": "failed", "ok.xlsx": "ingested"}
    assert s.total("accepted") == 1


def test_text_in_a_number_column_after_many_rows_is_not_lost(tmp_path: Path, ingest_bank) -> None:
    """fastexcel types a column by its first rows; a late text cell must be restored."""
    path, wb, ws, ids = _collection_sheet(tmp_path, ingest_bank)
    col = {fid: j for j, fid in enumerate(ids, start=1)}
    for r in range(4, 4 + 1500):
        for fid, v in GOOD.items():
            ws.cell(r, col[fid], v)
        ws.cell(r, col["B3"], r % 90)
        ws.cell(r, col["_rid"], f"R{r}")
    ws.cell(1503, col["B3"], "约40")
    ws.cell(1502, col["B3"], "不清楚")
    wb.save(path)
    s = ingest([path], ingest_bank, tmp_path / "s.db")
    assert (s.total("accepted"), s.total("rejected")) == (1499, 1)
    a = load_answers(tmp_path / "s.db", ingest_bank).set_index("_row")
    assert a.loc[1503, "B3"] == 40
    db = sqlite3.connect(tmp_path / "s.db")
    (raw,) = db.execute("SELECT raw FROM rejects").fetchone()
    assert json.loads(raw)["B3"] == "不清楚"


def test_rejects_workbook_can_be_fixed_and_reingested(tmp_path: Path, ingest_bank) -> None:
    inbox = tmp_path / "in"
    fill(FormFiller(ingest_bank), inbox, "bad.xlsx", {"B3": None}, raw={"B3": "=1+1"})
    s = ingest([inbox], ingest_bank, tmp_path / "s.db")
    assert s.total("rejected") == 1 and s.rejects_file
    wb = load_workbook(s.rejects_file)
    ws = wb.active
    header = [c.value for c in ws[1]]
    assert header[:4] == ["文件", "工作表", "行", "问题原因"]
    b3 = ws.cell(2, header.index("B3") + 1)
    assert b3.value == "=1+1" and b3.data_type == "s"  # text, never a formula
    b3.value = 41
    fixed = tmp_path / "fixed.xlsx"
    wb.save(fixed)
    s2 = ingest([fixed], ingest_bank, tmp_path / "s.db")
    assert s2.total("accepted") == 1, s2.to_dict()
    assert load_answers(tmp_path / "s.db", ingest_bank)["B3"].tolist() == [41]


def test_relocation_keeps_answers_when_structure_hidden_sheet_is_edited(tmp_path, ingest_bank):
    path = fill(FormFiller(ingest_bank), tmp_path, "f.xlsx", {})
    structure, stored = read_structure(path)
    assert stored == structure.checksum
    shutil.copy(path, tmp_path / "copy.xlsx")
    s = ingest([tmp_path / "copy.xlsx"], ingest_bank, tmp_path / "s.db")
    assert s.total("accepted") == 1 and s.files[0].problems == []
