"""Speed of the analysis the researcher steers (issue 24), 100,000 respondents x 50 fields.

Targets: ``table`` under 1 s; weighted ``analyze`` at most 30% more than unweighted.
Answers are drawn as in bench_analysis.py (bank50.yaml, typed as load_answers types them);
the unit populations are made up (units 甲…戊 of 40,000 to 120,000 people). ``table`` is
timed on the answers in memory (the store read is the same for every command and is
measured by bench_ingest_large.py) and end to end through the command on a store.
The command's own time also holds importing pandas and scipy (about 1.3 s of CPU here).
Run: python benchmarks/bench_steer.py [--n 100000]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from bench_analysis import HERE, answers

POPULATIONS = {"甲": 40_000, "乙": 60_000, "丙": 80_000, "丁": 100_000, "戊": 120_000}
TABLES = [("B2", "B5"), ("C1_1", "B3"), ("D1", "B4"), ("B6", "B1"), ("C2", "B2"), ("B7", None)]


def best(fn, repeat: int = 3) -> float:
    """The least CPU time of ``repeat`` runs (the machine is shared: wall time is noise)."""
    times = []
    for _ in range(repeat):
        t = time.process_time()
        fn()
        times.append(time.process_time() - t)
    return min(times)


def main() -> None:
    from surveytool.analysis import Survey, analyse
    from surveytool.analysis.table import crosstable
    from surveytool.bank import load_bank
    from surveytool.cli.steer import design_for

    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--no-store", action="store_true", help="skip the end-to-end runs")
    args = ap.parse_args()
    bank = load_bank(HERE / "bank50.yaml")
    frame = answers(bank, args.n)
    print(f"{args.n} respondents x {len(bank.fields)} fields")
    for row, col in TABLES:
        for weighted in (False, True):
            s = Survey(frame, bank)
            design = design_for(s, POPULATIONS) if weighted else None
            secs = best(lambda s=s, d=design, r=row, c=col: crosstable(s, r, c, design=d))
            label = f"table {row} x {col or '—'}{' weighted' if weighted else ''}"
            print(f"  {label:<32} {secs:6.3f} s CPU (target < 1 s)")
    plain, weighted = [], []
    for _ in range(3):
        s = Survey(frame, bank)
        plain.append(best(lambda s=s: analyse(s), 1))
        s = Survey(frame, bank)
        weighted.append(best(lambda s=s: analyse(s, design=design_for(s, POPULATIONS)), 1))
    a, b = statistics.median(plain), statistics.median(weighted)
    extra = 100 * (b / a - 1)
    print(
        f"  analyse unweighted {a:6.2f} s CPU, weighted {b:6.2f} s CPU: {extra:+.0f}%"
        " (target <= +30%)"
    )
    if not args.no_store:
        _end_to_end(bank, frame)


def _end_to_end(bank, frame) -> None:
    """``surveytool table`` on a store holding the answers (store read included)."""
    from surveytool.cli import main as cli
    from surveytool.store.db import Store

    with tempfile.TemporaryDirectory() as tmp:
        store = Path(tmp) / "bench.db"
        data = Path(tmp) / "answers.csv"
        frame.to_csv(data, index=False)
        t = time.perf_counter()
        cli(["ingest", "--bank", str(HERE / "bank50.yaml"), "--store", str(store), str(data)])
        print(f"  (ingest of the csv {time.perf_counter() - t:.1f} s)")
        del Store
        from surveytool.analysis import Survey
        from surveytool.analysis.table import crosstable
        from surveytool.store import load_answers

        for row, col in (("B2", "B5"), ("B6", "B1")):
            wall, cpu = time.perf_counter(), time.process_time()
            crosstable(Survey(load_answers(store, bank), bank), row, col)
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
            print(f"  read the store + table {row} x {col}: {wall:.2f} s wall, {cpu:.2f} s CPU")
        for argv in (["B2", "B5"], ["B6", "B1"]):
            t = time.perf_counter()
            cli(["table", "--bank", str(HERE / "bank50.yaml"), "--store", str(store), *argv])
            secs = time.perf_counter() - t
            print(f"  command table {' x '.join(argv)} incl. reading the store: {secs:.2f} s")


if __name__ == "__main__":
    main()
