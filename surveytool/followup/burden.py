"""调研负担 across topics (issue 26): the seed asks to avoid 扎堆调研、多头调研、重复调研 and not
to add to the units' burden. Per unit named by the campaign's topics: how many topics survey
it, the questionnaires and the sessions (座谈/访谈/走访) it receives, and the answer minutes
asked of its people (target responses × the minutes the questionnaire's cover states, else
the bank's estimate); and warnings:

- a unit asked by :data:`CROWD_TOPICS` or more topics within :data:`WINDOW_DAYS` days (each
  topic's questionnaire window: ``start``/``end`` in the campaign file, else the dates its
  store's returns came in);
- the same kind of respondent (the topic's ``respondents``) asked to fill two or more
  questionnaires at one unit.
"""

from __future__ import annotations

from datetime import date, timedelta

import pandas as pd

from surveytool.bank import load_bank
from surveytool.bank.lint import estimate_minutes, stated_minutes
from surveytool.followup.campaign import Campaign, Topic

CROWD_TOPICS = 3
WINDOW_DAYS = 30
BURDEN_COLUMNS = [
    "unit",
    "topics",
    "topic_names",
    "questionnaires",
    "responses",
    "sessions",
    "minutes",
    "warning",
]


def _minutes(t: Topic) -> float:
    """Minutes one questionnaire of ``t`` takes: the cover's 约需 N 分钟, else estimated."""
    bank = load_bank(t.bank)
    stated = stated_minutes(bank.description)
    return stated if stated is not None else float(estimate_minutes(bank))


def _window(campaign: Campaign, t: Topic) -> tuple[date, date] | None:
    """The topic's questionnaire window: as planned, else when its returns came in."""
    if t.start or t.end:
        start = t.start or t.end
        return start, t.end or start  # type: ignore[return-value]
    store = campaign.store_of(t)
    if not store.is_file():
        return None
    from surveytool.store.answers import snapshot

    with snapshot(store) as snap:
        s = snap.summary(load_bank(t.bank))
    first, last = s.get("first") or "", s.get("last") or ""
    if not first:
        return None
    return date.fromisoformat(first[:10]), date.fromisoformat((last or first)[:10])


def crowded(windows: list[tuple[str, tuple[date, date]]]) -> list[str] | None:
    """The topics of the first :data:`WINDOW_DAYS`-day span that :data:`CROWD_TOPICS` or
    more windows reach into (None when there is no such span). Spans start at each window's
    start and at each window's end less the span, which is enough to find any."""
    starts = [w[0] for _, w in windows] + [
        w[1] - timedelta(days=WINDOW_DAYS - 1) for _, w in windows
    ]
    for t0 in sorted(starts):
        t1 = t0 + timedelta(days=WINDOW_DAYS - 1)
        inside = [name for name, (a, b) in windows if a <= t1 and b >= t0]
        if len(inside) >= CROWD_TOPICS:
            return inside
    return None


def _warnings(unit: str, topics: list[Topic], windows: dict[int, tuple[date, date]]) -> list[str]:
    out = []
    dated = [(f"选题{t.topic}", windows[t.topic]) for t in topics if t.topic in windows]
    many = crowded(dated)
    if many:
        out.append(
            f"{unit}在 {WINDOW_DAYS} 天内被 {len(many)} 个选题调研（{'、'.join(many)}），"
            "属扎堆调研，建议合并走访或错开时间。"
        )
    by_kind: dict[str, list[str]] = {}
    for t in topics:
        if t.respondents:
            by_kind.setdefault(t.respondents, []).append(f"选题{t.topic}")
    for kind, names in by_kind.items():
        if len(names) > 1:
            out.append(
                f"{unit}的{kind}将填写 {len(names)} 份问卷（{'、'.join(names)}），"
                "属重复调研，建议合并问卷或分配不同的填答人。"
            )
    return out


def burden(campaign: Campaign) -> tuple[pd.DataFrame, list[str]]:
    """Per unit (columns :data:`BURDEN_COLUMNS`, the most-asked first) and the warnings."""
    minutes = {t.topic: _minutes(t) for t in campaign.topics}
    windows = {t.topic: w for t in campaign.topics if (w := _window(campaign, t))}
    units: dict[str, list[tuple[Topic, object]]] = {}
    for t in campaign.topics:
        for u in t.units:
            units.setdefault(u.name, []).append((t, u))
    rows, warnings = [], []
    for name, pairs in units.items():
        topics = [t for t, _ in pairs]
        said = _warnings(name, topics, windows)
        warnings += said
        rows.append(
            {
                "unit": name,
                "topics": len({t.topic for t in topics}),
                "topic_names": "、".join(f"选题{t.topic}" for t in topics),
                "questionnaires": len(topics),
                "responses": sum(u.target or 0 for _, u in pairs),  # type: ignore[attr-defined]
                "sessions": sum(u.sessions for _, u in pairs),  # type: ignore[attr-defined]
                "minutes": round(
                    sum((u.target or 0) * minutes[t.topic] for t, u in pairs)  # type: ignore[attr-defined]
                ),
                "warning": bool(said),
            }
        )
    frame = pd.DataFrame(rows, columns=BURDEN_COLUMNS)
    if len(frame):
        frame = frame.sort_values(["topics", "minutes"], ascending=False, kind="stable")
    return frame.reset_index(drop=True), warnings


__all__ = ["BURDEN_COLUMNS", "CROWD_TOPICS", "WINDOW_DAYS", "burden", "crowded"]
