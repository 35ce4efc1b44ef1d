"""Mutation fuzz of our own forms (issue 8, battery item 2; the full-size run with thousands
of mutants is benchmarks/bench_fuzz.py): no exception escapes, nothing hangs, and no mutant is
accepted with changed answers without a problem saying so."""

from __future__ import annotations

from pathlib import Path

import pytest
from fuzz import run

from surveytool.bank import load_bank
from surveytool.forms.fill import FormFiller
from surveytool.simulate import Simulator

MUTANTS = 120


def test_mutants_never_change_answers_silently(tmp_path: Path) -> None:
    bank = load_bank("young_researchers")
    seed = FormFiller(bank).fill(Simulator(bank, seed=11).one(), tmp_path / "seed.xlsx")
    counts = run(seed, bank, tmp_path / "fuzz", MUTANTS, rng_seed=2026)
    assert sum(counts.values()) == MUTANTS
    silent = {k: v for k, v in counts.items() if k[1] == "accepted, changed silently"}
    assert not silent, (silent, counts)
    outcomes = {k[1].split(" (")[0] for k in counts}
    assert "rejected file" in outcomes and "accepted, same answers" in outcomes  # both happen


@pytest.mark.parametrize("padded", [False, True])
def test_a_damaged_tag_in_a_large_sheet_is_refused(
    tmp_path: Path, ingest_bank, padded: bool
) -> None:
    """Parts above the prechecks' size are checked strictly too: by the reader worker after
    its checks in a file under BESIDE_FROM, by the caller beside the reader in a larger one
    (``padded``: an incompressible picture makes the file larger)."""
    import os
    import re
    import zipfile

    from openpyxl import load_workbook

    from surveytool.forms import write_form
    from surveytool.ingest import ingest
    from surveytool.ingest.files import BESIDE_FROM, WELLFORMED_MAX

    from conftest import GOOD

    path = tmp_path / "录入表.xlsx"
    write_form(ingest_bank, path, "collection")
    wb = load_workbook(path)
    ws = wb["数据录入"]
    ids = [c.value for c in ws[1]]
    for r in range(4, 7004):
        for j, fid in enumerate(ids, start=1):
            v = f"R{r}" if fid == "_rid" else GOOD.get(fid)
            if v is not None:
                ws.cell(r, j, v)
    wb.save(path)
    with zipfile.ZipFile(path) as z:
        sheet = max(z.infolist(), key=lambda i: i.file_size)
        assert sheet.file_size > WELLFORMED_MAX
        parts = {i.filename: z.read(i) for i in z.infolist()}
    if padded:
        parts["xl/media/image1.png"] = os.urandom(2 * BESIDE_FROM + 4096)  # the caller alone
    ok = ingest([path], ingest_bank, tmp_path / "ok.db")
    assert ok.total("accepted") == 7000
    xml = parts[sheet.filename]
    cell = re.search(rb'<c r="B5000"[^>]*>', xml).group(0)
    parts[sheet.filename] = xml.replace(cell, cell[:-1] + b' r="B5000">', 1)  # duplicate attribute
    bad = tmp_path / "损坏的录入表.xlsx"
    with zipfile.ZipFile(bad, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in parts.items():
            z.writestr(name, data)
    assert (bad.stat().st_size >= 2 * BESIDE_FROM) == padded
    s = ingest([bad], ingest_bank, tmp_path / "bad.db")
    assert s.total("accepted") == 0 and s.files[0].status == "failed"
    assert "XML 格式已损坏" in s.files[0].problems[0].message
