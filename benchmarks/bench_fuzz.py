"""The mutation fuzz battery at full size (issue 8): thousands of mutants of one of our own
filled-in forms, each ingested alone; prints the count of every (mutation, outcome) pair and
the time. The promise: no exception escapes (the run would stop), nothing hangs, and the
outcome "accepted, changed silently" never occurs.

    python benchmarks/bench_fuzz.py [--n 5000] [--seed 0]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from fuzz import run

from surveytool.bank import load_bank
from surveytool.forms.fill import FormFiller
from surveytool.simulate import Simulator


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=5000)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    bank = load_bank("young_researchers")
    with tempfile.TemporaryDirectory() as tmp:
        seed = FormFiller(bank).fill(Simulator(bank, seed=11).one(), Path(tmp) / "seed.xlsx")
        start = time.perf_counter()
        counts = run(seed, bank, Path(tmp) / "fuzz", args.n, rng_seed=args.seed)
        seconds = time.perf_counter() - start
    print(
        f"{args.n} mutants of one young_researchers form in {seconds:.0f} s "
        f"({1000 * seconds / args.n:.0f} ms each)"
    )
    for (kind, result), n in sorted(counts.items(), key=lambda x: (x[0][0], -x[1])):
        print(f"  {kind:6} {result:45} {n:6}")
    silent = sum(n for (_, r), n in counts.items() if r == "accepted, changed silently")
    print(f"accepted with answers changed silently: {silent} (must be 0)")


if __name__ == "__main__":
    main()
