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

# Run the CLI, then report the peak resident memory of it and of its reader worker (read
# just before the worker stops). VmHWM, not ru_maxrss: a child's ru_maxrss starts from its
# parent's peak on Linux, and this script's own peak (building the sheet) is large.
PEAK = """
import sys
from pathlib import Path
from surveytool.cli import main
from surveytool.ingest import sandbox

def hwm(pid="self"):
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0

peaks = [0]
stop = sandbox._Worker.stop
def measured_stop(self, gently=True):
    if self.alive():
        peaks.append(hwm(self.proc.pid))
    stop(self, gently)
sandbox._Worker.stop = measured_stop
rc = main(sys.argv[1:])
sandbox._stop_worker()
print(f"PEAK_KIB={hwm()} {max(peaks)}")
sys.exit(rc)
"""


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
            PEAK,
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
    main_kib, worker_kib = (int(x) for x in res.stdout.split("PEAK_KIB=")[1].split()[:2])
    peak = max(main_kib, worker_kib) / 1024
    print(res.stdout.split("PEAK_KIB=")[0].strip())
    print(
        f"  ingest via the CLI: {seconds:.1f} s "
        f"(target 180 s: {'OK' if seconds < 180 else 'MISSED'})"
    )
    print(
        f"  peak memory: CLI {main_kib / 1024:.0f} MiB, reader worker {worker_kib / 1024:.0f} MiB "
        f"(target 2048 MiB each: {'OK' if peak < 2048 else 'MISSED'})"
    )


if __name__ == "__main__":
    main()
