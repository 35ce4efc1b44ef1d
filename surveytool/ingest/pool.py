"""The reader workers: one per core, each file read in one of them, answers handed back in
the order the files were given.

Every worker is a fresh interpreter (``python -m surveytool.ingest.sandbox``, see there why
not multiprocessing) that listens at an address chosen here (a Unix socket in a private
folder; a named pipe on Windows) for one connection proving a key only this process and the
worker know (multiprocessing's HMAC handshake, before anything is unpickled). The same code
runs on every system: no descriptor is handed over at start (``pass_fds`` is POSIX-only).
Its stdout and stderr go to a log file, so
a reader's crash report never reaches the user's terminal. Workers are kept between
ingests (their start-up, ~1 s of imports, is paid once per process) and stopped at exit.

:class:`Reads` sends files ahead to every worker (up to :data:`AHEAD` each, and beyond the
first at most :data:`AHEAD_BYTES` in all), so a worker never waits while the caller
validates and writes: on a 2-core machine both cores read while the caller works. A worker
that dies or does not answer in time costs only the file it was reading (rejected with our
message and the reason found by an exact scan when there is one); the files queued behind
it go to a fresh worker, and the batch goes on.

Memory: a worker reads a small file (every questionnaire form) within the floor of its
ceiling (:mod:`surveytool.ingest.memory`). Before raising its ceiling further for a large
file it asks the caller and waits; :meth:`Reads._grant` lets it go on when the ceilings
granted to the workers together stay within :func:`pool_budget` (``SURVEYTOOL_POOL_MIB``,
default :data:`BUDGET_MIB`) — or when no other worker holds one, so that a file too large
to share is still read, alone, with its full ceiling. The wait does not count against the
worker's time limit.

Where the worker cannot cap its own memory (Windows, macOS: see :mod:`surveytool.ingest.memory`)
it reports its ceiling as a figure of :func:`memory.usage`, and a watchdog thread here measures
it every :data:`memory.WATCH_SECONDS` and ends it past that figure: the file is rejected as
too large, like one that met RLIMIT_AS on Linux.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections import deque
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from multiprocessing.connection import wait
from pathlib import Path
from typing import Any

from surveytool.errors import problem
from surveytool.ingest import files as fs
from surveytool.ingest import memory
from surveytool.ingest.table import KIND, FileRejectedError
from surveytool.ingest.workers import (  # the processes themselves
    _IDLE,  # noqa: F401  (re-exported: tests, benchmarks)
    ENV_KEY,  # noqa: F401  (re-exported: sandbox)
    ENV_READERS,  # noqa: F401  (re-exported: tests)
    LISTEN_SECONDS,  # noqa: F401  (re-exported: sandbox)
    _Worker,
    give_back,
    pool_size,
    prestart,  # noqa: F401  (re-exported: the command line)
    stop_all,  # noqa: F401  (re-exported: tests, benchmarks, sandbox)
    take,
    watch,
)

BASE_SECONDS = 120  # per file, plus PER_MB_SECONDS per MB of the file
PER_MB_SECONDS = 20
START_SECONDS = 120  # the worker's imports
AHEAD = 64  # files sent to one worker before it has answered the first
AHEAD_BYTES = 32 * 2**20  # ... and, beyond one file per worker, at most this many bytes
BUDGET_MIB = 850  # the large ceilings granted at once, together: 1 GiB less the caller's share
ENV_BUDGET = "SURVEYTOOL_POOL_MIB"


def pool_budget() -> int:
    """Bytes of large ceilings the workers may hold at once: ``SURVEYTOOL_POOL_MIB`` (MiB)
    when set, else :data:`BUDGET_MIB`."""
    given = os.environ.get(ENV_BUDGET, "")
    return (int(given) if given.isdigit() else BUDGET_MIB) * memory.MIB


@dataclass(eq=False)
class Job:
    """One request: ``msg`` for the worker about ``path``; ``key`` is the caller's own."""

    path: Path
    msg: tuple
    key: Any = None
    size: int = 0
    damaged: str | None = None  # a large XML part found damaged by the caller's check
    outcome: Any = None  # the value, or the FileRejectedError
    done: bool = False


class Reads:
    """A reading session on up to ``workers`` workers. ``setup`` is sent once to each
    worker before its first job (the bank); use as a context manager."""

    def __init__(self, setup: tuple | None, token: int | None, workers: int = 1):
        self.setup, self.token = setup, token
        self.size = max(1, min(workers, pool_size()))
        self.workers = [take() for _ in range(self.size)]
        self.budget = pool_budget()

    def run(self, jobs: Iterable[Job]) -> Iterator[Job]:
        """Each job once done (``outcome`` set), in the order given. A job's outcome is a
        FileRejectedError (ours) when the file is refused, damaged, crashes or hangs."""
        feed = iter(jobs)
        order: deque[Job] = deque()
        waiting: Job | None = None
        while True:
            while True:
                if waiting is None and (waiting := next(feed, None)):
                    waiting.size = _size(waiting.path)
                w = self._room(waiting, order) if waiting else None
                if w is None:
                    break
                self._send(w, waiting)
                order.append(waiting)
                waiting = None
            if not order:
                return
            if order[0].done:
                self._receive(block=False)  # keep answers flowing: a full socket stalls a worker
                yield order.popleft()
                continue
            self._receive()

    def _room(self, job: Job, order: deque[Job]) -> _Worker | None:
        """The worker to send ``job`` to now, or None while all have enough to do. Files
        sent and not yet handed back (read or not) are at most :data:`AHEAD` per worker and
        :data:`AHEAD_BYTES`, beyond one per worker: a worker stuck on a large file cannot
        make the others' answers pile up without bound. Nothing is sent while a worker waits
        for a grant (the others finish what they have), nor to an idle worker while a grant
        leaves no room in the budget for the floor of one more."""
        w = min(self.workers, key=lambda x: len(x.sent))
        if len(order) >= AHEAD * len(self.workers) or self._waiting():
            return None
        if not w.sent and any(x.granted for x in self.workers) and not self._fits(memory.budget()):
            return None
        held = sum(j.size for j in order)
        if not w.sent and (len(order) < len(self.workers) or held + job.size <= AHEAD_BYTES):
            return w
        if len(w.sent) < AHEAD and held + job.size <= AHEAD_BYTES:
            return w
        return None

    def _send(self, w: _Worker, job: Job) -> None:
        with contextlib.suppress(OSError):  # it died: its end of file is read next (_receive)
            if w.bank_token != self.token and self.setup is not None:
                w.conn.send(self.setup)
                w.bank_token = self.token
            w.conn.send(job.msg)
        if not w.sent:
            w.reading(time.monotonic())
        w.sent.append(job)
        # a smaller file has its parts above WELLFORMED_MAX parsed by the worker itself
        if job.path.suffix.lower() in (".xlsx", ".xlsm") and job.size >= fs.BESIDE_FROM:
            job.damaged = fs.large_parts_reason(job.path)  # while a worker reads it

    def _receive(self, block: bool = True) -> None:
        """Take the messages waiting from busy workers, then grant what can be granted; with
        ``block``, wait for at least one message or for a worker to run out of time (a worker
        waiting for a grant is not timed)."""
        busy = [w for w in self.workers if w.sent]
        timed = [w for w in busy if w.asked is None]
        due = min((_due(w) for w in timed), default=None)
        pause = None if due is None else max(0.0, due - time.monotonic())
        ready = wait([w.conn for w in busy], pause if block else 0) if busy else []
        if not ready and block:
            for w in timed:
                if time.monotonic() >= _due(w):
                    job = w.sent[0]
                    seconds = int(_timeout(job))
                    self._lost(w, problem("file_reader_timeout", **_about(job), seconds=seconds))
        for w in busy:
            if w.conn not in ready:
                continue
            try:
                answer = w.conn.recv()
            except (EOFError, OSError):
                self._lost(w, _death(w))
                continue
            if answer[0] in ("cap", "ask"):  # the ceiling for the file it reads (memory.cap)
                w.room = answer[1]
                watch(w, answer[2] if len(answer) > 2 else None)
                w.asked = time.monotonic() if answer[0] == "ask" else None  # it waits
                continue
            job = w.sent.popleft()
            job.outcome, job.done = _outcome(job, answer), True
            w.reading(time.monotonic())
        self._grant()

    def _grant(self) -> None:
        """Let the workers waiting to raise their ceiling go on, first asked first served:
        when its ceiling fits in the budget beside the other busy workers' (their grant, or
        the floor while they read a small file or wait), or when none of them is reading (a
        file too large to share is read alone). A grant ends with the worker's answer, death
        or time-out."""
        for w in sorted(self._waiting(), key=_asked):
            reading = [x for x in self.workers if x is not w and x.sent and x.asked is None]
            if reading and not self._fits(w.room or 0, but=w):
                return
            with contextlib.suppress(OSError):  # it died: its end of file is read next
                w.conn.send(("grant",))
            now = time.monotonic()
            w.since, w.asked, w.granted = w.since + now - _asked(w), None, True

    def _waiting(self) -> list[_Worker]:
        """The workers waiting for a grant."""
        return [x for x in self.workers if x.asked is not None]

    def _fits(self, room: int, but: _Worker | None = None) -> bool:
        """Whether ``room`` more fits in the budget beside the busy workers (except ``but``):
        each counts its grant, or the floor of its ceiling."""
        floor = memory.budget()
        held = sum(
            (x.room or 0) if x.granted else floor for x in self.workers if x.sent and x is not but
        )
        return held + room <= self.budget

    def _lost(self, w: _Worker, reason: Any) -> None:
        """Worker ``w`` died or hung on its first job: that file is rejected for ``reason``;
        a fresh worker takes its place and the jobs queued behind."""
        job = w.sent.popleft()
        job.outcome, job.done = FileRejectedError([reason]), True
        rest = list(w.sent)
        w.sent.clear()
        w.stop(gently=False)
        fresh = _Worker()
        self.workers[self.workers.index(w)] = fresh
        for j in rest:
            self._send(fresh, j)

    def close(self) -> None:
        """Give the workers back; one with unanswered jobs (an error or Ctrl-C in the
        caller) is stopped, so no stale answer reaches a later request."""
        for w in self.workers:
            give_back(w)
        self.workers = []

    def __enter__(self) -> Reads:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:  # gone: the worker says so
        return 0


def _timeout(job: Job) -> float:
    return BASE_SECONDS + PER_MB_SECONDS * job.size / 2**20


def _due(w: _Worker) -> float:
    """When the worker's time for the file it reads runs out."""
    return w.since + _timeout(w.sent[0]) + START_SECONDS


def _asked(w: _Worker) -> float:
    return w.asked or 0.0


def _about(job: Job) -> dict[str, str]:
    return {"file": job.path.name, "kind": KIND}


def _outcome(job: Job, answer: tuple) -> Any:
    kind, value = answer
    if job.damaged and kind == "ok":
        return FileRejectedError([problem("file_unreadable", **_about(job), detail=job.damaged)])
    if kind == "ok":
        return value
    if kind == "rejected":
        return FileRejectedError(value)
    return FileRejectedError([problem("file_reader_failed", **_about(job), detail=value)])


def _death(w: _Worker) -> Any:
    """Why worker ``w`` died on its file: ended by the watchdog past its ceiling (as if it
    had met RLIMIT_AS), or crashed (:func:`_why`)."""
    job = w.sent[0]
    if w.over and w.room:
        return problem("file_too_big", **_about(job), mib=f"{w.room // memory.MIB:,}")
    return problem("file_reader_crashed", **_about(job), detail=_why(job.path, w.room))


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
