"""Crash safety of report writing (issue 8, battery item 5): a SIGKILL at any moment while a
report is rewritten leaves every report file either the earlier one, intact, or the new one,
whole — never half a file."""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from docx import Document

from surveytool.bank import load_bank
from surveytool.forms.fill import FormFiller
from surveytool.ingest import ingest
from surveytool.simulate import Simulator


def _whole(folder: Path) -> None:
    html = (folder / "report.html").read_text(encoding="utf-8")
    assert html.rstrip().endswith("</html>")
    md = (folder / "report.md").read_text(encoding="utf-8")
    assert "附录" in md and md.rstrip().endswith(
        "表示小样本时采用的精确检验。"
    )  # the last table note
    assert Document(str(folder / "report.docx")).paragraphs


@pytest.mark.skipif(os.name != "posix", reason="SIGKILL is POSIX")
def test_sigkill_while_rewriting_a_report(tmp_path: Path) -> None:
    bank = load_bank("young_researchers")
    filler = FormFiller(bank)
    for i, p in enumerate(Simulator(bank, seed=4).respondents(40)):
        filler.fill(p, tmp_path / "in" / f"{i}.xlsx")
    ingest([tmp_path / "in"], bank, tmp_path / "s.db")
    cmd = [sys.executable, "-m", "surveytool", "report", "--bank", bank.id, "--store", "s.db"]
    cmd += ["-o", "报告"]
    assert subprocess.run(cmd, cwd=tmp_path, capture_output=True, check=False).returncode == 0
    report = tmp_path / "报告"
    _whole(report)
    earlier = {n: (report / n).read_bytes() for n in ("report.html", "report.md", "report.docx")}
    rng = random.Random(5)
    for _ in range(5):
        proc = subprocess.Popen(
            cmd, cwd=tmp_path, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        time.sleep(rng.uniform(0.5, 6.0))
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        _whole(report)  # every file is the earlier one or the new one, whole
        for name, data in earlier.items():
            now = (report / name).read_bytes()
            assert now == data or len(now) > len(data) // 2, name
    shutil.rmtree(tmp_path / "in")
