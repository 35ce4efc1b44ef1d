"""Old Excel (.xls) files: a 问卷星 .xls download, and our respondent form and collection
sheet re-saved as .xls (as by an old Excel or WPS) are read like their .xlsx originals.
The fixtures in tests/data/xls/ were converted by LibreOffice (tests/data/make_xls.py)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from test_platforms import BANK, TEXT_HEADER, TEXT_ROWS, xlsx

from surveytool.bank import load_bank
from surveytool.forms.fill import FormFiller
from surveytool.ingest import ingest, load_answers

from conftest import GOOD, write_bank

XLS = Path(__file__).parent / "data" / "xls"
META = ["_response_id", "_source", "_sheet", "file", "_row"]


def _answers(files: list[Path], bank, db: Path) -> pd.DataFrame:
    s = ingest(files, bank, db)
    assert not s.failed, [p.message for f in s.files for p in f.problems]
    a = load_answers(db, bank)
    return a.drop(columns=[c for c in META if c in a.columns]).reset_index(drop=True)


def test_wjx_xls_download_equals_the_xlsx_one(tmp_path: Path) -> None:
    bank = load_bank(write_bank(tmp_path, BANK, "platform_demo.yaml"))
    old = _answers([XLS / "123_按文本_平台导入测试_3_3.xls"], bank, tmp_path / "a.db")
    new = xlsx(tmp_path / "123_按文本_平台导入测试_3_3.xlsx", TEXT_HEADER, TEXT_ROWS)
    pd.testing.assert_frame_equal(old, _answers([new], bank, tmp_path / "b.db"))
    assert old["_rid"].tolist() == ["wjx:1", "wjx:2", "wjx:3"]
    assert old["B1_other"].iloc[1] == "研究所"


def test_our_forms_resaved_as_xls(tmp_path: Path, ingest_bank) -> None:
    old = _answers([XLS / "问卷-旧版Excel另存.xls"], ingest_bank, tmp_path / "a.db")
    FormFiller(ingest_bank).fill(GOOD, tmp_path / "new.xlsx")
    pd.testing.assert_frame_equal(
        old, _answers([tmp_path / "new.xlsx"], ingest_bank, tmp_path / "b.db")
    )
    rows = _answers([XLS / "录入表-旧版Excel另存.xls"], ingest_bank, tmp_path / "c.db")
    assert rows["_rid"].tolist() == ["X001", "X002"]
    assert rows["B1"].tolist() == [1, 2] and rows["B3"].tolist() == [40, 12]
    assert (
        rows.drop(columns=["_rid", "B1", "B3", "_unit"])
        .iloc[0]
        .equals(old.drop(columns=["_rid", "B1", "B3", "_unit"]).iloc[0])
    )
