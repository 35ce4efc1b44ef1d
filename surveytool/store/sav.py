"""SPSS .sav export of the stored answers, with variable and value labels."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from surveytool.bank.model import Bank


def write_sav(frame: pd.DataFrame, bank: Bank, path: Path) -> Path:
    """Answers (from load_answers) as .sav with variable and value labels."""
    import pyreadstat

    out = pd.DataFrame(index=frame.index)
    for col in ("response_id", "wave", "source", "rid"):
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
        "rid": "问卷编号",
    }
    value_labels: dict[str, dict[float, str]] = {}
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
        elif f.kind == "flag":
            value_labels[f.id] = {1.0: "选中", 0.0: "未选"}
    pyreadstat.write_sav(
        out,
        str(path),
        column_labels=[column_labels.get(c, c) for c in out.columns],
        variable_value_labels=value_labels,
    )
    return path
