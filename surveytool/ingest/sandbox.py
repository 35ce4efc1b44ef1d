"""Reading untrusted files in a worker process, so that a reader that aborts cannot take the
user's whole batch down.

The spreadsheet reader (calamine, through fastexcel) aborts the whole process when a sheet
has a cell far away from the others (it allocates rows × columns at once and Rust aborts on
allocation failure; measured: a 5 KB file with one cell at XFD200000). No exception can catch
that. So :class:`SafeReader` runs :func:`~surveytool.ingest.read.read_table` in one long-lived
worker process (a fresh interpreter, ``python -m surveytool.ingest.sandbox``, talking over a
socket pair), one file at a time. When the worker dies or does not answer in time, the file
is rejected with one of our Chinese messages — with the reason found by a slower exact scan
when there is one — a new worker is started, and the batch goes on. The worker's stdout and
stderr go to a log file, so a reader's crash report never reaches the user's terminal.

A fresh interpreter rather than multiprocessing: fork would copy the parent's threads'
locks and its open database, and spawn/forkserver re-run the caller's ``__main__`` (which
fails from a notebook cell or stdin).
"""

from __future__ import annotations

import atexit
import itertools
import os
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from surveytool.bank.model import Bank
from surveytool.errors import Problem, problem
from surveytool.ingest import files as fs
from surveytool.ingest import memory
from surveytool.ingest.options import ReadOptions
from surveytool.ingest.table import KIND, FileRejectedError, Table

BASE_SECONDS = 120  # per file, plus PER_MB_SECONDS per MB of the file
PER_MB_SECONDS = 20
START_SECONDS = 120  # the worker's imports
PACKAGE_ROOT = Path(__file__).resolve().parents[2]  # the folder holding surveytool/


def serve(conn: Connection) -> None:
    """The worker: ("bank", bank, expected) sets the bank; ("read", path, options, pair)
    reads a file; ("rows", path) reads a platform export's first sheet as text (for
    ``surveytool map``); None stops."""
    import resource

    from surveytool.ingest.export_read import export_rows
    from surveytool.ingest.read import read_table

    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))  # an abort leaves no core file
    memory.enable(lambda room: conn.send(("cap", room)))
    bank = expected = None
    while True:
        try:
            msg = conn.recv()
        except (EOFError, OSError):  # the caller is gone (killed): so are we
            return
        if msg is None:
            return
        if msg[0] == "bank":
            _, bank, expected = msg
            continue
        try:
            memory.cap()  # the floor, until the checks know what the reader will allocate
            if msg[0] == "rows":
                answer: tuple = ("ok", export_rows(msg[1]))
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


class _Worker:
    """The worker process, its connection, its log file and the bank it holds."""

    def __init__(self) -> None:
        fd, self.log = tempfile.mkstemp(prefix="surveytool-reader-", suffix=".log")
        os.close(fd)
        ours, theirs = socket.socketpair()
        env = {**os.environ, **memory.WORKER_ENV}
        env["PYTHONPATH"] = os.pathsep.join(
            [str(PACKAGE_ROOT), *filter(None, [env.get("PYTHONPATH")])]
        )
        with Path(self.log).open("ab") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "surveytool.ingest.sandbox", str(theirs.fileno())],
                pass_fds=(theirs.fileno(),),
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
                env=env,
            )
        theirs.close()
        self.conn = Connection(ours.detach())
        self.bank_token: int | None = None

    def alive(self) -> bool:
        return self.proc.poll() is None

    def stop(self, gently: bool = True) -> None:
        if gently and self.alive():
            try:
                self.conn.send(None)
                self.proc.wait(5)
            except (OSError, subprocess.TimeoutExpired):
                pass
        if self.alive():
            self.proc.kill()
            self.proc.wait(5)
        self.conn.close()
        Path(self.log).unlink(missing_ok=True)


# One worker per process, shared by every ingest (its start-up, ~1 s of imports, is paid
# once); the lock keeps one file at a time on it.
_LOCK = threading.Lock()
_TOKENS = itertools.count()
_WORKER: _Worker | None = None


def _worker() -> _Worker:
    global _WORKER
    if _WORKER is None or not _WORKER.alive():
        if _WORKER is not None:
            _WORKER.stop(gently=False)
        _WORKER = _Worker()
    return _WORKER


def _drop_worker() -> None:
    global _WORKER
    if _WORKER is not None:
        _WORKER.stop(gently=False)
    _WORKER = None


@atexit.register
def _stop_worker() -> None:
    global _WORKER
    if _WORKER is not None:
        _WORKER.stop()
    _WORKER = None


class SafeReader:
    """``read(path, options, pair)`` -> Table, in the worker process; raises
    FileRejectedError (ours) for a file that crashes or hangs the reader."""

    def __init__(self, bank: Bank, expected: dict):
        self.bank = bank
        self.expected = expected
        self.token = next(_TOKENS)  # never reused, unlike id(self)
        with _LOCK:
            _worker()  # its imports overlap with the caller's work until the first file

    def read(self, path: Path, options: ReadOptions, pair: Path | None) -> Table:
        """Read one file in the worker."""
        with _LOCK:
            w = _worker()
            if w.bank_token != self.token:
                w.conn.send(("bank", self.bank, self.expected))
                w.bank_token = self.token
            return _request(w, ("read", path, options, pair), path)

    def close(self) -> None:
        """Nothing to release: the worker stays for the next ingest (stopped at exit)."""

    def __enter__(self) -> SafeReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def read_rows(path: Path) -> tuple[list, list[list]]:
    """(header, data rows) of a platform export's first sheet, read in the worker. Raises
    FileRejectedError (ours) for a file that is refused, crashes or hangs the reader."""
    with _LOCK:
        return _request(_worker(), ("rows", path), path)


def _request(w: _Worker, msg: tuple, path: Path) -> Any:  # a Table, or the rows of read_rows
    """Send ``msg`` about ``path`` to the worker and return its result. While it reads, the
    XML parts too big for the worker's prechecks are checked strictly here. Raises
    FileRejectedError (ours) for a file that is refused, damaged, crashes or hangs."""
    w.conn.send(msg)
    try:
        size = path.stat().st_size
        damaged = None
        # smaller files cannot hold a part above WELLFORMED_MAX that passes the ratio check
        if path.suffix.lower() in (".xlsx", ".xlsm") and size > fs.SMALLEST_LARGE:
            damaged = fs.large_parts_reason(path)
        kind, value = _answer(w, path, BASE_SECONDS + PER_MB_SECONDS * size / 2**20)
    except FileRejectedError:
        raise  # _answer has dropped the worker
    except BaseException:  # e.g. Ctrl-C, or the file vanished: the answer must not reach
        _drop_worker()  # the next request, so this worker goes
        raise
    if damaged and kind == "ok":
        raise FileRejectedError(
            [problem("file_unreadable", file=path.name, kind=KIND, detail=damaged)]
        )
    if kind == "ok":
        return value
    if kind == "rejected":
        raise FileRejectedError(value)
    raise FileRejectedError(
        [problem("file_reader_failed", file=path.name, kind=KIND, detail=value)]
    )


def _answer(w: _Worker, path: Path, timeout: float) -> tuple:
    """The worker's answer, or our error when it died or did not answer in time. The worker
    first says what memory ceiling it set for the file (("cap", bytes), see memory.cap)."""
    deadline = time.monotonic() + timeout + START_SECONDS
    room = None
    while True:
        if not w.conn.poll(max(0.0, deadline - time.monotonic())):
            _drop_worker()
            raise FileRejectedError(
                [problem("file_reader_timeout", file=path.name, kind=KIND, seconds=int(timeout))]
            )
        try:
            answer = w.conn.recv()
        except (EOFError, OSError):
            _drop_worker()
            raise FileRejectedError(
                [problem("file_reader_crashed", file=path.name, kind=KIND, detail=_why(path, room))]
            ) from None
        if answer[0] != "cap":
            return answer
        room = answer[1]


def _why(path: Path, room: int | None = None) -> str:
    """The reason a reader died: a sheet too large, found by an exact scan, or else the
    memory ceiling the worker had set for the file (the likeliest cause)."""
    if path.suffix.lower() in (".xlsx", ".xlsm"):
        reason = fs.scan_extent(path)
        if reason:
            return reason
    if room:
        return f"读取所需的内存多半超过了为这个文件设定的上限 {room // 2**20:,} MB"
    return "文件可能已损坏或内容异常"


if __name__ == "__main__":
    serve(Connection(int(sys.argv[1])))
