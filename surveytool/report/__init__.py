"""The draft research report (last pipeline stage): context -> HTML, Markdown, Word.

from surveytool.report import make_report
paths = make_report("survey.db", bank, "报告", by=["B2"])
paths = make_report("survey.db", bank, "报告", waves=("首轮", "回访"), lists="清单.xlsx")
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from functools import partial
from pathlib import Path

from surveytool.analysis import DEFAULT_K, Survey, analyse
from surveytool.analysis.releases import publish_answers
from surveytool.analysis.subset import select
from surveytool.analysis.weighted import as_weighted
from surveytool.analysis.weights import unit_design
from surveytool.bank.model import Bank
from surveytool.charts.jobs import Painter, workers_for
from surveytool.errors import UsageError, os_detail, problem
from surveytool.report.context import build_context, for_report
from surveytool.report.findings import chart_count
from surveytool.report.numbering import Numbering
from surveytool.report.other_methods import MethodsReport, load_evidence
from surveytool.report.render import FORMATS, render
from surveytool.report.steer import steer_context
from surveytool.store.answers import Snapshot, snapshot


def _survey(snap: Snapshot, bank: Bank, wave: str | None) -> Survey:
    """The answers of ``wave`` (all waves when None) from one snapshot; a UsageError when
    there are none, so no report is written from nothing."""
    s = Survey(snap.answers(bank, wave), bank)
    if s.n == 0:
        if wave is not None:
            raise UsageError(problem("empty_wave", wave=wave, store=str(snap.path)))
        raise UsageError(problem("empty_store", store=str(snap.path), action="生成调研报告"))
    return s


def _extras(
    snap: Snapshot,
    bank: Bank,
    waves: tuple[str, str] | None,
    lists: str | Path | None,
    today: date | None,
    k: int,
    link: str | None,
    where: str | None = None,
) -> list[Callable[[Numbering], dict]]:
    """The optional sections: 回访对比 (two waves, each restricted by ``where``) and 整改进展
    (a lists file)."""
    from surveytool.report.campaign import progress_section, wave_section

    out: list[Callable[[Numbering], dict]] = []
    if waves:
        a, b = (select(_survey(snap, bank, w), where, k)[0] for w in waves)
        out.append(partial(wave_section, a, b, waves, k=k, link=link))
    if lists:
        from surveytool.followup.lists import read_lists
        from surveytool.followup.track import track

        out.append(partial(progress_section, track(read_lists(lists), today)))
    return out


def closed_problems(lists: str | Path) -> dict[str, float | None]:
    """By problem key, the problems marked 已销号 in the lists file, with the share they
    were first raised at (None when the lists do not say)."""
    from surveytool.followup.lists import closed_rows, read_lists, share_of

    return {
        str(r["_key"]): share_of(r.get("_share"))
        for r in closed_rows(read_lists(lists)).values()
        if r.get("_key")
    }


def report_context(
    store: str | Path,
    bank: Bank,
    out_dir: str | Path,
    *,
    wave: str | None = None,
    waves: tuple[str, str] | None = None,
    lists: str | Path | None = None,
    today: date | None = None,
    link: str | None = None,
    by: list[str] | None = None,
    k: int = DEFAULT_K,
    population: int | None = None,
    targets: dict[str, int] | None = None,
    populations: dict[str, int] | None = None,
    where: str | None = None,
    weights: dict[str, int] | None = None,
) -> dict:
    """The report's document model (see report.context), its charts saved under
    ``out_dir``/charts: what :func:`make_report` renders and the slides show.

    ``where`` (the language of ``relevant``) reports on the respondents it selects, and says
    so in the title and 调查基本情况; ``weights`` (unit name -> people) weights every
    share and mean to the unit populations (:mod:`surveytool.analysis.weights`), said in
    调查基本情况 and the appendix, counts n left unweighted."""
    if wave is not None and waves:
        raise UsageError(problem("wave_and_waves"))
    wave = waves[1] if waves else wave
    out = Path(out_dir)
    with Painter(workers_for(chart_count(bank))) as painter:  # workers start up meanwhile
        with snapshot(store) as snap:  # one read transaction: every number from the same state
            extras = _extras(snap, bank, waves, lists, today, k, link, where)
            survey = _survey(snap, bank, wave)
            if waves:  # the earlier wave's figures are published too (回访对比)
                publish_answers(store, bank.id, waves[0], snap.answers(bank, waves[0]), k)
            publish_answers(store, bank.id, wave, survey.frame, k)  # refused when too close
            collection = snap.summary(bank, wave)
            evidence = load_evidence(snap.store, bank, k)
        design = unit_design(survey, weights) if weights else None
        survey, mask = select(survey, where, k)
        design = design.subset(mask) if design is not None else None
        results = analyse(
            survey,
            by=by,
            population=population,
            targets=targets,
            populations=populations,
            k=k,
            design=design,
            executor=painter.executor,
        )
        results = for_report(as_weighted(results))
        methods = None if evidence.empty else MethodsReport(evidence)
        try:
            ctx = build_context(
                survey,
                results,
                collection,
                out,
                wave,
                extras=extras,
                methods=methods,
                closed=closed_problems(lists) if lists else None,
                painter=painter,
            )
        except OSError as exc:
            raise UsageError(
                problem("output_not_writable", path=str(out), detail=os_detail(exc))
            ) from None
    steer_context(ctx, survey, where, design)
    return ctx


def make_report(
    store: str | Path,
    bank: Bank,
    out_dir: str | Path,
    *,
    wave: str | None = None,
    waves: tuple[str, str] | None = None,
    lists: str | Path | None = None,
    today: date | None = None,
    link: str | None = None,
    by: list[str] | None = None,
    formats: tuple[str, ...] = FORMATS,
    templates: str | Path | None = None,
    k: int = DEFAULT_K,
    population: int | None = None,
    targets: dict[str, int] | None = None,
    populations: dict[str, int] | None = None,
    where: str | None = None,
    weights: dict[str, int] | None = None,
) -> dict[str, Path]:
    """Analyse the store and write the report files; returns format -> path (plus charts).

    ``waves=(earlier, later)`` reports on the later wave and adds the section 回访对比;
    ``lists`` (a file written by ``surveytool lists``) adds 整改进展 as of ``today``. Sessions,
    visits and Delphi rounds in the store add 座谈访谈主要观点 and 专家咨询结果, and the
    problems table says which of them also raised each problem. ``targets`` and
    ``populations`` (by unit name, e.g. from campaign.yaml) add 目标/完成率 and 调查对象/应答率
    to 各单位回收情况; ``population`` applies the finite population correction.

    ``where`` (the language of ``relevant``) reports on the respondents it selects, and says
    so in the title and 调查基本情况; ``weights`` (unit name -> people) weights every
    share and mean to the unit populations (:mod:`surveytool.analysis.weights`), said in
    调查基本情况 and the appendix, counts n left unweighted.
    """
    out = Path(out_dir)
    ctx = report_context(
        store,
        bank,
        out,
        wave=wave,
        waves=waves,
        lists=lists,
        today=today,
        link=link,
        by=by,
        k=k,
        population=population,
        targets=targets,
        populations=populations,
        where=where,
        weights=weights,
    )
    try:
        paths = render(ctx, out, formats, templates)
    except OSError as exc:
        raise UsageError(
            problem("output_not_writable", path=str(out), detail=os_detail(exc))
        ) from None
    paths["charts"] = out / "charts"
    return paths


__all__ = ["FORMATS", "build_context", "make_report", "render", "report_context"]
