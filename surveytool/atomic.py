"""Writing output files whole or not at all: to a temporary file beside the target, then a
rename. A crash (even SIGKILL) never leaves half a file; an earlier file stays intact until
it is replaced. Temporary files are named ``.~…``; ones left by a killed run are removed by
the next write into the same folder once they are an hour old."""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

STALE_SECONDS = 3600


def write_atomic(path: str | Path, write: Callable[[Path], None]) -> Path:
    """Call ``write(tmp)`` with a temporary path beside ``path``, then rename it to ``path``
    (with the usual permissions); returns ``path``. OSError propagates."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    _clean_stale(target.parent)
    fd, tmp = tempfile.mkstemp(prefix=".~", suffix=target.suffix, dir=target.parent)
    os.close(fd)
    try:
        write(Path(tmp))
        umask = os.umask(0)
        os.umask(umask)
        Path(tmp).chmod(0o666 & ~umask)  # mkstemp makes 0600
        Path(tmp).replace(target)
    finally:
        Path(tmp).unlink(missing_ok=True)
    return target


def _clean_stale(folder: Path) -> None:
    now = time.time()
    for p in folder.glob(".~*"):
        try:
            if p.is_file() and now - p.stat().st_mtime > STALE_SECONDS:
                p.unlink()
        except OSError:
            pass
