"""Mutation fuzzing of returned forms (issue 8, battery item 2), shared by the test suite
(a few hundred mutants, tests/test_fuzz.py) and ``benchmarks/bench_fuzz.py`` (thousands).

A mutant is one of our own filled-in forms changed the way files get damaged or tampered
with: bytes flipped anywhere in the file, an XML part edited inside the zip (a span deleted,
duplicated or replaced, a tag renamed, truncated), or two answer cells swapped. Each mutant is
ingested alone; :func:`outcome` classifies what happened. The promise checked: no exception
escapes other than ours, nothing hangs, and a mutant that is accepted either gives exactly the
seed's answers or carries a problem (a warning or a rejected row) that says what changed.
"""

from __future__ import annotations

import random
import re
import zipfile
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from surveytool.bank.model import Bank
from surveytool.ingest.run import ingest
from surveytool.store.answers import load_answers

_ANSWER = re.compile(rb'<c r="C\d+"[^>]*>(?:<is><t>[^<]*</t></is>|<v>[^<]*</v>)</c>')


def _flip_bytes(data: bytes, rng: random.Random) -> bytes:
    out = bytearray(data)
    for _ in range(rng.randint(1, 8)):
        out[rng.randrange(len(out))] = rng.randrange(256)
    return bytes(out)


def _edit_xml(text: bytes, rng: random.Random) -> bytes:
    if len(text) < 10:
        return text
    a = rng.randrange(len(text))
    b = min(len(text), a + rng.randint(1, 200))
    how = rng.choice(["delete", "duplicate", "junk", "rename", "truncate"])
    if how == "delete":
        return text[:a] + text[b:]
    if how == "duplicate":
        return text[:b] + text[a:b] + text[b:]
    if how == "junk":
        junk = bytes(
            rng.choice(b"<>/&\"'=abc\x00\xe4\xb8\xad 123") for _ in range(rng.randint(1, 20))
        )
        return text[:a] + junk + text[a:]
    if how == "rename":
        tags = re.findall(rb"<([a-zA-Z]+)[ >/]", text)
        if tags:
            old = rng.choice(tags)
            return text.replace(b"<" + old, b"<" + old[::-1], 1)
        return text
    return text[:a]


def _swap_cells(text: bytes, rng: random.Random) -> bytes:
    cells = list(_ANSWER.finditer(text))
    if len(cells) < 2:
        return text
    x, y = sorted(rng.sample(cells, 2), key=lambda m: m.start())

    def inner(m: re.Match) -> bytes:
        return m.group(0)[m.group(0).index(b">") + 1 :]

    def head(m: re.Match) -> bytes:
        return m.group(0)[: m.group(0).index(b">") + 1]

    return (
        text[: x.start()]
        + head(x)
        + inner(y)
        + text[x.end() : y.start()]
        + head(y)
        + inner(x)
        + text[y.end() :]
    )


def mutate(seed: Path, out: Path, rng: random.Random) -> str:
    """Write one mutant of ``seed`` to ``out``; returns the kind of mutation."""
    kind = rng.choice(["bytes", "xml", "xml", "swap"])
    if kind == "bytes":
        out.write_bytes(_flip_bytes(seed.read_bytes(), rng))
        return kind
    with zipfile.ZipFile(seed) as z:
        entries = [(i, z.read(i.filename)) for i in z.infolist()]
    xml = [n for n, (i, _) in enumerate(entries) if i.filename.endswith(".xml")]
    sheets = [n for n in xml if "worksheets/sheet2" in entries[n][0].filename] or xml
    target = rng.choice(sheets if kind == "swap" or rng.random() < 0.6 else xml)
    info, data = entries[target]
    edit: Callable[[bytes, random.Random], bytes] = _swap_cells if kind == "swap" else _edit_xml
    entries[target] = (info, edit(data, rng))
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for i, d in entries:
            z.writestr(i.filename, d)
    return kind


def _answers(store: Path, bank: Bank) -> pd.DataFrame:
    frame = load_answers(store, bank)
    return frame[[f.id for f in bank.fields]].reset_index(drop=True)


def changed_fields(a: pd.DataFrame, b: pd.DataFrame) -> list[str] | None:
    """Fields whose answers differ (missing equals missing); None when the shapes differ."""
    if a.shape != b.shape:
        return None
    out = []
    for col in a.columns:
        x, y = a[col].astype(object).to_numpy(), b[col].astype(object).to_numpy()
        for u, v in zip(x, y, strict=True):
            if pd.isna(u) and pd.isna(v):
                continue
            if pd.isna(u) or pd.isna(v) or str(u) != str(v):
                out.append(col)
                break
    return out


def outcome(mutant: Path, bank: Bank, store: Path, reference: pd.DataFrame, swapped: bool) -> str:
    """What ingesting ``mutant`` alone did: "rejected file" (with the problem code), "rows
    rejected", "accepted, same answers", "accepted with a problem", "accepted, two answers
    exchanged" (a swap of two valid answers is a valid response: nothing can tell it from
    the respondent's own), or — the failure the battery exists to find — "accepted, changed
    silently". Exceptions propagate."""
    summary = ingest([mutant], bank, store)
    result = summary.files[0]
    if result.status == "failed":
        return f"rejected file ({result.problems[0].code})"
    if result.accepted == 0:
        return "rows rejected"
    changed = changed_fields(_answers(store, bank), reference)
    if changed == []:
        return "accepted, same answers"
    if result.problems:
        return "accepted with a problem"
    if swapped and changed is not None and len(changed) <= 2:
        return "accepted, two answers exchanged"
    return "accepted, changed silently"


def run(seed: Path, bank: Bank, folder: Path, n: int, rng_seed: int = 0) -> Counter:
    """Ingest ``n`` mutants of ``seed`` (each alone); returns the count of each outcome."""
    folder.mkdir(parents=True, exist_ok=True)
    ingest([seed], bank, folder / "reference.db")
    reference = _answers(folder / "reference.db", bank)
    rng = random.Random(rng_seed)
    counts: Counter = Counter()
    for i in range(n):
        mutant = folder / f"mutant-{i:05d}.xlsx"
        kind = mutate(seed, mutant, rng)
        store = folder / f"m{i}.db"
        counts[(kind, outcome(mutant, bank, store, reference, kind == "swap"))] += 1
        for p in (mutant, store, *folder.glob(f"m{i}.db-*"), *folder.glob("rejects-*.xlsx")):
            p.unlink(missing_ok=True)
    return counts
