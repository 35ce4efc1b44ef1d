"""Platform answers -> our raw answer values, field by field (then validated as usual).

Per 问卷星's three encodings: 按文本 gives option texts (other-text inside 〖…〗, picks joined
by ┋, rankings as A→B→C); 按序号 gives 1-based option *positions*, mapped here to the bank's
codes by position, never assumed equal to them; 按分数 gives the scores set on the platform,
taken as the bank's codes. ``(跳过)``, ``-3`` and ``-2`` are structural skips; ``(空)`` and
``NULL`` are unanswered: both become missing here, and ingest's skip logic tells them apart.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pandas as pd

from surveytool.bank.model import Bank, Question, question_options
from surveytool.ingest.normalise import is_blank
from surveytool.ingest.platforms.mapping import QMap
from surveytool.ingest.platforms.model import PlatformExport

SKIPPED = {"(跳过)", "（跳过）", "-3", "-2", "-3.0", "-2.0"}
EMPTY = {"(空)", "（空）", "NULL", "null", "(未填)", "（未填）"}
_OTHER = re.compile(r"〖(.*?)〗", re.S)
_SCORE = re.compile(r"^\s*(-?\d+(?:\.\d+)?)\s*分\s*$")
_CHAIN = re.compile(r"\s*(?:→|->|＞|>)\s*")


def missing(v: Any) -> bool:
    """A platform's way of saying 'no answer' (skipped or unanswered)."""
    if is_blank(v):
        return True
    text = str(v).strip()
    return text in SKIPPED or text in EMPTY


def _text(v: Any) -> str:
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v).strip()


class Converter:
    """Builds the raw answer columns of one export."""

    def __init__(self, bank: Bank, export: PlatformExport):
        self.bank = bank
        self.export = export
        self.n = len(export.rows)
        self.columns: dict[str, list[Any]] = {}
        self.refs: dict[str, str] = {}

    def column(self, fid: str, letter: str) -> list[Any]:
        """The raw column of field ``fid`` (created empty), remembering its Excel column."""
        if fid not in self.columns:
            self.columns[fid] = [None] * self.n
            self.refs[fid] = letter
        return self.columns[fid]

    def cells(self, index: int) -> list[Any]:
        """Column ``index`` of the data rows."""
        return [row[index] if index < len(row) else None for row in self.export.rows]

    def code_at(self, q: Question, v: Any) -> Any:
        """A 1-based 按序号 position -> the bank's option code (unchanged when not a
        position: validation reports it)."""
        options = (
            question_options(q, self.bank.scales)
            if q.type != "likert"
            else self.bank.scales[q.scale or ""]
        )
        try:
            pos = int(float(_text(v)))
        except ValueError:
            return v
        return options[pos - 1].code if 1 <= pos <= len(options) else v

    def value(self, q: Question, v: Any) -> Any:
        """One choice cell in the export's encoding -> a raw value for validation."""
        if missing(v):
            return None
        if self.export.encoding == "code":
            return self.code_at(q, v)
        m = _SCORE.match(_text(v))
        return m.group(1) if m else v

    def convert(self, qm: QMap) -> None:
        """The columns of one mapped question."""
        q = self.bank.question(qm.qid) if qm.qid else None
        if q is None:
            return
        pq = qm.pq
        if pq.layout == "one":
            self._one(q, pq.columns[0], pq.columns[1:])
        elif pq.layout == "options" and q.type in ("multi", "rank"):
            self._options(q, qm)
        elif pq.layout == "rows" and q.type == "likert":
            for col in pq.columns:
                item = qm.columns.get(col.index)
                if item:
                    out = self.column(item, col.letter)
                    for i, v in enumerate(self.cells(col.index)):
                        out[i] = self.value(q, v)
        else:
            for col in pq.columns:
                fid = qm.columns.get(col.index)
                if fid and fid in {f.id for f in self.bank.fields}:
                    out = self.column(fid, col.letter)
                    for i, v in enumerate(self.cells(col.index)):
                        out[i] = None if missing(v) else v

    def _one(self, q: Question, col, extra) -> None:
        values = self.cells(col.index)
        if q.type in ("single",):
            out = self.column(q.id, col.letter)
            other = self.column(f"{q.id}_other", col.letter) if q.other else None
            for i, v in enumerate(values):
                v, text = _split_other(v)
                out[i] = self.value(q, v)
                if other is not None and text:
                    other[i] = text
        elif q.type in ("multi", "rank") and self.export.platform == "kobo":
            self._kobo_names(q, col, values)
        elif q.type == "multi":
            self._joined(q, col, values)
        elif q.type == "rank":
            self._chain(q, col, values)
        elif q.type == "likert":
            out = self.column(q.items[0].id, col.letter)
            for i, v in enumerate(values):
                out[i] = self.value(q, v)
        else:
            out = self.column(q.id, col.letter)
            for i, v in enumerate(values):
                out[i] = None if missing(v) else v
        for c in extra:  # 腾讯问卷 ``_填空`` columns: the 其他 text of a choice question
            if q.other:
                out = self.column(f"{q.id}_other", c.letter)
                for i, v in enumerate(self.cells(c.index)):
                    if not missing(v):
                        out[i] = v

    def _joined(self, q: Question, col, values: list[Any]) -> None:
        """Picks in one cell (``报销┋会议``, 其他【请注明】〖…〗) -> the question's list column."""
        out = self.column(q.id, col.letter)
        other = self.column(f"{q.id}_other", col.letter) if q.other else None
        for i, v in enumerate(values):
            if missing(v):
                continue
            v, text = _split_other(v)
            if self.export.encoding == "code":
                parts = [p for p in re.split(r"[┋,，;；|]", _text(v)) if p.strip()]
                v = ",".join(str(self.code_at(q, p)) for p in parts)
            out[i] = v
            if other is not None and text:
                other[i] = text

    def _chain(self, q: Question, col, values: list[Any]) -> None:
        """A ranking ``A→B→C`` -> one rank per option field."""
        options = question_options(q, self.bank.scales)
        by_label = {o.label: o.code for o in options}
        for o in options:
            self.column(f"{q.id}_{o.code}", col.letter)
        for i, v in enumerate(values):
            if missing(v):
                continue
            for rank, label in enumerate(_CHAIN.split(_text(v)), start=1):
                code = by_label.get(label.strip())
                if code is None:
                    code = next((o.code for o in options if _key(o.label) == _key(label)), None)
                if code is not None:
                    self.columns[f"{q.id}_{code}"][i] = rank

    def _kobo_names(self, q: Question, col, values: list[Any]) -> None:
        """Kobo/ODK select_multiple (``1 3``) and rank (``2 1 3``): option names, spaces."""
        if q.type == "multi":
            out = self.column(q.id, col.letter)
            for i, v in enumerate(values):
                out[i] = None if missing(v) else ",".join(_text(v).split())
            return
        for o in question_options(q, self.bank.scales):
            self.column(f"{q.id}_{o.code}", col.letter)
        for i, v in enumerate(values):
            for rank, name in enumerate(_text(v).split() if not missing(v) else [], start=1):
                if f"{q.id}_{name}" in self.columns:
                    self.columns[f"{q.id}_{name}"][i] = rank

    def _options(self, q: Question, qm: QMap) -> None:
        """One column per option: 0/1 (按序号 multi), a rank, or 腾讯问卷's non-empty text."""
        fills = [c for c in qm.pq.columns if (c.sub or "").startswith("_填空")]
        cols = [(c, qm.columns.get(c.index)) for c in qm.pq.columns if c not in fills]
        data = {c.index: self.cells(c.index) for c, _ in cols}
        for c in fills:  # 腾讯问卷: the text typed for 其他
            if q.other:
                out = self.column(f"{q.id}_other", c.letter)
                for i, v in enumerate(self.cells(c.index)):
                    if not missing(v):
                        out[i] = v
        for c, code in cols:
            if code is None:
                continue
            out = self.column(f"{q.id}_{code}", c.letter)
            for i, v in enumerate(data[c.index]):
                if q.type == "rank":
                    out[i] = None if missing(v) else v
                elif self.export.platform == "tencent":
                    answered = any(not is_blank(data[x.index][i]) for x, _ in cols)
                    out[i] = (0 if is_blank(v) else 1) if answered else None
                else:
                    out[i] = None if missing(v) else v

    def frame(self) -> pd.DataFrame:
        """All converted columns (object dtype)."""
        return pd.DataFrame(
            {k: np.array(v, dtype=object) for k, v in self.columns.items()}, index=range(self.n)
        )


def _key(text: str) -> str:
    from surveytool.ingest.normalise import label_key

    return label_key(text)


def _split_other(v: Any) -> tuple[Any, str | None]:
    """``其他【请注明】〖研究生院〗`` -> (``其他【请注明】``, ``研究生院``)."""
    if not isinstance(v, str) or "〖" not in v:
        return v, None
    texts = [t.strip() for t in _OTHER.findall(v) if t.strip()]
    return _OTHER.sub("", v).strip(), "；".join(texts) or None
