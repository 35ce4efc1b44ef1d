"""Peak resident memory of a ``surveytool`` CLI run and of its reader workers, as measured
by the hostile-batch test and benchmarks/bench_ingest_large.py.

``python -c SCRIPT <cli args>`` runs the CLI and prints ``PEAK_KIB=<cli> <largest worker>
<together> <sum of rss>``:

- ``cli``: the CLI's VmHWM, not ``ru_maxrss``: on Linux a child's ``ru_maxrss`` starts
  from its parent's peak when it is spawned by vfork, and the parent (pytest after the whole
  suite, or a benchmark that built a large sheet) can be large.
- ``largest worker``: the VmHWM of each live worker just before it stops, and ``ru_maxrss``
  of waited-for children for workers that died (that one starts from the small CLI's size at
  spawn: an over-estimate, never an under-estimate).
- ``together``: the memory of the CLI and all its reader workers at the same moment,
  *sampled*: every :data:`EVERY` seconds a thread reads the CLI's and every live worker's
  resident memory and keeps the largest total. Their own pages (RssAnon, RssShmem) are
  summed; pages of files (RssFile: the Python interpreter and the libraries, the same files
  mapped by every one of these processes, held once in memory) are counted once, as the
  largest RssFile. A peak shorter than the interval can be missed; the per-process figures
  above are exact.
- ``sum of rss``: the same samples with every process's whole VmRSS added up (the shared
  library pages counted once per process: an over-estimate, about 60 MiB per process).
"""

from __future__ import annotations

import threading
import time
from pathlib import Path

EVERY = 0.005  # seconds between samples

SCRIPT = """
import resource, sys
sys.path.append(TESTS)
import peak
from surveytool.cli import main
from surveytool.ingest import pool

together = peak.Together()
rc = main(sys.argv[1:])
pool.stop_all()
together.stop()
children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
largest = max(children, *together.worker_peaks)
print(f"PEAK_KIB={peak.status_kib('self', 'VmHWM')} {largest} {together.peak} {together.rss}")
sys.exit(rc)
""".replace("TESTS", repr(str(Path(__file__).resolve().parent)))


def status(pid: int | str) -> dict[str, int]:
    """The memory figures of ``/proc/<pid>/status`` in KiB (VmRSS, VmHWM, RssAnon ...);
    none for a process gone or a zombie."""
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return {}
    return {
        k: int(v.split()[0])
        for k, _, v in (line.partition(":") for line in text.splitlines())
        if v.endswith(" kB")
    }


def status_kib(pid: int | str, key: str) -> int:
    """One figure of :func:`status` (0 when missing)."""
    return status(pid).get(key, 0)


class Together:
    """From now on, watch the reader workers this process starts: their VmHWM when they stop
    (``worker_peaks``), and until :meth:`stop` the largest sampled total of this process's
    and their memory, shared file pages counted once (``peak``, KiB) or per process
    (``rss``)."""

    def __init__(self) -> None:
        from surveytool.ingest import pool

        self.peak = self.rss = 0
        self.worker_peaks = [0]
        self.pids: set[int] = set()
        start, stop = pool._Worker.__init__, pool._Worker.stop

        def started(w: pool._Worker) -> None:
            start(w)
            self.pids.add(w.proc.pid)

        def stopped(w: pool._Worker, gently: bool = True) -> None:
            if w.alive():
                self.worker_peaks.append(status_kib(w.proc.pid, "VmHWM"))
            stop(w, gently)
            self.pids.discard(w.proc.pid)

        pool._Worker.__init__, pool._Worker.stop = started, stopped
        self._on = True
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()

    def _sample(self) -> None:
        while self._on:
            every = [status("self"), *(status(p) for p in list(self.pids))]
            own = sum(s.get("RssAnon", 0) + s.get("RssShmem", 0) for s in every)
            self.peak = max(self.peak, own + max(s.get("RssFile", 0) for s in every))
            self.rss = max(self.rss, sum(s.get("VmRSS", 0) for s in every))
            time.sleep(EVERY)

    def stop(self) -> None:
        self._on = False
        self._thread.join()


def peaks_mib(stdout: str) -> tuple[float, float]:
    """(CLI, largest reader worker) peak memory in MiB from the output of :data:`SCRIPT`."""
    cli, worker = (int(x) for x in stdout.split("PEAK_KIB=")[1].split()[:2])
    return cli / 1024, worker / 1024


def together_mib(stdout: str) -> float:
    """The largest sampled total of the CLI's and all its reader workers' memory (shared
    file pages counted once), in MiB."""
    return int(stdout.split("PEAK_KIB=")[1].split()[2]) / 1024
