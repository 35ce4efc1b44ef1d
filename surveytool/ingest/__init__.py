"""Ingest returned answers into the response store (second pipeline stage).

from surveytool.ingest import ingest
summary = ingest(["回收/"], bank, "survey.db", wave="首轮")

Reading the answers back is the store's (``surveytool.store.load_answers``); ingest
re-exports it and ``export_responses`` for callers of the command line's era.

The names are imported on first use: a reader worker imports this package's readers only,
and the command line starts its workers (``ingest.workers``) before pandas is imported.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

_WHERE = {
    "FileResult": "surveytool.ingest.writer",
    "IngestSummary": "surveytool.ingest.run",
    "ingest": "surveytool.ingest.run",
    "load_answers": "surveytool.store.answers",
    "export_responses": "surveytool.store.export",
}

__all__ = ["FileResult", "IngestSummary", "export_responses", "ingest", "load_answers"]


def __getattr__(name: str) -> Any:
    if name in _WHERE:
        value = getattr(import_module(_WHERE[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted([*globals(), *_WHERE])
