"""The eight built-in banks are fit to field (issue 12): each passes the questionnaire-quality
lint with --strict, has a respondent code and problem phrases, and can raise problems."""

from __future__ import annotations

import pytest

from surveytool.bank import builtin_ids, load_bank
from surveytool.bank.lint import lint_bank
from surveytool.cli import main

BANKS = builtin_ids()


def test_there_are_eight_banks() -> None:
    assert len(BANKS) == 8


@pytest.mark.parametrize("bank_id", BANKS)
def test_check_strict_passes(bank_id: str, capsys) -> None:
    assert lint_bank(bank_id) == []
    assert main(["check", "--strict", bank_id]) == 0
    assert "检查通过" in capsys.readouterr().out


@pytest.mark.parametrize("bank_id", BANKS)
def test_code_direction_and_phrases(bank_id: str) -> None:
    bank = load_bank(bank_id)
    assert [q for q in bank.questions if q.role == "respondent_code"], "no respondent code"
    flagged = [q for q in bank.questions if q.problem_when]
    assert flagged, "no question can raise a problem"
    for q in flagged:
        if q.type == "likert":
            assert all(i.problem for i in q.items), q.id
        elif q.type == "single" and q.scale:
            assert q.problem, q.id
        else:
            phrases = [o.problem for o in q.options if not (o.none or o.missing)]
            assert all(phrases), q.id
    assert "Z" in [s.id for s in bank.sections]  # the follow-up block, last
    assert bank.sections[-1].id == "Z"
