"""The three lists (问题清单、责任清单、任务清单) as one workbook the owner edits, and their merge
with new data.

Sheets, one row per problem, matched across sheets by 编号:
- 问题清单: 编号, 问题, 数据依据, 最新数据, 数据支持, 首次提出, 备注, 来源 (问卷 / 座谈 / 专家 /
  实地: every method that raised the problem, merged across runs — a source once recorded is
  never dropped, and one the owner typed is kept), 专家评分 (the latest Delphi round's mean,
  rank and consensus of the problem), and a hidden problem key;
- 责任清单: 编号, 问题, 责任单位, 责任人, 备注;
- 任务清单: 编号, 问题, 整改措施, 完成时限, 状态, 销号日期, 备注.
A problem's 问题 and 数据依据 carry the figure it was first drawn from (one figure, the same in
both, its wave named) and are never rewritten by a later run; 最新数据 holds the latest
figure, with its own wave, each time the problem is re-evaluated. Re-running after new data
keeps every cell the owner filled or changed, keeps rows added by hand, appends new problems
with new numbers, refreshes 最新数据, and marks problems the data no longer supports
(数据支持 = 否) instead of deleting them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.worksheet.datavalidation import DataValidation

from surveytool.errors import UsageError, problem
from surveytool.forms import save_atomic
from surveytool.forms.xlsx import BODY_FONT, a4, fit_row_heights, safe_text

STATUSES = ("未启动", "推进中", "已销号")
SHEETS = {
    "问题清单": [
        "编号",
        "问题",
        "数据依据",
        "最新数据",
        "数据支持",
        "首次提出",
        "备注",
        "来源",
        "专家评分",
        "_key",
        "_share",
    ],
    "责任清单": ["编号", "问题", "责任单位", "责任人", "备注"],
    "任务清单": ["编号", "问题", "整改措施", "完成时限", "状态", "销号日期", "备注"],
}
WIDTHS = {
    "编号": 8,
    "问题": 40,
    "数据依据": 50,
    "最新数据": 40,
    "数据支持": 24,  # wide enough for 已销号，但…需复核 (issue 22)
    "首次提出": 12,
    "备注": 24,
    "责任单位": 18,
    "责任人": 10,
    "整改措施": 40,
    "完成时限": 12,
    "状态": 10,
    "销号日期": 12,
    "来源": 14,
    "专家评分": 22,
    "_key": 4,
    "_share": 4,
}
SOURCES = ("问卷", "座谈", "专家", "实地")  # the methods, in the order 来源 lists them
_SPLIT = re.compile(r"[、,，;；/\s]+")
DATA_COLUMNS = {"最新数据", "数据支持"}  # refreshed from the data on every run
SAME = "与提出时相同"
CLOSED = "已销号"
REVIEW_FILL = "FCE4D6"  # a row to review: closed in the lists, still shown by the data


def closed_note(
    wave: str | None, figure: str, now: float, then: float | None, brief: bool = False
) -> str:
    """What the report, ``track`` and the lists say of a problem marked 已销号 that the
    latest data still show: ``已销号，但“回访”数据仍显示该问题（80.3%，较提出时的 71.4%
    上升），需复核``; ``brief`` (beside the figure already) leaves the figure out."""
    trend = ""
    if then is not None and then == then:
        way = "上升" if now > then + 0.05 else "下降" if now < then - 0.05 else "持平"
        trend = f"，较提出时的 {then:.1f}% {way}"
    data = f"“{wave}”数据" if wave else "最新数据"
    if brief:  # beside the figure and wave: ``已销号但数据仍显示，较提出时的 71.4% 上升，需复核``
        return f"已销号但数据仍显示{trend}，需复核"
    return f"已销号，但{data}仍显示该问题（{figure}{trend}），需复核"


def closed_rows(lists: Lists) -> dict[str, dict[str, Any]]:
    """The 问题清单 rows whose task is 已销号, by 编号."""
    tasks = lists.sheets["任务清单"]
    closed = {r.get("编号") for r in tasks if str(r.get("状态") or "").strip() == CLOSED}
    return {r["编号"]: r for r in lists.sheets["问题清单"] if r.get("编号") in closed}


def still_seen(row: dict[str, Any]) -> bool:
    """Whether a 问题清单 row is marked closed-but-still-shown (see :func:`merge`)."""
    return CLOSED in str(row.get("数据支持") or "") and str(row.get("数据支持")).startswith("是")


def share_of(v: Any) -> float | None:
    """The share a problem was first raised at, as the hidden ``_share`` cell holds it."""
    try:
        return float(v)
    except (TypeError, ValueError):
        return None


@dataclass
class Lists:
    """The three sheets as rows of dicts keyed by column name, in sheet order."""

    sheets: dict[str, list[dict[str, Any]]] = field(
        default_factory=lambda: {name: [] for name in SHEETS}
    )

    def row(self, sheet: str, number: str) -> dict[str, Any] | None:
        """The row of ``number`` in ``sheet``."""
        return next((r for r in self.sheets[sheet] if r.get("编号") == number), None)


MAX_LIST_ROWS = 5000  # rows of one sheet (a topic's lists hold dozens of problems)
MAX_LIST_COLUMNS = 64  # columns read of one sheet (ours and the owner's added ones)
_READ: dict[str, tuple[tuple, Lists]] = {}  # path -> (mtime, size), the lists read


def read_lists(path: str | Path) -> Lists:
    """A lists workbook as edited by its owner (every column, every row), read in the
    memory-capped reader worker with the checks of any returned workbook (zip, XML, the
    scanned extent and cell budget), only its three sheets. Kept while the file is unchanged
    (the web pages ask often). Raises our UsageError (lists_unreadable) for a file that is
    damaged, bloated, too large or not our lists."""
    import copy

    from surveytool.ingest import isolated
    from surveytool.ingest.table import FileRejectedError

    p = Path(path)
    try:
        st = p.stat()
    except OSError as exc:
        raise UsageError(
            problem("lists_unreadable", path=str(p), detail=type(exc).__name__)
        ) from None
    stamp = (st.st_mtime_ns, st.st_size)
    cached = _READ.get(str(p.resolve()))
    if cached and cached[0] == stamp:
        return copy.deepcopy(cached[1])
    try:
        lists = isolated.run("lists", p)
    except FileRejectedError as exc:
        raise UsageError(exc.problems) from None
    _READ[str(p.resolve())] = (stamp, lists)
    return copy.deepcopy(lists)


MAX_LIST_CELLS = 1_000_000  # scanned area of one of our sheets (20,000 rows x 50 columns)
MAX_BOOK_PART = 2**20  # workbook.xml and its relationships, read to find our sheets


def read_lists_here(path: Path) -> Lists:
    """:func:`read_lists` in this process (the reader worker calls it): a copy holding only
    our three sheets (other sheets, hidden or not, are dropped unread) gets the checks of any
    returned workbook (zip, XML, scanned extent) and a cell budget, then the sheets are
    streamed (openpyxl read-only), at most :data:`MAX_LIST_ROWS` rows and
    :data:`MAX_LIST_COLUMNS` columns each. Raises FileRejectedError (ours)."""
    import tempfile

    from surveytool.ingest import memory
    from surveytool.ingest.files import inspect_xlsx
    from surveytool.ingest.table import FileRejectedError

    def refuse(detail: str) -> FileRejectedError:
        return FileRejectedError([problem("lists_unreadable", path=str(path), detail=detail)])

    memory.cap()  # the floor: three sheets streamed row by row need no more
    with tempfile.TemporaryDirectory(prefix="surveytool-lists-") as folder:
        own = Path(folder) / "lists.xlsx"
        _own_sheets(path, own, refuse)
        inspection = inspect_xlsx(own)
        if inspection.reason:
            raise refuse(inspection.reason)
        if inspection.cells > MAX_LIST_CELLS:
            cells, limit = f"{inspection.cells:,}", f"{MAX_LIST_CELLS:,}"
            raise refuse(f"清单工作表的范围有 {cells} 个单元格，超过 {limit} 个的上限")
        try:
            wb = load_workbook(own, read_only=True, data_only=True)
        except Exception as exc:  # a damaged or foreign file: one clean message
            raise refuse(type(exc).__name__) from None
        try:
            out = Lists()
            for name in SHEETS:
                if name not in wb.sheetnames:
                    raise refuse(f"缺少工作表“{name}”")
                out.sheets[name] = _sheet_rows(wb[name], name, refuse)
        finally:
            wb.close()
    return out


_SHEET_TAG = re.compile(r"<sheet\b[^>]*?/>", re.S)
_NAME_ATTR = re.compile(r'\bname="([^"]*)"')
_RID_ATTR = re.compile(r'\br:id="([^"]*)"')
_DEFINED = re.compile(r"<definedNames>.*?</definedNames>|<definedNames/>", re.S)


def _own_sheets(src: Path, dst: Path, refuse) -> None:
    """Copy the xlsx ``src`` to ``dst`` without the worksheets that are not ours (their
    parts are never decompressed) and without defined names (which could point at them)."""
    import shutil
    import zipfile

    from surveytool.ingest.xlsxcheck import DAMAGED, _size_reason, not_a_zip

    try:
        with zipfile.ZipFile(src) as z:
            reason = _size_reason(z.infolist())  # bombs refused before anything is unpacked
            if reason:
                raise refuse(reason)
            names = set(z.namelist())
            if "xl/workbook.xml" not in names or "xl/_rels/workbook.xml.rels" not in names:
                raise refuse("缺少工作簿结构（xl/workbook.xml），不是 Excel 工作簿")
            book, rels = (z.getinfo(n) for n in ("xl/workbook.xml", "xl/_rels/workbook.xml.rels"))
            if max(book.file_size, rels.file_size) > MAX_BOOK_PART:
                raise refuse("工作簿结构部件异常大，疑似被修改过的文件")
            book_xml = z.read(book).decode("utf-8", "replace")
            rels_xml = z.read(rels).decode("utf-8", "replace")
            drop, kept = set(), []
            for tag in _SHEET_TAG.findall(book_xml):
                name = _NAME_ATTR.search(tag)
                if name and name.group(1) in SHEETS:
                    kept.append(tag)
                    continue
                rid = _RID_ATTR.search(tag)
                target = rid and re.search(
                    rf'<Relationship\b[^>]*\bId="{re.escape(rid.group(1))}"[^>]*/>', rels_xml
                )
                if target:
                    to = re.search(r'Target="/?(?:xl/)?([^"]+)"', target.group(0))
                    if to:
                        drop.add("xl/" + to.group(1))
                book_xml = book_xml.replace(tag, "", 1)
            book_xml = _DEFINED.sub("", book_xml)
            with zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as out:
                for info in z.infolist():
                    if info.filename in drop:
                        continue
                    if info is book:
                        out.writestr(info.filename, book_xml.encode("utf-8"))
                        continue
                    with z.open(info) as fin, out.open(info.filename, "w") as fout:
                        shutil.copyfileobj(fin, fout, 1 << 20)
    except zipfile.BadZipFile:
        raise refuse(DAMAGED if zipfile.is_zipfile(src) else not_a_zip(src)) from None
    except (OSError, RuntimeError, NotImplementedError, EOFError) as exc:
        raise refuse(f"文件无法解压（{type(exc).__name__}）") from None


def _sheet_rows(ws, name: str, refuse) -> list[dict[str, Any]]:
    rows = ws.iter_rows(max_col=MAX_LIST_COLUMNS, values_only=True)
    header = list(next(rows, ()))
    out = []
    too_many = f"工作表“{name}”超过 {MAX_LIST_ROWS:,} 行，不像是一个选题的清单"
    for i, row in enumerate(rows, start=2):
        if i > 20 * MAX_LIST_ROWS:  # formatted empty rows are passed over, not without end
            raise refuse(too_many)
        if all(v is None or str(v).strip() == "" for v in row):
            continue
        if len(out) >= MAX_LIST_ROWS:
            raise refuse(too_many)
        out.append({h: v for h, v in zip(header, row, strict=False) if h})
    return out


def _next_number(existing: list[str]) -> str:
    nums = [int(x[1:]) for x in existing if isinstance(x, str) and x[1:].isdigit()]
    return f"P{(max(nums) + 1) if nums else 1:02d}"


def _title(p: dict) -> str:
    """A problem's title (``title``, or ``text`` in records written by hand)."""
    return str(p.get("title") or p.get("text") or "")


def _latest(p: dict) -> str:
    """What 最新数据 shows for a problem the data support: its title's statement and source."""
    title = _title(p)
    return title.removeprefix(p["phrase"] + "：") if p.get("phrase") else title


def merge_sources(cell: object, new: list[str]) -> str:
    """The 来源 cell after this run: what it held (the owner's words too) and ``new``, the
    four methods first in their order, each once: ``问卷、座谈``."""
    have = [x for x in _SPLIT.split(str(cell or "")) if x]
    every = have + [x for x in new if x not in have]
    known = [x for x in SOURCES if x in every]
    return "、".join(known + [x for x in every if x not in SOURCES])


def _evidence(rows: list[dict], evidence: dict[str, dict]) -> None:
    """Add the other methods' sources and the experts' rating to the rows they concern."""
    for r in rows:
        found = evidence.get(r.get("_key") or "")
        if not found:
            continue
        r["来源"] = merge_sources(r.get("来源"), found.get("sources", []))
        if found.get("rating"):
            r["专家评分"] = found["rating"]


def merge(
    old: Lists | None,
    problems: list[dict],
    today: date,
    measured: dict[str, dict] | None = None,
    evidence: dict[str, dict] | None = None,
) -> Lists:
    """The lists after this run: the owner's edits kept, new problems appended, 最新数据
    refreshed, problems no longer supported marked (see the module docstring). ``problems``
    are ``Problem.as_dict()`` records (``sources`` may name their methods; 问卷 when not);
    ``measured`` gives, by key, the latest figure of problems below the threshold now (shown
    in 最新数据 of those no longer supported); ``evidence`` gives, by key, the other methods
    that raised a problem (``sources``) and the experts' ``rating``."""
    out = old or Lists()
    issues = out.sheets["问题清单"]
    by_key = {r.get("_key"): r for r in issues if r.get("_key")}
    current = {p["key"]: p for p in problems}
    measured = measured or {}
    closed = closed_rows(out)
    for r in issues:  # existing problems: refresh or mark as no longer supported
        key = r.get("_key")
        if key in current:
            p = current[key]
            latest = _latest(p)
            r["最新数据"] = SAME if latest in str(r.get("问题") or "") else latest
            r["数据支持"] = "是"
            if r.get("编号") in closed and p.get("figure"):  # 防止纸上解决: said, not hidden
                then = share_of(r.get("_share"))
                note = closed_note(p.get("wave"), p["figure"], p["share"], then)
                r["数据支持"] = f"是；{note}"
            r["来源"] = merge_sources(r.get("来源"), current[key].get("sources", ["问卷"]))
        elif key:
            r["数据支持"] = f"否（{today.isoformat()} 起数据不再支持）"
            if key in measured:
                r["最新数据"] = _latest(measured[key]) + "，未达到提出标准"
    for p in problems:  # new problems
        if p["key"] in by_key:
            continue
        number = _next_number([r.get("编号") for r in issues])
        issues.append(
            {
                "编号": number,
                "问题": _title(p),
                "数据依据": p["evidence"],
                "最新数据": SAME,
                "数据支持": "是",
                "首次提出": today.isoformat(),
                "备注": None,
                "来源": merge_sources(None, p.get("sources", ["问卷"])),
                "专家评分": None,
                "_key": p["key"],
                "_share": p.get("share"),
            }
        )
    _evidence(issues, evidence or {})
    _sync_others(out)
    return out


def _sync_others(lists: Lists) -> None:
    """Every problem of 问题清单 has a row in the other two lists (their cells kept)."""
    for r in lists.sheets["问题清单"]:
        for sheet in ("责任清单", "任务清单"):
            row = lists.row(sheet, r["编号"])
            if row is None:
                row = dict.fromkeys(SHEETS[sheet])
                row["编号"] = r["编号"]
                if sheet == "任务清单":
                    row["状态"] = "未启动"
                lists.sheets[sheet].append(row)
            row["问题"] = r["问题"]  # the owner's wording in 问题清单 leads


def write_lists(lists: Lists, path: str | Path, bank_id: str) -> Path:
    """Write the workbook: dropdowns for 状态, date validation for the date columns."""
    wb = Workbook()
    wb.remove(wb.active)
    bold = Font(name=BODY_FONT, bold=True)
    head_fill = PatternFill("solid", fgColor="E7E6E6")
    for name, columns in SHEETS.items():
        ws = wb.create_sheet(name)
        extra = sorted({k for r in lists.sheets[name] for k in r} - set(columns))
        header = columns + extra  # columns the owner added are kept too
        ws.append(header)
        for c in ws[1]:
            c.font, c.fill = bold, head_fill
        review = PatternFill("solid", fgColor=REVIEW_FILL)
        for r in lists.sheets[name]:
            ws.append([_cell(r.get(h)) for h in header])
            if name == "问题清单" and still_seen(r):  # flagged for review
                for c in ws[ws.max_row]:
                    c.fill = review
        for i, h in enumerate(header, start=1):
            letter = ws.cell(1, i).column_letter
            ws.column_dimensions[letter].width = WIDTHS.get(h, 14)
            if h.startswith("_"):
                ws.column_dimensions[letter].hidden = True
            for cell in ws[letter][1:]:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
                if isinstance(cell.value, str):
                    cell.data_type = "s"
        _validations(ws, header)
        ws.freeze_panes = "B2"
        a4(ws, "1:1", landscape=True)  # narrows the columns to the page: before the heights
        fit_row_heights(ws)
    wb["问题清单"].sheet_properties.tabColor = "2F5597"
    wb.properties.subject = f"surveytool lists {bank_id}"
    return save_atomic(wb, path)


def _cell(v: Any) -> Any:
    if isinstance(v, datetime):
        return v.date()
    return safe_text(v)


def _validations(ws, header: list[str]) -> None:
    last = 1000
    if "状态" in header:
        col = ws.cell(1, header.index("状态") + 1).column_letter
        dv = DataValidation(
            type="list",
            formula1='"' + ",".join(STATUSES) + '"',
            allow_blank=True,
            showErrorMessage=True,
            error="请从下拉列表中选择：未启动、推进中或已销号。",
            errorTitle="状态",
        )
        dv.add(f"{col}2:{col}{last}")
        ws.add_data_validation(dv)
    for h in ("完成时限", "销号日期"):
        if h in header:
            col = ws.cell(1, header.index(h) + 1).column_letter
            dv = DataValidation(
                type="date",
                operator="greaterThan",
                formula1="36526",
                allow_blank=True,
                showErrorMessage=True,
                error="请填写日期，例如 2026-08-31。",
                errorTitle=h,
            )
            dv.add(f"{col}2:{col}{last}")
            ws.add_data_validation(dv)
            for cell in ws[col][1:]:
                cell.number_format = "yyyy-mm-dd"


def make_lists(
    problems: list[dict],
    path: str | Path,
    bank_id: str,
    today: date | None = None,
    measured: dict[str, dict] | None = None,
    evidence: dict[str, dict] | None = None,
) -> tuple[Path, Lists]:
    """Create or update the lists workbook at ``path``; returns it and the merged lists
    (``evidence``: the other methods, see :func:`merge`)."""
    p = Path(path)
    old = read_lists(p) if p.exists() else None
    merged = merge(old, problems, today or date.today(), measured, evidence)
    return write_lists(merged, p, bank_id), merged
