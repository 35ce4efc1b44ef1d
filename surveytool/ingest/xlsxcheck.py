"""Cheap checks on an xlsx before any reader touches it, and the size of what it will read.

No spreadsheet reader may open an untrusted file before :func:`inspect_xlsx` has looked at
it. The checks read the zip directory, the first 64 KB of every part, and every part that is
XML by content whole, once (one pass each: decompressed, scanned, never parsed twice):

- sizes: everything uncompressed, and the compression ratio of each large entry (zip bombs);
- encoding: a part in UTF-16 (byte-order mark or not) is decoded before it is scanned; a part
  whose XML declaration names an encoding that could hide the bytes ``<!DOCTYPE`` (anything
  but UTF-8, UTF-16 and the ASCII-compatible GBK/GB18030/Latin-1 family), or that is UTF-32 or
  EBCDIC by its first bytes, is refused;
- every part that is XML *by content* (``_rels/.rels`` and a worksheet stored under any name
  too): no DOCTYPE or ENTITY declaration anywhere in it (entity expansion, XXE), and a root
  element within its first 64 KB (a padded prolog could hide what the part is);
- worksheets, in the same pass: the area the reader will allocate (rows × columns: calamine
  allocates the whole rectangle, so one cell at DN1000000 costs gigabytes), from the cell
  references themselves — never from the declared ``<dimension>``, which WPS gets wrong and
  an attacker can set to anything; more than :data:`MAX_CELLS` is refused. The scan is
  regular expressions over the decompressed bytes; a sheet whose cells lack a leading
  ``r="…"`` is walked element by element instead (strictly: malformed XML is refused there),
  within :data:`SCAN_SECONDS`. The reader worker's memory ceiling is sized from the area
  found (:mod:`surveytool.ingest.memory`);
- with ``strict`` (the default; the reader worker passes False): every ``.xml`` and ``.rels``
  part is also parsed strictly, for callers whose next step is a Python XML parser
  (python-docx for notes, openpyxl for the 三张清单 workbook). The reader worker skips this
  for the parts up to :data:`WELLFORMED_MAX`: calamine parses them itself, expands no entity,
  and the scan above is what keeps it safe. Parts above :data:`WELLFORMED_MAX` are parsed
  strictly all the same: by the caller beside the reader for a file of :data:`BESIDE_FROM`
  or more (:func:`large_parts_reason`), by the worker after its checks for a smaller one.

A small part identical to one already found safe in this process (same size and sha256:
every form from one template shares all its parts but the answer sheet) is not scanned again.
"""

from __future__ import annotations

import codecs
import functools
import hashlib
import lzma
import operator
import re
import time
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from xml.parsers import expat

from openpyxl.utils import get_column_letter

from surveytool.errors import display_name
from surveytool.ingest import beyond
from surveytool.ingest.xmlencoding import encoding_of as _encoding
from surveytool.ingest.xmlencoding import utf8_chunks as _utf8

MAX_UNCOMPRESSED = 512 * 1024 * 1024  # all zip entries together
MAX_RATIO = 200  # uncompressed / compressed, per entry larger than 1 MiB
MAX_CELLS = 12_000_000  # sheet area (rows x columns): 100,000 rows x 120 columns
EXCEL_ROWS, EXCEL_COLS = 1_048_576, 16_384  # no cell of a real workbook lies beyond XFD1048576
WELLFORMED_MAX = 2 * 2**20  # XML parts up to this size are parsed strictly (all of our forms)
SMALLEST_LARGE = WELLFORMED_MAX // MAX_RATIO  # no smaller file holds a larger part (ratio check)
BESIDE_FROM = 2**20  # files from this size have their large parts parsed beside the reader
HEAD = 65536
SCAN_SECONDS = 5.0  # the exact (slow) scan of a sheet whose cells lack references
DAMAGED = "文件已损坏（压缩数据无法解开或校验不符），可能未下载完整或被修改过"


@dataclass(frozen=True)
class Inspection:
    """Why a file must not be opened (None: it may), and the largest worksheet area the
    reader will allocate, as declared (when believed) or scanned."""

    reason: str | None = None
    cells: int = 0


def inspect_xlsx(path: Path, strict: bool = True, large: bool = False) -> Inspection:
    """Look at an xlsx without a spreadsheet reader; see the module docstring. With
    ``strict`` (the default, for files a Python XML parser reads next: .docx, the 三张清单
    workbook), every ``.xml``/``.rels`` part is also parsed strictly, the large ones
    (above :data:`WELLFORMED_MAX`) after every part passed the scan. The reader worker
    passes False, as calamine parses the parts anyway and the scan is what keeps it safe;
    with ``large`` (a file under twice :data:`BESIDE_FROM`) it has the large parts parsed
    here, the caller parsing those of a larger file beside the reader
    (:func:`large_parts_reason`)."""
    try:
        with zipfile.ZipFile(path) as z:
            found = _inspect(z, strict)
            if (large or strict) and found.reason is None:
                reason = _large_reason(z)
                return Inspection(reason) if reason else found
            return found
    except zipfile.BadZipFile:
        return Inspection(DAMAGED if zipfile.is_zipfile(path) else not_a_zip(path))
    except (zlib.error, EOFError, lzma.LZMAError):
        return Inspection(DAMAGED)
    except (OSError, RuntimeError, NotImplementedError) as exc:
        return Inspection(f"文件无法解压（{type(exc).__name__}）")


def precheck_xlsx(path: Path) -> str | None:
    """A Chinese reason why this xlsx must not be opened, or None when it looks safe."""
    return inspect_xlsx(path).reason


def _inspect(z: zipfile.ZipFile, strict: bool) -> Inspection:
    infos = z.infolist()
    reason = _size_reason(infos)
    if reason:
        return Inspection(reason)
    cells = 0
    for info in infos:
        part = _part(z, info, strict)
        if part.reason:
            return part
        cells = max(cells, part.cells)
    return Inspection(None, cells)


OLE_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")  # Compound File: encrypted xlsx, or old .xls


def not_a_zip(path: Path) -> str:
    """Why a file named .xlsx is not a zip: a password, an old .xls, text, or damage."""
    with path.open("rb") as f:
        head = f.read(4096)
    if head.startswith(OLE_MAGIC):
        return (
            "文件设置了打开密码（或是旧版 Excel 97-2003 文件改了扩展名），无法读取。"
            "请在 Excel/WPS 中去掉密码后另存为 .xlsx"
        )
    try:
        text = head.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = head.decode("gb18030")
        except UnicodeDecodeError:
            text = ""
    if text and "\0" not in text and any(sep in text for sep in (",", "\t", ";")):
        return "这其实是文本（CSV）文件，扩展名却是 .xlsx。请把扩展名改为 .csv 后再回收"
    return "不是有效的 xlsx 文件（文件已损坏、未下载完整，或其实是其他格式改了扩展名）"


def _size_reason(infos: list[zipfile.ZipInfo]) -> str | None:
    if sum(i.file_size for i in infos) > MAX_UNCOMPRESSED:
        return f"解压后超过 {MAX_UNCOMPRESSED // 2**20} MB，疑似压缩炸弹或异常文件"
    for i in infos:
        if i.file_size > 2**20 and i.file_size > MAX_RATIO * max(i.compress_size, 1):
            ratio = i.file_size // max(i.compress_size, 1)
            return f"其中 {_name(i)} 的压缩比异常（{ratio} 倍），疑似压缩炸弹"
    return None


def _name(info: zipfile.ZipInfo) -> str:
    return display_name(info.filename)


# --- XML by content ----------------------------------------------------------------------

_ROOT = re.compile(r"<([A-Za-z_][\w.\-]*(?::[A-Za-z_][\w.\-]*)?)")  # the first element


def _utf16(head: bytes) -> bool:
    return head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or head[:2] in (
        b"<\0",
        b"\0<",
    )


def xml_text(head: bytes) -> str | None:
    """The decoded start of a part when it is XML by content (it starts with ``<`` after an
    optional byte-order mark and white space, in UTF-8 or UTF-16), else None."""
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        text = head.decode("utf-16", errors="ignore")
    elif _utf16(head):
        text = head.decode("utf-16-le" if head[0] == 60 else "utf-16-be", errors="ignore")
    else:
        text = head.decode("utf-8", errors="replace")
    return text if text.lstrip("\ufeff \t\r\n").startswith("<") else None


def _strict(info: zipfile.ZipInfo) -> bool:
    """Parts we parse strictly: SpreadsheetML and relationships (not VML, not media)."""
    return info.filename.lower().endswith((".xml", ".rels"))


def _doctype(info: zipfile.ZipInfo) -> str:
    return (
        f"其中 {_name(info)} 含有 XML 实体声明（DOCTYPE）。Excel 和 WPS 保存的文件"
        "从不含这种声明，这个文件可能被人为修改过，为安全起见不读取"
    )


def _foreign(info: zipfile.ZipInfo, named: str) -> str:
    return (
        f"其中 {_name(info)} 的 XML 使用了 {named} 编码。Excel 和 WPS 保存的文件只用 UTF-8"
        "（个别用 UTF-16），这个文件可能被人为修改过，为安全起见不读取"
    )


_DECL = re.compile(rb"<!(?:DOCTYPE|ENTITY)", re.IGNORECASE)  # anywhere in the part
_CACHE_MAX = 256
_PASSED: dict[tuple[bool, int, bytes], Inspection] = {}  # parts already found safe, this process


def _part(z: zipfile.ZipFile, info: zipfile.ZipInfo, strict: bool) -> Inspection:
    """One zip entry, in one pass over its bytes: its encoding, no DOCTYPE/ENTITY anywhere
    in it, a root element early, a worksheet's area (and with ``strict`` a strict parse of a
    small .xml/.rels part). A small part identical to one already found safe in this process
    (same size and sha256: forms from one template share every part but the answer sheet)
    is not looked at again."""
    with z.open(info) as f:
        head = f.read(HEAD)
        enc, foreign = _encoding(head)
        if foreign:
            return Inspection(_foreign(info, foreign))
        text = xml_text(head)
        if text is None:
            return Inspection()
        small = info.file_size <= WELLFORMED_MAX  # read whole, decompressed once
        data = (head + f.read() if len(head) == HEAD else head) if small else None
    key = (strict, len(data), hashlib.sha256(data).digest()) if data is not None else None
    if key in _PASSED:
        return _PASSED[key]
    found = _check_part(z, info, (head, enc, text), data, strict)
    if key is not None and found.reason is None:
        if len(_PASSED) >= _CACHE_MAX:
            _PASSED.clear()  # whole, not oldest-first: safe while another thread reads it
        _PASSED[key] = found
    return found


def _check_part(
    z: zipfile.ZipFile,
    info: zipfile.ZipInfo,
    start: tuple[bytes, str, str],
    data: bytes | None,
    strict: bool,
) -> Inspection:
    head, enc, text = start  # the first HEAD bytes, their encoding, decoded
    root = _ROOT.search(text)
    if root is None and len(head) == HEAD:  # a padded prolog could hide what follows
        return Inspection(_doctype(info))
    tag = root.group(1) if root else ""
    sheet = tag.rsplit(":", 1)[-1] == "worksheet"
    prefix = tag[: len(tag) - len("worksheet")] if sheet else None
    chunks = _utf8(enc, [data] if data is not None else _chunks(z, info))
    scan = _scan(chunks, prefix)
    if scan.doctype:
        return Inspection(_doctype(info))
    if strict and data is not None and _strict(info):
        reason = _wellformed(info, [data])
        if reason:
            return Inspection(reason)
    if not sheet:
        return Inspection()
    extent = scan.extent
    if extent is None:  # cells without a leading r="…": every element, exactly (slow)
        try:  # expat reads UTF-16 itself
            extent = _exact_extent([data] if data is not None else _chunks(z, info, 1 << 20))
        except expat.ExpatError as exc:  # a lenient reader might go on and count differently
            return Inspection(_damaged_xml(info, exc))
        if extent is None:
            return Inspection(
                f"工作表 {_name(info)} 的单元格缺少位置标记，文件又太大，无法在 "
                f"{SCAN_SECONDS:.0f} 秒内检查。请用 Excel 或 WPS 打开后另存为 .xlsx 再回收"
            )
    if extent.area > MAX_CELLS or extent.cols > EXCEL_COLS or extent.rows > EXCEL_ROWS:
        return Inspection(extent_reason(extent), extent.area)
    return Inspection(cells=extent.area)


def _wellformed(info: zipfile.ZipInfo, chunks) -> str | None:
    """Strict parse; a DOCTYPE stops it at once (expat would expand its entities)."""
    parser = expat.ParserCreate()

    def refuse(*_: object) -> None:
        raise _DoctypeFoundError

    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    try:
        for chunk in chunks:
            parser.Parse(chunk, False)
        parser.Parse(b"", True)
    except _DoctypeFoundError:
        return _doctype(info)
    except expat.ExpatError as exc:
        return _damaged_xml(info, exc)
    return None


def _damaged_xml(info: zipfile.ZipInfo, exc: expat.ExpatError) -> str:
    return (
        f"其中 {_name(info)} 的 XML 格式已损坏（第 {exc.lineno} 行第 {exc.offset} 列），"
        "文件可能被修改过或未保存完整"
    )


class _DoctypeFoundError(Exception):
    """Raised by an expat handler on a DOCTYPE or ENTITY declaration."""


def large_parts_reason(path: Path) -> str | None:
    """Strict well-formedness of the XML parts too big for :func:`inspect_xlsx` (a large
    collection sheet or platform export), streamed: a Chinese reason, or None. Run by the
    caller while the reader worker reads the same file, so on two cores it costs little. A
    file under :data:`BESIDE_FROM` has them parsed by the worker instead, after its checks
    (``inspect_xlsx(large=True)``): opening every form's zip here cost the caller 0.2 ms a
    form, for parts no form has."""
    try:
        with zipfile.ZipFile(path) as z:
            return _large_reason(z)
    except Exception:  # any decompressor's error (zlib, lzma, bz2…) is damage
        return DAMAGED


def _large_reason(z: zipfile.ZipFile) -> str | None:
    try:
        for info in z.infolist():
            if info.file_size <= WELLFORMED_MAX or not _strict(info):
                continue
            reason = _wellformed(info, _chunks(z, info))
            if reason:
                return reason
    except Exception:  # any decompressor's error (zlib, lzma, bz2…) is damage
        return DAMAGED
    return None


def _chunks(z: zipfile.ZipFile, info: zipfile.ZipInfo, size: int = 1 << 22):
    with z.open(info) as f:
        while chunk := f.read(size):
            yield chunk


# --- worksheet area ----------------------------------------------------------------------


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


def _scan(chunks, prefix: str | None) -> Scan:
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
        if _DECL.search(data):
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
    if _DECL.search(tail):
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


def _fast_extent(chunks, prefix: str) -> Extent | None:
    """The last row and column of every cell reference; None when some cell or row has no
    leading reference (its place is implicit)."""
    return _scan(chunks, prefix).extent


_REF = re.compile(r"^([A-Z]{1,4})(\d{1,8})$")


def _exact_extent(chunks) -> Extent | None:
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
        raise _DoctypeFoundError

    parser = expat.ParserCreate()
    parser.StartElementHandler = start
    parser.StartDoctypeDeclHandler = refuse
    deadline = time.monotonic() + SCAN_SECONDS
    try:
        for chunk in chunks:
            parser.Parse(chunk, False)
            if time.monotonic() > deadline:
                return None
    except _DoctypeFoundError:
        return Extent(EXCEL_ROWS + 1, EXCEL_COLS + 1)  # never reached: the scan refuses first
    return Extent(state["rows"], state["cols"])


def scan_extent(path: Path) -> str | None:
    """Exact, without believing any declared dimension: a Chinese reason when a sheet's cells
    span more than MAX_CELLS, else None. Explains why a reader died."""
    try:
        with zipfile.ZipFile(path) as z:
            for info in z.infolist():
                with z.open(info) as f:
                    text = xml_text(f.read(HEAD))
                root = _ROOT.search(text or "")
                tag = root.group(1) if root else ""
                if tag.rsplit(":", 1)[-1] != "worksheet":
                    continue
                prefix = tag[: len(tag) - len("worksheet")]
                extent = _fast_extent(_chunks(z, info), prefix) or _exact_extent(
                    _chunks(z, info, 1 << 20)
                )
                if extent is not None and extent.area > MAX_CELLS:
                    return extent_reason(extent)
    except Exception:  # only an explanation: a file it cannot scan has none
        return None
    return None
