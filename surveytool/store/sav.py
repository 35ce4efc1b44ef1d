"""SPSS .sav export of the stored answers, with variable and value labels."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from surveytool.bank.model import Bank

SAV_META = ("response_id", "wave", "source", "corrected_in", "rid")  # bookkeeping variables


def write_sav(frame: pd.DataFrame, bank: Bank, path: Path) -> Path:
    """Answers (from load_answers) as .sav with variable and value labels; 不清楚-type codes
    are declared user-missing, as SPSS expects."""
    import pyreadstat

    out: dict[str, pd.Series] = {}  # built whole, then one DataFrame (no fragmentation)
    for col in SAV_META:
        if col in frame.columns:
            out[col] = (
                frame[col].astype(object).where(frame[col].notna(), None)
                if col != "response_id"
                else frame[col].astype(float)
            )
    column_labels = {
        "response_id": "答卷编号",
        "wave": "调查轮次",
        "source": "来源文件",
        "corrected_in": "改正文件",
        "rid": "问卷编号",
    }
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
