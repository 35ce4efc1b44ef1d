"""The questionnaire-quality lint: what ``surveytool check`` warns about (``--strict``: errors).

A bank can be valid and still be a poor questionnaire. :func:`lint` runs one function per
rule over a loaded :class:`~surveytool.bank.model.Bank` and the YAML it came from (for the
file and line of each option, scale and description) and returns located
:class:`~surveytool.errors.Problem` s, messages from the catalogue:

1. numeric ranges in option labels that overlap or leave gaps (:mod:`lint_ranges`);
2. a likert item asking two things at once (:mod:`lint_wording`);
3. loaded words in items and question texts;
4. an agreement scale whose midpoint is not neutral;
5. a construct without a reversed item, or with fewer than 3 items;
6. a ``problem_when`` question with items or options lacking a ``problem`` phrase;
7. a description without purpose, anonymity, voluntariness and time needed;
8. a ``pii`` question under a description that promises anonymity;
9. a stated completion time far from the one estimated from the questions;
10. profile questions that could identify a person in a unit, not marked ``identifying``.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from surveytool.bank.lint_ranges import range_faults
from surveytool.bank.lint_wording import (
    double_barrelled,
    loaded_words,
    non_neutral_midpoint,
)
from surveytool.bank.loader import _block_path, load_bank
from surveytool.bank.model import Bank, Question
from surveytool.bank.yamlio import LineList, LineMap, read_yaml
from surveytool.errors import Problem, problem


@dataclass
class RawBank:
    """Where things were written: the bank file and its included blocks, as parsed YAML.

    ``questions`` maps a question id to (file shown, its YAML mapping); ``scales`` a scale
    name to (file shown, line of its definition).
    """

    file: str
    top: LineMap
    questions: dict[str, tuple[str, LineMap]] = field(default_factory=dict)
    scales: dict[str, tuple[str, int]] = field(default_factory=dict)

    def where(self, qid: str) -> tuple[str, int | None]:
        """(file, line) of question ``qid``."""
        shown, m = self.questions.get(qid, (self.file, None))
        return shown, m.line if m is not None else None

    def option_line(self, qid: str, code: int) -> int | None:
        """The line of option ``code`` of question ``qid`` (the question's line if unknown)."""
        m = self.questions.get(qid, (self.file, None))[1]
        if m is None:
            return None
        options = m.get("options")
        return options.line_of(code) if isinstance(options, LineMap) else m.line


def read_raw(bank: Bank) -> RawBank:
    """The YAML of ``bank`` (its file and every included block), for locating problems.
    Call it on a bank that loaded: it assumes the files parse. A bank built in memory (no
    path) gets an empty one: its problems carry no file or line."""
    if bank.path is None:
        return RawBank("", LineMap(0))
    path = Path(bank.path)
    top = read_yaml(path, path.name)
    raw = RawBank(path.name, top)
    include = top.get("include") or []
    for name in include if isinstance(include, list) else [include]:
        block = _block_path(str(name), path)
        if block is not None:
            _collect(raw, read_yaml(block, f"blocks/{block.name}"), f"blocks/{block.name}")
    _collect(raw, top, path.name)
    return raw


def _collect(raw: RawBank, data: Any, shown: str) -> None:
    if not isinstance(data, LineMap):
        return
    scales = data.get("scales")
    if isinstance(scales, LineMap):
        for name in scales:
            raw.scales[str(name)] = (shown, scales.line_of(name))
    sections = data.get("sections")
    for s in sections if isinstance(sections, LineList) else []:
        questions = s.get("questions") if isinstance(s, LineMap) else None
        for q in questions if isinstance(questions, LineList) else []:
            if isinstance(q, LineMap) and q.get("id") is not None:
                raw.questions[str(q["id"])] = (shown, q)


def _at(raw: RawBank, code: str, q: Question, line: int | None = None, **values: Any) -> Problem:
    """A lint problem located at question ``q`` (or at ``line`` of q's file)."""
    shown, qline = raw.where(q.id)
    return problem(code, file=shown, line=line or qline, field=q.id, **values)


# --- 1. ranges -------------------------------------------------------------------------------


def rule_ranges(bank: Bank, raw: RawBank) -> list[Problem]:
    """Single-choice options whose numeric ranges overlap or leave a gap."""
    out = []
    for q in bank.questions:
        if q.type != "single" or not q.options:
            continue
        labels = [o.label for o in q.options]
        for fault in range_faults(labels):
            second = q.options[fault.second]
            out.append(
                _at(
                    raw,
                    f"lint_range_{fault.kind}",
                    q,
                    raw.option_line(q.id, second.code),
                    first=labels[fault.first],
                    second=second.label,
                    value=fault.value,
                    fixed_first=fault.fixed[0],
                    fixed_second=fault.fixed[1],
                )
            )
    return out


# --- 2.–4. wording -------------------------------------------------------------------------


def rule_double_barrelled(bank: Bank, raw: RawBank) -> list[Problem]:
    """Likert items joining two objects (in their subject) or two claims."""
    out = []
    for q in bank.questions:
        for item in q.items:
            found = double_barrelled(item.text)
            if found is None:
                continue
            kind, word = found
            code = "lint_double_barrelled" if kind == "objects" else "lint_two_claims"
            out.append(_at(raw, code, q, item.line, item=item.id, text=item.text, word=word))
    return out


def rule_loaded_words(bank: Bank, raw: RawBank) -> list[Problem]:
    """Loaded words (过于, 偏少, 难道, 是否应该, 存在的…问题 …) in question texts and items."""
    out = []
    for q in bank.questions:
        for code, word in loaded_words(q.text):
            out.append(_at(raw, code, q, what="题目", text=q.text, word=word))
        for item in q.items:
            for code, word in loaded_words(item.text):
                what = f"小题 {item.id}"
                out.append(_at(raw, code, q, item.line, what=what, text=item.text, word=word))
    return out


def rule_scale_midpoint(bank: Bank, raw: RawBank) -> list[Problem]:
    """Agreement scales in use whose middle option is not neutral (一般 in 非常不同意…)."""
    users: dict[str, list[str]] = {}
    for q in bank.questions:
        if q.scale:
            users.setdefault(q.scale, []).append(q.id)
    out = []
    for name, qids in users.items():
        labels = [o.label for o in bank.scales.get(name, ()) if not o.missing]
        mid = non_neutral_midpoint(labels)
        if mid is None:
            continue
        shown, line = raw.scales.get(name, (raw.file, None))
        values = {"labels": "、".join(labels), "questions": "、".join(qids)}
        out.append(
            problem("lint_scale_midpoint", file=shown, line=line, scale=name, mid=mid, **values)
        )
    return out


# --- 5.–6. batteries and problem phrases ---------------------------------------------------


MIN_CONSTRUCT_ITEMS = 3


def rule_constructs(bank: Bank, raw: RawBank) -> list[Problem]:
    """Constructs with fewer than 3 items, or with no reverse-keyed item."""
    out = []
    for name, items in bank.constructs().items():
        first = next(q for q in bank.questions if q.construct == name)
        ids = "、".join(i.id for i in items)
        if len(items) < MIN_CONSTRUCT_ITEMS:
            code = "lint_construct_few_items"
            out.append(_at(raw, code, first, construct=name, count=len(items), items=ids))
        if not any(i.reverse for i in items):
            code = "lint_construct_no_reverse"
            out.append(_at(raw, code, first, construct=name, count=len(items), items=ids))
    return out


def rule_problem_phrases(bank: Bank, raw: RawBank) -> list[Problem]:
    """``problem_when`` questions with items or options that have no ``problem`` phrase."""
    out = []
    for q in bank.questions:
        if q.problem_when is None:
            continue
        if q.type == "likert":
            what, lacking = "小题", [i.id for i in q.items if not i.problem]
        elif q.options:
            what = "选项"
            lacking = [
                f"{o.code}（{o.label}）"
                for o in q.options
                if not (o.problem or o.none or o.missing)
            ]
        else:  # a single question on a scale: one phrase for the question
            what, lacking = "题目", [] if q.problem else [q.id]
        if lacking:
            out.append(_at(raw, "lint_no_problem_phrase", q, what=what, ids="、".join(lacking)))
    return out


# --- 7.–9. the cover: description, anonymity, time -------------------------------------------

_PARTS = (
    ("调查目的", re.compile(r"目的|为了|了解")),
    ("匿名承诺", re.compile(r"匿名")),
    ("自愿参加的说明", re.compile(r"自愿")),
)
_STATED = re.compile(r"约需要?\s*(\d+)\s*(?:[～~\-—至到]\s*(\d+)\s*)?分钟")


def _description_line(raw: RawBank) -> int | None:
    return raw.top.line_of("description") or None


def rule_description(bank: Bank, raw: RawBank) -> list[Problem]:
    """A description without purpose, anonymity, voluntariness or the time needed."""
    text = bank.description
    missing = [name for name, pattern in _PARTS if not pattern.search(text)]
    if stated_minutes(text) is None:
        missing.append("所需时间（约需 N 分钟）")
    if not missing:
        return []
    line = _description_line(raw)
    return [problem("lint_description_parts", file=raw.file, line=line, missing="、".join(missing))]


def rule_pii_anonymous(bank: Bank, raw: RawBank) -> list[Problem]:
    """``pii: true`` questions in a bank whose description promises anonymity."""
    if "匿名" not in bank.description:
        return []
    return [_at(raw, "lint_pii_anonymous", q) for q in bank.questions if q.pii]


# Seconds a respondent needs, by question type (per item / per ranked option where noted).
SECONDS = {"single": 8, "multi": 12, "likert": 6, "number": 12, "rank": 5, "text": 45}
READING_CHARS_PER_SECOND = 5  # reading the description: about 300 Chinese characters a minute
_TYPE_WORDS = {
    "single": "单选 {n} 题",
    "multi": "多选 {n} 题",
    "likert": "量表小题 {n} 个",
    "number": "数字 {n} 题",
    "rank": "排序选项 {n} 个",
    "text": "文字 {n} 题",
}


def stated_minutes(description: str) -> float | None:
    """The time the description states (「约需 12 分钟」, 「约需10～15分钟」: the middle)."""
    m = _STATED.search(description)
    if m is None:
        return None
    lo = int(m.group(1))
    return (lo + int(m.group(2))) / 2 if m.group(2) else float(lo)


def time_counts(bank: Bank) -> dict[str, int]:
    """How many answers of each kind the time estimate counts: questions, likert items,
    rank options."""
    counts = dict.fromkeys(SECONDS, 0)
    for q in bank.questions:
        if q.type == "likert":
            counts["likert"] += len(q.items)
        elif q.type == "rank":
            counts["rank"] += len(q.options)
        else:
            counts[q.type] += 1
    return counts


def estimate_minutes(bank: Bank) -> int:
    """Estimated completion time in whole minutes (rounded up): every question asked, at the
    seconds of :data:`SECONDS`, plus reading the description."""
    seconds = sum(SECONDS[k] * n for k, n in time_counts(bank).items())
    seconds += len(bank.description) / READING_CHARS_PER_SECOND
    return math.ceil(seconds / 60)


def rule_time(bank: Bank, raw: RawBank) -> list[Problem]:
    """A stated time off the estimate by more than half and more than 3 minutes."""
    stated = stated_minutes(bank.description)
    if stated is None:
        return []  # rule_description says so
    estimate = estimate_minutes(bank)
    if abs(estimate - stated) <= max(0.5 * stated, 3):
        return []
    counts = time_counts(bank)
    detail = "、".join(_TYPE_WORDS[k].format(n=n) for k, n in counts.items() if n)
    return [
        problem(
            "lint_time",
            file=raw.file,
            line=_description_line(raw),
            stated=f"{stated:g}",
            estimate=estimate,
            detail=detail,
        )
    ]


# --- 10. identifying combinations ------------------------------------------------------------

RARE_WORDS = ("负责人", "书记", "院长", "校长", "所长", "主任", "国家级", "正高级")
RARE_WORDS += ("董事长", "总经理", "院士")


def _rare_option(q: Question) -> str | None:
    for o in q.options:
        if any(word in o.label for word in RARE_WORDS):
            return o.label
    return None


def rule_identifying(bank: Bank, raw: RawBank) -> list[Problem]:
    """With a unit question, two or more profile questions having a rare option (单位负责人,
    国家级人才…) must be marked ``identifying: true``."""
    units = [q for q in bank.questions if q.role == "unit"]
    profile = [
        (q, label)
        for q in bank.questions
        if q.role == "group" and q.type == "single" and (label := _rare_option(q))
    ]
    if not units or len(profile) < 2:
        return []
    out = []
    for q, label in profile:
        if q.identifying:
            continue
        others = "、".join(p.id for p, _ in profile if p.id != q.id)
        out.append(_at(raw, "lint_identifying", q, label=label, unit=units[0].id, others=others))
    return out


RULES: tuple[Callable[[Bank, RawBank], list[Problem]], ...] = (
    rule_ranges,
    rule_double_barrelled,
    rule_loaded_words,
    rule_scale_midpoint,
    rule_constructs,
    rule_problem_phrases,
    rule_description,
    rule_pii_anonymous,
    rule_time,
    rule_identifying,
)


def lint(bank: Bank, raw: RawBank) -> list[Problem]:
    """Every quality warning of ``bank``, ordered by file (the bank's own first) and line."""
    found = [p for rule in RULES for p in rule(bank, raw)]
    return sorted(found, key=lambda p: (p.file != raw.file, p.file or "", p.line or 0))


def lint_bank(name: str | Path) -> list[Problem]:
    """Load a bank (built-in id or path) and lint it; raises BankError if it does not load."""
    bank = load_bank(name)
    return lint(bank, read_raw(bank))
