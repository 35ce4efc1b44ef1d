"""ruff is part of the test suite: the code base stays lint-clean and formatted."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def _ruff() -> str:
    """ruff on PATH, else the one installed beside this Python (a venv run without
    activating it); skips when neither exists."""
    beside = Path(sys.executable).parent / "ruff"
    ruff = shutil.which("ruff") or (str(beside) if beside.is_file() else None)
    if ruff is None:
        pytest.skip("ruff is not installed (pip install -e '.[test]')")
    return ruff


@pytest.mark.parametrize("args", [["check"], ["format", "--check"]], ids=["check", "format"])
def test_ruff_clean(args: list[str]) -> None:
    result = subprocess.run(
        [_ruff(), *args, str(ROOT)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr
