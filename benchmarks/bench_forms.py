"""Export all built-in banks in both layouts (and as XLSForm); print the timings.

Target (issue 2): both layouts of all eight banks in under 3 s on a 2-core machine.
Run: python benchmarks/bench_forms.py
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

from surveytool.bank import builtin_ids, load_bank
from surveytool.forms import write_form, write_xlsform


def main() -> None:
    t0 = time.perf_counter()
    banks = [load_bank(b) for b in builtin_ids()]
    t_load = time.perf_counter() - t0
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        t1 = time.perf_counter()
        for bank in banks:
            times = []
            for layout in ("respondent", "collection"):
                s = time.perf_counter()
                write_form(bank, Path(tmp) / f"{bank.id}-{layout}.xlsx", layout)
                times.append(time.perf_counter() - s)
            rows.append((bank.id, len(bank.fields), *times))
        t_forms = time.perf_counter() - t1
        t2 = time.perf_counter()
        for bank in banks:
            write_xlsform(bank, Path(tmp) / f"{bank.id}-xlsform.xlsx")
        t_xlsform = time.perf_counter() - t2
    print(f"{'bank':<28}{'fields':>7}{'respondent s':>14}{'collection s':>14}")
    for bank_id, n, r, c in rows:
        print(f"{bank_id:<28}{n:>7}{r:>14.3f}{c:>14.3f}")
    print(f"load 8 banks: {t_load:.3f} s")
    print(
        f"export 8 banks x 2 layouts: {t_forms:.3f} s (target < 3 s: "
        f"{'OK' if t_forms < 3 else 'MISSED'}, {3 / t_forms:.1f}x under)"
    )
    print(f"export 8 XLSForms: {t_xlsform:.3f} s")


if __name__ == "__main__":
    main()
