"""Small cells (issue 8, battery item 9): no count or percent of 1 to k-1 respondents appears
in a report, and a hidden cell cannot be worked out from the total (complementary
suppression)."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from surveytool.analysis.disclosure import hide_small
from surveytool.forms.fill import FormFiller
from surveytool.ingest import ingest
from surveytool.report import make_report

from conftest import GOOD


def test_hide_small_rule() -> None:
    # one small cell: the next smallest is hidden with it, so total − shown ≠ the small cell
    assert hide_small(np.array([3, 10, 20]), 5).tolist() == [True, True, False]
    # two small cells holding fewer than k together: a third joins them
    assert hide_small(np.array([1, 2, 30, 40]), 5).tolist() == [True, True, True, False]
    # two small cells holding at least k together: enough
    assert hide_small(np.array([4, 3, 30]), 5).tolist() == [True, True, False]
    # zeros describe nobody; nothing small: nothing hidden
    assert hide_small(np.array([0, 12, 30]), 5).tolist() == [False, False, False]


def test_report_shows_no_small_count(tmp_path: Path, ingest_bank) -> None:
    filler = FormFiller(ingest_bank)
    units = [1] * 20 + [2] * 3  # 3 people in 柳州市人民医院
    for i, unit in enumerate(units):
        filler.fill({**GOOD, "B1": unit, "B3": 20 + i}, tmp_path / "in" / f"{i}.xlsx")
    ingest([tmp_path / "in"], ingest_bank, tmp_path / "s.db")
    paths = make_report(tmp_path / "s.db", ingest_bank, tmp_path / "rep", formats=("md",))
    md = paths["md"].read_text(encoding="utf-8")
    rows = {m.group(1): m.group(2) for m in re.finditer(r"^\| (\S+) \| ([^|]+) \|", md, re.M)}
    assert rows["柳州市人民医院"] == "少于 5"  # never 3
    assert rows["广西科技大学"] == "—"  # hidden too: 23 − 20 would give the 3 away
    assert "| 柳州市人民医院 | 3 |" not in md and "（3 人）" not in md
    assert "13.0" not in md  # 3/23 = 13.0 %


def test_likert_figures_that_would_give_hidden_cells_away_are_blanked() -> None:
    import pandas as pd

    from surveytool.analysis.disclosure import likert_derived
    from surveytool.analysis.run import blank_suppressed

    # item A: 3 and 48 people in the two lowest cells (both hidden, complementary): the mean
    # with the shown cells and the total would solve them exactly -> blanked; bottom-2 holds
    # both hidden cells (its value is total - shown anyway) and top-2 none -> shown.
    # item B: hidden cells 2 (code 5) and 9 (code 1): top-2 would give the 2 away -> blanked.
    counts = {"A": [3, 48, 84, 90, 75], "B": [9, 40, 100, 149, 2]}
    freq = pd.DataFrame(
        [
            {
                "field": f,
                "option": c,
                "n": n,
                "suppressed": bool(hide_small(np.array(ns), 5)[c - 1]),
            }
            for f, ns in counts.items()
            for c, n in enumerate(ns, start=1)
        ]
    )
    hidden = [True, True, False, False, False, True, False, False, False, True]
    assert freq["suppressed"].tolist() == hidden
    lik = pd.DataFrame(
        {
            "field": ["A", "B"],
            "n": [300, 300],
            "mean": [3.62, 3.0],
            "sd": [1.0, 1.0],
            "top2_percent": [55.0, 50.3],
            "bottom2_percent": [17.0, 16.3],
        }
    )
    out = blank_suppressed(likert_derived(lik, freq, 5)).set_index("field")
    assert out.loc["A", "mean"] is None and out.loc["A", "sd"] is None
    assert out.loc["A", "top2_percent"] == 55.0 and out.loc["A", "bottom2_percent"] == 17.0
    assert out.loc["B", "top2_percent"] is None and out.loc["B", "bottom2_percent"] is None


def test_crosstab_cells_hidden_in_rows_and_columns() -> None:
    from surveytool.analysis.disclosure import hide_small_2d

    # options x groups; row and column totals are both published
    table = np.array([[3, 20, 30], [10, 25, 40], [12, 30, 2]])
    hide = hide_small_2d(table, 5)
    for line in [*hide, *hide.T]:  # no row or column with exactly one hidden cell
        assert line.sum() != 1
    for counts, mask in [*zip(table, hide, strict=True), *zip(table.T, hide.T, strict=True)]:
        assert mask.sum() == 0 or counts[mask].sum() >= 5
    assert hide[0, 0] and hide[2, 2]
    # a group under k: its column hidden, and the rows made safe around it
    small = hide_small_2d(np.array([[2, 30, 40], [1, 25, 35]]), 5, np.array([True, False, False]))
    assert small[:, 0].all() and (small.sum(axis=1) >= 2).all()


def test_group_means_left_out_where_they_are_withheld(tmp_path) -> None:
    import pandas as pd

    from surveytool.analysis import Survey
    from surveytool.bank import load_bank
    from surveytool.report.comparisons import pairwise_sentence

    from conftest import MINIMAL, write_bank

    s = Survey(pd.DataFrame(), load_bank(write_bank(tmp_path, MINIMAL)))
    row = {
        "field": "B3",
        "by": "B1",
        "test": "mannwhitney",
        "groups": [1, 2],
        "group_means": {1: 35.5, 2: 20.1},
        "mean_ranks": {1: 30.0, 2: 12.0},
        "group_means_suppressed": True,
    }
    assert pairwise_sentence(s, row, "number") == "“高校”明显高于“医院”。"
    row["group_means_suppressed"] = False
    assert pairwise_sentence(s, row, "number") == "“高校”（35.50）明显高于“医院”。"


def test_crosstab_hiding_never_leaves_one_hidden_cell_in_a_line() -> None:
    from surveytool.analysis.disclosure import hide_small_2d

    # a protecting cell that is the only non-empty one of its column: a zero joins it
    hide = hide_small_2d(np.array([[3, 10, 30], [20, 0, 30]]), 5)
    assert hide[:, 1].all()
    rng = np.random.default_rng(5)
    for _ in range(300):
        shape = rng.integers(1, 6, size=2)
        table = rng.choice([0, 0, 1, 2, 3, 4, 6, 9, 15, 40], size=shape)
        hide = hide_small_2d(table, 5)
        for line in [*hide, *hide.T]:
            assert line.sum() != 1 or len(line) == 1, table
