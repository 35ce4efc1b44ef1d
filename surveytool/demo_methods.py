"""The demo's other methods for topic 1: an outline, three 座谈 notes, two field visits and a
two-round Delphi on the June problems — written as a topic owner's staff would (the outline's
record sheet, the visit form, the expert forms filled in), then ingested like real ones.

Seeded: the expert ratings come from a fixed generator. Round 1 rates each listed problem
around a level of its own; in round 2 each expert moves halfway to the round-1 mean (the
feedback the form shows), so the experts agree more (W up, CV down), as Delphi rounds do.
Each problem's level falls with its place in the lists (ranked by the survey's share), with
noise: the experts mostly, not always, agree with the survey.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
from openpyxl import load_workbook

from surveytool.bank.model import Bank
from surveytool.demo_notes import EXPERT_AREAS, SESSIONS, VISITS
from surveytool.followup.delphi_items import load_items
from surveytool.forms.delphi import DelphiItem, write_delphi_form
from surveytool.forms.outline import THEME_MARK, write_outline
from surveytool.forms.visit import write_visit_form
from surveytool.ingest.delphi import ingest_ratings
from surveytool.ingest.notes import ingest_notes
from surveytool.ingest.visits import ingest_visits

FOLDER = "其他调研方法"
EXPERTS = 10
FAMILIARITY = ("很熟悉", "熟悉", "熟悉", "熟悉", "一般")
LEVELS = ("大", "中", "小")


def write_notes(folder: Path) -> list[Path]:
    """The three sessions' notes, as .docx, .txt and .md."""
    from docx import Document

    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for s in SESSIONS:
        lines = [f"{k}：{v}" for k, v in s["header"].items()]
        for theme, paragraphs in s["themes"].items():
            lines += [f"{THEME_MARK}{theme}", *paragraphs]
        path = folder / s["file"]
        if path.suffix == ".docx":
            doc = Document()
            for line in lines:
                doc.add_paragraph(line)
            doc.save(str(path))
        elif path.suffix == ".md":
            body = [
                f"## {x.removeprefix(THEME_MARK)}" if x.startswith(THEME_MARK) else x for x in lines
            ]
            path.write_text("\n\n".join(body) + "\n", encoding="utf-8")
        else:
            path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        paths.append(path)
    return paths


def write_visits(bank: Bank, folder: Path) -> list[Path]:
    """The two visit records, filled in on the visit form."""
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for v in VISITS:
        path = write_visit_form(bank, folder / v["file"])
        wb = load_workbook(path)
        ws = wb.active
        for r in range(1, ws.max_row + 1):
            label = ws.cell(r, 1).value
            if label in ("走访单位", "单位类型", "走访日期", "察看内容"):
                ws.cell(r, 2).value = v[label]
            elif label in v["observations"]:
                ws.cell(r, 2).value = v["observations"][label]
            elif label == "序号":
                for i, (text, theme, photo) in enumerate(v["problems"], start=1):
                    ws.cell(r + i, 2).value, ws.cell(r + i, 3).value = text, theme
                    ws.cell(r + i, 4).value = photo
        wb.save(path)
        paths.append(path)
    return paths


def _profile(ws, rng: np.random.Generator, i: int) -> None:
    values = {
        "专业领域": EXPERT_AREAS[i % len(EXPERT_AREAS)],
        "从事本领域工作年限": int(rng.integers(8, 30)),
        "对咨询内容的熟悉程度": FAMILIARITY[int(rng.integers(0, len(FAMILIARITY)))],
        "判断依据：实践经验": "大" if rng.random() < 0.8 else "中",
        "判断依据：理论分析": LEVELS[int(rng.integers(0, 2))],
        "判断依据：参考国内外文献": LEVELS[int(rng.integers(0, 3))],
        "判断依据：直观感觉": LEVELS[int(rng.integers(1, 3))],
    }
    for r in range(1, 20):
        label = ws.cell(r, 1).value
        if label in values:
            ws.cell(r, 3).value = values[label]


def _fill(path: Path, ratings: np.ndarray, items: list[DelphiItem], rng, i: int) -> None:
    wb = load_workbook(path)
    ws = wb.active
    _profile(ws, rng, i)
    top = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == "编号")
    col = next(
        c for c in range(1, ws.max_column + 1) if str(ws.cell(top, c).value).startswith("重要性")
    )
    for j, _ in enumerate(items):
        ws.cell(top + 1 + j, col).value = int(ratings[j])
    wb.save(path)


def delphi(items: list[DelphiItem], folder: Path, store: Path, seed: int) -> int:
    """Two rounds on ``items``: forms written, filled and ingested; returns the experts of
    a round."""
    rng = np.random.default_rng(seed)
    # the lists rank problems by their survey share: experts tend to agree, with exceptions
    level = np.clip(
        4.7 - 1.6 * np.arange(len(items)) / len(items) + rng.normal(0, 0.45, len(items)), 2.2, 5
    )
    first = np.clip(np.rint(level + rng.normal(0, 0.9, (EXPERTS, len(items)))), 1, 5)
    means = first.mean(axis=0)
    second = np.clip(np.rint((first + means) / 2 + rng.normal(0, 0.35, first.shape)), 1, 5)
    for rnd, ratings in ((1, first), (2, second)):
        sub = folder / f"第{rnd}轮"
        sub.mkdir(parents=True, exist_ok=True)
        for i in range(EXPERTS):
            code = f"E{i + 1:02d}"
            previous = None
            if rnd == 2:
                previous = {
                    it.id: (float(means[j]), float(first[i, j])) for j, it in enumerate(items)
                }
            path = write_delphi_form(
                items, sub / f"专家咨询表-{code}.xlsx", rnd, expert=code, previous=previous
            )
            _fill(path, ratings[i], items, np.random.default_rng(seed + i), i)
        ingest_ratings([sub], items, store, rnd)
    return EXPERTS


def run_methods(out: Path, bank: Bank, store: Path, say: Callable[[str], None]) -> None:
    """Outline, notes and visits ingested; then (needing the lists) the Delphi rounds."""
    folder = out / FOLDER
    write_outline(bank, folder / "座谈提纲.docx")
    notes = ingest_notes(write_notes(folder / "座谈记录"), bank, store)
    visits = ingest_visits(write_visits(bank, folder / "走访记录"), bank, store)
    done = notes.count("ingested"), visits.count("ingested")
    say(
        f"    座谈记录 {done[0]} 份、实地察看记录 {done[1]} 份已导入（个人信息已隐去）；"
        f"座谈提纲：{folder / '座谈提纲.docx'}"
    )


def run_delphi(out: Path, store: Path, lists: Path, seed: int, say: Callable[[str], None]) -> None:
    """The two Delphi rounds on the problems of the lists."""
    items = load_items(lists)
    n = delphi(items, out / FOLDER / "专家咨询", store, seed)
    say(f"    专家咨询两轮（{len(items)} 个问题，每轮 {n} 位专家）已导入")


__all__ = ["run_delphi", "run_methods", "write_notes", "write_visits"]
