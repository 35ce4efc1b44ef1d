"""The analysis the owner steers in the web app: the table builder of 分析与报告 (row,
column, filter, weighted on/off: the same table as ``surveytool table``, and its .xlsx), and
the per-unit reports (all of them as one .zip for an owner; a liaison only their own unit's,
see SECURITY.md)."""

from __future__ import annotations

import tempfile
import zipfile
from pathlib import Path

from flask import Blueprint, render_template, request, send_file

from surveytool.errors import SurveyToolError, problem
from surveytool.web.context import WebError, require_owner, site, unit

bp = Blueprint("steer", __name__)
ACTION = "使用交叉表"
MAX_WHERE = 300


def _topic(number: int, action: str = ACTION):
    require_owner(action)
    s = site()
    t = s.topic(number)
    return s, t, s.bank(t)


def _choices(bank) -> list[tuple[str, str]]:
    """(name, what a person reads) of everything that can be a row: fields, then the
    multiple-choice and likert questions as a whole."""
    out = []
    for q in bank.questions:
        if q.type in ("multi", "likert"):
            out.append((q.id, f"{q.id} {q.text}（整题）"))
        for f in bank.fields:
            if f.question == q.id and f.kind in ("single", "likert", "number", "flag"):
                out.append((f.id, f"{f.id} {f.label}"))
    return out


def _populations(t) -> dict[str, int]:
    return {u.name: u.population for u in t.units if u.population}


def _build(s, t, bank, args):
    """The table the form asks for (UsageError in Chinese for a bad request)."""
    from surveytool.analysis import DEFAULT_K, Survey
    from surveytool.analysis.subset import select
    from surveytool.analysis.table import crosstable
    from surveytool.analysis.weights import unit_design
    from surveytool.store import load_answers

    row, col = args.get("row") or "", args.get("col") or None
    where = (args.get("where") or "").strip()[:MAX_WHERE] or None
    store = s.store(t)
    if not store.is_file():
        raise WebError(problem("empty_store", store=store.name, action="制表"))
    survey = Survey(load_answers(store, bank), bank)
    if survey.n == 0:
        raise WebError(problem("empty_store", store=store.name, action="制表"))
    design = None
    if args.get("weighted") and _populations(t):
        design = unit_design(survey, _populations(t))
    survey, mask = select(survey, where, DEFAULT_K)
    design = design.subset(mask) if design is not None else None
    from surveytool.analysis.releases import publish_answers
    from surveytool.report.table_xlsx import posthoc_sentences

    publish_answers(store, bank.id, None, survey.frame, DEFAULT_K)  # refused when too close

    built = crosstable(survey, row, col, design=design, where=where)
    built.notes[:0] = posthoc_sentences(survey, built)
    return built


@bp.get("/topic/<int:number>/table")
def table(number: int):
    """交叉表: the form, and the table when a row is chosen."""
    s, t, bank = _topic(number)
    built, errors = None, []
    if request.args.get("row"):
        try:
            built = _build(s, t, bank, request.args)
        except SurveyToolError as exc:
            errors = [p.message for p in exc.problems]
    from surveytool.report.table_xlsx import sentences_of_tests

    return render_template(
        "table.html",
        t=t,
        bank=bank,
        choices=_choices(bank),
        args=request.args,
        can_weight=bool(_populations(t)),
        table=built,
        sentences=sentences_of_tests(built) if built is not None else [],
        view=_view(built) if built is not None else None,
        errors=errors,
    )


def _view(t) -> dict:
    """The table as the page shows it (hidden figures as <k), from the JSON the CLI writes."""
    data = t.to_dict()
    groups = list(dict.fromkeys(c["column_label"] for c in data["cells"]))
    rows = list(dict.fromkeys(c["row_label"] for c in data["cells"]))
    cells = {(c["row_label"], c["column_label"]): c for c in data["cells"]}
    return {"data": data, "groups": groups, "rows": rows, "cells": cells}


@bp.get("/topic/<int:number>/table.xlsx")
def table_xlsx(number: int):
    """The same table as an .xlsx (question texts and labels, no ids)."""
    from surveytool.report.table_xlsx import write_table

    s, t, bank = _topic(number)
    built = _build(s, t, bank, request.args)
    with tempfile.TemporaryDirectory() as tmp:
        path = write_table(built, Path(tmp) / "table.xlsx")
        data = path.read_bytes()
    import io

    return send_file(
        io.BytesIO(data),
        as_attachment=True,
        download_name=f"{bank.id}-交叉表.xlsx",
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )


@bp.get("/files/<int:number>/unit-reports.zip")
def unit_reports(number: int):
    """Every unit's own report (``report --per-unit``) as one .zip; a liaison gets only
    their own unit's (when it has enough answers)."""
    from surveytool.report.per_unit import make_unit_reports

    s = site()
    t = s.topic(number)
    bank = s.bank(t)
    mine = unit()
    with tempfile.TemporaryDirectory() as tmp:
        done = make_unit_reports(s.store(t), bank, tmp, formats=("html", "docx"), only=mine)
        made = [u for u in done if u.paths]
        if not made:
            reasons = [u.reason for u in done if u.reason] or ["没有可生成报告的单位。"]
            raise WebError([problem("web_no_unit_report", reason=r) for r in reasons[:5]])
        buf = _zip(Path(tmp))
    import io

    name = f"{bank.id}-{mine}本单位报告.zip" if mine else f"{bank.id}-各单位报告.zip"
    return send_file(
        io.BytesIO(buf), as_attachment=True, download_name=name, mimetype="application/zip"
    )


def _zip(folder: Path) -> bytes:
    import io

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for p in sorted(folder.rglob("*")):
            if p.is_file():
                z.write(p, p.relative_to(folder).as_posix())
    return out.getvalue()
