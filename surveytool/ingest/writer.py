"""Writing checked rows to the store: duplicates, conflicts, rejects, warnings, answers.

One transaction per file. Duplicate rules, within a bank and wave:
- same respondent code (``_rid`` / 问卷编号) and the same answers: a duplicate;
- same respondent code, different answers: a conflict, rejected for the user to resolve;
- no respondent code and exactly the same answers as an earlier response (with at least
  :data:`MIN_ANSWERS` answers, so two near-empty returns are not merged): a duplicate only
  when two people answering alike is implausible (:mod:`surveytool.ingest.coincidence`),
  and never with ``keep_identical``; each merge is listed with both places, each identical
  answer kept is listed too.
The content hash is a 64-bit hash over the clean values of every field (see
:func:`surveytool.ingest.prepared.content_hashes`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from surveytool.bank.model import Bank
from surveytool.errors import Problem, problem
from surveytool.ingest import normalise as nz
from surveytool.ingest.coincidence import Odds
from surveytool.ingest.files import display_name
from surveytool.ingest.prepared import Prepared, answer_counts, content_hashes
from surveytool.ingest.seen import SeenIndex, where
from surveytool.ingest.table import KIND, Table, where_text
from surveytool.ingest.validate import Checked, Issue, to_problem
from surveytool.store.db import Store, dumps
from surveytool.store.sqlrows import Same, sql_columns

MIN_ANSWERS = 5


@dataclass
class FileResult:
    """What happened to one file."""

    name: str
    path: str
    status: str  # ingested | known | failed
    kind: str = ""
    rows: int = 0
    accepted: int = 0
    rejected: int = 0
    duplicates: int = 0
    warnings: int = 0
    problems: list[Problem] = field(default_factory=list)
    units: Counter = field(default_factory=Counter)
    other_units: Counter = field(default_factory=Counter)  # rows refused: unit label -> n
    # ingest --keep-identical of a file read before: the source whose merges are undone and
    # the (sheet, row) of the merged rows, the only ones read again
    reopen_source: int | None = None
    reopen: set[tuple[str, int | None]] = field(default_factory=set)


class Writer:
    """Stores the rows of checked files into one bank/wave of a store."""

    def __init__(
        self,
        bank: Bank,
        store: Store,
        wave: str,
        only_unit: str | None = None,
        collected: tuple[str, str] | None = None,
        keep_identical: bool = False,
    ):
        self.bank, self.store, self.wave = bank, store, wave
        self.collected, self.keep_identical = collected, keep_identical
        self.seen_upto = store.last_response_id()
        self.odds = Odds(bank, store.db, wave, self.seen_upto)
        self.identical_notes: list[Problem] = []  # of the file being written
        by_hash, by_rid = store.keys(bank.id, wave)
        self.by_hash, self.by_rid = SeenIndex(by_hash), SeenIndex(by_rid)
        self.own_sources: set[int] = set()
        self.rejects: list[dict[str, Any]] = []
        units = bank.role_fields("unit")
        self.unit_field = units[0].id if units else None
        self.unit_labels = {o.code: o.label for o in units[0].options} if units else {}
        # a liaison's upload: rows of other units are refused before anything else
        self.only_unit = only_unit
        codes = [c for c, label in self.unit_labels.items() if label == only_unit]
        self.own_code = codes[0] if codes else None

    def _source(self, path: Path, sha: str, t: Table, rows: int) -> int:
        source = self.store.add_source(
            {
                "sha256": sha,
                "name": t.shown,
                "path": display_name(path),
                "size": path.stat().st_size,
                "ingested_at": datetime.now().isoformat(timespec="seconds"),
                "bank_id": self.bank.id,
                "bank_version": t.form_version or self.bank.version,
                "wave": self.wave,
                "kind": t.kind,
                "channel": t.channel,
                "rows": rows,
                "accepted": 0,
                "rejected": 0,
                "duplicates": 0,
                "warnings": 0,
                "sheet": t.sheet,
                "cells": dumps(t.refs),
            }
        )
        self.own_sources.add(source)
        return source

    def _known_meanwhile(self, sha: str, result: FileResult) -> bool:
        """Inside the write lock: True (and ``result`` says so) when another ingest stored
        these bytes since this run looked; else the responses other ingests stored since
        are added to the duplicate indices, so nothing is counted twice either way."""
        known = self.store.known_source(sha, self.bank.id)
        if known:
            result.status, result.kind, result.rows = "known", "", 0
            result.problems[:] = [
                problem(
                    "already_ingested", file=result.name, kind=KIND, when=known[0], wave=known[1]
                )
            ]
            return True
        for rid_, h, code, name, sheet, row, source in self.store.responses_since(
            self.seen_upto, self.bank.id, self.wave
        ):
            if source not in self.own_sources:
                entry = [rid_, (name, sheet, row), h]
                self.by_hash.add(h, entry)
                if code:
                    self.by_rid.add(code, entry)
        self.seen_upto = self.store.last_response_id()
        return False

    def reject_file(
        self, path: Path, sha: str, problems: list[Problem], result: FileResult
    ) -> None:
        """Store a respondent form whose answers cannot be located as one rejected row."""
        t = Table(
            result.name, problems[0].sheet or "", "respondent", pd.DataFrame(), np.array([]), {}
        )
        reasons = "\n".join(p.message for p in problems)
        with self.store.transaction():
            if self._known_meanwhile(sha, result):
                return
            source = self._source(path, sha, t, 1)
            self.store.add_rejects(
                [(source, self.bank.id, self.wave, t.sheet, None, reasons, "{}", None, None, None)]
            )
            self.store.set_counts(source, 0, 1, 0, 0)
        self.rejects.append(
            {"file": result.name, "sheet": t.sheet, "row": None, "reasons": reasons, "raw": {}}
        )
        result.rows, result.rejected, result.kind = 1, 1, "respondent"
        result.problems.extend(problems)

    def prepare(self, c: Checked) -> Prepared:
        """Content hashes, answer counts and issues by row of a whole checked batch."""
        columns = [c.values[f.id] for f in self.bank.fields]
        by_row: dict[int, list[Issue]] = {}
        for x in c.issues:
            by_row.setdefault(x.row, []).append(x)
        self.odds.add_batch({f.id: c.values[f.id] for f in self.bank.fields})
        return Prepared(
            c,
            content_hashes(columns),
            answer_counts(columns),
            by_row,
            sql_columns(columns),
        )

    def write(
        self, path: Path, sha: str, part: Table, p: Prepared, rows: np.ndarray, result: FileResult
    ) -> None:
        """Store rows ``rows`` (in order) of the prepared batch ``p`` — the file ``part`` —
        in one transaction; updates ``result``."""
        with self.store.transaction():
            if self._known_meanwhile(sha, result):
                if self.only_unit is not None:
                    self._known_to_liaison(p, rows, result)
                return
            source = self._source(path, sha, part, len(rows))
            first = self.store.last_response_id() + 1
            slow = self._candidates(p, rows)
            self.identical_notes = []
            fast_ids = self._register_fast(p, rows, ~slow)
            keep, dups, rejects, pending = self._classify(p, rows, slow, source, result)
            ids = first + np.cumsum(keep) - 1
            fast_ids[:] = ids[~slow]
            for k, entry in pending:
                entry[0] = int(ids[k])
            self._store(part, p, rows, keep, source, result, file_day(path))
            if result.reopen_source is not None:  # merged before, kept now: merge undone
                places = [p.checked.table.origin(int(i))[1:] for i in rows[keep]]
                self.store.undo_merges(result.reopen_source, places)
            self.store.add_duplicates(
                (source, sheet, row, index.get(key)[0], msg) for sheet, row, index, key, msg in dups
            )
            self.store.add_rejects(r[0] for r in rejects)
            result.rows += len(rows)
            result.problems.extend(self.identical_notes)
            result.duplicates += len(dups)
            result.rejected += len(rejects)
            self.store.set_counts(
                source, result.accepted, result.rejected, result.duplicates, result.warnings
            )
        self.rejects.extend(r[1] for r in rejects)

    def _foreign(self, p: Prepared, rows: np.ndarray) -> np.ndarray:
        """Rows not of the liaison's unit (all False without a restriction; all True when
        the bank has no unit question or the unit is not one of its options)."""
        if self.only_unit is None:
            return np.zeros(len(rows), dtype=bool)
        if self.unit_field is None or self.own_code is None:
            return np.ones(len(rows), dtype=bool)
        return ~(p.checked.values[self.unit_field][rows] == self.own_code)

    def _other_unit(self, c: Checked, i: int, result: FileResult) -> Problem:
        """The refusal of row ``i``: another unit's answer in a liaison's upload."""
        value = c.values[self.unit_field][i] if self.unit_field else np.nan
        label = "未填写" if pd.isna(value) else self.unit_labels.get(int(value), str(value))
        result.other_units[label] += 1
        shown, sheet, _row = c.table.origin(i)
        return problem(
            "web_other_unit", file=shown, sheet=sheet, kind=KIND, unit=label, own=self.only_unit
        )

    def _known_to_liaison(self, p: Prepared, rows: np.ndarray, result: FileResult) -> None:
        """A liaison sent bytes already stored. When every row is of their unit, "already
        ingested" tells them nothing they may not know; otherwise they are told what a new
        file would get (rows of other units refused; nothing is written either way), so an
        upload never reveals whether another unit's answers are in the store."""
        foreign = self._foreign(p, rows)
        if not foreign.any():
            return
        c = p.checked
        result.status, result.problems[:] = "ingested", []
        result.rows += len(rows)
        result.duplicates += int((~foreign).sum())
        for k in np.flatnonzero(foreign):
            i = int(rows[k])
            _, entry = self._reject(c, i, 0, [], self._other_unit(c, i, result))
            self.rejects.append(entry)
            result.rejected += 1

    def _identical(self, p: Prepared, i: int, seen: list) -> tuple[bool, Problem]:
        """(merge?, the note saying so) for row ``i``, identical to ``seen`` (an earlier
        response without respondent code): merged when the coincidence is implausible."""
        c = p.checked
        answers = {f.id: c.values[f.id][i] for f in self.bank.fields}
        merge, expected = self.odds.implausible(answers)
        shown, sheet, row = c.table.origin(i)
        values = {
            "name": shown,
            "here": where_text(shown, sheet, row),
            "where": where(seen),
            "count": int(p.counts[i]),
            "odds": _odds_text(expected),
        }
        if merge and not self.keep_identical:
            return True, problem("identical_merged", **values)
        return False, problem("identical_kept_forced" if merge else "identical_kept", **values)

    def _rids(self, p: Prepared, rows: np.ndarray) -> np.ndarray:
        c = p.checked
        return c.rid[rows] if c.rid is not None else np.full(len(rows), None, dtype=object)

    def _candidates(self, p: Prepared, rows: np.ndarray) -> np.ndarray:
        """Rows that may be duplicates, conflicts or rejects: a vectorised superset, so only
        those rows need the exact row-by-row rules of :meth:`_classify`."""
        rids = self._rids(p, rows)
        has_rid = pd.notna(rids)
        rid_seen = has_rid & (self.by_rid.isin(rids) | _repeated(rids))
        hashes = p.hashes[rows]
        h_seen = self.by_hash.isin(hashes) | _repeated(hashes)
        eligible = ~has_rid & (p.counts[rows] >= MIN_ANSWERS)
        foreign = self._foreign(p, rows)
        return p.checked.rejected[rows] | rid_seen | (eligible & h_seen) | foreign

    def _register_fast(self, p: Prepared, rows: np.ndarray, fast: np.ndarray) -> np.ndarray:
        """Index the rows that are new by construction (one segment per index) before the
        others are decided. Returns their id array, filled in once ids are known."""
        ids = np.zeros(int(fast.sum()), dtype=np.int64)
        table, fast_rows = p.checked.table, rows[fast]
        hashes = p.hashes[rows][fast]
        self.by_hash.add_segment(hashes, table, fast_rows, ids, np.arange(len(ids)), hashes)
        rids = self._rids(p, rows)[fast]
        pos = np.flatnonzero(pd.notna(rids))
        self.by_rid.add_segment(rids[pos], table, fast_rows[pos], ids, pos, hashes[pos])
        return ids

    def _classify(
        self, p: Prepared, rows: np.ndarray, slow: np.ndarray, source: int, result: FileResult
    ):
        """(keep mask, duplicates, rejects, entries kept one by one awaiting their id).

        Rows outside ``slow`` are new by construction and kept; the others are decided in
        order with the exact rules (module docstring).
        """
        c = p.checked
        keep = ~slow
        rids, hashes = self._rids(p, rows), p.hashes[rows]
        dups: list[tuple] = []
        rejects: list[tuple] = []
        pending: list[tuple[int, list]] = []
        foreign = self._foreign(p, rows)
        notes: list[Problem] = self.identical_notes
        for k in np.flatnonzero(slow):
            i, h, rid = int(rows[k]), hashes[k], rids[k]
            _, sheet, row = c.table.origin(i)
            issues = p.issues.get(i, [])
            if foreign[k]:  # before duplicates: nothing said about answers of other units
                rejects.append(self._reject(c, i, source, [], self._other_unit(c, i, result)))
                continue
            if c.rejected[i]:
                rejects.append(self._reject(c, i, source, issues))
                continue
            seen = self.by_rid.get(rid) if rid else None
            if seen is not None and seen[2] != h:
                extra = (  # a liaison is not told where another answer came from
                    problem("conflict_rid", rid=rid, where=where(seen))
                    if self.only_unit is None
                    else problem("conflict_rid_hidden", rid=rid)
                )
                rejects.append(self._reject(c, i, source, issues, extra))
                continue
            if seen is not None:
                msg = problem("duplicate_rid", rid=rid, where=where(seen)).message
                dups.append((sheet, row, self.by_rid, rid, msg))
                continue
            seen = self.by_hash.get(h) if not rid and p.counts[i] >= MIN_ANSWERS else None
            if seen is not None:
                merged, note = self._identical(p, i, seen)
                notes.append(note)
                if merged:
                    dups.append((sheet, row, self.by_hash, h, note.message))
                    continue
            entry = [None, (c.table, i), h]
            pending.append((int(k), entry))
            if rid:
                self.by_rid.add(rid, entry)
            self.by_hash.add(h, entry)
            keep[k] = True
        return keep, dups, rejects, pending

    def _store(
        self,
        part: Table,
        p: Prepared,
        rows: np.ndarray,
        keep: np.ndarray,
        source: int,
        result: FileResult,
        day: str,
    ) -> None:
        c = p.checked
        kept = rows[keep]
        if len(kept) == 0:
            return
        version = part.form_version or self.bank.version
        values = {f.id: _take(c.values[f.id], kept) for f in self.bank.fields}  # kept: not empty
        first = self.store.last_response_id() + 1
        units = (  # floats: SQLite stores NaN as NULL and 3.0 as the integer 3
            values[self.unit_field].tolist() if self.unit_field else Same(None)
        )
        _, excel_rows = c.table.origins(kept)
        n = len(kept)
        firsts = c.table.first_origins(kept)
        self.store.add_responses(
            n,
            [
                Same(source),
                range(n),
                excel_rows,
                self._rids(p, kept).tolist(),
                units,
                p.hashes[kept].tolist(),
                *_first_origins(firsts),
                *self._collected(c.table, kept, day),
            ],
        )
        self.store.add_answer_rows(
            self.bank,
            version,
            list(range(first, first + n)),
            source,
            values,
            [_take(cells, kept) for cells in p.cells],
            [o[0] if o else None for o in firsts] if any(firsts) else None,
        )
        warnings = []
        at = {int(i): k for k, i in enumerate(kept)} if p.issues else {}
        for i in sorted(i for i in p.issues if i in at):  # kept rows in order, as stored
            for x in p.issues[i]:
                w = to_problem(c.table, self.bank, x)
                warnings.append((first + at[i], w.field, w.cell, w.code, w.message))
                result.problems.append(w)
        self.store.add_issues(warnings)
        _count_units(result, values[self.unit_field] if self.unit_field else None, len(kept))
        result.accepted += n
        result.warnings += len(warnings)

    def _collected(
        self, table: Table, kept: np.ndarray, day: str
    ) -> tuple[Sequence | Same, Sequence | Same]:
        """(from, to) collection dates of rows ``kept``, as two columns: the date each answer
        was submitted when the file says (a platform export), else the run's ``collected``
        range (paper returns typed in), else the day the returned file was last saved."""
        own = table.collected_dates(kept)
        span = self.collected or (day, day)
        if not any(own):
            return Same(span[0]), Same(span[1])
        dates = [(d, d) if d else span for d in own]
        return [d[0] for d in dates], [d[1] for d in dates]

    def _reject(
        self, c: Checked, i: int, source: int, issues: list[Issue], extra: Problem | None = None
    ) -> tuple[tuple, dict[str, Any]]:
        problems = [to_problem(c.table, self.bank, x) for x in issues if x.severity == nz.ERROR] + (
            [extra] if extra else []
        )
        reasons = "\n".join(p.message for p in problems)
        shown, sheet, row = c.table.origin(i)
        raw = {k: _raw(v) for k, v in c.table.frame.iloc[i].items() if not nz.is_blank(v)}
        # a row of a rejects workbook rejected again: the new workbook names its first file
        known = c.table.first_origin(i)
        first = known or (shown, sheet, row)
        record = (source, self.bank.id, self.wave, sheet, row, reasons, dumps(raw))
        record += tuple(known) if known else (None, None, None)
        return record, {
            "file": first[0],
            "sheet": first[1],
            "row": first[2],
            "reasons": reasons,
            "raw": raw,
        }


def _take(column: np.ndarray, kept: np.ndarray) -> np.ndarray:
    """``column[kept]`` (``kept`` increasing and not empty); a view when the rows are
    consecutive: every row of a table, or one respondent form's row of its batch."""
    first, last = int(kept[0]), int(kept[-1]) + 1
    return column[first:last] if last - first == len(kept) else column[kept]


def _first_origins(found: list[tuple | None]) -> tuple[Sequence | Same, ...]:
    """The (file, sheet, row) each row first came from, as three columns (see
    :meth:`Table.first_origins`)."""
    if not any(found):
        return Same(None), Same(None), Same(None)
    rows = [o or (None, None, None) for o in found]
    return tuple(list(column) for column in zip(*rows, strict=True))


def _repeated(keys: np.ndarray) -> np.ndarray:
    """Which ``keys`` equal an earlier one (a respondent form's single row: none, at no
    pandas cost; 1,000 forms are 1,000 calls)."""
    if len(keys) < 2:
        return np.zeros(len(keys), dtype=bool)
    # object keys stay objects: pandas would infer Arrow strings, 15x slower to hash here
    return pd.Series(keys, dtype=object if keys.dtype == object else None).duplicated().to_numpy()


def _odds_text(expected: float) -> str:
    """The expected number of chance coincidences, in words: ``约 0.002``, ``远小于 0.0001``."""
    if expected < 1e-4:
        return "远小于 0.0001"
    return f"约 {expected:.2g}" if expected < 10 else "大于 10"


def file_day(path: Path) -> str:
    """The day ``path`` was last saved (its modification time, local time), ISO format: when
    a returned form with no date of its own was collected."""
    return date.fromtimestamp(path.stat().st_mtime).isoformat()


def _count_units(result: FileResult, units: np.ndarray | None, n: int) -> None:
    """Accepted respondents per unit code (None = not answered, or no unit question)."""
    if units is None:
        result.units[None] += n
        return
    known = units[~np.isnan(units)]
    codes, counts = np.unique(known, return_counts=True)
    result.units.update({int(c): int(k) for c, k in zip(codes, counts, strict=True)})
    if len(known) < n:
        result.units[None] += n - len(known)


def _raw(v: Any) -> Any:
    if isinstance(v, float) and v.is_integer():
        return int(v)
    return v if isinstance(v, int | float | str | bool) else str(v)
