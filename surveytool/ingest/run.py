"""The ingest run: files -> tables -> checked rows -> store, one transaction per file.

Counting rule, for every file that could be read: rows given = accepted + rejected +
duplicates. Respondent forms are validated in batches (one row each) and written per file.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from surveytool.bank.model import Bank
from surveytool.errors import Problem, problem
from surveytool.forms.collection import build_collection
from surveytool.forms.respondent import build_respondent
from surveytool.forms.structure import FormStructure
from surveytool.ingest import files as fs
from surveytool.ingest import normalise as nz
from surveytool.ingest.readers import read_csv_file, read_excel_file
from surveytool.ingest.rejects import write_rejects
from surveytool.ingest.store import Store, dumps
from surveytool.ingest.table import KIND, FileRejectedError, Table, combine, fail, where_text
from surveytool.ingest.validate import Checked, check

BATCH = 250  # respondent forms validated together
MIN_ANSWERS_FOR_CONTENT_DUPLICATE = 5
CODE_KINDS = ("single", "likert", "flag", "rank")

Progress = Callable[[int, int, str], None]


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


@dataclass
class IngestSummary:
    """The result of one ingest run (see :meth:`to_dict` for the JSON form)."""

    bank: str
    wave: str
    store: str
    files: list[FileResult]
    rejects_file: str | None = None
    unit_labels: dict[int, str] = field(default_factory=dict)

    def total(self, key: str) -> int:
        """Sum of a count over files."""
        return sum(getattr(f, key) for f in self.files)

    @property
    def failed(self) -> list[FileResult]:
        """Files that could not be read at all."""
        return [f for f in self.files if f.status == "failed"]

    def units(self) -> dict[str, int]:
        """Accepted respondents per unit label (empty when the bank has no unit question)."""
        if not self.unit_labels:
            return {}
        c: Counter = Counter()
        for f in self.files:
            c.update(f.units)
        return {
            self.unit_labels.get(k, str(k)) if k is not None else "未填写": v
            for k, v in sorted(c.items(), key=lambda kv: (kv[0] is None, kv[0] or 0))
        }

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary with at least files, accepted, rejected, duplicates."""
        return {
            "bank": self.bank,
            "wave": self.wave,
            "store": self.store,
            "files": [
                {
                    "name": f.name,
                    "path": f.path,
                    "status": f.status,
                    "kind": f.kind,
                    "rows": f.rows,
                    "accepted": f.accepted,
                    "rejected": f.rejected,
                    "duplicates": f.duplicates,
                    "warnings": f.warnings,
                    "problems": [p.message for p in f.problems],
                }
                for f in self.files
            ],
            "accepted": self.total("accepted"),
            "rejected": self.total("rejected"),
            "duplicates": self.total("duplicates"),
            "warnings": self.total("warnings"),
            "failed": len(self.failed),
            "already_ingested": sum(f.status == "known" for f in self.files),
            "rejects_file": self.rejects_file,
            "units": self.units(),
        }


def expected_structures(bank: Bank) -> dict[str, FormStructure]:
    """The structure our forms of this bank have (to recognise edited or outdated forms)."""
    return {"respondent": build_respondent(bank)[1], "collection": build_collection(bank, 1)[1]}


def read_table(path: Path, bank: Bank, expected: dict[str, FormStructure]) -> Table:
    """Any supported file as a Table. Raises FileRejectedError."""
    shown = path.name
    suffix = path.suffix.lower()
    if suffix not in fs.SUFFIXES:
        raise fail("file_type_unknown", shown, suffix=suffix or "（无扩展名）")
    if path.stat().st_size == 0:
        raise fail("file_empty", shown)
    if suffix == ".csv":
        return read_csv_file(path, shown, bank)
    if suffix in (".xlsx", ".xlsm"):
        reason = fs.precheck_xlsx(path)
        if reason:
            raise fail("file_unreadable", shown, detail=reason)
    return read_excel_file(path, shown, bank, expected)


class _Run:
    """State of one ingest run over many files."""

    def __init__(self, bank: Bank, store: Store, wave: str):
        self.bank, self.store, self.wave = bank, store, wave
        self.by_hash, self.by_rid = store.keys(bank.id, wave)
        self.rejects: list[dict[str, Any]] = []
        units = bank.role_fields("unit")
        self.unit_field = units[0] if units else None
        self.seen: dict[str, str] = {}  # sha256 -> file name, for this run

    # -- per file ----------------------------------------------------------------------

    def _source(self, path: Path, sha: str, t: Table, rows: int) -> int:
        return self.store.add_source(
            {
                "sha256": sha,
                "name": path.name,
                "path": str(path),
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
                "cells": dumps(t.refs),
            }
        )

    def write(
        self,
        path: Path,
        sha: str,
        part: Table,
        c: Checked,
        rows: np.ndarray,
        answers: list[str],
        result: FileResult,
    ) -> None:
        """Dedupe and store rows ``rows`` of checked batch ``c`` (the file ``part``, whose
        answers as JSON are ``answers``), in one transaction."""
        with self.store.transaction():
            source = self._source(path, sha, part, len(rows))
            self._rows(part, c, rows, answers, source, result)
            self.store.db.execute(
                "UPDATE sources SET accepted=?, rejected=?, duplicates=?, warnings=? WHERE id=?",
                (result.accepted, result.rejected, result.duplicates, result.warnings, source),
            )

    def reject_file(
        self, path: Path, sha: str, problems: list[Problem], result: FileResult
    ) -> None:
        """Store a respondent form that cannot be read cell by cell as one rejected row."""
        t = Table(
            path.name, problems[0].sheet or "", "respondent", pd.DataFrame(), np.array([]), {}
        )
        reasons = "\n".join(p.message for p in problems)
        with self.store.transaction():
            source = self._source(path, sha, t, 1)
            self.store.add_rejects(
                [(source, self.bank.id, self.wave, t.sheet, None, reasons, "{}")]
            )
            self.store.db.execute("UPDATE sources SET rejected=1 WHERE id=?", (source,))
        self.rejects.append(
            {"file": path.name, "sheet": t.sheet, "row": None, "reasons": reasons, "raw": {}}
        )
        result.rows, result.rejected, result.kind = 1, 1, "respondent"

    def _rows(
        self,
        part: Table,
        c: Checked,
        rows: np.ndarray,
        answers: list[str],
        source: int,
        result: FileResult,
    ) -> None:
        next_id = self.store.last_response_id() + 1
        responses, issues, dups, rejects = [], [], [], []
        for i, line in zip(rows, answers, strict=True):
            shown, sheet, row = c.table.origin(int(i))
            if c.rejected[i]:
                rejects.append(self._reject(c, int(i), source, shown, sheet, row))
                continue
            h = hashlib.sha256(line.encode("utf-8")).hexdigest()
            rid = c.rid[i] if c.rid is not None else None
            dup = self._duplicate(h, rid, line)
            if dup is not None and dup[0] == "conflict":
                rejects.append(self._reject(c, int(i), source, shown, sheet, row, dup[1]))
                continue
            if dup is not None:
                dups.append((source, sheet, row, dup[2], dup[1].message))
                continue
            unit = self._unit(c, int(i))
            responses.append(
                (
                    self.bank.id,
                    part.form_version or self.bank.version,
                    self.wave,
                    source,
                    sheet,
                    row,
                    rid,
                    unit,
                    part.channel,
                    h,
                    line,
                )
            )
            where = where_text(shown, sheet, row)
            self.by_hash.setdefault(h, (next_id, where, h))
            if rid:
                self.by_rid.setdefault(rid, (next_id, where, h))
            for p in c.problems(self.bank, int(i), nz.WARNING):
                issues.append((next_id, p.field, p.cell, p.code, p.message))
                result.problems.append(p)
            result.units[unit] += 1
            next_id += 1
        self.store.add_responses(responses)
        self.store.add_issues(issues)
        self.store.add_duplicates(dups)
        self.store.add_rejects(r[0] for r in rejects)
        self.rejects.extend(r[1] for r in rejects)
        result.accepted += len(responses)
        result.duplicates += len(dups)
        result.rejected += len(rejects)
        result.warnings += len(issues)
        result.rows += len(rows)

    def _duplicate(self, h: str, rid: str | None, line: str) -> tuple[str, Problem, int] | None:
        if rid and rid in self.by_rid:
            first, where, first_hash = self.by_rid[rid]
            if first_hash == h:
                return "dup", problem("duplicate_rid", rid=rid, where=where), first
            return "conflict", problem("conflict_rid", rid=rid, where=where), first
        if rid:  # a different respondent code: another questionnaire, even if alike
            return None
        if h in self.by_hash and _answer_count(line) >= MIN_ANSWERS_FOR_CONTENT_DUPLICATE:
            first, where, _ = self.by_hash[h]
            return "dup", problem("duplicate_response", where=where), first
        return None

    def _unit(self, c: Checked, i: int) -> int | None:
        if self.unit_field is None:
            return None
        v = c.values[self.unit_field.id][i]
        return None if np.isnan(v) else int(v)

    def _reject(
        self,
        c: Checked,
        i: int,
        source: int,
        shown: str,
        sheet: str,
        row: int,
        extra: Problem | None = None,
    ) -> tuple[tuple, dict[str, Any]]:
        problems = c.problems(self.bank, i, nz.ERROR) + ([extra] if extra else [])
        reasons = "\n".join(p.message for p in problems)
        raw = {k: _raw(v) for k, v in c.table.frame.iloc[i].items() if not nz.is_blank(v)}
        record = (source, self.bank.id, self.wave, sheet, row, reasons, dumps(raw))
        return record, {"file": shown, "sheet": sheet, "row": row, "reasons": reasons, "raw": raw}

    def answers_json(self, c: Checked) -> list[str]:
        """Canonical JSON of each row's clean answers (all fields, bank order; null = missing)."""
        if len(c.table.frame) == 0:
            return []
        data = {}
        for f in self.bank.fields:
            v = c.values[f.id]
            if f.kind in CODE_KINDS or (f.kind == "number" and f.integer):
                data[f.id] = pd.array(np.where(np.isnan(v), np.nan, v), dtype="Float64").astype(
                    "Int64"
                )
            elif f.kind == "number":
                data[f.id] = v
            else:
                data[f.id] = pd.Series(v, dtype=object)
        frame = pd.DataFrame(data)
        text = frame.to_json(orient="records", lines=True, force_ascii=False)
        return text.rstrip("\n").split("\n")


def _raw(v: Any) -> Any:
    if isinstance(v, float) and v.is_integer():
        return int(v)
    return v if isinstance(v, int | float | str | bool) else str(v)


def _answer_count(line: str) -> int:
    return sum(v is not None for v in json.loads(line).values())


def ingest(
    targets: list[str | Path],
    bank: Bank,
    store_path: str | Path = "survey.db",
    wave: str = "baseline",
    progress: Progress | None = None,
) -> IngestSummary:
    """Ingest files and folders into the store; returns what happened to each file.

    Never raises for a bad returned file: its problems are in the summary. Raises
    IngestError only when the store itself cannot be used.
    """
    paths = fs.discover([Path(t) for t in targets])
    summary = IngestSummary(bank.id, wave, str(store_path), [])
    if bank.role_fields("unit"):
        summary.unit_labels = {o.code: o.label for o in bank.role_fields("unit")[0].options}
    expected = expected_structures(bank)
    with Store(store_path) as store:
        run = _Run(bank, store, wave)
        batch: list[tuple[Path, str, Table, FileResult]] = []
        for k, path in enumerate(paths, start=1):
            if progress:
                progress(k, len(paths), path.name)
            result = FileResult(path.name, str(path), "ingested")
            summary.files.append(result)
            table_sha = _open(run, path, expected, result)
            if table_sha is None:
                continue
            table, sha = table_sha
            batch.append((path, sha, table, result))
            if table.kind != "respondent" or len(batch) >= BATCH:
                _flush(run, batch)
                batch = []
        _flush(run, batch)
        if run.rejects:
            summary.rejects_file = str(write_rejects(run.rejects, bank, Path(store_path).parent))
    return summary


REJECTED_FORM = "form_fields_lost"  # a respondent form whose answers cannot be located


def _open(
    run: _Run, path: Path, expected: dict[str, FormStructure], result: FileResult
) -> tuple[Table, str] | None:
    """Read one file, or record why not. Returns (table, sha256) or None."""
    if not path.is_file():
        result.status = "failed"
        result.problems.append(problem("file_not_found", path=str(path)))
        return None
    sha = fs.sha256(path)
    known = run.store.known_source(sha, run.bank.id)
    if sha in run.seen:
        result.status = "known"
        result.problems.append(
            problem("same_file_in_run", file=path.name, kind=KIND, other=run.seen[sha])
        )
        return None
    run.seen[sha] = path.name
    if known:
        result.status = "known"
        result.problems.append(
            problem("already_ingested", file=path.name, kind=KIND, when=known[0], wave=known[1])
        )
        return None
    try:
        table = read_table(path, run.bank, expected)
    except FileRejectedError as exc:
        if exc.problems[0].code == REJECTED_FORM:
            run.reject_file(path, sha, exc.problems, result)
        else:
            result.status = "failed"
        result.problems.extend(exc.problems)
        return None
    result.kind = table.kind
    result.problems.extend(table.problems)
    return table, sha


def _flush(run: _Run, batch: list[tuple[Path, str, Table, FileResult]]) -> None:
    if not batch:
        return
    tables = [t for _, _, t, _ in batch]
    merged = combine(tables) if len(tables) > 1 else tables[0]
    checked = check(merged, run.bank)
    answers = run.answers_json(checked)
    start = 0
    for path, sha, table, result in batch:
        end = start + len(table.frame)
        run.write(path, sha, table, checked, np.arange(start, end), answers[start:end], result)
        start = end
