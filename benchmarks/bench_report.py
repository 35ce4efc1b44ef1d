"""Report speed: 10,000 respondents of the largest built-in bank, all charts, HTML + Markdown
+ Word; and the demo end to end.

Targets (issue 5): the report under 8 s on a 2-core machine; the demo under 30 s.
Run: python benchmarks/bench_report.py
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import time
from pathlib import Path

from openpyxl import Workbook

from surveytool.bank import builtin_ids, load_bank
from surveytool.forms.collection import build_collection
from surveytool.forms.xlsx import write_meta, write_properties
from surveytool.ingest import ingest
from surveytool.report import make_report
from surveytool.simulate import Simulator

HERE = Path(__file__).resolve().parent
CACHE = HERE / ".cache"


def largest_bank():
    return max((load_bank(b) for b in builtin_ids()), key=lambda b: len(b.fields))


def collection(bank, n: int) -> Path:
    path = CACHE / f"{bank.id}-{n}.xlsx"
    if path.exists():
        return path
    CACHE.mkdir(exist_ok=True)
    _, structure = build_collection(bank, 1)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("数据录入")
    ws.append(["_rid", *(f.id for f in bank.fields)])
    ws.append(["问卷编号", *(f.label for f in bank.fields)])
    ws.append([""] * (len(bank.fields) + 1))
    sim = Simulator(bank, seed=5)
    for i in range(n):
        a = sim.one()
        ws.append([f"R{i:05d}", *(a[f.id] for f in bank.fields)])
    meta = Workbook()
    write_meta(meta, structure, bank.title)
    ms = wb.create_sheet("_surveytool")
    for row in meta["_surveytool"].iter_rows(values_only=True):
        ms.append(list(row))
    ms.sheet_state = "veryHidden"
    write_properties(wb, structure)
    wb.save(path)
    return path


def main() -> None:
    bank = largest_bank()
    n = 10_000
    t = time.perf_counter()
    path = collection(bank, n)
    print(
        f"bank {bank.id}: {len(bank.fields)} fields, {len(bank.questions)} questions; "
        f"{n} respondents ready in {time.perf_counter() - t:.1f} s"
    )
    with tempfile.TemporaryDirectory() as tmp:
        store = Path(tmp) / "s.db"
        s = ingest([path], bank, store)
        print(f"ingested: {s.total('accepted')} accepted, {s.total('rejected')} rejected")
        t = time.perf_counter()
        paths = make_report(store, bank, Path(tmp) / "report")
        seconds = time.perf_counter() - t
        charts = len(list((Path(tmp) / "report" / "charts").glob("*.png")))
        sizes = ", ".join(
            f"{k} {paths[k].stat().st_size / 1e6:.1f} MB" for k in ("html", "md", "docx")
        )
        print(
            f"report (analysis, {charts} charts, html + md + docx): {seconds:.2f} s "
            f"(target < 8 s: {'OK' if seconds < 8 else 'MISSED'}); {sizes}"
        )
        t = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "surveytool", "demo", "-o", str(Path(tmp) / "demo")],
            check=True,
            capture_output=True,
        )
        seconds = time.perf_counter() - t
        print(
            f"surveytool demo, end to end (new process): {seconds:.2f} s "
            f"(target < 30 s: {'OK' if seconds < 30 else 'MISSED'})"
        )


if __name__ == "__main__":
    main()
