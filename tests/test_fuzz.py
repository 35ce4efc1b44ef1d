"""Mutation fuzz of our own forms (issue 8, battery item 2; the full-size run with thousands
of mutants is benchmarks/bench_fuzz.py): no exception escapes, nothing hangs, and no mutant is
accepted with changed answers without a problem saying so."""

from __future__ import annotations

from pathlib import Path

from fuzz import run

from surveytool.bank import load_bank
from surveytool.forms.fill import FormFiller
from surveytool.simulate import Simulator

MUTANTS = 120


def test_mutants_never_change_answers_silently(tmp_path: Path) -> None:
    bank = load_bank("young_researchers")
    seed = FormFiller(bank).fill(Simulator(bank, seed=11).one(), tmp_path / "seed.xlsx")
    counts = run(seed, bank, tmp_path / "fuzz", MUTANTS, rng_seed=2026)
    assert sum(counts.values()) == MUTANTS
    silent = {k: v for k, v in counts.items() if k[1] == "accepted, changed silently"}
    assert not silent, (silent, counts)
    outcomes = {k[1].split(" (")[0] for k in counts}
    assert "rejected file" in outcomes and "accepted, same answers" in outcomes  # both happen
