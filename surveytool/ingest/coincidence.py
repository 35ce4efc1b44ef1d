"""Are two identical answers one person's, or two people's? The odds of the coincidence.

Two returns with no respondent code and exactly the same answers are merged as one only
when a coincidence is implausible. Under the hypothesis that the respondents answer
independently, each like the people who answered this bank and wave so far, the chance that
someone gives the answers ``x`` is

    P(x) = ∏ over the questions x answered of  (c_j(x_j) + 1) / (n_j + K_j)

where ``c_j(v)`` counts the earlier answers ``v`` to field ``j``, ``n_j`` its answers and
``K_j`` its possible values (its options; for numbers and text the distinct values seen,
plus one) — the relative frequency with add-one (Laplace) smoothing, so an answer seen
rarely or never is not taken as impossible. Among ``N`` respondents there are N(N − 1)/2
pairs, and the expected number of pairs who coincide on some pattern at most as likely as
``x`` is at most N(N − 1)/2 · P(x). Merging only when

    N(N − 1)/2 · P(x) < ALPHA  (0.01)

therefore merges two genuine respondents, in a whole wave, with a probability of at most 1%.
A re-saved copy of a long form (dozens of answers) is far below the line; in a poll of 8
five-point questions, P(x) is rarely below 1e-6 and 200 people's matching answers are kept.
"""

from __future__ import annotations

import math
import sqlite3
from collections import Counter
from typing import Any

import numpy as np

from surveytool.bank.model import Bank, Field

ALPHA = 0.01  # the accepted chance of merging two genuine respondents in a wave
CHOICE_KINDS = {"single", "likert"}


def _key(v: Any) -> Any:
    """An answer as a counting key: numbers as floats (SQLite's 4 and numpy's 4.0 alike)."""
    if isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool):
        return float(v)
    return v


def _answered(v: Any) -> bool:
    if v is None:
        return False
    if isinstance(v, float) and math.isnan(v):
        return False
    return not (isinstance(v, str) and not v.strip())


class Odds:
    """Answer counts of a bank/wave (the store's answers up to a response id, and the
    batches of this run), for :meth:`log10_chance` and :meth:`implausible`."""

    def __init__(self, bank: Bank, db: sqlite3.Connection, wave: str, upto: int):
        self.bank, self.db, self.wave, self.upto = bank, db, wave, upto
        self.fields: list[Field] = list(bank.fields)
        self.counts: dict[str, Counter] = {f.id: Counter() for f in self.fields}
        self.n = 0  # respondents counted
        self.batches: list[dict[str, np.ndarray]] = []
        self.loaded = False
        self.counted = 0  # batches counted so far

    def add_batch(self, values: dict[str, np.ndarray]) -> None:
        """Count a batch of this run (cheap: counted only when the odds are first needed)."""
        self.batches.append(values)

    def _load(self) -> None:
        if not self.loaded:
            self._load_store()
            self.loaded = True
        for values in self.batches[self.counted :]:
            rows = len(next(iter(values.values()))) if values else 0
            self.n += rows
            for f in self.fields:
                col = values.get(f.id)
                if col is None:
                    continue
                if col.dtype.kind == "f":  # codes and numbers: counted in C
                    codes, counts = np.unique(col[~np.isnan(col)], return_counts=True)
                    found = zip(codes.tolist(), counts.tolist(), strict=True)
                    self.counts[f.id].update(dict(found))
                else:
                    self.counts[f.id].update(_key(v) for v in col.tolist() if _answered(v))
        self.counted = len(self.batches)

    def _load_store(self) -> None:
        table = f"answers_{self.bank.id}"
        have = {r[1] for r in self.db.execute(f'PRAGMA table_info("{table}")')}
        if not have:
            return
        where = f'FROM "{table}" WHERE wave=? AND response_id <= ?'
        args = (self.wave, self.upto)
        self.n += int(self.db.execute(f"SELECT count(*) {where}", args).fetchone()[0])
        for f in self.fields:
            if f.id not in have:
                continue
            for v, c in self.db.execute(
                f'SELECT "{f.id}", count(*) {where} AND "{f.id}" IS NOT NULL GROUP BY 1', args
            ):
                if _answered(v):
                    self.counts[f.id][_key(v)] += int(c)

    def log10_chance(self, answers: dict[str, Any]) -> float:
        """log10 P(x) of ``answers`` (field id -> value), leaving this respondent's own
        answers out of the counts (they were counted with their batch)."""
        self._load()
        total = 0.0
        for f in self.fields:
            v = answers.get(f.id)
            if not _answered(v):
                continue
            seen = self.counts[f.id]
            k = _key(v)
            c = max(seen.get(k, 0) - 1, 0)
            n = max(sum(seen.values()) - 1, 0)
            size = len(f.options) if f.kind in CHOICE_KINDS and f.options else len(seen) + 1
            total += math.log10((c + 1) / (n + max(size, 2)))
        return total

    def implausible(self, answers: dict[str, Any]) -> tuple[bool, float]:
        """(merge?, expected chance pairs N(N − 1)/2 · P(x)) for identical ``answers``."""
        log_p = self.log10_chance(answers)
        n = max(self.n - 1, 2)
        expected = 10 ** (log_p + math.log10(n * (n - 1) / 2))
        return expected < ALPHA, expected
