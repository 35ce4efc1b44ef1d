"""Issue 27, "the answers are stored once": what keeping them once costs and saves.

For the 100,000 x 50 generic table (the CSV of bench_speed.py, bank50): ingest into a fresh
store, then ``load_answers`` of the whole bank and of a 10,000-row store, each in a fresh
process, CPU time of the process tree (reader workers included) and wall time, plus the
store's size on disk. Run it once per checkout to compare the two designs (answers kept
twice, as Arrow batches and in answers_<bank>; or once, in answers_<bank>):

    PYTHONPATH=<checkout> python benchmarks/bench_store.py [--rows 100000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import bench_speed  # noqa: E402  (the inputs and the CPU/peak readings)


def _one(kind: str, csv: str, db: str) -> dict:
    from surveytool.bank import load_bank

    bank = load_bank(HERE / "bank50.yaml")
    cpu0, t = bench_speed._cpu("self"), time.perf_counter()
    workers = []
    if kind == "ingest":
        from surveytool.ingest import ingest, pool

        ingest([Path(csv)], bank, Path(db))
        workers = list(pool._IDLE)
        worker_cpu = sum(bench_speed._cpu(w.proc.pid) for w in workers)
        pool.stop_all()
    else:
        from surveytool.store import load_answers

        t_import = time.perf_counter()
        frame = load_answers(db, bank)
        worker_cpu = 0.0
        assert len(frame) > 0
        t = t_import
    return {
        "seconds": time.perf_counter() - t,
        "cpu": bench_speed._cpu("self") - cpu0 + worker_cpu,
        "peak": bench_speed._status("self", "VmHWM"),
        "size": Path(db).stat().st_size,
    }


def run(kind: str, csv: Path, db: Path) -> dict:
    cmd = [sys.executable, __file__, "--one", kind, str(csv), str(db)]
    res = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if res.returncode != 0:
        raise SystemExit(f"{kind} failed:\n{res.stderr}")
    return json.loads(res.stdout.strip().splitlines()[-1])


def _line(name: str, rs: list[dict]) -> str:
    cpu = [r["cpu"] for r in rs]
    wall = [r["seconds"] for r in rs]
    peak = max(r["peak"] for r in rs) / 2**20
    return (
        f"  {name:<22} cpu median {statistics.median(cpu):.2f} s ({min(cpu):.2f}-{max(cpu):.2f});"
        f" wall median {statistics.median(wall):.2f} s; peak {peak:.0f} MiB"
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--one", nargs=3, help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.one:
        print(json.dumps(_one(*a.one)))
        return
    import surveytool

    print(f"surveytool from {Path(surveytool.__file__).parent.parent}")
    for rows in (a.rows, 10_000):
        csv = bench_speed.generic_csv(rows)
        ingests, loads = [], []
        with tempfile.TemporaryDirectory() as tmp:
            for k in range(a.repeat):
                db = Path(tmp) / f"s{k}.db"
                ingests.append(run("ingest", csv, db))
                loads.append(run("load", csv, db))
        print(f"\n{rows:,} x 50 csv (bank50)")
        print(_line("ingest", ingests))
        print(_line("load_answers (whole)", loads))
        print(f"  store size {ingests[0]['size'] / 2**20:.1f} MiB")


if __name__ == "__main__":
    main()
