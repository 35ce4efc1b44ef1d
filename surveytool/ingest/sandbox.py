"""Reading untrusted files in worker processes, so that a reader that aborts cannot take the
user's whole batch down.

The spreadsheet reader (calamine, through fastexcel) aborts the whole process when a sheet
has a cell far away from the others (it allocates rows × columns at once and Rust aborts on
allocation failure; measured: a 5 KB file with one cell at XFD200000). No exception can catch
that. So :class:`SafeReader` runs :func:`~surveytool.ingest.read.read_table` in long-lived
worker processes, one per core (:mod:`surveytool.ingest.pool` starts them, sends them files
and collects the answers in order), each reading one file at a time. When a worker dies or
does not answer in time, its file is rejected with one of our Chinese messages — with the
reason found by a slower exact scan when there is one — a new worker takes its place, and
the batch goes on. This module is also the worker's program (:func:`serve`).

A fresh interpreter rather than multiprocessing: fork would copy the parent's threads'
locks and its open database, and spawn/forkserver re-run the caller's ``__main__`` (which
fails from a notebook cell or stdin). The worker listens at an address the caller chose
(a Unix socket; a named pipe on Windows) for one connection proving the caller's key.
"""

from __future__ import annotations

import itertools
import os
import re
import sys
import threading
from collections import deque
from collections.abc import Iterable, Iterator
from multiprocessing import AuthenticationError
from multiprocessing.connection import Connection, Listener
from pathlib import Path
from typing import Any

from surveytool.bank.model import Bank
from surveytool.errors import Problem, problem
from surveytool.ingest import memory, pool
from surveytool.ingest.options import ReadOptions
from surveytool.ingest.pool import Job, Reads
from surveytool.ingest.table import KIND, FileRejectedError, Table


def serve(conn: Connection) -> None:
    """The worker: ("bank", bank, expected) sets the bank; ("read", path, options, pair)
    reads a file; ("rows", path) reads a platform export's first sheet as text (for
    ``surveytool map``); ("sheets", path) every sheet as text (``bank-from``); ("call",
    kind, path, args) runs another reader (:mod:`surveytool.ingest.isolated`); None stops.
    It tells the caller the memory ceiling of each file (("cap", bytes)), or asks for it
    (("ask", bytes)) and waits for ("grant",)."""
    from surveytool.ingest.export_read import export_rows, export_sheets
    from surveytool.ingest.read import read_table

    quiet_crashes()
    inbox: deque = deque()  # files sent while it waited for a grant

    def tell(room: int, watch: int | None) -> None:
        if room <= memory.LARGE:
            conn.send(("cap", room, watch))
            return
        conn.send(("ask", room, watch))
        while (msg := _recv(conn)) != ("grant",):
            inbox.append(msg)

    memory.enable(tell)
    bank = expected = None
    while True:
        msg = inbox.popleft() if inbox else _recv(conn)
        if msg is None:
            return
        if msg[0] == "bank":
            _, bank, expected = msg
            continue
        try:
            memory.cap()  # the floor, until the checks know what the reader will allocate
            if msg[0] == "rows":
                answer: tuple = ("ok", export_rows(msg[1]))
            elif msg[0] == "sheets":
                answer = ("ok", export_sheets(msg[1]))
            elif msg[0] == "call":  # notes, lists, method files (ingest/isolated.py)
                from surveytool.ingest.isolated import call

                answer = ("ok", call(*msg[1:]))
            else:
                _, path, options, pair = msg
                answer = ("ok", read_table(path, bank, expected, options, pair))
        except FileRejectedError as exc:
            answer = ("rejected", exc.problems)
        except MemoryError:
            answer = ("rejected", [_too_big(msg[1], memory.current())])
        except Exception as exc:  # a reader failing on a strange file: report, go on
            answer = ("failed", _failure(exc))
        finally:
            memory.release()
        conn.send(answer)


def quiet_crashes() -> None:
    """A reader that aborts leaves no trace but its exit: no core file (POSIX), no Windows
    error-reporting dialog waiting for a click (which would hold the worker until its time
    runs out)."""
    try:
        import resource
    except ImportError:
        resource = None  # Windows
    if resource is not None:
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    if sys.platform == "win32":
        import ctypes

        # SEM_FAILCRITICALERRORS | SEM_NOGPFAULTERRORBOX | SEM_NOOPENFILEERRORBOX
        ctypes.windll.kernel32.SetErrorMode(0x0001 | 0x0002 | 0x8000)  # type: ignore[attr-defined]


def listen(address: str, key: bytes, seconds: float) -> Connection:
    """The caller's connection at ``address`` (it must prove ``key``); exits when none
    comes within ``seconds`` (the caller is gone)."""
    timer = threading.Timer(seconds, os._exit, (0,))
    timer.daemon = True
    timer.start()
    with Listener(address, authkey=key) as listener:
        conn = listener.accept()
    timer.cancel()
    return conn


def _recv(conn: Connection) -> Any:
    try:
        return conn.recv()
    except (EOFError, OSError):  # the caller is gone (killed): so are we
        raise SystemExit(0) from None


def _too_big(path: Path, room: int | None) -> Problem:
    mib = (room or 0) // 2**20
    return problem("file_too_big", file=path.name, kind=KIND, mib=f"{mib:,}")


def _failure(exc: Exception) -> str:
    """A reader's unexpected exception as the detail of file_reader_failed: its type, and
    its text only when that is not English internals."""
    text = str(exc).splitlines()[0][:120] if str(exc) else ""
    return (
        f"{type(exc).__name__}：{text}"
        if re.search(r"[\u4e00-\u9fff]", text)
        else (f"程序内部错误 {type(exc).__name__}")
    )


class SafeReader:
    """Reads files in the reader workers (:mod:`surveytool.ingest.pool`): ``read_all`` many
    at once on every core, ``read`` one. A file that crashes or hangs a reader is a
    FileRejectedError (ours), never the caller's crash."""

    def __init__(self, bank: Bank, expected: dict, files: int = 1):
        self.bank = bank
        self.expected = expected
        self.token = next(_TOKENS)  # never reused, unlike id(self)
        # the workers' imports overlap with the caller's work until the first file
        self.reads = Reads(("bank", bank, expected), self.token, workers=files)

    def read_all(self, jobs: Iterable[tuple[Path, ReadOptions, Path | None, Any]]) -> Iterator:
        """(key, Table or FileRejectedError) for each (path, options, pair, key) of ``jobs``,
        in their order; ``jobs`` is drawn from as workers have room."""
        todo = (Job(p, ("read", p, o, pair), key) for p, o, pair, key in jobs)
        for job in self.reads.run(todo):
            yield job.key, job.outcome

    def read(self, path: Path, options: ReadOptions, pair: Path | None) -> Table:
        """Read one file in a worker. Raises FileRejectedError (ours)."""
        ((_, outcome),) = self.read_all([(path, options, pair, None)])
        if isinstance(outcome, FileRejectedError):
            raise outcome
        return outcome

    def close(self) -> None:
        """Give the workers back (they stay for the next ingest; stopped at exit)."""
        self.reads.close()

    def __enter__(self) -> SafeReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def read_rows(path: Path) -> tuple[list, list[list]]:
    """(header, data rows) of a platform export's first sheet, read in a worker. Raises
    FileRejectedError (ours) for a file that is refused, crashes or hangs the reader."""
    with Reads(None, None) as reads:
        (job,) = reads.run([Job(path, ("rows", path))])
    if isinstance(job.outcome, FileRejectedError):
        raise job.outcome
    return job.outcome


def read_sheets(path: Path) -> dict[str, list[list]]:
    """Every sheet of a workbook (or a CSV) as rows of text, read in a worker. Raises
    FileRejectedError (ours) for a file that is refused, crashes or hangs the reader."""
    with Reads(None, None) as reads:
        (job,) = reads.run([Job(path, ("sheets", path))])
    if isinstance(job.outcome, FileRejectedError):
        raise job.outcome
    return job.outcome


_TOKENS = itertools.count()
_Worker = pool._Worker  # the worker process (measured by tests/peak.py)
_stop_worker = pool.stop_all  # stop the idle workers (the tests' and benchmarks' name)


def main(address: str) -> None:
    """The worker's program: wait at ``address`` for the caller, then :func:`serve` it."""
    key = bytes.fromhex(os.environ.pop(pool.ENV_KEY, ""))
    try:
        conn = listen(address, key, pool.LISTEN_SECONDS)
    except (OSError, EOFError, AuthenticationError):  # not our caller
        return
    serve(conn)


if __name__ == "__main__":
    main(sys.argv[1])
