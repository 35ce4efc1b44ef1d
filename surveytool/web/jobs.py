"""Long work in the background: a queue per kind of work, one worker thread each.

Uploads are ingested one job after another by the ``ingest`` worker (a second upload while
one runs waits its turn — never lost, never run twice; the store's write lock is the
second line of defence, for a CLI ingest into the same store). Reports, analyses and lists
run on the ``report`` worker, so a report does not wait behind a large upload. Pages poll
``/api/jobs/ID`` for the progress.
"""

from __future__ import annotations

import queue
import secrets
import threading
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from surveytool.errors import SurveyToolError, problem, web_text

KINDS = ("ingest", "report")
KEEP = 200  # finished jobs remembered (newest first)


@dataclass
class Job:
    """One piece of background work and what became of it."""

    id: str
    kind: str
    title: str
    owner: str | None  # the user who started it (None in loopback mode)
    unit: str | None = None  # a liaison's unit: only they (and owners) see the job
    state: str = "queued"  # queued | running | done | failed
    done: int = 0
    total: int = 0
    current: str = ""
    result: Any = None
    messages: list[str] = field(default_factory=list)
    created: float = field(default_factory=time.time)
    started: float | None = None
    finished: float | None = None
    run: Callable[[Job], Any] | None = field(default=None, repr=False)
    event: threading.Event = field(default_factory=threading.Event, repr=False)

    def progress(self, done: int, total: int, name: str) -> None:
        """The library's progress callback (ingest calls it once per file)."""
        self.done, self.total, self.current = done, total, name

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready state, as ``GET /api/jobs/ID`` returns it."""
        end = self.finished or time.time()
        return {
            "id": self.id,
            "kind": self.kind,
            "title": self.title,
            "state": self.state,
            "done": self.done,
            "total": self.total,
            "current": self.current,
            "seconds": round(end - (self.started or end), 1),
            "result": self.result,
            "messages": self.messages,
        }


class Jobs:
    """The queues and their workers (daemon threads: they end with the server)."""

    def __init__(self) -> None:
        self._queues: dict[str, queue.Queue[Job]] = {k: queue.Queue() for k in KINDS}
        self._jobs: dict[str, Job] = {}
        self._lock = threading.Lock()
        for kind in KINDS:
            threading.Thread(target=self._work, args=(kind,), daemon=True).start()

    def submit(
        self,
        kind: str,
        title: str,
        run: Callable[[Job], Any],
        owner: str | None = None,
        unit: str | None = None,
    ) -> Job:
        """Queue ``run(job)``; its return value becomes ``job.result``."""
        job = Job(secrets.token_hex(8), kind, title, owner, unit, run=run)
        with self._lock:
            self._jobs[job.id] = job
            finished = [j for j in self._jobs.values() if j.state in ("done", "failed")]
            for old in sorted(finished, key=lambda j: j.created)[: max(0, len(finished) - KEEP)]:
                del self._jobs[old.id]
        self._queues[kind].put(job)
        return job

    def get(self, job_id: str) -> Job | None:
        with self._lock:
            return self._jobs.get(job_id)

    def recent(self, n: int = 20) -> list[Job]:
        """The newest jobs first."""
        with self._lock:
            return sorted(self._jobs.values(), key=lambda j: j.created, reverse=True)[:n]

    def _work(self, kind: str) -> None:
        q = self._queues[kind]
        while True:
            job = q.get()
            job.state, job.started = "running", time.time()
            try:
                job.result = job.run(job) if job.run else None
                job.state = "done"
            except SurveyToolError as exc:  # a user's input: their message, in Chinese
                job.messages = [web_text(p.message) for p in exc.problems]
                job.state = "failed"
            except Exception as exc:  # our fault: say so, keep the worker alive
                traceback.print_exc()
                detail = f"{type(exc).__name__}: {str(exc)[:120]}"
                job.messages = [problem("web_internal", detail=detail).message]
                job.state = "failed"
            finally:
                job.finished = time.time()
                job.run = None
                job.event.set()
