"""The campaign file (``campaign.yaml``): topics, their banks and stores, target units with
population and target responses, and milestones. Validated like banks: every problem at
once, in Chinese, with file and line.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from surveytool.bank.build import Collector, suggest
from surveytool.bank.loader import builtin_ids, resolve_bank
from surveytool.bank.yamlio import LineList, LineMap, duplicate_problems, read_yaml
from surveytool.errors import BankError, problem
from surveytool.filenames import typed_path

# The seed's dates (§四 实施步骤), month-day.
DEFAULT_MILESTONES = [
    ("制定调研方案", "04-15"),
    ("初步完成课题调研", "06-15"),
    ("形成调研报告初稿并交流", "06-30"),
    ("集中解决一批问题", "08-31"),
    ("督查回访", "11-30"),
    ("综合评估", "12-31"),
]


@dataclass(frozen=True)
class Unit:
    """A unit to cover: its name (as the bank's unit option label), population, target."""

    name: str
    population: int | None = None
    target: int | None = None
    sessions: int = 0  # 座谈/访谈/走访 planned at the unit (调研负担)


@dataclass(frozen=True)
class Topic:
    """One research topic of the campaign."""

    topic: int
    title: str
    bank: str
    owner: str = ""
    store: str | None = None
    units: tuple[Unit, ...] = ()
    lists: str | None = None
    start: date | None = None  # the questionnaire's window (调研负担), when planned
    end: date | None = None
    respondents: str = ""  # who fills it in (填答对象), e.g. 青年科技工作者


@dataclass(frozen=True)
class Milestone:
    name: str
    due: date


@dataclass
class Campaign:
    """A validated campaign file."""

    name: str
    year: int
    topics: list[Topic]
    milestones: list[Milestone] = field(default_factory=list)
    path: Path | None = None

    def topic(self, number: int) -> Topic:
        """Topic by number (KeyError if none)."""
        for t in self.topics:
            if t.topic == number:
                return t
        raise KeyError(number)

    def store_of(self, t: Topic) -> Path:
        """The topic's store path (relative paths are relative to the campaign file)."""
        name = t.store or f"选题{t.topic}.db"
        p = typed_path(name)
        return p if p.is_absolute() or self.path is None else self.path.parent / p

    def lists_of(self, t: Topic) -> Path:
        """The topic's three lists (``lists:``, default 选题N-三张清单.xlsx; relative paths are
        relative to the campaign file)."""
        p = Path(t.lists or f"选题{t.topic}-三张清单.xlsx")
        return p if p.is_absolute() or self.path is None else self.path.parent / p


def _int(c: Collector, m: LineMap, key: str, where: str, minimum: int = 0) -> int | None:
    v = m.get(key)
    if v is None:
        return None
    if isinstance(v, bool) or not isinstance(v, int) or v < minimum:
        c.err("campaign_bad_number", m.line_of(key), None, key=key, value=v, what=where)
        return None
    return v


def _date(c: Collector, m: LineMap, key: str) -> date | None:
    v = m.get(key)
    if v is None:
        return None
    if not isinstance(v, date):
        c.err("campaign_bad_date", m.line_of(key), None, value=v)
        return None
    return v


def _units(c: Collector, raw: Any, line: int, title: str) -> tuple[Unit, ...]:
    if raw is None:
        return ()
    if not isinstance(raw, LineList):
        c.err("not_list", line, None, what=f"选题“{title}”的 units", got=type(raw).__name__)
        return ()
    out = []
    for item, at in zip(raw, raw.lines, strict=True):
        m = c.mapping(item, at, "单位")
        if m is None:
            continue
        c.unknown_keys(m, {"name", "population", "target", "sessions"})
        name = c.text(m, "name", None, required=True)
        pop, target = _int(c, m, "population", "总体人数", 1), _int(c, m, "target", "目标份数", 0)
        sessions = _int(c, m, "sessions", "座谈走访场次", 0) or 0
        if pop is not None and target is not None and target > pop:
            c.err(
                "campaign_target_gt_population",
                m.line_of("target"),
                None,
                unit=name,
                target=target,
                population=pop,
            )
        if name:
            out.append(Unit(name, pop, target, sessions))
    return tuple(out)


def _bank_ref(c: Collector, m: LineMap, base: Path) -> str:
    """The topic's bank: a built-in id, or a path made relative to the campaign file; a bank
    that cannot be found is reported at its line."""
    text = c.text(m, "bank", None, required=True) or ""
    if not text:
        return ""
    looks_like_path = text.endswith((".yaml", ".yml")) or "/" in text or "\\" in text
    typed = typed_path(text)  # campaign files travel between Windows PCs: `\` separates
    ref = str(base / typed) if looks_like_path and not typed.is_absolute() else text
    try:
        resolve_bank(ref)
    except BankError:
        ids = builtin_ids()
        hint = (
            "请检查路径是否正确（相对路径以调研计划文件所在的文件夹为准）。"
            if looks_like_path
            else suggest(text, ids) or f"内置题库有：{'、'.join(ids)}。"
        )
        c.err("campaign_bank_missing", m.line_of("bank"), value=text, hint=hint)
    return ref


def _topics(c: Collector, raw: Any, line: int, base: Path) -> list[Topic]:
    if not isinstance(raw, LineList):
        c.err("missing_key", line, key="topics", meaning="调研选题")
        return []
    out = []
    for item, at in zip(raw, raw.lines, strict=True):
        m = c.mapping(item, at, "选题")
        if m is None:
            continue
        known = {"topic", "title", "bank", "owner", "store", "units", "lists"}
        c.unknown_keys(m, known | {"start", "end", "respondents"})
        number = _int(c, m, "topic", "选题编号", 1)
        title = c.text(m, "title", None, required=True) or ""
        bank = _bank_ref(c, m, base)
        if number is None:
            c.err("missing_key", m.line, key="topic", meaning="选题编号（1～8）")
            continue
        out.append(
            Topic(
                number,
                title,
                bank,
                c.text(m, "owner", None, required=False) or "",
                c.text(m, "store", None, required=False),
                _units(c, m.get("units"), m.line_of("units"), title),
                c.text(m, "lists", None, required=False),
                _date(c, m, "start"),
                _date(c, m, "end"),
                c.text(m, "respondents", None, required=False) or "",
            )
        )
    return out


def _milestones(c: Collector, raw: Any, line: int, year: int) -> list[Milestone]:
    if raw is None:
        return [Milestone(n, date.fromisoformat(f"{year}-{md}")) for n, md in DEFAULT_MILESTONES]
    out = []
    for item, at in zip(raw, getattr(raw, "lines", [line] * len(raw)), strict=True):
        m = c.mapping(item, at, "时间节点")
        if m is None:
            continue
        name = c.text(m, "name", None, required=True)
        due = m.get("due")
        if not isinstance(due, date):
            c.err("campaign_bad_date", m.line_of("due"), None, value=due)
            continue
        out.append(Milestone(name or "", due))
    return out


def load_campaign(path: str | Path) -> Campaign:
    """Load and validate a campaign file; raises BankError listing every problem."""
    p = Path(path)
    raw = read_yaml(p, p.name)
    c = Collector(p.name, kind="调研计划")
    c.problems.extend(duplicate_problems(raw, p.name))
    top = c.mapping(raw, 1, "调研计划文件")
    if top is None:
        raise BankError(c.problems)
    c.unknown_keys(top, {"name", "year", "topics", "milestones"})
    year = _int(c, top, "year", "年份", 2000) or date.today().year
    campaign = Campaign(
        c.text(top, "name", None, required=True) or "",
        year,
        _topics(c, top.get("topics"), top.line_of("topics"), p.parent),
        _milestones(c, top.get("milestones"), top.line_of("milestones"), year),
        p,
    )
    seen: dict[int, int] = {}
    for t in campaign.topics:
        if t.topic in seen:
            c.err("campaign_duplicate_topic", None, None, value=t.topic)
        seen[t.topic] = 1
    if c.problems:
        raise BankError(c.problems)
    return campaign


__all__ = ["Campaign", "Milestone", "Topic", "Unit", "load_campaign", "problem"]
