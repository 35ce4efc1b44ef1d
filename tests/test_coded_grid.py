"""Issue 27: a generic table is read into a CodedGrid (distinct values and per-row codes) and
its body handed on as a frame of Categoricals. Each operation is checked against the plain
2-D object array it stands for, and the frame against what validation used to get."""

from __future__ import annotations

import pickle
import random
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from surveytool.ingest import cells
from surveytool.ingest.grid import CodedGrid
from surveytool.ingest.validate import respondent_codes

BLANKS = ["", " ", "\u3000", "\t", None]  # what str.strip() leaves empty, and a missing cell
WORDS = ["1", "2", "甲", " 乙 ", "None", "NA", "0", "3.0"]


def _plain(columns: list[list]) -> np.ndarray:
    """The reference: the rows x columns object array, blank cells None."""
    rows = len(columns[0]) if columns else 0
    out = np.empty((rows, len(columns)), dtype=object)
    for j, col in enumerate(columns):
        out[:, j] = [None if v is None or not v.strip() else v for v in col]
    return out


def _random_grid(rng: random.Random, rows: int, width: int) -> tuple[CodedGrid, np.ndarray]:
    """A grid of random words and blanks, and the plain array it stands for."""
    pool = WORDS + BLANKS
    columns = [[rng.choice(pool) for _ in range(rows)] for _ in range(width)]
    grid = CodedGrid.from_arrow([pa.array(c, type=pa.string()) for c in columns], rows)
    return grid, _plain(columns)


@pytest.mark.parametrize("seed", range(40))
def test_the_grid_is_the_plain_array(seed: int) -> None:
    rng = random.Random(seed)
    rows, width = rng.randint(0, 30), rng.randint(1, 5)
    grid, plain = _random_grid(rng, rows, width)
    assert grid.shape == plain.shape and grid.size == plain.size
    assert grid.array().tolist() == plain.tolist()
    assert grid.head(3).tolist() == plain[:3].tolist()
    assert grid.filled().tolist() == [any(v is not None for v in r) for r in plain]
    start = rng.randint(0, rows)
    for j in range(width):
        assert grid.column(j, start).tolist() == plain[start:, j].tolist()
    n = rng.randint(0, rows)
    assert grid.first(n).array().tolist() == plain[:n].tolist()


@pytest.mark.parametrize("seed", range(40))
def test_the_frame_holds_the_body_with_blank_cells_missing(seed: int) -> None:
    rng = random.Random(seed)
    rows, width = rng.randint(1, 30), rng.randint(1, 5)
    grid, plain = _random_grid(rng, rows, width)
    start = rng.randint(0, rows)
    names = {str(j): f"q{j}" for j in rng.sample(range(width), rng.randint(1, width))}
    frame = grid.frame(start, names)
    assert list(frame.columns) == list(names.values())
    assert len(frame) == rows - start
    for pos, name in names.items():
        col = frame[name]
        assert isinstance(col.dtype, pd.CategoricalDtype)
        assert col.cat.categories.dtype == object  # Python strings, as the parsers expect
        got = col.to_numpy(dtype=object, na_value=None).tolist()
        assert got == plain[start:, int(pos)].tolist()
        # what validation does with the column: the same values through factorize
        codes, uniques = pd.factorize(col, use_na_sentinel=True)
        back = [None if k < 0 else uniques[k] for k in codes]
        assert back == got
        # respondent codes read through the categories: as from the plain column
        plain_col = pd.Series(plain[start:, int(pos)], dtype=object)
        assert respondent_codes(col).tolist() == respondent_codes(plain_col).tolist()
    # blank rows of the frame: the rows whose kept cells are all blank
    keep = [int(p) for p in names]
    expected = [all(v is None for v in r) for r in plain[start:, keep]]
    assert cells.blank_rows(frame).tolist() == expected
    again = pickle.loads(pickle.dumps(frame, protocol=5))
    pd.testing.assert_frame_equal(again, frame)


def test_a_restored_cell_joins_its_column() -> None:
    grid = CodedGrid.from_arrow([pa.array(["a", "b", "a", None])], 4)
    # a value already in the column (one category, not two), a new one, a blank one
    grid.restore([(1, 0, "a"), (3, 0, "2026-11-30"), (0, 0, "  ")])
    assert grid.array().tolist() == [[None], ["a"], ["a"], ["2026-11-30"]]
    col = grid.frame(0, {"0": "x"})["x"]
    assert col.cat.categories.is_unique  # "a" once, though the column holds it twice
    assert col.to_numpy(dtype=object, na_value=None).tolist() == [None, "a", "a", "2026-11-30"]


def test_many_restored_cells_of_many_columns() -> None:
    """A column of error values (a VLOOKUP's #N/A on every row) is one restored cell a row:
    all of them land, each in its own row and column."""
    rows = 5000
    grid = CodedGrid.from_arrow(
        [pa.array(["x"] * rows), pa.array([None] * rows, pa.string())], rows
    )
    grid.restore([(r, 1, "#N/A") for r in range(0, rows, 2)] + [(7, 0, "y")])
    plain = grid.array()
    assert plain[:, 1].tolist() == ["#N/A" if r % 2 == 0 else None for r in range(rows)]
    assert plain[:, 0].tolist() == ["y" if r == 7 else "x" for r in range(rows)]
    col = grid.frame(0, {"1": "q"})["q"]
    assert list(col.cat.categories) == ["#N/A"]


def test_codes_are_as_small_as_the_categories_allow() -> None:
    few = CodedGrid.from_arrow([pa.array([str(i % 100) for i in range(1000)])], 1000)
    many = CodedGrid.from_arrow([pa.array([str(i) for i in range(1000)])], 1000)
    assert few.categorical(0).codes.dtype == np.int8
    assert many.categorical(0).codes.dtype == np.int16
    assert many.categorical(0).tolist() == [str(i) for i in range(1000)]


def test_a_column_not_read_as_text_is_kept_value_by_value() -> None:
    grid = CodedGrid.from_arrow([pa.array([1.5, None, 2.0]), pa.nulls(3)], 3)
    assert grid.array().tolist() == [[1.5, None], [None, None], [2.0, None]]
    assert grid.filled().tolist() == [True, False, True]


def test_a_large_csv_reaches_the_caller_as_codes(tmp_path: Path) -> None:
    """The reason for the grid: 20,000 rows of five codes reach the caller as Categoricals
    (one byte a cell, no Python object per cell to pickle and unpickle), same values."""
    from surveytool.bank import load_bank
    from surveytool.ingest.read import Expected, read_table

    bank = load_bank(Path(__file__).resolve().parents[1] / "benchmarks" / "bank50.yaml")
    ids = [f.id for f in bank.fields][:5]
    rng = random.Random(7)
    lines = [",".join(ids)] + [
        ",".join(rng.choice(["1", "2", "3", " ", ""]) for _ in ids) for _ in range(20_000)
    ]
    path = tmp_path / "大表.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    t = read_table(path, bank, Expected(bank))
    assert all(isinstance(d, pd.CategoricalDtype) for d in t.frame.dtypes)
    as_objects = t.frame.astype(object).where(t.frame.notna(), None)
    assert len(pickle.dumps(t.frame, protocol=5)) < len(pickle.dumps(as_objects, protocol=5))
    body = [line.split(",") for line in lines[1:]]
    kept = [i for i, r in enumerate(body) if any(v.strip() for v in r)]  # blank rows dropped
    assert t.rows.tolist() == [i + 2 for i in kept]
    for j, fid in enumerate(ids):
        want = [body[i][j] if body[i][j].strip() else None for i in kept]
        assert t.frame[fid].to_numpy(dtype=object, na_value=None).tolist() == want
