"""The simulator: valid answers, and realistic weights when priors are given (the demo's)."""

from __future__ import annotations

from collections import Counter

from surveytool.bank import load_bank
from surveytool.demo import DEMO_PRIORS
from surveytool.simulate import Simulator


def test_priors_give_plausible_and_consistent_profiles() -> None:
    bank = load_bank("young_researchers")
    people = Simulator(bank, seed=7, priors=DEMO_PRIORS).respondents(600)
    ages = Counter(p["A2"] for p in people)
    assert ages[5] == 0  # weight 0: nobody 45 or older
    assert 0.40 < sum(p["A3"] == 1 for p in people) / 600 < 0.52  # 46% doctorates
    pairs = Counter((p["B1"], p["B2"]) for p in people)
    # a university's staff never work at a hospital, and the other way round
    assert not any(pairs[(1, u)] for u in (4, 5)) and not any(pairs[(2, u)] for u in (1, 2, 3))
    assert not any(p["B3"] == 3 for p in people if p["B1"] == 1)  # no 临床医生 at universities
    # without priors, weights are random but every answer is still a valid option
    plain = Simulator(bank, seed=7).respondents(50)
    codes = {o.code for o in bank.field("A2").options}
    assert {p["A2"] for p in plain} <= codes
