"""The reader worker processes themselves: starting one (a fresh interpreter running
:mod:`surveytool.ingest.sandbox`, connected with a key only the two of them know), the
watchdog that holds a worker to its memory ceiling where it cannot cap itself, and the idle
workers kept between ingests. :mod:`surveytool.ingest.pool` sends them files.

Light on purpose (the standard library, psutil and :mod:`surveytool.ingest.memory`): the
command line starts the workers (:func:`prestart`) before it imports pandas and the rest of
ingest, so the workers' own imports (about 0.6 s) overlap the caller's.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import secrets
import subprocess
import sys
import tempfile
import threading
import time
from collections import deque
from multiprocessing import AuthenticationError
from multiprocessing import connection as mpc
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import psutil

from surveytool.ingest import memory

LISTEN_SECONDS = 120  # a worker not listening by then is lost; one not called by then exits
ENV_READERS = "SURVEYTOOL_READERS"  # how many workers (default: one per core)
PACKAGE_ROOT = Path(__file__).resolve().parents[2]  # the folder holding surveytool/
ENV_KEY = "SURVEYTOOL_READER_KEY"  # the worker's key (hex), in its environment only
FAMILY = "AF_PIPE" if sys.platform == "win32" else "AF_UNIX"


def pool_size() -> int:
    """How many reader workers: ``SURVEYTOOL_READERS`` when set, else ``os.cpu_count()``."""
    given = os.environ.get(ENV_READERS, "")
    if given.isdigit() and int(given) > 0:
        return int(given)
    return max(os.cpu_count() or 1, 1)


class _Worker:
    """A worker process, its connection, its log file, the bank it holds and the jobs sent
    to it and not yet answered (the first is the one it is reading)."""

    def __init__(self) -> None:
        fd, self.log = tempfile.mkstemp(prefix="surveytool-reader-", suffix=".log")
        os.close(fd)
        self.address = mpc.arbitrary_address(FAMILY)
        self.key = secrets.token_bytes(32)
        with Path(self.log).open("ab") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "surveytool.ingest.sandbox", self.address],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=log,
                env=_worker_env(self.key),
            )
        # connected while the worker imports (about a second) and the caller goes on
        self._conn: Connection | None = None
        self._connecting = threading.Thread(target=self._connect, daemon=True)
        self._connecting.start()
        self.bank_token: int | None = None
        self.sent: deque[Any] = deque()  # the pool's jobs
        self.watch: int | None = None  # the usage() past which the watchdog ends it
        self.over: int | None = None  # the usage() at which the watchdog ended it
        self.reading(0.0)

    @property
    def conn(self) -> Connection:
        """The connection to the worker (one that reads as closed if it never listened)."""
        self._connecting.join()
        assert self._conn is not None
        return self._conn

    def _connect(self) -> None:
        """Connect to the worker once it listens (it imports first); a worker that exits or
        does not listen within LISTEN_SECONDS gets a closed connection: its file is lost."""
        deadline = time.monotonic() + LISTEN_SECONDS
        while self.alive() and time.monotonic() < deadline:
            try:
                self._conn = mpc.Client(self.address, FAMILY, authkey=self.key)
                return
            except (OSError, EOFError, AuthenticationError):
                time.sleep(0.01)
        self._conn = _closed()

    def reading(self, now: float) -> None:
        """The first job of ``sent`` (if any) becomes the one being read, from ``now``."""
        self.since = now  # when it started (moved on by the time spent waiting for a grant)
        self.room: int | None = None  # the memory ceiling the worker set for it
        self.asked: float | None = None  # since when it waits for leave to raise its ceiling
        self.granted = False  # it was given leave: its room counts against the budget
        self.watch = None

    def alive(self) -> bool:
        return self.proc.poll() is None

    def stop(self, gently: bool = True) -> None:
        _WATCHED.discard(self)
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
        with contextlib.suppress(OSError):  # Windows: still open by a dying worker
            Path(self.log).unlink(missing_ok=True)


def _worker_env(key: bytes) -> dict[str, str]:
    """A worker's environment: ours, the memory settings, the key, and PYTHONPATH leading to
    this copy of surveytool (and keeping the caller's, e.g. the Windows simulation's shim)."""
    env = {**os.environ, **memory.WORKER_ENV, ENV_KEY: key.hex()}
    env["PYTHONPATH"] = os.pathsep.join([str(PACKAGE_ROOT), *filter(None, [env.get("PYTHONPATH")])])
    return env


def _closed() -> Connection:
    """A connection whose other end is closed: sending fails, receiving reads its end."""
    ours, theirs = mpc.Pipe()
    theirs.close()
    return ours


# Workers whose ceiling the watchdog holds (those that cannot cap themselves).
_WATCHED: set[_Worker] = set()
_WATCHDOG: list[threading.Thread] = []


def watch(w: _Worker, limit: int | None) -> None:
    """Hold worker ``w`` to ``limit`` bytes of :func:`memory.usage` (None: it caps itself)."""
    w.watch = limit
    if limit is None:
        return
    _WATCHED.add(w)
    with _LOCK:
        if not _WATCHDOG:
            _WATCHDOG.append(threading.Thread(target=_watchdog, daemon=True, name="reader-watch"))
            _WATCHDOG[0].start()


def _watchdog() -> None:
    """Measure the watched workers every WATCH_SECONDS; end one past its limit."""
    while True:
        time.sleep(memory.WATCH_SECONDS)
        for w in list(_WATCHED):
            limit = w.watch
            if limit is None or not w.alive():
                continue
            try:
                used = memory.usage(w.proc.pid)
            except psutil.Error:  # it just ended
                continue
            if used > limit:
                w.over = used
                with contextlib.suppress(OSError):
                    w.proc.kill()


# Idle workers, shared by every ingest of this process; a worker in use belongs to one
# Reads only (two ingests in two threads take two sets of workers).
_LOCK = threading.Lock()
_IDLE: list[_Worker] = []


def take() -> _Worker:
    """An idle live worker, or a new one."""
    with _LOCK:
        while _IDLE:
            w = _IDLE.pop()
            if w.alive():
                return w
            w.stop(gently=False)
    return _Worker()


def give_back(w: _Worker) -> None:
    """Return a worker after use: kept when alive with nothing pending, else stopped."""
    if w.sent or not w.alive():
        w.sent.clear()
        w.stop(gently=False)
        return
    with _LOCK:
        _IDLE.append(w)


@atexit.register
def stop_all() -> None:
    """Stop the idle workers (at exit). An idle worker holds nothing (no file, no answer
    owed), so it is ended at once: a gentle stop waited for its interpreter to tear down
    pandas and its memory, 0.1-0.3 s of every command's exit."""
    with _LOCK:
        idle = list(_IDLE)
        _IDLE.clear()
    for w in idle:
        w.stop(gently=False)


def prestart(files: int) -> None:
    """Start the workers an ingest of ``files`` files will take (one per file, at most one
    per core), unless that many are idle already: they import while the caller does."""
    want = max(1, min(files, pool_size()))
    with _LOCK:
        missing = want - sum(w.alive() for w in _IDLE)
    for _ in range(missing):
        w = _Worker()
        with _LOCK:
            _IDLE.append(w)
