"""Ingest returned answers into the response store (second pipeline stage).

from surveytool.ingest import ingest
summary = ingest(["回收/"], bank, "survey.db", wave="首轮")

Reading the answers back is the store's (``surveytool.store.load_answers``); ingest
re-exports it and ``export_responses`` for callers of the command line's era.
"""

from surveytool.ingest.run import IngestSummary, ingest
from surveytool.ingest.writer import FileResult
from surveytool.store.answers import load_answers
from surveytool.store.export import export_responses

__all__ = ["FileResult", "IngestSummary", "export_responses", "ingest", "load_answers"]
