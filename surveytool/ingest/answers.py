"""Reading the clean answers of a bank back from the store, as a typed pandas DataFrame."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from surveytool.bank.model import Bank, Field
from surveytool.errors import IngestError, problem
from surveytool.ingest.store import Store, decode_answers

META_COLUMNS = [
    "response_id",
    "wave",
    "bank_version",
    "source",
    "sheet",
    "row",
    "rid",
    "unit",
    "channel",
]


def dtype_of(f: Field) -> object:
    """The pandas dtype of a field: categorical codes, nullable integers, floats or strings."""
    if f.kind in ("single", "likert"):
        return pd.CategoricalDtype(categories=list(f.codes), ordered=f.kind == "likert")
    if f.kind in ("flag", "rank") or (f.kind == "number" and f.integer):
        return "Int64"
    if f.kind == "number":
        return "Float64"
    return "string"


def load_answers(store: str | Path, bank: Bank, wave: str | None = None) -> pd.DataFrame:
    """Answers of ``bank`` (optionally one wave): one row per respondent.

    Returns the columns :data:`META_COLUMNS` then one column per field of the bank, typed by
    :func:`dtype_of` (missing = <NA>/NaN). Raises IngestError if the store does not exist.
    """
    path = Path(store)
    if not path.is_file():
        raise IngestError(problem("file_not_found", path=str(path)))
    with Store(path) as s:
        rows = s.response_rows(bank.id, wave)
        blobs = s.batches(r[-2] for r in rows)
    meta = pd.DataFrame([r[:-2] for r in rows], columns=META_COLUMNS)
    data = _gather(rows, blobs)
    out = {c: meta[c] for c in META_COLUMNS}
    for f in bank.fields:
        col = data[f.id] if f.id in data.columns else pd.Series([None] * len(meta))
        col = col.reset_index(drop=True)
        out[f.id] = _typed(col, f)
    return pd.DataFrame(out)


def _gather(rows: list[tuple], blobs: dict[int, bytes]) -> pd.DataFrame:
    """The answers of ``rows`` from their batches, in row order."""
    if not rows:
        return pd.DataFrame()
    frames = {i: decode_answers(b) for i, b in blobs.items()}
    ids = np.array([r[-2] for r in rows])
    pos = np.array([r[-1] for r in rows])
    parts = []
    for batch_id, frame in frames.items():
        mask = ids == batch_id
        part = frame.iloc[pos[mask]].copy()
        part.index = np.flatnonzero(mask)
        parts.append(part)
    return pd.concat(parts).sort_index()


def _typed(col: pd.Series, f: Field) -> pd.Series:
    dtype = dtype_of(f)
    if isinstance(dtype, pd.CategoricalDtype):
        return pd.Series(
            pd.Categorical(pd.to_numeric(col, errors="coerce").astype("Int64"), dtype=dtype)
        )
    if dtype in ("Int64", "Float64"):
        return pd.to_numeric(col, errors="coerce").astype(dtype)
    return col.astype("string")
