"""Reading back the structure hidden in an exported form (used by ingest and tests)."""

from __future__ import annotations

import html
import re
import zipfile
from pathlib import Path

from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from surveytool.errors import FormError, problem
from surveytool.forms.structure import FORMAT, LAYOUTS, META_SHEET, Entry, FormStructure

_KEYS = ("format", "bank_id", "bank_version", "layout", "checksum")


def _meta_rows(path: Path) -> list[tuple]:
    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, OSError, KeyError, ValueError) as exc:
        raise FormError(
            problem("form_unreadable", file=path.name, kind="文件", detail=str(exc))
        ) from None
    try:
        if META_SHEET not in wb.sheetnames:
            raise FormError(problem("form_not_ours", file=path.name, kind="文件"))
        return [tuple(r) for r in wb[META_SHEET].iter_rows(values_only=True)]
    finally:
        wb.close()


def _damaged(path: Path, detail: str) -> FormError:
    return FormError(problem("form_meta_damaged", file=path.name, kind="文件", detail=detail))


def parse_meta(rows: list[tuple], path: Path) -> tuple[FormStructure, str]:
    """Rows of the hidden sheet -> (structure, the checksum recorded in the file)."""
    info: dict[str, object] = {}
    table_at = None
    for i, row in enumerate(rows):
        if row and row[0] == "field":
            table_at = i
            break
        if row and row[0] is not None:
            info[str(row[0])] = row[1] if len(row) > 1 else None
    missing = [k for k in _KEYS if k not in info]
    if info.get("format") != FORMAT or missing or table_at is None:
        raise _damaged(path, "缺少 " + "、".join(missing or ["字段表"]))
    if info["layout"] not in LAYOUTS:
        raise _damaged(path, f"未知的表格样式 {info['layout']}")
    try:
        s = FormStructure(
            str(info["bank_id"]),
            int(info["bank_version"]),
            str(info["layout"]),
            header_row=int(info["header_row"]) if info.get("header_row") else None,
            first_row=int(info["first_row"]) if info.get("first_row") else None,
        )
        for row in rows[table_at + 1 :]:
            if not row or row[0] is None:
                continue
            codes = tuple(int(c) for c in str(row[4] or "").split(";") if c != "")
            s.entries.append(Entry(str(row[0]), str(row[1]), str(row[2]), str(row[3]), codes))
    except (TypeError, ValueError, IndexError) as exc:
        raise _damaged(path, str(exc)) from None
    return s, str(info["checksum"])


_CUSTOM = "docProps/custom.xml"
_PROP = re.compile(
    r'<property[^>]*name="surveytool\.(\w+)"[^>]*>\s*<vt:lpwstr[^>]*>([^<]*)</vt:lpwstr>'
)


def read_properties(path: str | Path) -> dict[str, str]:
    """The ``surveytool.*`` custom document properties of an xlsx (empty dict if none).

    Reads only the small ``docProps/custom.xml`` zip entry: no sheet is parsed.
    """
    try:
        with zipfile.ZipFile(path) as z:
            if _CUSTOM not in z.namelist():
                return {}
            with z.open(_CUSTOM) as f:
                text = f.read(65536).decode("utf-8", errors="replace")
    except (zipfile.BadZipFile, OSError, KeyError):
        return {}
    return {k: html.unescape(v) for k, v in _PROP.findall(text)}


def read_structure(path: str | Path) -> tuple[FormStructure, str]:
    """The structure a form records and the checksum stored with it.

    Returns ``(structure, stored_checksum)``; ``structure.checksum`` recomputes it, so a
    mismatch means the hidden sheet was edited. Raises FormError when the file is not a
    readable surveytool form.
    """
    p = Path(path)
    return parse_meta(_meta_rows(p), p)
