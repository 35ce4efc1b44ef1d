"""The offline Windows bundle's pieces (issue 21, item 4), without downloading anything: the
.bat files are CRLF, GBK, parse the same under any code page and quote every path; the pip
command lines fetch win_amd64 wheels for CPython 3.11 and 3.12 and install with no index.
The real run (``python tools/build_windows_bundle.py --verify``, a few hundred MB) is
reported in the issue's closing note."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SPEC = importlib.util.spec_from_file_location("bundle", ROOT / "tools" / "build_windows_bundle.py")
bundle = importlib.util.module_from_spec(SPEC)
SPEC.loader.exec_module(bundle)

BATS = {bundle.INSTALL_BAT: bundle.INSTALL_LINES, bundle.START_BAT: bundle.START_LINES}
PATH_VARS = re.compile(r"%~dp0|%~1|%%~fD|%(?:ENV|WHEELS|TOOL|DIR)%")


@pytest.mark.parametrize("name", BATS)
def test_bat_is_crlf_and_gbk(name: str) -> None:
    data = bundle.bat_text(BATS[name])
    assert data.endswith(b"\r\n")
    assert b"\n" not in data.replace(b"\r\n", b"")  # no bare LF (cmd misreads labels then)
    text = data.decode("gbk")
    assert text.splitlines() == BATS[name]
    assert text.splitlines()[1] == "chcp 936 >nul"  # the rest read as GBK on any Windows


@pytest.mark.parametrize("name", BATS)
def test_bat_parses_the_same_under_any_code_page(name: str) -> None:
    """The bytes below 0x80 — all cmd.exe gives meaning to (^ | & < > % " and \\) — are
    exactly the ASCII characters written: no GBK trail byte falls among them, so cp936,
    cp437 and cp65001 consoles split the lines alike; only echoed text may look different."""
    data = bundle.bat_text(BATS[name])
    text = "\r\n".join(BATS[name]) + "\r\n"
    assert bytes(b for b in data if b < 0x80) == "".join(c for c in text if c < "\x80").encode()
    assert any(ord(c) > 0x7F for c in text)  # there is Chinese to check


def test_bat_text_refuses_a_character_with_an_ascii_trail_byte() -> None:
    risky = next(ch for ch in map(chr, range(0x4E00, 0x9FA6)) if ch.encode("gbk")[1] in b"\\|^")
    with pytest.raises(ValueError, match="trail byte"):
        bundle.bat_text([f"echo {risky}"])


@pytest.mark.parametrize("name", BATS)
def test_every_path_in_the_bat_is_quoted(name: str) -> None:
    """A bundle unpacked to D:\\调研 工具\\ has spaces (and maybe & or parentheses) in every
    path: each use of one sits between double quotes."""
    for line in BATS[name]:
        for m in PATH_VARS.finditer(line):
            assert line[: m.start()].count('"') % 2 == 1, line


def test_install_bat_installs_offline_into_a_venv_beside_it() -> None:
    text = "\n".join(bundle.INSTALL_LINES)
    assert '-m venv "%ENV%"' in text and f'set "ENV=%~dp0{bundle.ENV_DIR}"' in text
    assert '--no-index --find-links "%WHEELS%"' in text
    assert "call :try py -3.12" in text and "call :try py -3.11" in text


def test_start_bat_serves_the_picked_or_default_folder() -> None:
    text = "\n".join(bundle.START_LINES)
    assert 'set "DIR=%~1"' in text  # a folder dropped on the .bat
    assert "set /p" not in text  # wine and cmd differ there; a typed path is cmd-parsed
    assert f'if exist "%%~fD\\{bundle.MARKER}" set "DIR=%%~fD"' in text  # the default 调研
    assert f'set "DIR=%~dp0{bundle.DEFAULT_FOLDER}"' in text  # (deleted: made again)
    assert '"%TOOL%" serve "%DIR%"' in text


def test_pip_command_lines(tmp_path: Path) -> None:
    wheel = tmp_path / "surveytool-0.1.0-py3-none-any.whl"
    for python in bundle.PYTHONS:
        cmd = bundle.download_command(wheel, tmp_path, python)
        assert cmd[1:4] == ["-m", "pip", "download"]
        for flag in ("--platform", "--python-version", "--implementation"):
            assert flag in cmd
        assert cmd[cmd.index("--platform") + 1] == "win_amd64"
        assert cmd[cmd.index("--python-version") + 1] == python
        assert "--only-binary=:all:" in cmd and cmd[-1] == str(wheel)
        check = bundle.verify_command(tmp_path, python, tmp_path / "t")
        for flag in ("--dry-run", "--no-index", "--only-binary=:all:", "--target"):
            assert flag in check
        assert check[check.index("--find-links") + 1] == str(tmp_path)
    assert bundle.PYTHONS == ("3.11", "3.12")


def test_only_windows_or_pure_wheels_pass(tmp_path: Path) -> None:
    (tmp_path / "jieba-0.42.1-py3-none-any.whl").touch()
    (tmp_path / "numpy-2.4.6-cp311-cp311-win_amd64.whl").touch()
    bundle._check_pure(tmp_path)
    (tmp_path / "x-1.0-cp311-cp311-manylinux_2_28_x86_64.whl").touch()
    with pytest.raises(RuntimeError, match="not for win_amd64"):
        bundle._check_pure(tmp_path)


@pytest.mark.parametrize("name", BATS)
def test_chinese_only_in_what_is_shown(name: str) -> None:
    """Only echo and rem lines hold Chinese (and the fallback for a deleted default folder):
    paths and commands never depend on how a code page decodes the file."""
    for line in BATS[name]:
        if any(ord(c) > 0x7F for c in line):
            shown = line.lstrip().startswith(("echo ", "rem "))
            assert shown or line == f'if not defined DIR set "DIR=%~dp0{bundle.DEFAULT_FOLDER}"'
