"""The question-bank model: plain, immutable data every later stage reads.

A :class:`Bank` holds sections of questions; each question yields one or more answer
:class:`Field` s — the columns of a collection sheet, the answer cells of a form, the
columns of the response store. Field kinds:

===========  =========================================  ==========================
kind         value                                      produced by
===========  =========================================  ==========================
``single``   an option code                             single
``likert``   a code on the item's scale                 each likert item
``flag``     1 (picked) / 0 (not picked)                each multi option
``rank``     rank 1..max_rank of the option             each rank option
``number``   a number within [min, max]                 number
``text``     free text                                  text
``other``    the text of 其他（请注明）                  single/multi with other
===========  =========================================  ==========================
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from surveytool.bank import expr

QUESTION_TYPES = ("single", "multi", "likert", "number", "text", "rank")
TYPE_NAMES = {
    "single": "单选题",
    "multi": "多选题",
    "likert": "量表题",
    "number": "数字题",
    "text": "文字题",
    "rank": "排序题",
}
ROLES = ("group", "unit", "respondent_code")
OTHER_LABEL = "其他（请注明）"
CODE_KINDS = ("single", "likert")


@dataclass(frozen=True)
class Option:
    """One answer option: integer ``code`` and its ``label``.

    ``problem`` is the short phrase naming the problem this option stands for when picked
    (e.g. 申报材料过于繁琐); ``none`` marks an option meaning "no problem / none of these"
    (never a problem, and its direction is the opposite of the question's); ``missing``
    marks 不清楚/不适用: counted and shown, but out of percentage bases, means, reliability
    and tests (as SPSS user-missing values).
    """

    code: int
    label: str
    problem: str | None = field(default=None, compare=False)
    none: bool = field(default=False, compare=False)
    missing: bool = field(default=False, compare=False)


@dataclass(frozen=True)
class Item:
    """One row of a likert question."""

    id: str
    text: str
    reverse: bool = False
    line: int | None = None
    problem: str | None = None  # the problem phrase, in the problem's direction


@dataclass(frozen=True)
class Question:
    """One question as written in the bank (type-specific attributes are None when unused)."""

    id: str
    type: str
    text: str
    section: str
    line: int | None = None
    hint: str | None = None
    required: bool = False
    relevant: str | None = None
    relevant_tree: expr.Node | None = None
    role: str | None = None
    pii: bool = False
    options: tuple[Option, ...] = ()
    scale: str | None = None
    other: bool = False
    other_code: int | None = None
    max_choices: int | None = None
    min_choices: int | None = None
    exclusive: tuple[int, ...] = ()
    items: tuple[Item, ...] = ()
    construct: str | None = None
    unit: str | None = None
    min: float | None = None
    max: float | None = None
    integer: bool = False
    max_rank: int | None = None
    problem_when: str | None = None  # likert/multi/single: "high" or "low" answers mark a problem
    problem: str | None = None  # single with a scale: the problem phrase of the question
    # single: an answer few people in a unit give (单位负责人, 国家级人才): never a default
    # breakdown, never crossed with the unit question (see analysis.run)
    identifying: bool = False

    @property
    def type_name(self) -> str:
        """The question type in Chinese (单选题…)."""
        return TYPE_NAMES[self.type]


@dataclass(frozen=True)
class Interview:
    """A section's optional ``interview`` block: how the section reads as a theme of a
    座谈/访谈 outline (``theme``, 2–4 open ``prompts``, follow-up ``probes``) and which
    ``keywords`` code interview notes to it; ``skip`` leaves the section out."""

    theme: str | None = None
    prompts: tuple[str, ...] = ()
    probes: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    skip: bool = False


@dataclass(frozen=True)
class Section:
    """A titled group of questions, optionally asked only when ``relevant`` holds."""

    id: str
    title: str
    questions: tuple[Question, ...]
    relevant: str | None = None
    relevant_tree: expr.Node | None = None
    line: int | None = None
    interview: Interview | None = field(default=None, compare=False)


@dataclass(frozen=True)
class Field:
    """One answer value of one respondent: a column of the collection sheet and the store.

    ``label`` is what a person reads for this field alone (question text, plus the item or
    option); ``options`` are the allowed codes for ``single``/``likert`` kinds.
    """

    id: str
    question: str
    kind: str
    label: str
    options: tuple[Option, ...] = ()
    option: Option | None = None  # the option a flag/rank field stands for
    reverse: bool = False
    min: float | None = None
    max: float | None = None
    integer: bool = False
    unit: str | None = None

    @property
    def codes(self) -> tuple[int, ...]:
        """Allowed codes of a single/likert field (empty for other kinds)."""
        return tuple(o.code for o in self.options)

    @property
    def missing_codes(self) -> tuple[int, ...]:
        """Codes meaning 不清楚/不适用 (out of bases, means and tests)."""
        return tuple(o.code for o in self.options if o.missing)

    @property
    def scale_options(self) -> tuple[Option, ...]:
        """The substantive options (without 不清楚/不适用), in code order for scales."""
        return tuple(o for o in self.options if not o.missing)


@dataclass(frozen=True)
class Bank:
    """A validated question bank. Build one with :func:`surveytool.bank.load_bank`."""

    id: str
    version: int
    title: str
    description: str
    sections: tuple[Section, ...]
    scales: dict[str, tuple[Option, ...]]
    topic: int | None = None
    path: Path | None = None
    fields: tuple[Field, ...] = field(default=(), compare=False)

    def __post_init__(self) -> None:
        if not self.fields:
            object.__setattr__(self, "fields", tuple(derive_fields(self)))

    @property
    def questions(self) -> tuple[Question, ...]:
        """All questions in order."""
        return tuple(q for s in self.sections for q in s.questions)

    def question(self, qid: str) -> Question:
        """The question with id ``qid`` (KeyError if none)."""
        for q in self.questions:
            if q.id == qid:
                return q
        raise KeyError(qid)

    def field(self, fid: str) -> Field:
        """The answer field with id ``fid`` (KeyError if none)."""
        for f in self.fields:
            if f.id == fid:
                return f
        raise KeyError(fid)

    def section_of(self, qid: str) -> Section:
        """The section that holds question ``qid``."""
        for s in self.sections:
            if any(q.id == qid for q in s.questions):
                return s
        raise KeyError(qid)

    def constructs(self) -> dict[str, list[Item]]:
        """Construct name -> its likert items, in bank order."""
        out: dict[str, list[Item]] = {}
        for q in self.questions:
            if q.type == "likert" and q.construct:
                out.setdefault(q.construct, []).extend(q.items)
        return out

    def role_fields(self, role: str) -> list[Field]:
        """The fields of the questions that carry ``role``."""
        qids = {q.id for q in self.questions if q.role == role}
        return [f for f in self.fields if f.question in qids and f.kind != "other"]


def question_options(q: Question, scales: dict[str, tuple[Option, ...]]) -> tuple[Option, ...]:
    """The options a choice question offers, including 其他（请注明） when ``other`` is set."""
    opts = q.options or scales.get(q.scale or "", ())
    if q.other and q.other_code is not None:
        opts = (*opts, Option(q.other_code, OTHER_LABEL))
    return opts


def fields_of(q: Question, scales: dict[str, tuple[Option, ...]]) -> list[Field]:
    """The answer fields one question produces (see the module docstring)."""
    opts = question_options(q, scales)
    other = [Field(f"{q.id}_other", q.id, "other", f"{q.text}（其他，请注明）")] if q.other else []
    if q.type == "single":
        return [Field(q.id, q.id, "single", q.text, options=opts), *other]
    if q.type == "multi":
        flags = [
            Field(f"{q.id}_{o.code}", q.id, "flag", f"{q.text}：{o.label}", option=o) for o in opts
        ]
        return [*flags, *other]
    if q.type == "rank":
        top = q.max_rank or len(opts)
        return [
            Field(
                f"{q.id}_{o.code}",
                q.id,
                "rank",
                f"{q.text}：{o.label}",
                option=o,
                min=1,
                max=top,
                integer=True,
            )
            for o in opts
        ]
    if q.type == "likert":
        scale = scales.get(q.scale or "", ())
        return [
            Field(i.id, q.id, "likert", i.text, options=scale, reverse=i.reverse) for i in q.items
        ]
    if q.type == "number":
        return [
            Field(
                q.id, q.id, "number", q.text, min=q.min, max=q.max, integer=q.integer, unit=q.unit
            )
        ]
    return [Field(q.id, q.id, "text", q.text)]


def derive_fields(bank: Bank) -> list[Field]:
    """All answer fields of a bank, in questionnaire order."""
    return [f for q in bank.questions for f in fields_of(q, bank.scales)]
