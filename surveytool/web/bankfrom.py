"""选题 → 从问卷星/XLSForm/SPSS 文件生成题库: upload the files, review the proposed bank in
a table (types, options, what was skipped, what to check), confirm; the bank is then saved
in the campaign folder (``题库/<id>.yaml``, with the platform mapping beside it) and the
topic's ``bank:`` in campaign.yaml points at it. The library does the work
(:func:`surveytool.ingest.bank_from.bank_from`, :func:`~surveytool.followup.campaign_edit.set_topic_bank`).
"""

from __future__ import annotations

import re
import shutil
from dataclasses import replace
from pathlib import Path

from flask import Blueprint, redirect, render_template, request, url_for

from surveytool.bank import load_bank
from surveytool.bank.model import TYPE_NAMES, question_options
from surveytool.errors import SurveyToolError, problem
from surveytool.web import uploads, work
from surveytool.web.context import WebError, require_owner, site
from surveytool.web.site import generated_name

bp = Blueprint("bankfrom", __name__)
DRAFTS = "题库草稿"
BANKS = "题库"
_UNSAFE = re.compile(r'[<>:"/\\|?*\x00-\x1f]')
_TOKEN = re.compile(r"^[\w\-]+$")


def _staging(number: int, token: str) -> Path:
    return site().inbox(site().topic(number)) / DRAFTS / token


@bp.post("/topic/<int:number>/bank-from")
def propose(number: int):
    """Read the uploaded files and show the proposed bank for review."""
    from surveytool.ingest.bank_from import bank_from

    require_owner("从已有问卷生成题库")
    t = site().topic(number)
    sent = [f for f in request.files.getlist("files") if f.filename][:2]
    if not sent:
        raise WebError(problem("web_no_files"))
    token = generated_name("")
    folder = site().inbox(t) / DRAFTS / token
    saved = uploads.save(((f.filename, f.stream) for f in sent), folder)
    paths, names = [], {}
    for s in saved:
        if s.path is None:
            shutil.rmtree(folder, ignore_errors=True)
            raise WebError(
                problem(
                    "web_bad_suffix",
                    file=s.name,
                    kind="文件",
                    suffix=Path(s.name).suffix or "无扩展名",
                )
            )
        target = folder / (_UNSAFE.sub("_", s.name).strip(" .") or s.path.name)
        if target.exists():
            target = folder / s.path.name
        s.path.rename(target)
        paths.append(target)
        names[target.name] = s.name
    lang = (request.form.get("lang") or "").strip()[:20] or None
    try:
        out = bank_from(paths, folder / "draft.yaml", title=None, lang=lang)
    except SurveyToolError as exc:
        shutil.rmtree(folder, ignore_errors=True)
        raise WebError(
            [replace(p, message=work.sent_names(p.message, names)) for p in exc.problems]
        ) from None
    final = {"draft.yaml": f"{out.bank.id}.yaml"}  # the name it will be saved under
    out.hints = [replace(p, message=work.sent_names(p.message, final)) for p in out.hints]
    return render_template(
        "bankfrom.html",
        t=t,
        token=token,
        out=out,
        rows=_rows(out.bank),
        names="、".join(names.values()),
    )


def _rows(bank) -> list[dict]:
    rows = []
    for q in bank.questions:
        if q.type == "likert":
            opts = [o.label for o in bank.scales[q.scale or ""]]
            detail = f"{len(q.items)} 个小题：" + "；".join(i.text for i in q.items[:4])
        elif q.type in ("single", "multi", "rank"):
            opts = [o.label for o in question_options(q, bank.scales)]
            detail = ""
        else:
            opts, detail = [], ("整数" if q.integer else "") if q.type == "number" else ""
        rows.append(
            {"id": q.id, "type": TYPE_NAMES[q.type], "text": q.text, "options": opts, "detail": detail,
             "relevant": q.relevant or ""}
        )  # fmt: skip
    return rows


@bp.post("/topic/<int:number>/bank-from/<token>")
def confirm(number: int, token: str):
    """Save the reviewed bank in the campaign folder and make it the topic's bank."""
    from surveytool.followup.campaign_edit import set_topic_bank
    from surveytool.ingest.bank_from import mapping_path

    require_owner("从已有问卷生成题库")
    s = site()
    t = s.topic(number)
    folder = _staging(number, token)
    draft = folder / "draft.yaml"
    if not _TOKEN.match(token) or not draft.is_file():
        raise WebError(problem("web_unknown_upload", value=token[:40]))
    bank = load_bank(draft)
    target_dir = s.root / BANKS
    target_dir.mkdir(exist_ok=True)
    target = target_dir / f"{bank.id}.yaml"
    n = 1
    while target.exists():
        n += 1
        target = target_dir / f"{bank.id}_{n}.yaml"
    shutil.copyfile(draft, target)
    if mapping_path(draft).is_file():
        shutil.copyfile(mapping_path(draft), mapping_path(target))
    try:
        set_topic_bank(s.campaign_file, t.topic, f"{BANKS}/{target.name}")
    except SurveyToolError:
        target.unlink(missing_ok=True)
        mapping_path(target).unlink(missing_ok=True)
        raise
    shutil.rmtree(folder, ignore_errors=True)
    return redirect(url_for("pages.topic", number=number))
