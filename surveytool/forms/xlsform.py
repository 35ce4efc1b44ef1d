"""The bank as an XLSForm (``survey`` / ``choices`` / ``settings``) for KoboToolbox / ODK.

Names are the bank's field ids, so a Kobo/ODK data export maps straight back to the bank.
Skip logic is translated from our ``relevant`` language to ODK XPath.
"""

from __future__ import annotations

from openpyxl.workbook.workbook import Workbook

from surveytool.bank import expr
from surveytool.bank.describe import number_rule
from surveytool.bank.model import Bank, Question, question_options

SURVEY_COLUMNS = [
    "type",
    "name",
    "label",
    "hint",
    "required",
    "required_message",
    "relevant",
    "constraint",
    "constraint_message",
    "appearance",
]
_XP_OPS = {"==": "=", "!=": "!=", "<": "<", "<=": "<=", ">": ">", ">=": ">="}


def _list_name(q: Question) -> str:
    if q.type == "single" and q.scale and not q.other:
        return f"scale_{q.scale}"
    return f"opts_{q.id}"


class _XPath:
    """Translates ``relevant`` trees to XPath with ``${name}`` references."""

    def __init__(self, bank: Bank):
        self.kinds = {f.id: f.kind for f in bank.fields}
        self.multi_of = {
            f.id: (f.question, f.option.code)
            for f in bank.fields
            if f.kind == "flag" and f.option is not None
        }

    def __call__(self, node: expr.Node) -> str:
        if isinstance(node, expr.BoolOp):
            return f"({self(node.left)} {node.op} {self(node.right)})"
        if isinstance(node, expr.Not):
            return f"not({self(node.operand)})"
        if isinstance(node, expr.Has):
            return f"selected(${{{node.name}}}, '{node.value}')"
        if isinstance(node, expr.In):
            return "(" + " or ".join(self._cmp(node.name, "==", v) for v in node.values) + ")"
        assert isinstance(node, expr.Compare)
        return self._cmp(node.name, node.op, node.value)

    def _cmp(self, name: str, op: str, value: float) -> str:
        if name in self.multi_of:  # B4_3 == 1  ->  selected(${B4}, '3')
            q, code = self.multi_of[name]
            picked = f"selected(${{{q}}}, '{code}')"
            wants = (op == "==" and value == 1) or (op == "!=" and value == 0)
            return picked if wants else f"not({picked})"
        literal = (
            f"'{value}'"
            if self.kinds.get(name) in ("single", "likert") and op in ("==", "!=")
            else str(value)
        )
        return f"${{{name}}} {_XP_OPS[op]} {literal}"


def _row(**values: str) -> list[str]:
    return [values.get(c, "") for c in SURVEY_COLUMNS]


def _constraint(q: Question) -> tuple[str, str]:
    if q.type == "number":
        parts = []
        if q.min is not None:
            parts.append(f". >= {q.min:g}")
        if q.max is not None:
            parts.append(f". <= {q.max:g}")
        return " and ".join(parts), number_rule(q.min, q.max, q.integer, q.unit)
    if q.type == "multi":
        parts, words = [], []
        if q.max_choices:
            parts.append(f"count-selected(.) <= {q.max_choices}")
            words.append(f"最多选 {q.max_choices} 项")
        if q.min_choices:
            parts.append(f"count-selected(.) >= {q.min_choices}")
            words.append(f"至少选 {q.min_choices} 项")
        for code in q.exclusive:
            parts.append(f"not(selected(., '{code}') and count-selected(.) > 1)")
            words.append("“以上都没有”类选项不能与其他选项同时选")
        return " and ".join(parts), "；".join(words)
    return "", ""


def _question_rows(bank: Bank, q: Question, xp: _XPath) -> list[list[str]]:
    common = {
        "name": q.id,
        "label": q.text,
        "hint": q.hint or "",
        "required": "yes" if q.required else "",
        "required_message": "此题为必答题" if q.required else "",
        "relevant": xp(q.relevant_tree) if q.relevant_tree else "",
    }
    constraint, message = _constraint(q)
    if q.type == "likert":
        rows = [
            _row(
                type="begin_group",
                appearance="field-list",
                **{k: common[k] for k in ("name", "label", "hint", "relevant")},
            )
        ]
        for item in q.items:
            rows.append(
                _row(
                    type=f"select_one scale_{q.scale}",
                    name=item.id,
                    label=item.text,
                    required=common["required"],
                    required_message=common["required_message"],
                    appearance="likert",
                )
            )
        rows.append(_row(type="end_group", name=q.id))
        return rows
    qtype = {
        "single": f"select_one {_list_name(q)}",
        "multi": f"select_multiple {_list_name(q)}",
        "rank": f"rank {_list_name(q)}",
        "number": "integer" if q.integer else "decimal",
        "text": "text",
    }[q.type]
    rows = [_row(type=qtype, constraint=constraint, constraint_message=message, **common)]
    if q.other and q.other_code is not None:
        picked = (
            f"${{{q.id}}} = '{q.other_code}'"
            if q.type == "single"
            else f"selected(${{{q.id}}}, '{q.other_code}')"
        )
        rows.append(
            _row(type="text", name=f"{q.id}_other", label="请注明“其他”的具体内容", relevant=picked)
        )
    return rows


def _choices(bank: Bank) -> list[list[str]]:
    rows: list[list[str]] = []
    used_scales: set[str] = set()
    for q in bank.questions:
        if q.type == "likert" or (q.type == "single" and q.scale and not q.other):
            used_scales.add(q.scale or "")
        elif q.type in ("single", "multi", "rank"):
            rows += [
                [f"opts_{q.id}", str(o.code), o.label] for o in question_options(q, bank.scales)
            ]
    for name in sorted(used_scales):
        rows += [[f"scale_{name}", str(o.code), o.label] for o in bank.scales[name]]
    return rows


def build_xlsform(bank: Bank) -> Workbook:
    """The XLSForm workbook (not yet saved)."""
    wb = Workbook()
    survey = wb.active
    survey.title = "survey"
    survey.append(SURVEY_COLUMNS)
    xp = _XPath(bank)
    for s in bank.sections:
        survey.append(
            _row(
                type="begin_group",
                name=f"section_{s.id}",
                label=f"{s.id}. {s.title}",
                relevant=xp(s.relevant_tree) if s.relevant_tree else "",
            )
        )
        for q in s.questions:
            for row in _question_rows(bank, q, xp):
                survey.append(row)
        survey.append(_row(type="end_group", name=f"section_{s.id}"))
    choices = wb.create_sheet("choices")
    choices.append(["list_name", "name", "label"])
    for row in _choices(bank):
        choices.append(row)
    settings = wb.create_sheet("settings")
    settings.append(["form_title", "form_id", "version", "default_language"])
    settings.append([bank.title, bank.id, str(bank.version), "zh"])
    for ws in (survey, choices, settings):
        for row in ws.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and cell.value.startswith("="):
                    cell.data_type = "s"
    return wb
