"""Full analysis speed and memory: 100,000 and 1,000,000 respondents x 50 fields.

Targets (issue 4): 100,000 respondents under 5 s; 1,000,000 under 2 GB peak memory.
Answers are drawn at random (correlated likert items, unit effects) for the 50-field bank
benchmarks/bank50.yaml, typed exactly as ``load_answers`` returns them. Each size runs in a
fresh process so the peak RSS is its own.
Run: python benchmarks/bench_analysis.py [--sizes 100000 1000000]
"""

from __future__ import annotations

import argparse
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent


def answers(bank, n: int, seed: int = 1) -> pd.DataFrame:
    """Random answers typed as load_answers types them."""
    from surveytool.store.answers import dtype_of

    rng = np.random.default_rng(seed)
    unit = rng.integers(1, 6, n)
    data = {}
    latent = {}
    for f in bank.fields:
        q = bank.question(f.question)
        if f.kind == "likert":
            z = latent.setdefault(q.construct, rng.normal(size=n) + (unit - 3) * 0.2)
            s = -z if f.reverse else z
            data[f.id] = np.clip(np.round(3 + 0.9 * s + rng.normal(0, 0.7, n)), 1, 5)
        elif f.kind == "single":
            data[f.id] = unit if q.role == "unit" else rng.integers(1, len(f.codes) + 1, n)
        elif f.kind == "number":
            data[f.id] = np.round(rng.uniform(f.min or 0, f.max or 100, n))
        elif f.kind == "flag":
            data[f.id] = (rng.random(n) < 0.3).astype(float)
        elif f.kind == "text":
            pool = np.array(
                ["希望减少各类表格填报", "建议简化报销流程", "加强校企合作", None], dtype=object
            )
            data[f.id] = pool[rng.integers(0, 8, n) % 4] if f.id == "D2" else [None] * n
    frame = pd.DataFrame(data)
    for f in bank.fields:
        dt = dtype_of(f)
        if isinstance(dt, pd.CategoricalDtype):
            frame[f.id] = pd.Categorical(frame[f.id].astype("Int64"), dtype=dt)
        else:
            frame[f.id] = frame[f.id].astype(dt)
    return frame


def one(n: int) -> None:
    from surveytool.analysis import Survey, analyse
    from surveytool.bank import load_bank

    bank = load_bank(HERE / "bank50.yaml")
    frame = answers(bank, n)
    t = time.perf_counter()
    r = analyse(Survey(frame, bank))
    seconds = time.perf_counter() - t
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    tests = len(r.crosstabs) + len(r.group_tests)
    print(
        f"{n:>9} respondents x {len(bank.fields)} fields: analyse {seconds:6.2f} s, "
        f"peak RSS {rss:7.0f} MB, {tests} tests"
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    ap.add_argument("--one", type=int)
    args = ap.parse_args()
    if args.one:
        one(args.one)
        return
    for n in args.sizes:
        subprocess.run([sys.executable, __file__, "--one", str(n)], check=True)
    print("targets: 100,000 under 5 s; 1,000,000 under 2 GB (2048 MB) peak")


if __name__ == "__main__":
    main()
