"""Drawing a report's charts, in worker processes when that pays off.

A chart is described by a :class:`Chart` (the name of a builder in
:mod:`surveytool.charts.figures` and its arguments: plain, picklable data) and drawn to PNG
bytes by :func:`png`, the same function in this process or in a worker, so a chart's bytes do
not depend on where it was drawn. :class:`Painter` takes each chart as soon as its data is
ready and writes its file (whole or not at all) once it is drawn.

With several charts and several cores, a Painter draws in a pool of worker processes (one
per core, at most one per chart), started with ``spawn`` on every system: each worker is a
fresh interpreter, as Windows requires, so no thread, lock or open database of this process
is copied into it. A worker's start costs about a second of imports (matplotlib, pandas);
the caller starts the Painter before its analysis, so that second is spent on another core
while this process computes, and this process never imports matplotlib at all. With fewer
charts than :data:`MIN_CHARTS` or one core, charts are drawn here, as they are requested.

Nothing is kept between reports: the pool lives as long as its ``with`` block. A worker that
raises or dies stops the report with one of our messages (:class:`~surveytool.errors.ChartError`),
and the pool's processes are ended before that message is raised.
"""

from __future__ import annotations

import io
import multiprocessing
import os
import sys
import threading
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


def warm() -> None:
    """A worker's start-up, done while the caller is still computing: draw a small chart,
    so that matplotlib's modules, the Agg backend, PNG writing and the Chinese font are
    loaded before the first real chart arrives (half of a cold first chart's time)."""
    png(Chart("hbar", (["预热"], [50.0], [1], "预热")))


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
            self._pool = ProcessPoolExecutor(workers, mp_context=context)
            for _ in range(workers):  # every worker gets ready while the caller computes
                self._pool.submit(warm)

    def draw(self, chart: Chart, path: Path) -> None:
        """Draw ``chart`` into ``path``: now (no pool) or in a worker (written by
        :meth:`finish`)."""
        if self._pool is None:
            write_png(path, self._here(chart))
            return
        try:
            future = self._pool.submit(png, chart)
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
