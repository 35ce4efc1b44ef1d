"""腾讯问卷 exports → a draft bank (see ../shared/formats/platform-exports.md).

Headers ``N.题干``; a multiple choice is one column per option ``N.题干:选项`` (non-empty =
chosen, the value being the option text); a matrix is one column per row ``N.题干:行`` whose
values are the scale's labels (``D.同意``); fill-ins and "other" texts are ``N.题干_填空1``.
The export lists no options: a choice's options are the answers given, ordered by their
letter prefix (``A.``, ``B.``… = the questionnaire's order) where there is one, else by first
appearance (noted). The matrix layout is not confirmed by a public sample (said in the note).

Input: the export as parsed by ingest (``questions`` with ``number``, ``stem``, ``layout``,
``columns`` (``index``, ``sub``), ``rows``); this module only reads those attributes.
"""

from __future__ import annotations

import re
from typing import Any

from surveytool.bank.importers import (
    Draft,
    Link,
    choice_suffixes,
    complete_options,
    is_other_label,
    note,
)
from surveytool.bank.importers.wjx import TEXT_ONLY_MAX_OPTIONS, answered, cell

_LETTER = re.compile(r"^([A-Z])[.．、]\s*(.+)$", re.S)
_NUM = re.compile(r"^-?\d+(?:\.\d+)?$")


def _fill(col: Any) -> bool:
    return (col.sub or "").startswith("_填空")


class TencentImporter:
    def __init__(self, export: Any, source: str):
        self.e = export
        self.d = Draft(title=source, source=source)
        self.section = self.d.section("A", "问卷题目")
        self.first_appearance: list[str] = []

    def run(self) -> Draft:
        for pq in self.e.questions:
            self._question(pq)
        if self.first_appearance:
            qids = "、".join(self.first_appearance)
            note(self.d.notes, "bankfrom_note_first_appearance", qids=qids)
        return self.d

    def values(self, col: Any) -> list[str]:
        return [v for r in self.e.rows if answered(v := cell(r, col.index))]  # type: ignore[arg-type]

    def _base(self, qid: str, qtype: str, text: str) -> dict:
        q: dict = {"id": qid, "type": qtype, "text": text.strip() or qid}
        self.section["questions"].append(q)
        return q

    def _question(self, pq: Any) -> None:
        main = [c for c in pq.columns if not _fill(c)]
        fills = [c for c in pq.columns if _fill(c)]
        hint = f"Q{pq.number}"
        if pq.layout == "options" and main:
            subs = {c.index: c.sub for c in main}
            picked = [(c, v) for c in main for v in self.values(c)]
            if all(v == subs[c.index] or v == "1" for c, v in picked):
                self._multi(pq, hint, main, fills)
            else:
                self._likert(pq, hint, main)
            return
        if not main:  # only blanks
            main, fills = fills[:1], fills[1:]
        values = self.values(main[0])
        labels = _labels(values)
        if fills or (len(set(labels)) <= TEXT_ONLY_MAX_OPTIONS and _letters(values)):
            self._single(pq, hint, values, other=bool(fills))
        elif values and all(_NUM.match(v) for v in values):
            q = self._base(self.d.ids.take(hint, "Q"), "number", pq.stem)
            if all(float(v).is_integer() for v in values):
                q["integer"] = True
            self.d.links.append(Link(pq, q["id"]))
        else:
            q = self._base(self.d.ids.take(hint, "Q"), "text", pq.stem)
            self.d.links.append(Link(pq, q["id"]))

    def _ordered(self, values: list[str], qid: str) -> dict[int, str]:
        """Option code -> label, by letter prefix where every answer has one."""
        if values and _letters(values):
            seen = {}
            for v in values:
                m = _LETTER.match(v)
                seen[ord(m.group(1)) - ord("A") + 1] = m.group(2).strip()  # type: ignore[union-attr]
            return complete_options(seen, qid, self.d.notes, "选择题")
        self.first_appearance.append(qid)
        order: list[str] = []
        for v in values:
            if v not in order:
                order.append(v)
        return dict(enumerate(order or ["（请补写）", "（请补写）"], start=1))

    def _single(self, pq: Any, hint: str, values: list[str], other: bool) -> None:
        opts = self._ordered(values, hint)
        codes = sorted(opts)
        has_other = other or (len(codes) > 2 and is_other_label(opts[codes[-1]]))
        if has_other and codes and is_other_label(opts[codes[-1]]):
            last = codes.pop()
            del opts[last]
        qid = self.d.ids.take(hint, "Q", choice_suffixes([*codes, max(codes, default=0) + 1], True))
        q = self._base(qid, "single", pq.stem)
        q["options"] = opts
        if has_other:
            q["other"] = True
        self.d.links.append(Link(pq, qid))

    def _multi(self, pq: Any, hint: str, main: list, fills: list) -> None:
        opts = {i: (c.sub or f"选项{i}").strip() for i, c in enumerate(main, start=1)}
        other = bool(fills) and is_other_label(opts[len(opts)])
        plain = {k: v for k, v in opts.items() if not (other and k == len(opts))}
        qid = self.d.ids.take(hint, "Q", choice_suffixes(list(opts), True))
        q = self._base(qid, "multi", pq.stem)
        q["options"] = plain
        if other:
            q["other"] = True
        self.d.links.append(Link(pq, qid, {c.index: str(i) for i, c in enumerate(main, start=1)}))

    def _likert(self, pq: Any, hint: str, main: list) -> None:
        values = [v for c in main for v in self.values(c)]
        qid = self.d.ids.take(hint, "Q", tuple(f"_{i}" for i in range(1, len(main) + 1)))
        scale = f"s_{qid}"
        self.d.scales[scale] = self._ordered(values, qid)
        q = self._base(qid, "likert", pq.stem)
        q["scale"] = scale
        items = {f"{qid}_{i}": (c.sub or f"第{i}行") for i, c in enumerate(main, start=1)}
        q["items"] = items
        note(self.d.notes, "bankfrom_note_tencent_matrix", qid=qid)
        self.d.links.append(
            Link(pq, qid, {c.index: iid for c, iid in zip(main, items, strict=True)})
        )


def _letters(values: list[str]) -> bool:
    return bool(values) and all(_LETTER.match(v) for v in values)


def _labels(values: list[str]) -> list[str]:
    return [m.group(2) if (m := _LETTER.match(v)) else v for v in values]


def from_tencent(export: Any, source: str) -> Draft:
    """A draft bank from a 腾讯问卷 export (parsed by ingest.platforms)."""
    return TencentImporter(export, source).run()
