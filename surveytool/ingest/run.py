"""The ingest run: files -> tables -> checked rows -> store, one transaction per file.

Counting rule, for every file that could be read: rows given = accepted + rejected +
duplicates. Respondent forms are validated in batches (one row each) and written per file.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from surveytool.bank.model import Bank
from surveytool.errors import problem
from surveytool.ingest import files as fs
from surveytool.ingest.codes import repeated_codes
from surveytool.ingest.options import ReadOptions
from surveytool.ingest.read import Expected
from surveytool.ingest.rejects import write_rejects
from surveytool.ingest.sandbox import SafeReader
from surveytool.ingest.table import KIND, FileRejectedError, Table, combine
from surveytool.ingest.validate import check
from surveytool.ingest.writer import FileResult, Writer
from surveytool.store.answers import sync_sql
from surveytool.store.db import Store

BATCH = 250  # respondent forms validated together


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


@dataclass(frozen=True)
class Progress:
    """Where an ingest run is: files done of ``total`` (read and written, skipped or
    refused), answers accepted so far, and the file done last."""

    done: int
    total: int
    accepted: int
    name: str


def ingest(
    targets: list[str | Path],
    bank: Bank,
    store_path: str | Path = "survey.db",
    wave: str = "首轮",
    progress: Callable[[Progress], None] | None = None,
    options: ReadOptions | None = None,
    only_unit: str | None = None,
    collected: tuple[str, str] | None = None,
    keep_identical: bool = False,
) -> IngestSummary:
    """Ingest files and folders into the store; returns what happened to each file.

    Files are read on every core (one reader worker each) and written in the order given,
    one transaction per file. Never raises for a bad returned file: its problems are in the
    summary. Raises IngestError only when the store itself cannot be used. ``options`` says
    how to read platform exports (source, mapping file, 问卷星 encoding); ``progress`` is
    called as files are done. ``only_unit`` (a liaison's upload: a unit's label as in the
    bank) refuses every row of another unit, before duplicates are looked for, and reads
    even files whose bytes are already stored (so the answer never depends on other units'
    answers being there).
    ``collected`` (first, last ISO date) is when answers without
    a submission date of their own were collected (paper returns typed in); without it,
    the day each file was last saved. ``keep_identical`` keeps answers identical to an
    earlier one from another person, whatever the odds (see writer.coincidence).
    """
    options = options or ReadOptions()
    paths = fs.discover([Path(t) for t in targets])
    summary = IngestSummary(bank.id, wave, str(store_path), [])
    if bank.role_fields("unit"):
        summary.unit_labels = {o.code: o.label for o in bank.role_fields("unit")[0].options}
    with (
        SafeReader(bank, Expected(bank), files=len(paths)) as reader,
        Store(store_path) as store,
    ):
        with store.transaction():  # a store written by an earlier version: brought up to date
            store.upgrade()  # the origin columns of responses
            sync_sql(store, bank)  # answers_<bank> filled in, corrected_in added
        run = Writer(
            bank, store, wave, only_unit, collected=collected, keep_identical=keep_identical
        )
        before = store.last_response_id()
        tick = _Ticker(summary, len(paths), progress)
        batch: list[tuple[Path, str, Table, FileResult]] = []
        for (path, sha, result), outcome in reader.read_all(
            _jobs(paths, run, summary, options, tick)
        ):
            table = _open(run, path, sha, result, outcome)
            if table is None:
                tick(result)
                continue
            batch.append((path, sha, table, result))
            if table.kind != "respondent" or len(batch) >= BATCH:
                _flush(run, batch, tick)
                batch = []
        _flush(run, batch, tick)
        _warn_repeated_codes(store, bank, wave, before, summary)
        if run.rejects:
            folder = Path(store_path).resolve().parent
            summary.rejects_file = str(write_rejects(run.rejects, bank, folder))
    return summary


def _warn_repeated_codes(
    store: Store, bank: Bank, wave: str, before: int, summary: IngestSummary
) -> None:
    """A warning on each answer of this run whose respondent code another answer of the
    same wave already uses (stored as an issue of that answer, and told with its file)."""
    found = repeated_codes(store, bank, wave, before)
    if not found:
        return
    by_name = {f.name: f for f in summary.files}
    with store.transaction():
        store.add_issues((rid, w.field, w.cell, w.code, w.message) for rid, _, w in found)
    for _, name, w in found:
        result = by_name.get(name)
        if result is not None:
            result.problems.append(w)
            result.warnings += 1


class _Ticker:
    """Calls ``progress`` as files are done."""

    def __init__(self, summary: IngestSummary, total: int, progress):
        self.summary, self.total, self.progress = summary, total, progress
        self.done = self.accepted = 0

    def __call__(self, result: FileResult) -> None:
        self.done += 1
        self.accepted += result.accepted
        if self.progress:
            self.progress(Progress(self.done, self.total, self.accepted, result.name))


def _jobs(paths: list[Path], run: Writer, summary: IngestSummary, options: ReadOptions, tick):
    """(path, options, pair, (path, sha256, result)) of each file to read, in order; the
    files not to read (missing, paired, already ingested) are recorded and done here."""
    pairs = wjx_pairs(paths)
    paired = {t: c for c, t in pairs.items()}
    seen: dict[str, str] = {}  # sha256 -> file name, within this run
    for path in paths:
        shown = fs.display_name(path.name)
        result = FileResult(shown, fs.display_name(path), "ingested")
        summary.files.append(result)
        if path in paired:
            result.status = "paired"
            other = fs.display_name(paired[path].name)
            result.problems.append(problem("paired_text", file=shown, kind=KIND, other=other))
            tick(result)
            continue
        sha = _fingerprint(run, path, result, seen)
        if sha is None:
            tick(result)
            continue
        yield path, options, pairs.get(path), (path, sha, result)


_WJX_NEW = re.compile(r"^(\d+)_按(文本|序号|分数)_")
_WJX_OLD = re.compile(
    r"^(.*?\d+_\d+)_([02])\.(xls|xlsx|csv)$"
)  # a prefix such as [问卷星数据] kept


def wjx_pairs(paths: list[Path]) -> dict[Path, Path]:
    """问卷星 downloads of one survey in both encodings: 按序号 file -> its 按文本 twin
    (by file name: ``{id}_按序号_…`` / ``{id}_按文本_…`` or ``{id}_{id}_2`` / ``_0``)."""
    text: dict[tuple[Path, str], Path] = {}
    code: dict[tuple[Path, str], Path] = {}
    for p in paths:
        name = fs.display_name(p.name)
        m = _WJX_NEW.match(name)
        if m:
            (text if m.group(2) == "文本" else code if m.group(2) == "序号" else {})[
                (p.parent, m.group(1))
            ] = p
            continue
        m = _WJX_OLD.match(name)
        if m:
            (text if m.group(2) == "0" else code)[(p.parent, m.group(1))] = p
    return {c: text[k] for k, c in code.items() if k in text}


REJECTED_FORM = "form_fields_lost"  # a respondent form whose answers cannot be located
KEPT_AGAIN = "#keep-identical"  # after the sha256 of a file whose merged rows are kept now


def _fingerprint(run: Writer, path: Path, result: FileResult, seen: dict[str, str]) -> str | None:
    """The file's sha256 when it is to be read; None (and ``result`` says why) when it is
    missing, already ingested, or the same bytes as a file earlier in this run."""
    if not path.is_file():
        result.status = "failed"
        result.problems.append(problem("file_not_found", path=result.path))
        return None
    sha = fs.sha256(path)
    if sha in seen:
        result.status = "known"
        result.problems.append(
            problem("same_file_in_run", file=result.name, kind=KIND, other=seen[sha])
        )
        return None
    seen[sha] = result.name
    if run.only_unit is not None:  # decided once read (Writer._known_to_liaison)
        return sha
    known = run.store.known_source(sha, run.bank.id)
    if known and run.keep_identical:  # rows merged as another person's: kept after all
        source, places = run.store.identical_merges(sha, run.bank.id, run.wave)
        if places:
            result.reopen_source, result.reopen = source, places
            return sha + KEPT_AGAIN  # a source of its own: only the rows kept now
    if known:
        result.status = "known"
        result.problems.append(
            problem("already_ingested", file=result.name, kind=KIND, when=known[0], wave=known[1])
        )
        return None
    return sha


def _open(
    run: Writer, path: Path, sha: str, result: FileResult, outcome: Table | FileRejectedError
) -> Table | None:
    """A file as the reader worker gave it back: its Table, or None when it was refused
    (``result`` says why; a respondent form whose answers are lost is stored as rejected)."""
    if isinstance(outcome, FileRejectedError):
        if outcome.problems[0].code == REJECTED_FORM:
            run.reject_file(path, sha, outcome.problems, result)  # says so itself
        else:
            result.status = "failed"
            result.problems.extend(outcome.problems)
        return None
    result.kind = outcome.kind
    result.problems.extend(outcome.problems)
    return outcome


def _flush(run: Writer, batch: list[tuple[Path, str, Table, FileResult]], tick) -> None:
    """Validate a batch of tables together, then write each file in its own transaction."""
    if not batch:
        return
    tables = [t for _, _, t, _ in batch]
    merged = combine(tables) if len(tables) > 1 else tables[0]
    prepared = run.prepare(check(merged, run.bank))
    start = 0
    for path, sha, table, result in batch:
        end = start + len(table.frame)
        rows = np.arange(start, end)
        if result.reopen:  # only the rows merged before are read again
            rows = np.array([i for i in rows if table.origin(i - start)[1:] in result.reopen])
        run.write(path, sha, table, prepared, rows.astype(int), result)
        start = end
        tick(result)
