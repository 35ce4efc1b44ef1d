"""A progress bar for long ingests, on a terminal only (a dozen lines of our own: no need for
rich or tqdm). Nothing is drawn on a pipe, a file, or with ``--json``."""

from __future__ import annotations

import sys
import time
from typing import TextIO

from surveytool.ingest.run import Progress

WIDTH = 24  # characters of the bar
EVERY = 0.1  # seconds between redraws (the last file is always drawn)
MIN_FILES = 10  # fewer files finish before a bar would help


def bar_text(p: Progress, seconds: float) -> str:
    """One line: bar, files done / total, answers accepted, files per second, time left."""
    filled = WIDTH * p.done // max(p.total, 1)
    rate = p.done / seconds if seconds > 0 else 0.0
    line = (
        f"回收中 [{'█' * filled}{'·' * (WIDTH - filled)}] {p.done}/{p.total} 个文件，"
        f"有效答卷 {p.accepted} 份"
    )
    if rate > 0:
        line += f"，{rate:,.0f} 个/秒"
        if p.done < p.total:
            line += f"，约 {_duration((p.total - p.done) / rate)}后完成"
    return line


def _duration(seconds: float) -> str:
    if seconds < 60:
        return f"{max(seconds, 1):.0f} 秒"
    minutes, secs = divmod(round(seconds), 60)
    return f"{minutes} 分 {secs:02d} 秒"


class ProgressBar:
    """``ProgressBar()(progress)`` redraws the line on ``stream`` (stderr) when it is a
    terminal and the run has at least :data:`MIN_FILES` files; ends it with a newline."""

    def __init__(self, stream: TextIO | None = None):
        self.stream = stream or sys.stderr
        self.on = self.stream.isatty()
        self.start = time.monotonic()
        self.drawn = 0.0
        self.width = 0

    def __call__(self, p: Progress) -> None:
        if not self.on or p.total < MIN_FILES:
            return
        now = time.monotonic()
        if p.done < p.total and now - self.drawn < EVERY:
            return
        self.drawn = now
        line = bar_text(p, now - self.start)
        pad = " " * max(self.width - len(line), 0)  # wipe the longer line before
        self.width = len(line)
        end = "\n" if p.done >= p.total else ""
        print(f"\r{line}{pad}", end=end, file=self.stream, flush=True)
