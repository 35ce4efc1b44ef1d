"""store.sqlrows.sql_matrix: the SQLite value of every answer cell, whichever path converts it."""

from __future__ import annotations

import numpy as np

from surveytool.store.sqlrows import sql_matrix


def _expected(v: object, text: bool) -> object:
    """The rule, cell by cell: NaN/None -> NULL; in a number column a whole float -> int,
    other floats kept; in a text column every other value as str."""
    if v is None or (isinstance(v, float) and v != v):
        return None
    if not text:
        return int(v) if np.isfinite(v) and v.is_integer() and abs(v) < 2.0**53 else v
    return str(v)


def test_codes_with_gaps_become_ints_and_nulls():
    codes = np.array([1.0, np.nan, 5.0, -0.0, 3.0])
    got = sql_matrix([codes])[:, 0].tolist()
    assert got == [1, None, 5, 0, 3]
    assert [type(x) for x in got] == [int, type(None), int, int, int]


def test_mixed_numbers_text_and_extremes_follow_the_rule_per_cell():
    numbers = np.array([1.5, np.nan, 2.0, np.inf, -np.inf, 1e300, 2.0**53, 7.0])
    text = np.array(["甲", None, 3, "", 2.5, float("nan"), "x", "乙"], dtype=object)
    got = sql_matrix([numbers, text])
    for j, col in enumerate([numbers, text]):
        want = [_expected(v, col.dtype == object) for v in col.tolist()]
        have = got[:, j].tolist()
        assert have == want
        assert [type(x) for x in have] == [type(x) for x in want]


def test_empty_columns():
    assert sql_matrix([]).shape == (0, 0)
    assert sql_matrix([np.array([], dtype=float)]).shape == (0, 1)
