"""The response store: one SQLite file per survey project.

Tables
------
sources      one row per ingested file: path, sha256, size, time, bank id/version, wave,
             kind, counts, and ``cells``: JSON {field id: column letter} (tables) or
             {field id: cell} (respondent forms), so every stored answer traces back to its
             cell. ``UNIQUE(sha256, bank_id)``: the same bytes are never ingested twice.
responses    one row per accepted respondent: its source file (whose row gives bank,
             version, wave, channel and sheet), row, respondent code (``rid``), unit code,
             content hash, ``batch_row``: its place among the file's accepted answers, and for an
             answer corrected in a rejects workbook the file, sheet and row it first came
             from (``origin_file``, ``origin_sheet``, ``origin_row``; see ``schema``).
issues       warnings about accepted responses (with cell, field and message).
rejects      rejected rows with their reasons and raw values (JSON), so they can be fixed.
duplicates   rows recognised as duplicates, pointing at the response they repeat.
answers_<bank id>  the clean answers, kept once (issue 27), as plain SQL that every tool reads
             (DB Browser, R's DBI, DuckDB, Stata/SPSS over ODBC) and ``load_answers`` too: one row
             per accepted response
             (_response_id, _wave, _unit, _channel, _source: the file the answer first came
             from, _corrected_in: the rejects workbook it was corrected in or NULL, then one column
             per field id: REAL codes and numbers, TEXT for text). Written in the same
             transaction as the file's responses. A store written before issue 27 also has
             ``batches`` (each file's answers as an Arrow stream), dropped by its next ingest
             once ``answers_<bank id>`` holds them (``answers.sync_sql``).
codebook     bank_id, bank_version, field, question (its text), kind, code, label: what each
             column and code of answers_<bank id> means.

The seed's other methods (issue 15; :data:`METHOD_SCHEMA`, written by ``store.methods``):
method_files   one row per ingested notes file, Delphi form or table, or visit record: sha256,
               name, path, size, time, method (notes | delphi | visit), scope (the bank id;
               '' for Delphi) and wave (the Delphi round); ``UNIQUE(sha256, method, scope)``.
sessions       one 座谈/访谈/研讨 per notes file: kind, date, unit type, participants (no names).
session_notes  its paragraphs, masked, with the theme (section id) of the heading above them.
delphi_items   the items rated in each round (id, label, the problem key when from the lists).
delphi_experts one expert per returned form or table row: code (never a name), field, years,
               Ca (判断依据) and Cs (熟悉程度).
delphi_ratings importance, feasibility and the masked comment of each expert on each item.
visits, visit_notes, visit_problems  实地察看 records: unit (masked), unit type, date, what was
               looked at, observations per theme, problems seen with a photo file name.
These tables are created with a new store and, in a store written before them, by the first
ingest of such a file (:meth:`Store.ensure_methods`); readers find none there.

Every file is written in one transaction: a crash mid-file leaves the store as it was.
The SQL of the tables, and the upgrade of a store written by an earlier version, are in
:mod:`surveytool.store.schema`.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from surveytool.bank.model import Bank
from surveytool.errors import IngestError, problem
from surveytool.store import schema
from surveytool.store.method_schema import METHOD_SCHEMA
from surveytool.store.schema import APPLICATION_ID
from surveytool.store.sqlrows import Same, insert_columns, quoted, sql_columns, sql_value

BUSY_SECONDS = 60


class Store:
    """An open response store. Use as a context manager, or call :meth:`close`."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        shown = str(self.path)
        if self.path.exists() and self.path.stat().st_size > 0 and not _is_sqlite(self.path):
            raise IngestError(problem("store_not_ours", path=shown))
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self.db = sqlite3.connect(self.path, timeout=BUSY_SECONDS, isolation_level=None)
        except (sqlite3.Error, OSError) as exc:
            raise IngestError(problem("output_not_writable", path=shown, detail=str(exc))) from None
        self._answers_ready: set[tuple[str, int]] = set()  # see add_answer_rows
        self._setup(shown)

    def _setup(self, shown: str) -> None:
        try:
            app = self.db.execute("PRAGMA application_id").fetchone()[0]
            tables = self.db.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]
            if tables and app != APPLICATION_ID:
                raise IngestError(problem("store_not_ours", path=shown))
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")
            self.db.execute("PRAGMA foreign_keys=ON")
            if not tables:
                self._create(shown)
        except sqlite3.OperationalError as exc:
            self._raise_busy(exc)
        except sqlite3.DatabaseError:
            raise IngestError(problem("store_not_ours", path=shown)) from None

    def _create(self, shown: str) -> None:
        """Create the schema — unless another ingest started at the same moment created it
        first (checked again inside the write lock)."""
        with self.transaction():
            if self.db.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]:
                if self.db.execute("PRAGMA application_id").fetchone()[0] != APPLICATION_ID:
                    raise IngestError(problem("store_not_ours", path=shown))
                return
            schema.create(self.db)

    def upgrade(self) -> bool:
        """Bring a store written by an earlier version up to date (inside a write
        transaction); returns True when it changed anything."""
        return schema.upgrade(self.db)

    def _raise_busy(self, exc: sqlite3.OperationalError) -> None:
        if "locked" in str(exc) or "busy" in str(exc):
            raise IngestError(
                problem("store_busy", path=str(self.path), seconds=BUSY_SECONDS)
            ) from None
        raise IngestError(
            problem("output_not_writable", path=str(self.path), detail=str(exc))
        ) from None

    def ensure_methods(self) -> None:
        """Create the tables of the other methods (sessions, Delphi, visits) when this store
        was written before them. Call inside a write transaction."""
        for statement in METHOD_SCHEMA.split(";"):
            if statement.strip():
                self.db.execute(statement)

    def has_table(self, name: str) -> bool:
        """Whether the store has table ``name`` (a store written before it has not)."""
        row = self.db.execute(
            "SELECT 1 FROM sqlite_master WHERE type='table' AND name=?", (name,)
        ).fetchone()
        return row is not None

    def transaction(self) -> _Transaction:
        """``with store.transaction():`` — BEGIN IMMEDIATE … COMMIT (ROLLBACK on error)."""
        return _Transaction(self)

    def close(self) -> None:
        """Close the connection."""
        self.db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- reading -------------------------------------------------------------------------

    def known_source(self, sha: str, bank_id: str) -> tuple[str, str] | None:
        """(time ingested, wave) of an already ingested file with these bytes, else None."""
        row = self.db.execute(
            "SELECT ingested_at, wave FROM sources WHERE sha256=? AND bank_id=?", (sha, bank_id)
        ).fetchone()
        return (row[0], row[1]) if row else None

    def identical_merges(
        self, sha: str, bank_id: str, wave: str
    ) -> tuple[int | None, set[tuple[str, int | None]]]:
        """(source id, {(sheet, row)}) of the rows of an ingested file that were merged as
        identical to another person's answers (the 重复 whose reason offers
        --keep-identical), for ``ingest --keep-identical`` to keep them after all."""
        rows = self.db.execute(
            "SELECT s.id, d.sheet, d.row FROM duplicates d JOIN sources s ON s.id = d.source_id "
            "WHERE s.sha256=? AND s.bank_id=? AND s.wave=? AND d.reason LIKE ?",
            (sha, bank_id, wave, f"%{KEEP_IDENTICAL}%"),
        ).fetchall()
        return (rows[0][0] if rows else None), {(sheet, row) for _, sheet, row in rows}

    def undo_merges(self, source: int, places: list[tuple[str, int | None]]) -> None:
        """Forget the merges of ``places`` (sheet, row) of ``source``: kept after all."""
        for sheet, row in places:
            self.db.execute(
                "DELETE FROM duplicates WHERE source_id=? AND sheet=? AND row IS ?",
                (source, sheet, row),
            )
        self.db.execute(
            "UPDATE sources SET duplicates = (SELECT count(*) FROM duplicates WHERE source_id=?) "
            "WHERE id=?",
            (source, source),
        )

    def keys(self, bank_id: str, wave: str) -> tuple[dict[str, list], dict[str, list]]:
        """Existing content hashes and respondent codes of a bank/wave ->
        [response id, (file, sheet, row), hash]."""
        by_hash: dict[str, list] = {}
        by_rid: dict[str, list] = {}
        rows = self.db.execute(
            "SELECT r.id, r.content_hash, r.rid, s.name, s.sheet, r.row FROM responses r "
            "JOIN sources s ON s.id = r.source_id WHERE s.bank_id=? AND s.wave=?",
            (bank_id, wave),
        )
        for rid_, h, code, name, sheet, row in rows:
            entry = [rid_, (name, sheet, row), h]
            by_hash.setdefault(h, entry)
            if code:
                by_rid.setdefault(code, entry)
        return by_hash, by_rid

    def responses_since(self, last_id: int, bank_id: str, wave: str) -> list[tuple]:
        """(response id, content hash, respondent code, file, sheet, row, source id) of the
        responses of a bank/wave with an id above ``last_id`` (stored by other ingests)."""
        return self.db.execute(
            "SELECT r.id, r.content_hash, r.rid, s.name, s.sheet, r.row, r.source_id "
            "FROM responses r JOIN sources s ON s.id = r.source_id "
            "WHERE r.id > ? AND s.bank_id=? AND s.wave=? ORDER BY r.id",
            (last_id, bank_id, wave),
        ).fetchall()

    def response_rows(self, bank_id: str, wave: str | None) -> list[tuple]:
        """(response id, wave, version, file, sheet, row, corrected in, rid, unit, channel,
        source id, batch row) of every response of a bank (and wave), in id order. File,
        sheet and row say where the answer first came from: for an answer corrected in a
        rejects workbook, its origin (and ``corrected in`` names the workbook; else None)."""
        sql = (
            f"SELECT r.id, s.wave, s.bank_version, {schema.located(self.db)}, r.rid, r.unit, "
            "s.channel, r.source_id, r.batch_row FROM responses r "
            "JOIN sources s ON s.id = r.source_id WHERE s.bank_id=?"
        )
        args: list[Any] = [bank_id]
        if wave is not None:
            sql += " AND s.wave=?"
            args.append(wave)
        return self.db.execute(sql + " ORDER BY r.id", args).fetchall()

    def add_source(self, values: dict[str, Any]) -> int:
        """Insert a sources row (inside a transaction); returns its id."""
        cols = ", ".join(values)
        marks = ", ".join("?" for _ in values)
        cur = self.db.execute(
            f"INSERT INTO sources ({cols}) VALUES ({marks})",
            list(values.values()),
        )
        return int(cur.lastrowid or 0)

    def batches(self, sources: Iterable[int]) -> dict[int, bytes]:
        """Answer batches by source id (a store written before issue 27, not yet upgraded)."""
        out = {}
        for i in sorted(set(sources)):
            row = self.db.execute("SELECT data FROM batches WHERE source_id=?", (i,)).fetchone()
            out[i] = row[0]
        return out

    def add_responses(self, n: int, columns: list[Sequence | Same]) -> None:
        """Insert ``n`` responses from columns: source, batch row, row, rid, unit, content
        hash, origin file, origin sheet, origin row, collected from, collected to — the
        origin None unless corrected in a rejects workbook; the collection dates ISO days (or
        None). A column the same on every row may be given as :class:`Same`."""
        insert_columns(self.db, "responses", RESPONSE_COLUMNS, columns, n)

    def set_counts(
        self, source: int, accepted: int, rejected: int, duplicates: int, warnings: int
    ) -> None:
        """Record a file's final counts."""
        self.db.execute(
            "UPDATE sources SET accepted=?, rejected=?, duplicates=?, warnings=? WHERE id=?",
            (accepted, rejected, duplicates, warnings, source),
        )

    def last_response_id(self) -> int:
        """The largest response id so far (0 when empty)."""
        return int(self.db.execute("SELECT coalesce(max(id), 0) FROM responses").fetchone()[0])

    def add_issues(self, rows: Iterable[tuple]) -> None:
        """Insert warnings: (response id, field, cell, code, message)."""
        self.db.executemany(
            "INSERT INTO issues (response_id, field, cell, code, message) VALUES (?,?,?,?,?)", rows
        )

    def add_rejects(self, rows: Iterable[tuple]) -> None:
        """Insert rejects: (source, bank, wave, sheet, row, reasons, raw json, origin file,
        origin sheet, origin row) — the origin None unless the row is from a rejects
        workbook, where it names the place the answer first came from."""
        self.db.executemany(
            "INSERT INTO rejects (source_id, bank_id, wave, sheet, row, reasons, raw, "
            "origin_file, origin_sheet, origin_row) VALUES (?,?,?,?,?,?,?,?,?,?)",
            rows,
        )

    def add_answer_rows(
        self,
        bank: Bank,
        version: int,
        ids: list[int],
        source: int,
        values: dict[str, np.ndarray],
        cells: list[np.ndarray] | None = None,
        origins: list[str | None] | None = None,
    ) -> None:
        """Insert accepted answers into ``answers_<bank id>`` (inside the file's transaction):
        the table and any column a newer bank version adds are created first, and the bank
        version's codebook is written once (once per connection: remembered until a
        rollback). ``cells``: the answers already as :func:`sql_columns` of the bank's
        fields in ``values``, when the caller has them. ``origins``: per row, the file a row
        corrected in this rejects workbook first came from (None: the row is from this file
        itself)."""
        table = answers_table(bank.id)
        if (bank.id, version) not in self._answers_ready:
            self.ensure_answers_table(bank)
            self._codebook(bank, version)
            self._answers_ready.add((bank.id, version))
        wave, channel, name = self.db.execute(
            "SELECT wave, channel, name FROM sources WHERE id=?", (source,)
        ).fetchone()
        unit = bank.role_fields("unit")
        fields = [f.id for f in bank.fields if f.id in values]
        columns = [*ANSWERS_META, *fields]
        if cells is None:
            cells = sql_columns([values[f] for f in fields])
        n = len(ids)
        units: Sequence | Same = Same(None)
        if unit and unit[0].id in values:
            given = np.asarray(values[unit[0].id])
            units = (
                sql_columns([given])[0].tolist()
                if given.dtype.kind == "f"
                else [sql_value(u) for u in given.tolist()]
            )
        sources: Sequence | Same = Same(name)
        corrected: Sequence | Same = Same(None)
        if origins is not None and any(origins):
            # the file the answer first came from, and the rejects workbook it was corrected in
            sources = [o if o else name for o in origins]
            corrected = [name if o else None for o in origins]
        meta = [ids, Same(wave), units, Same(channel), sources, corrected]
        insert_columns(self.db, table, tuple(columns), [*meta, *(c.tolist() for c in cells)], n)

    def ensure_answers_table(self, bank: Bank) -> None:
        """Create ``answers_<bank id>``, or bring an older one up to date (the store's own
        columns renamed out of the field ids' namespace, ``_corrected_in`` and the fields of
        a newer bank version added); inside a write transaction."""
        table = answers_table(bank.id)
        have = {r[1] for r in self.db.execute(f"PRAGMA table_info({quoted(table)})")}
        if not have:
            self.db.execute(
                f"CREATE TABLE {quoted(table)} (_response_id INTEGER PRIMARY KEY "
                "REFERENCES responses(id), _wave TEXT NOT NULL, _unit INTEGER, _channel TEXT, "
                "_source TEXT, _corrected_in TEXT)"
            )
            have = set(ANSWERS_META)
        have = rename_meta_columns(self.db, table, have)
        if "_corrected_in" not in have:
            self.db.execute(f"ALTER TABLE {quoted(table)} ADD COLUMN _corrected_in TEXT")
        for f in bank.fields:
            if f.id not in have:
                kind = "TEXT" if f.kind in ("text", "other") else "REAL"
                self.db.execute(f"ALTER TABLE {quoted(table)} ADD COLUMN {quoted(f.id)} {kind}")

    def _codebook(self, bank: Bank, version: int) -> None:
        rows = []
        for f in bank.fields:
            question = bank.question(f.question).text
            options = f.options or ((f.option,) if f.option else ())
            if f.kind == "flag":
                options = ()
                rows += [(f.id, question, f.kind, 1, "选中"), (f.id, question, f.kind, 0, "未选")]
            rows += [(f.id, question, f.kind, o.code, o.label) for o in options]
            if not options and f.kind != "flag":
                rows.append((f.id, question, f.kind, None, f.label))
        self.db.executemany(
            "INSERT OR IGNORE INTO codebook (bank_id, bank_version, field, question, kind, code, "
            "label) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [(bank.id, version, *r) for r in rows],
        )

    def add_duplicates(self, rows: Iterable[tuple]) -> None:
        """Insert duplicates: (source, sheet, row, duplicate_of, reason)."""
        self.db.executemany(
            "INSERT INTO duplicates (source_id, sheet, row, duplicate_of, reason) "
            "VALUES (?,?,?,?,?)",
            rows,
        )


class _Transaction:
    def __init__(self, store: Store):
        self.store = store

    def __enter__(self) -> Store:
        try:
            self.store.db.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            self.store._raise_busy(exc)
        return self.store

    def __exit__(self, exc_type: object, *rest: object) -> None:
        if exc_type is None:
            self.store.db.execute("COMMIT")
        else:
            self.store.db.execute("ROLLBACK")
            self.store._answers_ready.clear()  # the table or codebook may be gone with it


# the store's own columns of answers_<bank id>, before the fields; before issue 24 they had
# no leading underscore (and field ids could not be these names)
ANSWERS_META = ("_response_id", "_wave", "_unit", "_channel", "_source", "_corrected_in")


def rename_meta_columns(db: sqlite3.Connection, table: str, have: set[str]) -> set[str]:
    """Rename the store's own columns of an ``answers_<bank id>`` table written before they
    left the field ids' namespace (``wave`` -> ``_wave``…), in place (SQLite's ALTER TABLE
    RENAME COLUMN keeps every row); a self-contained upgrade step, run by the next write.
    Returns the table's columns after it."""
    for new in ANSWERS_META:
        old = new.removeprefix("_")
        if old in have and new not in have:
            db.execute(f"ALTER TABLE {quoted(table)} RENAME COLUMN {quoted(old)} TO {quoted(new)}")
            have = (have - {old}) | {new}
    return have


KEEP_IDENTICAL = "--keep-identical"  # named in the reason of a merge it can undo


def answers_table(bank_id: str) -> str:
    """The SQL table holding a bank's answers: ``answers_<bank id>``."""
    return f"answers_{bank_id}"


RESPONSE_COLUMNS = (
    "source_id",
    "batch_row",
    "row",
    "rid",
    "unit",
    "content_hash",
    "origin_file",
    "origin_sheet",
    "origin_row",
    "collected_from",
    "collected_to",
)


def _is_sqlite(path: Path) -> bool:
    with path.open("rb") as f:
        return f.read(16) == b"SQLite format 3\x00"


def decode_table(data: bytes) -> pa.Table:
    """An Arrow table of a ``batches`` row (a store written before issue 27: each file's
    answers as an Arrow IPC stream, lz4-compressed from 64 rows)."""
    return pa.ipc.open_stream(pa.py_buffer(data)).read_all()


def dumps(value: Any) -> str:
    """Compact JSON with Chinese kept readable."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))
