"""ODK XPath ``relevant`` → our skip-logic language (``surveytool.bank.expr``), where it can
be said there: ``${x} = 2``, ``${x} != 'a'``, ``<``/``>``, ``selected(${x}, '3')``,
``and``/``or``/``not()`` and parentheses. Anything else (functions, text comparisons, names
not seen before) gives None: the caller drops the condition with a located note.
"""

from __future__ import annotations

import re

from surveytool.bank import expr

_XP_TOKEN = re.compile(
    r"\s*(?:(\$\{[^}]+\})|('[^']*'|\"[^\"]*\")|(-?\d+(?:\.\d+)?)|(!=|<=|>=|=|<|>)|"
    r"(selected|not)\s*\(|(and|or)\b|(\()|(\))|(,))"
)


def translate(src: str, names: dict[str, dict]) -> str | None:
    """An ODK XPath ``relevant`` in our language, or None when it cannot be said there.
    ``names``: XLSForm name -> {"id", "type", "codes"} of the questions seen so far."""
    out: list[str] = []
    pos, depth_fn = 0, []
    text = src.strip()
    while pos < len(text):
        m = _XP_TOKEN.match(text, pos)
        if not m:
            return None
        pos = m.end()
        ref, lit, num, op, fn, word, lp, rp, comma = m.groups()
        if fn == "selected":
            m2 = re.match(r"\s*\$\{([^}]+)\}\s*,\s*('[^']*'|\"[^\"]*\")\s*\)", text[pos:])
            if not m2:
                return None
            pos += m2.end()
            cond = _compare(names, m2.group(1), "=", m2.group(2)[1:-1], selected=True)
            if cond is None:
                return None
            out.append(cond)
        elif fn == "not":
            out.append("not (")
            depth_fn.append("not")
        elif ref:
            m2 = re.match(r"\s*(!=|<=|>=|=|<|>)\s*('[^']*'|\"[^\"]*\"|-?\d+(?:\.\d+)?)", text[pos:])
            if not m2:
                return None
            pos += m2.end()
            value = m2.group(2).strip("'\"")
            cond = _compare(names, ref[2:-1], m2.group(1), value)
            if cond is None:
                return None
            out.append(cond)
        elif word:
            out.append(f" {word} ")
        elif lp:
            out.append("(")
            depth_fn.append("(")
        elif rp:
            if not depth_fn:
                return None
            depth_fn.pop()
            out.append(")")
        else:  # a bare literal, number, operator or comma out of place
            return None
        del lit, num, op, comma
    ours = "".join(out).strip()
    try:
        expr.parse(ours)
    except expr.ExprSyntaxError:
        return None
    return ours


def _compare(names: dict, name: str, op: str, value: str, selected: bool = False) -> str | None:
    q = names.get(name.strip())
    if q is None:
        return None
    codes = q.get("codes")
    if codes is not None:
        if value not in codes:
            return None
        code = codes[value]
        if q["type"] == "multi":
            if op not in ("=", "!="):
                return None
            return f"{q['id']} has {code}" if op == "=" else f"not ({q['id']} has {code})"
        if selected and op != "=":
            return None
        value = str(code)
    elif not re.fullmatch(r"-?\d+(?:\.\d+)?", value):
        return None
    if q["type"] == "text":
        return None
    ours = "==" if op == "=" else op
    return f"{q['id']} {ours} {value}"
