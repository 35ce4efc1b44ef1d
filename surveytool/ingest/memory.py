"""The reader worker's memory ceiling, sized for each file (RLIMIT_AS).

The worker (:mod:`surveytool.ingest.sandbox`) caps its own address space before each file at
its current size plus a budget: :data:`FLOOR` for the checks and any small file, raised —
once the cheap checks know what the reader will allocate — by :data:`PER_CELL` bytes per
cell of the largest sheet (xlsx) or :data:`PER_BYTE` per byte of the file (csv, xls, sav),
never above :data:`CEILING` (lower it with ``SURVEYTOOL_READER_MIB`` on a small machine).
An allocation beyond it fails at once: Python raises
MemoryError, and the Rust reader aborts the worker (the caller then says why). Measured:
a 100,000 × 100 collection sheet (10 million cells) grows the worker by about 670 MiB; a
sparse sheet of 10 million cells (two cells at its corners) by about 460 MiB.

How the ceiling holds depends on the system (see SECURITY.md):

- Linux: the worker sets RLIMIT_AS itself (:func:`cap`); an allocation beyond it fails at once.
- Windows (no ``resource`` module), macOS (accepts RLIMIT_AS but does not enforce it), or
  wherever ``resource`` cannot be imported: the worker reports its ceiling as an absolute
  figure of :func:`usage` and the caller's watchdog (:mod:`surveytool.ingest.pool`) measures
  the worker every :data:`WATCH_SECONDS` and ends it once it is past that figure. The file is
  then rejected as too large; an allocation faster than the sampling may overshoot briefly.

:func:`usage` is the same quantity on both sides: virtual size on Linux (what RLIMIT_AS
counts), committed private memory on Windows (psutil's ``vms`` there, what a Job Object's
process memory limit counts), resident size on macOS (where ``vms`` counts reserved
address space in the hundreds of GiB). Outside the worker (a notebook calling read_table
directly) nothing is capped. The worker starts with
``ARROW_DEFAULT_MEMORY_POOL=system`` and ``MALLOC_ARENA_MAX=2``, so that what it allocates
shows in its address space (Arrow's mimalloc reserves 1 GiB up front; each glibc arena 64
MiB).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import psutil

MIB = 2**20
FLOOR = 384 * MIB
PER_CELL = 96
PER_BYTE = 40
CEILING = 1536 * MIB
LARGE = FLOOR + 64 * MIB  # a larger ceiling waits for the caller's leave (ingest/pool.py)
ENV_CEILING = "SURVEYTOOL_READER_MIB"
WORKER_ENV = {"ARROW_DEFAULT_MEMORY_POOL": "system", "MALLOC_ARENA_MAX": "2"}
WATCH_SECONDS = 0.02  # how often the caller's watchdog measures a worker without RLIMIT_AS

_enabled = False
_room: int | None = None
_tell: Callable[[int, int | None], None] | None = None


def enable(tell: Callable[[int, int | None], None] | None = None) -> None:
    """Called once by the worker: from now on :func:`cap` sets a ceiling and first passes it
    to ``tell`` as (budget, watch): ``watch`` is None when the worker enforces the ceiling
    itself (RLIMIT_AS), else the :func:`usage` figure past which the caller must end it. The
    worker sends both to the caller, who can then say why a reader died, and, for a ceiling
    above :data:`LARGE`, waits for the caller's leave (so that the workers together stay
    within a budget; see :mod:`surveytool.ingest.pool`)."""
    global _enabled, _tell
    _enabled = True
    _tell = tell


def ceiling() -> int:
    """CEILING, or less on a machine with little memory: ``SURVEYTOOL_READER_MIB`` (MiB)."""
    given = os.environ.get(ENV_CEILING, "")
    return min(CEILING, int(given) * MIB) if given.isdigit() and int(given) > 0 else CEILING


def budget(cells: int = 0, size: int = 0) -> int:
    """Bytes the reader may add: FLOOR, plus PER_CELL per sheet cell and PER_BYTE per byte
    of the file, at most :func:`ceiling`."""
    top = ceiling()
    return min(top, min(FLOOR, top) + PER_CELL * max(cells, 0) + PER_BYTE * max(size, 0))


def cap(cells: int = 0, size: int = 0) -> int | None:
    """Cap the worker's memory at its current :func:`usage` plus :func:`budget` (itself on
    Linux, through the caller's watchdog elsewhere); returns the budget in bytes (None when
    not in the worker)."""
    global _room
    if not _enabled:
        return None
    room = budget(cells, size)
    limits = rlimit()
    base = usage()
    if _tell is not None:
        _tell(room, None if limits else base + room)
    if limits is not None:
        _, hard = limits.getrlimit(limits.RLIMIT_AS)
        limit = usage() + room
        if hard != limits.RLIM_INFINITY:
            limit = min(limit, hard)
        limits.setrlimit(limits.RLIMIT_AS, (limit, hard))
    _room = room
    return room


def current() -> int | None:
    """The budget in force (bytes), or None."""
    return _room


def release() -> None:
    """Lift the cap (back to the hard limit) after a file."""
    global _room
    if not _enabled:
        return
    _room = None
    limits = rlimit()
    if limits is not None:
        _, hard = limits.getrlimit(limits.RLIMIT_AS)
        limits.setrlimit(limits.RLIMIT_AS, (hard, hard))


def rlimit() -> ModuleType | None:
    """The ``resource`` module where RLIMIT_AS is enforced (Linux), else None (Windows has
    no such module; macOS accepts the limit and ignores it)."""
    if not sys.platform.startswith("linux"):
        return None
    try:
        import resource
    except ImportError:
        return None
    return resource


def usage(pid: int | None = None) -> int:
    """Bytes of memory process ``pid`` (default: this one) holds, as its ceiling counts them:
    virtual size on Linux, committed private bytes on Windows, resident size elsewhere."""
    info: Any = psutil.Process(pid).memory_info()
    if sys.platform.startswith("linux") or sys.platform == "win32":
        return int(info.vms)
    return int(info.rss)


def precheck(path: Path, shown: str, suffix: str, extra_bytes: int = 0) -> None:
    """The checks every reader of a returned file runs first, then its memory cap: an HTML
    page or XML named .xls/.xlsx is refused, an xlsx is inspected (zip, XML, the scanned cell
    area; the cap follows its cells), anything else is capped by its size (plus
    ``extra_bytes``, e.g. the paired file of a platform export). Raises FileRejectedError."""
    from surveytool.ingest import files as fs
    from surveytool.ingest.table import fail

    if suffix in (".xlsx", ".xlsm", ".xls"):
        disguised = fs.disguised_as_excel(path)
        if disguised:
            raise fail(disguised, shown, suffix=suffix)
    if suffix in (".xlsx", ".xlsm"):
        # the reader parses the XML itself; the large parts of a file too small for the caller
        # to parse them beside the reader (pool.Reads._send) are parsed here (the band from
        # BESIDE_FROM to twice that by both, should the file change size in between)
        large = path.stat().st_size < 2 * fs.BESIDE_FROM
        inspection = fs.inspect_xlsx(path, strict=False, large=large)
        if inspection.reason:
            raise fail("file_unreadable", shown, detail=inspection.reason)
        cap(cells=inspection.cells)
    else:  # csv, xls, sav: what a reader holds grows with the file
        cap(size=path.stat().st_size + extra_bytes)
