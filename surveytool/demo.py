"""The one-command demo: simulated returns for topic 1 -> ingest -> lists -> a follow-up
wave -> analysis -> report with 回访对比 and 整改进展.

Seeded, so the output is reproducible. The returns are respondent-layout forms filed in one
folder per unit (the five units the seed names, and 其他), with what real returns contain:
a few typed answers to normalise (约40), a few that cannot be accepted (不清楚, a range, an
empty required question), a form re-saved with the same answers, and an exact copy.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

from surveytool.analysis import Survey, analyse
from surveytool.bank import load_bank
from surveytool.bank.model import Bank
from surveytool.demo_methods import FOLDER, run_delphi, run_methods
from surveytool.filenames import safe_name
from surveytool.followup.lists import Lists, make_lists, write_lists
from surveytool.forms.fill import FormFiller
from surveytool.ingest import IngestSummary, ingest
from surveytool.report import render, report_context
from surveytool.report.context import for_report
from surveytool.report.other_methods import lists_input
from surveytool.report.problems import for_lists
from surveytool.simulate import Simulator
from surveytool.store import load_answers

DEMO_BANK = "young_researchers"
DEMO_N = 360
DEMO_SEED = 2023
UNIT_FIELD = "B2"
FIRST, SECOND = "首轮", "回访"
LISTS = "三张清单.xlsx"
DEMO_JUNE = date(2026, 6, 30)  # the lists are first drawn when the June report is written
DEMO_TODAY = date(2026, 11, 30)  # the demo's "today": the follow-up wave is in
JUNE_RETURNS = (date(2026, 5, 18), date(2026, 6, 12))  # when the first wave came back
NOVEMBER_RETURNS = (date(2026, 11, 16), date(2026, 11, 27))  # and the follow-up
EASED = {"行政负担": -0.8}  # the follow-up's real change (latent SD units)
DEMO_UNITS = ("人事人才科", "政策法规科", "高新技术科")  # example responsible units


def _by_unit_type(**tables: dict[int, float]) -> Callable[[dict[str, Any]], dict[int, float]]:
    """A prior that depends on B1 (unit type): keys u1 (高等院校), u2 (医院), other."""
    return lambda a: tables.get(f"u{a.get('B1')}", tables["other"])


# Plausible shares for the demo's population (researchers under 45 at Liuzhou's universities
# and hospitals) instead of random ones, so that the demo's profile tables read like a real
# survey: a university's staff are not 临床医生, nobody is 45 or older, most hold a doctorate
# or a master's degree. Illustrative, not data.
DEMO_PRIORS = {
    "A1": {1: 56, 2: 44},
    "A2": {1: 16, 2: 30, 3: 31, 4: 23},
    "A3": {1: 46, 2: 38, 3: 14, 4: 2},
    "A4": {1: 6, 2: 26, 3: 44, 4: 19, 5: 5},
    "A5": {1: 14, 2: 24, 3: 33, 4: 26, 5: 3},
    "B1": {1: 52, 2: 40, 3: 5, 4: 1, 5: 2},
    "B2": _by_unit_type(u1={1: 45, 2: 25, 3: 20, 6: 10}, u2={4: 55, 5: 35, 6: 10}, other={6: 1}),
    "B3": _by_unit_type(
        u1={1: 70, 2: 18, 5: 4, 6: 8}, u2={3: 72, 4: 12, 2: 6, 6: 10}, other={2: 40, 5: 50, 6: 10}
    ),
    "B4": _by_unit_type(
        u1={1: 25, 2: 45, 3: 5, 4: 5, 5: 20}, u2={3: 97, 1: 3}, other={1: 30, 2: 60, 4: 10}
    ),
    "B5": {1: 2, 2: 8, 3: 15, 4: 25, 5: 50},
    # projects led now (multi: % picking each) and whether one applied for vertical projects:
    # someone leading a national, provincial or municipal project has won a grant
    "D2": {1: 7, 2: 16, 3: 24, 4: 28, 5: 42},
    "D3": lambda a: (
        {1: 1} if any(a.get(f"D2_{c}") == 1 for c in (1, 2, 3)) else {1: 8, 2: 42, 3: 50}
    ),
    "C6": {1: 45, 2: 32, 3: 28, 4: 40, 5: 30, 6: 30, 7: 18, 8: 14, 9: 22, 11: 3},
    "D4": {1: 30, 2: 25, 3: 30, 4: 35, 5: 30, 6: 25, 7: 45, 8: 4},
    "F2": {1: 50, 2: 55, 3: 20, 4: 30, 5: 10, 6: 15, 7: 4},
    "F3": {1: 40, 2: 35, 3: 45, 4: 30, 5: 35, 6: 15, 7: 4},
    "D5": {1: 30, 2: 20, 3: 50},
    "F1": {1: 40, 2: 60},
}


def write_returns(bank: Bank, answers: list[dict[str, Any]], folder: Path) -> list[Path]:
    """Respondent forms, one folder per unit; returns their paths."""
    filler = FormFiller(bank)
    unit = bank.field(UNIT_FIELD) if UNIT_FIELD in {f.id for f in bank.fields} else None
    labels = {o.code: o.label for o in unit.options} if unit else {}
    paths = []
    for i, a in enumerate(answers, start=1):
        sub = safe_name(labels.get(a.get(UNIT_FIELD), "其他").replace("（请注明）", ""))
        paths.append(filler.fill(a, folder / sub / f"问卷-{i:03d}.xlsx"))
    return paths


def messy_returns(bank: Bank, sim: Simulator, folder: Path, clean: list[Path]) -> int:
    """The returns that real collections contain; returns how many files were added."""
    filler = FormFiller(bank)
    extra = folder / "补交"
    typed = [("约40", "C1"), ("不清楚", "C1"), ("30-40", "C2"), ("４５", "C2")]
    for i, (text, fid) in enumerate(typed, start=1):
        a = sim.one()
        raw = {k: filler.cell_value(k, v) for k, v in a.items() if v is not None}
        filler.fill({**raw, fid: text}, extra / f"手填-{i}.xlsx", raw=True)
    for i in range(2):  # a required question left empty
        a = sim.one()
        a["E3"] = None
        filler.fill(a, extra / f"漏填-{i + 1}.xlsx")
    for i, src in enumerate(clean[:2], start=1):  # the same answers, saved again (other bytes)
        shutil.copyfile(src, extra / f"重复提交-{i}.xlsx")
        _resave(extra / f"重复提交-{i}.xlsx")
    shutil.copyfile(clean[2], extra / "同一文件副本.xlsx")  # the very same bytes
    return len(typed) + 2 + 2 + 1


def date_returns(folder: Path, first: date, last: date) -> None:
    """Give the simulated returns under ``folder`` the days they came back (their files'
    modification times, spread evenly from ``first`` to ``last`` in name order): ingest
    dates a returned form by its file, so the report's 回收时间 is the simulated one."""
    paths = sorted(folder.rglob("*.xlsx"))
    span = (last - first).days
    for i, path in enumerate(paths):
        day = first + timedelta(days=span * i // max(len(paths) - 1, 1))
        stamp = datetime(day.year, day.month, day.day, 10).timestamp()
        os.utime(path, (stamp, stamp))


def _resave(path: Path) -> None:
    """Re-save a form as Excel or WPS would: same answers, different bytes."""
    from openpyxl import load_workbook

    wb = load_workbook(path)
    wb.save(path)


def owner_edits(lists: Lists) -> Lists:
    """What the topic owner types into the lists in July and August (the demo's example):
    responsible units, measures, deadlines, one problem solved, two in progress."""
    for i, row in enumerate(lists.sheets["责任清单"]):
        row["责任单位"] = DEMO_UNITS[i % len(DEMO_UNITS)]
    plan = [("2026-08-31", "已销号", "2026-08-25"), ("2026-08-31", "推进中", None)]
    plan += [("2026-12-10", "推进中", None)]
    for i, row in enumerate(lists.sheets["任务清单"]):
        deadline, status, closed = plan[i] if i < len(plan) else ("2027-03-31", "未启动", None)
        row["整改措施"] = "（示例）由责任单位研究提出具体措施"
        row["完成时限"] = date.fromisoformat(deadline)
        row["状态"] = status
        row["销号日期"] = date.fromisoformat(closed) if closed else None
    return lists


def _problems(store: Path, bank: Bank, wave: str) -> tuple[list[dict], dict[str, dict]]:
    s = Survey(load_answers(store, bank, wave), bank)
    return for_lists(s, for_report(analyse(s, by=[UNIT_FIELD])), wave)


def _lists(store: Path, bank: Bank, survey: tuple, lists: Path, today: date) -> Lists:
    """Create or update the lists from the survey's problems (``survey``: what
    :func:`_problems` returned) and the other methods in the store."""
    found, measured = survey
    found, evidence = lists_input(store, bank, found, measured)
    return make_lists(found, lists, bank.id, today, measured, evidence)[1]


def _fresh(out: Path) -> None:
    """Remove what an earlier demo run left (so every run starts from the same state)."""
    for folder in (out / "回收的问卷", out / "回访问卷", out / FOLDER):
        if folder.exists():
            shutil.rmtree(folder)
    for old in (out / "survey.db", out / "survey.db-wal", out / "survey.db-shm", out / LISTS):
        old.unlink(missing_ok=True)
    for old in out.glob("rejects-*.xlsx"):
        old.unlink()


def _ingest(say: Callable[[str], None], folder: Path, bank: Bank, store: Path, wave: str) -> Any:
    summary: IngestSummary = ingest([folder], bank, store, wave=wave)
    d = summary.to_dict()
    say(
        f"    “{wave}”有效 {d['accepted']} 份，未通过 {d['rejected']} 份，"
        f"重复 {d['duplicates']} 份，重复文件 {d['already_ingested']} 个"
        + (f"；未通过的答卷见 {summary.rejects_file}" if summary.rejects_file else "")
    )
    return summary


def _first_wave(
    out: Path, bank: Bank, n: int, seed: int, say: Callable[[str], None]
) -> IngestSummary:
    """Steps 1–2: June returns (some messy) ingested; the lists drawn and filled in."""
    say(f"1/5 模拟 {n} 位青年科技工作者填写《{bank.title}》（首轮，随机种子 {seed}）……")
    sim = Simulator(bank, seed=seed, priors=DEMO_PRIORS)
    returns = out / "回收的问卷"
    clean = write_returns(bank, sim.respondents(n), returns)
    extra = messy_returns(bank, sim, returns, clean)
    date_returns(returns, *JUNE_RETURNS)
    say(f"    已生成 {len(clean) + extra} 份回收问卷：{returns}")
    say(
        "2/5 首轮回收入库；座谈、实地察看和两轮专家咨询；按统计结果生成三张清单"
        "（示例中已填好责任单位、时限和状态）……"
    )
    store, lists = out / "survey.db", out / LISTS
    summary = _ingest(say, returns, bank, store, FIRST)
    run_methods(out, bank, store, say)
    june = _problems(store, bank, FIRST)
    _lists(store, bank, june, lists, DEMO_JUNE)
    run_delphi(out, store, lists, seed, say)  # the experts rate the listed problems
    drafted = _lists(store, bank, june, lists, DEMO_JUNE)  # with their ratings
    write_lists(owner_edits(drafted), lists, bank.id)
    say(f"    {lists}")
    return summary


def _follow_up(
    out: Path, bank: Bank, n: int, seed: int, say: Callable[[str], None]
) -> IngestSummary:
    """Steps 3–4: November returns of new people whose 行政负担 eased; the lists updated."""
    say(f"3/5 模拟回访：另外 {n} 位受访者填写同一问卷，设定“行政负担”确有减轻……")
    later = Simulator(
        bank,
        seed=seed,
        people_seed=seed + 1,
        noise_seed=seed + 1,
        construct_shift=EASED,
        priors=DEMO_PRIORS,
    )
    follow = out / "回访问卷"
    write_returns(bank, later.respondents(n), follow)
    date_returns(follow, *NOVEMBER_RETURNS)
    store, lists = out / "survey.db", out / LISTS
    follow_summary = _ingest(say, follow, bank, store, SECOND)
    say("4/5 按回访数据更新三张清单（已填写的内容保留，新问题追加，不再被数据支持的问题标注）……")
    _lists(store, bank, _problems(store, bank, SECOND), lists, DEMO_TODAY)
    return follow_summary


DEMO_CAMPAIGN = """\
# 示例调研计划（演示生成）：选题 1 有两轮问卷和三张清单；选题 2 尚未开展，用来说明
# 通报和综合评估如何如实写明“尚未开展”。
name: 2026年大兴调查研究
year: 2026
topics:
  - topic: 1
    title: 青年科技工作者减负
    bank: young_researchers
    store: survey.db
    lists: 三张清单.xlsx
    units:
      - {name: 广西科技大学, population: 1200, target: 60}
      - {name: 广西大学, population: 600, target: 40}
      - {name: 桂林电子科技大学, population: 500, target: 30}
      - {name: 柳州市人民医院, population: 900, target: 50}
      - {name: 柳州市工人医院, population: 700, target: 40}
  - topic: 2
    title: 企业研发平台建设运行
    bank: enterprise_rd_platforms
"""


def closing_steps(out: Path, ctx: dict, say: Callable[[str], None]) -> dict[str, Path]:
    """The campaign's last steps on the demo: 成果交流 slides from the report's model, the
    通报 and the December 综合评估 of the demo campaign (written to campaign.yaml)."""
    from surveytool.followup.campaign import load_campaign
    from surveytool.followup.lists import read_lists
    from surveytool.report.bulletin import TopicLists, bulletin_context, write_bulletin
    from surveytool.report.evaluate import write_evaluation
    from surveytool.report.slides import write_slides

    say("    成果交流演示文稿、问题整改通报和综合评估……")
    plan = out / "campaign.yaml"
    plan.write_text(DEMO_CAMPAIGN, encoding="utf-8")
    campaign = load_campaign(plan)
    topics = []
    for t in campaign.topics:
        path = campaign.lists_of(t)
        topics.append(TopicLists(t.topic, t.title, read_lists(path) if path.is_file() else None))
    bulletin = bulletin_context(topics, DEMO_TODAY, campaign=campaign.name)
    evaluation = write_evaluation(campaign, out / "综合评估", DEMO_TODAY)
    return {
        "slides": write_slides(ctx, out / "报告", out / "成果交流.pptx"),
        "bulletin": write_bulletin(bulletin, out / "通报.docx"),
        "campaign": plan,
        "evaluation": evaluation["docx"],
        "evaluation_html": evaluation["html"],
    }


def run_demo(
    out_dir: str | Path = "surveytool-demo",
    n: int = DEMO_N,
    seed: int = DEMO_SEED,
    say: Callable[[str], None] = print,
) -> dict[str, Any]:
    """Run the whole pipeline into ``out_dir``; returns the paths and the ingest summaries.

    First wave (June): ``n`` simulated returns, ingested; the three lists drawn from them
    and filled in by the owner. Follow-up wave (November): ``n`` × 5/6 new respondents whose
    行政负担 has really eased; the lists updated; the report on the follow-up with 回访对比 and
    整改进展 as of :data:`DEMO_TODAY`.
    """
    out = Path(out_dir)
    bank = load_bank(DEMO_BANK)
    store, lists = out / "survey.db", out / LISTS
    _fresh(out)
    summary = _first_wave(out, bank, n, seed, say)
    follow_summary = _follow_up(out, bank, n * 5 // 6, seed, say)
    say(
        "5/5 统计分析并生成调研报告初稿"
        f"（按单位分组比较、回访对比、截至 {DEMO_TODAY} 的整改进展）……"
    )
    ctx = report_context(
        store,
        bank,
        out / "报告",
        waves=(FIRST, SECOND),
        lists=lists,
        today=DEMO_TODAY,
        by=[UNIT_FIELD],
    )
    paths = render(ctx, out / "报告")
    paths["charts"] = out / "报告" / "charts"
    closing = closing_steps(out, ctx, say)
    say("完成。打开以下文件查看：")
    for kind in ("html", "docx", "md"):
        say(f"    {paths[kind]}")
    say(f"    {lists}")
    for path in closing.values():
        say(f"    {path}")
    return {
        "closing": closing,
        "paths": paths,
        "summary": summary,
        "followup": follow_summary,
        "store": store,
        "lists": lists,
    }
