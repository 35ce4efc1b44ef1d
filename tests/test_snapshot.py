"""Reading while an ingest writes (issue 13, item 10): a report is built from one snapshot of
the store, so its header, section 一 and table 1 agree even when another ingest commits
between its reads. The race is made deterministic: right after the answers are read, a
``surveytool ingest`` child process stores three more forms."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from surveytool.forms.fill import FormFiller
from surveytool.ingest import ingest
from surveytool.report import make_report
from surveytool.store import answers as answers_module
from surveytool.store.answers import collection_summary, load_answers, snapshot

from conftest import GOOD


@pytest.fixture
def store(tmp_path: Path, ingest_bank) -> Path:
    filler = FormFiller(ingest_bank)
    for i in range(9):
        folder = "首批" if i < 6 else "后来"
        filler.fill({**GOOD, "B3": 20 + i}, tmp_path / folder / f"{i}.xlsx")
    store = tmp_path / "s.db"
    assert ingest([tmp_path / "首批"], ingest_bank, store).total("accepted") == 6
    return store


@pytest.fixture
def ingest_meanwhile(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """The first time answers are gathered, another process ingests 后来/ (3 forms)."""
    original = answers_module._from_sql
    done: list[bool] = []

    def gather(*args, **kw):
        out = original(*args, **kw)
        if not done:
            done.append(True)
            cmd = [sys.executable, "-m", "surveytool", "ingest"]
            cmd += ["--bank", str(tmp_path / "ingest_demo.yaml")]
            cmd += ["--store", str(tmp_path / "s.db"), str(tmp_path / "后来")]
            res = subprocess.run(cmd, capture_output=True, text=True, check=False)
            assert res.returncode == 0, res.stdout + res.stderr
        return out

    monkeypatch.setattr(answers_module, "_from_sql", gather)


def test_report_numbers_agree_while_an_ingest_writes(
    store: Path, tmp_path: Path, ingest_bank, ingest_meanwhile
) -> None:
    out = tmp_path / "报告"
    md = make_report(store, ingest_bank, out, formats=("md",))["md"].read_text("utf-8")
    header = int(re.search(r"根据 (\d+) 份有效问卷", md).group(1))
    section_one = int(re.search(r"有效答卷 (\d+) 份", md).group(1))
    table_one = re.search(r"\| 广西科技大学 \| (\d+) \|", md)
    assert header == section_one == 6, (header, section_one)
    assert table_one and int(table_one.group(1)) == 6
    assert len(load_answers(store, ingest_bank)) == 9  # the other ingest did go in


def test_a_snapshot_reads_one_state(store: Path, ingest_bank, ingest_meanwhile) -> None:
    with snapshot(store) as snap:
        frame = snap.answers(ingest_bank)  # another ingest commits right after this read
        summary = snap.summary(ingest_bank)
    assert len(frame) == summary["accepted"] == 6
    assert collection_summary(store, ingest_bank)["accepted"] == 9
