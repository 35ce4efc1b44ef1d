"""The area of a worksheet: the rectangle a spreadsheet reader will allocate for it, found
from the cell references themselves (never from the declared ``<dimension>``), in one pass
of regular expressions over the part's bytes that also finds any DOCTYPE/ENTITY
declaration; a sheet whose cells lack references is walked element by element instead.
Used by :mod:`surveytool.ingest.xlsxcheck` before any reader opens a file."""

from __future__ import annotations

import functools
import operator
import re
import time
from dataclasses import dataclass
from xml.parsers import expat

from openpyxl.utils import get_column_letter

from surveytool.ingest import beyond

MAX_CELLS = 12_000_000  # sheet area (rows x columns): 100,000 rows x 120 columns
EXCEL_ROWS, EXCEL_COLS = 1_048_576, 16_384  # no cell of a real workbook lies beyond XFD1048576
SCAN_SECONDS = 5.0  # the exact (slow) scan of a sheet whose cells lack references
DECLARATION = re.compile(rb"<!(?:DOCTYPE|ENTITY)", re.IGNORECASE)  # anywhere in a part


class DoctypeFoundError(Exception):
    """Raised by an expat handler on a DOCTYPE or ENTITY declaration."""


@dataclass(frozen=True)
class Extent:
    """The rectangle a reader allocates for a sheet: its last row and column."""

    rows: int
    cols: int

    @property
    def area(self) -> int:
        return self.rows * self.cols

    @property
    def corner(self) -> str:
        return f"{get_column_letter(min(max(self.cols, 1), EXCEL_COLS))}{self.rows}"


def extent_reason(extent: Extent) -> str:
    """The Chinese reason for refusing a sheet this large."""
    if extent.cols > EXCEL_COLS or extent.rows > EXCEL_ROWS:
        return (
            f"工作表中有单元格位于第 {extent.rows:,} 行、第 {extent.cols:,} 列，超出了 Excel "
            f"表格的最大范围（{EXCEL_ROWS:,} 行 × {EXCEL_COLS:,} 列，即 XFD{EXCEL_ROWS}），"
            "文件可能被人为修改过，为安全起见不读取"
        )
    return (
        f"工作表中的单元格延伸到 {extent.corner}（{extent.rows:,} 行 × {extent.cols:,} 列），"
        f"超过 {MAX_CELLS // 10_000:,} 万个单元格的上限，远超正常问卷的大小。"
        "如果这确实都是数据，请拆成几个文件分别回收"
    )


def column_number(letters: str) -> int:
    """A column's number from its letters (A = 1, XFD = 16,384; beyond Excel too, for
    telling a user how far a cell is)."""
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n


@dataclass(frozen=True)
class Scan:
    """What one pass over a part found: a DOCTYPE/ENTITY declaration anywhere, and for a
    worksheet its extent (None when some cell or row has no leading reference)."""

    doctype: bool
    extent: Extent | None


def scan_part(chunks, prefix: str | None) -> Scan:
    """One pass over a part's UTF-8 bytes (C-speed regular expressions): DOCTYPE/ENTITY
    declarations, and for a worksheet (``prefix``, its tag's prefix, not None) the last row
    and column of every cell reference. Cells and rows are found whatever their namespace
    prefix (calamine matches local names: a ``<y:c r="XFD1048576">`` in an unprefixed sheet
    is a cell to it). A chunk whose cells all lie within the extent found so far (one RE2
    search, :mod:`surveytool.ingest.beyond`) is not read out cell by cell."""
    sheet = prefix is not None
    # every cell and row tag, its leading reference captured (empty: its place is implicit):
    # with the sheet's own prefix or none; or, in a chunk that may hold another, any prefix
    own, every = _tags(prefix or ""), _tags(None)
    other = _other_prefix(prefix or "")
    last_col, last_row = b"", 0
    implicit = False
    tail = b""
    for chunk in chunks:
        data = tail + chunk
        cut = data.rfind(b"<")
        if cut < 0:  # no tag starts here
            cut = len(data)
        data, tail = data[:cut], data[cut : cut + 256]  # a reference is near its tag's start
        if DECLARATION.search(data):
            return Scan(True, None)
        if not sheet or implicit:
            continue
        foreign = other.search(data) is not None
        cell_re, row_re = every if foreign else own
        tags = row_re.findall(data)
        if b"" in tags:
            implicit = True  # keep scanning for declarations; the extent is found exactly
            continue
        last_row = max(last_row, max(map(int, tags), default=0))
        width = column_number(last_col.decode())
        if not foreign and beyond.fits(data, prefix or "", width, last_row):
            continue  # no cell here lies beyond (or is irregular): the extent stands
        cells = cell_re.findall(data)
        if (b"", b"") in cells:
            implicit = True
            continue
        last_col = max([last_col, *set(map(_FIRST, cells))], key=_column_order)
        last_row = max(last_row, max(map(int, set(map(_SECOND, cells))), default=0))
    if DECLARATION.search(tail):
        return Scan(True, None)
    if not sheet:
        return Scan(False, None)
    cell_re, row_re = every
    if implicit or (tail and (cell_re.match(tail + b" ") or row_re.match(tail + b" "))):
        return Scan(False, None)
    return Scan(False, Extent(last_row, column_number(last_col.decode())))


@functools.lru_cache(maxsize=16)
def _tags(prefix: str | None) -> tuple[re.Pattern[bytes], re.Pattern[bytes]]:
    """The cell and row tags with ``prefix`` or none (None: with any prefix), their leading
    reference captured."""
    if prefix is None:
        p = beyond.ANY_PREFIX
    else:  # "<c" stays a literal start for the regular expression engine's fast search
        p = b"(?:" + re.escape(prefix.encode()) + b")?" if prefix else b""
    cell = re.compile(rb"<" + p + rb'c(?=[\s>/])(?: r="([A-Z]{1,4})(\d{1,8})")?')
    row = re.compile(rb"<" + p + rb'row(?=[\s>/])(?: r="(\d{1,8})")?')
    return cell, row


@functools.lru_cache(maxsize=16)
def _other_prefix(prefix: str) -> re.Pattern[bytes]:
    """What a cell or row tag with a prefix other than the sheet's own looks like (a colon
    before ``c`` or ``row``: a fast search for the rare colon; found also in text such as
    ``答:c ``, which only sends that chunk to the slower any-prefix reading)."""
    own = re.escape(prefix[:-1].encode()) if prefix else b""
    behind = rb"(?<!<" + own + rb")(?<!</" + own + rb")" if own else b""
    return re.compile(behind + rb":(?:c[\s>/]|row)")


def _column_order(letters: bytes) -> tuple[int, bytes]:
    """Column letters in sheet order (Z before AA)."""
    return len(letters), letters


_FIRST, _SECOND = operator.itemgetter(0), operator.itemgetter(1)


def fast_extent(chunks, prefix: str) -> Extent | None:
    """The last row and column of every cell reference; None when some cell or row has no
    leading reference (its place is implicit)."""
    return scan_part(chunks, prefix).extent


_REF = re.compile(r"^([A-Z]{1,4})(\d{1,8})$")


def exact_extent(chunks) -> Extent | None:
    """Every row and cell element, with implicit places as a reader counts them (the next
    row, the next column); None when it takes more than :data:`SCAN_SECONDS`. Raises
    expat.ExpatError on malformed XML (a declaration is found by the scan before this)."""
    state = {"row": 0, "col": 0, "rows": 0, "cols": 0}

    def start(name: str, attrs: dict) -> None:
        local = name.rsplit(":", 1)[-1]
        if local == "row":
            r = attrs.get("r", "")
            state["row"] = int(r) if r.isdigit() else state["row"] + 1
            state["col"] = 0
        elif local == "c":
            m = _REF.match(attrs.get("r", ""))
            if m:
                state["col"] = column_number(m.group(1))
                state["row"] = int(m.group(2))
            else:
                state["col"] += 1
            state["rows"] = max(state["rows"], state["row"])
            state["cols"] = max(state["cols"], state["col"])

    def refuse(*_: object) -> None:
        raise DoctypeFoundError

    parser = expat.ParserCreate()
    parser.StartElementHandler = start
    parser.StartDoctypeDeclHandler = refuse
    deadline = time.monotonic() + SCAN_SECONDS
    try:
        for chunk in chunks:
            parser.Parse(chunk, False)
            if time.monotonic() > deadline:
                return None
    except DoctypeFoundError:
        return Extent(EXCEL_ROWS + 1, EXCEL_COLS + 1)  # never reached: the scan refuses first
    return Extent(state["rows"], state["cols"])
