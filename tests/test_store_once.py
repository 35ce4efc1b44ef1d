"""Issue 27: each answer is stored once, in answers_<bank> (plain SQL), which load_answers
reads too; a store written before (answers also in Arrow batches) reads the same before and
after the next ingest upgrades it in place."""

from __future__ import annotations

import dataclasses
import shutil
import sqlite3
from pathlib import Path

import pandas as pd
import pytest
from test_store_sql import assert_sql_equals_store

from surveytool.bank import load_bank
from surveytool.ingest import ingest
from surveytool.store import load_answers

DATA = Path(__file__).parent / "data"


def tables(db: Path) -> set[str]:
    with sqlite3.connect(db) as con:
        return {r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")}


@pytest.fixture
def hsb2():
    return load_bank(DATA / "hsb2.yaml")


def old_store(tmp_path: Path, *, without_sql: bool) -> Path:
    """tests/data/store_before_issue24.db (20 hsb2 rows, answers in batches and in the SQL
    table); ``without_sql``: as a store written before answers_<bank> existed."""
    db = tmp_path / "old.db"
    shutil.copy(DATA / "store_before_issue24.db", db)
    if without_sql:
        with sqlite3.connect(db) as con:
            con.execute("DROP TABLE answers_hsb2")
    return db


def test_each_answer_is_stored_once(tmp_path: Path, hsb2) -> None:
    db = tmp_path / "s.db"
    assert ingest([DATA / "hsb2.csv"], hsb2, db).total("accepted") == 200
    assert "batches" not in tables(db)
    with sqlite3.connect(db) as con:
        blobs = [
            (t, c[1])
            for t in tables(db)
            for c in con.execute(f'PRAGMA table_info("{t}")')
            if c[2].upper() == "BLOB"
        ]
        assert con.execute("SELECT count(*) FROM answers_hsb2").fetchone() == (200,)
    assert blobs == []  # no second, binary copy of the answers anywhere
    a = load_answers(db, hsb2)
    reference = pd.read_csv(DATA / "hsb2.csv")  # the file itself, read by pandas
    assert a["write"].astype(float).tolist() == reference["write"].astype(float).tolist()
    assert_sql_equals_store(db, hsb2)


@pytest.mark.parametrize("without_sql", [False, True])
def test_a_store_with_batches_reads_the_same_after_its_upgrade(
    tmp_path: Path, hsb2, without_sql: bool
) -> None:
    db = old_store(tmp_path, without_sql=without_sql)
    before = load_answers(db, hsb2)  # read from the batches, the file unchanged
    assert "batches" in tables(db) and len(before) == 20
    assert ("answers_hsb2" in tables(db)) is not without_sql
    (tmp_path / "empty").mkdir()
    ingest([tmp_path / "empty"], hsb2, db)  # the next write upgrades in place
    assert "batches" not in tables(db)
    pd.testing.assert_frame_equal(load_answers(db, hsb2), before)
    assert_sql_equals_store(db, hsb2)


def test_answers_to_a_field_the_newer_bank_dropped_are_kept(tmp_path: Path, hsb2) -> None:
    db = old_store(tmp_path, without_sql=True)
    before = load_answers(db, hsb2)
    scores = hsb2.sections[1]
    fewer = dataclasses.replace(
        hsb2,
        version=2,
        fields=(),  # derived again from the sections
        sections=(
            hsb2.sections[0],
            dataclasses.replace(
                scores, questions=tuple(q for q in scores.questions if q.id != "write")
            ),
            *hsb2.sections[2:],
        ),
    )
    assert "write" not in {f.id for f in fewer.fields}
    (tmp_path / "empty").mkdir()
    ingest([tmp_path / "empty"], fewer, db)  # the batches go: 'write' must stay in the table
    assert "batches" not in tables(db)
    after = load_answers(db, hsb2)  # read with the bank that has it
    pd.testing.assert_frame_equal(after, before)
