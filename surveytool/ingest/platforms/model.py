"""What every platform reader produces: questions found in an export's header row.

A :class:`PQuestion` is one question of the platform's export — its number, its stem and
the columns that hold it (one column, one per option, one per matrix row, one per fill-in).
:mod:`mapping` matches it to a bank question; :mod:`convert` turns its columns into our raw
answer values, which then go through the same validation as any returned form.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class PColumn:
    """One column of the export: its position, Excel letter, header and sub-label (the
    option, matrix row or fill-in named in the header, if any)."""

    index: int
    letter: str
    header: str
    sub: str | None = None


@dataclass
class PQuestion:
    """One platform question and its columns.

    ``layout``: ``one`` (one column: a choice, a text, picks joined by ┋, a ranking chain),
    ``options`` (one 0/1 or rank column per option), ``rows`` (matrix: one column per row),
    ``fills`` (multi-fill: one column per blank).
    """

    number: int | None
    stem: str
    layout: str
    columns: list[PColumn] = field(default_factory=list)

    @property
    def header(self) -> str:
        """The first column's header, as the user sees it."""
        return self.columns[0].header if self.columns else self.stem


@dataclass
class PlatformExport:
    """A parsed export: its platform, questions, metadata columns and data rows."""

    platform: str  # wjx | tencent | kobo | sav
    questions: list[PQuestion]
    meta: dict[str, int]  # metadata column name -> index
    rows: list[list]  # data rows (values as read)
    first_row: int  # the Excel row (or CSV record) of rows[0]
    sheet: str
    encoding: str = "text"  # text | code | score (问卷星); text elsewhere
    ignored: list[str] = field(default_factory=list)  # personal columns left out, by header
    unknown: list[str] = field(default_factory=list)  # headers that are not questions
    id_column: str | None = None  # the column that identifies a response (序号, _uuid…)
