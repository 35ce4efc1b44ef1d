"""The tables of the seed's other methods (issue 15): notes of 座谈/访谈/研讨 sessions, Delphi
rounds and 实地察看 visits. Described in :mod:`surveytool.store.db`; created with every new
store and, in a store written before them, by :meth:`surveytool.store.db.Store.ensure_methods`.
"""

METHOD_SCHEMA = """
CREATE TABLE IF NOT EXISTS method_files (
    id INTEGER PRIMARY KEY,
    sha256 TEXT NOT NULL,
    name TEXT NOT NULL,
    path TEXT NOT NULL,
    size INTEGER NOT NULL,
    ingested_at TEXT NOT NULL,
    method TEXT NOT NULL,
    scope TEXT NOT NULL,
    wave TEXT NOT NULL,
    UNIQUE (sha256, method, scope)
);
CREATE TABLE IF NOT EXISTS sessions (
    id INTEGER PRIMARY KEY,
    file_id INTEGER NOT NULL UNIQUE REFERENCES method_files(id),
    bank_id TEXT NOT NULL,
    wave TEXT NOT NULL,
    kind TEXT NOT NULL,
    held_on TEXT NOT NULL,
    unit_type TEXT NOT NULL,
    participants INTEGER NOT NULL,
    place TEXT
);
CREATE TABLE IF NOT EXISTS session_notes (
    id INTEGER PRIMARY KEY,
    session_id INTEGER NOT NULL REFERENCES sessions(id),
    seq INTEGER NOT NULL,
    theme TEXT NOT NULL,
    heading TEXT NOT NULL,
    line INTEGER,
    text TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS session_notes_session ON session_notes (session_id);
CREATE TABLE IF NOT EXISTS delphi_items (
    round INTEGER NOT NULL,
    item TEXT NOT NULL,
    label TEXT NOT NULL,
    key TEXT,
    seq INTEGER NOT NULL,
    PRIMARY KEY (round, item)
);
CREATE TABLE IF NOT EXISTS delphi_experts (
    id INTEGER PRIMARY KEY,
    file_id INTEGER NOT NULL REFERENCES method_files(id),
    round INTEGER NOT NULL,
    expert TEXT NOT NULL,
    field TEXT,
    years REAL,
    ca REAL,
    cs REAL,
    sheet TEXT,
    row INTEGER,
    UNIQUE (round, expert)
);
CREATE TABLE IF NOT EXISTS delphi_scales (
    round INTEGER PRIMARY KEY,
    low INTEGER NOT NULL,
    high INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS delphi_ratings (
    expert_id INTEGER NOT NULL REFERENCES delphi_experts(id),
    item TEXT NOT NULL,
    importance REAL,
    feasibility REAL,
    comment TEXT,
    PRIMARY KEY (expert_id, item)
);
CREATE TABLE IF NOT EXISTS visits (
    id INTEGER PRIMARY KEY,
    file_id INTEGER NOT NULL UNIQUE REFERENCES method_files(id),
    bank_id TEXT NOT NULL,
    wave TEXT NOT NULL,
    unit TEXT NOT NULL,
    unit_type TEXT NOT NULL,
    visited_on TEXT NOT NULL,
    looked_at TEXT
);
CREATE TABLE IF NOT EXISTS visit_notes (
    id INTEGER PRIMARY KEY,
    visit_id INTEGER NOT NULL REFERENCES visits(id),
    seq INTEGER NOT NULL,
    theme TEXT NOT NULL,
    text TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS visit_problems (
    id INTEGER PRIMARY KEY,
    visit_id INTEGER NOT NULL REFERENCES visits(id),
    seq INTEGER NOT NULL,
    theme TEXT NOT NULL,
    text TEXT NOT NULL,
    photo TEXT
);
"""
