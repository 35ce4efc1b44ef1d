"""The pages: 总览 (and the first-run page), login, 选题 (forms to download, uploads, the
mapping step of platform exports) and the files they offer. 分析与报告 and 三张清单 are in
:mod:`surveytool.web.results`. Routes check input and permissions, call the library (through
:mod:`surveytool.web.work`) and render a template — nothing else."""

from __future__ import annotations

import io
import re
import tempfile
from dataclasses import replace
from datetime import datetime
from pathlib import Path

from flask import Blueprint, g, redirect, render_template, request, send_file, url_for

from surveytool.errors import BankError, SurveyToolError, problem, web_text
from surveytool.filenames import safe_name
from surveytool.web import api, uploads, work
from surveytool.web.context import WebError, jobs, require_owner, site, unit, who
from surveytool.web.site import check_choice, check_wave

bp = Blueprint("pages", __name__)

LAYOUTS = {"respondent": "问卷", "collection": "录入表", "xlsform": "XLSForm"}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
REJECTS = re.compile(r"^rejects-[\w\-.]+\.xlsx$")


@bp.get("/")
def overview():
    """总览, or the first-run page while the folder has no campaign."""
    s = site()
    if not s.campaign_file.is_file():
        return render_template("setup.html", folder=str(s.root))
    try:
        campaign = s.campaign()
    except BankError as exc:  # a campaign file with mistakes: every one, located
        messages = [web_text(p.message) for p in exc.problems]
        return render_template("error.html", messages=messages), 422
    state = work.status(s, g.get("user"))
    progress = {}
    load = None
    if unit() is None:
        for t in campaign.topics:
            progress[t.topic] = work.lists_progress(s, t)
        load = work.burden(s)
    as_of = datetime.fromtimestamp(state["as_of"]).strftime("%H:%M:%S")
    return render_template(
        "overview.html",
        campaign=campaign,
        questionnaires={t.topic: _questionnaire(s, t) for t in campaign.topics},
        status=state,
        as_of=as_of,
        progress=progress,
        burden=load,
        jobs=_jobs(),
    )


def _questionnaire(s, t) -> str:
    """A topic's questionnaire as staff know it: its title (the bank's id only when the
    bank cannot be read; the topic page says why)."""
    try:
        return f"《{s.bank(t).title}》"
    except BankError:
        return str(t.bank)


@bp.post("/setup")
def setup():
    """Create campaign.yaml from the seed's eight topics (``surveytool init-campaign``)."""
    from surveytool.followup.init import init_campaign

    require_owner("创建调研计划")
    init_campaign(site().root)
    return redirect(url_for("pages.overview"))


@bp.route("/login", methods=["GET", "POST"])
def login():
    """The login form (intranet mode; loopback mode needs none)."""
    if not site().intranet:
        return redirect(url_for("pages.overview"))
    nxt = safe_next(request.values.get("next"))
    if request.method == "GET":
        return render_template("login.html", next=nxt, message=None)
    try:
        api.check_login(request.form.get("name", "")[:64], request.form.get("password", "")[:256])
    except WebError as exc:
        status = 429 if exc.problems[0].code in ("web_login_throttled", "web_login_busy") else 401
        return render_template("login.html", next=nxt, message=exc.problems[0].message), status
    return redirect(nxt)


SAFE_QUERY = re.compile(r"^[\w\-.=&%]{0,200}$")  # job=…, bank=…: no slashes, no schemes


def safe_next(value: str | None) -> str:
    """Where to go after logging in: ``value`` when it is a path of one of our pages
    (normalised: no scheme, host, backslash, control character or dot segment; matched
    against the app's routes), else ``/``. A query of plain ``key=value`` pairs is kept."""
    from urllib.parse import unquote, urlsplit

    from flask import current_app
    from werkzeug.exceptions import HTTPException

    text = value or "/"
    if any(c in text for c in "\\\r\n\t\x00") or any(ord(c) < 0x20 for c in unquote(text)):
        return "/"
    parts = urlsplit(text)
    path = unquote(parts.path)
    if parts.scheme or parts.netloc or not path.startswith("/") or path.startswith("//"):
        return "/"
    if any(seg in (".", "..") for seg in path.split("/")) or "\\" in path:
        return "/"
    try:
        endpoint, _ = current_app.url_map.bind("localhost").match(path, "GET")
    except HTTPException:
        return "/"
    if endpoint == "static" or endpoint.endswith(".login"):
        return "/"
    query = parts.query if SAFE_QUERY.match(parts.query) else ""
    return path + ("?" + query if query else "")


@bp.post("/logout")
def logout():
    api.end_session()
    return redirect(url_for("pages.login"))


def _jobs(topic: int | None = None) -> list:
    mine = unit() is not None
    out = [j for j in jobs().recent(30) if not mine or j.owner == who()]
    return [j for j in out if topic is None or f"选题{topic}" in j.title]


@bp.get("/topic/<int:number>")
def topic(number: int):
    """选题: forms to download, the upload area, recent jobs and uploads."""
    s = site()
    t = s.topic(number)
    bank = s.bank(t)
    log = [r for r in uploads.read_log(s.upload_log, 200) if r["选题"] == str(t.topic)]
    if unit() is not None:
        log = [r for r in log if r["用户"] == who()]
    return render_template(
        "topic.html",
        t=t,
        bank=bank,
        jobs=_jobs(t.topic),
        log=log[:10],
        job=request.args.get("job"),
        sources=api.SOURCES,
        max_mb=s.max_upload_mb,
    )


@bp.get("/topic/<int:number>/form/<layout>")
def form(number: int, layout: str):
    """Download the respondent form, the collection sheet or the XLSForm."""
    from surveytool.forms import write_form, write_xlsform

    t = site().topic(number)
    bank = site().bank(t)
    layout = check_choice(layout, tuple(LAYOUTS), "表格样式")
    name = safe_name(f"{bank.id}-{LAYOUTS[layout]}.xlsx")
    with tempfile.TemporaryDirectory(prefix="surveytool-form-") as folder:
        out = Path(folder) / name
        if layout == "xlsform":
            write_xlsform(bank, out)
        else:
            write_form(bank, out, layout=layout)
        data = io.BytesIO(out.read_bytes())
    return send_file(data, mimetype=XLSX, as_attachment=True, download_name=name)


@bp.post("/topic/<int:number>/upload")
def upload(number: int):
    """The upload form without JavaScript: queue the ingest, show the topic page."""
    from surveytool.ingest.options import ReadOptions

    s = site()
    t = s.topic(number)
    bank = s.bank(t)
    wave = check_wave(request.form.get("wave"))
    source = check_choice(request.form.get("source"), api.SOURCES, "文件来源")
    sent = [f for f in request.files.getlist("files") if f.filename]
    if not sent:
        raise WebError(problem("web_no_files"))
    saved = uploads.save(((f.filename, f.stream) for f in sent), s.inbox(t))
    job = api.start_ingest(t, bank, saved, wave, ReadOptions(source))
    return redirect(url_for("pages.topic", number=number, job=job.id))


@bp.post("/topic/<int:number>/mapping")
def mapping(number: int):
    """A platform export: propose its mapping (``surveytool map``) and show it as a form."""
    s = site()
    t = s.topic(number)
    bank = s.bank(t)
    source = check_choice(request.form.get("source"), ("auto", "wjx", "tencent", "kobo"), "平台")
    sent = [f for f in request.files.getlist("files") if f.filename][:1]
    if not sent:
        raise WebError(problem("web_no_files"))
    saved = uploads.save(((f.filename, f.stream) for f in sent), s.inbox(t))[0]
    if saved.path is None:
        uploads.log(s.upload_log, who(), t.topic, saved, "拒收：" + (saved.refused or ""))
        raise WebError(
            problem(
                "web_bad_suffix",
                file=saved.name,
                kind="文件",
                suffix=Path(saved.name).suffix or "无扩展名",
            )
        )
    try:
        rows, _ = work.propose_mapping(saved.path, bank, source)
    except SurveyToolError as exc:  # not a platform export, unreadable: under the sent name
        saved.path.unlink(missing_ok=True)
        names = {saved.path.name: saved.name}
        sent_as = [replace(p, message=work.sent_names(p.message, names)) for p in exc.problems]
        raise WebError(sent_as) from None
    names = s.inbox(t) / (saved.path.name + ".name")
    names.write_text(saved.name, encoding="utf-8")
    return render_template(
        "mapping.html",
        t=t,
        bank=bank,
        rows=rows,
        token=saved.path.name,
        name=saved.name,
        wave=check_wave(request.form.get("wave")),
    )


@bp.post("/topic/<int:number>/mapping/<token>")
def confirm(number: int, token: str):
    """The confirmed mapping: written to the mapping file, then the file is ingested."""
    from surveytool.ingest.options import ReadOptions

    s = site()
    t = s.topic(number)
    bank = s.bank(t)
    path = s.inbox(t) / token
    yaml_file = path.with_name(path.name + ".mapping.yaml")
    if "/" in token or "\\" in token or not path.is_file() or not yaml_file.is_file():
        raise WebError(problem("web_unknown_upload", value=token[:40]))
    known = {q.id for q in bank.questions}
    choices = {}
    for key, value in request.form.items():
        if key.startswith("q") and key[1:].isdigit():
            if value and value not in known:
                raise WebError(
                    problem(
                        "web_bad_choice", what="题目", value=value[:20], choices="题库中的题目编号"
                    )
                )
            choices[int(key[1:])] = value or None
    work.confirm_mapping(yaml_file, choices)
    name = path.with_name(path.name + ".name").read_text(encoding="utf-8")
    saved = [uploads.Saved(name, path, path.stat().st_size, _sha(path))]
    wave = check_wave(request.form.get("wave"))
    job = api.start_ingest(t, bank, saved, wave, ReadOptions("auto", yaml_file))
    return redirect(url_for("pages.topic", number=number, job=job.id))


def _sha(path: Path) -> str:
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()


@bp.get("/files/<int:number>/rejects/<name>")
def rejects(number: int, name: str):
    """A rejects workbook written by an ingest of this topic (beside its store)."""
    t = site().topic(number)
    if unit() is not None:  # a liaison: only the rejects of their own uploads
        own = [j.result.get("rejects_url") or "" for j in _jobs() if isinstance(j.result, dict)]
        if not any(u.endswith("/" + name) for u in own):
            require_owner("下载其他人上传的未通过答卷")
    path = site().store(t).parent / name
    if not REJECTS.match(name) or not path.is_file():
        raise WebError(problem("web_not_found", path=name[:60]))
    return send_file(path, as_attachment=True, download_name=name)
