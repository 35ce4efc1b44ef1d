"""Every exported form opens in LibreOffice (headless PDF conversion); skipped without soffice."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from surveytool.bank import builtin_ids, load_bank
from surveytool.forms import write_form, write_xlsform

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")


@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) is not installed")
def test_every_form_converts_to_pdf(tmp_path: Path) -> None:
    files = []
    for bank_id in builtin_ids():
        bank = load_bank(bank_id)
        for layout in ("respondent", "collection"):
            files.append(tmp_path / f"{bank_id}-{layout}.xlsx")
            write_form(bank, files[-1], layout)
        files.append(write_xlsform(bank, tmp_path / f"{bank_id}-xlsform.xlsx"))
    out = tmp_path / "pdf"
    env = {**os.environ, "HOME": str(tmp_path)}  # a private LibreOffice profile
    result = subprocess.run(
        [
            SOFFICE,
            "--headless",
            "--norestore",
            "--convert-to",
            "pdf",
            "--outdir",
            str(out),
            *map(str, files),
        ],
        capture_output=True,
        text=True,
        timeout=600,
        env=env,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    for f in files:
        pdf = out / f"{f.stem}.pdf"
        assert pdf.is_file(), f"LibreOffice could not open {f.name}: {result.stderr}"
        assert pdf.read_bytes().startswith(b"%PDF") and pdf.stat().st_size > 1000
