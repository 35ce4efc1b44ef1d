"""Numeric ranges written in option labels (「20～29岁」「30岁以下」「不满1年」「100万～500万元」).

:func:`parse_range` reads one label into a :class:`Range` — or None when the label is not
a range (「近3年」「2022年」「国家级」「一般」 are left alone rather than mis-read).
:func:`range_faults` compares the ranges of one question and returns each pair of
neighbouring options that overlap or leave a gap.

Convention (《民法典》第1259条): 以上、以下、以内、届满 include the number itself; 不满、低于、
少于、超过、多于、未满 (and 不足、小于、大于、高于) exclude it. Values are whole numbers of the
unit (岁, 年, 人, 家, 个, 项, 次 …) unless a label has decimals or 月 is mixed with 年; then
values are amounts on a line (「1～2年」 and 「3～5年」 leave out 2.5 years), counted in months
when 月 is mixed with 年 (1 年 = 12 个月).
"""

from __future__ import annotations

import math
import re
import unicodedata
from dataclasses import dataclass, replace

INF = math.inf

# Units as written -> (canonical unit, factor to it). 年 becomes 月 only when mixed with 月.
_UNITS = {
    "周岁": ("岁", 1),
    "岁": ("岁", 1),
    "个月": ("月", 1),
    "月": ("月", 1),
    "年": ("年", 1),
    "人": ("人", 1),
    "名": ("人", 1),
    "位": ("人", 1),
    "家": ("家", 1),
    "个": ("个", 1),
    "项": ("项", 1),
    "次": ("次", 1),
    "篇": ("篇", 1),
    "件": ("件", 1),
    "部": ("部", 1),
    "所": ("所", 1),
    "台": ("台", 1),
    "套": ("套", 1),
    "天": ("天", 1),
    "周": ("周", 1),
    "小时": ("小时", 1),
    "学时": ("学时", 1),
    "分钟": ("分钟", 1),
    "元": ("元", 1),
    "平方米": ("平方米", 1),
    "%": ("%", 1),
}
# Counted in whole numbers: 「1～2年」 then 「3～5年」 leave no gap.
WHOLE_UNITS = {"岁", "年", "月", "人", "家", "个", "项", "次", "篇", "件", "部", "所", "台", "套"}
WHOLE_UNITS |= {"天", "周", ""}
# A bare number is a range of one value only for things counted one by one (「0次」「1人」),
# never for 年 (「2022年」 is a date) or amounts.
_POINT_UNITS = {"人", "家", "个", "项", "次", "篇", "件", "部", "所", "台", "套"}
_MULTIPLIERS = {"十": 10, "百": 100, "千": 1000, "万": 10_000, "亿": 100_000_000}
_CN_DIGITS = {"零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4}
_CN_DIGITS |= {"五": 5, "六": 6, "七": 7, "八": 8, "九": 9}

_NUM = r"(?:\d+(?:\.\d+)?|[零一二两三四五六七八九十半]+)"
_UNIT = "|".join(sorted((re.escape(u) for u in _UNITS), key=len, reverse=True))
_PART = re.compile(
    rf"^(?P<pre>不满|不足|未满|低于|少于|小于|超过|多于|高于|大于|届满)?"
    rf"(?P<num>{_NUM})(?P<mult>[百千万亿]?)(?P<unit>{_UNIT})?"
    r"(?P<mark>\((?:不含|含)[^()]*\))?"
    r"(?P<post>(?:及|或)?(?:以上|以下|以内|之内))?"
    r"(?P<mark2>\((?:不含|含)[^()]*\))?$"
)
_SEPARATORS = re.compile(r"[~\-—–至到]|(?<=以上)(?=[\d零一二两三四五六七八九十半])")
_UPPER_PREFIX = re.compile(r"(?<=.)(?=不满|不足|未满|低于|少于|小于)")
_EXCL_HI = {"不满", "不足", "未满", "低于", "少于", "小于"}
_EXCL_LO = {"超过", "多于", "高于", "大于"}


@dataclass(frozen=True)
class Range:
    """A numeric range: ``lo``/``hi`` (±inf when open) in ``unit``; ``*_incl`` whether the
    end itself belongs to it."""

    lo: float
    lo_incl: bool
    hi: float
    hi_incl: bool
    unit: str


@dataclass(frozen=True)
class _Part:
    value: float
    unit: str | None  # canonical unit, None when the label did not say
    mult: int
    kind: str  # lo | hi | point
    incl: bool


def _number(text: str) -> float | None:
    """Arabic digits, or a small Chinese numeral (一, 十二, 三十, 两, 半)."""
    if text[0].isdigit():
        return float(text)
    if text == "半":
        return 0.5
    if "十" in text:
        tens, _, ones = text.partition("十")
        if len(tens) > 1 or len(ones) > 1:
            return None
        t = _CN_DIGITS.get(tens, None) if tens else 1
        o = _CN_DIGITS.get(ones, None) if ones else 0
        return None if t is None or o is None else float(t * 10 + o)
    return float(_CN_DIGITS[text]) if len(text) == 1 and text in _CN_DIGITS else None


def _part(text: str) -> _Part | None:
    """One side of a range: 「30岁以下」「不满1年」「20」「500万元」「3年(含)」."""
    m = _PART.match(text)
    if not m:
        return None
    value = _number(m["num"])
    if value is None:
        return None
    unit = _UNITS[m["unit"]][0] if m["unit"] else None
    mult = _MULTIPLIERS.get(m["mult"], 1)
    mark = m["mark"] or m["mark2"] or ""
    pre, post = m["pre"], m["post"] or ""
    if pre in _EXCL_HI:
        kind, incl = "hi", False
    elif pre in _EXCL_LO:
        kind, incl = "lo", False
    elif pre == "届满" or post.endswith("以上"):
        kind, incl = "lo", True
    elif post:
        kind, incl = "hi", True
    else:
        kind, incl = "point", True
    if mark:
        incl = not mark.startswith("(不含")
    return _Part(value, unit, mult, kind, incl)


def _clean(label: str) -> str:
    text = unicodedata.normalize("NFKC", label)
    return re.sub(r"\s+", "", text).replace("〜", "~")


def parse_range(label: str) -> Range | None:
    """The range a label states, or None when it is not a range. Values are in the label's
    own unit times its multiplier (「100万～500万元」 -> 1000000..5000000 元)."""
    text = _clean(label)
    pieces = _split(text)
    if pieces is None:
        return None
    parts = [_part(p) for p in pieces]
    if any(p is None for p in parts):
        return None
    if len(parts) == 1:
        return _single(parts[0])  # type: ignore[arg-type]
    return _pair(parts[0], parts[1])  # type: ignore[arg-type]


def _split(text: str) -> list[str] | None:
    """The label cut into its one or two bound expressions (None: more than two)."""
    pieces = [p for p in _SEPARATORS.split(text) if p]
    if len(pieces) == 1:
        pieces = [p for p in _UPPER_PREFIX.split(text) if p]
    return pieces if 1 <= len(pieces) <= 2 else None


def _single(p: _Part) -> Range | None:
    unit = p.unit or ""
    v = p.value * p.mult
    if p.kind == "lo":
        return Range(v, p.incl, INF, False, unit)
    if p.kind == "hi":
        return Range(-INF, False, v, p.incl, unit)
    if unit in _POINT_UNITS:
        return Range(v, True, v, True, unit)
    return None


def _pair(a: _Part, b: _Part) -> Range | None:
    """「20～29岁」「6个月以上至1年」「1年以上不满3年」: a lower bound, then an upper one."""
    if a.kind == "hi" or b.kind == "lo":
        return None
    unit_a, unit_b = a.unit or b.unit, b.unit or a.unit
    if unit_a != unit_b and {unit_a, unit_b} != {"年", "月"}:
        return None
    mult_a = a.mult if (a.mult != 1 or a.unit) else b.mult  # 「1～5万元」: 1 is 1万
    lo, hi = a.value * mult_a, b.value * b.mult
    if unit_a != unit_b:  # 「6个月以上至1年」: both in months
        lo, hi = (lo * 12 if unit_a == "年" else lo), (hi * 12 if unit_b == "年" else hi)
        unit_a = "月"
    if lo > hi:
        return None
    return Range(lo, a.incl, hi, b.incl, unit_a or "")


def _in_months(r: Range) -> Range:
    return replace(r, lo=r.lo * 12, hi=r.hi * 12, unit="月") if r.unit == "年" else r


def common_ranges(labels: list[str]) -> tuple[list[tuple[int, Range]], bool] | None:
    """The parsed ranges of a question's labels (index, range) in one unit, and whether
    values are whole numbers; None when fewer than two labels are ranges of one unit."""
    found = [(i, r) for i, label in enumerate(labels) if (r := parse_range(label)) is not None]
    units = {r.unit for _, r in found}
    fractional_years = any(
        r.unit == "年" and any(math.isfinite(v) and v != int(v) for v in (r.lo, r.hi))
        for _, r in found
    )
    mixed = units == {"年", "月"} or (units == {"年"} and fractional_years)
    if mixed:
        found = [(i, _in_months(r)) for i, r in found]
        units = {"月"}
    if len(found) < 2 or len(units) != 1:
        return None
    values = [v for _, r in found for v in (r.lo, r.hi) if math.isfinite(v)]
    whole = not mixed and units <= WHOLE_UNITS and all(v == int(v) for v in values)
    return found, whole


@dataclass(frozen=True)
class Fault:
    """Two neighbouring options whose ranges ``overlap`` (kind) or leave a ``gap``; ``value``
    says which values, ``fixed`` the two labels rewritten so they meet exactly."""

    kind: str
    first: int
    second: int
    value: str
    fixed: tuple[str, str]


def range_faults(labels: list[str]) -> list[Fault]:
    """Overlaps and gaps between the ranges of one question's option labels (in order of
    value); labels that are not ranges are ignored."""
    parsed = common_ranges(labels)
    if parsed is None:
        return []
    found, whole = parsed
    items = [(i, _whole(r) if whole else r) for i, r in found]
    items.sort(key=lambda x: (x[1].lo, not x[1].lo_incl, x[1].hi))
    out: list[Fault] = []
    reach_i, reach = items[0]
    for i, r in items[1:]:
        fault = _compare(reach, r, whole)
        if fault is not None:
            kind, value, (fa, fb) = fault
            fixed = (
                labels[reach_i] if fa is None else render(fa, whole),
                labels[i] if fb is None else render(fb, whole),
            )
            out.append(Fault(kind, reach_i, i, value, fixed))
        if (r.hi, r.hi_incl) > (reach.hi, reach.hi_incl):
            reach_i, reach = i, r
    return out


def _whole(r: Range) -> Range:
    """The range as whole numbers with both ends included (「不满1年」 -> ..0)."""
    lo = r.lo if r.lo_incl or not math.isfinite(r.lo) else r.lo + 1
    hi = r.hi if r.hi_incl or not math.isfinite(r.hi) else r.hi - 1
    return Range(lo, True, hi, True, r.unit)


_Fixed = tuple[Range | None, Range | None]  # the two ranges rewritten (None: unchanged)


def _compare(a: Range, b: Range, whole: bool) -> tuple[str, str, _Fixed] | None:
    """('overlap' | 'gap', the values concerned, the fix) for ranges a <= b."""
    if whole:
        if b.lo <= a.hi:
            return "overlap", _span(b.lo, min(a.hi, b.hi), a.unit), _fix_overlap(a, b, whole)
        if b.lo > a.hi + 1:
            return "gap", _span(a.hi + 1, b.lo - 1, a.unit), _fix_gap(a, b, whole)
        return None
    if b.lo < a.hi or (b.lo == a.hi and a.hi_incl and b.lo_incl):
        return "overlap", _span(b.lo, min(a.hi, b.hi), a.unit), _fix_overlap(a, b, whole)
    if b.lo > a.hi or not (a.hi_incl or b.lo_incl):
        return "gap", _between(a, b), _fix_gap(a, b, whole)
    return None


def _fix_overlap(a: Range, b: Range, whole: bool) -> _Fixed:
    """Move the open-ended option's end (「21年及以上」, 「不足20人」); else start ``b`` after
    ``a`` (whole numbers) or end ``a`` just below ``b`` (「10%至不足30%」)."""
    later = replace(b, lo=a.hi + 1) if whole else replace(b, lo=a.hi, lo_incl=False)
    earlier = replace(a, hi=b.lo - 1) if whole else replace(a, hi=b.lo, hi_incl=False)
    if b.hi == INF:
        return None, later
    if a.lo == -INF or not whole:
        return earlier, None
    return None, later


def _fix_gap(a: Range, b: Range, whole: bool) -> _Fixed:
    """Start ``b`` right after ``a``."""
    if whole:
        return None, replace(b, lo=a.hi + 1)
    return None, replace(b, lo=a.hi, lo_incl=not a.hi_incl)


def number_text(value: float, unit: str) -> str:
    """A value with its unit as a label would say it (「20人」「6个月」「2年」「500万元」)."""
    if unit == "月":
        return f"{value / 12:g}年" if value >= 12 and value % 12 == 0 else f"{value:g}个月"
    if unit == "元" and value >= 10_000 and value % 10_000 == 0:
        return f"{value / 10_000:g}万元"
    return f"{value:g}{unit}"


def _shorten(left: str, right: str, unit: str) -> str:
    """「20人」「29人」 -> 「20～29人」 (one unit when both ends say the same one)."""
    suffix = "万元" if left.endswith("万元") and right.endswith("万元") else unit
    if unit == "月" or not suffix or not left.endswith(suffix):
        return f"{left}～{right}"
    return (
        f"{left.removesuffix('元')}～{right}"
        if suffix == "万元"
        else f"{left.removesuffix(suffix)}～{right}"
    )


def _span(lo: float, hi: float, unit: str) -> str:
    if lo == hi:
        return number_text(lo, unit)
    if hi == INF:
        return f"{number_text(lo, unit)}及以上"
    return _shorten(number_text(lo, unit), number_text(hi, unit), unit)


def _between(a: Range, b: Range) -> str:
    if a.hi == b.lo:
        return number_text(a.hi, a.unit)
    return _shorten(number_text(a.hi, a.unit), number_text(b.lo, a.unit), a.unit) + "之间的值"


def render(r: Range, whole: bool) -> str:
    """A label for ``r`` in the convention above: 「不足20人」「20～99人」「21年及以上」."""
    u = r.unit
    lo, hi = number_text(r.lo, u), number_text(r.hi, u)
    if r.lo == -INF:
        if whole:
            return f"不足{number_text(r.hi + 1, u)}"
        return f"{hi}及以下" if r.hi_incl else f"不足{hi}"
    if r.hi == INF:
        return f"{lo}及以上" if r.lo_incl else f"超过{lo}"
    if whole or (r.lo_incl and r.hi_incl):
        return lo if r.lo == r.hi else _shorten(lo, hi, u)
    start = lo if r.lo_incl else f"超过{lo}"
    return f"{start}至{hi}" if r.hi_incl else f"{start}至不足{hi}"
