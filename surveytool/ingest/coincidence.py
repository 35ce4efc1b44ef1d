"""Are two identical answers one person's, or two people's? The odds of the coincidence.

Two returns with no respondent code and exactly the same answers are merged as one only
when a coincidence is implausible. Under the hypothesis that the respondents answer
independently, each like the people who answered this bank and wave so far, the chance that
someone gives the answers ``x`` is

    P(x) = ∏ over the questions of  (c_q(x_q) + 1) / (n + K_q)

where ``x_q`` is the answer to question ``q`` — all its fields taken together (a battery's
items, a multiple choice's picks, a ranking), since a person's answers within one question
hang together — and no answer is an answer too (a suggestion in one's own words is rare
because most people write none); ``c_q(v)`` counts the other ``n`` respondents who answered
``v`` and ``K_q`` the number of answers it is taken to have: the distinct answers seen
plus one, at least 5 (:data:`MIN_SIZE`: with few answers yet, nothing is known about their
spread), at most all it could have (:func:`answer_space`) — the relative frequency with
add-one (Laplace) smoothing, so an answer seen rarely or never is not taken as impossible.
Questions are taken as independent of each other. The more questions answered, and the
more spread their answers, the smaller P(x). Among ``N`` respondents there are N(N − 1)/2
pairs, and the expected number of pairs who coincide on some pattern at most as likely as
``x`` is at most N(N − 1)/2 · P(x). Merging only when

    N(N − 1)/2 · P(x) < ALPHA  (0.01)

therefore merges two genuine respondents, in a whole wave, with a probability of at most 1%.
A re-saved copy of a form of a dozen questions or more is far below the line; in a poll of
8 questions (a five-item battery and three choices) answered alike by many of 200 people,
all are kept (tests/test_identical_answers.py: 200 of 200 for seeds 22–28, where merging
every identical pair kept 143–159).
"""

from __future__ import annotations

import math
import sqlite3
from collections import Counter
from typing import Any

import numpy as np

from surveytool.bank.model import Bank, Field
from surveytool.store.db import answers_table

ALPHA = 0.01  # the accepted chance of merging two genuine respondents in a wave
CHOICE_KINDS = {"single", "likert"}
MIN_SIZE = 5  # with few answers seen, a question is taken to have at least 5 answers
UNLIMITED = 1e12


def _key(v: Any) -> Any:
    """An answer as a counting key: numbers as floats (SQLite's 4 and numpy's 4.0 alike),
    no answer as None."""
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return None
    if isinstance(v, str):
        return v if v.strip() else None
    if isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool):
        x = float(v)
        return None if math.isnan(x) else x
    return v


def answer_space(fields: list[Field]) -> float:
    """How many answers a question has (no answer among them), capped at 1e12: each
    choice field's options + 1, a flag's 3 (yes, no, none), a whole number's range + 1,
    a rank's options + 1; text and unbounded numbers count as unlimited."""
    size = 1.0
    for f in fields:
        if f.kind in CHOICE_KINDS and f.options:
            size *= len(f.options) + 1
        elif f.kind == "flag":
            size *= 3
        elif f.kind == "number" and f.integer and f.min is not None and f.max is not None:
            size *= f.max - f.min + 2
        elif f.kind == "rank":
            size *= len(fields) + 2
        else:
            size = UNLIMITED
    return min(size, UNLIMITED)


class Odds:
    """Answer counts of a bank/wave by question (the store's answers up to a response id,
    and the batches of this run), for :meth:`log10_chance` and :meth:`implausible`."""

    def __init__(self, bank: Bank, db: sqlite3.Connection, wave: str, upto: int):
        self.bank, self.db, self.wave, self.upto = bank, db, wave, upto
        self.groups: dict[str, list[Field]] = {}
        for f in bank.fields:
            self.groups.setdefault(f.question, []).append(f)
        self.counts: dict[str, Counter] = {q: Counter() for q in self.groups}
        self.sizes = {q: answer_space(fields) for q, fields in self.groups.items()}
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
            for q, fields in self.groups.items():
                cols = [values[f.id].tolist() if f.id in values else [None] * rows for f in fields]
                answers = (tuple(_key(v) for v in row) for row in zip(*cols, strict=True))
                self.counts[q].update(answers)
        self.counted = len(self.batches)

    def _load_store(self) -> None:
        table = answers_table(self.bank.id)
        have = {r[1] for r in self.db.execute(f'PRAGMA table_info("{table}")')}
        if not have:
            return
        where = f'FROM "{table}" WHERE _wave=? AND _response_id <= ?'
        args = (self.wave, self.upto)
        self.n += int(self.db.execute(f"SELECT count(*) {where}", args).fetchone()[0])
        for q, fields in self.groups.items():
            cols = [f'"{f.id}"' if f.id in have else "NULL" for f in fields]
            listed = ", ".join(cols)
            for *row, c in self.db.execute(
                f"SELECT {listed}, count(*) {where} GROUP BY {listed}", args
            ):
                self.counts[q][tuple(_key(v) for v in row)] += int(c)

    def log10_chance(self, answers: dict[str, Any]) -> float:
        """log10 P(x) of ``answers`` (field id -> value), leaving this respondent's own
        answers out of the counts (they were counted with their batch)."""
        self._load()
        total = 0.0
        for q, fields in self.groups.items():
            answer = tuple(_key(answers.get(f.id)) for f in fields)
            seen = self.counts[q]
            c = max(seen.get(answer, 0) - 1, 0)
            n = max(self.n - 1, 0)
            size = min(self.sizes[q], max(len(seen) + 1, MIN_SIZE))
            total += math.log10((c + 1) / (n + max(size, 2)))
        return total

    def implausible(self, answers: dict[str, Any]) -> tuple[bool, float]:
        """(merge?, expected chance pairs N(N − 1)/2 · P(x)) for identical ``answers``."""
        log_p = self.log10_chance(answers)
        n = max(self.n - 1, 2)
        expected = 10 ** (log_p + math.log10(n * (n - 1) / 2))
        return expected < ALPHA, expected
