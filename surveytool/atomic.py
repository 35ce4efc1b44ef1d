"""Writing output files whole or not at all: to a temporary file beside the target, then a
rename. A crash (even SIGKILL) never leaves half a file; an earlier file stays intact until
it is replaced. Temporary files are named ``.~…``; ones left by a killed run are removed by
the next write into the same folder once they are an hour old.

On Windows a file open in Word, Excel or WPS cannot be replaced (a sharing violation,
PermissionError): that is :class:`~surveytool.errors.FileInUseError`, whose message asks
the user to close it; the earlier file is left as it was."""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from surveytool.errors import FileInUseError, Problem, problem
from surveytool.filenames import long_path

STALE_SECONDS = 3600
# the programs a user most likely has a file of this kind open in
PROGRAMS = {
    ".docx": "Word、WPS",
    ".doc": "Word、WPS",
    ".pptx": "PowerPoint、WPS",
    ".xlsx": "Excel、WPS",
    ".xls": "Excel、WPS",
    ".csv": "Excel、WPS",
    ".sav": "SPSS",
    ".pdf": "PDF 阅读器",
}


def write_atomic(path: str | Path, write: Callable[[Path], None]) -> Path:
    """Call ``write(tmp)`` with a temporary path beside ``path``, then rename it to ``path``
    (with the usual permissions); returns ``path``. Raises FileInUseError when ``path``
    exists and cannot be replaced (held open by another program); other OSErrors propagate."""
    shown = Path(path)
    target = long_path(shown)  # the \\?\ form beyond 260 characters on Windows
    target.parent.mkdir(parents=True, exist_ok=True)
    _clean_stale(target.parent)
    fd, tmp = tempfile.mkstemp(prefix=".~", suffix=target.suffix, dir=target.parent)
    os.close(fd)
    try:
        write(Path(tmp))
        umask = os.umask(0)
        os.umask(umask)
        Path(tmp).chmod(0o666 & ~umask)  # mkstemp makes 0600
        _replace(Path(tmp), target, shown)
    finally:
        Path(tmp).unlink(missing_ok=True)
    return shown


def _replace(tmp: Path, target: Path, shown: Path) -> None:
    try:
        tmp.replace(target)
    except PermissionError as exc:
        if not target.exists():
            raise
        raise FileInUseError(in_use(shown)) from exc


def in_use(target: Path) -> Problem:
    """The file_in_use problem for ``target``: close the program holding it, try again."""
    programs = PROGRAMS.get(target.suffix.lower(), "Word、Excel、WPS")
    return problem("file_in_use", name=target.name, programs=programs, path=str(target))


def _clean_stale(folder: Path) -> None:
    now = time.time()
    for p in folder.glob(".~*"):
        try:
            if p.is_file() and now - p.stat().st_mtime > STALE_SECONDS:
                p.unlink()
        except OSError:
            pass
