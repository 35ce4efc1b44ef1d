"""The draft research report (last pipeline stage): context -> HTML, Markdown, Word.

from surveytool.report import make_report
paths = make_report("survey.db", bank, "报告", by=["B2"])
"""

from __future__ import annotations

from pathlib import Path

from surveytool.analysis import DEFAULT_K, Survey, analyse
from surveytool.bank.model import Bank
from surveytool.ingest.answers import collection_summary, load_answers
from surveytool.report.context import build_context
from surveytool.report.render import FORMATS, render


def make_report(
    store: str | Path,
    bank: Bank,
    out_dir: str | Path,
    *,
    wave: str | None = None,
    by: list[str] | None = None,
    formats: tuple[str, ...] = FORMATS,
    templates: str | Path | None = None,
    k: int = DEFAULT_K,
    population: int | None = None,
    targets: dict[str, int] | None = None,
) -> dict[str, Path]:
    """Analyse the store and write the report files; returns format -> path (plus charts)."""
    out = Path(out_dir)
    survey = Survey(load_answers(store, bank, wave), bank)
    results = analyse(survey, by=by, population=population, targets=targets, k=k)
    ctx = build_context(survey, results, collection_summary(store, bank, wave), out, wave)
    paths = render(ctx, out, formats, templates)
    paths["charts"] = out / "charts"
    return paths


__all__ = ["FORMATS", "build_context", "make_report", "render"]
