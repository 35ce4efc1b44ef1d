"""Turn parsed YAML (LineMap/LineList) into model objects, collecting every problem.

Nothing here raises on bad input: each builder records located :class:`Problem` s in a
:class:`Collector` and carries on, so a user sees every problem of a file at once.
"""

from __future__ import annotations

import difflib
from typing import Any

from surveytool.bank.ids import id_problem
from surveytool.bank.model import (
    OTHER_LABEL,
    QUESTION_TYPES,
    ROLES,
    TYPE_NAMES,
    Item,
    Option,
    Question,
    Section,
)
from surveytool.bank.yamlio import LineList, LineMap
from surveytool.errors import Problem, problem

COMMON_KEYS = {"id", "type", "text", "hint", "required", "relevant", "role", "pii"}
TYPE_KEYS: dict[str, set[str]] = {
    "single": {"options", "scale", "other", "other_code", "problem_when", "problem", "identifying"},
    "multi": {
        "options",
        "other",
        "other_code",
        "max_choices",
        "min_choices",
        "exclusive",
        "problem_when",
    },
    "likert": {"scale", "items", "construct", "problem_when"},
    "number": {"unit", "min", "max", "integer"},
    "text": set(),
    "rank": {"options", "max_rank"},
}
ALL_QUESTION_KEYS = COMMON_KEYS.union(*TYPE_KEYS.values())
SECTION_KEYS = {"id", "title", "relevant", "questions", "interview"}
ROLE_TYPES = {"group": ("single",), "unit": ("single",), "respondent_code": ("text",)}
_GOT = {dict: "映射", list: "列表", str: "文字", int: "整数", float: "数字", bool: "真假值"}


def got(value: Any) -> str:
    """The kind of a YAML value, in Chinese (for ``not_mapping`` / ``not_list``)."""
    if value is None:
        return "空值"
    for kind, word in _GOT.items():
        if isinstance(value, kind):
            return word
    return type(value).__name__


def suggest(word: str, choices: Any) -> str:
    """A Chinese near-miss hint, e.g. ``您是不是想写“required”？``; '' if nothing is close."""
    close = difflib.get_close_matches(str(word), [str(c) for c in choices], n=1, cutoff=0.6)
    return f"您是不是想写“{close[0]}”？" if close else ""


def check_id(c: Collector, ident: str, line: int | None) -> None:
    """Record a problem when ``ident`` is not a valid section, question or item id."""
    found = id_problem(ident)
    if found is not None:
        c.err(found[0], line, ident, **found[1])


class Collector:
    """Collects problems for one file; ``err`` records one and returns None."""

    def __init__(self, shown: str, kind: str = "题库"):
        self.shown = shown
        self.kind = kind  # how the file is named in messages (题库, 调研计划)
        self.problems: list[Problem] = []

    def err(self, code: str, line: int | None, qid: str | None = None, /, **values: Any) -> None:
        """Record a problem located at ``line`` of this file (and question ``qid``); the first
        three are positional-only, so a template may use ``{code}`` (an option code)."""
        self.problems.append(
            problem(code, file=self.shown, line=line, field=qid, kind=self.kind, **values)
        )

    def unknown_keys(self, raw: LineMap, allowed: set[str], qid: str | None = None) -> None:
        """Report keys of ``raw`` that are not in ``allowed``, with near-miss suggestions."""
        for key in raw:
            if key not in allowed:
                hint = suggest(key, allowed) or f"可用的设置项：{'、'.join(sorted(allowed))}。"
                self.err("unknown_key", raw.line_of(key), qid, key=key, hint=hint)

    def text(self, raw: LineMap, key: str, qid: str | None, *, required: bool) -> str | None:
        """A non-empty string value (numbers are accepted as text)."""
        value = raw.get(key)
        if value is None:
            if required:
                self.err("missing_key", raw.line, qid, key=key, meaning=_MEANING.get(key, key))
            return None
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            self.err("bad_text", raw.line_of(key), qid, key=key)
            return None
        text = str(value).strip()
        if not text:
            self.err("bad_text", raw.line_of(key), qid, key=key)
            return None
        return text

    def flag(self, raw: LineMap, key: str, qid: str | None) -> bool:
        """A true/false value (default False)."""
        value = raw.get(key, False)
        if isinstance(value, bool):
            return value
        self.err("bad_bool", raw.line_of(key), qid, key=key, value=value)
        return False

    def number(self, raw: LineMap, key: str, qid: str | None) -> float | None:
        """An optional number."""
        value = raw.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.err("bad_number", raw.line_of(key), qid, key=key, value=value)
            return None
        return value

    def mapping(self, value: Any, line: int, what: str, qid: str | None = None) -> LineMap | None:
        """``value`` if it is a mapping, else record ``not_mapping`` and return None."""
        if isinstance(value, LineMap):
            return value
        self.err("not_mapping", line, qid, what=what, got=got(value))
        return None


_MEANING = {
    "id": "编号",
    "version": "版本号",
    "title": "标题",
    "description": "问卷说明：调查目的、匿名承诺、所需时间",
    "sections": "问卷的各个部分",
    "questions": "本部分的题目",
    "type": "题型",
    "text": "题目文字",
}


OPTION_KEYS = {"label", "problem", "none", "missing"}


def _option(c: Collector, code: Any, value: Any, at: int, qid: str) -> Option | None:
    """One option: ``code: 文字`` or ``code: {label: 文字, problem: …, none: …, missing: …}``."""
    extra: dict[str, Any] = {}
    if isinstance(value, LineMap):
        c.unknown_keys(value, OPTION_KEYS, qid)
        label = value.get("label")
        extra = {
            "problem": c.text(value, "problem", qid, required=False),
            "none": c.flag(value, "none", qid),
            "missing": c.flag(value, "missing", qid),
        }
        if extra["none"] and extra["problem"]:
            c.err("none_with_problem", value.line_of("problem"), qid, code=code)
        if extra["none"] and extra["missing"]:
            c.err("none_and_missing", value.line_of("missing"), qid, code=code)
    else:
        label = value
    if (
        isinstance(label, bool)
        or not isinstance(label, str | int | float)
        or not str(label).strip()
    ):
        c.err("bad_option_label", at, qid, code=code)
        return None
    return Option(code, str(label).strip(), **extra)


def build_options(c: Collector, raw: Any, line: int, qid: str, qtype: str) -> tuple[Option, ...]:
    """Parse ``{code: label}`` (a label may be a mapping with problem/none/missing); reports
    bad codes, empty/duplicate labels."""
    if raw is None or (isinstance(raw, dict) and not raw):
        c.err("empty_options", line, qid, qtype=TYPE_NAMES.get(qtype, "选择题"))
        return ()
    m = c.mapping(raw, line, "选项 options", qid)
    if m is None:
        return ()
    out: list[Option] = []
    seen: dict[str, int] = {}
    for code, value in m.items():
        at = m.line_of(code)
        if isinstance(code, bool) or not isinstance(code, int):
            c.err("bad_option_code", at, qid, value=code)
            continue
        option = _option(c, code, value, at, qid)
        if option is None:
            continue
        if option.label in seen:
            c.err(
                "duplicate_option_label",
                at,
                qid,
                label=option.label,
                first=seen[option.label],
                second=code,
            )
        seen[option.label] = code
        out.append(option)
    if len(out) < 2 and len(out) == len(m):
        c.err("empty_options", line, qid, qtype=TYPE_NAMES.get(qtype, "选择题"))
    return tuple(out)


def build_scale(c: Collector, name: Any, raw: Any, line: int) -> tuple[Option, ...] | None:
    """Parse one named scale: ``{code: 文字}``, where an answer such as 不清楚 may be written
    ``code: {label: 不清楚, missing: true}``; None (with a problem) when it is unusable."""
    m = raw if isinstance(raw, LineMap) else None
    if m is None or len(m) < 2 or any(isinstance(k, bool) or not isinstance(k, int) for k in m):
        c.err("bad_scale", line, value=name)
        return None
    out = []
    for code, value in sorted(m.items()):
        if isinstance(value, LineMap):
            c.unknown_keys(value, {"label", "missing"}, str(name))
            label = value.get("label")
            missing = c.flag(value, "missing", str(name))
        else:
            label, missing = value, False
        if not isinstance(label, str) or not label.strip():
            c.err("bad_scale", line, value=name)
            return None
        out.append(Option(code, label.strip(), missing=missing))
    if sum(not o.missing for o in out) < 2:
        c.err("bad_scale", line, value=name)
        return None
    return tuple(out)


def build_items(c: Collector, raw: Any, line: int, qid: str) -> tuple[Item, ...]:
    """Parse likert items: ``{ID: text}`` or ``{ID: {text: …, reverse: true}}``."""
    if not raw:
        c.err("empty_items", line, qid)
        return ()
    m = c.mapping(raw, line, "小题 items", qid)
    if m is None:
        return ()
    out: list[Item] = []
    for iid, value in m.items():
        at = m.line_of(iid)
        check_id(c, str(iid), at)
        problem_phrase = None
        if isinstance(value, LineMap):
            c.unknown_keys(value, {"text", "reverse", "problem"}, str(iid))
            text = c.text(value, "text", str(iid), required=True)
            reverse = c.flag(value, "reverse", str(iid))
            problem_phrase = c.text(value, "problem", str(iid), required=False)
        elif isinstance(value, str) and value.strip():
            text, reverse = value.strip(), False
        else:
            c.err("bad_text", at, str(iid), key=iid)
            continue
        if text is not None:
            out.append(Item(str(iid), text, reverse, at, problem=problem_phrase))
    return tuple(out)


def _choice_limits(c: Collector, raw: LineMap, qid: str, count: int) -> tuple[int | None, ...]:
    limits: list[int | None] = []
    for key in ("max_choices", "min_choices", "max_rank"):
        value = raw.get(key)
        if value is None:
            limits.append(None)
        elif (
            isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= max(count, 1)
        ):
            c.err("bad_choice_limit", raw.line_of(key), qid, key=key, value=value, count=count)
            limits.append(None)
        else:
            limits.append(value)
    lo, hi = limits[1], limits[0]
    if lo is not None and hi is not None and lo > hi:
        c.err("choice_limits_crossed", raw.line_of("min_choices"), qid, min=lo, max=hi)
    return tuple(limits)


def _other_code(c: Collector, raw: LineMap, qid: str, options: tuple[Option, ...]) -> int | None:
    given = raw.get("other_code")
    if given is None:
        return max((o.code for o in options), default=0) + 1
    if isinstance(given, bool) or not isinstance(given, int):
        c.err("bad_option_code", raw.line_of("other_code"), qid, value=given)
        return None
    for o in options:
        if o.code == given:
            c.err("other_code_taken", raw.line_of("other_code"), qid, value=given, label=o.label)
            return None
    return given


def _type_checks(c: Collector, raw: LineMap, qid: str, qtype: str) -> None:
    """Keys that exist but belong to other question types."""
    if "reverse" in raw:
        if qtype == "likert":
            c.err(
                "unknown_key",
                raw.line_of("reverse"),
                qid,
                key="reverse",
                hint="反向计分请写在具体小题上，例如 B2_2: {text: …, reverse: true}。",
            )
        else:
            c.err("reverse_outside_likert", raw.line_of("reverse"), qid)
    for key in raw:
        if key in ALL_QUESTION_KEYS and key not in COMMON_KEYS and key not in TYPE_KEYS[qtype]:
            if key in ("other", "other_code"):
                c.err("other_not_choice", raw.line_of(key), qid)
                continue
            types = "、".join(TYPE_NAMES[t] for t in QUESTION_TYPES if key in TYPE_KEYS[t])
            c.err(
                "not_for_type", raw.line_of(key), qid, key=key, types=types, qtype=TYPE_NAMES[qtype]
            )
    c.unknown_keys(raw, ALL_QUESTION_KEYS | {"reverse"}, qid)


def build_question(
    c: Collector, raw: Any, line: int, section: str, scales: dict[str, tuple[Option, ...]]
) -> Question | None:
    """Parse one question; returns None when it is too broken to use."""
    m = c.mapping(raw, line, "题目")
    if m is None:
        return None
    qid = c.text(m, "id", None, required=True)
    if qid is None:
        return None
    check_id(c, qid, m.line_of("id"))
    qtype = m.get("type")
    if qtype not in QUESTION_TYPES:
        if qtype is None:
            c.err("missing_key", m.line, qid, key="type", meaning=_MEANING["type"])
        else:
            c.err(
                "bad_question_type",
                m.line_of("type"),
                qid,
                value=qtype,
                hint=suggest(qtype, QUESTION_TYPES),
            )
        return None
    _type_checks(c, m, qid, qtype)
    text = c.text(m, "text", qid, required=True) or ""
    kw: dict[str, Any] = {
        "hint": c.text(m, "hint", qid, required=False),
        "required": c.flag(m, "required", qid),
        "pii": c.flag(m, "pii", qid),
        "role": _role(c, m, qid, qtype),
        "relevant": c.text(m, "relevant", qid, required=False),
    }
    kw.update(_typed_parts(c, m, qid, qtype, scales))
    if "problem_when" in m and "problem_when" in TYPE_KEYS[qtype]:
        value = m["problem_when"]
        if value not in ("high", "low"):
            c.err("bad_problem_when", m.line_of("problem_when"), qid, value=value)
        else:
            kw["problem_when"] = value
    if qtype == "single":
        kw["identifying"] = c.flag(m, "identifying", qid)
    if "problem" in m and "problem" in TYPE_KEYS[qtype]:
        kw["problem"] = c.text(m, "problem", qid, required=False)
        if kw.get("scale") is None:
            c.err("problem_needs_scale", m.line_of("problem"), qid)
    return Question(qid, qtype, text, section, line=m.line, **kw)


def _role(c: Collector, m: LineMap, qid: str, qtype: str) -> str | None:
    role = m.get("role")
    if role is None:
        return None
    if role not in ROLES:
        c.err("bad_role", m.line_of("role"), qid, value=role)
        return None
    if qtype not in ROLE_TYPES[role]:
        types = "、".join(TYPE_NAMES[t] for t in ROLE_TYPES[role])
        c.err("role_type", m.line_of("role"), qid, role=role, types=types)
    return role


def _typed_parts(
    c: Collector, m: LineMap, qid: str, qtype: str, scales: dict[str, tuple[Option, ...]]
) -> dict[str, Any]:
    """The type-specific attributes of a question."""
    if qtype in ("single", "multi", "rank"):
        return _choice_parts(c, m, qid, qtype, scales)
    if qtype == "likert":
        scale = m.get("scale")
        if scale is None:
            c.err("likert_needs_scale", m.line, qid, hint=_scale_hint(scales))
        elif scale not in scales:
            c.err(
                "unknown_scale",
                m.line_of("scale"),
                qid,
                value=scale,
                hint=suggest(scale, scales) or _scale_hint(scales),
            )
        return {
            "scale": scale,
            "items": build_items(c, m.get("items"), m.line_of("items"), qid),
            "construct": c.text(m, "construct", qid, required=False),
        }
    if qtype == "number":
        lo, hi = c.number(m, "min", qid), c.number(m, "max", qid)
        if lo is not None and hi is not None and lo > hi:
            c.err("min_gt_max", m.line_of("min"), qid, min=lo, max=hi)
        return {
            "min": lo,
            "max": hi,
            "integer": c.flag(m, "integer", qid),
            "unit": c.text(m, "unit", qid, required=False),
        }
    return {}


def _scale_hint(scales: dict[str, tuple[Option, ...]]) -> str:
    if not scales:
        return "请在 scales 中定义量表，或 include: [scales] 引用通用量表。"
    return f"已定义的量表：{'、'.join(scales)}。"


def _choice_parts(
    c: Collector, m: LineMap, qid: str, qtype: str, scales: dict[str, tuple[Option, ...]]
) -> dict[str, Any]:
    scale = m.get("scale")
    if qtype == "single" and scale is not None:
        if "options" in m:
            c.err("options_and_scale", m.line_of("scale"), qid)
        if scale not in scales:
            c.err(
                "unknown_scale",
                m.line_of("scale"),
                qid,
                value=scale,
                hint=suggest(scale, scales) or _scale_hint(scales),
            )
        options: tuple[Option, ...] = ()
    else:
        options = build_options(c, m.get("options"), m.line_of("options"), qid, qtype)
    other = c.flag(m, "other", qid) if qtype != "rank" else False
    choices = options or scales.get(scale or "", ())
    for o in choices:
        if o.label == OTHER_LABEL and other:
            c.err(
                "duplicate_option_label",
                m.line_of("other"),
                qid,
                label=o.label,
                first=o.code,
                second="other",
            )
    hi, lo, top = _choice_limits(c, m, qid, len(choices) + int(other))
    exclusive = m.get("exclusive") or []
    codes = [o.code for o in choices]
    if not isinstance(exclusive, list):
        exclusive = [exclusive]
    for code in exclusive:
        if code not in codes:
            c.err(
                "exclusive_unknown",
                m.line_of("exclusive"),
                qid,
                value=code,
                codes="、".join(map(str, codes)),
            )
    return {
        "options": options,
        "scale": scale if qtype == "single" else None,
        "other": other,
        "other_code": _other_code(c, m, qid, choices) if other else None,
        "max_choices": hi,
        "min_choices": lo,
        "max_rank": top,
        "exclusive": tuple(x for x in exclusive if x in codes),
    }


def build_section(
    c: Collector, raw: Any, line: int, scales: dict[str, tuple[Option, ...]]
) -> Section | None:
    """Parse one section and its questions."""
    m = c.mapping(raw, line, "部分（section）")
    if m is None:
        return None
    sid = c.text(m, "id", None, required=True)
    if sid is None:
        return None
    check_id(c, sid, m.line_of("id"))
    c.unknown_keys(m, SECTION_KEYS, sid)
    title = c.text(m, "title", sid, required=True) or sid
    raw_questions = m.get("questions")
    questions: list[Question] = []
    if not raw_questions:
        c.err("empty_section", m.line, sid)
    elif not isinstance(raw_questions, LineList):
        c.err("not_list", m.line_of("questions"), sid, what="questions", got=got(raw_questions))
    else:
        for item, at in zip(raw_questions, raw_questions.lines, strict=True):
            q = build_question(c, item, at, sid, scales)
            if q is not None:
                questions.append(q)
    relevant = c.text(m, "relevant", sid, required=False)
    interview = None
    if "interview" in m:
        from surveytool.bank.interview import build_interview

        interview = build_interview(c, m["interview"], m.line_of("interview"), sid)
    return Section(
        sid, title, tuple(questions), relevant=relevant, line=m.line, interview=interview
    )
