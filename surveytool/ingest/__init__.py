"""Ingest returned answers into the response store (second pipeline stage).

from surveytool.ingest import ingest, load_answers
summary = ingest(["回收/"], bank, "survey.db", wave="首轮")
answers = load_answers("survey.db", bank, wave="首轮")
"""

from surveytool.ingest.answers import load_answers
from surveytool.ingest.export import export_responses
from surveytool.ingest.run import IngestSummary, ingest
from surveytool.ingest.writer import FileResult

__all__ = ["FileResult", "IngestSummary", "export_responses", "ingest", "load_answers"]
