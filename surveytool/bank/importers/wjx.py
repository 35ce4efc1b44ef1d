"""问卷星 downloads → a draft bank.

Facts used (../shared/formats/platform-exports.md): questions are ``N、题干`` headers (the
按序号 download's multiple choice and ranking are ``第N题(选项)`` columns, one per option, in
the questionnaire's order); the 按序号 file holds 1-based option positions, the 按文本 file their
labels, so the pair gives every option's code and label — except options nobody picked, which
no download shows (they get a placeholder and a note). ``(跳过)`` / ``-3`` / ``-2`` are skips,
``(空)`` / ``NULL`` unanswered. A 按文本 file alone gives codes in order of first appearance.

The exports come in parsed by ingest (``PlatformExport``: ``questions`` with ``number``,
``stem``, ``layout`` and ``columns`` (``index``, ``header``, ``sub``), ``rows``, ``meta``);
this module only reads those attributes.
"""

from __future__ import annotations

import re
from collections import Counter
from typing import Any

from surveytool.bank.importers import (
    Draft,
    Link,
    choice_suffixes,
    complete_options,
    is_other_label,
    note,
)

SKIPPED = {"(跳过)", "（跳过）", "-3", "-2"}
EMPTY = {"(空)", "（空）", "NULL", "null", "(未填)", "（未填）", ""}
_OTHER_TEXT = re.compile(r"〖.*?〗", re.S)
_INT = re.compile(r"^-?\d+(?:\.0+)?$")
_NUM = re.compile(r"^-?\d+(?:\.\d+)?$")
_SCORE = re.compile(r"^(-?\d+)分$")
_CHAIN = re.compile(r"\s*(?:→|->)\s*")
_MARKS = {
    "单选题": "single",
    "下拉框": "single",
    "量表题": "single",
    "NPS量表题": "single",
    "评分题": "single",
    "多选题": "multi",
    "填空题": "text",
    "多项填空题": "fills",
    "排序题": "rank",
}
_MARK = re.compile(r"[（(]([^（）()]*?题|下拉框)[^）)]*[）)]\s*$")
TEXT_ONLY_MAX_OPTIONS = 12  # a 按文本-only column with at most this many labels is a choice


def cell(row: list, index: int) -> str | None:
    """A cell as stripped text; None when blank."""
    v = row[index] if index < len(row) else None
    if v is None:
        return None
    if isinstance(v, float):
        if v != v:  # NaN
            return None
        if v.is_integer():
            v = int(v)
    text = str(v).strip()
    return text or None


def answered(v: str | None) -> bool:
    """A real answer (not blank, skipped or unanswered)."""
    return v is not None and v not in SKIPPED and v not in EMPTY


def mark(pq: Any) -> str | None:
    """The type named in a header's marker (``(多选题 *必答)``), if any."""
    m = _MARK.search(" ".join(str(pq.columns[0].header or "").split()))
    return _MARKS.get(m.group(1)) if m else None


class WjxImporter:
    """Builds a draft from a 按文本 export and, optionally, its 按序号/按分数 twin."""

    def __init__(self, text: Any, code: Any | None, code_kind: str, source: str):
        self.text, self.code, self.code_kind = text, code, code_kind
        self.d = Draft(title=source, source=source)
        self.section = self.d.section("A", "问卷题目")
        self.skipped: list[str] = []
        self.pairs = self._row_pairs()
        self.code_q = {q.number: q for q in code.questions} if code is not None else {}

    def _row_pairs(self) -> list[tuple[list, list | None]]:
        """(text row, code row) by 序号 (by position when a file has no 序号 column)."""
        if self.code is None:
            return [(r, None) for r in self.text.rows]
        ti, ci = self.text.meta.get("序号"), self.code.meta.get("序号")
        if ti is None or ci is None:
            return list(zip(self.text.rows, self.code.rows, strict=False))
        by_id = {cell(r, ci): r for r in self.code.rows}
        return [(r, by_id.get(cell(r, ti))) for r in self.text.rows]

    def run(self) -> Draft:
        """The draft: every question of the 按文本 export, in order."""
        for tq in self.text.questions:
            cq = self.code_q.get(tq.number)
            self._question(tq, cq)
        if self.skipped:
            note(self.d.notes, "bankfrom_note_skips", qids="、".join(self.skipped))
        if self.code is None:
            first: list[str] = []
            note(first, "bankfrom_note_text_only")
            self.d.notes[:0] = first
        return self.d

    # --- values ------------------------------------------------------------------------
    def values(self, tcol: Any, ccol: Any | None) -> list[tuple[str | None, str | None]]:
        """(text, code) of one question column, row by row."""
        out = []
        for trow, crow in self.pairs:
            t = cell(trow, tcol.index)
            c = cell(crow, ccol.index) if ccol is not None and crow is not None else None
            out.append((t, c))
        return out

    def _note_skips(self, qid: str, cols: list[tuple[Any, Any | None]]) -> None:
        for tcol, ccol in cols:
            for t, c in self.values(tcol, ccol):
                if t in SKIPPED or c in SKIPPED:
                    self.skipped.append(qid)
                    return

    # --- questions ---------------------------------------------------------------------
    def _question(self, tq: Any, cq: Any | None) -> None:
        n = tq.number
        stem = tq.stem.strip() or f"第{n}题"
        kind = mark(tq) or (mark(cq) if cq is not None else None)
        if tq.layout in ("rows", "fills"):
            self._matrix(tq, cq, stem)
            return
        col = tq.columns[0]
        ccol = cq.columns[0] if cq is not None and cq.layout == "one" else None
        texts = [t for t, _ in self.values(col, None) if answered(t)]
        if cq is not None and cq.layout == "options":
            codes = {cell(r, c.index) for r in self.code.rows for c in cq.columns}
            qtype = "multi" if codes <= {"0", "1", *SKIPPED, *EMPTY, None} else "rank"
            self._options_question(tq, cq, stem, qtype)
        elif kind == "multi" or any("┋" in t for t in texts):
            self._text_multi(tq, stem, "multi", "┋")
        elif kind == "rank" or any("→" in t for t in texts):
            self._text_multi(tq, stem, "rank", "→")
        elif ccol is not None and self._coded(col, ccol):
            self._single(tq, cq, stem)
        elif ccol is None and (kind == "single" or (kind is None and self._looks_single(texts))):
            self._single(tq, None, stem)
        else:
            self._open(tq, cq, stem)

    def _coded(self, col: Any, ccol: Any) -> bool:
        """The 按序号 column holds whole numbers where the 按文本 column holds other text."""
        pairs = [(t, c) for t, c in self.values(col, ccol) if answered(t) and answered(c)]
        return (
            bool(pairs) and all(_INT.match(c) for _, c in pairs) and any(t != c for t, c in pairs)
        )

    @staticmethod
    def _looks_single(texts: list[str]) -> bool:
        labels = set(texts)
        if not labels or all(_NUM.match(t) for t in labels):
            return False
        return len(labels) <= TEXT_ONLY_MAX_OPTIONS and len(texts) >= 3 * len(labels)

    def _base(self, qid: str, qtype: str, stem: str) -> dict:
        q: dict = {"id": qid, "type": qtype, "text": stem}
        self.section["questions"].append(q)
        return q

    def _single(self, tq: Any, cq: Any | None, stem: str) -> None:
        col = tq.columns[0]
        ccol = cq.columns[0] if cq is not None else None
        seen: dict[str, Counter] = {}
        order: list[str] = []
        for t, c in self.values(col, ccol):
            if not answered(t):
                continue
            label = _OTHER_TEXT.sub("", t).strip()
            if label not in order:
                order.append(label)
            key = c if ccol is not None else label
            if ccol is not None and not (answered(c) and _INT.match(c or "")):
                continue
            seen.setdefault(str(key), Counter())[label] += 1
        if ccol is not None:
            labels = {int(float(k)): cnt.most_common(1)[0][0] for k, cnt in seen.items()}
        elif order and all(_SCORE.match(x) for x in order):
            labels = {int(_SCORE.match(x).group(1)): x for x in order}  # type: ignore[union-attr]
        else:
            labels = dict(enumerate(order, start=1))
        qid = f"Q{tq.number}"
        complete = (ccol is not None and self.code_kind == "code") or (
            ccol is None and (not order or not all(_SCORE.match(x) for x in order))
        )
        opts = complete_options(labels, qid, self.d.notes, "单选题") if complete else labels
        self._choice(tq, cq, qid, "single", stem, opts, {})

    def _choice(
        self,
        tq: Any,
        cq: Any | None,
        qid_hint: str,
        qtype: str,
        stem: str,
        opts: dict[int, str],
        columns: dict[int, int],
    ) -> None:
        """Write a choice question; ``columns`` maps code -> export column (option layout)."""
        codes = sorted(opts)
        other = bool(codes) and is_other_label(opts[codes[-1]]) and len(codes) > 2
        plain = codes[:-1] if other else codes
        qid = self.d.ids.take(qid_hint, "Q", choice_suffixes(codes, other))
        q = self._base(qid, qtype, stem)
        q["options"] = {c: opts[c] for c in plain}
        if other:
            q["other"] = True
            if codes[-1] != max(plain) + 1:
                q["other_code"] = codes[-1]
        self._note_skips(qid, self._cols(tq, cq))
        pq = cq if cq is not None else tq
        self.d.links.append(Link(pq, qid, {columns[c]: str(c) for c in columns}))

    def _cols(self, tq: Any, cq: Any | None) -> list[tuple[Any, Any | None]]:
        if cq is None:
            return [(c, None) for c in tq.columns]
        if len(cq.columns) == len(tq.columns):
            return list(zip(tq.columns, cq.columns, strict=True))
        return [(tq.columns[0], None)] + [(c, c) for c in cq.columns]

    def _options_question(self, tq: Any, cq: Any, stem: str, qtype: str) -> None:
        """按序号 multiple choice / ranking: one column per option, in questionnaire order."""
        opts = {i: (c.sub or f"选项{i}").strip() for i, c in enumerate(cq.columns, start=1)}
        columns = {i: c.index for i, c in enumerate(cq.columns, start=1)}
        self._choice(tq, cq, f"Q{tq.number}", qtype, stem, opts, columns)

    def _text_multi(self, tq: Any, stem: str, qtype: str, sep: str) -> None:
        """按文本 only: picks joined by ┋ (ranking by →); codes by first appearance."""
        order: list[str] = []
        for t, _ in self.values(tq.columns[0], None):
            if not answered(t):
                continue
            parts = t.split("┋") if sep == "┋" else _CHAIN.split(t)
            for p in parts:
                label = _OTHER_TEXT.sub("", p).strip()
                if label and label not in order:
                    order.append(label)
        others = [x for x in order if is_other_label(x)]
        order = [x for x in order if x not in others] + others  # 其他 goes last
        if len(order) < 2:
            order += [
                f"选项{i}（数据中无人选择，请按原问卷补写）" for i in range(len(order) + 1, 3)
            ]
        if self.code is not None:
            note(self.d.notes, "bankfrom_note_no_columns", qid=f"Q{tq.number}")
        self._choice(tq, None, f"Q{tq.number}", qtype, stem, dict(enumerate(order, 1)), {})

    def _open(self, tq: Any, cq: Any | None, stem: str) -> None:
        """A fill-in: a number question when every answer is a number, else text."""
        qid = self.d.ids.take(f"Q{tq.number}", "Q")
        texts = [t for t, _ in self.values(tq.columns[0], None) if answered(t)]
        self._write_open(qid, stem, texts)
        self._note_skips(qid, self._cols(tq, cq))
        self.d.links.append(Link(cq if cq is not None else tq, qid, {}))

    def _write_open(self, qid: str, stem: str, texts: list[str]) -> dict:
        if texts and all(_NUM.match(t) for t in texts):
            q = self._base(qid, "number", stem)
            if all(_INT.match(t) for t in texts):
                q["integer"] = True
            return q
        q = self._base(qid, "text", stem)
        if re.search(r"姓名|联系电话|电话号码|手机号|邮箱|身份证|微信号", stem):
            q["pii"] = True
            note(self.d.notes, "bankfrom_note_pii", qid=qid)
        return q

    def _matrix(self, tq: Any, cq: Any | None, stem: str) -> None:
        """A matrix (one column per row) -> likert on a scale of its own; a matrix of
        fill-ins or a multi-fill -> one open question per blank."""
        cols = self._cols(tq, cq) if cq is not None else [(c, None) for c in tq.columns]
        texts = [t for tc, cc in cols for t, _ in self.values(tc, cc) if answered(t)]
        codes = [c for tc, cc in cols if cc is not None for _, c in self.values(tc, cc)]
        coded = cq is not None and any(answered(c) for c in codes)
        coded = coded and all(_INT.match(c) for c in codes if answered(c))
        coded = coded and any(t != c for tc, cc in cols for t, c in self.values(tc, cc))
        if any("┋" in t for t in texts):
            note(self.d.notes, "bankfrom_note_matrix_multi", number=tq.number)
            return
        if tq.layout == "rows" and (coded or (cq is None and self._looks_single(texts))):
            self._likert(tq, cq, stem, cols)
        else:
            self._fills(tq, cq, stem, cols)

    def _likert(self, tq: Any, cq: Any | None, stem: str, cols: list) -> None:
        seen: dict[int, Counter] = {}
        order: list[str] = []
        for tc, cc in cols:
            for t, c in self.values(tc, cc):
                if not answered(t):
                    continue
                if t not in order:
                    order.append(t)
                if cc is not None and answered(c) and _INT.match(c):
                    seen.setdefault(int(float(c)), Counter())[t] += 1
        if cq is not None:
            labels = {k: v.most_common(1)[0][0] for k, v in seen.items()}
        elif all(_SCORE.match(x) for x in order):
            labels = {int(_SCORE.match(x).group(1)): x for x in order}  # type: ignore[union-attr]
        else:
            labels = dict(enumerate(order, start=1))
        qid_hint = f"Q{tq.number}"
        items = [f"{qid_hint}_{i}" for i in range(1, len(cols) + 1)]
        qid = self.d.ids.take(qid_hint, "Q", tuple(i[len(qid_hint) :] for i in items))
        complete = cq is not None and self.code_kind == "code"
        scale = complete_options(labels, qid, self.d.notes, "矩阵题") if complete else labels
        if len(scale) < 2:
            scale = complete_options(labels, qid, self.d.notes, "矩阵题")
        name = f"s_{qid}"
        self.d.scales[name] = scale
        q = self._base(qid, "likert", stem)
        q["scale"] = name
        item_ids = [f"{qid}_{i}" for i in range(1, len(cols) + 1)]
        q["items"] = {
            iid: (tc.sub or f"第{i}行")
            for i, (iid, (tc, _)) in enumerate(zip(item_ids, cols, strict=True), start=1)
        }
        self._note_skips(qid, cols)
        pq = cq if cq is not None else tq
        self.d.links.append(
            Link(
                pq,
                qid,
                {(cc or tc).index: iid for iid, (tc, cc) in zip(item_ids, cols, strict=True)},
            )
        )

    def _fills(self, tq: Any, cq: Any | None, stem: str, cols: list) -> None:
        """One open question per blank (``N、题干—子项1``, ``N、子项2``…)."""
        targets = {}
        first = None
        for i, (tc, cc) in enumerate(cols, start=1):
            qid = self.d.ids.take(f"Q{tq.number}_{i}", "Q")
            texts = [t for t, _ in self.values(tc, cc) if answered(t)]
            self._write_open(qid, f"{stem}：{tc.sub or f'第{i}空'}", texts)
            targets[(cc or tc).index] = qid
            first = first or qid
            self._note_skips(qid, [(tc, cc)])
        if first:
            self.d.links.append(Link(cq if cq is not None else tq, first, targets))


def from_wjx(text: Any, code: Any | None, code_kind: str, source: str) -> Draft:
    """A draft bank from a 问卷星 按文本 export and its 按序号 (``code_kind="code"``) or
    按分数 (``"score"``) twin (None: the 按文本 file alone)."""
    return WjxImporter(text, code, code_kind, source).run()
