"""``bank-from``: a draft question bank inferred from what users already hold.

Each importer (:mod:`.wjx` 问卷星 download pairs, :mod:`.tencent` 腾讯问卷 exports,
:mod:`.xlsform` XLSForms, :mod:`.sav` SPSS files) takes data already read by ingest's readers
(plain rows and metadata: no spreadsheet library is imported here) and fills a :class:`Draft`:
the bank as plain YAML-ready dicts, the notes the owner must read (what was skipped and why,
what must be checked), and, for platform exports, which export columns hold which question so
that the same files ingest without a hand-made mapping. :func:`draft_yaml` writes it out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import yaml

from surveytool.bank.ids import MAX_ID_LENGTH, RESERVED_IDS
from surveytool.errors import problem

OTHER_WORDS = re.compile(r"其他|其它|请注明|请说明")


@dataclass
class Link:
    """Which bank question (and which field / option / item per column) one export question
    becomes: ``pq`` is the export's question object, ``columns`` column index -> target."""

    pq: Any
    qid: str
    columns: dict[int, str] = field(default_factory=dict)


@dataclass
class Draft:
    """A bank in the making: YAML-ready sections and scales, and what to tell the owner."""

    title: str
    source: str  # the file name(s), as shown
    sections: list[dict] = field(default_factory=list)
    scales: dict[str, dict] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)  # skipped / to check, in Chinese
    links: list[Link] = field(default_factory=list)
    ident: str | None = None  # a bank id the source suggests (an XLSForm's form_id)
    ids: IdMaker = field(default_factory=lambda: IdMaker())

    def section(self, sid: str, title: str, relevant: str | None = None) -> dict:
        """A new (empty) section appended to the draft."""
        s: dict = {"id": self.ids.take(sid, "S"), "title": title or "题目"}
        if relevant:
            s["relevant"] = relevant
        s["questions"] = []
        self.sections.append(s)
        return s

    def questions(self) -> list[dict]:
        """Every question of the draft, in order."""
        return [q for s in self.sections for q in s["questions"]]


def note(notes: list[str], code: str, **values: object) -> None:
    """Add a note for the owner, worded by the error catalogue (``bankfrom_note_*``)."""
    notes.append(problem(code, **values).message)


class IdMaker:
    """Ids valid in SPSS and XLSForm (the bank's rule), unique ignoring case, derived from
    source names: ``年龄`` or ``1st q`` become ``Q…``/``v1st_q``; a clash gets ``_2``."""

    def __init__(self) -> None:
        self.used: set[str] = {w.lower() for w in RESERVED_IDS}

    def clean(self, name: str, fallback: str) -> str:
        """``name`` made a valid id (not yet reserved)."""
        text = re.sub(r"[^A-Za-z0-9_]+", "_", str(name or "")).strip("_")
        if not text:
            text = fallback
        if not text[0].isalpha():
            text = ("v" if fallback[0].islower() else "Q") + text
        return text[: MAX_ID_LENGTH - 8]

    def free(self, ident: str, suffixes: tuple[str, ...] = ()) -> bool:
        """Whether ``ident`` and every ``ident + suffix`` are still free."""
        return all((ident + s).lower() not in self.used for s in ("", *suffixes))

    def take(self, name: str, fallback: str, suffixes: tuple[str, ...] = ()) -> str:
        """A free id from ``name`` (and its derived ``name + suffix`` ids), reserved."""
        base = self.clean(name, fallback)
        ident, n = base, 1
        while not self.free(ident, suffixes):
            n += 1
            ident = f"{base}_{n}"
        self.reserve(ident, *(ident + s for s in suffixes))
        return ident

    def reserve(self, *idents: str) -> None:
        """Mark ids as used."""
        self.used.update(i.lower() for i in idents)


def choice_suffixes(codes: list[int], other: bool) -> tuple[str, ...]:
    """The derived field suffixes of a choice question (``_1``…, ``_other``)."""
    return (*(f"_{c}" for c in codes), *(("_other",) if other else ()))


def is_other_label(label: str) -> bool:
    """An option meaning 其他（请注明）."""
    return bool(re.search(r"请注明|请说明|请填写", label)) or label.strip() in ("其他", "其它")


_DONT_KNOW = re.compile(r"^(不清楚|说不清|说不清楚|不适用|记不清|不知道|无法回答|拒绝回答)$")


def mark_missing(opts: dict, qid: str, notes: list[str]) -> dict:
    """Options meaning 不清楚/不适用 written ``{label, missing: true}`` (out of bases, as SPSS
    user-missing), with a note; the source format has no way to say so itself."""
    out: dict = {}
    found = []
    for code, label in opts.items():
        if isinstance(label, str) and _DONT_KNOW.match(label.strip()):
            out[code] = {"label": label, "missing": True}
            found.append(f"{code}（{label}）")
        else:
            out[code] = label
    if found:
        note(notes, "bankfrom_note_missing", qid=qid, options="、".join(found))
    return out


def complete_options(seen: dict[int, str], qid: str, notes: list[str], what: str) -> dict[int, str]:
    """Options 1..max code with a placeholder for codes nobody picked (the export lists only
    answers given); at least two options. Notes what was filled in."""
    top = max([*seen, 2])
    out: dict[int, str] = {}
    gaps = []
    for code in range(1, top + 1):
        if code in seen:
            out[code] = seen[code]
        else:
            out[code] = f"选项{code}（数据中无人选择，请按原问卷补写）"
            gaps.append(str(code))
    if gaps:
        note(notes, "bankfrom_note_gaps", qid=qid, what=what, codes="、".join(gaps))
    return out


def draft_yaml(draft: Draft, bank_id: str, title: str | None = None) -> str:
    """The draft as bank YAML text (with a header comment saying where it came from)."""
    doc: dict = {
        "id": bank_id,
        "version": 1,
        "title": title or draft.title,
        "description": (
            f"本题库由 surveytool bank-from 根据“{draft.source}”生成。"
            "请在这里写明调查目的、自愿参加、匿名填写和填写时间（约需 N 分钟）。"
        ),
    }
    if draft.scales:
        doc["scales"] = draft.scales
    doc["sections"] = draft.sections
    head = (
        f"# 由 surveytool bank-from 根据 {draft.source} 生成。请核对题目类型和选项，\n"
        "# 补写 role（unit/group/respondent_code）、problem_when 和封面说明后再使用。\n"
    )
    return head + yaml.safe_dump(doc, allow_unicode=True, sort_keys=False, width=1000)
