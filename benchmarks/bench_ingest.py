"""Ingest speed, side by side with plain xlsx readers on the same file.

1. A 100,000-respondent x 50-field collection sheet (our layout, bank benchmarks/bank50.yaml):
   - pandas.read_excel with its default openpyxl engine, just reading;
   - fastexcel (calamine), just reading: default typed read, and the lossless read;
   - python-calamine, just reading (if installed);
   - surveytool ingest into a fresh store (read + validate + dedupe + store).
   Targets (issue 3): ingest >= 8x faster than the pandas read; within 1.5x of the fastest
   raw reader.
2. 1,000 respondent-layout forms of young_researchers: target under 15 s.

The 100k file takes about a minute to generate; it is cached in benchmarks/.cache/.
Run: python benchmarks/bench_ingest.py [--rows N] [--skip-pandas]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from openpyxl import Workbook

from surveytool.bank import load_bank
from surveytool.forms.collection import build_collection
from surveytool.forms.fill import FormFiller
from surveytool.forms.xlsx import write_meta, write_properties
from surveytool.ingest import ingest
from surveytool.simulate import Simulator

HERE = Path(__file__).resolve().parent
CACHE = HERE / ".cache"


def collection_file(rows: int, bank_file: str = "bank50.yaml") -> Path:
    """Our collection layout with ``rows`` simulated respondents (write-only openpyxl)."""
    path = CACHE / f"collection-{Path(bank_file).stem}-{rows}.xlsx"
    if path.exists():
        return path
    CACHE.mkdir(exist_ok=True)
    bank = load_bank(HERE / bank_file)
    _, structure = build_collection(bank, 1)
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("数据录入")
    ids = ["_rid", *(f.id for f in bank.fields)]
    ws.append(ids)
    ws.append(["问卷编号", *(f.label for f in bank.fields)])
    ws.append(["", *("" for _ in bank.fields)])
    sim = Simulator(bank, seed=1)
    for i in range(rows):
        a = sim.one()
        ws.append([f"R{i:06d}", *(a[f.id] for f in bank.fields)])
    meta = Workbook()
    write_meta(meta, structure, bank.title)
    ms = wb.create_sheet("_surveytool")
    for row in meta["_surveytool"].iter_rows(values_only=True):
        ms.append(list(row))
    ms.sheet_state = "veryHidden"
    write_properties(wb, structure)
    wb.save(path)
    return path


def timed(label: str, fn, repeat: int = 1) -> float:
    """Best of ``repeat`` runs (the machine is noisy: the minimum is the fair figure)."""
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    print(
        f"  {label:<52}{best:8.2f} s" + (f"  (best of {repeat})" if repeat > 1 else ""), flush=True
    )
    return best


def bench_collection(rows: int, skip_pandas: bool) -> None:
    t0 = time.perf_counter()
    path = collection_file(rows)
    print(
        f"collection sheet: {rows} respondents x 50 fields, {path.stat().st_size / 1e6:.1f} MB "
        f"(ready in {time.perf_counter() - t0:.1f} s)"
    )
    bank = load_bank(HERE / "bank50.yaml")
    import fastexcel

    times: dict[str, float] = {}
    if not skip_pandas:
        import pandas as pd

        times["pandas"] = timed(
            "pandas.read_excel (openpyxl engine), read only",
            lambda: pd.read_excel(
                path, sheet_name="数据录入", header=0, engine="openpyxl", skiprows=[1, 2]
            ),
        )
    times["fastexcel"] = timed(
        "fastexcel, read only (typed from first 1000 rows)",
        lambda: fastexcel.read_excel(path).load_sheet(
            "数据录入", header_row=0, skip_rows=2, eager=True
        ),
        repeat=3,
    )
    times["fastexcel_all"] = timed(
        "fastexcel, read only (typed from all rows: lossless)",
        lambda: fastexcel.read_excel(path).load_sheet(
            "数据录入", header_row=0, skip_rows=2, eager=True, schema_sample_rows=None
        ),
    )
    try:
        import python_calamine

        times["calamine"] = timed(
            "python-calamine, read only (to Python lists)",
            lambda: (
                python_calamine.CalamineWorkbook.from_path(str(path))
                .get_sheet_by_name("数据录入")
                .to_python()
            ),
        )
    except ImportError:
        print("  python-calamine not installed: skipped")
    with tempfile.TemporaryDirectory() as tmp:
        summary = {}

        runs = iter(range(100))

        def run() -> None:  # a fresh store each time
            summary["s"] = ingest([path], bank, Path(tmp) / f"s{next(runs)}.db")

        times["ingest"] = timed("surveytool ingest (read, validate, store)", run, repeat=3)
        s = summary["s"]
        print(
            f"  accepted {s.total('accepted')}, rejected {s.total('rejected')}, "
            f"duplicates {s.total('duplicates')}"
        )
    fastest = min(v for k, v in times.items() if k not in ("ingest", "pandas"))
    if "pandas" in times:
        print(
            f"  ingest vs pandas read: {times['pandas'] / times['ingest']:.1f}x faster "
            f"(target >= 8x)"
        )
    print(
        f"  ingest vs fastest raw read ({fastest:.2f} s): {times['ingest'] / fastest:.2f}x "
        f"(target <= 1.5x)"
    )
    print(f"  ingest vs lossless raw read: {times['ingest'] / times['fastexcel_all']:.2f}x")


def bench_forms(n: int) -> None:
    bank = load_bank("young_researchers")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "forms"
        filler = FormFiller(bank)
        t = time.perf_counter()
        for i, answers in enumerate(Simulator(bank, seed=3).respondents(n)):
            filler.fill(answers, folder / f"r{i:04d}.xlsx")
        print(f"respondent forms: {n} files written in {time.perf_counter() - t:.1f} s")
        result = {}
        seconds = timed(
            f"surveytool ingest of {n} respondent forms",
            lambda: result.setdefault("s", ingest([folder], bank, Path(tmp) / "s.db")),
        )
        s = result["s"]
        print(
            f"  accepted {s.total('accepted')}, rejected {s.total('rejected')}; "
            f"{seconds / n * 1000:.1f} ms per form (target: {n} forms < 15 s: "
            f"{'OK' if seconds < 15 else 'MISSED'})"
        )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--forms", type=int, default=1000)
    ap.add_argument("--skip-pandas", action="store_true")
    args = ap.parse_args()
    bench_collection(args.rows, args.skip_pandas)
    bench_forms(args.forms)


if __name__ == "__main__":
    main()
