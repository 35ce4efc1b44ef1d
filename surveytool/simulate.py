"""Simulated respondents for any bank: realistic, valid, seeded (for the demo, tests, benchmarks).

Each respondent belongs to a unit (the bank's ``role: unit`` question, if any). Every
likert construct has a latent score per respondent: a unit effect plus individual noise, so
items of one construct correlate and units really differ; each item also has a fixed effect of
its own, so some items are clear problems and others clearly not (as in real batteries).
Single questions on a named scale are drawn from a latent too (one peak, not random weights).
Skip logic, max picks, exclusive options and ranks are respected; optional questions are
sometimes left blank. Open answers come from the bank's topic (see ``demo_texts``).
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from surveytool.bank import expr
from surveytool.bank.model import Bank, Question, question_options
from surveytool.demo_texts import pool

# How a single-choice question's options are weighted: code -> weight, or a function of the
# answers given so far returning one (e.g. the unit given the unit type).
Prior = Mapping[int, float] | Callable[[dict[str, Any]], Mapping[int, float]]


@dataclass
class Simulator:
    """Draws answers for ``bank``; ``unit_effects`` shifts latent scores per unit code."""

    bank: Bank
    seed: int = 2023
    missing_rate: float = 0.04
    text_rate: float = 0.35
    unit_effects: dict[int, float] | None = None
    problem_shift: float = 0.5  # latent shift towards the problem end (problem_when)
    construct_shift: dict[str, float] | None = None  # a change to simulate (follow-up waves)
    noise_seed: int | None = None  # item noise; the same seed with another noise_seed gives
    # the same people answering again (a paired follow-up wave)
    people_seed: int | None = None  # other people from the same population (the same choice
    # weights and unit effects): an independent follow-up sample
    priors: Mapping[str, Prior] | None = None  # realistic weights of single-choice questions
    # (the others keep random weights); codes not named get none. For a multiple-choice
    # question the numbers are each option's chance (in %) of being picked.
    item_spread: float = 0.45  # SD of the items' own effects (latent units)

    def __post_init__(self) -> None:
        self.rng = np.random.default_rng(self.seed)
        self.noise = np.random.default_rng(
            self.seed if self.noise_seed is None else self.noise_seed
        )
        self.count = 0
        units = self.bank.role_fields("unit")
        self.unit_q = self.bank.question(units[0].question) if units else None
        self.constructs = list(
            dict.fromkeys(q.construct or q.id for q in self.bank.questions if q.type == "likert")
        )  # ordered: reproducible
        if self.unit_effects is None and self.unit_q is not None:
            codes = [o.code for o in question_options(self.unit_q, self.bank.scales)]
            spread = np.linspace(-0.6, 0.6, len(codes))
            self.unit_effects = {
                c: float(e) for c, e in zip(codes, self.rng.permutation(spread), strict=True)
            }
        self.shifts = {
            (q.construct or q.id): self.problem_shift * (1 if q.problem_when == "high" else -1)
            for q in self.bank.questions
            if q.type == "likert" and q.problem_when
        }
        self.weights = {
            q.id: self.rng.dirichlet(
                np.ones(max(len(question_options(q, self.bank.scales)), 1)) * 2
            )
            for q in self.bank.questions
            if q.type in ("single", "multi", "rank")
        }
        # an item's own effect belongs to the questionnaire, not to a sample: every
        # simulator of one bank shares them (two waves differ only where a shift is set)
        items = [i.id for q in self.bank.questions if q.type == "likert" for i in q.items]
        fixed = np.random.default_rng(zlib.crc32(self.bank.id.encode("utf-8")))
        self.item_effects = dict(
            zip(items, fixed.normal(0, self.item_spread, len(items)), strict=True)
        )
        texts = [
            q.id for q in self.bank.questions if q.type == "text" and not q.pii and q.role is None
        ]
        self.texts = {qid: pool(self.bank.topic, i, len(texts)) for i, qid in enumerate(texts)}
        if self.people_seed is not None:
            self.rng = np.random.default_rng(self.people_seed)

    def _weights(self, q: Question, opts: list, answers: dict[str, Any]) -> np.ndarray:
        prior = (self.priors or {}).get(q.id)
        if prior is None:
            return self.weights[q.id]
        given = prior(answers) if callable(prior) else prior
        w = np.array([float(given.get(o.code, 0.0)) for o in opts])
        return w / w.sum() if w.sum() > 0 else self.weights[q.id]

    def respondents(self, n: int) -> list[dict[str, Any]]:
        """``n`` respondents: field id -> clean value (None = not answered)."""
        return [self.one() for _ in range(n)]

    def one(self) -> dict[str, Any]:
        """One respondent's answers."""
        answers: dict[str, Any] = {f.id: None for f in self.bank.fields}
        extra = self.construct_shift or {}
        latent = {
            c: float(self.rng.normal()) + self.shifts.get(c, 0.0) + extra.get(c, 0.0)
            for c in self.constructs
        }
        self.count += 1
        shift = 0.0
        for s in self.bank.sections:
            if not _shown(s.relevant_tree, answers, self.bank):
                continue
            for q in s.questions:
                if not _shown(q.relevant_tree, answers, self.bank):
                    continue
                if not q.required and self.rng.random() < self.missing_rate:
                    continue
                self._answer(q, answers, latent, shift)
                if q is self.unit_q and self.unit_effects:
                    shift = self.unit_effects.get(answers[q.id], 0.0)
        return answers

    def _answer(
        self, q: Question, a: dict[str, Any], latent: dict[str, float], shift: float
    ) -> None:
        opts = question_options(q, self.bank.scales)
        if q.type == "single" and q.scale and not (self.priors or {}).get(q.id):
            self._scaled(q, a, shift)
        elif q.type == "single":
            code = opts[self.rng.choice(len(opts), p=self._weights(q, opts, a))].code
            a[q.id] = code
            if q.other and code == q.other_code:
                a[f"{q.id}_other"] = "其他情况"
        elif q.type == "multi":
            self._multi(q, opts, a)
        elif q.type == "rank":
            k = q.max_rank or len(opts)
            order = self.rng.choice(len(opts), size=k, replace=False, p=self.weights[q.id])
            for r, j in enumerate(order, start=1):
                a[f"{q.id}_{opts[j].code}"] = r
        elif q.type == "likert":
            self._likert(q, a, latent[q.construct or q.id] + shift)
        elif q.type == "number":
            a[q.id] = self._number(q)
        elif q.type == "text" and q.role == "respondent_code":
            # the same person has the same code in every wave; other people have other codes
            prefix = "R" if self.people_seed is None else f"S{self.people_seed}-"
            a[q.id] = f"{prefix}{self.count:05d}"
        elif (
            q.type == "text" and not q.pii and q.role is None and self.rng.random() < self.text_rate
        ):
            a[q.id] = str(self.rng.choice(self.texts[q.id]))

    def _scaled(self, q: Question, a: dict[str, Any], shift: float) -> None:
        """A single question on a named scale (satisfaction, willingness): one peak, moved
        towards the problem end like the batteries."""
        codes = [o.code for o in self.bank.scales[q.scale or ""] if not o.missing]
        lean = {"high": 1.0, "low": -1.0}.get(q.problem_when or "", 0.0) * self.problem_shift
        score = float(self.rng.normal()) + lean + shift
        mid = (len(codes) - 1) / 2
        a[q.id] = codes[int(np.clip(round(mid + 0.9 * score), 0, len(codes) - 1))]

    def _multi(self, q: Question, opts: tuple, a: dict[str, Any]) -> None:
        prior = (self.priors or {}).get(q.id)
        if prior is not None:
            self._multi_prior(q, opts, a, prior(a) if callable(prior) else prior)
            return
        for o in opts:
            a[f"{q.id}_{o.code}"] = 0
        exclusive = set(q.exclusive)
        if exclusive and self.rng.random() < 0.1:
            a[f"{q.id}_{sorted(exclusive)[0]}"] = 1
            return
        top = q.max_choices or len(opts)
        low = q.min_choices or 1
        candidates = [j for j, o in enumerate(opts) if o.code not in exclusive]
        p = self.weights[q.id][candidates]
        k = int(self.rng.integers(low, min(top, len(candidates)) + 1))
        for j in self.rng.choice(candidates, size=k, replace=False, p=p / p.sum()):
            a[f"{q.id}_{opts[j].code}"] = 1
        if q.other and a.get(f"{q.id}_{q.other_code}") == 1:
            a[f"{q.id}_other"] = "其他情况"

    def _multi_prior(
        self, q: Question, opts: tuple, a: dict[str, Any], chance: Mapping[int, float]
    ) -> None:
        """Each option picked with its own chance (%); exclusive options alone; at most
        max_choices (a random subset kept); none picked -> the exclusive option, if any."""
        for o in opts:
            a[f"{q.id}_{o.code}"] = 0
        exclusive = set(q.exclusive)
        picked = [
            o.code
            for o in opts
            if o.code not in exclusive and self.rng.random() * 100 < chance.get(o.code, 0.0)
        ]
        if q.max_choices and len(picked) > q.max_choices:
            picked = [int(c) for c in self.rng.choice(picked, size=q.max_choices, replace=False)]
        if not picked:
            picked = sorted(exclusive)[:1] or [max(opts, key=lambda o: chance.get(o.code, 0)).code]
        for code in picked:
            a[f"{q.id}_{code}"] = 1
        if q.other and a.get(f"{q.id}_{q.other_code}") == 1:
            a[f"{q.id}_other"] = "其他情况"

    def _likert(self, q: Question, a: dict[str, Any], score: float) -> None:
        # the scale's own codes: 不适用/不清楚 (missing) are not a point on it
        codes = [o.code for o in self.bank.scales[q.scale or ""] if not o.missing]
        mid = (len(codes) - 1) / 2
        for item in q.items:
            s = (-score if item.reverse else score) + self.item_effects.get(item.id, 0.0)
            idx = int(np.clip(round(mid + 0.9 * s + self.noise.normal(0, 0.7)), 0, len(codes) - 1))
            a[item.id] = codes[idx]

    def _number(self, q: Question) -> float | int:
        lo = q.min if q.min is not None else 0.0
        hi = q.max if q.max is not None else lo + 100
        value = float(np.clip(self.rng.normal(lo + (hi - lo) * 0.35, (hi - lo) * 0.15), lo, hi))
        return round(value) if q.integer else round(value, 1)


def _shown(tree: expr.Node | None, answers: dict[str, Any], bank: Bank) -> bool:
    if tree is None:
        return True

    def value_of(name: str) -> Any:
        if name in answers:
            return answers[name]
        picked = {
            int(k.rsplit("_", 1)[1])
            for k, v in answers.items()
            if k.startswith(f"{name}_") and v == 1 and k.rsplit("_", 1)[1].isdigit()
        }
        return picked if any(k.startswith(f"{name}_") for k in answers) else None

    return expr.evaluate(tree, value_of) is not False
