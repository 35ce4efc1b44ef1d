"""Build the offline install bundle for Windows: ``dist/surveytool-windows-<version>.zip``.

The zip holds

- ``wheels/``: the project's wheel and every dependency as wheels for 64-bit Windows
  (win_amd64 or pure Python) for CPython 3.11 and 3.12, downloaded with
  ``pip download --platform win_amd64 --only-binary=:all: --python-version …``;
- ``安装.bat``: creates a virtual environment ``surveytool-env`` next to itself and installs
  from ``wheels/`` with ``--no-index --find-links`` (no network needed);
- ``启动调研工作台.bat``: runs ``surveytool serve`` on a folder the user drags onto it, or on
  a default ``调研`` folder beside the bundle (no typed input: ``set /p`` is where cmd
  implementations differ, and a typed path would be parsed by cmd);
- ``使用说明.txt``.

The .bat files are CRLF and encoded in GBK (cp936, the code page of a Chinese Windows
console); their second line, ``chcp 936``, makes cmd.exe read the rest as GBK on a Windows
set to another language too (cmd decodes each line as it reaches it, with the console's code
page then; the window is the .bat's own). Every byte of their Chinese text is ≥ 0x80, so
even before that line cmd never sees a ``^ | & < > %`` in it. Their logic takes every path
from ``%~dp0`` (the .bat's own folder, which cmd holds as Unicode) or ``%~1`` (a folder
dropped on it), always quoted, so a folder such as ``D:\\调研 工具 (2026)\\`` works. Python
writes Chinese to the console through the Unicode console API whatever the code page.

Checked under wine 8 (cmd.exe, a stand-in py.exe logging its arguments): from
``C:\\调研 工具 (测试)\\`` with the console in cp936 and in cp437, both files pass every
path intact (also a dropped ``C:\\我的 资料 (2026) & 备份\\调研``) and show their messages.

Run ``python tools/build_windows_bundle.py`` (needs PyPI or a mirror, a few hundred MB);
``--verify`` then checks that the wheelhouse resolves completely for win_amd64 on each
Python version with ``pip install --dry-run --no-index``. Output goes to ``dist/`` (ignored
by git).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import tomllib
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYTHONS = ("3.11", "3.12")
PLATFORM = "win_amd64"
ENV_DIR = "surveytool-env"
DEFAULT_FOLDER = "调研"
MARKER = ".surveytool-default"  # in the default folder, so the .bat finds it without its name
INSTALL_BAT = "安装.bat"
# Dependencies published on PyPI as a source archive only: pure Python, so the wheel built
# here (py3-none-any) is the same on Windows.
PURE_SDIST_ONLY = ("jieba>=0.42",)
START_BAT = "启动调研工作台.bat"

INSTALL_LINES = [
    "@echo off",
    "chcp 936 >nul",
    "setlocal",
    "rem surveytool 离线安装：在本文件夹中建立运行环境，不需要联网",
    'cd /d "%~dp0"',
    'set "WHEELS=%~dp0wheels"',
    'set "ENV=%~dp0' + ENV_DIR + '"',
    'set "PY="',
    "call :try py -3.12",
    "call :try py -3.11",
    "call :try python",
    "if not defined PY (",
    "  echo 没有找到 Python 3.11 或 3.12。"
    "请先安装 Python（安装时勾选 Add python.exe to PATH），再运行本文件。",
    "  pause",
    "  exit /b 1",
    ")",
    "echo 正在建立运行环境……",
    '%PY% -m venv "%ENV%"',
    "if errorlevel 1 goto failed",
    "echo 正在安装（不需要联网）……",
    '"%ENV%\\Scripts\\python.exe" -m pip install --no-index --find-links "%WHEELS%" '
    "--disable-pip-version-check surveytool",
    "if errorlevel 1 goto failed",
    "echo 安装完成。双击“" + START_BAT.removesuffix(".bat") + "”开始使用。",
    "pause",
    "exit /b 0",
    ":failed",
    "echo 安装没有完成，请把本窗口的内容截图发给维护人员。",
    "pause",
    "exit /b 1",
    "rem PY becomes the first command given that runs Python 3.11 or 3.12 (errorlevel 0)",
    ":try",
    "if defined PY exit /b 0",
    '%* -c "import sys; sys.exit(sys.version_info[:2] not in ((3, 11), (3, 12)))" >nul 2>nul',
    'if not errorlevel 1 set "PY=%*"',
    "exit /b 0",
]

START_LINES = [
    "@echo off",
    "chcp 936 >nul",
    "setlocal",
    "rem 启动调研工作台：双击使用本文件夹下的“调研”文件夹；"
    "把其他文件夹拖到本文件上则使用那个文件夹",
    'cd /d "%~dp0"',
    'set "TOOL=%~dp0' + ENV_DIR + '\\Scripts\\surveytool.exe"',
    'if not exist "%TOOL%" (',
    "  echo 还没有安装。请先双击“" + INSTALL_BAT.removesuffix(".bat") + "”。",
    "  pause",
    "  exit /b 1",
    ")",
    'set "DIR=%~1"',
    "rem the default folder found by its marker: no Chinese in logic, whatever the code page",
    'if not defined DIR for /d %%D in (*) do if exist "%%~fD\\' + MARKER + '" set "DIR=%%~fD"',
    'if not defined DIR set "DIR=%~dp0' + DEFAULT_FOLDER + '"',
    "echo 要使用其他调研文件夹，请关闭本窗口，把那个文件夹拖到“"
    + START_BAT.removesuffix(".bat")
    + "”上。",
    'if not exist "%DIR%" mkdir "%DIR%"',
    '"%TOOL%" serve "%DIR%"',
    "pause",
]

GUIDE = f"""surveytool 离线安装包（Windows 64 位）

1. 安装 Python 3.11 或 3.12（64 位，python.org 下载；安装时勾选“Add python.exe to PATH”）。
   没有外网时，请信息中心或同事用 U 盘拷来 Python 安装程序。
2. 把本压缩包解压到任意文件夹（路径中有中文、空格都可以），双击“{INSTALL_BAT}”。
   安装不需要联网，约需 1–3 分钟，完成后本文件夹中多出 {ENV_DIR} 文件夹。
3. 双击“{START_BAT}”，使用本文件夹下的“{DEFAULT_FOLDER}”文件夹；要用其他文件夹，把那个
   文件夹拖到“{START_BAT}”上。浏览器会打开调研工作台。关闭窗口即停止。
4. 命令行：{ENV_DIR}\\Scripts\\surveytool.exe（用法见 README）。
"""


def bat_text(lines: list[str]) -> bytes:
    """A .bat file's bytes: CRLF line ends, GBK (cp936). Raises ValueError when a character
    cannot be written in GBK or when its GBK bytes include one below 0x80 (a trail byte that
    another code page would read as ``|``, ``^`` or ``\\``)."""
    data = ("\r\n".join(lines) + "\r\n").encode("gbk")
    for ch in set("".join(lines)):
        if ord(ch) > 0x7F and min(ch.encode("gbk")) < 0x80:
            raise ValueError(f"{ch!r} has an ASCII trail byte in GBK")
    return data


def project_version() -> str:
    """The version in pyproject.toml."""
    with (ROOT / "pyproject.toml").open("rb") as f:
        return tomllib.load(f)["project"]["version"]


def wheel_command(out: Path) -> list[str]:
    """The command building the project's own wheel into ``out``."""
    return [sys.executable, "-m", "pip", "wheel", "--no-deps", "--wheel-dir", str(out), str(ROOT)]


def pure_wheel_command(requirement: str, out: Path) -> list[str]:
    """The command building a pure-Python dependency's wheel from its source archive."""
    return [sys.executable, "-m", "pip", "wheel", "--no-deps", "--wheel-dir", str(out), requirement]


def download_command(wheel: Path, out: Path, python: str) -> list[str]:
    """The command fetching ``wheel``'s dependencies for win_amd64 CPython ``python``."""
    return [
        sys.executable, "-m", "pip", "download", "--dest", str(out),
        "--platform", PLATFORM, "--implementation", "cp", "--python-version", python,
        "--only-binary=:all:", "--find-links", str(out), str(wheel),
    ]  # fmt: skip


def verify_command(wheels: Path, python: str, target: Path) -> list[str]:
    """The command checking that ``wheels`` alone installs surveytool for win_amd64
    CPython ``python`` (resolution only: ``--dry-run``)."""
    return [
        sys.executable, "-m", "pip", "install", "--dry-run", "--no-index",
        "--find-links", str(wheels), "--platform", PLATFORM, "--implementation", "cp",
        "--python-version", python, "--only-binary=:all:", "--target", str(target),
        "--ignore-installed", "surveytool",
    ]  # fmt: skip


def build(out_dir: Path) -> Path:
    """Build the bundle; returns the zip's path."""
    version = project_version()
    name = f"surveytool-windows-{version}"
    stage = out_dir / name
    shutil.rmtree(stage, ignore_errors=True)
    wheels = stage / "wheels"
    wheels.mkdir(parents=True)
    _run(wheel_command(wheels))
    (wheel,) = wheels.glob("surveytool-*.whl")
    for requirement in PURE_SDIST_ONLY:
        _run(pure_wheel_command(requirement, wheels))
    _check_pure(wheels)
    for python in PYTHONS:
        _run(download_command(wheel, wheels, python))
    (stage / INSTALL_BAT).write_bytes(bat_text(INSTALL_LINES))
    (stage / START_BAT).write_bytes(bat_text(START_LINES))
    (stage / DEFAULT_FOLDER).mkdir()
    (stage / DEFAULT_FOLDER / MARKER).write_text("surveytool: the default folder of the bundle\r\n")
    (stage / "使用说明.txt").write_bytes(GUIDE.replace("\n", "\r\n").encode("utf-8-sig"))
    target = out_dir / f"{name}.zip"
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as z:
        for path in sorted(stage.rglob("*")):
            z.write(path, Path(name) / path.relative_to(stage))
    return target


def _check_pure(wheels: Path) -> None:
    """Raise RuntimeError when a wheel built here is tied to this machine's platform."""
    for path in wheels.glob("*.whl"):
        if not path.name.endswith(("-none-any.whl", "-" + PLATFORM + ".whl")):
            raise RuntimeError(f"{path.name} is not for {PLATFORM}")


def verify(wheels: Path) -> None:
    """Raise CalledProcessError unless ``wheels`` resolves for every Python in PYTHONS."""
    for python in PYTHONS:
        with tempfile.TemporaryDirectory() as tmp:
            _run(verify_command(wheels, python, Path(tmp)))


def _run(cmd: list[str]) -> None:
    print("+", " ".join(cmd), flush=True)
    subprocess.run(cmd, check=True, env=_pip_env())


def _pip_env() -> dict[str, str]:
    """This machine's pip settings, without local find-links/extra indexes: the bundle holds
    what PyPI publishes, nothing built here."""
    import os

    env = dict(os.environ)
    env.pop("PIP_FIND_LINKS", None)
    env["PIP_CONFIG_FILE"] = os.devnull
    return env


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "dist")
    parser.add_argument("--verify", action="store_true", help="check the wheelhouse resolves")
    args = parser.parse_args()
    zip_path = build(args.out)
    print(f"{zip_path}  {zip_path.stat().st_size / 2**20:.1f} MiB")
    if args.verify:
        verify(args.out / zip_path.stem / "wheels")
        print("wheelhouse resolves for", ", ".join(f"cp{p} {PLATFORM}" for p in PYTHONS))
    return 0


if __name__ == "__main__":
    sys.exit(main())
