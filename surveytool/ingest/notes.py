"""Notes of 座谈 (group discussions), 访谈 (interviews) and 研讨 (workshops) into the store.

One file per session, .docx, .txt or .md, as the outline's note-taking sheet lays it out
(:mod:`surveytool.forms.outline`)::

    日期：2026-05-12
    形式：座谈
    单位类型：高等院校
    参加人数：8
    【主题】科研时间与事务性负担
    报销要跑好几个部门……

The header holds no names (a line for 主持人, 记录人, 参加人员 or a phone is refused); theme
headings are 【主题】名称, a Markdown ``#`` heading, a Word heading style, or a numbered line
(一、（一）) naming a theme. Every paragraph is masked (names, phones, ID numbers…) before it
is stored. A .docx is a zip: it gets the same zip and XML checks as a returned workbook,
then its document XML is read as a stream in the memory-capped reader worker, counting
paragraphs, rows and spans as they come (no python-docx object model).
"""

from __future__ import annotations

import difflib
import re
import zipfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from surveytool.bank.interview import Theme, themes
from surveytool.bank.model import Bank
from surveytool.errors import Problem, problem
from surveytool.ingest import method_files
from surveytool.ingest.normalise import MAX_CHARS
from surveytool.ingest.table import FileRejectedError
from surveytool.ingest.xlsxcheck import inspect_xlsx
from surveytool.privacy import half_width, mask
from surveytool.store import methods as sm

KIND = "记录"  # how a notes file is named in messages: 记录 座谈-0512.txt：…
SUFFIXES = (".docx", ".txt", ".md")
MAX_TEXT_BYTES = 5 * 2**20  # a .txt/.md notes file
MAX_DOCX_BYTES = 50 * 2**20  # a .docx, all parts uncompressed
MAX_PARAGRAPHS = 5000
KINDS = {"座谈": "座谈", "访谈": "访谈", "研讨": "研讨"}
HEADER = {
    "日期": "日期",
    "时间": "日期",
    "形式": "形式",
    "方式": "形式",
    "类型": "形式",
    "单位类型": "单位类型",
    "单位类别": "单位类型",
    "参加人数": "参加人数",
    "参会人数": "参加人数",
    "受访人数": "参加人数",
    "人数": "参加人数",
    "地点": "地点",
}
REQUIRED = ("日期", "形式", "单位类型", "参加人数")
NAME_KEYS = [
    "主持人",
    "记录人",
    "参加人员",
    "参会人员",
    "出席人员",
    "受访人",
    "受访者",
    "姓名",
    "联系人",
    "电话",
    "手机",
    "联系方式",
]
_KEY = re.compile(r"^([\u4e00-\u9fff]{2,6})\s*[:：]\s*(.*)$")
_HINT = re.compile(r"[（(][^）)]*[）)]")
_DATE = re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})")
_MD = re.compile(r"^#{1,6}\s*(.+?)\s*#*$")
_MARKED = re.compile(r"^【主题】\s*(.+)$|^【([^】]{1,30})】$")
_NUMBERED = re.compile(
    r"^(?:[一二三四五六七八九十]+、|（[一二三四五六七八九十]+）|\d+[.、．])\s*(.{2,30})$"
)


@dataclass(frozen=True)
class Line:
    """One line (txt/md) or paragraph (docx) with where it is and whether it is styled as a
    heading."""

    at: str  # 第 3 行 / 第 3 段
    text: str
    heading: bool = False


def fail(code: str, shown: str, **values: object) -> FileRejectedError:
    """A FileRejectedError with one catalogue message about notes file ``shown``."""
    return FileRejectedError([problem(code, file=shown, kind=KIND, **values)])


# --- reading lines ---------------------------------------------------------------------------


def _decode(data: bytes, shown: str) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise fail("notes_encoding", shown, offset=exc.start) from None
    first = None
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError as exc:
            first = first or exc
    raise fail("notes_encoding", shown, offset=first.start if first else 0)


def _text_lines(path: Path, shown: str) -> list[Line]:
    size = path.stat().st_size
    if size > MAX_TEXT_BYTES:
        raise fail("notes_too_big", shown, size=f"{size / 2**20:.1f}", limit=MAX_TEXT_BYTES >> 20)
    text = _decode(path.read_bytes(), shown)
    markdown = path.suffix.lower() == ".md"
    out = []
    for i, raw in enumerate(text.splitlines(), start=1):
        m = _MD.match(raw.strip()) if markdown else None
        out.append(Line(f"第 {i} 行", m.group(1) if m else raw, heading=bool(m)))
    return out


def _docx_check(path: Path, shown: str) -> None:
    """The workbook checks (zip, sizes and ratios, no DOCTYPE, well-formed XML), a size cap
    for notes and a document part, before python-docx opens the file."""
    inspection = inspect_xlsx(path)
    if inspection.reason:
        reason = inspection.reason.replace("xlsx", "docx")
        raise fail("docx_unreadable", shown, detail=reason)
    with zipfile.ZipFile(path) as z:
        names = set(z.namelist())
        total = sum(i.file_size for i in z.infolist())
    if "word/document.xml" not in names:
        raise fail(
            "docx_unreadable", shown, detail="文件中没有 Word 正文（可能是改了扩展名的其他文件）"
        )
    if total > MAX_DOCX_BYTES:
        raise fail("notes_too_big", shown, size=f"{total / 2**20:.1f}", limit=MAX_DOCX_BYTES >> 20)


W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
MAX_CELLS = 63  # columns of a Word table (Word's own limit): cells in a row, a cell's span
MAX_PARTS = 20 * MAX_PARAGRAPHS  # paragraphs, rows and cells at any depth (nested tables)
HEADING_STYLES = ("heading", "标题", "title")


def docx_lines(path: Path, shown: str) -> list[Line]:
    """Paragraphs and table rows in document order (a two-cell row reads as ``键：值``),
    read from the document's XML as it streams: paragraphs, rows, cells and spans are
    counted as they come and the file is refused at the first limit passed, before anything
    is built (no python-docx object model: a span of 400,000,000 columns or thousands of
    vertically merged rows cost nothing). Run in the reader worker
    (:func:`read_lines`)."""
    _docx_check(path, shown)
    try:
        with zipfile.ZipFile(path) as z:
            headings = _heading_styles(z)
            with z.open("word/document.xml") as f:
                return _DocxReader(shown, headings).read(f)
    except FileRejectedError:
        raise
    except Exception as exc:  # a damaged or foreign part: one clean message
        raise fail("docx_unreadable", shown, detail=type(exc).__name__) from None


def _heading_styles(z: zipfile.ZipFile) -> set[str]:
    """Ids of the paragraph styles whose name is a heading (styles.xml, when there is one)."""
    import xml.etree.ElementTree as ET

    if "word/styles.xml" not in z.namelist():
        return set()
    out = set()
    with z.open("word/styles.xml") as f:
        for _, el in ET.iterparse(f):
            if el.tag == W + "style":
                name = el.find(W + "name")
                label = (name.get(W + "val") if name is not None else "") or ""
                if label.lower().startswith(HEADING_STYLES):
                    out.add(el.get(W + "styleId") or "")
                el.clear()
    return out


class _DocxReader:
    """The state of one streaming pass over word/document.xml."""

    def __init__(self, shown: str, headings: set[str]):
        self.shown, self.headings = shown, headings
        self.out: list[Line] = []
        self.parts = 0  # paragraphs, rows and cells seen, at any depth
        self.paragraphs: list[list[str]] = []  # text runs of the open paragraphs
        self.styles: list[str] = []
        self.cells: list[list[str]] = []  # paragraphs of the open cells
        self.rows: list[list[str]] = []  # cells of the open rows

    def _more(self) -> None:
        self.parts += 1
        if self.parts > MAX_PARTS:
            raise fail(
                "docx_unreadable",
                self.shown,
                detail=f"段落和表格单元格超过 {MAX_PARTS:,} 个，不像是一场记录",
            )

    def _line(self, line: Line) -> None:
        if len(self.out) >= MAX_PARAGRAPHS:  # refused at once, before the rest is read
            more = f"{MAX_PARAGRAPHS:,} 以上"
            raise fail("notes_too_many", self.shown, count=more, limit=f"{MAX_PARAGRAPHS:,}")
        self.out.append(line)

    def _span(self, el) -> None:
        value = el.get(W + "val") or "1"
        if not value.isdigit() or int(value) > MAX_CELLS:
            raise fail(
                "docx_unreadable",
                self.shown,
                detail=f"表格中一个单元格横跨 {value[:12]} 列，超过 Word 表格 {MAX_CELLS} 列的上限",
            )

    def read(self, f) -> list[Line]:
        import xml.etree.ElementTree as ET

        for event, el in ET.iterparse(f, events=("start", "end")):
            tag = el.tag
            if event == "start":
                if tag == W + "p":
                    self._more()
                    self.paragraphs.append([])
                    self.styles.append("")
                elif tag == W + "tr":
                    self._more()
                    self.rows.append([])
                elif tag == W + "tc":
                    self._more()
                    self.cells.append([])
                    if self.rows and len(self.rows[-1]) >= MAX_CELLS:
                        raise fail(
                            "docx_unreadable",
                            self.shown,
                            detail=f"表格的一行超过 Word 表格 {MAX_CELLS} 列的上限",
                        )
                elif tag == W + "gridSpan":
                    self._span(el)
                continue
            self._end(tag, el)
        return self.out

    def _end(self, tag: str, el) -> None:
        if tag == W + "t" and self.paragraphs:
            self.paragraphs[-1].append(el.text or "")
        elif tag == W + "tab" and self.paragraphs:
            self.paragraphs[-1].append("\t")
        elif tag in (W + "br", W + "cr") and self.paragraphs:
            self.paragraphs[-1].append("\n")
        elif tag == W + "pStyle" and self.styles:
            self.styles[-1] = el.get(W + "val") or ""
        elif tag == W + "p" and self.paragraphs:
            text, style = "".join(self.paragraphs.pop()), self.styles.pop()
            if self.cells:
                self.cells[-1].append(text)
            elif not self.rows:
                heading = style in self.headings or style.lower().startswith(HEADING_STYLES)
                self._line(Line(f"第 {len(self.out) + 1} 段", text, heading))
        elif tag == W + "tc" and self.cells:
            text = "\n".join(self.cells.pop())
            if self.rows:
                self.rows[-1].append(text.strip())
        elif tag == W + "tr" and self.rows:
            cells = self.rows.pop()
            if not self.rows:  # a row of a nested table is part of its cell, as in Word
                text = "：".join(cells[:2]) if len(cells) == 2 else " ".join(cells)
                self._line(Line(f"第 {len(self.out) + 1} 段", text))
        if tag != W + "body":
            el.clear()


def read_lines(path: Path, shown: str) -> list[Line]:
    """The lines of a notes file. Raises FileRejectedError (ours) for a file that is not
    .docx/.txt/.md, too large, undecodable or damaged."""
    suffix = path.suffix.lower()
    if suffix not in SUFFIXES:
        raise fail("notes_type", shown, suffix=suffix or "（无扩展名）")
    if suffix == ".docx":  # in the memory-capped reader worker (ingest/isolated.py)
        from surveytool.ingest import isolated

        return isolated.run("docx_lines", path, shown)
    return _text_lines(path, shown)


# --- parsing ---------------------------------------------------------------------------------


def _norm(text: str) -> str:
    return re.sub(r"[\s【】\[\]（）()：:、，,。.．]|主题", "", text)


def resolve_theme(text: str, found: list[Theme]) -> str | None:
    """The theme (section id) a heading names: its name, section title or id, exactly,
    contained or closely spelt; '' for 其他; None when it names none."""
    key = _norm(text)
    if key in ("其他", "其它", "其他问题", "其他意见"):
        return ""
    names = {}
    for t in found:
        for name in (t.name, t.section.title, t.id):
            names.setdefault(_norm(name), t.id)
    if key in names:
        return names[key]
    for name, tid in names.items():
        if len(name) >= 2 and len(key) >= 2 and (name in key or key in name):
            return tid
    close = difflib.get_close_matches(key, list(names), n=1, cutoff=0.6)
    return names[close[0]] if close else None


def _heading(line: Line, found: list[Theme]) -> tuple[str, str | None] | None:
    """(heading text, theme id or None) when ``line`` is a theme heading, else None."""
    text = line.text.strip()
    m = _MARKED.match(text)
    if line.heading or m:
        title = (m.group(1) or m.group(2)) if m else text
        return title.strip(), resolve_theme(title, found)
    m = _NUMBERED.match(text)
    candidate = m.group(1) if m else text
    if len(candidate) <= 30 and not candidate.endswith(("。", "？", "！")):
        tid = resolve_theme(candidate, found)
        if tid and (m or _norm(candidate) in {_norm(t.name) for t in found}):
            return candidate, tid
    return None


def _value(code_rule: tuple[str, str], line: Line, shown: str, raw: str) -> Problem:
    what, rule = code_rule
    return problem(
        "notes_bad_value", file=shown, kind=KIND, at=line.at, text=raw, what=what, rule=rule
    )


def _header_value(key: str, raw: str, line: Line, shown: str) -> object:
    value = half_width(_HINT.sub("", raw)).strip()
    if key == "日期":
        m = _DATE.search(value)
        try:
            day = date(int(m.group(1)), int(m.group(2)), int(m.group(3))) if m else None
        except ValueError:
            day = None
        if day is None or not 2000 <= day.year <= 2100:
            raise FileRejectedError([_value(("日期", "年月日，例如 2026-05-12"), line, shown, raw)])
        return day.isoformat()
    if key == "形式":
        kind = next((k for k in KINDS if k in value), None)
        if kind is None:
            raise FileRejectedError([_value(("形式", "座谈、访谈或研讨"), line, shown, raw)])
        return kind
    if key == "参加人数":
        m = re.search(r"\d+", value)
        if m is None or not 1 <= int(m.group()) <= 500:
            rule = " 1 到 500 之间的整数（不含主持人和记录人）"
            raise FileRejectedError([_value(("参加人数", rule), line, shown, raw)])
        return int(m.group())
    if not value:
        raise FileRejectedError([_value((key, "一段文字，例如 高等院校"), line, shown, raw)])
    return mask(value)[:60]


def _split_header(lines: list[Line], shown: str, found: list[Theme]) -> tuple[dict, int]:
    """The header values and the index of the first line after the header."""
    header: dict[str, object] = {}
    i = 0
    for i, line in enumerate(lines):
        text = line.text.strip()
        if not text:
            continue
        m = _KEY.match(text)
        if _heading(line, found) is not None or m is None:
            return header, i
        key = m.group(1)
        if key in NAME_KEYS:
            raise FileRejectedError(
                [problem("notes_names", file=shown, kind=KIND, at=line.at, key=key)]
            )
        if key not in HEADER:
            return header, i
        header[HEADER[key]] = _header_value(HEADER[key], m.group(2), line, shown)
    return header, len(lines)


@dataclass
class _Body:
    notes: list[tuple[str, str, int | None, str]]
    unknown: dict[str, int]


def _body(lines: list[Line], shown: str, found: list[Theme]) -> _Body:
    notes: list[tuple[str, str, int | None, str]] = []
    unknown: dict[str, int] = {}
    heading, theme = "", ""
    for n, line in enumerate(lines, start=1):
        text = line.text.strip()
        if not text:
            continue
        h = _heading(line, found)
        if h is not None:
            heading, tid = h
            theme = tid or ""
            if tid is None:
                unknown.setdefault(heading, 0)
            continue
        if len(text) > MAX_CHARS:
            raise FileRejectedError(
                [
                    problem(
                        "notes_too_long",
                        file=shown,
                        kind=KIND,
                        at=line.at,
                        length=f"{len(text):,}",
                        limit=f"{MAX_CHARS:,}",
                    )
                ]
            )
        if heading in unknown:
            unknown[heading] += 1
        notes.append((theme, mask(heading)[:60], n, mask(text)))
    return _Body(notes, unknown)


def parse_notes(
    lines: list[Line], shown: str, bank: Bank
) -> tuple[sm.SessionRecord, list[Problem]]:
    """A session from the lines of its notes file, every text masked, and notes for the
    user (headings that name no theme). Raises FileRejectedError with located messages."""
    found = themes(bank)
    if len(lines) > MAX_PARAGRAPHS:
        raise fail("notes_too_many", shown, count=f"{len(lines):,}", limit=f"{MAX_PARAGRAPHS:,}")
    header, start = _split_header(lines, shown, found)
    missing = [k for k in REQUIRED if k not in header]
    if missing:
        raise fail("notes_header_missing", shown, keys="、".join(f"“{k}”" for k in missing))
    body = _body(lines[start:], shown, found)
    if not body.notes:
        raise fail("notes_empty", shown)
    record = sm.SessionRecord(
        kind=str(header["形式"]),
        held_on=str(header["日期"]),
        unit_type=str(header["单位类型"]),
        participants=int(header["参加人数"]),  # type: ignore[call-overload]
        place=str(header["地点"]) if "地点" in header else None,
        notes=body.notes,
    )
    names = "、".join(t.name for t in found)
    warnings = [
        problem(
            "notes_heading_unknown",
            file=shown,
            kind=KIND,
            heading=mask(h)[:30],
            themes=names,
            count=c,
        )
        for h, c in body.unknown.items()
    ]
    return record, warnings


def read_notes(path: Path, shown: str, bank: Bank) -> tuple[sm.SessionRecord, list[Problem]]:
    """Read and parse one notes file (see the module docstring)."""
    return parse_notes(read_lines(path, shown), shown, bank)


def ingest_notes(
    targets: list[str | Path], bank: Bank, store_path: str | Path, wave: str = "首轮"
) -> method_files.MethodSummary:
    """Ingest notes files and folders of ``bank`` into the store; returns what happened to
    each file. Never raises for a bad file (its problems are in the summary)."""

    def write(store, file_id: int, record: sm.SessionRecord, shown: str) -> dict:
        sm.add_session(store, file_id, bank.id, wave, record)
        return {
            "kind": record.kind,
            "date": record.held_on,
            "participants": record.participants,
            "paragraphs": len(record.notes),
        }

    return method_files.run(
        targets,
        store_path,
        method="notes",
        scope=bank.id,
        wave=wave,
        suffixes=SUFFIXES,
        read=lambda p, shown: read_notes(p, shown, bank),
        write=write,
        kind=KIND,
    )


__all__ = ["SUFFIXES", "ingest_notes", "parse_notes", "read_lines", "read_notes", "resolve_theme"]
