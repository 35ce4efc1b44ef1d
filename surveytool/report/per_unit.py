"""One report per unit (``surveytool report --per-unit``), for the unit leaders who supplied
the respondents: the unit's own figures, and beside them the whole survey's (本单位 / 全部).

A unit gets a report when it has at least ``min_unit`` answers (never fewer than k). No
other unit is named or can be worked out: the report is built from the unit's answers alone
(no breakdown by unit, no coverage table, no per-unit notes of interviews or visits), other
units' names are masked in open answers, the unit question's own table is left out, and the
全部 column is shown only when the rest of the survey (全部 minus 本单位) holds at least two
other units of at least k answers each — otherwise 全部 minus 本单位 would be one other
unit's figures.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from pathlib import Path

import pandas as pd

from surveytool.analysis import Survey, analyse
from surveytool.analysis.releases import publish_answers
from surveytool.analysis.run import Results, group_fields
from surveytool.bank.model import Bank, Field
from surveytool.charts.jobs import Painter, workers_for
from surveytool.errors import UsageError, problem
from surveytool.report.context import build_context, for_report
from surveytool.report.findings import chart_count
from surveytool.report.numbering import Numbering
from surveytool.report.render import FORMATS, render
from surveytool.store.answers import snapshot

DEFAULT_MIN_UNIT = 30
MASK = "某单位"


@dataclass
class UnitReport:
    """What became of one unit: its report's files, or why it has none."""

    unit: str
    n: int
    paths: dict[str, Path]
    reason: str = ""


def _unit_field(bank: Bank) -> Field:
    units = [f for f in bank.role_fields("unit") if f.kind == "single"]
    if not units:
        raise UsageError(problem("per_unit_no_unit", bank=bank.id))
    return units[0]


def folder_name(label: str) -> str:
    """A folder name every Windows accepts for a unit label."""
    name = re.sub(r'[<>:"/\\|?*\x00-\x1f]', "_", label).strip(" .") or "单位"
    return name[:80]


def make_unit_reports(
    store: str | Path,
    bank: Bank,
    out_dir: str | Path,
    *,
    wave: str | None = None,
    min_unit: int = DEFAULT_MIN_UNIT,
    k: int = 5,
    formats: tuple[str, ...] = FORMATS,
    templates: str | Path | None = None,
    only: str | None = None,
) -> list[UnitReport]:
    """Write ``out_dir/<unit>/report.*`` for every unit with at least ``max(min_unit, k)``
    answers; returns one :class:`UnitReport` per unit of the bank (with the reason when it
    got none). ``only``: just that unit (a liaison's own, in the web app)."""
    unit = _unit_field(bank)
    threshold = max(min_unit, k)
    charts = chart_count(bank) * (1 if only else len(unit.options))
    with Painter(workers_for(charts)) as painter:  # one pool for every unit's charts
        with snapshot(store) as snap:
            s = Survey(snap.answers(bank, wave), bank)
            collection = snap.summary(bank, wave)
        if s.n == 0:
            raise UsageError(problem("empty_store", store=str(store), action="生成各单位报告"))
        # 全部 is a release (refused when too close)
        publish_answers(store, bank.id, wave, s.frame, k)
        by = [g.id for g in group_fields(bank, None) if g.id != unit.id]
        whole = for_report(analyse(s, by=by, k=k))
        values = s.values(unit.id)
        sizes = {o.code: int((values == o.code).sum()) for o in unit.options}
        out: list[UnitReport] = []
        for o in unit.options:
            if only is not None and o.label != only:
                continue
            n = sizes[o.code]
            if n < threshold:
                reason = problem("per_unit_too_few", unit=o.label, n=n, min=threshold).message
                out.append(UnitReport(o.label, n, {}, reason))
                continue
            others = [c for c, m in sizes.items() if c != o.code and m >= k]
            sub = s.subset(values == o.code)
            publish_answers(store, bank.id, wave, sub.frame, k)  # 本单位 too: no unit's n+1 vs n
            results = _scrub(analyse(sub, by=by, k=k), unit, o.label)
            folder = Path(out_dir) / folder_name(o.label)
            ctx = build_context(
                sub, for_report(results), _own(collection, n), folder, wave, painter=painter
            )
            _unit_context(ctx, sub, o.label, whole if len(others) >= 2 else None, results, k)
            paths = render(ctx, folder, formats, templates)
            out.append(UnitReport(o.label, n, paths))
        return out


def _own(collection: dict, n: int) -> dict:
    """The collection summary as one unit's report shows it: its own answers only."""
    return {**collection, "accepted": n, "rejected": 0, "duplicates": 0}


def _scrub(r: Results, unit: Field, own: str) -> Results:
    """``r`` without anything that names another unit: the unit question's own table and
    coverage; other units' names in open answers masked."""
    names = [o.label for o in unit.options if o.label != own]
    freq = r.frequencies
    if not freq.empty:
        freq = freq[freq["field"] != unit.id].reset_index(drop=True)
    examples = {f: [_mask(t, names) for t in texts] for f, texts in r.open_examples.items()}
    kw = r.open_answers
    if not kw.empty and "keyword" in kw:
        kw = kw.assign(keyword=[_mask(t, names) for t in kw["keyword"]])
    return replace(
        r,
        frequencies=freq,
        coverage=pd.DataFrame(columns=r.coverage.columns),
        open_examples=examples,
        open_answers=kw,
        other_texts={},
    )


def _mask(text: str, names: list[str]) -> str:
    for name in sorted(names, key=len, reverse=True):
        text = text.replace(name, MASK)
    return text


def _unit_context(
    ctx: dict, s: Survey, label: str, whole: Results | None, own: Results, k: int
) -> None:
    """Title, a sentence on what the report is, and the section 本单位与全部受访者对比."""
    ctx["title"] = f"{ctx['title']}——{label}本单位报告"
    note = (
        f"本报告只统计{label}的 {s.n} 份有效答卷，供本单位参考；"
        "“全部”为全部受访者（各单位合计）的结果，不单列其他任何单位。"
    )
    if whole is None:
        note += "其他有答卷的单位不足两个，为避免由“全部”减去本单位推算出另一个单位的结果，未列出“全部”一栏。"
    for section in ctx["sections"]:
        if section["title"].endswith("调查基本情况"):
            section["blocks"][1:1] = [{"para": note}]
    if whole is None:
        return
    num = Numbering(Path(), False)
    table = _comparison(s, own, whole, num, k)
    if table is None:
        return
    for section in ctx["sections"]:  # at the end of 调查基本情况: the numbering stays
        if section["title"].endswith("调查基本情况"):
            section["blocks"].append({"table": table})


def _comparison(s: Survey, own: Results, whole: Results, num: Numbering, k: int):
    """本单位 % beside 全部 % for every option of the single-choice and scale questions
    (hidden cells as in each one's own tables)."""
    if own.frequencies.empty:
        return None
    a = own.frequencies
    b = whole.frequencies.set_index(["field", "option"])
    rows = []
    for r in a.to_dict(orient="records"):
        if r.get("dont_know"):
            continue
        key = (r["field"], r["option"])
        mine = "—" if r["suppressed"] or r["percent"] != r["percent"] else f"{r['percent']:.1f}%"
        w = b.loc[key] if key in b.index else None
        all_ = (
            "—"
            if w is None or w["suppressed"] or w["percent"] != w["percent"]
            else f"{w['percent']:.1f}%"
        )
        question = s.bank.field(r["field"]).label
        rows.append([question, r["label"], mine, all_])
    if not rows:
        return None
    table = num.table(
        "本单位与全部受访者的回答比较",
        ["题目", "选项", "本单位", "全部"],
        rows,
        f"注：百分比以作答人数为基数；少于 {k} 人的数字不报告（记为“—”）。",
    )
    table["caption"] = "本单位与全部受访者的回答比较"  # outside the report's own numbering
    return table
