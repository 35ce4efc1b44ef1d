"""The response store (between ingest and analysis): one SQLite file per survey project.

Ingest writes into it; everything downstream reads from it, never through ``ingest``::

    from surveytool.store import load_answers, snapshot, export_responses
    answers = load_answers("调研.db", bank, wave="首轮")
    with snapshot("调研.db") as snap:  # every read from one state of the store
        answers, summary = snap.answers(bank, "首轮"), snap.summary(bank, "首轮")

Modules: ``db`` (the store and its writes), ``schema`` (the tables, and upgrading a store
written by an earlier version), ``answers`` (reading answers and the collection summary),
``export`` (.xlsx / .csv / .sav for people and other tools), ``sav`` (the SPSS writer).
"""

from surveytool.store.answers import Snapshot, collection_summary, load_answers, snapshot
from surveytool.store.db import Store
from surveytool.store.export import export_responses

__all__ = [
    "Snapshot",
    "Store",
    "collection_summary",
    "export_responses",
    "load_answers",
    "snapshot",
]
