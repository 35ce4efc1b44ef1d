"""The store's tables, and bringing a store written by an earlier version up to date.

Version 2 added where a corrected answer first came from: ``responses.origin_file``,
``origin_sheet`` and ``origin_row`` hold the file, sheet and row named in the 文件 / 工作表 /
行 columns of the rejects workbook the answer was corrected in (NULL for every other
answer, and for answers stored before version 2). :func:`upgrade` adds them to an older
store; readers use :func:`located` so they read either.

Version 3 added when each answer was collected and where each rejected answer first came
from (:data:`COLLECTED_COLUMNS`, :data:`REJECT_ORIGIN_COLUMNS`, added by
:func:`add_collection_columns` to new and old stores alike): ``responses.collected_from`` /
``collected_to`` hold the ISO date the answer was submitted (问卷星 提交答卷时间, 腾讯问卷
结束答题时间, Kobo ``end``/``today`` — the date only, never the time of day), else the
range given on ingest for paper returns, else the date of the returned file; NULL for
answers stored before version 3. ``rejects.origin_file`` / ``origin_sheet`` /
``origin_row`` name the place a row of a rejects workbook rejected again first came from
(NULL otherwise), so each rejected answer is counted once.

Version 4 keeps each answer once (issue 27): in ``answers_<bank id>``, the plain-SQL table
every tool reads, which ``load_answers`` reads too. The ``batches`` table of earlier
versions (each file's answers as an Arrow stream, a second copy) is not created; in an older
store it is read until the next ingest, which fills ``answers_<bank id>`` from it where
needed and then drops it (``store.answers.sync_sql``), in one transaction.
"""

from __future__ import annotations

import sqlite3

from surveytool.store.method_schema import METHOD_SCHEMA

APPLICATION_ID = 0x53555256  # "SURV"
# 2: responses.origin_*; 3: responses.collected_*, rejects.origin_*; 4: answers kept once
SCHEMA_VERSION = 4

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
COLLECTED_COLUMNS = (("collected_from", "TEXT"), ("collected_to", "TEXT"))
REJECT_ORIGIN_COLUMNS = ORIGIN_COLUMNS


def _add_missing(db: sqlite3.Connection, table: str, columns: tuple) -> bool:
    """Add each of ``columns`` (name, type) that ``table`` lacks; True when one was added."""
    have = {r[1] for r in db.execute(f"PRAGMA table_info({table})")}
    missing = [(name, kind) for name, kind in columns if name not in have]
    for name, kind in missing:
        db.execute(f"ALTER TABLE {table} ADD COLUMN {name} {kind}")
    return bool(missing)


def add_collection_columns(db: sqlite3.Connection) -> bool:
    """Version 3, in place and idempotent: the collection dates of ``responses`` and the
    first origin of ``rejects`` (see the module docstring). True when a column was added."""
    dates = _add_missing(db, "responses", COLLECTED_COLUMNS)
    return _add_missing(db, "rejects", REJECT_ORIGIN_COLUMNS) or dates


def has_collected(db: sqlite3.Connection) -> bool:
    """True when ``responses`` has the collection dates (a store of version 3 or later)."""
    have = {r[1] for r in db.execute("PRAGMA table_info(responses)")}
    return all(name in have for name, _ in COLLECTED_COLUMNS)


def create(db: sqlite3.Connection) -> None:
    """Create every table of an empty store, the other methods' included (inside a write
    transaction)."""
    db.execute(f"PRAGMA application_id={APPLICATION_ID}")
    for statement in (SCHEMA + METHOD_SCHEMA).split(";"):
        if statement.strip():
            db.execute(statement)
    add_collection_columns(db)
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
    added = add_collection_columns(db)
    row = db.execute("SELECT value FROM meta WHERE key='schema_version'").fetchone()
    stored = int(row[0]) if row and str(row[0]).isdigit() else 0
    if stored < SCHEMA_VERSION:
        db.execute(
            "INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),)
        )
    return bool(missing) or added or stored < SCHEMA_VERSION


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
