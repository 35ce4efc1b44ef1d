"""The command line, run as a user runs it: exit codes and exact messages."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from surveytool.bank import builtin_ids
from surveytool.cli import main
from surveytool.errors import problem

from conftest import MINIMAL, write_bank


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "surveytool", *args], capture_output=True, text=True, check=False
    )


def test_banks_json_lists_the_eight_banks() -> None:
    result = run("banks", "--json")
    assert result.returncode == 0, result.stderr
    rows = json.loads(result.stdout)
    assert [r["id"] for r in rows] == builtin_ids()
    assert len(rows) == 8
    for r in rows:
        assert {"id", "title", "version", "fields"} <= r.keys()
        assert r["fields"] > 0 and isinstance(r["version"], int)


def test_check_passes_on_every_builtin_bank(capsys) -> None:
    assert main(["check", *builtin_ids()]) == 0
    out = capsys.readouterr().out
    assert out.count("检查通过") == 8


def test_check_reports_located_problems_and_fails(tmp_path: Path, capsys) -> None:
    path = write_bank(tmp_path, MINIMAL.replace("scale: agree5", "scale: agre5"))
    assert main(["check", str(path)]) == 1
    err = capsys.readouterr().err
    expected = problem(
        "unknown_scale",
        file="bank.yaml",
        line=20,
        field="B2",
        value="agre5",
        hint="您是不是想写“agree5”？",
    ).message
    assert expected in err
    assert "Traceback" not in err


def test_check_a_folder_of_user_banks(tmp_path: Path, capsys) -> None:
    write_bank(tmp_path, MINIMAL, "a.yaml")
    write_bank(tmp_path, MINIMAL.replace("id: mini", "id: mini_two"), "b.yaml")
    assert main(["check", str(tmp_path)]) == 0
    assert capsys.readouterr().out.count("检查通过") == 2
    assert main(["banks", "--dir", str(tmp_path), "--json"]) == 0
    assert [r["id"] for r in json.loads(capsys.readouterr().out)] == ["mini", "mini_two"]


def test_form_commands_write_files(tmp_path: Path) -> None:
    for layout in ("respondent", "collection"):
        out = tmp_path / f"{layout}.xlsx"
        result = run("form", "young_researchers", "-o", str(out), "--layout", layout)
        assert result.returncode == 0, result.stderr
        assert out.is_file() and "已导出" in result.stdout
    result = run("xlsform", str(write_bank(tmp_path, MINIMAL)), "-o", str(tmp_path / "x.xlsx"))
    assert result.returncode == 0 and (tmp_path / "x.xlsx").is_file()


def test_unknown_bank_is_a_clean_error() -> None:
    result = run("form", "young_researcher", "-o", "x.xlsx")
    assert result.returncode == 1
    assert "找不到题库“young_researcher”" in result.stderr
    assert "您是不是想写“young_researchers”？" in result.stderr
    assert "Traceback" not in result.stderr


def test_unwritable_output_is_a_clean_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    result = run("form", "young_researchers", "-o", str(blocker / "sub" / "f.xlsx"))
    assert result.returncode == 1
    assert result.stderr.startswith(f"无法写入“{blocker / 'sub' / 'f.xlsx'}”")
    assert "Traceback" not in result.stderr
