"""Two ingests of the same files at once (issue 13, item 9): the one that writes second reports
the files as already ingested — no sqlite3.IntegrityError, nothing doubled — and answers that
another ingest stored meanwhile (from another file) are recognised as duplicates.

The race is made deterministic: between reading a file and writing it, this ingest waits for
a second ``surveytool ingest`` (a child process) that stores the same file."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from surveytool.errors import problem
from surveytool.forms.fill import FormFiller
from surveytool.ingest import ingest, load_answers
from surveytool.ingest import run as ingest_run
from surveytool.ingest.table import KIND

from conftest import GOOD


def other_ingest(bank_file: Path, store: Path, target: Path) -> None:
    cmd = [sys.executable, "-m", "surveytool", "ingest", "--bank", str(bank_file)]
    res = subprocess.run(
        [*cmd, "--store", str(store), str(target)], capture_output=True, text=True, check=False
    )
    assert res.returncode == 0, res.stdout + res.stderr


@pytest.fixture
def race(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    """race(target): the first file this ingest reads is, before it is written, ingested by
    another process from ``target``."""

    def arm(bank_file: Path, store: Path, target: Path) -> None:
        original = ingest_run._open
        done = []

        def slow_open(*args, **kw):
            out = original(*args, **kw)
            if not done:
                done.append(True)
                other_ingest(bank_file, store, target)
            return out

        monkeypatch.setattr(ingest_run, "_open", slow_open)

    return arm


def forms(tmp_path: Path, bank, n: int, folder: str = "回收") -> Path:
    filler = FormFiller(bank)
    for i in range(n):
        filler.fill({**GOOD, "B3": 20 + i}, tmp_path / folder / f"{i}.xlsx")
    return tmp_path / folder


def test_the_same_folder_twice_at_once(tmp_path: Path, ingest_bank, race) -> None:
    bank_file = tmp_path / "ingest_demo.yaml"
    folder = forms(tmp_path, ingest_bank, 3)
    store = tmp_path / "s.db"
    race(bank_file, store, folder / "0.xlsx")
    summary = ingest([folder], ingest_bank, store)
    first = summary.files[0]
    assert first.status == "known"
    (message,) = [p.message for p in first.problems]
    when = message.split("已于 ")[1].split(" 回收过")[0]
    assert (
        message
        == problem("already_ingested", file="0.xlsx", kind=KIND, when=when, wave="首轮").message
    )
    assert [f.status for f in summary.files[1:]] == ["ingested", "ingested"]
    assert summary.total("accepted") == 2
    assert len(load_answers(store, ingest_bank)) == 3  # each answer once


def test_a_duplicate_stored_meanwhile_by_another_ingest(tmp_path: Path, ingest_bank, race) -> None:
    """Another file with the same answers (a copy saved again: other bytes) goes in while
    this ingest reads: it is this file that is the duplicate."""
    bank_file = tmp_path / "ingest_demo.yaml"
    folder = forms(tmp_path, ingest_bank, 1)
    copy = tmp_path / "副本" / "0-另存.xlsx"
    copy.parent.mkdir()
    copy.write_bytes((folder / "0.xlsx").read_bytes() + b"\0")  # same answers, other bytes
    store = tmp_path / "s.db"
    race(bank_file, store, copy)
    summary = ingest([folder], ingest_bank, store)
    assert summary.files[0].status == "ingested"
    assert summary.total("accepted") == 0 and summary.total("duplicates") == 1
    assert len(load_answers(store, ingest_bank)) == 1


def test_without_a_race_nothing_changes(tmp_path: Path, ingest_bank) -> None:
    folder = forms(tmp_path, ingest_bank, 2)
    store = tmp_path / "s.db"
    assert ingest([folder], ingest_bank, store).total("accepted") == 2
    again = ingest([folder], ingest_bank, store)
    assert [f.status for f in again.files] == ["known", "known"]
