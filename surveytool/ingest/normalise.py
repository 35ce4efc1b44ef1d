"""What people actually type, turned into clean values (scalar rules, applied per unique value).

Every function here takes one raw cell value (str, float, int, bool, datetime or None) and
returns a :class:`Parsed`: the clean value (or ``None`` for missing), and at most one problem
(``code`` + values for the error catalogue) with its severity. The validator applies them
once per *distinct* raw value of a column, so their cost does not grow with the row count.

Documented normalisation (docs/ingest.md):
- full-width digits and letters are folded (４５ → 45, ＡＢ → AB); stray spaces and line
  breaks around values are removed;
- numbers stored as text are numbers; thousands separators are removed (1,200 → 1200);
- a number followed by the question's unit or a common unit (45岁, 40小时, 30%) is that
  number; a number with 约/大约/左右/大概 is that number, with a warning;
- ranges (30-40), open amounts (40多, 40+), Chinese numerals and several numbers are
  rejected as ambiguous;
- options may be given by code (3), by label (同意), or both (3 同意, 3=同意, A.同意), with
  punctuation width and spaces ignored when matching labels;
- a label that is a real option is never read as missing (``None``/``NA`` are text here).
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from surveytool.forms.xlsx import ERROR_VALUES

ERROR = "error"
WARNING = "warning"
# One cell of a returned file holds at most this many characters: far beyond any genuine
# answer (about seven pages of Chinese), and below Excel's 32,767 so a rejected value fits
# whole in the rejects workbook (a longer one, cut there, is refused again, never accepted
# cut). A 30 MB "answer" once took analyze past 100 s.
MAX_CHARS = 10_000
EXCEL_ERRORS = ERROR_VALUES  # typed or read as text: never a valid answer
COMMON_UNITS = (
    "岁",
    "小时",
    "个小时",
    "h",
    "人",
    "名",
    "位",
    "个",
    "项",
    "次",
    "年",
    "月",
    "天",
    "日",
    "万元",
    "元",
    "亿元",
    "平方米",
    "㎡",
    "m2",
    "家",
    "件",
    "篇",
    "台",
    "套",
    "%",
)
_APPROX = re.compile(r"^(?:约|大约|大概|约为|接近)?\s*(.+?)\s*(?:左右|上下|以内)?$")
_NUMBER = re.compile(r"^[-+]?(?:\d+(?:\.\d*)?|\.\d+)$")
_RANGE = re.compile(r"\d\s*(?:-|~|～|—|–|至|到)\s*\d")
_OPEN = re.compile(r"\d\s*(?:多|余|\+|以上|以下|几)")
_CN_NUM = re.compile(r"[零一二两三四五六七八九十百千万]")
_CODE_LABEL = re.compile(r"^\(?(\d+)\)?\s*[.、=:．:\s]?\s*(.*)$")
_LETTER_PREFIX = re.compile(r"^[A-Za-z]\s*[.、．:：)]\s*")
YES = {"是", "1", "√", "✓", "✔", "☑", "■", "●", "y", "yes", "true", "选中", "已选", "选"}
NO = {"否", "0", "□", "☐", "n", "no", "false", "未选", "不选", "-"}


@dataclass(frozen=True)
class Parsed:
    """A clean value (``None`` = missing) and at most one problem about it."""

    value: Any = None
    code: str | None = None
    severity: str | None = None
    values: tuple[tuple[str, Any], ...] = ()

    @property
    def is_error(self) -> bool:
        """True when the raw value cannot be accepted."""
        return self.severity == ERROR


MISSING = Parsed()


def _err(code: str, **values: Any) -> Parsed:
    return Parsed(None, code, ERROR, tuple(values.items()))


def fold(text: str) -> str:
    """NFKC-fold full-width characters and squeeze whitespace (for codes, numbers, labels)."""
    return " ".join(unicodedata.normalize("NFKC", text).split())


def label_key(text: str) -> str:
    """A matching key for option labels: folded, no spaces or punctuation, lower case."""
    folded = unicodedata.normalize("NFKC", text)
    return "".join(
        ch for ch in folded.lower() if not ch.isspace() and unicodedata.category(ch)[0] not in "PZ"
    )


def is_blank(raw: Any) -> bool:
    """None, NaN, or a string of only spaces."""
    if raw is None:
        return True
    if isinstance(raw, float) and math.isnan(raw):
        return True
    return isinstance(raw, str) and not raw.strip()


def show(raw: Any) -> str:
    """A raw value as the user typed it, for messages (shortened)."""
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    text = str(raw).replace("\n", " ")
    return text if len(text) <= 40 else text[:39] + "…"


def _special(raw: Any, rule: str) -> Parsed | None:
    """Dates and Excel error values, which are never valid answers to a number or choice."""
    if isinstance(raw, datetime | date | time):
        return _err("cell_date", value=str(raw).removesuffix(" 00:00:00"), rule=rule)
    if isinstance(raw, str) and raw.strip().upper() in EXCEL_ERRORS:
        return _err("cell_error_value", value=raw.strip())
    return None


def parse_number(
    raw: Any, *, rule: str, unit: str | None, integer: bool, lo: float | None, hi: float | None
) -> Parsed:
    """A number answer: ``rule`` is the Chinese sentence saying what is accepted."""
    if is_blank(raw):
        return MISSING
    special = _special(raw, rule)
    if special:
        return special
    warn = None
    if isinstance(raw, bool):
        return _err("cell_not_number", value=show(raw), rule=rule)
    if isinstance(raw, int | float):
        number = float(raw)
    else:
        number, warn = _number_from_text(str(raw), unit)
        if isinstance(number, Parsed):
            return Parsed(None, number.code, ERROR, (*number.values, ("rule", rule)))
    if integer and not float(number).is_integer():
        return _err("cell_not_integer", value=show(raw), rule=rule)
    if (lo is not None and number < lo) or (hi is not None and number > hi):
        return _err("cell_out_of_range", value=show(raw), rule=rule)
    if warn:
        shown = int(number) if float(number).is_integer() else number
        return Parsed(
            number, "number_normalised", WARNING, (("value", show(raw)), ("number", shown))
        )
    return Parsed(number)


def _number_from_text(text: str, unit: str | None) -> tuple[Any, bool]:
    """(number or an error Parsed, whether a lossy normalisation happened)."""
    s = fold(text).replace(",", "").replace("，", "")
    if _NUMBER.match(s):
        return float(s), False
    if _RANGE.search(s):
        return _err("cell_ambiguous_number", value=show(text), why="是一个范围"), False
    if _OPEN.search(s):
        return _err("cell_ambiguous_number", value=show(text), why="不是确切的数"), False
    m = _APPROX.match(s)
    core = m.group(1) if m else s
    approx = core != s
    units = (unit, *COMMON_UNITS) if unit else COMMON_UNITS
    for u in sorted({fold(x) for x in units if x}, key=len, reverse=True):
        if core.endswith(u) and _NUMBER.match(core[: -len(u)].strip()):
            return float(core[: -len(u)].strip()), True
    if _NUMBER.match(core):
        return float(core), approx
    if _CN_NUM.search(s) and not re.search(r"\d", s):
        return _err("cell_not_number", value=show(text)), False
    if len(re.findall(r"\d+(?:\.\d+)?", s)) > 1:
        return _err("cell_ambiguous_number", value=show(text), why="包含多个数字"), False
    return _err("cell_not_number", value=show(text)), False


class OptionMatcher:
    """Maps what people type to an option code: the code, the label, or both."""

    def __init__(self, options: tuple[Any, ...]):
        self.codes = {o.code for o in options}
        keys: dict[str, list[int]] = {}
        for o in options:
            keys.setdefault(label_key(o.label), []).append(o.code)
        self.by_key = {k: v[0] for k, v in keys.items() if len(v) == 1}
        self.labels = {o.code: o.label for o in options}
        accepted = "；".join(f"{o.code}={o.label}" for o in options)
        self.accepted = accepted if len(accepted) <= 150 else accepted[:149] + "…"

    def __call__(self, raw: Any, rule: str = "") -> Parsed:
        if is_blank(raw):
            return MISSING
        special = _special(raw, f"可填写：{self.accepted}。")
        if special:
            return special
        if isinstance(raw, int | float) and not isinstance(raw, bool):
            if float(raw).is_integer() and int(raw) in self.codes:
                return Parsed(int(raw))
            return self._bad(raw)
        return self._text(str(raw))

    def _text(self, text: str) -> Parsed:
        key = label_key(text)
        if key in self.by_key:
            return Parsed(self.by_key[key])
        s = fold(text)
        m = _CODE_LABEL.match(s)
        if m:
            code, rest = int(m.group(1)), m.group(2)
            if code in self.codes and (not rest or label_key(rest) == label_key(self.labels[code])):
                return Parsed(code)
        if _NUMBER.match(s) and float(s).is_integer() and int(float(s)) in self.codes:
            return Parsed(int(float(s)))
        stripped = _LETTER_PREFIX.sub("", s)
        if stripped != s and label_key(stripped) in self.by_key:
            return Parsed(self.by_key[label_key(stripped)])
        return self._bad(text)

    def _bad(self, raw: Any) -> Parsed:
        return _err("cell_bad_option", value=show(raw), accepted=self.accepted)


def parse_flag(raw: Any) -> Parsed:
    """A multiple-choice option cell: 1 (picked), 0 (not picked) or missing."""
    if is_blank(raw):
        return MISSING
    special = _special(raw, "")
    if special:
        return special
    if isinstance(raw, bool):
        return Parsed(int(raw))
    if isinstance(raw, int | float):
        return Parsed(int(raw)) if raw in (0, 1) else _err("cell_bad_flag", value=show(raw))
    key = fold(str(raw)).lower()
    if key in YES:
        return Parsed(1)
    if key in NO:
        return Parsed(0)
    return _err("cell_bad_flag", value=show(raw))


def too_long(raw: Any) -> Parsed | None:
    """The error for a cell longer than :data:`MAX_CHARS` characters (None otherwise)."""
    if isinstance(raw, str) and len(raw) > MAX_CHARS and raw.strip():
        return _err("cell_too_long", length=f"{len(raw):,}", limit=f"{MAX_CHARS:,}")
    return None


def parse_text(raw: Any) -> Parsed:
    """Free text: surrounding spaces removed, line breaks unified; numbers written plainly."""
    if is_blank(raw):
        return MISSING
    if isinstance(raw, float) and raw.is_integer():
        return Parsed(str(int(raw)))
    if isinstance(raw, datetime | date | time):
        return Parsed(str(raw).removesuffix(" 00:00:00"))
    text = str(raw).replace("\r\n", "\n").replace("\r", "\n").strip()
    return Parsed(text) if text else MISSING
