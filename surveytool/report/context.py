"""The report's context: a plain document built from the result tables, fed to every template
and to the Word writer, so the three formats show the same thing.

``ctx["sections"]`` is a list of ``{"title", "blocks", "appendix"}``; a block is one of
``{"para"}``, ``{"note"}``, ``{"heading", "level"}``, ``{"table"}``, ``{"figure"}``,
``{"items", "ordered"}`` (a list), ``{"quote"}``, ``{"problems"}`` (title + evidence each).
Charts are drawn here, numbered in document order; the appendix numbers its own (附表 N).
The body reads as a 调研报告: 摘要 first, findings as prose with key charts, detailed tables
and every test in the appendix; no bank ids, field ids or YAML keys outside the appendix's
method note.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import date
from pathlib import Path

import pandas as pd

from surveytool.analysis import Results, Survey
from surveytool.bank.model import OTHER_LABEL
from surveytool.charts.jobs import Painter
from surveytool.followup.lists import closed_note
from surveytool.report import sentences as say
from surveytool.report.comparisons import comparisons, tests_table
from surveytool.report.findings import findings
from surveytool.report.methods import methods
from surveytool.report.numbering import Numbering
from surveytool.report.other_methods import MethodsReport
from surveytool.report.problems import Problem, candidate_problems
from surveytool.report.summary import picked_facts, summary_blocks
from surveytool.report.tables import count, detail_blocks

ALPHA_MIN_N = 30  # below this, alpha is shown but not interpreted


def report_title(bank_title: str) -> str:
    """``关于青年科技工作者科研负担与创新环境情况的调研报告（初稿）``."""
    core = bank_title.removesuffix("调查问卷").removesuffix("问卷").removesuffix("情况")
    core = core.removeprefix("柳州市")
    return f"关于{core}情况的调研报告（初稿）"


def _cn_date(iso: str) -> str:
    y, m, d = iso.split("-")
    return f"{int(y)}年{int(m)}月{int(d)}日"


def _period(first: str, last: str) -> str:
    """``2026年11月16日至27日`` (the year and month not repeated), or one day."""
    if not first:
        return "（无回收记录）"
    if first == last:
        return _cn_date(first)
    end = _cn_date(last)
    if first[:4] == last[:4]:
        end = end.split("年", 1)[1]
        if first[:7] == last[:7]:
            end = end.split("月", 1)[1]
    return f"{_cn_date(first)}至{end}"


def basics(s: Survey, r: Results, collection: dict, num: Numbering, wave: str | None) -> list[dict]:
    """调查基本情况: when, how many, error, returns per unit and who answered (in words)."""
    bank = s.bank
    period = _period(collection.get("first", ""), collection.get("last", ""))
    if collection.get("first") and not collection.get("dated", True):
        period += "（部分答卷没有回收日期，按导入数据库的日期计）"
    moe = r.margin_of_error.iloc[0]["moe"]
    text = [
        f"本次调查使用《{bank.title}》（第 {bank.version} 版）"
        + (f"，为“{wave}”调查" if wave else "")
        + f"，回收时间为 {period}。"
        f"共回收答卷文件 {collection['files']} 个，有效答卷 {collection['accepted']} 份；"
        f"未通过校验 {collection['rejected']} 份"
        + (
            f"（另有 {collection['corrected']} 份未通过的答卷改正后重新回收，已计入有效答卷）"
            if collection.get("corrected")
            else ""
        )
        + f"，识别并剔除重复答卷 {collection['duplicates']} 份。"
    ]
    waves = collection.get("waves", [])
    if wave is None and len(waves) > 1:
        text.append(
            f"注意：数据库中有 {len(waves)} 个调查轮次（{'、'.join(waves)}），本报告合并统计了全部轮次，"
            "参加了多轮的受访者会被重复计入。请用 --wave 指定一个轮次，两轮对比请用 --waves。"
        )
    if r.n >= r.k and moe == moe:
        text.append(
            f"按 95% 置信度、最保守的比例 50% 估计，整体抽样误差约为 ±{moe * 100:.1f} 个百分点。"
        )
    profile = _profile_sentence(s, r)
    if profile:
        text.append(profile)
    blocks: list[dict] = [{"para": t} for t in text]
    if not r.coverage.empty:
        blocks.append({"table": _coverage_table(r, num)})
    return blocks


def _profile_sentence(s: Survey, r: Results) -> str:
    """受访者以……为主: the largest category of each profile question (shown ones only)."""
    parts = []
    for f in s.bank.fields:
        q = s.bank.question(f.question)
        if f.kind != "single" or q.role != "group" or q.identifying:
            continue
        fr = r.frequencies[(r.frequencies["field"] == f.id) & ~r.frequencies["suppressed"]]
        fr = fr[~fr["dont_know"].astype(bool)] if "dont_know" in fr else fr
        if fr.empty or int(fr["valid"].iloc[0]) < r.k:
            continue
        top = fr.sort_values("n", ascending=False).iloc[0]
        if top["label"] != say.REPORT_OTHER:
            parts.append(
                f"{say.by_noun(q.text)}以“{top['label']}”居多（{say.pct(top['percent'])}）"
            )
    if not parts:
        return ""
    return f"从受访者基本情况看，{'，'.join(parts)}（详见附录）。"


def _given(records: list[dict], key: str) -> bool:
    """Whether any unit has a ``key`` (target, population) given."""
    return any(row.get(key) is not None and row.get(key) == row.get(key) for row in records)


def _coverage_table(r: Results, num: Numbering) -> dict:
    """各单位回收情况 (with targets and completion when targets were given)."""
    records = r.coverage.to_dict(orient="records")
    targets, populations = _given(records, "target"), _given(records, "population")
    rows = []
    for row in records:
        line = [say.report_label(row["unit"]), count(int(row["n"]), bool(row["suppressed"]), r.k)]
        shown = not row["suppressed"]
        if targets:
            t = row["target"]
            has = t is not None and t == t
            line += [
                str(int(t)) if has else "—",
                f"{row['percent']:.0f}%" if has and shown else "—",
            ]
        if populations:  # answers / people asked (the campaign's populations)
            pop = row.get("population")
            has = pop is not None and pop == pop
            line += [
                str(int(pop)) if has else "—",
                f"{row['response_rate']:.0f}%" if has and shown else "—",
            ]
        rows.append(line)
    header = ["单位", "有效答卷（份）"] + (["目标（份）", "完成率"] if targets else [])
    header += ["调查对象（人）", "应答率"] if populations else []
    return num.table(
        "各单位回收情况",
        header,
        rows,
        f"注：少于 {r.k} 份的单位不报告具体份数；为防止用合计倒推，必要时另隐藏一项（记为“—”）。",
    )


def profile_table(s: Survey, r: Results, num: Numbering) -> dict | None:
    """受访者基本情况: one table of all grouping questions (appendix)."""
    rows = []
    for f in s.bank.fields:
        q = s.bank.question(f.question)
        if f.kind != "single" or q.role not in ("group", "unit"):
            continue
        fr = r.frequencies[r.frequencies["field"] == f.id]
        for i, row in enumerate(fr.to_dict(orient="records")):
            hidden = bool(row["suppressed"])
            rows.append(
                [
                    q.text if i == 0 else "",
                    row["label"],
                    count(int(row["n"]), hidden, r.k),
                    "—" if hidden or row["percent"] != row["percent"] else f"{row['percent']:.1f}",
                ]
            )
    if not rows:
        return None
    return num.table(
        "受访者基本情况",
        ["项目", "类别", "人数", "比例（%）"],
        rows,
        f"注：比例以作答人数为基数；少于 {r.k} 人的类别不报告具体人数和比例，"
        "为防止用合计倒推，必要时另隐藏一项（记为“—”）。",
    )


def alpha_judgement(n: int | None, alpha: float | None, note: str | None = None) -> str:
    """What a reader may conclude from Cronbach's alpha: nothing below :data:`ALPHA_MIN_N`
    complete answers (``完整作答不足 30 人，不作评价``), else the analysis' note when alpha could
    not be computed (e.g. every item constant), else 良好 / 可接受 / 偏低 (the usual 0.8 and
    0.7)."""
    if n is not None and n < ALPHA_MIN_N:  # before any note: with 3 answers nothing is said
        return f"完整作答不足 {ALPHA_MIN_N} 人，不作评价"
    if note and (alpha is None or alpha != alpha):  # why alpha could not be computed
        return note
    if n is None:
        return ""
    if alpha is None or alpha != alpha:  # not computable: the note says why
        return ""
    return "良好" if alpha >= 0.8 else "可接受" if alpha >= 0.7 else "偏低"


def reliability_table(r: Results, num: Numbering) -> dict | None:
    """各维度的信度 (appendix); alpha is not interpreted below ALPHA_MIN_N respondents."""
    if r.reliability.empty:
        return None
    rows, remarks = [], []
    for row in r.reliability.to_dict(orient="records"):
        alpha = row["alpha"]
        word = alpha_judgement(row["n"], alpha, row["note"])
        shown = f"{alpha:.3f}" if alpha == alpha else "—"
        rows.append([row["construct"], str(row["items"]), str(row["n"]), shown, word])
        if row["note"] and alpha == alpha:  # e.g. an item without variance
            remarks.append(f"“{row['construct']}”维度中，{row['note']}")
    return num.table(
        "各维度的信度",
        ["维度", "题项数", "完整作答人数", "Cronbach's α", "评价"],
        rows,
        f"注：α ≥ 0.8 为良好，0.7～0.8 为可接受，低于 0.7 偏低（经验标准）；完整作答不足 "
        f"{ALPHA_MIN_N} 人时 α 很不稳定，只列出数值，不作评价。" + "".join(remarks),
    )


def reliability_sentence(r: Results) -> str:
    """One sentence for the body about the scales' internal consistency ('' if none)."""
    rel = r.reliability
    if rel.empty:
        return ""
    ok = rel[(rel["n"] >= ALPHA_MIN_N) & rel["alpha"].notna()]
    if ok.empty:
        return f"完整作答各维度题项的人数不足 {ALPHA_MIN_N} 人，量表信度不作评价（数值见附录）。"
    lo, hi = float(ok["alpha"].min()), float(ok["alpha"].max())
    word = "良好" if lo >= 0.8 else "可以接受" if lo >= 0.7 else "偏低，相关结论需谨慎看待"
    span = f"{lo:.2f}" if round(lo, 2) == round(hi, 2) else f"{lo:.2f}～{hi:.2f}"
    return f"各维度量表的内部一致性{word}（Cronbach's α 为 {span}，见附录）。"


def _keyword(row: dict) -> str:
    """「“青年科技人才”（28 人，如“希望设立青年科技人才专项”）」."""
    example = row.get("example")
    said = (
        f"，如“{example}”"
        if isinstance(example, str) and example and example != row["keyword"]
        else ""
    )
    return f"“{row['keyword']}”（{row['n']} 人{said}）"


BODY_QUOTES = 2  # representative answers quoted per open question (the body's length)


def open_answers(s: Survey, r: Results) -> list[dict]:
    """开放题意见归纳: keywords and masked representative answers per open question."""
    blocks: list[dict] = []
    oa = r.open_answers
    index = 0
    for fid, examples in r.open_examples.items():
        f = s.bank.field(fid)
        kw = oa[(oa["field"] == fid) & (oa["group"] == "全部")] if not oa.empty else oa
        if kw.empty:
            continue
        index += 1
        blocks.append({"heading": f"（{say.cn(index)}）{f.label}", "level": 2})
        base = int(kw["base"].iloc[0])
        answers = int(kw["answers"].iloc[0]) if "answers" in kw else base
        if answers < r.k:
            blocks.append({"para": f"本题填写人数少于 {r.k} 人，不作归纳。"})
            continue
        kw = kw[~kw["suppressed"].astype(bool)].head(4)  # keywords of fewer than k people out
        words = "；".join(_keyword(row) for row in kw.to_dict(orient="records"))
        sampled = f"（随机抽取其中 {base} 条统计）" if base < answers else ""
        said = f"主要关键词有：{words}。" if words else f"没有被 {r.k} 人以上共同提到的关键词。"
        blocks.append({"para": f"共 {answers} 人填写了本题{sampled}。{said}代表性意见如下："})
        blocks.extend({"quote": e} for e in examples[:BODY_QUOTES])
    if not blocks:
        blocks.append({"para": "本问卷没有需要归纳的开放题回答。"})
    return blocks


def problem_blocks(
    problems: list[Problem], num: Numbering, sources: list[str] | None = None
) -> list[dict]:
    """存在的主要问题: the rule in one line, then one table row per problem: its phrase (a
    problem without one shows its whole title) and its evidence in short — the one figure,
    its count and base, the wave (the question's wording is in the appendix and the lists) —
    and, when ``sources`` are given, which other methods also raised it."""
    intro = (
        "以下问题按附录所列规则从统计结果中自动提出（问题表述采用题库中的问题短语，数字与数据依据一致），"
        "供撰写人删改、合并，并补充原因分析和对策建议。标注“接近判定线”的问题，其比例的置信区间跨过判定标准，"
        "宜结合座谈、走访等其他材料判断。"
    )
    if not problems:
        return [{"para": "按附录所列规则，未从数据中识别出突出问题。"}]
    rows = []
    for i, p in enumerate(problems, start=1):
        head = p.phrase + ("△" if p.near else "") if p.phrase else p.title
        head += "※" if p.closed else ""  # said in full in the 摘要 and 整改进展
        rows.append([str(i), head, p.basis or p.evidence, *([sources[i - 1]] if sources else [])])
    header = ["序号", "问题", "数据依据", *(["其他方法印证"] if sources else [])]
    wave = problems[0].wave
    note = f"注：数据依据为{f'“{wave}”调查' if wave else '本次调查'}的人数，题目原文见附录二；△ 接近判定线；规则见附录一。"
    if any(p.closed for p in problems):
        note += "※ 已销号但数据仍显示，需复核。"
    if sources:
        note += "其他方法印证：座谈访谈提及场次、专家评分均值、实地察看发现次数（单位的问题只计该单位的）。"
    return [{"para": intro}, {"table": num.table("存在的主要问题", header, rows, note)}]


_LABEL_COLUMNS = ("label", "row_label", "column_label", "unit", "group")


def for_report(r: Results) -> Results:
    """``r`` with option labels as a report shows them (see sentences.report_label)."""
    changed = {}
    for name, table in vars(r).items():
        if isinstance(table, pd.DataFrame) and any(c in table for c in _LABEL_COLUMNS):
            table = table.copy()
            for col in _LABEL_COLUMNS:
                if col in table:
                    table[col] = table[col].replace(OTHER_LABEL, say.REPORT_OTHER)
            changed[name] = table
    return replace(r, **changed)


def _appendix(
    s: Survey, r: Results, out_dir: Path, write_charts: bool, painter: Painter
) -> list[dict]:
    """附录: methods, the profile and reliability tables, every question's table, every test."""
    app = Numbering(out_dir, write_charts, prefix="附", painter=painter)
    blocks: list[dict] = [{"heading": "附录一　方法说明", "level": 2}]
    blocks.append({"items": methods(r), "ordered": True})
    blocks.append({"heading": "附录二　各题统计结果", "level": 2})
    for t in (profile_table(s, r, app), reliability_table(r, app)):
        if t:
            blocks.append({"table": t})
    blocks.extend(detail_blocks(s, r, app))
    blocks.append({"heading": "附录三　全部分组检验结果", "level": 2})
    blocks.append({"table": tests_table(s, r)})
    return blocks


def covered_units(coverage: pd.DataFrame) -> tuple[int, bool]:
    """How many units (categories of the unit question) have at least one answer — whether
    or not small-cell protection hides their figures: it hides figures, not how many units
    answered — and whether anyone chose 其他 (not a unit: never counted as one)."""
    if coverage.empty:
        return 0, False
    other = coverage["unit"].map(say.report_label).str.startswith(say.REPORT_OTHER)
    answered = coverage["n"].to_numpy() > 0
    return int((answered & ~other).sum()), bool((answered & other).any())


def overview(s: Survey, r: Results, collection: dict, wave: str | None) -> dict:
    """调查概况 as numbers, the same the report's text states: n, units covered (with an answer, 其他 not counted),
    the period, files, rejected, duplicates, the margin of error (None when not stated),
    the wave, the questionnaire's title and version."""
    units = covered_units(r.coverage)[0]
    moe = r.margin_of_error.iloc[0]["moe"]
    stated = r.n >= r.k and moe == moe
    return {
        "n": r.n,
        "units": units,
        "period": _period(collection.get("first", ""), collection.get("last", "")),
        "files": collection.get("files"),
        "rejected": collection.get("rejected"),
        "duplicates": collection.get("duplicates"),
        "moe": round(float(moe) * 100, 1) if stated else None,
        "wave": wave,
        "questionnaire": s.bank.title,
        "version": s.bank.version,
    }


def _overview(s: Survey, r: Results, collection: dict, wave: str | None) -> str:
    units, other = covered_units(r.coverage)
    where = f"，覆盖 {units} 个单位（类别{'，不含“其他”' if other else ''}）" if units else ""
    when = _period(collection.get("first", ""), collection.get("last", ""))
    what = f"“{wave}”调查" if wave else "本次调查"
    return f"{what}于{when}回收有效问卷 {r.n} 份{where}。主要结论和问题如下。"


def mark_closed(problems: list[Problem], closed: dict[str, float | None]) -> list[Problem]:
    """``problems`` with those marked 已销号 in the lists saying so (防止纸上解决)."""
    return [
        replace(
            p, closed=closed_note(p.wave, p.figure, p.share, closed[p.key], brief=bool(p.figure))
        )
        if p.key in closed
        else p
        for p in problems
    ]


DRAFT_NOTICE = (
    "本报告为自动生成的初稿：表格和图中的数字来自回收的问卷，文字为按统计结果起草的描述，"
    "请结合实际情况核实、修改，并补充原因分析和对策建议。"
)


def build_context(
    s: Survey,
    r: Results,
    collection: dict,
    out_dir: Path,
    wave: str | None = None,
    write_charts: bool = True,
    extras: Sequence[Callable[[Numbering], dict]] = (),
    methods: MethodsReport | None = None,
    closed: dict[str, float | None] | None = None,
    painter: Painter | None = None,
) -> dict:
    """Everything a template needs, as plain data (see the module docstring). ``extras``
    build the optional sections after 存在的主要问题 (回访对比, 整改进展), each given the
    numbering of tables and figures; a section may carry ``conclusions`` for the summary.
    ``methods`` (the seed's other methods) adds the column 其他方法印证 to the problems and
    its sections (座谈访谈主要观点, 专家咨询结果) before the extras. ``closed`` gives, by
    problem key, the problems marked 已销号 in the lists (with their share when first
    raised, or None): a problem the data still show says so wherever it is named.
    ``painter`` draws the charts (in worker processes, while the rest is built); they are
    all written when this returns."""
    num = Numbering(out_dir, write_charts, painter=painter)
    problems = mark_closed(candidate_problems(s, r, wave), closed or {})
    body: list[dict] = [
        {"title": "一、调查基本情况", "blocks": basics(s, r, collection, num, wave)}
    ]
    figure_of: dict[str, dict] = {}
    found, facts_by_section = findings(s, r, num, figure_of)
    rel = reliability_sentence(r)
    body.append({"title": "二、主要发现", "blocks": ([{"para": rel}] if rel else []) + found})
    body.append({"title": "三、分组比较", "blocks": comparisons(s, r, num)})
    body.append({"title": "四、开放题意见归纳", "blocks": open_answers(s, r)})
    sources = methods.sources(problems) if methods else None
    body.append(
        {"title": "五、存在的主要问题（初稿）", "blocks": problem_blocks(problems, num, sources)}
    )
    extra = (methods.sections(problems, num) if methods else []) + [build(num) for build in extras]
    for i, section in enumerate(extra, start=6):
        body.append({"title": f"{say.cn(i)}、{section['title']}", "blocks": section["blocks"]})
    wave_points = [c for section in extra for c in section.get("conclusions", [])]
    picked = picked_facts(facts_by_section, len(wave_points))
    points = [{"text": f"{f.brief}。", "figure": figure_of.get(f.text)} for f in picked]
    for section in extra:
        fig = next((b["figure"] for b in section["blocks"] if "figure" in b), None)
        points += [{"text": c, "figure": fig} for c in section.get("conclusions", [])]
    summary = summary_blocks(
        _overview(s, r, collection, wave), facts_by_section, problems, wave_points
    )
    appendix = _appendix(s, r, out_dir, write_charts, num.painter)
    for i, part in enumerate((x["appendix"] for x in extra if x.get("appendix")), start=4):
        appendix.append({"heading": f"附录{say.cn(i)}　{part['title']}", "level": 2})
        appendix.extend(part["blocks"])
    num.painter.finish()  # every chart file written before the context is handed out
    sections = [
        {"title": "摘要", "blocks": summary, "appendix": False},
        *({**b, "appendix": False} for b in body),
        {"title": "附录", "blocks": appendix, "appendix": True},
    ]
    return {
        "title": report_title(s.bank.title),
        "subtitle": f"（根据 {r.n} 份有效问卷自动生成的初稿，请核实、修改后使用）",
        "notice": DRAFT_NOTICE,
        "date": date.today().strftime("%Y年%m月%d日").replace("年0", "年").replace("月0", "月"),
        "n": r.n,
        "k": r.k,
        "sections": sections,
        "problems": [p.as_dict() for p in problems],
        "conclusions": points,
        "overview": overview(s, r, collection, wave),
        "figures": [str(p) for p in num.paths],
    }


def figure_files(ctx: dict) -> list[Path]:
    """Every chart file the context refers to."""
    return [Path(p) for p in ctx["figures"]]


__all__ = ["build_context", "figure_files", "for_report", "report_title"]
