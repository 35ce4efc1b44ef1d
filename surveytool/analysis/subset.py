"""``--where``: the respondents an expression in the language of ``relevant`` selects.

``B1 == 1 and A2 in [1, 2]``, ``B5 has 3`` (a multiple-choice option picked), ``not …``,
parentheses: see :mod:`surveytool.bank.expr`. A respondent is selected only where the
expression is true; where an answer it depends on is missing (unknown), not. Codes are
compared as stored, so ``B2 == 9`` selects those who answered 不清楚 (code 9) too.
"""

from __future__ import annotations

import numpy as np

from surveytool.analysis.data import Survey
from surveytool.bank import expr
from surveytool.bank.build import suggest
from surveytool.errors import UsageError, problem


def where_mask(s: Survey, text: str) -> np.ndarray:
    """A boolean array: True for the respondents of ``s`` that ``text`` selects. Raises
    UsageError (in Chinese) for a syntax error or a name that is not a field or a
    multiple-choice question of the bank."""
    try:
        tree = expr.parse(text)
    except expr.ExprSyntaxError as exc:
        raise UsageError(
            problem("where_syntax", text=text, pos=exc.pos, detail=exc.detail)
        ) from None
    _check_names(s, tree)
    true, _ = expr.evaluate_arrays(tree, s._all_values, s.n)
    return true


def _check_names(s: Survey, tree: expr.Node) -> None:
    fields = {f.id: f for f in s.bank.fields}
    multi = {q.id for q in s.bank.questions if q.type == "multi"}
    for leaf in expr.names(tree):
        name = leaf.name
        if isinstance(leaf, expr.Has) and name in multi:
            continue
        f = fields.get(name)
        if f is None:
            hint = suggest(name, [*fields, *multi])
            raise UsageError(problem("where_unknown", name=name, hint=hint))
        if f.kind in ("text", "other"):
            raise UsageError(problem("where_text", name=name))


_OPS = {"==": "为", "!=": "不为", "<": "小于", "<=": "不超过", ">": "大于", ">=": "不少于"}


def describe(s: Survey, text: str) -> str:
    """``text`` in words a reader understands: question texts and option labels instead of
    ids and codes (``单位为“广西大学”且职称为“正高”或“副高”``)."""
    return _words(s, expr.parse(text), top=True)


def _label(s: Survey, name: str, value) -> str:
    try:
        f = s.bank.field(name)
    except KeyError:
        return f"{value:g}"
    for o in f.options:
        if o.code == value:
            return f"“{o.label}”"
    return f"{value:g}" + (f" {f.unit}" if f.unit else "")


def _title(s: Survey, name: str) -> str:
    try:
        return s.bank.field(name).label
    except KeyError:
        return s.bank.question(name).text


def _words(s: Survey, node, top: bool = False) -> str:
    if isinstance(node, expr.BoolOp):
        word = "且" if node.op == "and" else "或"
        joined = f"{_words(s, node.left)}{word}{_words(s, node.right)}"
        return joined if top else f"（{joined}）"
    if isinstance(node, expr.Not):
        return f"并非{_words(s, node.operand)}"
    if isinstance(node, expr.Has):
        q = s.bank.question(node.name)
        label = next((o.label for o in q.options if o.code == node.value), f"{node.value:g}")
        return f"{q.text}选了“{label}”"
    if isinstance(node, expr.In):
        return f"{_title(s, node.name)}为" + "或".join(_label(s, node.name, v) for v in node.values)
    return f"{_title(s, node.name)}{_OPS[node.op]}{_label(s, node.name, node.value)}"


def select(s: Survey, text: str | None, k: int) -> tuple[Survey, np.ndarray]:
    """``s`` restricted to the respondents ``text`` selects, and the mask (all True without
    ``text``). A selection of no one, or of fewer than ``k``, is refused (UsageError)."""
    if not text:
        return s, np.ones(s.n, dtype=bool)
    mask = where_mask(s, text)
    n = int(mask.sum())
    if n == 0:
        raise UsageError(problem("where_empty", text=text))
    if n < k:
        raise UsageError(problem("where_too_small", text=text, n=n, k=k))
    return s.subset(mask), mask
