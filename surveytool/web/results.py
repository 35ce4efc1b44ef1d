"""The owners' pages: 分析与报告 (the latest analysis as tables and charts, the report to
generate and download, two waves compared) and 三张清单 (generate or merge, download, upload
the edited workbook, progress by unit). Liaisons see none of it."""

from __future__ import annotations

import json
import re
import tempfile
from dataclasses import replace
from pathlib import Path

from flask import Blueprint, redirect, render_template, request, send_file, url_for

from surveytool.errors import UsageError, problem
from surveytool.filenames import safe_name
from surveytool.report.context import ALPHA_MIN_N, alpha_judgement
from surveytool.web import api, uploads, work
from surveytool.web.context import WebError, jobs, require_owner, site, who
from surveytool.web.site import check_wave

bp = Blueprint("results", __name__)
CHART = re.compile(r"^fig-\d{1,3}\.png$")
ANALYSIS = "查看分析结果和报告"
LISTS = "查看或修改三张清单"


def _topic(number: int, action: str):
    require_owner(action)
    s = site()
    t = s.topic(number)
    return s, t, s.bank(t)


def _held(s, t, bank) -> dict:
    """What the store holds (``collection_summary``), or nothing before the first ingest."""
    from surveytool.store.answers import collection_summary

    store = s.store(t)
    return collection_summary(store, bank) if store.is_file() else {"accepted": 0, "waves": []}


@bp.get("/topic/<int:number>/analysis")
def analysis(number: int):
    """分析与报告."""
    s, t, bank = _topic(number, ANALYSIS)
    cached = s.analysis(t)
    data = json.loads(cached.read_text(encoding="utf-8")) if cached.is_file() else None
    folder = s.reports(t)
    reports = [f for f in api.FORMATS if (folder / f"report.{f}").is_file()]
    charts = sorted(p.name for p in (folder / "charts").glob("fig-*.png")) if reports else []
    return render_template(
        "analysis.html",
        t=t,
        bank=bank,
        data=data,
        tables=tables(bank, data) if data else [],
        reports=reports,
        charts=charts,
        held=_held(s, t, bank),
        job=request.args.get("job"),
        compared=_last_compare(t.topic),
        alpha_judgement=alpha_judgement,
        alpha_min_n=ALPHA_MIN_N,
    )


def tables(bank, data: dict) -> list[dict]:
    """The analysis JSON grouped by question for the page: single- and multiple-choice
    frequencies (``kind`` 单选/多选) and Likert items (``kind`` 量表), in bank order."""
    out: dict[str, dict] = {}

    def entry(qid: str, kind: str) -> dict:
        return out.setdefault(qid, {"id": qid, "kind": kind, "rows": []})

    for row in data.get("frequencies", []):
        f = bank.field(row["field"])
        if f.kind == "single":
            entry(f.question, "单选")["rows"].append(row)
    for row in data.get("multi", []):
        entry(row["question"], "多选")["rows"].append(row)
    for row in data.get("likert", []):
        entry(row["question"], "量表")["rows"].append(row)
    order = {q.id: i for i, q in enumerate(bank.questions)}
    for q in out.values():
        q["text"] = bank.question(q["id"]).text
    return sorted(out.values(), key=lambda q: order.get(q["id"], len(order)))


def _last_compare(topic: int) -> dict | None:
    for j in jobs().recent(50):
        if j.kind == "report" and j.title.startswith(f"回访对比 选题{topic}") and j.result:
            return j.result
    return None


@bp.post("/topic/<int:number>/analysis")
def run_analysis(number: int):
    s, t, bank = _topic(number, ANALYSIS)
    job = jobs().submit(
        "report", f"统计分析 选题{t.topic}", work.analysis_job(s, t, bank, None), owner=who()
    )
    return redirect(url_for("results.analysis", number=number, job=job.id))


@bp.post("/topic/<int:number>/report")
def run_report(number: int):
    s, t, bank = _topic(number, ANALYSIS)
    a, b = request.form.get("wave_a"), request.form.get("wave_b")
    waves = (check_wave(a), check_wave(b)) if a and b and a != b else None
    run = work.report_job(s, t, bank, api.FORMATS, waves, bool(request.form.get("lists")))
    job = jobs().submit("report", f"生成报告 选题{t.topic}", run, owner=who())
    return redirect(url_for("results.analysis", number=number, job=job.id))


@bp.post("/topic/<int:number>/compare")
def run_compare(number: int):
    s, t, bank = _topic(number, ANALYSIS)
    a, b = check_wave(request.form.get("wave_a")), check_wave(request.form.get("wave_b"))
    job = jobs().submit(
        "report",
        f"回访对比 选题{t.topic}：{a}→{b}",
        work.compare_job(s, t, bank, a, b),
        owner=who(),
    )
    return redirect(url_for("results.analysis", number=number, job=job.id))


@bp.get("/files/<int:number>/chart/<name>")
def chart(number: int, name: str):
    s, t, _ = _topic(number, ANALYSIS)
    path = s.reports(t) / "charts" / name
    if not CHART.match(name) or not path.is_file():
        raise WebError(problem("web_not_found", path=name[:60]))
    return send_file(path, mimetype="image/png")


@bp.get("/topic/<int:number>/lists")
def lists(number: int):
    """三张清单: progress by unit (``surveytool track``), download, upload, generate."""
    s, t, bank = _topic(number, LISTS)
    return render_template(
        "lists.html",
        t=t,
        bank=bank,
        progress=work.lists_progress(s, t),
        held=_held(s, t, bank),
        job=request.args.get("job"),
    )


@bp.post("/topic/<int:number>/lists")
def run_lists(number: int):
    s, t, bank = _topic(number, LISTS)
    job = jobs().submit(
        "report", f"三张清单 选题{t.topic}", work.lists_job(s, t, bank), owner=who()
    )
    return redirect(url_for("results.lists", number=number, job=job.id))


@bp.get("/files/<int:number>/lists")
def lists_file(number: int):
    s, t, bank = _topic(number, LISTS)
    if not s.lists(t).is_file():
        raise WebError(problem("web_no_lists", topic=t.topic))
    return send_file(
        s.lists(t), as_attachment=True, download_name=safe_name(f"{bank.id}-三张清单.xlsx")
    )


@bp.post("/topic/<int:number>/lists/upload")
def upload_lists(number: int):
    """The edited workbook replaces the topic's lists (checked first: it must read as the
    three lists), then new data is merged in as ``surveytool lists`` does."""
    s, t, bank = _topic(number, LISTS)
    sent = [f for f in request.files.getlist("files") if f.filename][:1]
    if not sent:
        raise WebError(problem("web_no_files"))
    s.lists(t).parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".upload-", dir=s.lists(t).parent) as folder:
        saved = uploads.save(((f.filename, f.stream) for f in sent), Path(folder), (".xlsx",))[0]
        _replace_lists(s, t, saved)
    if _held(s, t, bank).get("accepted"):
        job = jobs().submit(
            "report", f"三张清单 选题{t.topic}", work.lists_job(s, t, bank), owner=who()
        )
        return redirect(url_for("results.lists", number=number, job=job.id))
    return redirect(url_for("results.lists", number=number))


def _replace_lists(s, t, saved: uploads.Saved) -> None:
    """Check the sent workbook reads as the three lists, then make it the topic's lists."""
    from surveytool.followup.lists import read_lists
    from surveytool.ingest.files import precheck_xlsx

    if saved.path is None:
        raise WebError(problem("lists_unreadable", path=saved.name, detail="不是 .xlsx 文件"))
    reason = precheck_xlsx(saved.path)
    if reason:
        raise WebError(problem("lists_unreadable", path=saved.name, detail=reason))
    try:
        read_lists(saved.path)
    except UsageError as exc:  # said under the name it was sent as
        sent_as = [
            replace(p, message=p.message.replace(str(saved.path), saved.name)) for p in exc.problems
        ]
        raise WebError(sent_as) from None
    saved.path.replace(s.lists(t))
    uploads.log(s.upload_log, who(), t.topic, saved, "三张清单已替换")
