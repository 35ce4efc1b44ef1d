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
  within :data:`SCAN_SECONDS` (both in :mod:`surveytool.ingest.extent`). The reader
  worker's memory ceiling is sized from the area found (:mod:`surveytool.ingest.memory`);
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
import hashlib
import lzma
import re
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path
from xml.parsers import expat

from surveytool.errors import display_name
from surveytool.ingest.extent import (
    EXCEL_COLS,
    EXCEL_ROWS,
    MAX_CELLS,
    SCAN_SECONDS,
    DoctypeFoundError,
    exact_extent,
    extent_reason,
    fast_extent,
    scan_part,
)
from surveytool.ingest.xmlencoding import encoding_of as _encoding
from surveytool.ingest.xmlencoding import utf8_chunks as _utf8

MAX_UNCOMPRESSED = 512 * 1024 * 1024  # all zip entries together
MAX_RATIO = 200  # uncompressed / compressed, per entry larger than 1 MiB
WELLFORMED_MAX = 2 * 2**20  # XML parts up to this size are parsed strictly (all of our forms)
BESIDE_FROM = 2**20  # files from this size have their large parts parsed beside the reader
HEAD = 65536
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
    scan = scan_part(chunks, prefix)
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
            extent = exact_extent([data] if data is not None else _chunks(z, info, 1 << 20))
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
        raise DoctypeFoundError

    parser.StartDoctypeDeclHandler = refuse
    parser.EntityDeclHandler = refuse
    try:
        for chunk in chunks:
            parser.Parse(chunk, False)
        parser.Parse(b"", True)
    except DoctypeFoundError:
        return _doctype(info)
    except expat.ExpatError as exc:
        return _damaged_xml(info, exc)
    return None


def _damaged_xml(info: zipfile.ZipInfo, exc: expat.ExpatError) -> str:
    return (
        f"其中 {_name(info)} 的 XML 格式已损坏（第 {exc.lineno} 行第 {exc.offset} 列），"
        "文件可能被修改过或未保存完整"
    )


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
                extent = fast_extent(_chunks(z, info), prefix) or exact_extent(
                    _chunks(z, info, 1 << 20)
                )
                if extent is not None and extent.area > MAX_CELLS:
                    return extent_reason(extent)
    except Exception:  # only an explanation: a file it cannot scan has none
        return None
    return None
