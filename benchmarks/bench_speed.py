"""Issue 14, part 1: ingest against the raw readers, side by side in one run.

Targets (ratios, measured in the same run; the machine is noisy, so every figure is taken
``--repeat`` times, interleaved, and the spread is printed):

1. 1,000 simulated young_researchers respondent forms: ingest <= 2x python-calamine's raw
   read of the same files (the answer sheet to Python lists, one file after another), and
   >= 5x faster than openpyxl reading alone (read-only workbook, the same sheet's rows).
2. A 100,000 x 50 generic table with field-id headers (bank benchmarks/bank50.yaml):
   .xlsx ingest <= 2.5x fastexcel's raw read (first sheet to Arrow) and faster than pandas
   ``read_excel(engine="calamine")`` + ``to_sql`` (issue 27); .csv ingest <= 8x
   pyarrow.csv's read and <= 1.5x what a user would run instead, pandas ``read_csv`` (all
   text) + ``to_sql`` into SQLite (issue 27's targets).

``--one checks FOLDER x`` times only the checks a reader worker makes on each form before a
reader opens it (issue 27: per-form CPU of the checks; run it on an empty folder too, to
subtract start-up and imports).

Each measurement runs in a fresh process (so peak memory is its own): the raw readers
alone; ingest as a user's run is — the command line's ``surveytool ingest`` with its
imports, reader workers started (one per core) and stopped included, into a fresh store.
Printed per target: wall time, CPU time (the process and its reader workers: less
sensitive than wall time to other work on the machine), peak memory (resident; for ingest
the caller, its largest worker, and the sum of all the workers' peaks: an upper bound, as
their peaks need not coincide).

Run: python benchmarks/bench_speed.py [--forms 1000] [--rows 100000] [--repeat 3]
[--only forms|xlsx|csv].
Inputs are generated once into benchmarks/.cache/ (the forms take about a minute, the
100,000-row xlsx about a minute).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
CACHE = HERE / ".cache"
FORM_SHEET = "问卷"


# --- inputs ------------------------------------------------------------------------------


def forms_folder(n: int) -> Path:
    """``n`` simulated young_researchers respondent forms, filled as a respondent would."""
    from surveytool.bank import load_bank
    from surveytool.forms.fill import FormFiller
    from surveytool.simulate import Simulator

    folder = CACHE / f"forms-young_researchers-{n}"
    if folder.is_dir() and len(list(folder.glob("*.xlsx"))) == n:
        return folder
    folder.mkdir(parents=True, exist_ok=True)
    bank = load_bank("young_researchers")
    filler = FormFiller(bank)
    for i, answers in enumerate(Simulator(bank, seed=3).respondents(n)):
        filler.fill(answers, folder / f"r{i:04d}.xlsx")
    return folder


DISTINCT = 10_000  # simulated respondents, repeated under new respondent codes


def generic_rows(rows: int):
    """Header of field ids, then ``rows`` respondents (bank50): :data:`DISTINCT` simulated
    ones repeated, each row with its own respondent code (so none is a duplicate)."""
    from surveytool.bank import load_bank
    from surveytool.simulate import Simulator

    bank = load_bank(HERE / "bank50.yaml")
    ids = [f.id for f in bank.fields]
    yield ["_rid", *ids]
    sim = Simulator(bank, seed=1)
    distinct = [[a[f] for f in ids] for a in sim.respondents(min(rows, DISTINCT))]
    for i in range(rows):
        yield [f"R{i:06d}", *distinct[i % len(distinct)]]


def generic_xlsx(rows: int) -> Path:
    path = CACHE / f"generic-bank50-{rows}.xlsx"
    if not path.exists():
        from openpyxl import Workbook

        CACHE.mkdir(exist_ok=True)
        wb = Workbook(write_only=True)
        ws = wb.create_sheet("数据")
        for row in generic_rows(rows):
            ws.append(row)
        wb.save(path)
    return path


def generic_csv(rows: int) -> Path:
    path = CACHE / f"generic-bank50-{rows}.csv"
    if not path.exists():
        CACHE.mkdir(exist_ok=True)
        with path.open("w", encoding="utf-8", newline="") as f:
            w = csv.writer(f)
            for row in generic_rows(rows):
                w.writerow(["" if v is None else v for v in row])
    return path


# --- one measurement, in its own process ---------------------------------------------------


def _raw_calamine(folder: Path) -> None:
    import python_calamine

    for p in sorted(folder.glob("*.xlsx")):
        python_calamine.CalamineWorkbook.from_path(str(p)).get_sheet_by_name(FORM_SHEET).to_python()


def _raw_openpyxl(folder: Path) -> None:
    import openpyxl

    for p in sorted(folder.glob("*.xlsx")):
        wb = openpyxl.load_workbook(p, read_only=True)
        list(wb[FORM_SHEET].iter_rows(values_only=True))
        wb.close()


def _raw_fastexcel(path: Path) -> None:
    import fastexcel

    fastexcel.read_excel(path).load_sheet(0).to_arrow()


def _raw_pyarrow(path: Path) -> None:
    import pyarrow.csv

    pyarrow.csv.read_csv(path)


def _pandas_csv(path: Path) -> None:
    """What a user would run instead: pandas read_csv (all text) + to_sql into SQLite."""
    import sqlite3

    import pandas as pd

    df = pd.read_csv(path, dtype=str, keep_default_na=False)
    with tempfile.TemporaryDirectory() as tmp:
        con = sqlite3.connect(Path(tmp) / "p.db")
        df.to_sql("answers", con, index=False)
        con.commit()
        con.close()


def _pandas_xlsx(path: Path) -> None:
    """What a user would run instead: pandas read_excel (calamine, all text) + to_sql."""
    import sqlite3

    import pandas as pd

    df = pd.read_excel(path, engine="calamine", dtype=str)
    with tempfile.TemporaryDirectory() as tmp:
        con = sqlite3.connect(Path(tmp) / "p.db")
        df.to_sql("answers", con, index=False)
        con.commit()
        con.close()


def _checks(folder: Path) -> None:
    """The checks a reader worker makes on each form before any reader opens it."""
    import inspect

    from surveytool.ingest import files as fs

    strict = "strict" in inspect.signature(fs.inspect_xlsx).parameters
    for p in sorted(folder.glob("*.xlsx")):
        assert fs.disguised_as_excel(p) is None
        found = fs.inspect_xlsx(p, strict=False) if strict else fs.inspect_xlsx(p)
        assert found.reason is None, found


def _ingest(target: Path, bank_name: str) -> tuple[dict, list]:
    """``surveytool ingest TARGET --bank BANK --store …`` as a user runs it (the command
    line's own imports, its reader workers started before them), in this process so that
    its workers can be measured before they stop."""
    import contextlib
    import io

    bank = str(HERE / bank_name) if bank_name.endswith(".yaml") else bank_name
    with tempfile.TemporaryDirectory() as tmp:
        out = io.StringIO()
        args = ["ingest", str(target), "--bank", bank, "--store", str(Path(tmp) / "s.db")]
        with contextlib.redirect_stdout(out):
            from surveytool.cli import main

            code = main([*args, "--json"])
        if code:
            raise SystemExit(f"ingest exited with {code}")
        summary = json.loads(out.getvalue())
    from surveytool.ingest import pool

    workers = list(pool._IDLE)  # the ingest's workers, alive until stopped
    return {"accepted": summary["accepted"], "rejected": summary["rejected"]}, workers


def _status(pid: int | str, key: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1]) * 1024
    return 0


def _cpu(pid: int | str) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def one(kind: str, target: str, bank: str) -> dict:
    """Run one measurement here; returns seconds, cpu seconds, peaks in bytes."""
    fn = {
        "calamine": _raw_calamine,
        "openpyxl": _raw_openpyxl,
        "fastexcel": _raw_fastexcel,
        "pyarrow": _raw_pyarrow,
        "pandas": _pandas_csv,
        "pandas_xlsx": _pandas_xlsx,
        "checks": _checks,
    }.get(kind)
    cpu0 = _cpu("self")
    t = time.perf_counter()
    extra, workers = (fn(Path(target)), []) if fn else _ingest(Path(target), bank)
    worker_cpu = sum(_cpu(w.proc.pid) for w in workers)
    worker_peaks = [_status(w.proc.pid, "VmHWM") for w in workers]
    if workers:
        from surveytool.ingest import pool

        pool.stop_all()
    seconds = time.perf_counter() - t
    return {
        "seconds": seconds,
        "cpu": _cpu("self") - cpu0 + worker_cpu,
        "peak": _status("self", "VmHWM"),
        "worker_peak": max(worker_peaks, default=0),
        "workers_peak": sum(worker_peaks),
        "workers": len(workers),
        **(extra or {}),
    }


def measure(kind: str, target: Path, bank: str = "") -> dict:
    cmd = [sys.executable, __file__, "--one", kind, str(target), bank]
    res = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if res.returncode != 0:
        raise SystemExit(f"{kind} failed:\n{res.stderr}")
    return json.loads(res.stdout.strip().splitlines()[-1])


# --- the report ------------------------------------------------------------------------------


def _spread(values: list[float]) -> str:
    return f"median {statistics.median(values):.2f}, min {min(values):.2f}, max {max(values):.2f}"


def target(
    title: str,
    raw: str,
    target_path: Path,
    bank: str,
    repeat: int,
    goal: float,
    slower_raw: str = "",
    instead: tuple[str, float] | None = None,
) -> None:
    print(f"\n{title}", flush=True)
    runs: dict[str, list[dict]] = {
        raw: [],
        "ingest": [],
        **({slower_raw: []} if slower_raw else {}),
        **({instead[0]: []} if instead else {}),
    }
    for _ in range(repeat):  # interleaved, so each ratio compares runs under the same load
        for kind in runs:
            runs[kind].append(measure(kind, target_path, bank))
    for kind, rs in runs.items():
        mib = max(r["peak"] for r in rs) / 2**20
        wall = _spread([r["seconds"] for r in rs])
        cpu = _spread([r["cpu"] for r in rs])
        line = f"  {kind:<10} wall {wall} s; cpu {cpu} s; peak {mib:.0f} MiB"
        if kind == "ingest":
            w = max(r["worker_peak"] for r in rs) / 2**20
            all_w = max(r["workers_peak"] for r in rs) / 2**20
            n = rs[0]["workers"]
            line += f" (+ {n} reader workers: largest {w:.0f} MiB, sum of peaks {all_w:.0f} MiB)"
            line += f"; accepted {rs[0]['accepted']}, rejected {rs[0]['rejected']}"
        print(line, flush=True)
    ratios = [i["seconds"] / r["seconds"] for i, r in zip(runs["ingest"], runs[raw], strict=True)]
    cpu_ratios = [i["cpu"] / r["cpu"] for i, r in zip(runs["ingest"], runs[raw], strict=True)]
    verdict = "OK" if statistics.median(ratios) <= goal else "MISSED"
    print(f"  ingest / {raw} (wall, per run): {_spread(ratios)}  target <= {goal}x: {verdict}")
    print(f"  ingest / {raw} (cpu, per run):  {_spread(cpu_ratios)}")
    if instead:  # what a user would run instead (issue 27): ingest at most `goal` times it
        kind, most = instead
        slower = [
            i["seconds"] / r["seconds"] for i, r in zip(runs["ingest"], runs[kind], strict=True)
        ]
        cpu = [i["cpu"] / r["cpu"] for i, r in zip(runs["ingest"], runs[kind], strict=True)]
        verdict = "OK" if statistics.median(slower) <= most else "MISSED"
        print(f"  ingest / {kind} (wall, per run): {_spread(slower)}  target <= {most}x: {verdict}")
        print(f"  ingest / {kind} (cpu, per run):  {_spread(cpu)}")
    if slower_raw:
        faster = [
            s["seconds"] / i["seconds"]
            for s, i in zip(runs[slower_raw], runs["ingest"], strict=True)
        ]
        verdict = "OK" if statistics.median(faster) >= 5 else "MISSED"
        print(
            f"  {slower_raw} / ingest (wall, per run): {_spread(faster)}  target >= 5x: {verdict}"
        )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--forms", type=int, default=1000)
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--only", choices=["forms", "xlsx", "csv"])
    ap.add_argument("--no-openpyxl", action="store_true", help="skip the slow openpyxl runs")
    ap.add_argument("--one", nargs=3, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.one:
        print(json.dumps(one(*args.one)))
        return
    import compileall

    import surveytool
    from surveytool.ingest.pool import pool_size

    # bytecode as pip compiles it at install (a source checkout under PYTHONDONTWRITEBYTECODE
    # would compile every module at every start: 0.1-0.15 s a process)
    compileall.compile_dir(Path(surveytool.__file__).parent, quiet=1)
    print(
        f"machine: {os.cpu_count()} cores, {pool_size()} reader workers, Python "
        f"{platform.python_version()} ({platform.machine()}, {platform.system()}); "
        f"load average {os.getloadavg()[0]:.1f} at start"
    )
    if args.only in (None, "forms"):
        folder = forms_folder(args.forms)
        target(
            f"{args.forms} young_researchers respondent forms",
            "calamine",
            folder,
            "young_researchers",
            args.repeat,
            2.0,
            slower_raw="" if args.no_openpyxl else "openpyxl",
        )
    if args.only in (None, "xlsx"):
        path = generic_xlsx(args.rows)
        title = f"generic table {args.rows:,} x 50 (.xlsx, {path.stat().st_size / 1e6:.0f} MB)"
        target(
            title, "fastexcel", path, "bank50.yaml", args.repeat, 2.5, instead=("pandas_xlsx", 1.0)
        )
    if args.only in (None, "csv"):
        path = generic_csv(args.rows)
        title = f"generic table {args.rows:,} x 50 (.csv, {path.stat().st_size / 1e6:.0f} MB)"
        target(title, "pyarrow", path, "bank50.yaml", args.repeat, 8.0, instead=("pandas", 1.5))
    print(f"\nload average {os.getloadavg()[0]:.1f} at the end")


if __name__ == "__main__":
    main()
