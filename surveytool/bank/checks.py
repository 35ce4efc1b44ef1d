"""Whole-bank checks that need every question: unique ids and skip logic.

Runs after :mod:`surveytool.bank.build` parsed each section; records problems in the
collector of the file where each question was written (banks and included blocks).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from surveytool.bank import expr
from surveytool.bank.build import Collector, suggest
from surveytool.bank.ids import MAX_ID_LENGTH
from surveytool.bank.model import Option, Question, Section, fields_of, question_options


@dataclass
class _Name:
    """What a name in a ``relevant`` expression may refer to."""

    kind: str  # single | likert | number | flag | rank | multi | text | other | group
    codes: tuple[int, ...] = ()
    example: str = ""
    type_name: str = ""


def _names_of(q: Question, scales: dict[str, tuple[Option, ...]]) -> dict[str, _Name]:
    """Names a later question may use for question ``q`` and its fields."""
    out: dict[str, _Name] = {}
    fields = fields_of(q, scales)
    for f in fields:
        out[f.id] = _Name(f.kind, f.codes)
    if q.type == "multi":
        codes = tuple(o.code for o in question_options(q, scales))
        out[q.id] = _Name("multi", codes)
    elif q.type in ("likert", "rank"):
        out[q.id] = _Name("group", example=fields[0].id if fields else "", type_name=q.type_name)
    return out


@dataclass
class Located:
    """A section with the collector of the file it came from."""

    section: Section
    collector: Collector


class BankChecker:
    """Registers ids in questionnaire order and checks every ``relevant`` against them."""

    def __init__(self, scales: dict[str, tuple[Option, ...]]):
        self.scales = scales
        self.seen: dict[str, tuple[int | None, str, str]] = {}  # lower-case id -> first use
        self.names: dict[str, _Name] = {}
        self.later: set[str] = set()
        self.unit_question: str | None = None

    def run(self, located: list[Located]) -> list[Section]:
        """Check all sections; returns them with parsed ``relevant`` trees attached."""
        for loc in located:
            for q in loc.section.questions:
                self.later.update(f.id for f in fields_of(q, self.scales))
                self.later.add(q.id)
        out: list[Section] = []
        for loc in located:
            out.append(self._section(loc.section, loc.collector))
        return out

    def _register(self, c: Collector, ident: str, line: int | None, what: str) -> None:
        """Record ``ident``; a repeat (also one differing only in case) is a problem."""
        key = ident.lower()
        if key in self.seen:
            first_line, first_what, first = self.seen[key]
            code = "duplicate_id" if first == ident else "duplicate_id_case"
            c.err(
                code,
                line,
                ident,
                value=ident,
                other=first,
                first_line=first_line,
                first_what=first_what,
            )
        else:
            self.seen[key] = (line, f"，{what}", ident)

    def _section(self, s: Section, c: Collector) -> Section:
        self._register(c, s.id, s.line, "部分标题")
        tree = self._relevant(c, s.relevant, s.line, s.id)
        questions = []
        for q in s.questions:
            self._register(c, q.id, q.line, "题目")
            q_tree = self._relevant(c, q.relevant, q.line, q.id)
            for item in q.items:
                self._register(c, item.id, item.line, f"题目 {q.id} 的小题")
            own = {q.id} | {i.id for i in q.items}
            derived = [f.id for f in fields_of(q, self.scales) if f.id not in own]
            for fid in derived:
                self._register(c, fid, q.line, f"题目 {q.id} 的答案字段")
            self._length(c, derived, q)
            self._unit_check(c, q)
            names = _names_of(q, self.scales)
            self.names.update(names)
            self.later.difference_update(names)
            self.later.discard(q.id)
            questions.append(replace(q, relevant_tree=q_tree))
        return replace(s, questions=tuple(questions), relevant_tree=tree)

    def _length(self, c: Collector, derived: list[str], q: Question) -> None:
        """The longest derived field id (``<id>_<code>``, ``<id>_other``) of ``q``, if it is
        longer than SPSS allows while the question's own id is not (that one is bad_id)."""
        longest = max(derived, key=len, default="")
        if len(longest) > MAX_ID_LENGTH >= len(q.id):
            c.err(
                "field_id_too_long",
                q.line,
                q.id,
                value=longest,
                length=len(longest),
                limit=MAX_ID_LENGTH,
            )

    def _unit_check(self, c: Collector, q: Question) -> None:
        if q.role != "unit":
            return
        if self.unit_question is not None:
            c.err("multiple_units", q.line, q.id, others=f"{self.unit_question} 和 {q.id}")
        else:
            self.unit_question = q.id

    def _relevant(
        self, c: Collector, text: str | None, line: int | None, qid: str
    ) -> expr.Node | None:
        if text is None:
            return None
        try:
            tree = expr.parse(text)
        except expr.ExprTooComplexError as exc:
            c.err(
                "relevant_too_complex",
                line,
                qid,
                detail=exc.detail,
                pos=exc.pos,
                depth=expr.MAX_DEPTH,
                terms=expr.MAX_TERMS,
            )
            return None
        except expr.ExprSyntaxError as exc:
            c.err("relevant_syntax", line, qid, expr=text, detail=exc.detail, pos=exc.pos)
            return None
        ok = True
        for leaf in expr.names(tree):
            ok = self._leaf(c, leaf, line, qid) and ok
        return tree if ok else None

    def _leaf(self, c: Collector, leaf: expr.Node, line: int | None, qid: str) -> bool:
        name = leaf.name  # type: ignore[union-attr]
        info = self.names.get(name)
        if info is None:
            if name in self.later or name == qid:
                c.err("relevant_later", line, qid, name=name)
            else:
                hint = suggest(name, self.names)
                c.err("relevant_unknown", line, qid, name=name, hint=hint)
            return False
        if isinstance(leaf, expr.Has) != (info.kind == "multi"):
            code = "relevant_has" if isinstance(leaf, expr.Has) else "relevant_needs_has"
            if info.kind == "group":
                code = "relevant_not_single"
            c.err(code, line, qid, name=name, qtype=info.type_name, example=info.example)
            return False
        if info.kind == "group":
            c.err(
                "relevant_not_single",
                line,
                qid,
                name=name,
                qtype=info.type_name,
                example=info.example,
            )
            return False
        if info.kind in ("text", "other", "rank"):
            c.err("relevant_not_numeric", line, qid, name=name)
            return False
        return self._values(c, leaf, info, line, qid)

    def _values(
        self, c: Collector, leaf: expr.Node, info: _Name, line: int | None, qid: str
    ) -> bool:
        if not info.codes or (isinstance(leaf, expr.Compare) and leaf.op != "=="):
            return True
        values = leaf.values if isinstance(leaf, expr.In) else (leaf.value,)  # type: ignore[union-attr]
        for v in values:
            if v not in info.codes:
                c.err(
                    "relevant_bad_option",
                    line,
                    qid,
                    value=v,
                    name=leaf.name,  # type: ignore[union-attr]
                    codes="、".join(map(str, info.codes)),
                )
                return False
        return True
