"""What a row or column of an ad-hoc table (``surveytool table``) is made of.

A name is a field id (a single choice, a likert item, a number, one option of a multiple
choice, the unit or a profile question) or a question id (a multiple-choice question: its
option set; a likert question: its battery of items; a ranking: its options' ranks). An
:class:`Axis` holds the answers as analysis sees them (NaN where not answered, not shown,
or 不清楚/不适用), with the options people read.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from dataclasses import field as dataclass_field

import numpy as np

from surveytool.analysis.data import Survey
from surveytool.bank.build import suggest
from surveytool.bank.model import Field, Option
from surveytool.errors import UsageError, problem

NOMINAL, ORDINAL, MULTI, NUMBER, BATTERY = "nominal", "ordinal", "multi", "number", "battery"
KIND_NAMES = {
    NOMINAL: "单选题",
    ORDINAL: "有序的单选或量表题",
    MULTI: "多选题",
    NUMBER: "数字题",
    BATTERY: "一组量表题目",
}
FLAG_OPTIONS = (Option(1, "选中"), Option(0, "未选"))


@dataclass
class Axis:
    """One side of a table. ``field`` (with ``options``) and ``values`` for a nominal or
    ordinal axis (a banded number included) and a number; ``parts`` for a multiple choice
    (one field per option, 0/1) or a battery (one field per item)."""

    id: str
    title: str
    kind: str
    field: Field | None = None
    values: np.ndarray | None = None
    parts: list[tuple[Field, np.ndarray]] = dataclass_field(default_factory=list)

    @property
    def options(self) -> tuple[Option, ...]:
        """The categories of a nominal or ordinal axis (不清楚/不适用 left out)."""
        assert self.field is not None
        return self.field.scale_options


def shown_values(s: Survey, f: Field) -> np.ndarray:
    """``f``'s values, NaN where its question was not shown (a skip)."""
    x = s.values(f.id).copy()
    x[~s.shown(s.bank.question(f.question))] = np.nan
    return x


def parse_bands(text: str | None) -> list[float] | None:
    """``--bands 30,40,50`` as increasing cut points (UsageError otherwise)."""
    if not text:
        return None
    try:
        edges = [float(x) for x in text.replace("，", ",").split(",") if x.strip()]
    except ValueError:
        raise UsageError(problem("table_bands", value=text)) from None
    if not edges or any(b <= a for a, b in itertools.pairwise(edges)):
        raise UsageError(problem("table_bands", value=text))
    return edges


def _num(v: float) -> str:
    return f"{v:g}"


def banded(f: Field, x: np.ndarray, edges: list[float]) -> tuple[Field, np.ndarray]:
    """A number cut at ``edges`` into ordered bands (低于 30 / 30 至不到 40 / … / 50 及以上),
    as an ordinal field with codes 1, 2, …"""
    labels = [f"低于 {_num(edges[0])}"]
    labels += [f"{_num(a)} 至不到 {_num(b)}" for a, b in itertools.pairwise(edges)]
    labels.append(f"{_num(edges[-1])} 及以上")
    codes = np.searchsorted(np.array(edges), x, side="right").astype(float) + 1
    codes[np.isnan(x)] = np.nan
    opts = tuple(Option(i + 1, lab) for i, lab in enumerate(labels))
    return Field(f.id, f.question, "single", f.label, options=opts), codes


def axis(s: Survey, name: str, bands: list[float] | None = None) -> Axis:
    """The :class:`Axis` named ``name`` (UsageError for an unknown name or a text field)."""
    bank = s.bank
    try:
        f = bank.field(name)
    except KeyError:
        return _question_axis(s, name)
    q = bank.question(f.question)
    if f.kind in ("text", "other"):
        raise UsageError(problem("table_text", name=name))
    if bands is not None and f.kind != "number":
        raise UsageError(problem("table_bands_kind", name=name))
    x = shown_values(s, f)
    title = f.label
    if f.kind == "number":
        if bands is None:
            return Axis(name, title, NUMBER, f, x)
        bf, codes = banded(f, x, bands)
        return Axis(name, title, ORDINAL, bf, codes)
    if f.kind == "flag":
        return Axis(name, title, NOMINAL, Field(f.id, f.question, "single", title, FLAG_OPTIONS), x)
    if f.kind == "rank":
        return Axis(name, title, NUMBER, f, x)
    ordered = f.kind == "likert" or q.scale is not None
    return Axis(name, title, ORDINAL if ordered else NOMINAL, f, x)


def _question_axis(s: Survey, name: str) -> Axis:
    bank = s.bank
    try:
        q = bank.question(name)
    except KeyError:
        hint = suggest(name, [f.id for f in bank.fields] + [q.id for q in bank.questions])
        raise UsageError(problem("table_unknown", name=name, hint=hint)) from None
    if q.type == "text":
        raise UsageError(problem("table_text", name=name))
    parts = [(f, shown_values(s, f)) for f in s.fields_of(q)]
    if q.type != "multi":
        return Axis(name, q.text, BATTERY, parts=parts)
    # as SPSS MULT RESPONSE: of those who picked at least one substantive option
    parts = [(f, x) for f, x in parts if not f.option.missing]  # type: ignore[union-attr]
    answered = np.column_stack([x == 1 for _, x in parts]).any(axis=1)
    parts = [(f, np.where(answered, (x == 1).astype(float), np.nan)) for f, x in parts]
    return Axis(name, q.text, MULTI, parts=parts)
