"""Campaign status: responses received per topic and unit against targets, the margin of
error reached, and milestones due or overdue; and the stratified allocation of a sample."""

from __future__ import annotations

import math
from datetime import date

import pandas as pd

from surveytool.analysis.limits import MIN_PROBLEM_BASE
from surveytool.analysis.sampling import margin_of_error
from surveytool.bank import load_bank
from surveytool.errors import UsageError, problem
from surveytool.followup.campaign import Campaign, Topic
from surveytool.store.answers import load_answers

SOON_DAYS = 14


def _received(campaign: Campaign, t: Topic) -> tuple[dict[str, int], int, str]:
    """Accepted responses per unit label, in total, and a note when the store is missing."""
    store = campaign.store_of(t)
    if not store.is_file():
        return {}, 0, "尚未回收答卷"
    bank = load_bank(t.bank)
    frame = load_answers(store, bank)
    units = bank.role_fields("unit")
    if not units or frame.empty:
        return {}, len(frame), ""
    labels = {o.code: o.label for o in units[0].options}
    counts = frame[units[0].id].map(lambda c: labels.get(int(c)) if pd.notna(c) else None)
    return counts.value_counts().to_dict(), len(frame), ""


def coverage(campaign: Campaign) -> pd.DataFrame:
    """Per topic and unit: target, received, completion (received / target), response rate
    (received / population, the people asked), margin of error reached, below target."""
    rows = []
    for t in campaign.topics:
        got, total, note = _received(campaign, t)
        for u in t.units:
            n = int(got.get(u.name, 0))
            moe = margin_of_error(n, u.population) if n >= MIN_PROBLEM_BASE else float("nan")
            rows.append(
                {
                    "topic": t.topic,
                    "title": t.title,
                    "unit": u.name,
                    "population": u.population,
                    "target": u.target,
                    "received": n,
                    "percent": 100 * n / u.target if u.target else None,
                    # answers / people asked (the unit's population in campaign.yaml)
                    "response_rate": 100 * n / u.population if u.population else None,
                    "moe": moe,
                    "below_target": bool(u.target and n < u.target),
                    "note": note,
                }
            )
        if not t.units:
            rows.append(
                {
                    "topic": t.topic,
                    "title": t.title,
                    "unit": "（全部）",
                    "population": None,
                    "target": None,
                    "received": total,
                    "percent": None,
                    "response_rate": None,
                    "moe": margin_of_error(total) if total >= MIN_PROBLEM_BASE else float("nan"),
                    "below_target": False,
                    "note": note,
                }
            )
    return pd.DataFrame(rows)


METHOD_COLUMNS = [
    "topic",
    "title",
    "returns",
    "座谈",
    "访谈",
    "研讨",
    "participants",
    "delphi_rounds",
    "experts",
    "visits",
]


def methods_counts(campaign: Campaign) -> pd.DataFrame:
    """Per topic, next to the questionnaire returns: sessions by kind (座谈, 访谈, 研讨), their
    participants, Delphi rounds and the experts of the latest one, and field visits."""
    from surveytool.store import methods as sm
    from surveytool.store.db import Store

    rows = []
    for t in campaign.topics:
        store = campaign.store_of(t)
        row: dict = {"topic": t.topic, "title": t.title, "returns": 0}
        counts = {"sessions": {}, "participants": 0, "delphi_rounds": {}, "visits": 0}
        if store.is_file():
            bank = load_bank(t.bank)
            row["returns"] = len(load_answers(store, bank))
            with Store(store) as st:
                counts = sm.counts(st, bank.id)
        rounds = counts["delphi_rounds"]
        row.update({k: int(counts["sessions"].get(k, 0)) for k in ("座谈", "访谈", "研讨")})
        row.update(
            participants=counts["participants"],
            delphi_rounds=len(rounds),
            experts=rounds[max(rounds)] if rounds else 0,
            visits=counts["visits"],
        )
        rows.append(row)
    return pd.DataFrame(rows, columns=METHOD_COLUMNS)


def milestones(campaign: Campaign, today: date | None = None) -> pd.DataFrame:
    """Milestones with days left and a state: 已过 / 即将到期 (within 14 days) / 未到."""
    today = today or date.today()
    rows = []
    for m in campaign.milestones:
        days = (m.due - today).days
        state = "已过" if days < 0 else "即将到期" if days <= SOON_DAYS else "未到"
        rows.append(
            {"milestone": m.name, "due": m.due.isoformat(), "days_left": days, "state": state}
        )
    return pd.DataFrame(rows)


def allocate(total: int, populations: dict[str, int], minimum: int = 0) -> dict[str, int]:
    """Stratified allocation of ``total`` respondents proportional to the populations, with at
    least ``minimum`` per unit (never more than a unit's population); largest remainders
    settle the rounding so the parts sum to the total."""
    if total <= 0 or not populations:
        return dict.fromkeys(populations, 0)
    if minimum * len(populations) > total:
        raise UsageError(
            problem(
                "allocation_too_small",
                total=total,
                units=len(populations),
                minimum=minimum,
                needed=minimum * len(populations),
            )
        )
    alloc = {u: min(minimum, n) for u, n in populations.items()}
    left = total - sum(alloc.values())
    pool = {u: n - alloc[u] for u, n in populations.items() if n > alloc[u]}
    while left > 0 and pool:
        weight = sum(pool.values())
        shares = {u: left * n / weight for u, n in pool.items()}
        base = {u: min(math.floor(x), pool[u]) for u, x in shares.items()}
        given = sum(base.values())
        order = sorted(pool, key=lambda u: shares[u] - math.floor(shares[u]), reverse=True)
        for u in order[: max(0, left - given)]:
            if base[u] < pool[u]:
                base[u] += 1
        for u, k in base.items():
            alloc[u] += k
            pool[u] -= k
        left = total - sum(alloc.values())
        pool = {u: n for u, n in pool.items() if n > 0}
        if given == 0 and all(v == 0 for v in base.values()):
            break
    return alloc
