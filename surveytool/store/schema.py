"""The store's tables, and bringing a store written by an earlier version up to date.

Version 2 added where a corrected answer first came from: ``responses.origin_file``,
``origin_sheet`` and ``origin_row`` hold the file, sheet and row named in the 文件 / 工作表 /
行 columns of the rejects workbook the answer was corrected in (NULL for every other
answer, and for answers stored before version 2). :func:`upgrade` adds them to an older
store; readers use :func:`located` so they read either.
"""

from __future__ import annotations

import sqlite3

from surveytool.store.method_schema import METHOD_SCHEMA

APPLICATION_ID = 0x53555256  # "SURV"
SCHEMA_VERSION = 2  # 2: responses.origin_file / origin_sheet / origin_row

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS sources (
    id INTEGER PRIMARY KEY,
    sha256 TEXT NOT NULL,
    name TEXT NOT NULL,
    path TEXT NOT NULL,
    size INTEGER NOT NULL,
    ingested_at TEXT NOT NULL,
    bank_id TEXT NOT NULL,
    bank_version INTEGER,
    wave TEXT NOT NULL,
    kind TEXT NOT NULL,
    channel TEXT NOT NULL,
    rows INTEGER NOT NULL,
    accepted INTEGER NOT NULL,
    rejected INTEGER NOT NULL,
    duplicates INTEGER NOT NULL,
    warnings INTEGER NOT NULL,
    sheet TEXT NOT NULL,
    cells TEXT NOT NULL,
    UNIQUE (sha256, bank_id)
);
CREATE TABLE IF NOT EXISTS batches (
    id INTEGER PRIMARY KEY,
    source_id INTEGER NOT NULL UNIQUE REFERENCES sources(id),
    bank_id TEXT NOT NULL,
    bank_version INTEGER NOT NULL,
    data BLOB NOT NULL
);
CREATE TABLE IF NOT EXISTS responses (
    id INTEGER PRIMARY KEY,
    source_id INTEGER NOT NULL REFERENCES sources(id),
    batch_row INTEGER NOT NULL,
    row INTEGER,
    rid TEXT,
    unit INTEGER,
    content_hash INTEGER NOT NULL,
    origin_file TEXT,
    origin_sheet TEXT,
    origin_row INTEGER
);
CREATE INDEX IF NOT EXISTS responses_source ON responses (source_id);
CREATE TABLE IF NOT EXISTS issues (
    id INTEGER PRIMARY KEY,
    response_id INTEGER NOT NULL REFERENCES responses(id),
    field TEXT,
    cell TEXT,
    code TEXT NOT NULL,
    message TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS rejects (
    id INTEGER PRIMARY KEY,
    source_id INTEGER NOT NULL REFERENCES sources(id),
    bank_id TEXT NOT NULL,
    wave TEXT NOT NULL,
    sheet TEXT,
    row INTEGER,
    reasons TEXT NOT NULL,
    raw TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS codebook (
    bank_id TEXT NOT NULL,
    bank_version INTEGER NOT NULL,
    field TEXT NOT NULL,
    question TEXT NOT NULL,
    kind TEXT NOT NULL,
    code INTEGER,
    label TEXT NOT NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS codebook_key ON codebook (bank_id, bank_version, field, code);
CREATE TABLE IF NOT EXISTS duplicates (
    id INTEGER PRIMARY KEY,
    source_id INTEGER NOT NULL REFERENCES sources(id),
    sheet TEXT NOT NULL,
    row INTEGER,
    duplicate_of INTEGER NOT NULL REFERENCES responses(id),
    reason TEXT NOT NULL
);
"""


ORIGIN_COLUMNS = (("origin_file", "TEXT"), ("origin_sheet", "TEXT"), ("origin_row", "INTEGER"))


def create(db: sqlite3.Connection) -> None:
    """Create every table of an empty store, the other methods' included (inside a write
    transaction)."""
    db.execute(f"PRAGMA application_id={APPLICATION_ID}")
    for statement in (SCHEMA + METHOD_SCHEMA).split(";"):
        if statement.strip():
            db.execute(statement)
    db.execute("INSERT INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),))


def has_origins(db: sqlite3.Connection) -> bool:
    """True when ``responses`` has the origin columns (a store of version 2 or later)."""
    have = {r[1] for r in db.execute("PRAGMA table_info(responses)")}
    return all(name in have for name, _ in ORIGIN_COLUMNS)


def upgrade(db: sqlite3.Connection) -> bool:
    """Bring an older store up to :data:`SCHEMA_VERSION` (call inside a write transaction,
    so two ingests opening the same old store do it once). Returns True when it changed
    anything. A store written by a newer version keeps its own ``schema_version``."""
    have = {r[1] for r in db.execute("PRAGMA table_info(responses)")}
    missing = [(name, kind) for name, kind in ORIGIN_COLUMNS if name not in have]
    for name, kind in missing:
        db.execute(f"ALTER TABLE responses ADD COLUMN {name} {kind}")
    row = db.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
    stored = int(row[0]) if row and str(row[0]).isdigit() else 0
    if stored < SCHEMA_VERSION:
        db.execute(
            "INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),)
        )
    return bool(missing) or stored < SCHEMA_VERSION


def located(db: sqlite3.Connection) -> str:
    """SQL for (file, sheet, row, corrected in) of a response ``r`` joined with its source
    ``s``: the origin when the answer was corrected in a rejects workbook (whose name is then
    ``corrected in``), else the file it was read from and NULL."""
    if not has_origins(db):
        return "s.name, s.sheet, r.row, NULL"
    known = "r.origin_file IS NOT NULL"
    return (
        f"CASE WHEN {known} THEN r.origin_file ELSE s.name END, "
        f"CASE WHEN {known} THEN r.origin_sheet ELSE s.sheet END, "
        f"CASE WHEN {known} THEN r.origin_row ELSE r.row END, "
        f"CASE WHEN {known} THEN s.name END"
    )
