"""Figures published as numbered releases (issue 23, item 13: differencing over time).

Small-cell suppression protects one table. It does nothing against two tables of the same
survey made at different times: between n = 448 and n = 449 every count that rose by one
is the newest respondent's answer. So every output that publishes figures of a bank — the
analysis (``analyze --json`` and the web page 分析与报告), the report, the wave comparison
and the lists' 最新数据 — is a *release*: the set of answers (response ids) it describes
is recorded beside the store, numbered, and a new release must differ from **every**
earlier release of the bank, of any wave or combination of waves, by 0 respondents (the
same release made again) or by at least ``k`` (answers added, removed or corrected,
counted together). Otherwise the output is refused with a Chinese message saying how many
more answers are needed, and the last release stays what readers see.

What a reader of two releases can still infer: the totals of a group of at least ``k``
respondents (the difference of two releases is itself a table of ≥ k people, like any
unit shown in a report). When all of them gave the same answer, that answer is learnt for
the group, as for any group of k in one table. The owner, who holds the store, sees every
answer anyway (``surveytool responses``); releases protect readers of published figures.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path

from surveytool.atomic import write_atomic
from surveytool.errors import UsageError, problem
from surveytool.store.answers import META_PREFIX

ID_COLUMN = META_PREFIX + "response_id"  # the store's own id column of load_answers

_LOCK = threading.Lock()


def releases_file(store: str | Path) -> Path:
    """Where the releases of a store are recorded: ``<store>.releases.json`` beside it."""
    p = Path(store)
    return p.with_name(p.name + ".releases.json")


def read_releases(store: str | Path) -> list[dict]:
    """Every release recorded for the store: ``{number, bank, scope, made, n, ids}``."""
    path = releases_file(store)
    if not path.is_file():
        return []
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except ValueError:
        raise UsageError(problem("release_file_damaged", path=str(path))) from None
    return data if isinstance(data, list) else []


def check_release(
    earlier: list[dict], bank_id: str, ids: set[int], k: int
) -> tuple[int | None, list[tuple[dict, int]]]:
    """(the number of an earlier release with exactly these answers or None, and the
    earlier releases of the bank that differ from ``ids`` by 1 to k−1 respondents with
    that difference)."""
    same = None
    close = []
    for r in earlier:
        if r["bank"] != bank_id:
            continue
        diff = len(ids.symmetric_difference(r["ids"]))
        if diff == 0 and same is None:
            same = r["number"]
        elif 0 < diff < k:
            close.append((r, diff))
    return same, close


def publish(
    store: str | Path, bank_id: str, scope: str, response_ids: Iterable[int], k: int
) -> int:
    """The release number under which figures of these answers may be published: an
    earlier release of exactly these answers, or a new one (recorded) that differs from
    every earlier release of the bank by at least ``k`` respondents. Raises our UsageError
    (release_too_close) naming the release it is too close to and how many more answers
    would make it publishable."""
    ids = {int(i) for i in response_ids}
    with _LOCK:
        earlier = read_releases(store)
        same, close = check_release(earlier, bank_id, ids, k)
        if same is not None:
            return same
        if close:
            r, diff = min(close, key=lambda x: x[1])
            raise UsageError(
                problem(
                    "release_too_close",
                    number=r["number"],
                    scope=r["scope"],
                    n=r["n"],
                    diff=diff,
                    k=k,
                    more=k - diff,
                )
            )
        number = max((r["number"] for r in earlier), default=0) + 1
        earlier.append(
            {
                "number": number,
                "bank": bank_id,
                "scope": scope,
                "made": datetime.now().isoformat(timespec="seconds"),
                "n": len(ids),
                "ids": sorted(ids),
            }
        )
        text = json.dumps(earlier, ensure_ascii=False)
        write_atomic(releases_file(store), lambda tmp: tmp.write_text(text, encoding="utf-8"))
        return number


def publish_answers(store: str | Path, bank_id: str, wave: str | None, frame, k: int) -> int:
    """:func:`publish` for the answers of ``frame`` (``load_answers`` of ``wave``, all
    waves when None)."""
    scope = f"轮次“{wave}”" if wave else "全部轮次"
    return publish(store, bank_id, scope, response_ids(frame), k)


def response_ids(frame) -> list[int]:
    """The store's response ids of ``frame`` (a ``load_answers`` frame): its own column
    ``_response_id``. A frame with answers but without that column is a programming error
    (a release of nothing would protect nothing), so it raises ValueError."""
    if ID_COLUMN in frame.columns:
        return [int(i) for i in frame[ID_COLUMN]]
    if len(frame):
        raise ValueError(f"answers without {ID_COLUMN}: cannot record the release")
    return []


__all__ = [
    "check_release",
    "publish",
    "publish_answers",
    "read_releases",
    "releases_file",
    "response_ids",
]
