"""Rebuild the .xls fixtures in tests/data/xls/ (run from the repository root; needs
LibreOffice). Old Excel (.xls, BIFF8) files cannot be written from Python offline, so each is
an .xlsx built here and converted by ``soffice --convert-to xls``, as a person re-saving in an
old Excel or WPS would produce; 问卷星 also offers .xls downloads.

    python tests/data/make_xls.py
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from openpyxl import load_workbook

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from test_platforms import TEXT_HEADER, TEXT_ROWS, xlsx  # noqa: E402

from surveytool.bank import load_bank  # noqa: E402
from surveytool.forms import write_form  # noqa: E402
from surveytool.forms.fill import FormFiller  # noqa: E402

from conftest import GOOD, INGEST_BANK, write_bank  # noqa: E402

COLLECTION_ROWS = [{"_rid": "X001", **GOOD}, {"_rid": "X002", **GOOD, "B1": 2, "B3": 12}]


def main() -> None:
    out = HERE / "xls"
    out.mkdir(exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        t = Path(tmp)
        bank = load_bank(write_bank(t, INGEST_BANK, "ingest_demo.yaml"))
        xlsx(t / "123_按文本_平台导入测试_3_3.xlsx", TEXT_HEADER, TEXT_ROWS)
        FormFiller(bank).fill(GOOD, t / "问卷-旧版Excel另存.xlsx")
        write_form(bank, t / "录入表-旧版Excel另存.xlsx", "collection")
        wb = load_workbook(t / "录入表-旧版Excel另存.xlsx")
        ws = wb["数据录入"]
        ids = [c.value for c in ws[1]]
        for r, values in enumerate(COLLECTION_ROWS, start=4):
            for j, fid in enumerate(ids, start=1):
                if values.get(fid) is not None:
                    ws.cell(r, j, values[fid])
        wb.save(t / "录入表-旧版Excel另存.xlsx")
        for src in sorted(t.glob("*.xlsx")):
            subprocess.run(
                ["soffice", "--headless", "--convert-to", "xls", "--outdir", str(out), str(src)],
                check=True,
                capture_output=True,
                timeout=120,
            )
    print(*sorted(p.name for p in out.iterdir()), sep="\n")


if __name__ == "__main__":
    if not shutil.which("soffice"):
        sys.exit("LibreOffice (soffice) is needed to rebuild the .xls fixtures.")
    main()
