"""A bank's sections as the themes of a 座谈/访谈/研讨 outline, and the optional per-section
``interview`` block that authors them (see docs/bank-format.md, *Interview themes*).

A section with an ``interview`` block becomes a theme with the block's prompts and probes;
a section without one is a theme when it asks something beyond the respondent's profile,
with prompts written from its questions (:func:`themes`). The block's ``keywords`` extend the
lexicon that codes interview notes to the theme (``analysis.themes``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Protocol

from surveytool.bank.model import Bank, Interview, Question, Section

INTERVIEW_KEYS = {"theme", "prompts", "probes", "keywords", "skip"}
MIN_PROMPTS, MAX_PROMPTS = 2, 4
MAX_PROBES = 6
KEYWORD = re.compile(r"^[\u4e00-\u9fffA-Za-z0-9]{2,12}$")
PROBES = (
    "能否举一个最近遇到的具体例子？",
    "这种情况在您身边普遍吗？影响有多大？",
    "您认为主要原因是什么？",
)


class _Collects(Protocol):
    """What the bank builder's Collector offers (build.Collector)."""

    def err(self, code: str, line: int | None, qid: str | None = None, /, **v: Any) -> None: ...
    def unknown_keys(self, raw: Any, allowed: set[str], qid: str | None = None) -> None: ...
    def text(self, raw: Any, key: str, qid: str | None, *, required: bool) -> str | None: ...
    def flag(self, raw: Any, key: str, qid: str | None) -> bool: ...
    def mapping(self, value: Any, line: int, what: str, qid: str | None = None) -> Any: ...


def build_interview(c: _Collects, raw: Any, line: int, sid: str) -> Interview | None:
    """Parse a section's ``interview`` block, recording located problems in ``c``; returns
    the block, or None when it is not a mapping."""
    m = c.mapping(raw, line, "访谈提纲 interview", sid)
    if m is None:
        return None
    c.unknown_keys(m, INTERVIEW_KEYS, sid)
    prompts = _texts(c, m, "prompts", sid)
    if "prompts" in m and not MIN_PROMPTS <= len(prompts) <= MAX_PROMPTS:
        c.err("interview_prompts", m.line_of("prompts"), sid, count=len(prompts))
    probes = _texts(c, m, "probes", sid)
    if len(probes) > MAX_PROBES:
        c.err("interview_probes", m.line_of("probes"), sid, count=len(probes), limit=MAX_PROBES)
    keywords = _texts(c, m, "keywords", sid)
    for word in keywords:
        if not KEYWORD.match(word):
            c.err("interview_keyword", m.line_of("keywords"), sid, value=word)
    return Interview(
        theme=c.text(m, "theme", sid, required=False),
        prompts=prompts,
        probes=probes,
        keywords=tuple(w for w in keywords if KEYWORD.match(w)),
        skip=c.flag(m, "skip", sid),
    )


def _texts(c: _Collects, m: Any, key: str, sid: str) -> tuple[str, ...]:
    """A list of non-empty texts under ``key`` (absent: empty)."""
    raw = m.get(key)
    if raw is None:
        return ()
    if not isinstance(raw, list):
        c.err("not_list", m.line_of(key), sid, what=f"interview 的 {key}", got=_kind(raw))
        return ()
    out = []
    for value in raw:
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            c.err("bad_text", m.line_of(key), sid, key=key)
        elif str(value).strip():
            out.append(str(value).strip())
    return tuple(out)


def _kind(value: Any) -> str:
    return "映射" if isinstance(value, dict) else "文字" if isinstance(value, str) else "其他内容"


@dataclass(frozen=True)
class Theme:
    """One theme of an outline and of notes coding: a section of the bank."""

    id: str  # the section id
    name: str
    prompts: tuple[str, ...]
    probes: tuple[str, ...]
    keywords: tuple[str, ...]  # authored in the bank (the coder adds words of the section)
    section: Section


def _profile_only(s: Section) -> bool:
    """A section that only asks who the respondent is (roles, personal data)."""
    return all(q.role or q.pii for q in s.questions)


def themes(bank: Bank) -> list[Theme]:
    """The bank's themes in questionnaire order: sections with an ``interview`` block (unless
    ``skip``), and sections without one that ask more than the respondent's profile."""
    out = []
    for s in bank.sections:
        block = s.interview
        if block is not None and block.skip:
            continue
        if block is None and _profile_only(s):
            continue
        prompts = block.prompts if block and block.prompts else generated_prompts(s)
        probes = block.probes if block and block.probes else PROBES
        name = (block.theme if block and block.theme else None) or s.title
        out.append(Theme(s.id, name, prompts, probes, block.keywords if block else (), s))
    return out


def _short(text: str, limit: int = 24) -> str:
    text = re.sub(r"[（(][^）)]*[）)]", "", text).strip().rstrip("？?。")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _question_prompt(q: Question) -> str | None:
    """An open prompt written from one closed question."""
    if q.type == "likert" and q.items:
        what = "、".join(f"“{_short(i.text, 16)}”" for i in q.items[:3])
        return f"问卷请大家评价了{what}等情况，您身边哪些情况最突出？请举例说明。"
    if q.type in ("multi", "rank") and q.options:
        picks = [o for o in q.options if not (o.none or o.missing)][:3]
        what = "、".join(f"“{_short(o.label, 12)}”" for o in picks)
        return f"关于“{_short(q.text)}”，问卷列出了{what}等，您最有体会的是哪些？为什么？"
    if q.type == "text":
        return q.text if q.text.endswith(("？", "?", "。")) else q.text + "？"
    return f"关于“{_short(q.text)}”，您的实际情况如何？"


def generated_prompts(s: Section) -> tuple[str, ...]:
    """2–4 open prompts for a section without an ``interview`` block: its overall experience,
    up to two of its questions (those marking problems first), and suggestions."""
    asked = [q for q in s.questions if not (q.role or q.pii)]
    asked.sort(key=lambda q: q.problem_when is None)
    middle = [p for p in (_question_prompt(q) for q in asked[:2]) if p]
    return (
        f"请结合自己的经历，谈谈在“{s.title}”方面的总体感受。",
        *middle,
        f"针对“{s.title}”方面存在的问题，您有哪些改进建议？",
    )


__all__ = ["Theme", "build_interview", "generated_prompts", "themes"]
