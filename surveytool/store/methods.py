"""Writing and reading the other methods' records (sessions, Delphi rounds, visits).

Writers run inside the caller's transaction (one per file: ``with store.transaction():``),
after :meth:`Store.ensure_methods`; nothing they store holds a name, phone or ID number (the
ingest masks text first). Readers return DataFrames and find nothing in a store written
before these tables existed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import pandas as pd

from surveytool.store.db import Store

METHODS = ("notes", "delphi", "visit")


@dataclass
class SessionRecord:
    """One 座谈/访谈/研讨 as read from its notes file (text already masked)."""

    kind: str
    held_on: str  # ISO date
    unit_type: str
    participants: int
    place: str | None = None
    notes: list[tuple[str, str, int | None, str]] = field(default_factory=list)
    # (theme section id or '', heading as written, line or paragraph, text)


@dataclass
class ExpertRecord:
    """One expert's returned form (or table row) in one Delphi round."""

    expert: str  # a code such as E01, never a name
    area: str | None = None  # 专业领域
    years: float | None = None
    ca: float | None = None  # 判断依据 coefficient
    cs: float | None = None  # 熟悉程度 coefficient
    sheet: str | None = None
    row: int | None = None
    ratings: dict[str, tuple[float | None, float | None, str | None]] = field(default_factory=dict)
    # item -> (importance, feasibility, masked comment)


@dataclass
class VisitRecord:
    """One 实地察看 record (text already masked)."""

    unit: str
    unit_type: str
    visited_on: str
    looked_at: str | None = None
    notes: list[tuple[str, str]] = field(default_factory=list)  # (theme, text)
    problems: list[tuple[str, str, str | None]] = field(default_factory=list)
    # (theme, text, photo file name)


def known_file(store: Store, sha: str, method: str, scope: str) -> tuple[str, str] | None:
    """(time ingested, wave or round) of a file with these bytes already stored, else None."""
    if not store.has_table("method_files"):
        return None
    row = store.db.execute(
        "SELECT ingested_at, wave FROM method_files WHERE sha256=? AND method=? AND scope=?",
        (sha, method, scope),
    ).fetchone()
    return (row[0], row[1]) if row else None


def add_file(
    store: Store, *, sha: str, name: str, path: str, size: int, method: str, scope: str, wave: str
) -> int:
    """Record an ingested file (inside a transaction); returns its id."""
    cur = store.db.execute(
        "INSERT INTO method_files (sha256, name, path, size, ingested_at, method, scope, wave) "
        "VALUES (?,?,?,?,?,?,?,?)",
        (sha, name, path, size, _now(), method, scope, wave),
    )
    return int(cur.lastrowid or 0)


def _now() -> str:
    return datetime.now().isoformat(timespec="seconds")


def add_session(store: Store, file_id: int, bank_id: str, wave: str, s: SessionRecord) -> int:
    """Store one session and its paragraphs; returns the session id."""
    cur = store.db.execute(
        "INSERT INTO sessions (file_id, bank_id, wave, kind, held_on, unit_type, participants, "
        "place) VALUES (?,?,?,?,?,?,?,?)",
        (file_id, bank_id, wave, s.kind, s.held_on, s.unit_type, s.participants, s.place),
    )
    sid = int(cur.lastrowid or 0)
    store.db.executemany(
        "INSERT INTO session_notes (session_id, seq, theme, heading, line, text) "
        "VALUES (?,?,?,?,?,?)",
        [(sid, i, *n) for i, n in enumerate(s.notes, start=1)],
    )
    return sid


def add_visit(store: Store, file_id: int, bank_id: str, wave: str, v: VisitRecord) -> int:
    """Store one visit with its observations and problems; returns the visit id."""
    cur = store.db.execute(
        "INSERT INTO visits (file_id, bank_id, wave, unit, unit_type, visited_on, looked_at) "
        "VALUES (?,?,?,?,?,?,?)",
        (file_id, bank_id, wave, v.unit, v.unit_type, v.visited_on, v.looked_at),
    )
    vid = int(cur.lastrowid or 0)
    store.db.executemany(
        "INSERT INTO visit_notes (visit_id, seq, theme, text) VALUES (?,?,?,?)",
        [(vid, i, *n) for i, n in enumerate(v.notes, start=1)],
    )
    store.db.executemany(
        "INSERT INTO visit_problems (visit_id, seq, theme, text, photo) VALUES (?,?,?,?,?)",
        [(vid, i, *p) for i, p in enumerate(v.problems, start=1)],
    )
    return vid


def set_items(store: Store, rnd: int, items: list[tuple[str, str, str | None]]) -> None:
    """The items of round ``rnd``: (id, label, problem key), in order (labels refreshed)."""
    store.db.executemany(
        "INSERT INTO delphi_items (round, item, label, key, seq) VALUES (?,?,?,?,?) "
        "ON CONFLICT (round, item) DO UPDATE SET label=excluded.label, key=excluded.key, "
        "seq=excluded.seq",
        [(rnd, i, label, key, n) for n, (i, label, key) in enumerate(items, start=1)],
    )


def round_scale(store: Store, rnd: int) -> tuple[int, int] | None:
    """The rating range (low, high) round ``rnd`` was stored with; None when not recorded
    (a round ingested before scales were kept was rated 1–5)."""
    if not store.has_table("delphi_scales"):
        return None
    row = store.db.execute("SELECT low, high FROM delphi_scales WHERE round=?", (rnd,)).fetchone()
    return (int(row[0]), int(row[1])) if row else None


def set_scale(store: Store, rnd: int, low: int, high: int) -> None:
    """Record round ``rnd``'s rating range (first ingest of the round)."""
    store.db.execute(
        "INSERT OR IGNORE INTO delphi_scales (round, low, high) VALUES (?,?,?)", (rnd, low, high)
    )


def expert_file(store: Store, rnd: int, expert: str) -> str | None:
    """The name of the file that already gave ``expert``'s ratings in round ``rnd``."""
    if not store.has_table("delphi_experts"):
        return None
    row = store.db.execute(
        "SELECT f.name FROM delphi_experts e JOIN method_files f ON f.id = e.file_id "
        "WHERE e.round=? AND e.expert=?",
        (rnd, expert),
    ).fetchone()
    return row[0] if row else None


def add_expert(store: Store, file_id: int, rnd: int, e: ExpertRecord) -> int:
    """Store one expert's profile and ratings for round ``rnd``; returns the expert row id."""
    cur = store.db.execute(
        "INSERT INTO delphi_experts (file_id, round, expert, field, years, ca, cs, sheet, row) "
        "VALUES (?,?,?,?,?,?,?,?,?)",
        (file_id, rnd, e.expert, e.area, e.years, e.ca, e.cs, e.sheet, e.row),
    )
    eid = int(cur.lastrowid or 0)
    store.db.executemany(
        "INSERT INTO delphi_ratings (expert_id, item, importance, feasibility, comment) "
        "VALUES (?,?,?,?,?)",
        [(eid, item, *values) for item, values in e.ratings.items()],
    )
    return eid


# --- reading ---------------------------------------------------------------------------------


def _frame(store: Store, table: str, sql: str, args: tuple, columns: list[str]) -> pd.DataFrame:
    if not store.has_table(table):
        return pd.DataFrame(columns=columns)
    return pd.DataFrame(store.db.execute(sql, args).fetchall(), columns=columns)


SESSION_COLUMNS = ["session", "wave", "kind", "held_on", "unit_type", "participants", "file"]
NOTE_COLUMNS = ["session", "seq", "theme", "heading", "text"]


def read_sessions(store: Store, bank_id: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The sessions of a bank (in date order) and their paragraphs."""
    sessions = _frame(
        store,
        "sessions",
        "SELECT s.id, s.wave, s.kind, s.held_on, s.unit_type, s.participants, f.name "
        "FROM sessions s JOIN method_files f ON f.id = s.file_id WHERE s.bank_id=? "
        "ORDER BY s.held_on, s.id",
        (bank_id,),
        SESSION_COLUMNS,
    )
    notes = _frame(
        store,
        "session_notes",
        "SELECT n.session_id, n.seq, n.theme, n.heading, n.text FROM session_notes n "
        "JOIN sessions s ON s.id = n.session_id WHERE s.bank_id=? ORDER BY n.session_id, n.seq",
        (bank_id,),
        NOTE_COLUMNS,
    )
    return sessions, notes


VISIT_COLUMNS = ["visit", "wave", "unit", "unit_type", "visited_on", "looked_at", "file"]


def read_visits(store: Store, bank_id: str) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The visits of a bank, their observations (visit, seq, theme, text) and the problems
    seen (visit, seq, theme, text, photo)."""
    visits = _frame(
        store,
        "visits",
        "SELECT v.id, v.wave, v.unit, v.unit_type, v.visited_on, v.looked_at, f.name "
        "FROM visits v JOIN method_files f ON f.id = v.file_id WHERE v.bank_id=? "
        "ORDER BY v.visited_on, v.id",
        (bank_id,),
        VISIT_COLUMNS,
    )
    join = "JOIN visits v ON v.id = x.visit_id WHERE v.bank_id=? ORDER BY x.visit_id, x.seq"
    notes = _frame(
        store,
        "visit_notes",
        f"SELECT x.visit_id, x.seq, x.theme, x.text FROM visit_notes x {join}",
        (bank_id,),
        ["visit", "seq", "theme", "text"],
    )
    problems = _frame(
        store,
        "visit_problems",
        f"SELECT x.visit_id, x.seq, x.theme, x.text, x.photo FROM visit_problems x {join}",
        (bank_id,),
        ["visit", "seq", "theme", "text", "photo"],
    )
    return visits, notes, problems


def delphi_rounds(store: Store) -> list[int]:
    """The Delphi rounds with at least one expert, ascending."""
    if not store.has_table("delphi_experts"):
        return []
    rows = store.db.execute("SELECT DISTINCT round FROM delphi_experts ORDER BY round")
    return [int(r[0]) for r in rows]


@dataclass
class DelphiRound:
    """One round as stored: items (item, label, key, seq), experts (expert, field, years, ca,
    cs) and ratings (expert, item, importance, feasibility, comment)."""

    round: int
    items: pd.DataFrame
    experts: pd.DataFrame
    ratings: pd.DataFrame
    scale: tuple[int, int] = (1, 5)


def read_delphi(store: Store, rnd: int) -> DelphiRound:
    """Round ``rnd`` of the Delphi study in this store (empty frames when there is none)."""
    items = _frame(
        store,
        "delphi_items",
        "SELECT item, label, key, seq FROM delphi_items WHERE round=? ORDER BY seq",
        (rnd,),
        ["item", "label", "key", "seq"],
    )
    experts = _frame(
        store,
        "delphi_experts",
        "SELECT expert, field, years, ca, cs FROM delphi_experts WHERE round=? ORDER BY expert",
        (rnd,),
        ["expert", "field", "years", "ca", "cs"],
    )
    ratings = _frame(
        store,
        "delphi_ratings",
        "SELECT e.expert, r.item, r.importance, r.feasibility, r.comment FROM delphi_ratings r "
        "JOIN delphi_experts e ON e.id = r.expert_id WHERE e.round=? ORDER BY e.expert",
        (rnd,),
        ["expert", "item", "importance", "feasibility", "comment"],
    )
    return DelphiRound(rnd, items, experts, ratings, round_scale(store, rnd) or (1, 5))


def counts(store: Store, bank_id: str) -> dict[str, Any]:
    """What the store holds of the other methods for a bank: sessions by kind, participants,
    Delphi rounds with their experts, visits (for the campaign status)."""
    sessions, _ = read_sessions(store, bank_id)
    visits, _, _ = read_visits(store, bank_id)
    rounds = {r: len(read_delphi(store, r).experts) for r in delphi_rounds(store)}
    return {
        "sessions": {k: int(n) for k, n in sessions["kind"].value_counts().items()},
        "participants": int(sessions["participants"].sum()) if len(sessions) else 0,
        "delphi_rounds": rounds,
        "visits": len(visits),
    }


__all__ = [
    "METHODS",
    "DelphiRound",
    "ExpertRecord",
    "SessionRecord",
    "VisitRecord",
    "add_expert",
    "add_file",
    "add_session",
    "add_visit",
    "counts",
    "delphi_rounds",
    "expert_file",
    "known_file",
    "read_delphi",
    "read_sessions",
    "read_visits",
    "round_scale",
    "set_items",
    "set_scale",
]
