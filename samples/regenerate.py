"""Regenerate the example inputs (samples/) and the demo's example report (reports/).

    python samples/regenerate.py

samples/young_researchers/ gets what a topic owner receives: three filled respondent forms,
a collection sheet typed in from paper questionnaires, a 问卷星-style 按文本 export of the
same questionnaire (the format described in shared/formats/platform-exports.md), and the
demo's 座谈 notes (.txt, .md) and filled visit records. All are
simulated (seeded) answers, not data; the export comes with the column mapping that
`surveytool map` proposes for it. reports/young_researchers/ gets the demo's output: the
report as Word and Markdown with its charts (the HTML is the same report with the charts
inside: run the demo to get it), the three lists and the 座谈 outline. tests/test_report_e2e.py
checks that both are current.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from pathlib import Path

from openpyxl import Workbook, load_workbook

from surveytool.bank import load_bank
from surveytool.bank.model import Bank
from surveytool.demo import DEMO_PRIORS, run_demo
from surveytool.demo_methods import FOLDER, write_notes, write_visits
from surveytool.forms import write_form
from surveytool.forms.fill import FormFiller
from surveytool.ingest.platform_map import propose
from surveytool.simulate import Simulator

ROOT = Path(__file__).resolve().parent.parent
BANK = "young_researchers"
SEED = 7


def people(bank: Bank, n: int, seed: int) -> list[dict]:
    """Simulated respondents with the demo's plausible profile."""
    return Simulator(bank, seed=seed, priors=DEMO_PRIORS).respondents(n)


def respondent_forms(bank: Bank, folder: Path) -> None:
    filler = FormFiller(bank)
    for i, answers in enumerate(people(bank, 3, SEED), start=1):
        filler.fill(answers, folder / f"问卷-{i:03d}.xlsx")


def collection_sheet(bank: Bank, path: Path) -> None:
    """The collection layout with eight paper questionnaires typed in (codes, as a clerk
    types them from the code list on the sheet)."""
    structure = write_form(bank, path, layout="collection")
    wb = load_workbook(path)
    ws = wb.worksheets[0]
    columns = {e.field: e.cell for e in structure.entries}
    for r, answers in enumerate(people(bank, 8, SEED + 1), start=structure.first_row):
        for fid, value in answers.items():
            if value is not None and fid in columns:
                ws[f"{columns[fid]}{r}"] = value
    wb.save(path)


def _wjx_value(bank: Bank, qid: str, answers: dict) -> object:
    """One question's cell in a 问卷星 按文本 export."""
    q = bank.question(qid)
    fields = [f for f in bank.fields if f.question == qid and f.kind != "other"]
    if q.type == "multi":
        picked = [f.option.label for f in fields if answers.get(f.id) == 1]  # type: ignore[union-attr]
        return "┋".join(picked) if picked else "(跳过)"
    if q.type == "rank":
        ranked = sorted((answers[f.id], f.option.label) for f in fields if answers.get(f.id))  # type: ignore[union-attr]
        return "→".join(label for _, label in ranked) or "(跳过)"
    value = answers.get(qid)
    if value is None:
        return "(跳过)"
    if q.type == "single":
        return next(o.label for o in fields[0].options if o.code == value)
    return value


def wjx_export(bank: Bank, path: Path) -> None:
    """A 问卷星 按文本 download: metadata columns, then `N、题干` per question (a likert
    question's first row as `N、题干—行1`, the others bare), multi options joined by ┋,
    ranks as A→B→C, 其他【请注明】〖…〗 for other texts. Pii and respondent-code questions
    are left out, as a platform form would not ask them of anonymous respondents."""
    header = ["序号", "提交答卷时间", "所用时间", "来源", "来源详情", "来自IP"]
    questions = [q for q in bank.questions if not q.pii and q.role != "respondent_code"]
    for n, q in enumerate(questions, start=1):
        if q.type == "likert":
            header += [f"{n}、{q.text}—{q.items[0].text}", *(i.text for i in q.items[1:])]
        else:
            header.append(f"{n}、{q.text}")
    wb = Workbook()
    ws = wb.active
    ws.append(header)
    for i, a in enumerate(people(bank, 12, SEED + 2), start=1):
        row: list[object] = [i, f"2026/5/{10 + i} 09:{i:02d}:00", f"{300 + 7 * i}秒", "手机提交"]
        row += ["微信", f"10.0.0.{i}(广西-柳州)"]
        for q in questions:
            if q.type == "likert":
                for item in q.items:
                    code = a.get(item.id)
                    scale = bank.scales[q.scale or ""]
                    row.append(next(o.label for o in scale if o.code == code) if code else "(跳过)")
            elif q.type == "text":
                row.append(a.get(q.id) or "(空)")
            else:
                row.append(_wjx_value(bank, q.id, a))
        ws.append(row)
    wb.save(path)


def samples(out: Path) -> Path:
    """Write samples/young_researchers/ under ``out``; returns the folder."""
    bank = load_bank(BANK)
    folder = out / BANK
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    respondent_forms(bank, folder / "回收的问卷")
    collection_sheet(bank, folder / "录入表-纸质问卷.xlsx")
    export = folder / f"12345678_按文本_{bank.title}_12_12.xlsx"
    wjx_export(bank, export)
    propose(export, bank, "auto", export.with_name(export.name + ".mapping.yaml"))
    for note in write_notes(folder / "座谈记录"):
        if note.suffix == ".docx":  # binary: the demo writes it; samples keep text and workbooks
            note.unlink()
    write_visits(bank, folder / "走访记录")
    return folder


def reports(out: Path) -> Path:
    """Run the demo and keep its report and lists under ``out``/young_researchers/."""
    folder = out / BANK
    if folder.exists():
        shutil.rmtree(folder)
    with tempfile.TemporaryDirectory() as tmp:
        demo = Path(tmp) / "demo"
        run_demo(demo, say=lambda _: None)
        shutil.copytree(demo / "报告", folder, ignore=shutil.ignore_patterns("report.html"))
        shutil.copyfile(demo / "三张清单.xlsx", folder / "三张清单.xlsx")
        shutil.copyfile(demo / FOLDER / "座谈提纲.docx", folder / "座谈提纲.docx")
    return folder


def main(argv: list[str]) -> int:
    print(samples(ROOT / "samples"))
    if "--samples-only" not in argv:
        print(reports(ROOT / "reports"))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
