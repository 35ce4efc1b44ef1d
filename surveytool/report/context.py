"""The report's context: a plain dict built from the result tables, fed to every template
and to the Word writer. Charts are drawn here (numbered in document order)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import date
from pathlib import Path

import pandas as pd

from surveytool.analysis import Results, Survey
from surveytool.analysis.constructs import composite, construct_fields
from surveytool.analysis.descriptive import means_by_group
from surveytool.bank.model import OTHER_LABEL
from surveytool.charts import figures
from surveytool.report import sentences as say
from surveytool.report.findings import findings
from surveytool.report.numbering import Numbering
from surveytool.report.problems import RULE, candidate_problems

MAX_COMPARISONS = 12


def report_title(bank_title: str) -> str:
    """``关于青年科技工作者科研负担与创新环境的调研报告（初稿）``."""
    core = bank_title.removesuffix("调查问卷").removesuffix("问卷").removesuffix("情况")
    core = core.removeprefix("柳州市")
    return f"关于{core}情况的调研报告（初稿）"


def _cn_date(iso: str) -> str:
    y, m, d = iso.split("-")
    return f"{int(y)}年{int(m)}月{int(d)}日"


def _period(first: str, last: str) -> str:
    if not first:
        return "（无回收记录）"
    if first == last:
        return _cn_date(first)
    return f"{_cn_date(first)}至{_cn_date(last)}"


def _count(n: int, k: int, hidden: bool | None = None) -> str:
    """A count as shown: ``少于 k`` for a small one, ``—`` for a larger one hidden so that a
    small one cannot be worked out from the total."""
    if hidden is None:
        hidden = 0 < n < k
    if not hidden:
        return str(n)
    return f"少于 {k}" if 0 < n < k else "—"


def basics(s: Survey, r: Results, collection: dict, num: Numbering, wave: str | None) -> dict:
    """调查基本情况: who, when, returns per unit, valid/rejected counts, profile, error."""
    bank = s.bank
    period = _period(collection.get("first", ""), collection.get("last", ""))
    moe = r.margin_of_error.iloc[0]["moe"]
    text = [
        f"本次调查使用《{bank.title}》（题库 {bank.id}，版本 {bank.version}）"
        + (f"，轮次“{wave}”" if wave else "")
        + f"，回收时间为 {period}。",
        f"共回收答卷文件 {collection['files']} 个，有效答卷 {collection['accepted']} 份；"
        f"未通过校验 {collection['rejected']} 份，识别并剔除重复答卷 {collection['duplicates']} 份。",
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
    out: dict = {"text": text, "tables": []}
    if not r.coverage.empty:
        out["tables"].append(_coverage_table(r, num))
    out["tables"].extend(_profile(s, r, num))
    return out


def _coverage_table(r: Results, num: Numbering) -> dict:
    """各单位回收情况 (with targets and completion when targets were given)."""
    records = r.coverage.to_dict(orient="records")
    targets = any(row["target"] is not None and row["target"] == row["target"] for row in records)
    rows = []
    for row in records:
        line = [row["unit"], _count(int(row["n"]), r.k, bool(row["suppressed"]))]
        if targets:
            t = row["target"]
            has = t is not None and t == t
            line += [
                str(int(t)) if has else "—",
                f"{row['percent']:.0f}%" if has and not row["suppressed"] else "—",
            ]
        rows.append(line)
    header = ["单位", "有效答卷（份）"] + (["目标（份）", "完成率"] if targets else [])
    return num.table(
        "各单位回收情况",
        header,
        rows,
        f"注：少于 {r.k} 份的单位不报告具体份数；为防止用合计倒推，必要时另隐藏一项（记为“—”）。",
    )


def _profile(s: Survey, r: Results, num: Numbering) -> list[dict]:
    """受访者基本情况: one table of all grouping questions."""
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
                    _count(int(row["n"]), r.k, hidden),
                    "—" if hidden or row["percent"] != row["percent"] else f"{row['percent']:.1f}",
                ]
            )
    if not rows:
        return []
    return [
        num.table(
            "受访者基本情况",
            ["项目", "类别", "人数", "比例（%）"],
            rows,
            f"注：比例以作答人数为基数；少于 {r.k} 人的类别不报告具体人数和比例，"
            "为防止用合计倒推，必要时另隐藏一项（记为“—”）。",
        )
    ]


def _by_text(s: Survey, fid: str) -> str:
    """What a grouping question asks about, as a noun: 您所在单位的类型 -> 单位类型."""
    q = s.bank.question(s.bank.field(fid).question)
    return say.by_noun(q.text)


def comparisons(s: Survey, r: Results, num: Numbering) -> dict:
    """分组比较: significant differences after BH, in prose with notes; charts for constructs."""
    items = []
    gt = r.group_tests
    sig = gt[(gt["p_adjusted"] < 0.05)] if not gt.empty else gt
    sig = sig.sort_values("effect_size", ascending=False) if not sig.empty else sig
    constructs = construct_fields(s)
    for row in sig.head(MAX_COMPARISONS).to_dict(orient="records"):
        g = s.bank.field(row["by"])
        labels = {o.code: say.report_label(o.label) for o in g.options}
        means = {labels[c]: m for c, m in row["group_means"].items() if m == m}
        subject = row["field"] if row["kind"] == "construct" else s.bank.field(row["field"]).label
        item = {
            "sentence": say.group_difference(
                subject,
                _by_text(s, row["by"]),
                means,
                "得分" if row["kind"] != "number" else "值",
                values=not row.get("group_means_suppressed", False),
            ),
            "note": say.test_note(row),
            "figure": None,
        }
        if row["kind"] == "construct":
            mg = means_by_group(
                composite(s, constructs[row["field"]]), s.values(g.id), g.options, r.k
            )
            mg["group"] = mg["group"].map(say.report_label)
            item["figure"] = num.figure(
                figures.group_means(
                    mg[~mg["suppressed"]], f"“{row['field']}”平均得分（按{_by_text(s, row['by'])}）"
                ),
                f"“{row['field']}”平均得分（按{_by_text(s, row['by'])}）",
            )
        items.append(item)
    ct = r.crosstabs
    ct_sig = ct[ct["p_adjusted"] < 0.05] if not ct.empty else ct
    total = len(gt) + len(ct)
    n_sig = len(sig) + len(ct_sig)
    intro = (
        f"本部分按{('、'.join(_by_text(s, b) for b in r.by)) or '（无分组字段）'}对回答进行分组比较，"
        f"共进行 {total} 项检验，经 Benjamini–Hochberg 多重比较校正后，有 {n_sig} 项差异显著"
        f"（校正后 p < 0.05）。以下只描述校正后仍显著的等级检验结果"
        f"（按效应量从大到小，最多 {MAX_COMPARISONS} 项），全部检验结果见附录。"
    )
    if not n_sig:
        intro = (
            f"共进行 {total} 项分组检验，经 Benjamini–Hochberg 校正后，没有发现统计上显著的组间差异。"
            "这不代表各组完全相同，只说明在现有样本量下未能检出差异。"
        )
    return {
        "intro": intro,
        "items": items,
        "crosstabs": [
            say.distribution_difference(s.bank.field(c["row"]).label, _by_text(s, c["column"]))
            + say.test_note(c)
            for c in ct_sig.head(MAX_COMPARISONS).to_dict(orient="records")
        ],
    }


def open_answers(s: Survey, r: Results) -> list[dict]:
    """开放题意见归纳: keywords and masked representative answers per open question."""
    out = []
    oa = r.open_answers
    for fid, examples in r.open_examples.items():
        f = s.bank.field(fid)
        kw = oa[(oa["field"] == fid) & (oa["group"] == "全部")]
        if kw.empty:
            continue
        base = int(kw["base"].iloc[0])
        answers = int(kw["answers"].iloc[0]) if "answers" in kw else base
        kw = kw[~kw["suppressed"].astype(bool)]  # keywords of fewer than k people
        if answers < r.k:
            out.append(
                {
                    "heading": f.label,
                    "summary": f"本题填写人数少于 {r.k} 人，不作归纳。",
                    "keywords": [],
                    "examples": [],
                }
            )
            continue
        words = "、".join(f"“{w}”（{n} 人）" for w, n in zip(kw["keyword"], kw["n"], strict=True))
        sampled = f"（随机抽取其中 {base} 条统计）" if base < answers else ""
        said = (
            f"出现最多的关键词有：{words}。" if words else f"没有被 {r.k} 人以上共同提到的关键词。"
        )
        out.append(
            {
                "heading": f.label,
                "summary": f"共 {answers} 人填写了本题{sampled}。{said}",
                "keywords": list(zip(kw["keyword"], kw["n"].astype(int), strict=True)),
                "examples": examples,
            }
        )
    return out


def appendix(s: Survey, r: Results) -> dict:
    """附录: methods, and the full tables of group tests."""
    methods = [
        "频数与比例：单选题和量表题以作答人数为基数计算比例，按跳题规则不需回答的受访者不计入基数，"
        "应答而未作答的记为缺失；比例的 95% 置信区间采用 Wilson 方法。",
        "多选题：“占回答者比例”以至少选择一项的人数为基数（合计可超过 100%），“占选择次数比例”以全部选择次数为基数（SPSS 多重响应口径）。",
        "数字题：报告均值、标准差、中位数与四分位数（SPSS HAVERAGE 方法）；距四分位数超过 1.5 倍四分位距的数值标记为偏离值，但予以保留。",
        "维度得分：反向题先按“最小值 + 最大值 − 原值”转换；受访者回答了该维度至少一半题项时，取已答题项的平均分，否则记为缺失。"
        "信度采用 Cronbach's α（列删除：只用回答了全部题项的受访者，与 SPSS RELIABILITY 一致）。",
        "分组比较：分类变量采用 Pearson 卡方检验（2×2 表期望频数小于 5 时改用 Fisher 精确检验），效应量为 Cramér's V；"
        "数字、量表题项和维度得分两组比较采用 Mann–Whitney U 检验（效应量为秩二列相关），三组及以上采用 Kruskal–Wallis 检验（效应量为 ε²）；"
        "同一次分析的全部检验统一采用 Benjamini–Hochberg 方法校正 p 值，正文只描述校正后 p < 0.05 的差异。",
        f"小组保护：描述少于 {r.k} 名受访者的人数、比例和均值一律不报告，这样的小组也不纳入组间检验；"
        "同一张表中必要时另隐藏一项，防止用合计倒推；量表题项含有隐藏类别时，能据以倒推的均值和比例也不报告；"
        f"数字题不报告最小值和最大值，直方图中少于 {r.k} 人的区间与相邻区间合并。",
        "抽样误差：按 95% 置信度、比例 50%（最保守）计算；给出总体规模时采用有限总体校正。",
        "问题清单的生成规则：" + "".join(RULE),
    ]
    rows = []
    for row in r.group_tests.sort_values("p_adjusted").to_dict(orient="records"):
        if not row["test"]:
            continue
        rows.append(
            [
                row["field"],
                row["by"],
                say.TEST_NAMES.get(row["test"], row["test"]),
                f"{row['statistic']:.2f}",
                say.p_text(row["p_value"]).removeprefix("p "),
                say.p_text(row["p_adjusted"]).removeprefix("p "),
                f"{row['effect_size']:.3f}",
                str(int(row["n"])),
            ]
        )
    return {
        "methods": methods,
        "tests": {
            "caption": "附表　全部等级检验结果",
            "header": ["字段/维度", "分组", "检验", "统计量", "p", "校正后 p", "效应量", "人数"],
            "rows": rows,
            "note": "注：按校正后 p 值排序。",
        },
    }


def reliability_table(r: Results, num: Numbering) -> dict | None:
    """维度信度 table (inside 主要发现)."""
    if r.reliability.empty:
        return None
    rows = [
        [
            row["construct"],
            str(row["items"]),
            str(row["n"]),
            f"{row['alpha']:.3f}" if row["alpha"] == row["alpha"] else "—",
            row["note"]
            or ("良好" if row["alpha"] >= 0.8 else "可接受" if row["alpha"] >= 0.7 else "偏低"),
        ]
        for row in r.reliability.to_dict(orient="records")
    ]
    return num.table(
        "各维度的信度",
        ["维度", "题项数", "完整作答人数", "Cronbach's α", "说明"],
        rows,
        "注：α ≥ 0.8 为良好，0.7～0.8 为可接受，低于 0.7 偏低（经验标准）。",
    )


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


def build_context(
    s: Survey,
    r: Results,
    collection: dict,
    out_dir: Path,
    wave: str | None = None,
    write_charts: bool = True,
    extras: Sequence[Callable[[Numbering], dict]] = (),
) -> dict:
    """Everything a template needs, as plain data. ``extras`` build the optional sections
    after 存在的主要问题 (回访对比, 整改进展), each given the numbering of tables and figures."""
    num = Numbering(out_dir, write_charts)
    ctx = {
        "title": report_title(s.bank.title),
        "subtitle": f"（根据 {r.n} 份有效问卷自动生成的初稿，请核实、修改后使用）",
        "date": date.today().strftime("%Y年%m月%d日").replace("年0", "年").replace("月0", "月"),
        "bank": {"id": s.bank.id, "title": s.bank.title, "version": s.bank.version},
        "n": r.n,
        "k": r.k,
    }
    ctx["basics"] = basics(s, r, collection, num, wave)
    ctx["reliability"] = reliability_table(r, num)
    ctx["findings"] = findings(s, r, num)
    ctx["comparisons"] = comparisons(s, r, num)
    ctx["open_answers"] = open_answers(s, r)
    ctx["problems"] = [p.as_dict() for p in candidate_problems(s, r, wave)]
    ctx["extra"] = [build(num) for build in extras]
    ctx["appendix"] = appendix(s, r)
    ctx["figures"] = [str(p) for p in num.paths]
    return ctx


def figure_files(ctx: dict) -> list[Path]:
    """Every chart file the context refers to."""
    return [Path(p) for p in ctx["figures"]]


__all__ = ["build_context", "figure_files", "report_title"]
