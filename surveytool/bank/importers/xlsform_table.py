"""An XLSForm's sheets as pyxform reads them: header aliases (``list name``,
``bind:relevant``…), rows as dicts with their row number, the label language to use."""

from __future__ import annotations

import re
from typing import Any

from surveytool.errors import BankError, problem

KIND = "XLSForm"
_ZH = re.compile(r"zh|chinese|中文|汉语|简体", re.I)


def _sheet(sheets: dict[str, list[list]], name: str) -> list[list] | None:
    for key, rows in sheets.items():
        if key.strip().lower() == name:
            return rows
    return None


def _text(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer():
        v = int(v)
    return str(v).strip()


COLUMN_ALIASES = {
    "gps": "geopoint",
    "location": "geopoint",
    "phone number": "phonenumber",
    "device id": "deviceid",
    "imei": "deviceid",
    "subscriber id": "subscriberid",
    "sim id": "simserial",
    "start time": "start",
    "end time": "end",
    "photo": "image",
    "select one external": "select_one_external",
    "select one from file": "select_one_from_file",
    "select multiple from file": "select_multiple_from_file",
    "list name": "list_name",
    "bind:relevant": "relevant",
    "bind:constraint": "constraint",
    "bind:required": "required",
    "control:appearance": "appearance",
    "bind:jr:constraintmsg": "constraint_message",
}


def _canon(header: object) -> str:
    """A column header as pyxform reads it (``list name`` = ``list_name``, ``bind:relevant``
    = ``relevant``…); label/hint language columns keep their language part."""
    text = " ".join(_text(header).split())
    low = text.lower()
    if low in COLUMN_ALIASES:
        return COLUMN_ALIASES[low]
    if low.startswith(("label", "hint")):
        return text
    return low


class Table:
    """One sheet: header names (as pyxform reads them) and rows as dicts, with their row."""

    def __init__(self, rows: list[list], sheet: str):
        self.sheet = sheet
        self.header = [_canon(h) for h in rows[0]] if rows else []
        self.rows = [
            (i, {h: _text(r[j]) if j < len(r) else "" for j, h in enumerate(self.header) if h})
            for i, r in enumerate(rows[1:], start=2)
        ]

    def need(self, column: str, file: str) -> None:
        if column not in {h.lower() for h in self.header}:
            raise BankError(
                problem(
                    "xlsform_missing_column", file=file, kind=KIND, sheet=self.sheet, column=column
                )
            )

    def get(self, row: dict, column: str) -> str:
        for h, v in row.items():
            if h.lower() == column:
                return v
        return ""


def label_column(header: list[str], base: str, lang: str | None, default: str | None) -> str | None:
    """The ``label`` / ``label::<language>`` column to read (``--lang``; else Chinese when
    there is one; else the default language; else plain ``label``)."""
    cols = [h for h in header if h.lower() == base or h.lower().startswith(base + "::")]
    if not cols:
        return None
    langs = {h: h.split("::", 1)[1] if "::" in h else "" for h in cols}
    for want in (lang, None if lang else "zh", default):
        if want:
            for h, name in langs.items():
                pattern = (
                    _ZH
                    if want.lower() in ("zh", "chinese", "中文")
                    else re.compile(re.escape(want), re.I)
                )
                if name and pattern.search(name):
                    return h
    plain = [h for h in cols if "::" not in h]
    return plain[0] if plain else cols[0]
