"""其他方法印证 of a problem of one group (issue 22 item 4): only a session or visit with that
group corroborates it; the others that raised the same theme are said as 同一主题."""

from __future__ import annotations

import pandas as pd

from surveytool.analysis.themes import NotesSummary, PhraseWords
from surveytool.bank import load_bank
from surveytool.report.other_methods import Evidence, group_label, raised

PHRASE = "“柳州市工人医院”的制度约束问题更为突出"
KEY = "group:制度约束:B2:5"  # B2 = 您所在的单位, 5 = 柳州市工人医院


def evidence(unit_types: list[str], visits: list[tuple[str, str]]) -> Evidence:
    """Sessions of the given unit types and visits (unit, unit type), every one of which
    noted 制度约束 under theme D."""
    bank = load_bank("young_researchers")
    sessions = pd.DataFrame(
        {
            "session": range(1, len(unit_types) + 1),
            "unit_type": unit_types,
            "participants": [8] * len(unit_types),
        }
    )
    coded = pd.DataFrame(
        {
            "session": list(sessions["session"]),
            "seq": [1] * len(unit_types),
            "theme": ["D"] * len(unit_types),
            "text": ["职称评审的制度约束太多"] * len(unit_types),
        }
    )
    notes = NotesSummary(sessions, coded, None, 5)  # type: ignore[arg-type]
    frame = pd.DataFrame(
        {
            "visit": range(1, len(visits) + 1),
            "unit": [u for u, _ in visits],
            "unit_type": [t for _, t in visits],
        }
    )
    seen = pd.DataFrame(
        {
            "visit": list(frame["visit"]),
            "theme": ["D"] * len(visits),
            "text": ["制度约束：经费不能用于人员"] * len(visits),
        }
    )
    return Evidence(bank, 5, notes, frame, seen, [], PhraseWords.of(bank))


def test_a_group_problem_is_corroborated_only_by_its_own_group() -> None:
    bank = load_bank("young_researchers")
    assert group_label(KEY, bank) == "柳州市工人医院"
    ev = evidence(["高等院校", "医院"], [("柳州市人民医院", "医院")])
    got = raised(ev, {"key": KEY, "phrase": PHRASE})
    assert (got.sessions, got.visits, got.theme_sessions, got.theme_visits) == (0, 0, 2, 1)
    assert got.text() == "同一主题座谈 2 场、实地 1 次"
    assert "座谈" not in got.names() and "实地" not in got.names()

    ev = evidence(["医院"], [("柳州市工人医院", "医院"), ("广西大学", "高等院校")])
    got = raised(ev, {"key": KEY, "phrase": PHRASE})
    assert got.text() == "实地 1 次；同一主题座谈 1 场、实地 1 次"
    assert got.names() == ["实地"]


def test_a_unit_type_problem_is_corroborated_by_sessions_of_that_type() -> None:
    key = "group:制度约束:B1:2"  # B1 = 单位类型, 2 = 医院
    ev = evidence(["高等院校", "医院", "医院"], [])
    got = raised(ev, {"key": key, "phrase": "“医院”的制度约束问题更为突出"})
    assert got.text() == "座谈 2 场；同一主题座谈 1 场"


def test_a_problem_of_everyone_counts_every_session_of_its_theme() -> None:
    ev = evidence(["高等院校", "医院"], [])
    got = raised(ev, {"key": "item:D1_1", "phrase": "制度约束较多"})
    assert got.sessions == 2 and got.text() == "座谈 2 场"
