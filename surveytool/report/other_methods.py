"""The report's sections on the seed's other methods: 座谈访谈主要观点 (sessions, themes ranked by
the sessions raising them, safe quotes, 实地察看), 专家咨询结果 (the Delphi rounds), and the
triangulation column of 存在的主要问题 (which other methods also raised each problem).

Everything here is read from one snapshot of the store (:func:`load_evidence`) and kept
compact — tables, one paragraph each — so the report body stays within its page budget.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from surveytool.analysis.delphi import CR_MIN, ConsensusRule, DelphiResult, analyse_round
from surveytool.analysis.delphi_rules import Rule, Scale
from surveytool.analysis.themes import (
    NotesSummary,
    PhraseWords,
    raised_in,
    seen_in,
    summarise_notes,
)
from surveytool.bank.model import Bank
from surveytool.report.numbering import Numbering
from surveytool.store import methods as sm
from surveytool.store.db import Store

MAX_EXPERT_ROWS = 6
MAX_VISIT_ROWS = 8
KIND_WORDS = {"座谈": ("座谈", "场"), "访谈": ("个别访谈", "次"), "研讨": ("结构化研讨", "场")}


@dataclass
class Evidence:
    """What the store holds of the other methods for one bank."""

    bank: Bank
    k: int
    notes: NotesSummary | None
    visits: pd.DataFrame
    seen: pd.DataFrame  # problems seen on visits: visit, seq, theme, text, photo
    delphi: list[DelphiResult]
    words: PhraseWords

    @property
    def empty(self) -> bool:
        """Nothing but the questionnaire."""
        return self.notes is None and self.visits.empty and not self.delphi


def delphi_results(
    store: Store, rule: Rule | Callable[[Scale], Rule] | None = None
) -> list[DelphiResult]:
    """Every Delphi round in the store on its own scale, each with its change from the
    round before. ``rule`` is one rule for every round, or a function making a round's
    rule from its scale (None: the default rule of each round's scale)."""
    out: list[DelphiResult] = []
    for rnd in sm.delphi_rounds(store):
        d = sm.read_delphi(store, rnd)
        scale = Scale(*d.scale)
        this = rule(scale) if callable(rule) else rule
        previous = out[-1] if out else None
        result = analyse_round(d.items, d.experts, d.ratings, rnd, this, previous, scale)
        result.extra["keys"] = {
            i: k for i, k in zip(d.items["item"], d.items["key"], strict=True) if k
        }
        out.append(result)
    return out


def load_evidence(store: Store, bank: Bank, k: int, rule: ConsensusRule | None = None) -> Evidence:
    """Read and analyse the sessions, visits and Delphi rounds of ``bank`` in ``store``."""
    sessions, notes = sm.read_sessions(store, bank.id)
    visits, _, seen = sm.read_visits(store, bank.id)
    summary = summarise_notes(sessions, notes, bank, k) if len(sessions) else None
    return Evidence(
        bank, k, summary, visits, seen, delphi_results(store, rule), PhraseWords.of(bank)
    )


# --- triangulation ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Raised:
    """Which other methods raised one problem: sessions, the experts' row, visits. For a
    problem of one group (a unit, a unit type), ``sessions`` and ``visits`` count only those
    of that group; ``theme_sessions`` and ``theme_visits`` the others that raised its theme,
    which do not corroborate it."""

    sessions: int
    rated: dict | None
    visits: int
    theme_sessions: int = 0
    theme_visits: int = 0

    def names(self) -> list[str]:
        """The 来源 words: 座谈, 专家, 实地."""
        return [
            n
            for n, on in (("座谈", self.sessions), ("专家", self.rated), ("实地", self.visits))
            if on
        ]

    def text(self) -> str:
        """``座谈 2 场；专家 4.6 分（共识）；实地 1 次`` (座谈 counts 访谈 and 研讨 sessions
        too), or — when none."""
        parts = []
        if self.sessions:
            parts.append(f"座谈 {self.sessions} 场")
        if self.rated:
            agreed = "（共识）" if self.rated["consensus"] else ""
            parts.append(f"专家 {self.rated['mean']:.1f} 分{agreed}")
        if self.visits:
            parts.append(f"实地 {self.visits} 次")
        if self.theme_sessions or self.theme_visits:
            other = [f"座谈 {self.theme_sessions} 场"] if self.theme_sessions else []
            other += [f"实地 {self.theme_visits} 次"] if self.theme_visits else []
            parts.append(f"同一主题{'、'.join(other)}")
        return "；".join(parts) or "—"


def raised(ev: Evidence, p, rated: dict[str, dict] | None = None) -> Raised:
    """Which other methods raised problem ``p`` (``key``, ``phrase``, ``title``)."""
    rated = _delphi_by_key(ev) if rated is None else rated
    key, phrase = _get(p, "key"), _get(p, "phrase") or _get(p, "title")
    sessions = raised_in(key, phrase, ev.notes.coded, ev.bank, ev.words) if ev.notes else set()
    visits = seen_in(key, phrase, ev.seen, ev.bank, ev.words) if not ev.seen.empty else set()
    group = group_label(key, ev.bank)
    if group is None:
        return Raised(len(sessions), rated.get(key), len(visits))
    own_sessions = _of_group(ev.notes.sessions, "session", sessions, group) if ev.notes else set()
    own_visits = _of_group(ev.visits, "visit", visits, group)
    return Raised(
        len(own_sessions),
        rated.get(key),
        len(own_visits),
        len(sessions - own_sessions),
        len(visits - own_visits),
    )


def group_label(key: str, bank: Bank) -> str | None:
    """The group a problem concerns (``group:<construct>:<field>:<code>``: the option's
    label, e.g. 柳州市工人医院 or 医院); None for a problem of everyone."""
    kind, _, rest = key.partition(":")
    parts = rest.split(":")
    if kind != "group" or len(parts) < 3:
        return None
    try:
        options = {o.code: o.label for o in bank.field(parts[1]).options}
        return options.get(int(parts[2]))
    except (KeyError, ValueError):
        return None


def _same(a: object, b: str) -> bool:
    return isinstance(a, str) and a.strip() != "" and a.strip() == b.strip()


def _of_group(frame: pd.DataFrame, id_column: str, ids: set[int], group: str) -> set[int]:
    """Those of ``ids`` (sessions or visits) held with the group: their unit, or unit type,
    is the group's label."""
    if frame is None or frame.empty or not ids:
        return set()
    out = set()
    for row in frame[frame[id_column].isin(ids)].to_dict(orient="records"):
        if _same(row.get("unit"), group) or _same(row.get("unit_type"), group):
            out.add(int(row[id_column]))
    return out


def sources(ev: Evidence, problems: list) -> list[str]:
    """For each problem, which other methods raised it (see :meth:`Raised.text`)."""
    rated = _delphi_by_key(ev)
    return [raised(ev, p, rated).text() for p in problems]


def _get(p, name: str) -> str:
    return str((p.get(name) if isinstance(p, dict) else getattr(p, name, "")) or "")


def _delphi_by_key(ev: Evidence) -> dict[str, dict]:
    """The latest round's statistics of each item that came from a listed problem, by key."""
    if not ev.delphi:
        return {}
    last = ev.delphi[-1]
    keys = last.extra.get("keys", {})
    return {keys[r["item"]]: r for r in last.items.to_dict(orient="records") if keys.get(r["item"])}


def _rating(row: dict, total: int, rnd: int) -> str:
    agreed = "达成共识" if row["consensus"] else "未达成共识"
    return f"均值 {row['mean']:.2f}，第 {row['rank']}/{total} 位，{agreed}（第 {rnd} 轮）"


def for_lists(
    ev: Evidence, found: list[dict], measured: dict[str, dict]
) -> tuple[list[dict], dict[str, dict]]:
    """What ``followup.lists.make_lists`` takes from the other methods: the problems (the
    survey's, plus each problem seen on a visit that no survey problem covers, source 实地)
    and, by problem key, the methods that raised it and the experts' rating."""
    problems = list(found)
    rated = _delphi_by_key(ev)
    evidence: dict[str, dict] = {}
    total = len(ev.delphi[-1].items) if ev.delphi else 0
    for p in [*found, *(m for k, m in measured.items() if k not in {f["key"] for f in found})]:
        names = raised(ev, p, rated).names()
        entry: dict = {"sources": names}
        if p["key"] in rated:
            entry["rating"] = _rating(rated[p["key"]], total, ev.delphi[-1].round)
        if names or "rating" in entry:
            evidence[p["key"]] = entry
    visits = ev.visits.set_index("visit") if not ev.visits.empty else None
    for r in ev.seen.to_dict(orient="records"):
        if _matches(ev, pd.Series(r), found) or visits is None:
            continue
        v = visits.loc[r["visit"]]
        photo = f"；照片 {r['photo']}" if _cell(r["photo"]) != "—" else ""
        problems.append(
            {
                "key": f"visit:{r['visit']}:{r['seq']}",
                "title": r["text"],
                "phrase": "",
                "evidence": f"实地察看（{v['visited_on']}，{v['unit_type'] or '单位类型未注明'}）：{r['text']}{photo}",
                "sources": ["实地"],
            }
        )
    return problems, evidence


def lists_input(
    store_path: str | Path, bank: Bank, found: list[dict], measured: dict[str, dict], k: int = 5
) -> tuple[list[dict], dict[str, dict]]:
    """:func:`for_lists` from the store at ``store_path`` (the problems unchanged and no
    evidence when the store holds no sessions, visits or Delphi rounds)."""
    with Store(store_path) as store:
        evidence = load_evidence(store, bank, k)
    if evidence.empty:
        return found, {}
    return for_lists(evidence, found, measured)


# --- 座谈访谈主要观点 ----------------------------------------------------------------------------


def _cn_date(iso: str) -> str:
    y, m, d = iso.split("-")
    return f"{int(y)}年{int(m)}月{int(d)}日"


def _period(days: list[str]) -> str:
    """``2026年5月12日至20日`` (the year and month said once when they are the same)."""
    days = sorted(d for d in days if d)
    if not days:
        return ""
    first, last = _cn_date(days[0]), _cn_date(days[-1])
    if first == last:
        return first
    if days[0][:7] == days[-1][:7]:
        return f"{first}至{int(days[-1][8:])}日"
    if days[0][:4] == days[-1][:4]:
        return f"{first}至{last[5:]}"
    return f"{first}至{last}"


def _held(s: pd.DataFrame) -> str:
    """座谈 3 场、个别访谈 1 次."""
    counts = s["kind"].value_counts()
    return "、".join(
        f"{KIND_WORDS[k][0]} {int(counts[k])} {KIND_WORDS[k][1]}" for k in KIND_WORDS if k in counts
    )


def _sessions_text(ns: NotesSummary) -> str:
    s = ns.sessions
    by = ns.by_unit().groupby("unit_type", sort=False)[["sessions", "participants"]].sum()
    parts = "，".join(
        f"{u} {int(r.sessions)} 场 {int(r.participants)} 人" for u, r in by.iterrows()
    )
    waves = sorted(set(s["wave"]))
    wave = f"（{'、'.join(waves)}）" if waves else ""
    return (
        f"{_period(list(s['held_on']))}{wave}开展{_held(s)}，共 {ns.participants} 人参加（{parts}）。"
        f"记录已隐去个人信息；不足 {ns.k} 人的场次不引用原话。"
    )


def _themes_table(ns: NotesSummary, num: Numbering) -> dict:
    table = ns.theme_table()
    table = table[table["sessions"] > 0]
    total = len(ns.sessions)
    rows = [
        [
            r["name"],
            f"{r['sessions']}/{total}",
            str(r["participants"]),
            f"“{r['quote']}”（{r['quote_unit']}）" if r["quote"] else "—",
        ]
        for r in table.to_dict(orient="records")
    ]
    return num.table(
        "座谈访谈各主题提及情况",
        ["主题", "场次", "人数", "代表性观点"],
        rows,
        "注：场次、人数为提及该主题的场次及其参加人数（按记录的主题标题和题库中各主题的关键词归类）；"
        f"代表性观点只取自参加人数不少于 {ns.k} 人的场次。",
    )


def _visits_blocks(ev: Evidence, problems: list, num: Numbering) -> list[dict]:
    v = ev.visits
    types = v["unit_type"].replace("", "未注明").value_counts()
    by_type = "、".join(f"{t} {int(n)} 次" for t, n in types.items())
    matched = sum(1 for _, r in ev.seen.iterrows() if _matches(ev, r, problems))
    text = (
        f"{_period(list(v['visited_on']))}实地察看 {len(v)} 次（{by_type}），发现问题 {len(ev.seen)} 条，"
        f"{matched} 条与问卷结果相互印证，其余已列入问题清单。"
    )
    blocks: list[dict] = [{"para": text}]
    if not ev.seen.empty:
        unit = v.set_index("visit")["unit_type"]
        rows = [
            [r["text"], _cell(unit.get(r["visit"])), _cell(r["photo"])]
            for r in ev.seen.head(MAX_VISIT_ROWS).to_dict(orient="records")
        ]
        note = "注：照片见走访人员保存的同名文件。"
        if len(ev.seen) > MAX_VISIT_ROWS:
            note += f"另有 {len(ev.seen) - MAX_VISIT_ROWS} 条见问题清单。"
        blocks.append(
            {"table": num.table("实地察看发现的问题", ["问题", "单位类型", "照片"], rows, note)}
        )
    return blocks


def _cell(value: object) -> str:
    """A table cell: the text, or — for nothing (None, NaN, '')."""
    return "—" if value is None or value != value or value == "" else str(value)


def _matches(ev: Evidence, row: pd.Series, problems: list) -> bool:
    one = pd.DataFrame([row])
    return any(
        seen_in(_get(p, "key"), _get(p, "phrase") or _get(p, "title"), one, ev.bank, ev.words)
        for p in problems
    )


def interview_section(ev: Evidence, problems: list, num: Numbering) -> dict:
    """座谈访谈主要观点: sessions held, themes ranked with quotes, and the visits."""
    blocks: list[dict] = []
    if ev.notes is not None:
        blocks += [{"para": _sessions_text(ev.notes)}, {"table": _themes_table(ev.notes, num)}]
    if not ev.visits.empty:
        blocks += _visits_blocks(ev, problems, num)
    return {"title": "座谈访谈主要观点", "blocks": blocks}


# --- 专家咨询结果 --------------------------------------------------------------------------------


def _expert_text(ev: Evidence) -> str:
    last = ev.delphi[-1]
    rounds = "、".join(f"第 {r.round} 轮 {r.experts} 位" for r in ev.delphi)
    a = last.authority
    authority = ""
    if a["experts"]:
        level = "高于" if a["cr"] >= CR_MIN else "低于"
        authority = f"权威系数 Cr = {a['cr']:.2f}（Ca = {a['ca']:.2f}，Cs = {a['cs']:.2f}），{level} {CR_MIN} 的常用标准。"
    agreed = int(last.items["consensus"].sum())
    return (
        f"就 {len(last.items)} 个条目开展专家咨询 {len(ev.delphi)} 轮，{rounds}专家返回有效咨询表。{authority}"
        f"{_concordance(ev.delphi)}按“{last.rule.describe()}”，第 {last.round} 轮 {agreed} 个条目达成共识。"
    )


def _concordance(results: list[DelphiResult]) -> str:
    """Kendall's W of each round in one sentence, its χ² test said in words (the statistic is
    a test's, for the appendix): 协调系数 W 由 0.318 升至 0.518（各轮均经检验在统计上可靠），
    专家意见趋于一致。"""
    ws = [r.kendall for r in results if r.kendall["w"] is not None]
    if not ws:
        return "完整评分的专家不足 2 位，未计算协调系数。"
    reliable = [k["p_value"] is not None and k["p_value"] < 0.05 for k in ws]
    if all(reliable):
        said = "经检验在统计上可靠" if len(ws) == 1 else "各轮均经检验在统计上可靠"
    elif not any(reliable):
        said = "经检验未达到统计上可靠的水平"
    else:
        said = f"第 {', '.join(str(i + 1) for i, ok in enumerate(reliable) if ok)} 轮经检验在统计上可靠"
    if len(ws) == 1:
        return f"Kendall 协调系数 W = {ws[0]['w']:.3f}（{said}）。"
    way = "升至" if ws[-1]["w"] > ws[0]["w"] else "降至"
    trend = "，专家意见趋于一致" if way == "升至" else ""
    return f"Kendall 协调系数 W 由 {ws[0]['w']:.3f} {way} {ws[-1]['w']:.3f}（{said}）{trend}。"


def _expert_rows(ev: Evidence, limit: int | None) -> tuple[list[str], list[list[str]]]:
    """Header and rows of the last round's items, best first (``limit`` of them, or all)."""
    last = ev.delphi[-1]
    prev = ev.delphi[-2].items.set_index("item")["mean"] if len(ev.delphi) > 1 else None
    ranked = last.items.sort_values("rank")
    shown = ranked.head(limit) if limit else ranked
    header = [
        "排序",
        "条目",
        "均值",
        "变异系数",
        "满分比",
        *(["上一轮均值"] if prev is not None else []),
        "共识",
    ]
    rows = []
    for r in shown.to_dict(orient="records"):
        line = [
            str(r["rank"]),
            r["label"],
            f"{r['mean']:.2f}",
            f"{r['cv']:.2f}",
            f"{r['full_score_ratio']:.2f}",
        ]
        if prev is not None:
            before = prev.get(r["item"])
            line.append(f"{before:.2f}" if before is not None and before == before else "—")
        rows.append([*line, "是" if r["consensus"] else "否"])
    return header, rows


def expert_note(scale) -> str:
    """The table note of the expert ratings, on the round's own scale."""
    return f"注：重要性 {scale.span} 分；变异系数 = 标准差/均值；满分比为评 {scale.high} 分的专家比例；权威系数 Cr =（判断依据 Ca + 熟悉程度 Cs）/2。"


def _expert_table(ev: Evidence, num: Numbering) -> dict:
    last = ev.delphi[-1]
    header, rows = _expert_rows(ev, MAX_EXPERT_ROWS)
    note = expert_note(last.scale)
    rest = len(last.items) - len(rows)
    if rest > 0:
        rest_agreed = int(last.items.sort_values("rank").iloc[MAX_EXPERT_ROWS:]["consensus"].sum())
        note += f"另有 {rest} 个条目（其中 {rest_agreed} 个达成共识）的评分见附录。"
    return num.table(f"专家咨询各条目评分（第 {last.round} 轮，按均值排序）", header, rows, note)


def expert_section(ev: Evidence, num: Numbering) -> dict:
    """专家咨询结果: rounds, authority, concordance, consensus, the items ranked; every item
    in the appendix when the body shows only the first ones."""
    out: dict = {
        "title": "专家咨询结果",
        "blocks": [{"para": _expert_text(ev)}, {"table": _expert_table(ev, num)}],
    }
    if len(ev.delphi[-1].items) > MAX_EXPERT_ROWS:
        header, rows = _expert_rows(ev, None)
        table = {
            "caption": f"附表　专家咨询全部条目评分（第 {ev.delphi[-1].round} 轮）",
            "header": header,
            "rows": rows,
            "note": expert_note(ev.delphi[-1].scale),
        }
        out["appendix"] = {"title": "专家咨询全部条目评分", "blocks": [{"table": table}]}
    return out


@dataclass
class MethodsReport:
    """What the report adds for the other methods (see report.context.build_context)."""

    evidence: Evidence

    def sources(self, problems: list) -> list[str]:
        """The 其他方法印证 column of the problems table."""
        return sources(self.evidence, problems)

    def sections(self, problems: list, num: Numbering) -> list[dict]:
        """座谈访谈主要观点 (when there are sessions or visits) and 专家咨询结果 (rounds)."""
        ev = self.evidence
        out = []
        if ev.notes is not None or not ev.visits.empty:
            out.append(interview_section(ev, problems, num))
        if ev.delphi:
            out.append(expert_section(ev, num))
        return out


__all__ = [
    "Evidence",
    "MethodsReport",
    "delphi_results",
    "expert_section",
    "for_lists",
    "interview_section",
    "lists_input",
    "load_evidence",
    "sources",
]
