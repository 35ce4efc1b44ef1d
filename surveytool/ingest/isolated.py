"""Reading other untrusted files in the memory-capped reader worker, like returned
workbooks: notes (.docx), the edited 三张清单 workbook, Delphi rating files and visit
records. A reader that runs out of memory, crashes or hangs costs only that file (our
FileRejectedError, in Chinese), never the CLI or the web server.

``run(kind, path, *args)`` sends ``("call", kind, path, args)`` to a worker
(:mod:`surveytool.ingest.pool`); the worker (:func:`surveytool.ingest.sandbox.serve`) calls
:func:`call`, which runs the function registered under ``kind`` in :data:`READERS` — only
those, by name — with the worker's memory ceiling at its floor unless the function raises
it itself (:func:`surveytool.ingest.memory.cap`). Kept apart from the sandbox and the pool so
that their platform work (memory limits on Windows) and this list change independently.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from typing import Any

from surveytool.ingest.pool import Job, Reads
from surveytool.ingest.table import FileRejectedError

READERS = {
    "docx_lines": "surveytool.ingest.notes:docx_lines",
    "lists": "surveytool.followup.lists:read_lists_here",
    "method_table": "surveytool.ingest.method_files:read_table_here",
}
ENV_INLINE = "SURVEYTOOL_READ_INLINE"  # "1": read in this process (debugging only)


def run(kind: str, path: Path, *args: Any) -> Any:
    """What ``READERS[kind](path, *args)`` returns, computed in a reader worker. Raises
    FileRejectedError (ours) for a file refused, too large for the worker's memory ceiling,
    or one that crashes or hangs it."""
    import os

    if os.environ.get(ENV_INLINE) == "1":
        return call(kind, path, args)
    with Reads(None, None) as reads:
        (job,) = reads.run([Job(path, ("call", kind, path, args))])
    if isinstance(job.outcome, FileRejectedError):
        raise job.outcome
    return job.outcome


def call(kind: str, path: Path, args: tuple) -> Any:
    """In the worker: the registered reader ``kind`` applied to ``path`` and ``args``."""
    module, name = READERS[kind].split(":")
    return getattr(importlib.import_module(module), name)(path, *args)
