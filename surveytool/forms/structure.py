"""Where each answer lives in an exported form, and the checksum that seals it.

Plain data (no spreadsheet library): the writers fill a :class:`FormStructure`; the hidden
metadata sheet stores it; ingest reads it back and compares with the bank.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field

FORMAT = "surveytool-form"
FORMAT_VERSION = 1
LAYOUTS = ("respondent", "collection")
META_SHEET = "_surveytool"
LISTS_SHEET = "选项"
RESPONSE_ID = "_rid"  # collection layout: the paper questionnaire number column


@dataclass(frozen=True)
class Entry:
    """One answer field's place: ``cell`` is ``C12`` (respondent) or a column ``D`` (collection)."""

    field: str
    kind: str
    sheet: str
    cell: str
    codes: tuple[int, ...] = ()


@dataclass
class FormStructure:
    """What the hidden sheet of a form records: bank, layout, answer places, checksum."""

    bank_id: str
    bank_version: int
    layout: str
    entries: list[Entry] = field(default_factory=list)
    header_row: int | None = None  # collection: the row holding field ids
    first_row: int | None = None  # collection: the first data row

    @property
    def checksum(self) -> str:
        """sha256 (hex) of the canonical structure: any moved or changed field changes it."""
        return structure_checksum(self)

    def fields(self) -> list[str]:
        """Field ids in form order."""
        return [e.field for e in self.entries]


def structure_checksum(s: FormStructure) -> str:
    """sha256 over bank id, version, layout, header rows and every entry (stable JSON)."""
    payload = {
        "bank": s.bank_id,
        "version": s.bank_version,
        "layout": s.layout,
        "rows": [s.header_row, s.first_row],
        "entries": [[e.field, e.kind, e.sheet, e.cell, list(e.codes)] for e in s.entries],
    }
    text = json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
