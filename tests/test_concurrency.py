"""Concurrency (issue 8, battery item 10): two ingests into one store at the same time both
finish, nothing is lost or counted twice, and the database stays whole."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

from surveytool.bank import load_bank
from surveytool.forms.fill import FormFiller
from surveytool.ingest import load_answers
from surveytool.simulate import Simulator


def test_two_ingests_at_once(tmp_path: Path) -> None:
    bank = load_bank("young_researchers")
    filler = FormFiller(bank)
    # people in the bank's target group (under 45): one aged 45 or over answers only section A
    # and the follow-up block, and two such forms can be byte-identical files
    under_45 = {"A2": {1: 1, 2: 1, 3: 1, 4: 1}}
    people = Simulator(bank, seed=21, priors=under_45).respondents(60)
    for i, p in enumerate(people):
        filler.fill(p, tmp_path / ("甲" if i % 2 else "乙") / f"{i:03d}.xlsx")
    cmd = [sys.executable, "-m", "surveytool", "ingest", "--bank", bank.id, "--store", "s.db"]
    runs = [
        subprocess.Popen(
            [*cmd, folder], cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for folder in ("甲", "乙")
    ]
    outs = [r.communicate(timeout=300) for r in runs]
    for r, (out, err) in zip(runs, outs, strict=True):
        assert r.returncode == 0, out + err
        assert "Traceback" not in err
        assert "有效答卷 30 份" in out
    frame = load_answers(tmp_path / "s.db", bank)
    assert len(frame) == 60 and frame["_source"].nunique() == 60
    db = sqlite3.connect(tmp_path / "s.db")
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert db.execute("SELECT count(*) FROM sources").fetchone()[0] == 60
