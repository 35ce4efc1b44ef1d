"""What the experts rate (the ``--items`` of ``surveytool delphi``): a YAML list of indicators
or measures, or the three lists workbook, whose problems (or tasks) become the items.

YAML, one item a line::

    - {id: I1, text: 科研助理配备到位率}
    - {id: I2, text: 财务报销“一站式”办理}

A lists workbook gives ``问题清单`` rows as items (编号 -> id, the problem phrase -> text, the
problem key kept so the experts' priority goes back to the same row), or with
``source="任务"`` the ``任务清单`` rows (their 整改措施, else the problem).
"""

from __future__ import annotations

import re
from pathlib import Path

from surveytool.bank.yamlio import LineList, LineMap, read_yaml
from surveytool.errors import BankError, Problem, UsageError, display_name, problem
from surveytool.forms.delphi import DelphiItem

ITEM_ID = re.compile(r"^[A-Za-z0-9_]{1,32}$")
MAX_ITEMS = 200
KIND = "条目文件"
SOURCES = ("问题", "任务")


def _yaml_items(path: Path, shown: str) -> list[DelphiItem]:
    raw = read_yaml(path, shown)
    if not isinstance(raw, LineList):
        got = "映射" if isinstance(raw, dict) else "其他内容"
        raise UsageError(
            problem("not_list", file=shown, kind=KIND, line=1, what="条目文件", got=got)
        )
    problems: list[Problem] = []
    out: list[DelphiItem] = []
    first: dict[str, int] = {}
    for index, (value, line) in enumerate(zip(raw, raw.lines, strict=True), start=1):
        where = {"file": shown, "kind": KIND, "line": line}
        if not isinstance(value, LineMap):
            problems.append(
                problem("delphi_item_bad", **where, index=index, what="不是“编号、名称”的映射")
            )
            continue
        ident, text = str(value.get("id", "")).strip(), str(value.get("text", "")).strip()
        if not ITEM_ID.match(ident):
            problems.append(
                problem("delphi_item_bad", **where, index=index, what=f"的编号“{ident}”无效")
            )
        elif not text or len(text) > 200:
            problems.append(
                problem("delphi_item_bad", **where, index=index, what="没有名称或名称过长")
            )
        elif ident.lower() in first:
            problems.append(
                problem(
                    "delphi_item_duplicate", **where, value=ident, first_line=first[ident.lower()]
                )
            )
        else:
            first[ident.lower()] = line
            key = value.get("key")
            out.append(DelphiItem(ident, text, str(key) if key else None))
    if problems:
        raise UsageError(problems)
    return out


def _phrase(title: object) -> str:
    """A listed problem as an item: its phrase (the part before “：”)."""
    return str(title or "").split("：")[0].strip()


def _lists_items(path: Path, source: str) -> list[DelphiItem]:
    from surveytool.followup.lists import read_lists

    lists = read_lists(path)
    out = []
    for row in lists.sheets["问题清单"]:
        number = str(row.get("编号") or "").strip()
        if not ITEM_ID.match(number):
            continue
        label = _phrase(row.get("问题"))
        if source == "任务":
            task = lists.row("任务清单", number) or {}
            label = str(task.get("整改措施") or "").strip() or label
        if label:
            out.append(DelphiItem(number, label[:200], row.get("_key") or None))
    return out


def load_items(path: str | Path, source: str = "问题") -> list[DelphiItem]:
    """The items of ``path`` (YAML list or lists workbook, see the module docstring).
    Raises UsageError (ours, located) for a missing or malformed file or fewer than two
    items."""
    p = Path(path)
    shown = display_name(p.name)
    if not p.is_file():
        raise UsageError(problem("file_not_found", path=display_name(p)))
    suffix = p.suffix.lower()
    if suffix in (".yaml", ".yml"):
        try:
            items = _yaml_items(p, shown)
        except BankError as exc:
            raise UsageError(exc.problems) from None
    elif suffix in (".xlsx", ".xlsm"):
        items = _lists_items(p, source)
    else:
        raise UsageError(problem("delphi_items_type", path=shown))
    if not 2 <= len(items) <= MAX_ITEMS:
        raise UsageError(problem("delphi_items_few", file=shown, kind=KIND, count=len(items)))
    return items


__all__ = ["SOURCES", "load_items"]
