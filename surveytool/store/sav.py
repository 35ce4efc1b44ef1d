"""SPSS .sav export of the stored answers, with variable and value labels."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from surveytool.bank.model import Bank

SAV_META = ("_response_id", "_wave", "_source", "_corrected_in", "_rid")  # bookkeeping columns


def sav_names(columns, fields: set[str]) -> dict[str, str]:
    """SPSS variable names of the bookkeeping columns (a name may not begin with "_"): the
    plain name (``wave``), or ``st_wave`` when the bank has a field of that name."""
    out = {}
    for col in columns:
        name = col.removeprefix("_")
        while name in fields or name in out.values():
            name = "st_" + name
        out[col] = name
    return out


def write_sav(frame: pd.DataFrame, bank: Bank, path: Path) -> Path:
    """Answers (from load_answers) as .sav with variable and value labels; 不清楚-type codes
    are declared user-missing, as SPSS expects."""
    import pyreadstat

    out: dict[str, pd.Series] = {}  # built whole, then one DataFrame (no fragmentation)
    names = sav_names([c for c in SAV_META if c in frame.columns], {f.id for f in bank.fields})
    for col, name in names.items():
        out[name] = (
            frame[col].astype(object).where(frame[col].notna(), None)
            if col != "_response_id"
            else frame[col].astype(float)
        )
    meaning = {
        "_response_id": "答卷编号",
        "_wave": "调查轮次",
        "_source": "来源文件",
        "_corrected_in": "改正文件",
        "_rid": "问卷编号",
    }
    column_labels = {name: meaning[col] for col, name in names.items()}
    value_labels: dict[str, dict[float, str]] = {}
    missing: dict[str, list[float]] = {}
    for f in bank.fields:
        if f.id not in frame.columns:  # left out on purpose (personal data)
            continue
        col = frame[f.id]
        if f.kind in ("text", "other"):
            out[f.id] = col.astype(object).where(col.notna(), "").astype(str)
        else:
            out[f.id] = pd.to_numeric(col.astype("Float64"), errors="coerce").astype(float)
        column_labels[f.id] = f.label[:250]
        if f.options:
            value_labels[f.id] = {float(o.code): o.label for o in f.options}
            if f.missing_codes:
                missing[f.id] = [float(c) for c in f.missing_codes]
        elif f.kind == "flag":
            value_labels[f.id] = {1.0: "选中", 0.0: "未选"}
    table = pd.DataFrame(out, index=frame.index)
    pyreadstat.write_sav(
        table,
        str(path),
        column_labels=[column_labels.get(c, c) for c in table.columns],
        variable_value_labels=value_labels,
        missing_ranges=missing or None,
    )
    return path
