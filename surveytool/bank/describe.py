"""Skip logic and answer rules in words, for forms and reports (Simplified Chinese)."""

from __future__ import annotations

import contextlib

from surveytool.bank import expr
from surveytool.bank.model import Bank, Field, Question, question_options

_OPS = {"==": "等于", "!=": "不等于", "<": "小于", "<=": "小于等于", ">": "大于", ">=": "大于等于"}


def _fmt(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def _label(bank: Bank, name: str, code: float) -> str:
    """The option label of ``code`` for field/question ``name`` (the code itself if none)."""
    options = ()
    with contextlib.suppress(KeyError):
        options = bank.field(name).options
    if not options:
        try:
            options = question_options(bank.question(name), bank.scales)
        except KeyError:
            options = ()
    for o in options:
        if o.code == code:
            return f"“{o.label}”"
    return _fmt(code)


def _leaf(bank: Bank, node: expr.Node) -> str:
    if isinstance(node, expr.Has):
        return f"第 {node.name} 题选了{_label(bank, node.name, node.value)}"
    if isinstance(node, expr.In):
        labels = "或".join(_label(bank, node.name, v) for v in node.values)
        return f"第 {node.name} 题选{labels}"
    assert isinstance(node, expr.Compare)
    try:
        coded = bool(bank.field(node.name).options)
    except KeyError:
        coded = False
    if coded and node.op == "==":
        return f"第 {node.name} 题选{_label(bank, node.name, node.value)}"
    if coded and node.op == "!=":
        return f"第 {node.name} 题未选{_label(bank, node.name, node.value)}"
    return f"第 {node.name} 题的回答{_OPS[node.op]} {_fmt(node.value)}"


def describe(bank: Bank, node: expr.Node, *, nested: bool = False) -> str:
    """A ``relevant`` tree in words, e.g. ``第 B1 题选“高校”或“医院”``."""
    if isinstance(node, expr.Not):
        return f"不满足“{describe(bank, node.operand)}”"
    if isinstance(node, expr.BoolOp):
        word = "并且" if node.op == "and" else "或者"
        left = describe(bank, node.left, nested=True)
        text = f"{left}{word}{describe(bank, node.right, nested=True)}"
        return f"（{text}）" if nested else text
    return _leaf(bank, node)


def skip_hint(bank: Bank, node: expr.Node | None, what: str = "本题") -> str:
    """``仅当第 B1 题选“高校”时填写本题，否则请跳过。`` ('' when there is no condition)."""
    if node is None:
        return ""
    return f"仅当{describe(bank, node)}时填写{what}，否则请跳过。"


def answer_rule(q: Question, f: Field | None = None) -> str:
    """How to answer a question (or one of its fields), in words."""
    if q.type == "single":
        return "请从下拉列表中选择一项。"
    if q.type == "multi":
        parts = ["可多选：请在每个选中的选项后选“是”。"]
        if q.max_choices:
            parts.append(f"最多选 {q.max_choices} 项。")
        if q.min_choices:
            parts.append(f"至少选 {q.min_choices} 项。")
        return "".join(parts)
    if q.type == "likert":
        return "请从下拉列表中选择最符合您情况的一项。"
    if q.type == "rank":
        top = q.max_rank or len(q.options)
        return f"请按重要程度填写名次：1 为最重要，最多排 {top} 项，名次不可重复。"
    if q.type == "number":
        return number_rule(q.min, q.max, q.integer, q.unit)
    return "请直接填写文字。"


def number_rule(lo: float | None, hi: float | None, integer: bool, unit: str | None) -> str:
    """``请填写 0～100 之间的整数（单位：小时）。``"""
    kind = "整数" if integer else "数字"
    unit_text = f"（单位：{unit}）" if unit else ""
    if lo is not None and hi is not None:
        return f"请填写 {_fmt(lo)}～{_fmt(hi)} 之间的{kind}{unit_text}。"
    if lo is not None:
        return f"请填写不小于 {_fmt(lo)} 的{kind}{unit_text}。"
    if hi is not None:
        return f"请填写不大于 {_fmt(hi)} 的{kind}{unit_text}。"
    return f"请填写{kind}{unit_text}。"
