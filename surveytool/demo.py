"""The one-command demo: simulated returns for topic 1 -> ingest -> analysis -> report.

Seeded, so the output is reproducible. The returns are respondent-layout forms filed in one
folder per unit (the five units the seed names, and 其他), with what real returns contain:
a few typed answers to normalise (约40), a few that cannot be accepted (不清楚, a range, an
empty required question), a form re-saved with the same answers, and an exact copy.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

from surveytool.bank import load_bank
from surveytool.bank.model import Bank
from surveytool.forms.fill import FormFiller
from surveytool.ingest import IngestSummary, ingest
from surveytool.report import make_report
from surveytool.simulate import Simulator

DEMO_BANK = "young_researchers"
DEMO_N = 360
DEMO_SEED = 2023
UNIT_FIELD = "B2"


def write_returns(bank: Bank, answers: list[dict[str, Any]], folder: Path) -> list[Path]:
    """Respondent forms, one folder per unit; returns their paths."""
    filler = FormFiller(bank)
    unit = bank.field(UNIT_FIELD) if UNIT_FIELD in {f.id for f in bank.fields} else None
    labels = {o.code: o.label for o in unit.options} if unit else {}
    paths = []
    for i, a in enumerate(answers, start=1):
        sub = labels.get(a.get(UNIT_FIELD), "其他").replace("（请注明）", "")
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


def _resave(path: Path) -> None:
    """Re-save a form as Excel or WPS would: same answers, different bytes."""
    from openpyxl import load_workbook

    wb = load_workbook(path)
    wb.save(path)


def run_demo(
    out_dir: str | Path = "surveytool-demo",
    n: int = DEMO_N,
    seed: int = DEMO_SEED,
    say: Callable[[str], None] = print,
) -> dict[str, Any]:
    """Run the whole pipeline into ``out_dir``; returns the paths and the ingest summary."""
    out = Path(out_dir)
    bank = load_bank(DEMO_BANK)
    returns = out / "回收的问卷"
    if returns.exists():
        shutil.rmtree(returns)
    for old in (out / "survey.db", out / "survey.db-wal", out / "survey.db-shm"):
        old.unlink(missing_ok=True)
    for old in out.glob("rejects-*.xlsx"):
        old.unlink()
    say(f"1/4 模拟 {n} 位青年科技工作者填写《{bank.title}》（随机种子 {seed}）……")
    sim = Simulator(bank, seed=seed)
    clean = write_returns(bank, sim.respondents(n), returns)
    extra = messy_returns(bank, sim, returns, clean)
    say(f"    已生成 {len(clean) + extra} 份回收问卷：{returns}")
    say("2/4 回收入库……")
    summary: IngestSummary = ingest([returns], bank, out / "survey.db")
    d = summary.to_dict()
    say(
        f"    有效 {d['accepted']} 份，未通过 {d['rejected']} 份，重复 {d['duplicates']} 份，"
        f"重复文件 {d['already_ingested']} 个；未通过的答卷见 {summary.rejects_file}"
    )
    say("3/4 统计分析并生成图表、调研报告初稿（按单位分组比较）……")
    paths = make_report(out / "survey.db", bank, out / "报告", by=[UNIT_FIELD])
    say("4/4 完成。打开以下文件查看：")
    for kind in ("html", "docx", "md"):
        say(f"    {paths[kind]}")
    return {"paths": paths, "summary": summary, "store": out / "survey.db"}
