"""The shared loop of the other methods' ingests (notes, Delphi forms, visit records): find
the files, skip those already stored (by sha256) or given twice, read each one, and write
it in one transaction — a file that cannot be read is reported in Chinese and the batch goes
on, a crash mid-file leaves the store as it was before that file.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from surveytool.errors import Problem, display_name, problem
from surveytool.ingest import files as fs
from surveytool.ingest.table import FileRejectedError
from surveytool.store import methods as sm
from surveytool.store.db import Store


@dataclass
class MethodFile:
    """What happened to one file: ``ingested``, ``skipped`` (already stored or a copy) or
    ``failed``; its problems (errors when failed, notes otherwise) and a short summary."""

    name: str
    path: str
    status: str
    problems: list[Problem] = field(default_factory=list)
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass
class MethodSummary:
    """The outcome of one run over files."""

    method: str
    store: str
    wave: str
    files: list[MethodFile] = field(default_factory=list)

    @property
    def failed(self) -> list[MethodFile]:
        """The files that could not be read."""
        return [f for f in self.files if f.status == "failed"]

    def count(self, status: str) -> int:
        """How many files have ``status``."""
        return sum(f.status == status for f in self.files)

    def to_dict(self) -> dict[str, Any]:
        """Plain data for --json: counts and every file with its messages."""
        return {
            "method": self.method,
            "store": self.store,
            "wave": self.wave,
            "ingested": self.count("ingested"),
            "skipped": self.count("skipped"),
            "failed": self.count("failed"),
            "files": [
                {
                    "name": f.name,
                    "status": f.status,
                    "messages": [p.message for p in f.problems],
                    **f.detail,
                }
                for f in self.files
            ],
        }


def discover(targets: list[str | Path], suffixes: tuple[str, ...]) -> list[Path]:
    """Given files as they are, folders walked for ``suffixes`` (sorted; no hidden or ~$ temp
    files), each file once."""
    out: list[Path] = []
    for t in map(Path, targets):
        if t.is_dir():
            out += [
                p
                for p in sorted(t.rglob("*"))
                if p.is_file()
                and p.suffix.lower() in suffixes
                and not any(x.startswith((".", "~$")) for x in p.relative_to(t).parts)
            ]
        else:
            out.append(t)
    seen: set[Path] = set()
    return [p for p in out if not (p.resolve() in seen or seen.add(p.resolve()))]


Reader = Callable[[Path, str], tuple[Any, list[Problem]]]
# (path, shown) -> (a record, notes for the user); raises FileRejectedError
Writer = Callable[[Store, int, Any, str], dict[str, Any]]
# (store, file id, record, shown name) -> detail; may raise FileRejectedError (rolled back)


def run(
    targets: list[str | Path],
    store_path: str | Path,
    *,
    method: str,
    scope: str,
    wave: str,
    suffixes: tuple[str, ...],
    read: Reader,
    write: Writer,
    kind: str,
) -> MethodSummary:
    """Ingest every file of ``targets``: ``read`` one (outside any transaction), then
    ``write`` it with its method_files row in one transaction. ``kind`` names the files in
    messages (记录, 咨询表, 走访记录)."""
    summary = MethodSummary(method, str(store_path), wave)
    seen: dict[str, str] = {}
    with Store(store_path) as store:
        for path in discover(targets, suffixes):
            shown = display_name(path.name)
            result = MethodFile(shown, display_name(path), "ingested")
            summary.files.append(result)
            if not path.is_file():
                result.status = "failed"
                result.problems.append(problem("file_not_found", path=display_name(path)))
                continue
            sha = fs.sha256(path)
            earlier = seen.get(sha) or sm.known_file(store, sha, method, scope)
            if earlier:
                result.status = "skipped"
                result.problems.append(_skipped(earlier, shown, kind))
                continue
            seen[sha] = shown
            try:
                record, notes = read(path, shown)
            except FileRejectedError as exc:
                result.status, result.problems = "failed", exc.problems
                continue
            try:
                with store.transaction():
                    store.ensure_methods()
                    file_id = sm.add_file(
                        store,
                        sha=sha,
                        name=shown,
                        path=display_name(path),
                        size=path.stat().st_size,
                        method=method,
                        scope=scope,
                        wave=wave,
                    )
                    result.detail = write(store, file_id, record, shown)
            except FileRejectedError as exc:  # refused against what is stored: rolled back
                result.status, result.problems = "failed", exc.problems
                continue
            result.problems += notes
    return summary


def _skipped(earlier: str | tuple[str, str], shown: str, kind: str) -> Problem:
    if isinstance(earlier, str):
        return problem("same_file_in_run", file=shown, kind=kind, other=earlier)
    return problem("already_ingested", file=shown, kind=kind, when=earlier[0], wave=earlier[1])


__all__ = ["MethodFile", "MethodSummary", "discover", "run"]
