"""A SIGKILL part way through an ingest leaves a sound store; re-running completes it exactly."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from surveytool.bank import load_bank
from surveytool.forms.fill import FormFiller
from surveytool.ingest import ingest
from surveytool.simulate import Simulator

from test_ingest import dump

N = 600


def _sources(db: Path) -> int:
    if not db.exists():
        return 0
    try:
        con = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=0.1)
        n = con.execute("SELECT count(*) FROM sources").fetchone()[0]
        con.close()
        return n
    except sqlite3.Error:
        return 0


@pytest.mark.skipif(os.name != "posix", reason="SIGKILL is POSIX")
def test_sigkill_mid_ingest_then_rerun(tmp_path: Path) -> None:
    bank = load_bank("young_researchers")
    inbox = tmp_path / "inbox"
    filler = FormFiller(bank)
    for i, answers in enumerate(Simulator(bank, seed=7).respondents(N)):
        filler.fill(answers, inbox / f"r{i:04d}.xlsx")
    db = tmp_path / "killed.db"
    cmd = [
        sys.executable,
        "-m",
        "surveytool",
        "ingest",
        "--bank",
        "young_researchers",
        "--store",
        str(db),
        str(inbox),
    ]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 120
    while _sources(db) == 0 and proc.poll() is None and time.time() < deadline:
        time.sleep(0.01)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    done_at_kill = _sources(db)
    assert 0 < done_at_kill < N, f"kill did not land mid-run ({done_at_kill} of {N})"

    con = sqlite3.connect(db)
    assert con.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    # every stored file is whole: its counts match its rows
    for n_rows, acc, rej, dup in con.execute(
        "SELECT rows, accepted, rejected, duplicates FROM sources"
    ):
        assert n_rows == acc + rej + dup
    assert (
        con.execute("SELECT count(*) FROM responses").fetchone()[0]
        == con.execute("SELECT sum(accepted) FROM sources").fetchone()[0]
    )
    con.close()
    from test_store_sql import assert_sql_equals_store

    assert_sql_equals_store(db, bank)  # the plain-SQL copy is in step after the kill too

    rerun = subprocess.run(cmd, capture_output=True, text=True, check=False)
    assert rerun.returncode == 0, rerun.stderr
    clean = tmp_path / "clean.db"
    ingest([inbox], bank, clean)
    assert dump(db) == dump(clean)
