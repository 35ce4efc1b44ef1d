"""Drawing a report's charts, in worker processes when that pays off.

A chart is described by a :class:`Chart` (the name of a builder in
:mod:`surveytool.charts.figures` and its arguments: plain, picklable data) and drawn to PNG
bytes by :func:`png`, the same function in this process or in a worker, so a chart's bytes do
not depend on where it was drawn. :class:`Painter` takes each chart as soon as its data is
ready and writes its file (whole or not at all) once it is drawn.

With several charts and several cores, a Painter draws in a pool of worker processes (one
per core, at most one per chart; ``SURVEYTOOL_CHART_WORKERS`` sets the number, 0 for none).
The caller starts it before its analysis, and every worker draws a small chart at once
(:func:`warm`), so that start-up is spent on other cores while the caller computes, and
the caller never imports matplotlib. The caller may hand the pool other work meanwhile
(:attr:`Painter.executor`: the report has the open answers' keywords computed there). On
Linux, when the caller runs no other thread (the command line), workers are forked: they
start with what is imported already, and no database is open yet. Elsewhere (Windows, macOS,
the web app's request threads) they are spawned: a fresh interpreter each, about a second of
imports. With fewer charts than :data:`MIN_CHARTS` or one core, charts are drawn here, as
they are requested. Measured on a 10,000 x 50 table, 2 cores, the whole ``surveytool
report`` process: 6.2 s drawing its 6 charts itself, 5.2-5.4 s with them drawn in workers,
4.0-4.5 s with the open answers there too.

Nothing is kept between reports: the pool lives as long as its ``with`` block. A worker that
raises or dies stops the report with one of our messages (:class:`~surveytool.errors.ChartError`),
and the pool's processes are ended before that message is raised. A worker ignores Ctrl+C
(the caller ends the pool) and ends itself when the caller dies without ending it.
"""

from __future__ import annotations

import io
import multiprocessing
import multiprocessing.connection
import os
import pickle
import signal
import sys
import threading
import time
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from surveytool.atomic import write_atomic
from surveytool.errors import ChartError, problem

MIN_CHARTS = 3  # fewer are drawn in this process: a worker's start-up would cost more
WORKERS_VARIABLE = "SURVEYTOOL_CHART_WORKERS"  # a number of workers chosen by hand (0: none)


@dataclass(frozen=True)
class Chart:
    """One chart to draw: ``figures.<builder>(*args, **kwargs)``; ``title`` names it in a
    message when it cannot be drawn."""

    builder: str
    args: tuple = ()
    kwargs: dict[str, Any] = field(default_factory=dict)
    title: str = ""


def png(chart: Chart) -> bytes:
    """The chart drawn as PNG bytes (150 dpi). Runs in a worker or in this process."""
    from surveytool.charts import DPI, figures

    build = getattr(figures, chart.builder)
    fig = build(*chart.args, **chart.kwargs)
    buffer = io.BytesIO()
    fig.savefig(buffer, dpi=DPI, format="png")
    return buffer.getvalue()


def png_of(data: bytes) -> bytes:
    """:func:`png` of a pickled chart (in a worker process)."""
    return png(pickle.loads(data))  # bytes this report pickled


def warm() -> None:
    """A worker's start-up, done while the caller is still computing: draw a small chart,
    so that matplotlib's modules, the Agg backend, PNG writing and the Chinese font are
    loaded before the first real chart arrives (half of a cold first chart's time)."""
    png(Chart("hbar", (["预热"], [50.0], [1], "预热")))


PARENT_POLL = 0.5  # seconds between a worker's checks that the report's process is alive


def _worker_setup() -> None:
    """Run first in every worker: Ctrl+C is left to the report's process (which ends the
    pool), and the worker ends itself when that process dies without ending it (killed):
    no worker outlives its report."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    parent = os.getppid()
    handle = getattr(multiprocessing.parent_process(), "sentinel", None)

    def watch() -> None:
        if os.name == "nt" and handle is not None:  # the parent's process handle
            multiprocessing.connection.wait([handle])
        else:  # POSIX: an orphan is handed to another parent
            while os.getppid() == parent:
                time.sleep(PARENT_POLL)
        os._exit(1)

    threading.Thread(target=watch, name="surveytool-parent-watch", daemon=True).start()


def start_method() -> str:
    """``fork`` on Linux when this process runs no other Python thread (the command line):
    a worker then starts in milliseconds with what is imported already; else ``spawn``
    (Windows, macOS, the web app's request threads), a fresh interpreter."""
    if sys.platform == "linux" and threading.active_count() == 1:
        return "fork"
    return "spawn"


def workers_for(charts: int) -> int:
    """How many worker processes draw ``charts`` charts: one per core, at most one per
    chart; 0 (draw here) with fewer than
    :data:`MIN_CHARTS` charts or one core. The environment variable
    ``SURVEYTOOL_CHART_WORKERS`` overrides the count (0: every chart drawn here)."""
    chosen = os.environ.get(WORKERS_VARIABLE, "").strip()
    if chosen.isdigit():
        return min(int(chosen), charts)
    cores = os.cpu_count() or 1
    if cores < 2 or charts < MIN_CHARTS:
        return 0
    return min(cores, charts)


def write_png(path: Path, data: bytes) -> Path:
    """Write PNG bytes to ``path`` whole or not at all."""
    return write_atomic(path, lambda tmp: tmp.write_bytes(data))


class Painter:
    """Draws charts and writes their files: here (``workers=0``), or in a pool of ``workers``
    processes started at once. Use it as a context manager; :meth:`finish` waits until every
    file is written."""

    def __init__(self, workers: int = 0) -> None:
        self.workers = workers
        self._pool: ProcessPoolExecutor | None = None
        self._pending: list[tuple[Path, Chart, Future]] = []
        if workers > 0:
            context = multiprocessing.get_context(start_method())
            self._pool = ProcessPoolExecutor(workers, mp_context=context, initializer=_worker_setup)
            for _ in range(workers):  # every worker gets ready while the caller computes
                self._pool.submit(warm)

    @property
    def executor(self) -> ProcessPoolExecutor | None:
        """The pool (None when charts are drawn here), for other work the caller can hand
        over meanwhile (the open answers' keywords: :func:`surveytool.analysis.analyse`)."""
        return self._pool

    def draw(self, chart: Chart, path: Path) -> None:
        """Draw ``chart`` into ``path``: now (no pool) or in a worker (written by
        :meth:`finish`)."""
        if self._pool is None:
            write_png(path, self._here(chart))
            return
        try:
            # pickled now, not by the pool's feeder thread while the caller goes on
            future = self._pool.submit(png_of, pickle.dumps(chart))
        except BrokenProcessPool as exc:  # a worker died before this chart was handed over
            raise self._failed(chart, exc) from None
        self._pending.append((path, chart, future))

    def finish(self) -> None:
        """Wait for the charts drawn in workers and write their files, in the order they
        were asked for. Raises ChartError when one could not be drawn."""
        pending, self._pending = self._pending, []
        for path, chart, future in pending:
            try:
                data = future.result()
            except Exception as exc:  # raised in the worker, or the worker died
                raise self._failed(chart, exc) from exc
            write_png(path, data)

    def _here(self, chart: Chart) -> bytes:
        try:
            return png(chart)
        except Exception as exc:
            raise self._failed(chart, exc) from exc

    def _failed(self, chart: Chart, exc: BaseException) -> ChartError:
        """Our error for a chart that could not be drawn; the pool is ended first."""
        self.close(stop=True)
        if isinstance(exc, BrokenProcessPool):
            return ChartError(problem("chart_worker_died", title=chart.title))
        detail = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
        return ChartError(problem("chart_failed", title=chart.title, detail=detail))

    def close(self, stop: bool = False) -> None:
        """Shut the pool down (charts not yet drawn are dropped); with ``stop``, end its
        processes first instead of letting a running chart finish."""
        pool, self._pool = self._pool, None
        self._pending = []
        if pool is None:
            return
        if stop:
            _end_workers(pool)
        pool.shutdown(wait=True, cancel_futures=True)

    def __enter__(self) -> Painter:
        return self

    def __exit__(self, kind: object, exc: object, tb: object) -> None:
        self.close(stop=exc is not None)


def _end_workers(pool: ProcessPoolExecutor) -> None:
    """Terminate the pool's worker processes (Python 3.14 has a method for it)."""
    terminate = getattr(pool, "terminate_workers", None)
    if terminate is not None:
        terminate()
        return
    for process in list((getattr(pool, "_processes", None) or {}).values()):
        if process.is_alive():
            process.terminate()


__all__ = ["MIN_CHARTS", "Chart", "Painter", "png", "workers_for", "write_png"]
