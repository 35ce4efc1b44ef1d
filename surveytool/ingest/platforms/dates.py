"""When each answer of a platform export was submitted: the date only.

问卷星 ``提交答卷时间`` (``2016/12/17 14:22:55``), 腾讯问卷 ``结束答题时间``
(``02-Feb-2021 20:26:58``), Kobo ``end`` (``2026-11-21T10:03:11.000+08:00``) then ``today``
(``2026-11-21``) then ``_submission_time``. The time of day could help identify a respondent,
so only the date is kept: it says when the answer was collected (the report's 回收时间).
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from typing import Any

import numpy as np

DATE_COLUMNS = {
    "wjx": ("提交答卷时间", "填写时间", "答题时间"),
    "tencent": ("结束答题时间", "开始答题时间"),
    "kobo": ("end", "today", "_submission_time"),
}
_YMD = re.compile(r"^\s*(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})")
_DMY = re.compile(r"^\s*(\d{1,2})-([A-Za-z]{3})-(\d{4})")
_MONTHS = {
    m: k
    for k, m in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"),
        start=1,
    )
}
_EXCEL_EPOCH = date(1899, 12, 30)


def date_columns(platform: str, meta: dict[str, int]) -> list[str]:
    """The metadata columns an export's submission dates are read from, first choice first
    (a row without the first takes the next)."""
    return [c for c in DATE_COLUMNS.get(platform, ()) if c in meta]


def first_days(columns: list[list[Any]]) -> np.ndarray:
    """Per row, the :func:`day` of the first of ``columns`` that holds a date."""
    out = np.empty(len(columns[0]) if columns else 0, dtype=object)
    for i, values in enumerate(zip(*columns, strict=True)):
        out[i] = next((d for d in map(day, values) if d), None)
    return out


def day(value: Any) -> str | None:
    """The ISO date of a submission time as exported (text, a datetime, or an Excel serial
    number); None when it is blank or not a date."""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, int | float | np.integer | np.floating) and not isinstance(value, bool):
        return _serial(float(value))
    if not isinstance(value, str):
        return None
    m = _YMD.match(value)
    if m:
        return _iso(int(m[1]), int(m[2]), int(m[3]))
    m = _DMY.match(value)
    if m and m[2].lower() in _MONTHS:
        return _iso(int(m[3]), _MONTHS[m[2].lower()], int(m[1]))
    return None


def _serial(x: float) -> str | None:
    if not 20000 <= x <= 80000 or x != x:  # 1954 to 2119: a plausible Excel date serial
        return None
    return (_EXCEL_EPOCH + timedelta(days=int(x))).isoformat()


def _iso(y: int, m: int, d: int) -> str | None:
    try:
        return date(y, m, d).isoformat()
    except ValueError:
        return None
