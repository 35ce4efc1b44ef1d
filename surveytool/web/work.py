"""What the pages and the API ask of the library — the same calls the CLI makes (see
``surveytool/cli/*.py``), shaped for JSON and templates. Long ones return a function that a
background job runs (:mod:`surveytool.web.jobs`)."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from surveytool.bank.model import Bank
from surveytool.errors import UsageError, problem, web_text
from surveytool.followup.campaign import Topic
from surveytool.web.auth import User
from surveytool.web.jobs import Job
from surveytool.web.site import Site
from surveytool.web.uploads import Saved, log

KEYS = ("accepted", "rejected", "duplicates", "warnings")


def records(frame) -> list[dict]:
    """A DataFrame as JSON-ready records (NaN -> None), as ``--json`` prints them."""
    from surveytool.analysis.run import records as _records

    return _records(frame)


# --- ingest -------------------------------------------------------------------------------


def ingest_job(
    site: Site,
    t: Topic,
    bank: Bank,
    saved: list[Saved],
    wave: str,
    options,
    user: str,
    only_unit: str | None = None,
) -> Callable[[Job], dict]:
    """The job that ingests the saved files (``surveytool ingest``) and reports per file;
    ``only_unit``: a liaison's upload, rows of other units refused."""
    from surveytool.ingest import ingest

    def run(job: Job) -> dict:
        paths = [s.path for s in saved if s.path]
        summary = None
        if paths:
            summary = ingest(
                paths,
                bank,
                site.store(t),
                wave=wave,
                progress=lambda p: job.progress(p.done, p.total, p.name),
                options=options,
                only_unit=only_unit,
            )
        result = ingest_result(site, t, saved, summary, user)
        if summary and any(f.accepted for f in summary.files):
            coverage_of(site).refresh(site)  # 总览 current once the upload is done
        return result

    return run


def ingest_result(site: Site, t: Topic, saved: list[Saved], summary, user: str) -> dict:
    """``{files, accepted, rejected, duplicates, rejects_url, …}`` with each file under the
    name it was sent as; files that were refused, could not be read or were already in the
    store are removed from the inbox (nothing of them is kept); every file is logged."""
    d = summary.to_dict() if summary else {"files": [], "units": {}}
    by_stored = {s.path.name: s for s in saved if s.path}
    names = {k: v.name for k, v in by_stored.items()}
    rejects = summary.rejects_file if summary else None
    reasons = name_rejects(Path(rejects), names) if rejects else {}
    files = []
    others = {f.path: f.other_units for f in summary.files} if summary else {}
    for f in d["files"]:
        s = by_stored.get(Path(f["path"]).name)
        name = s.name if s else f["name"]
        entry = {k: f[k] for k in ("status", "kind", "rows", *KEYS)}
        entry["name"] = name
        entry["problems"] = [web_text(sent_names(p, names)) for p in f["problems"]]
        entry["problems"] += reasons.get(name, [])
        files.append(entry)
        if s:
            _settle(site, t, s, entry, user, others.get(f["path"]))
    for s in saved:
        if s.path is None:
            files.append(
                {"name": s.name, "status": "refused", "kind": None, "rows": 0}
                | dict.fromkeys(KEYS, 0)
                | {"problems": [web_text(s.refused or "")]}
            )
            log(site.upload_log, user, t.topic, s, "拒收：" + (s.refused or ""))
    return {
        "bank": summary.bank if summary else None,
        "wave": summary.wave if summary else None,
        "files": files,
        **{k: sum(f[k] for f in files) for k in KEYS},
        "failed": sum(f["status"] in ("failed", "refused") for f in files),
        "already_ingested": sum(f["status"] == "known" for f in files),
        "units": d["units"],
        "rejects_url": f"/files/{t.topic}/rejects/{Path(rejects).name}" if rejects else None,
    }


def sent_names(text: str, names: dict[str, str]) -> str:
    """``text`` with every generated inbox name replaced by the name it was sent as."""
    for stored, sent in names.items():
        text = text.replace(stored, sent)
    return text


SHOWN_REASONS = 3  # reasons shown per rejected row (the rejects workbook has them all)


def name_rejects(path: Path, names: dict[str, str]) -> dict[str, list[str]]:
    """Put the names files were sent as into the rejects workbook ingest wrote (so it can
    be corrected and uploaded again as it is); returns each file's rejected rows, with
    their first reasons, as the page shows them."""
    from openpyxl import load_workbook

    from surveytool.atomic import write_atomic
    from surveytool.forms.xlsx import evaluated

    wb = load_workbook(path)
    out: dict[str, list[str]] = {}
    for row in wb.worksheets[0].iter_rows(min_row=2):
        if row[0].value is None:
            continue
        sent = sent_names(str(row[0].value), names)
        why = sent_names(str(row[3].value or ""), names).splitlines()
        for cell, value in ((row[0], sent), (row[3], "\n".join(why))):
            cell.value = value
            if evaluated(value):
                cell.data_type = "s"  # text, never a formula
        more = f"（另有 {len(why) - SHOWN_REASONS} 条原因，见未通过答卷清单）"
        shown = why[:SHOWN_REASONS] + ([more] if len(why) > SHOWN_REASONS else [])
        out.setdefault(sent, []).append(f"第 {row[2].value} 行未通过：" + " ".join(shown))
    write_atomic(path, wb.save)
    return out


def _settle(site: Site, t: Topic, s: Saved, entry: dict, user: str, other_units=None) -> None:
    status = entry["status"]
    if status in ("failed", "known") and s.path:
        s.path.unlink(missing_ok=True)  # nothing of an unreadable or repeated file is kept
    words = {
        "ingested": "已回收",
        "failed": "无法读取",
        "known": "已回收过，跳过",
        "paired": "已配对",
    }
    text = words.get(status, status)
    if status == "ingested":
        text += "：有效 {accepted}，未通过 {rejected}，重复 {duplicates}".format(**entry)
    elif entry["problems"]:
        text += "：" + entry["problems"][0]
    if other_units:
        shown = "、".join(f"{u} {n} 份" for u, n in sorted(other_units.items()))
        text += f"；其他单位的答卷未入库（{shown}）"
    log(site.upload_log, user, t.topic, s, text)


def propose_mapping(path: Path, bank: Bank, source: str) -> tuple[list[tuple], Path]:
    """``surveytool map``: the proposed rows and the mapping file beside the upload."""
    from surveytool.ingest.platform_map import propose

    return propose(path, bank, source, path.with_name(path.name + ".mapping.yaml"))


def confirm_mapping(path: Path, choices: dict[int, str | None]) -> None:
    """Write the person's choices (question number in the file -> bank question id, None:
    not imported) into the mapping file, as they would edit it by hand."""
    import yaml

    text = path.read_text(encoding="utf-8")
    head = "".join(line + "\n" for line in text.splitlines() if line.startswith("#"))
    doc = yaml.safe_load(text) or {}
    for i, q in enumerate(doc.get("questions") or []):
        if i in choices:
            q["bank"] = choices[i]
            q["status"] = "已对应" if choices[i] else "未对应"
            q["confidence"] = 1.0
    dumped = yaml.safe_dump(doc, allow_unicode=True, sort_keys=False)
    path.write_text(head + dumped, encoding="utf-8")


# --- campaign status ----------------------------------------------------------------------


class Coverage:
    """``coverage(campaign)`` as records, recomputed only when campaign.yaml or a store has
    changed: reading a store of thousands of answers takes seconds, and 总览 and
    ``/api/status`` are asked often. A change found by a request is refreshed in the
    background (one refresh at a time) while the last figures are served with their time
    (``as_of``) and ``stale``; an ingest job refreshes it when it ends; the first request
    computes it at once."""

    def __init__(self) -> None:
        self._lock = threading.Lock()  # one computation at a time
        self._flag = threading.Lock()  # guards _busy
        self._busy = False
        self.key: tuple = ()
        self.records: list[dict] | None = None
        self.stores: list[Path] = []
        self.as_of = 0.0

    def _key(self, site: Site) -> tuple:
        paths = [site.campaign_file, *self.stores]
        paths += [p.with_name(p.name + "-wal") for p in self.stores]
        return tuple((str(p), *_stat(p)) for p in paths)

    def refresh(self, site: Site) -> None:
        """Compute now (a refresh already running finishes first)."""
        from surveytool.followup.status import coverage

        with self._lock:
            campaign = site.campaign()
            self.stores = [campaign.store_of(t) for t in campaign.topics]
            key = self._key(site)
            self.records = records(coverage(campaign))
            self.key, self.as_of = key, time.time()

    def get(self, site: Site) -> tuple[list[dict], float, bool]:
        """(records, when they were computed, whether the stores changed since)."""
        if self.records is None:
            self.refresh(site)
        elif self._key(site) != self.key:
            with self._flag:
                start, self._busy = not self._busy, True
            if start:
                threading.Thread(target=self._background, args=(site,), daemon=True).start()
        stale = self._busy or self._key(site) != self.key
        return self.records or [], self.as_of, stale

    def _background(self, site: Site) -> None:
        try:
            self.refresh(site)
        except Exception:  # the next request tries again (and shows the error, if any)
            self.records = None
        finally:
            self._busy = False


def _stat(p: Path) -> tuple[int, int]:
    try:
        st = p.stat()
    except OSError:
        return (0, 0)
    return (st.st_mtime_ns, st.st_size)


_COVERAGE: dict[Path, Coverage] = {}


def coverage_of(site: Site) -> Coverage:
    """The coverage cache of ``site``'s folder."""
    return _COVERAGE.setdefault(site.root.resolve(), Coverage())


def status(site: Site, user: User | None, today=None) -> dict[str, Any]:
    """The ``surveytool status --json`` content; a liaison gets their unit's rows only.
    ``as_of`` (epoch seconds) and ``stale`` say how current the coverage is."""
    from surveytool.followup.status import milestones

    campaign = site.campaign()
    rows, as_of, stale = coverage_of(site).get(site)
    if user and not user.owner:
        rows = [r for r in rows if r["unit"] == user.unit]
    return {
        "coverage": rows,
        "milestones": records(milestones(campaign, today)),
        "as_of": round(as_of, 3),
        "stale": stale,
    }


def burden(site: Site) -> dict[str, Any]:
    """调研负担 (``surveytool status``): the units asked by more than one topic, and the
    warnings (扎堆调研 within 30 days, the same respondents asked twice)."""
    from surveytool.followup.burden import burden as unit_burden

    load, warnings = unit_burden(site.campaign())
    shared = load[load["topics"] > 1] if len(load) else load
    return {"rows": records(shared), "warnings": warnings}


def lists_progress(site: Site, t: Topic, today=None) -> dict | None:
    """``surveytool track --json`` of the topic's lists (None when there are none yet)."""
    from surveytool.followup.lists import read_lists
    from surveytool.followup.track import track

    path = site.lists(t)
    if not path.is_file():
        return None
    return track(read_lists(path), today).to_dict()


# --- analysis, report, waves, lists ---------------------------------------------------------


def _survey(site: Site, t: Topic, bank: Bank, wave: str | None, action: str):
    from surveytool.analysis import Survey
    from surveytool.store import load_answers

    store = site.store(t)
    if not store.is_file():
        raise UsageError(problem("empty_store", store=store.name, action=action))
    s = Survey(load_answers(store, bank, wave), bank)
    if s.n == 0:
        if wave:
            raise UsageError(problem("empty_wave", wave=wave, store=store.name))
        raise UsageError(problem("empty_store", store=store.name, action=action))
    return s


def analyse_into(site: Site, t: Topic, bank: Bank, wave: str | None = None) -> int:
    """``surveytool analyze --json``: the results written where the page reads them;
    returns the number of answers analysed."""
    import json

    from surveytool.analysis import analyse
    from surveytool.analysis.releases import publish_answers
    from surveytool.analysis.run import DEFAULT_K
    from surveytool.atomic import write_atomic

    survey = _survey(site, t, bank, wave, "统计分析")
    number = publish_answers(site.store(t), bank.id, wave, survey.frame, DEFAULT_K)
    data = json.loads(analyse(survey).to_json())
    data["release"] = number  # the page says which release it shows
    text = json.dumps(data, ensure_ascii=False, indent=1)
    write_atomic(site.analysis(t), lambda tmp: tmp.write_text(text, encoding="utf-8"))
    return survey.n


def analysis_job(site: Site, t: Topic, bank: Bank, wave: str | None) -> Callable[[Job], dict]:
    """The job running :func:`analyse_into`."""

    def run(job: Job) -> dict:
        return {"n": analyse_into(site, t, bank, wave), "url": f"/topic/{t.topic}/analysis"}

    return run


def report_job(
    site: Site,
    t: Topic,
    bank: Bank,
    formats: tuple[str, ...],
    waves: tuple[str, str] | None,
    with_lists: bool,
) -> Callable[[Job], dict]:
    """``surveytool report``: the draft report into the topic's report folder (and the
    page's tables refreshed from the same answers)."""
    from surveytool.report import render, report_context
    from surveytool.report.slides import write_slides

    def run(job: Job) -> dict:
        lists = site.lists(t) if with_lists and site.lists(t).is_file() else None
        job.progress(0, 2, "统计分析")
        analyse_into(site, t, bank, waves[1] if waves else None)
        job.progress(1, 2, "生成报告")
        folder = site.reports(t)
        ctx = report_context(site.store(t), bank, folder, waves=waves, lists=lists)
        paths = render(ctx, folder, tuple(f for f in formats if f != "pptx"))
        if "pptx" in formats:  # the 成果交流 slides of the same report model
            paths["pptx"] = write_slides(ctx, folder, folder / "report.pptx")
        return {
            kind: f"/api/report?bank={bank.id}&format={kind}" for kind in paths if kind in formats
        }

    return run


def compare_job(site: Site, t: Topic, bank: Bank, a: str, b: str) -> Callable[[Job], dict]:
    """``surveytool compare``: the changes between two waves, as sentences and numbers."""
    from surveytool.analysis.waves import compare_waves
    from surveytool.report.campaign import hide_wave_values
    from surveytool.report.sentences import wave_change

    def run(job: Job) -> dict:
        sa, sb = (_survey(site, t, bank, w, "对比") for w in (a, b))
        from surveytool.analysis.releases import publish_answers
        from surveytool.analysis.run import DEFAULT_K

        for w, s in ((a, sa), (b, sb)):
            publish_answers(site.store(t), bank.id, w, s.frame, DEFAULT_K)
        res = hide_wave_values(compare_waves(sa, sb, None), sa, sb, 5)
        rows = [
            {
                "label": r["label"],
                "verdict": r["verdict"],
                "sentence": wave_change(r["label"], r, a, b, values=not r["values_hidden"]),
            }
            for r in res.to_dict(orient="records")
        ]
        design = res["design"].iloc[0] if len(res) else "independent"
        return {"a": a, "b": b, "na": sa.n, "nb": sb.n, "design": design, "rows": rows}

    return run


def lists_job(site: Site, t: Topic, bank: Bank) -> Callable[[Job], dict]:
    """``surveytool lists``: create the lists, or merge new data into the edited ones."""
    from surveytool.analysis import analyse
    from surveytool.followup.lists import make_lists
    from surveytool.report.context import for_report
    from surveytool.report.problems import for_lists

    def run(job: Job) -> dict:
        s = _survey(site, t, bank, None, "生成问题清单")
        from surveytool.analysis.releases import publish_answers
        from surveytool.analysis.run import DEFAULT_K

        publish_answers(site.store(t), bank.id, None, s.frame, DEFAULT_K)
        found, measured = for_lists(s, for_report(analyse(s)), None)
        site.lists(t).parent.mkdir(parents=True, exist_ok=True)
        _, lists = make_lists(found, site.lists(t), bank.id, None, measured)
        return {"problems": len(lists.sheets["问题清单"]), "url": f"/files/{t.topic}/lists"}

    return run
