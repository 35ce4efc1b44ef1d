"""The JSON API under the pages (documented in docs/web.md): banks, ingest, status, report,
jobs, login. Each route checks its input, calls :mod:`surveytool.web.work` and returns JSON;
errors are JSON with a Chinese ``message`` and the matching HTTP status."""

from __future__ import annotations

from flask import Blueprint, g, jsonify, request, send_file, session

from surveytool.bank import bank_paths, builtin_dir
from surveytool.errors import BankError, problem
from surveytool.filenames import safe_name
from surveytool.web import auth, uploads, work
from surveytool.web.context import (
    WebError,
    client,
    csrf_token,
    fields,
    jobs,
    require_owner,
    respond,
    sessions,
    site,
    throttle,
    unit,
    who,
)
from surveytool.web.site import cached_bank, check_choice, check_wave

bp = Blueprint("api", __name__, url_prefix="/api")

SOURCES = ("auto", "table", "wjx", "tencent", "kobo", "sav")
ENCODINGS = ("auto", "text", "code", "score")
FORMATS = ("docx", "html", "md", "pptx")  # pptx: the 成果交流 slides of the same report
MIME = {
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "html": "text/html",
    "md": "text/markdown",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
}


@bp.get("/banks")
def banks():
    """The campaign's banks (the built-in ones before there is a campaign)."""
    s = site()
    if s.campaign_file.is_file():
        found = [(cached_bank(t.bank), t.topic) for t in s.campaign().topics]
    else:
        found = []
        for path in bank_paths(builtin_dir()):
            try:
                found.append((cached_bank(str(path)), None))
            except BankError:
                continue
    return jsonify(
        [{"id": b.id, "title": b.title, "version": b.version, "topic": n} for b, n in found]
    )


def start_ingest(t, bank, saved, wave: str, options):
    """Queue the ingest of ``saved`` files; the job."""
    title = f"回收 选题{t.topic}：{len(saved)} 个文件"
    run = work.ingest_job(site(), t, bank, saved, wave, options, who(), unit())
    return jobs().submit("ingest", title, run, owner=who(), unit=unit())


@bp.post("/ingest")
def ingest():
    """Files in the multipart field ``files`` (repeatable) -> the per-file result."""
    from surveytool.ingest.options import ReadOptions

    s = site()
    t, bank = s.topic_of_bank(request.args.get("bank", ""))
    wave = check_wave(request.args.get("wave"))
    source = check_choice(request.args.get("source"), SOURCES, "文件来源")
    encoding = check_choice(request.args.get("encoding"), ENCODINGS, "问卷星编码")
    sent = [f for f in request.files.getlist("files") if f.filename]
    if not sent:
        raise WebError(problem("web_no_files"))
    saved = uploads.save(((f.filename, f.stream) for f in sent), s.inbox(t))
    if not any(x.path for x in saved):  # nothing we could read: said at once, nothing kept
        result = work.ingest_result(s, t, saved, None, who())
        body = {"message": result["files"][0]["problems"][0], **result}
        return jsonify(body), 400
    options = ReadOptions(source, None, None if encoding == "auto" else encoding)
    job = start_ingest(t, bank, saved, wave, options)
    return finish(job)


def finish(job):
    """202 with the job's address (``?async=1``), else wait for it and return its result."""
    if request.args.get("async") in ("1", "true"):
        return jsonify({"job": job.id, "status_url": f"/api/jobs/{job.id}"}), 202
    job.event.wait()
    if job.state == "failed":
        return jsonify({"message": job.messages[0], "messages": job.messages}), 400
    return jsonify(job.result)


@bp.get("/status")
def status():
    """``surveytool status --json`` (a liaison: their unit's coverage only)."""
    return jsonify(work.status(site(), g.get("user")))


def _report_request():
    require_owner("查看分析结果和报告")
    t, bank = site().topic_of_bank(request.args.get("bank", ""))
    return t, bank


@bp.get("/report")
def report():
    """The latest generated report of a bank, as .docx, .html or .md, or its slides."""
    t, bank = _report_request()
    fmt = check_choice(request.args.get("format"), FORMATS, "报告格式")
    path = site().reports(t) / f"report.{fmt}"
    if not path.is_file():
        raise WebError(problem("web_no_report", topic=t.topic, format=fmt))
    name = safe_name(f"{bank.id}-{'成果交流' if fmt == 'pptx' else '调研报告初稿'}.{fmt}")
    return send_file(path, mimetype=MIME[fmt], as_attachment=True, download_name=name)


@bp.post("/report")
def make_report():
    """Generate the report (formats comma-separated, default all three)."""
    t, bank = _report_request()
    wanted = [x.strip() for x in request.args.get("format", ",".join(FORMATS)).split(",")]
    formats = tuple(check_choice(x, FORMATS, "报告格式") for x in wanted if x)
    run = work.report_job(site(), t, bank, formats or FORMATS, None, False)
    job = jobs().submit("report", f"生成报告 选题{t.topic}", run, owner=who())
    return finish(job)


@bp.get("/jobs/<job_id>")
def job_state(job_id: str):
    """A background job's progress and, once done, its result."""
    job = jobs().get(job_id)
    if job is None or (unit() is not None and job.owner != who()):
        raise WebError(problem("web_unknown_job", value=job_id[:40]))
    return jsonify(job.to_dict())


@bp.post("/login")
def login():
    """Log in (JSON or form: name, password); returns the CSRF token for later POSTs."""
    sent = fields("name", "password")
    user = check_login(sent["name"][:64], sent["password"])
    return jsonify(
        {"name": user.name, "role": user.role, "unit": user.unit, "csrf_token": csrf_token()}
    )


def check_login(name: str, password: str) -> auth.User:
    """The user, logged into a new server-side session; our error (401, or 429 when
    throttled or too many logins are being checked at once)."""
    users, address = site().users_file, client()
    wait = throttle().wait(name, address, auth.entry(users, name).get("unlocked_at", 0.0))
    if wait:
        raise WebError(problem("web_login_throttled", seconds=wait))
    try:
        user = auth.verify_bounded(users, name, password)
    except auth.BusyError:
        raise WebError(problem("web_login_busy")) from None
    if user is None:
        throttle().failed(name, address)
        raise WebError(problem("web_login_failed"))
    throttle().succeeded(name, address)
    end_session()
    session["sid"] = sessions().start(user.name)
    g.user = user
    return user


def end_session() -> None:
    """End this request's server-side session and clear its cookie."""
    sessions().end(session.get("sid"))
    session.clear()


@bp.post("/logout")
def logout():
    end_session()
    return jsonify({"message": "已退出登录。"})


__all__ = ["bp", "check_login", "respond", "start_ingest"]
