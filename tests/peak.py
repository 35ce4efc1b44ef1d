"""Peak resident memory of a ``surveytool`` CLI run and of its reader workers, as measured
by the hostile-batch test and benchmarks/bench_ingest_large.py.

``python -c SCRIPT <cli args>`` runs the CLI and prints ``PEAK_KIB=<cli> <largest worker>
<workers together>`` (one reader worker per core: together is the sum of their peaks plus
the largest that died — an over-estimate, as their peaks need not coincide). The
CLI's peak is its VmHWM, not ``ru_maxrss``: on Linux a child's ``ru_maxrss`` starts from its
parent's peak when it is spawned by vfork, and the parent (pytest after the whole suite, or
a benchmark that built a large sheet) can be large. Workers: the VmHWM of each live worker
just before it stops, and ``ru_maxrss`` of waited-for children for workers that died (that
one starts from the small CLI's size at spawn: an over-estimate, never an under-estimate).
"""

from __future__ import annotations

SCRIPT = """
import resource, sys
from pathlib import Path
from surveytool.cli import main
from surveytool.ingest import sandbox

def hwm(pid="self"):
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    return 0

peaks = [0]
stop = sandbox._Worker.stop
def measured_stop(self, gently=True):
    if self.alive():
        peaks.append(hwm(self.proc.pid))
    stop(self, gently)
sandbox._Worker.stop = measured_stop
rc = main(sys.argv[1:])
sandbox._stop_worker()
children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(f"PEAK_KIB={hwm()} {max(children, *peaks)} {children + sum(peaks)}")
sys.exit(rc)
"""


def peaks_mib(stdout: str) -> tuple[float, float]:
    """(CLI, largest reader worker) peak memory in MiB from the output of :data:`SCRIPT`."""
    cli, worker = (int(x) for x in stdout.split("PEAK_KIB=")[1].split()[:2])
    return cli / 1024, worker / 1024


def together_mib(stdout: str) -> float:
    """The CLI's peak plus all its reader workers' (an over-estimate), in MiB."""
    cli, _, workers = (int(x) for x in stdout.split("PEAK_KIB=")[1].split()[:3])
    return (cli + workers) / 1024
