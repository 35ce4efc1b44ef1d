"""问题销号: progress of the three lists — counts by status, 销号率, overdue and due-soon items
by responsible unit, relative to a given day."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import pandas as pd

from surveytool.followup.lists import STATUSES, Lists, closed_rows, still_seen

SOON_DAYS = 14
NO_UNIT = "（未指定责任单位）"


def parse_day(v: Any) -> date | None:
    """A deadline as typed: a date cell, 2026-08-31, 2026/8/31, 2026年8月31日 (None: blank or
    not a date)."""
    if v is None or (isinstance(v, str) and not v.strip()):
        return None
    if isinstance(v, datetime):
        return v.date()
    if isinstance(v, date):
        return v
    m = re.fullmatch(r"\s*(\d{4})[-/.年](\d{1,2})[-/.月](\d{1,2})日?\s*", str(v))
    if not m:
        return None
    try:
        return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        return None


@dataclass
class Progress:
    """Where the lists stand on ``today``."""

    today: date
    total: int
    by_status: dict[str, int]
    closed_rate: float  # 销号率, 0-100
    overdue: list[dict] = field(default_factory=list)
    due_soon: list[dict] = field(default_factory=list)
    bad_deadlines: list[dict] = field(default_factory=list)
    unsupported: int = 0
    no_deadline: int = 0  # open items (not 已销号) without a 完成时限
    by_unit: pd.DataFrame = field(default_factory=pd.DataFrame)
    reopened: list[dict] = field(default_factory=list)  # 已销号, yet the latest data show it

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready."""
        return {
            "today": self.today.isoformat(),
            "total": self.total,
            "by_status": self.by_status,
            "closed_rate": round(self.closed_rate, 1),
            "overdue": self.overdue,
            "due_soon": self.due_soon,
            "bad_deadlines": self.bad_deadlines,
            "unsupported": self.unsupported,
            "no_deadline": self.no_deadline,
            "reopened": self.reopened,
            "by_unit": self.by_unit.to_dict(orient="records"),
        }


def track(lists: Lists, today: date | None = None, soon_days: int = SOON_DAYS) -> Progress:
    """Progress on ``today`` (default: the real today)."""
    today = today or date.today()
    units = {
        r.get("编号"): (str(r.get("责任单位")).strip() if r.get("责任单位") else NO_UNIT)
        for r in lists.sheets["责任清单"]
    }
    unsupported = sum(
        str(r.get("数据支持") or "").startswith("否") for r in lists.sheets["问题清单"]
    )
    reopened = [
        {"编号": r.get("编号"), "问题": r.get("问题"), "数据支持": r.get("数据支持")}
        for r in closed_rows(lists).values()
        if still_seen(r)
    ]
    rows = []
    overdue, soon, bad = [], [], []
    no_deadline = 0
    for r in lists.sheets["任务清单"]:
        status = str(r.get("状态") or "未启动").strip()
        status = status if status in STATUSES else "未启动"
        unit = units.get(r.get("编号"), NO_UNIT)
        deadline = parse_day(r.get("完成时限"))
        item = {
            "编号": r.get("编号"),
            "问题": r.get("问题"),
            "责任单位": unit,
            "完成时限": deadline.isoformat() if deadline else None,
            "状态": status,
        }
        late = bool(deadline and deadline < today and status != "已销号")
        near = bool(
            deadline
            and today <= deadline <= today + timedelta(days=soon_days)
            and status != "已销号"
        )
        if r.get("完成时限") not in (None, "") and deadline is None:
            bad.append({**item, "完成时限": str(r.get("完成时限"))})
        elif deadline is None and status != "已销号":
            no_deadline += 1
        if late:
            overdue.append(item)
        if near:
            soon.append(item)
        rows.append({"unit": unit, "status": status, "overdue": late, "due_soon": near})
    frame = pd.DataFrame(rows, columns=["unit", "status", "overdue", "due_soon"])
    by_status = {s: int((frame["status"] == s).sum()) for s in STATUSES}
    total = len(frame)
    return Progress(
        today,
        total,
        by_status,
        100 * by_status["已销号"] / total if total else 0.0,
        overdue,
        soon,
        bad,
        unsupported,
        no_deadline,
        _by_unit(frame),
        reopened,
    )


def _by_unit(frame: pd.DataFrame) -> pd.DataFrame:
    if frame.empty:
        return pd.DataFrame(
            columns=["unit", "total", *STATUSES, "closed_rate", "overdue", "due_soon"]
        )
    out = []
    for unit, g in frame.groupby("unit", sort=True):
        counts = {s: int((g["status"] == s).sum()) for s in STATUSES}
        out.append(
            {
                "unit": unit,
                "total": len(g),
                **counts,
                "closed_rate": 100 * counts["已销号"] / len(g),
                "overdue": int(g["overdue"].sum()),
                "due_soon": int(g["due_soon"].sum()),
            }
        )
    return pd.DataFrame(out)
