"""Issue 8's volume target: 100,000 responses × 100 fields ingested through the CLI, as a
user runs it, within 3 minutes and 2 GiB peak memory (the CLI process and its reader worker).

    python benchmarks/bench_ingest_large.py [--rows 100000]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench_ingest import HERE, collection_file

sys.path.insert(0, str(HERE.parent / "tests"))
import peak  # the measurement the hostile-batch test uses


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=100_000)
    args = ap.parse_args()
    t = time.perf_counter()
    path = collection_file(args.rows, "bank100.yaml")
    print(
        f"collection sheet: {args.rows} x 100 fields, {path.stat().st_size / 1e6:.1f} MB "
        f"(ready in {time.perf_counter() - t:.0f} s)"
    )
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [
            sys.executable,
            "-c",
            peak.SCRIPT,
            "ingest",
            "--bank",
            str(HERE / "bank100.yaml"),
            "--store",
            str(Path(tmp) / "s.db"),
            str(path),
        ]
        t = time.perf_counter()
        res = subprocess.run(cmd, capture_output=True, text=True, check=False)
        seconds = time.perf_counter() - t
    cli_mib, worker_mib = peak.peaks_mib(res.stdout)
    print(res.stdout.split("PEAK_KIB=")[0].strip())
    print(
        f"  ingest via the CLI: {seconds:.1f} s "
        f"(target 180 s: {'OK' if seconds < 180 else 'MISSED'})"
    )
    print(
        f"  peak memory: CLI {cli_mib:.0f} MiB, reader worker {worker_mib:.0f} MiB "
        f"(target 2048 MiB each: {'OK' if max(cli_mib, worker_mib) < 2048 else 'MISSED'})"
    )


if __name__ == "__main__":
    main()
