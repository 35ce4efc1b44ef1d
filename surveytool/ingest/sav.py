"""SPSS .sav files, both ways (pyreadstat).

Import: variables named by field id (as we export them) are taken directly; otherwise a
variable is matched by its label (the question text) like a table header. Values stay codes;
string variables stay text. Export: every field a variable with its question as variable
label and its options as value labels, so SPSS users carry on where we stop.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from surveytool.bank.model import Bank
from surveytool.errors import problem
from surveytool.ingest import header
from surveytool.ingest.table import KIND, FileRejectedError, Table, fail

# the bookkeeping variables of our exports (surveytool.store.sav): their plain names, or
# st_<name> where the bank has a field of that name
META_LABELS = {"答卷编号", "调查轮次", "来源文件", "改正文件", "问卷编号"}
# readstat's messages (pyreadstat passes them on in English) -> what we say instead
SAV_REASONS = {
    "invalid file": "文件内容无法识别，可能已损坏、未下载完整，或不是 SPSS 保存的 .sav 文件",
    "unsupported features": "文件使用了本程序不支持的 SPSS 功能，请在 SPSS 中另存为普通 .sav 文件",
    "unsupported character set": "文件的字符编码无法识别，请在 SPSS 中以 UTF-8 编码另存",
    "unable to open": "文件无法打开",
    "unable to read": "文件读取中断，可能未下载完整",
    "compression": "文件的压缩格式无法识别，请在 SPSS 中另存为不压缩或标准压缩的 .sav 文件",
    "memory": "文件过大，读取所需的内存超过上限",
}
SAV_DEFAULT = "文件内容无法识别，可能已损坏，或不是 SPSS 保存的 .sav 文件"


def sav_reason(exc: Exception) -> str:
    """A Chinese reason for pyreadstat's error (its English text is never shown)."""
    text = str(exc).lower()
    found = [reason for key, reason in SAV_REASONS.items() if key in text]
    return found[0] if found else SAV_DEFAULT


def read_sav(path: Path, shown: str, bank: Bank) -> Table:
    """An .sav file as a Table of raw values under bank field ids."""
    import pyreadstat

    try:
        frame, meta = pyreadstat.read_sav(str(path), apply_value_formats=False, user_missing=False)
    except Exception as exc:  # pyreadstat raises its own error types for damaged files
        raise fail(
            "file_unreadable", shown, detail=f"不是有效的 SPSS 文件（{sav_reason(exc)}）"
        ) from None
    labels = meta.column_names_to_labels or {}
    fields = {f.id for f in bank.fields}
    ours = {str(c) for c in frame.columns if str(c) not in fields and labels.get(c) in META_LABELS}
    names = [str(c) for c in frame.columns if str(c) not in ours]  # our export's bookkeeping
    shown_headers = [c if c in fields else (labels.get(c) or c) for c in names]
    mapping = header.map_ids(shown_headers, names, bank, shown, "SPSS", strict=False)
    rename = {
        name: mapping.columns[str(h)]
        for name, h in zip(names, shown_headers, strict=True)
        if mapping.columns.get(str(h))
    }
    if not rename:
        raise FileRejectedError(
            [problem("mapping_nothing", file=shown, kind=KIND, platform="SPSS")]
        )
    rid = [c for c in ours if labels.get(c) == "问卷编号"]
    if rid:
        rename[rid[0]] = "_rid"
    data = frame[list(rename)].rename(columns=rename).astype(object)
    data = data.where(pd.notna(data), None)
    rows = np.arange(1, len(data) + 1)
    refs = {t: n for n, t in rename.items()}
    return Table(
        shown,
        "SPSS",
        "sav",
        data.reset_index(drop=True),
        rows,
        refs,
        mapping.problems,
        channel="sav",
    )


def read_sav_meta(path: Path, shown: str) -> dict:
    """An .sav file's dictionary and values as plain data for ``bank-from``: ``variables``
    (name, label, ``string``, measure, value labels, user-missing codes, format, values),
    ``mr_sets`` (SPSS multiple-response sets) and ``file_label``. Raises UsageError (ours)
    for a file that is not an SPSS data file."""
    import pyreadstat

    from surveytool.errors import UsageError

    try:
        frame, meta = pyreadstat.read_sav(str(path), apply_value_formats=False, user_missing=True)
    except Exception as exc:  # pyreadstat raises its own error types for damaged files
        raise UsageError(
            problem("sav_unreadable", file=shown, kind="文件", detail=sav_reason(exc))
        ) from None
    labels = meta.column_names_to_labels or {}
    value_labels = meta.variable_value_labels or {}
    missing = meta.missing_user_values or {}
    ranges = meta.missing_ranges or {}
    out = []
    for name in meta.column_names:
        col = frame[name]
        codes = list(missing.get(name, []))
        for r in ranges.get(name, []):
            if r.get("lo") == r.get("hi"):
                codes.append(r["lo"])
        out.append(
            {
                "name": name,
                "label": labels.get(name) or "",
                "string": meta.readstat_variable_types.get(name) == "string",
                "measure": (meta.variable_measure or {}).get(name, "unknown"),
                "labels": dict(value_labels.get(name, {})),
                "missing": codes,
                "format": (meta.original_variable_types or {}).get(name, ""),
                "values": [None if pd.isna(v) else v for v in col.tolist()],
            }
        )
    return {
        "variables": out,
        "mr_sets": dict(meta.mr_sets or {}),
        "file_label": meta.file_label or "",
    }
