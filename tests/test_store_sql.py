"""The store readable without our code (issue 14): answers_<bank id> and codebook, read with
plain sqlite3, equal what load_answers returns, after ingests, re-ingests, rejected files,
a store written before the table existed, and a SIGKILL mid-ingest (test_ingest_crash)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import numpy as np
import pandas as pd

from surveytool.bank import load_bank
from surveytool.demo import DEMO_PRIORS
from surveytool.forms.fill import FormFiller
from surveytool.ingest import ingest
from surveytool.simulate import Simulator
from surveytool.store import load_answers


def assert_sql_equals_store(db: Path, bank) -> None:
    """answers_<bank> (plain SQL) holds exactly load_answers' responses and values."""
    with sqlite3.connect(db) as con:
        sql = pd.read_sql(f"SELECT * FROM answers_{bank.id} ORDER BY _response_id", con)
    ours = load_answers(db, bank).sort_values("_response_id").reset_index(drop=True)
    assert list(sql["_response_id"]) == list(ours["_response_id"])
    assert list(sql["_wave"]) == list(ours["_wave"])
    for f in bank.fields:
        a = sql[f.id] if f.id in sql else pd.Series([None] * len(sql))
        b = ours[f.id]
        if f.kind in ("text", "other"):
            assert [x if isinstance(x, str) else None for x in a] == [
                None if pd.isna(x) else str(x) for x in b
            ], f.id
        else:
            x = pd.to_numeric(a, errors="coerce").to_numpy(dtype=float)
            y = pd.to_numeric(b.astype(object), errors="coerce").to_numpy(dtype=float)
            assert np.array_equal(x, y, equal_nan=True), f.id


def _forms(bank, folder: Path, n: int, seed: int) -> None:
    filler = FormFiller(bank)
    for i, a in enumerate(Simulator(bank, seed=seed, priors=DEMO_PRIORS).respondents(n)):
        filler.fill(a, folder / f"{seed}-{i}.xlsx")


def test_sql_copy_after_ingests_reingests_and_rejects(tmp_path: Path) -> None:
    bank = load_bank("young_researchers")
    db = tmp_path / "s.db"
    _forms(bank, tmp_path / "a", 12, 1)
    ingest([tmp_path / "a"], bank, db)
    assert_sql_equals_store(db, bank)
    ingest([tmp_path / "a"], bank, db)  # the same files again: nothing new
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "bad.csv").write_text("A1,A2\n9,9\n", encoding="utf-8")  # rejected
    _forms(bank, tmp_path / "b", 5, 2)
    ingest([tmp_path / "b"], bank, db, wave="回访")
    assert_sql_equals_store(db, bank)
    with sqlite3.connect(db) as con:
        waves = dict(con.execute(f"SELECT _wave, count(*) FROM answers_{bank.id} GROUP BY _wave"))
        book = con.execute(
            "SELECT label FROM codebook WHERE bank_id=? AND field='A1' ORDER BY code", (bank.id,)
        ).fetchall()
    assert waves == {"首轮": 12, "回访": 5}
    assert [b[0] for b in book] == ["男", "女"]
