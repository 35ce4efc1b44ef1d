"""The skip-logic language of ``relevant``: parse, check, evaluate, translate.

Grammar (parsed by hand, never ``eval``)::

    expr    := or_
    or_     := and_ ("or" and_)*
    and_    := not_ ("and" not_)*
    not_    := "not" not_ | atom
    atom    := "(" expr ")"
             | NAME CMP NUMBER             CMP: == = != < <= > >=
             | NAME "in" "[" NUMBER ("," NUMBER)* "]"
             | NAME "has" NUMBER

Full-width characters are folded first (NFKC), so ``B1＝2`` and ``（B1 == 1）`` work too.

Evaluation uses three-valued (Kleene) logic: a condition on a missing answer is ``None``
(unknown); ``not None`` is ``None``; ``False and None`` is ``False``; ``True or None`` is
``True``.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np

Number = int | float


MAX_DEPTH = 20  # parentheses and ``not`` nested in one another
MAX_TERMS = 50  # conditions (comparisons, in, has) in one expression


class ExprSyntaxError(ValueError):
    """Raised by :func:`parse` with a Chinese ``detail`` and the 1-based character ``pos``."""

    def __init__(self, detail: str, pos: int):
        super().__init__(detail)
        self.detail = detail
        self.pos = pos


class ExprTooComplexError(ExprSyntaxError):
    """Raised by :func:`parse` when an expression nests deeper than :data:`MAX_DEPTH` or
    has more than :data:`MAX_TERMS` conditions (every consumer of the tree recurses)."""


@dataclass(frozen=True)
class Compare:
    """``name op value``."""

    name: str
    op: str
    value: Number


@dataclass(frozen=True)
class In:
    """``name in [values]``."""

    name: str
    values: tuple[Number, ...]


@dataclass(frozen=True)
class Has:
    """``name has value`` (multiple choice: option *value* was picked)."""

    name: str
    value: Number


@dataclass(frozen=True)
class Not:
    """``not operand``."""

    operand: Node


@dataclass(frozen=True)
class BoolOp:
    """``left and right`` / ``left or right`` (``op`` is ``"and"`` or ``"or"``)."""

    op: str
    left: Node
    right: Node


Node = Compare | In | Has | Not | BoolOp

_TOKEN = re.compile(
    r"\s*(?:(?P<num>-?\d+(?:\.\d+)?)|(?P<name>[A-Za-z_][A-Za-z0-9_]*)"
    r"|(?P<op>==|!=|<=|>=|<|>|=)|(?P<punct>[()\[\],]))"
)
_KEYWORDS = {"and", "or", "not", "in", "has"}


@dataclass(frozen=True)
class _Tok:
    kind: str  # num | name | kw | op | punct | end
    text: str
    pos: int  # 1-based


def _tokens(src: str) -> list[_Tok]:
    out: list[_Tok] = []
    i = 0
    while i < len(src):
        if src[i].isspace():
            i += 1
            continue
        m = _TOKEN.match(src, i)
        if not m or m.end() == i:
            raise ExprSyntaxError(f"无法识别的字符“{src[i]}”", i + 1)
        kind = m.lastgroup or ""
        text = m.group(kind)
        start = m.start(kind)
        if kind == "name" and text.lower() in _KEYWORDS:
            kind, text = "kw", text.lower()
        out.append(_Tok(kind, text, start + 1))
        i = m.end()
    out.append(_Tok("end", "", len(src) + 1))
    return out


class _Parser:
    def __init__(self, src: str):
        self.toks = _tokens(src)
        self.i = 0
        self.depth = 0
        self.terms = 0

    def nest(self, tok: _Tok) -> None:
        """One level deeper (a parenthesis or a ``not``), within :data:`MAX_DEPTH`."""
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise ExprTooComplexError(f"括号或 not 嵌套超过 {MAX_DEPTH} 层", tok.pos)

    def peek(self) -> _Tok:
        return self.toks[self.i]

    def take(self) -> _Tok:
        tok = self.toks[self.i]
        self.i += 1
        return tok

    def expect(self, kind: str, text: str | None, what: str) -> _Tok:
        tok = self.take()
        if tok.kind != kind or (text is not None and tok.text != text):
            found = tok.text or "结尾"
            raise ExprSyntaxError(f"这里应当是{what}，实际是“{found}”", tok.pos)
        return tok

    def parse(self) -> Node:
        node = self.or_()
        tok = self.peek()
        if tok.kind != "end":
            raise ExprSyntaxError(f"多余的“{tok.text}”（多个条件请用 and / or 连接）", tok.pos)
        return node

    def or_(self) -> Node:
        node = self.and_()
        while self.peek().kind == "kw" and self.peek().text == "or":
            self.take()
            node = BoolOp("or", node, self.and_())
        return node

    def and_(self) -> Node:
        node = self.not_()
        while self.peek().kind == "kw" and self.peek().text == "and":
            self.take()
            node = BoolOp("and", node, self.not_())
        return node

    def not_(self) -> Node:
        if self.peek().kind == "kw" and self.peek().text == "not":
            self.nest(self.take())
            node = Not(self.not_())
            self.depth -= 1
            return node
        return self.atom()

    def number(self) -> Number:
        tok = self.expect("num", None, "数字")
        return float(tok.text) if "." in tok.text else int(tok.text)

    def atom(self) -> Node:
        tok = self.peek()
        if tok.kind == "punct" and tok.text == "(":
            self.nest(self.take())
            node = self.or_()
            self.expect("punct", ")", "右括号“)”")
            self.depth -= 1
            return node
        self.terms += 1
        if self.terms > MAX_TERMS:
            raise ExprTooComplexError(f"条件超过 {MAX_TERMS} 个", tok.pos)
        name = self.expect("name", None, "题目编号（如 B1）").text
        tok = self.take()
        if tok.kind == "op":
            op = "==" if tok.text == "=" else tok.text
            return Compare(name, op, self.number())
        if tok.kind == "kw" and tok.text == "has":
            return Has(name, self.number())
        if tok.kind == "kw" and tok.text == "in":
            self.expect("punct", "[", "左方括号“[”")
            values = [self.number()]
            while self.peek().kind == "punct" and self.peek().text == ",":
                self.take()
                values.append(self.number())
            self.expect("punct", "]", "右方括号“]”")
            return In(name, tuple(values))
        found = tok.text or "结尾"
        raise ExprSyntaxError(
            f"“{name}”后面应当是比较符号（== != < <= > >=）、in 或 has，实际是“{found}”", tok.pos
        )


def normalise(src: str) -> str:
    """Fold full-width characters and Chinese punctuation to their ASCII forms."""
    text = unicodedata.normalize("NFKC", src)
    return text.replace("，", ",").replace("【", "[").replace("】", "]")


def parse(src: str) -> Node:
    """Parse a ``relevant`` expression; returns its syntax tree or raises ExprSyntaxError
    (ExprTooComplexError beyond :data:`MAX_DEPTH` / :data:`MAX_TERMS`)."""
    text = normalise(src)
    if not text.strip():
        raise ExprSyntaxError("条件为空", 1)
    return _Parser(text).parse()


def names(node: Node) -> Iterator[Node]:
    """Yield every leaf (Compare / In / Has) of the tree, left to right."""
    if isinstance(node, Not):
        yield from names(node.operand)
    elif isinstance(node, BoolOp):
        yield from names(node.left)
        yield from names(node.right)
    else:
        yield node


_CMP: dict[str, Callable[[Number, Number], bool]] = {
    "==": lambda a, b: a == b,
    "!=": lambda a, b: a != b,
    "<": lambda a, b: a < b,
    "<=": lambda a, b: a <= b,
    ">": lambda a, b: a > b,
    ">=": lambda a, b: a >= b,
}


def evaluate(node: Node, value_of: Callable[[str], object]) -> bool | None:
    """Evaluate the tree; ``value_of(name)`` gives an answer (``None`` when missing).

    For ``has``, ``value_of(name)`` must return the set of picked option codes (or ``None``).
    Returns True, False, or None (unknown: an answer it depends on is missing).
    """
    if isinstance(node, BoolOp):
        left = evaluate(node.left, value_of)
        if node.op == "and" and left is False:
            return False
        if node.op == "or" and left is True:
            return True
        right = evaluate(node.right, value_of)
        if node.op == "and":
            return False if right is False else (None if None in (left, right) else True)
        return True if right is True else (None if None in (left, right) else False)
    if isinstance(node, Not):
        inner = evaluate(node.operand, value_of)
        return None if inner is None else not inner
    value = value_of(node.name)
    if value is None:
        return None
    if isinstance(node, Has):
        return node.value in value  # type: ignore[operator]
    if isinstance(node, In):
        return value in node.values
    return _CMP[node.op](value, node.value)  # type: ignore[arg-type]


def evaluate_arrays(
    node: Node | None, values: dict[str, np.ndarray], n: int
) -> tuple[np.ndarray, np.ndarray]:
    """Vectorised :func:`evaluate` over ``n`` respondents.

    ``values`` maps field ids to float arrays (NaN = missing); ``has`` reads the 0/1 field
    ``<name>_<code>``. Returns ``(is_true, is_false)`` boolean arrays; a row in neither is
    unknown. No tree means always true.
    """
    if node is None:
        return np.ones(n, dtype=bool), np.zeros(n, dtype=bool)
    if isinstance(node, BoolOp):
        lt, lf = evaluate_arrays(node.left, values, n)
        rt, rf = evaluate_arrays(node.right, values, n)
        if node.op == "and":
            return lt & rt, lf | rf
        return lt | rt, lf & rf
    if isinstance(node, Not):
        t, f = evaluate_arrays(node.operand, values, n)
        return f, t
    missing = np.full(n, np.nan)
    if isinstance(node, Has):
        x = np.asarray(values.get(f"{node.name}_{int(node.value)}", missing), dtype=float)
        known = ~np.isnan(x)
        return known & (x == 1), known & (x != 1)
    x = np.asarray(values.get(node.name, missing), dtype=float)
    known = ~np.isnan(x)
    if isinstance(node, In):
        hit = np.isin(x, np.array(node.values, dtype=float))
    else:
        with np.errstate(invalid="ignore"):
            hit = _CMP[node.op](x, node.value)
    return known & hit, known & ~hit
