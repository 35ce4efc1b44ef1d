"""Issue 27's report target: the report on a 10,000 x 50 table (HTML + Markdown + Word) at
least 4x faster than ydata-profiling's HTML profile of the same table.

ydata-profiling is not one of our dependencies (it pins its own pandas/numpy); install it in
a venv of its own and pass that venv's python:

    python3 -m venv /tmp/yv && /tmp/yv/bin/pip install ydata-profiling
    python benchmarks/bench_vs_profiling.py --profiling-python /tmp/yv/bin/python [--repeat 3]

Each measurement is a fresh process, timed whole (imports included, as a user waits for
them): ours = ``surveytool report`` on a store the table was ingested into beforehand (the
ingest is not timed); theirs = pandas ``read_csv`` + ``ProfileReport(df).to_file``. Runs
alternate, so each ratio pairs runs under the same load.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import bench_speed  # noqa: E402  (the generic 10,000 x 50 table)

PROFILE = """
import sys, pandas as pd
from ydata_profiling import ProfileReport
df = pd.read_csv(sys.argv[1])
ProfileReport(df, title="10000 x 50", progress_bar=False).to_file(sys.argv[2])
"""


def timed(cmd: list[str]) -> float:
    t = time.perf_counter()
    res = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if res.returncode != 0:
        raise SystemExit(f"{cmd[:3]} failed:\n{res.stderr[-2000:]}")
    return time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--profiling-python", required=True)
    ap.add_argument("--rows", type=int, default=10_000)
    ap.add_argument("--repeat", type=int, default=3)
    a = ap.parse_args()
    csv = bench_speed.generic_csv(a.rows)
    bank = HERE / "bank50.yaml"
    with tempfile.TemporaryDirectory() as tmp:
        store = Path(tmp) / "s.db"
        st = [sys.executable, "-m", "surveytool"]
        subprocess.run(
            [*st, "ingest", "--bank", str(bank), "--store", str(store), str(csv)],
            check=True,
            capture_output=True,
        )
        ours, theirs = [], []
        for k in range(a.repeat):
            out = Path(tmp) / f"r{k}"
            ours.append(
                timed([*st, "report", "--bank", str(bank), "--store", str(store), "-o", str(out)])
            )
            html = Path(tmp) / f"p{k}.html"
            theirs.append(timed([a.profiling_python, "-c", PROFILE, str(csv), str(html)]))
    ratios = [t / o for o, t in zip(ours, theirs, strict=True)]
    print(f"{a.rows:,} x 50 table (bank50), {a.repeat} alternating runs, wall seconds")
    print(f"  surveytool report (html + md + docx): {', '.join(f'{x:.2f}' for x in ours)}")
    print(f"  ydata-profiling (html):               {', '.join(f'{x:.2f}' for x in theirs)}")
    median = statistics.median(ratios)
    verdict = "OK" if median >= 4 else "MISSED"
    print(
        f"  ydata / ours: median {median:.2f} ({min(ratios):.2f}-{max(ratios):.2f})  "
        f"target >= 4x: {verdict}"
    )


if __name__ == "__main__":
    main()
