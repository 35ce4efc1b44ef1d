"""Online-platform exports as tables of bank fields: 问卷星, 腾讯问卷, KoboToolbox/ODK, SPSS.

:func:`detect` tells a platform from a header row; :func:`parse` builds a
:class:`PlatformExport`; :func:`to_table` maps it to the bank (or uses the user's mapping file)
and converts it into a :class:`~surveytool.ingest.table.Table` that ingest validates like any
other. Personal metadata (IP, UA, 昵称, 用户标识, times of day) is never carried over; of
the submission time only the date is kept, as the day the answer was collected
(:mod:`~surveytool.ingest.platforms.dates`).
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from surveytool.bank.model import Bank
from surveytool.errors import problem
from surveytool.ingest.files import display_name
from surveytool.ingest.normalise import is_blank
from surveytool.ingest.platforms import dates
from surveytool.ingest.platforms import headers as hd
from surveytool.ingest.platforms.convert import Converter, missing
from surveytool.ingest.platforms.mapping import (
    QMap,
    apply_mapping_file,
    match_export,
    too_many_questions,
)
from surveytool.ingest.platforms.model import PlatformExport, PQuestion
from surveytool.ingest.table import KIND, FileRejectedError, Table, fail

SOURCES = ("auto", "table", "wjx", "tencent", "kobo", "sav")
ID_COLUMNS = {
    "wjx": ("序号",),
    "tencent": ("编号",),
    "kobo": ("_uuid", "meta/instanceID", "instanceID", "_id"),
}


def detect(header: list[object]) -> str | None:
    """The platform of an export from its header row, or None (a plain table)."""
    texts = [hd.clean(h) for h in header]
    names = set(texts)
    if "序号" in names and any(re.match(r"^(\d+)、", t) or re.match(r"^第\d+题", t) for t in texts):
        return "wjx"
    if ("编号" in names or "开始答题时间" in names) and any(re.match(r"^\d+\.", t) for t in texts):
        return "tencent"
    raw = {str(h or "").strip() for h in header}
    if raw & {"_uuid", "_submission_time", "meta/instanceID", "instanceID", "formhub/uuid"}:
        return "kobo"
    return None


def wjx_encoding(path: Path, export: PlatformExport, bank: Bank, maps: list[QMap]) -> str:
    """按文本 / 按序号 / 按分数, from the file name, else from the values."""
    name = display_name(path.name)
    if "按序号" in name or re.search(r"_2\.xlsx?$", name):
        return "code"
    if "按分数" in name:
        return "score"
    if "按文本" in name or re.search(r"_0\.xlsx?$", name):
        return "text"
    numeric = total = 0
    for m in maps:
        if not m.qid or bank.question(m.qid).type not in ("single", "likert"):
            continue
        for c in m.pq.columns:
            for row in export.rows[:200]:
                v = row[c.index] if c.index < len(row) else None
                if is_blank(v) or missing(v):
                    continue
                total += 1
                numeric += bool(re.fullmatch(r"-?\d+(\.0)?", str(v).strip()))
    return "code" if total and numeric == total else "text"


def parse(
    platform: str, header: list[object], rows: list[list], first_row: int, sheet: str
) -> PlatformExport:
    """Questions, metadata columns and data of an export."""
    if platform == "wjx":
        questions, meta, unknown = hd.wjx_questions(header)
        personal = hd.WJX_PERSONAL
    elif platform == "tencent":
        questions, meta, unknown = hd.tencent_questions(header)
        personal = hd.TENCENT_PERSONAL
    else:
        questions, meta, unknown = _kobo_questions(header)
        personal = {
            "deviceid",
            "username",
            "phonenumber",
            "simserial",
            "subscriberid",
            "_submitted_by",
            "_geolocation",
            "start",
            "end",
            "_submission_time",
        }
    dated = dates.date_columns(platform, meta)
    ignored = [h for h in meta if h in personal and h not in dated]
    id_col = next((c for c in ID_COLUMNS.get(platform, ()) if c in meta), None)
    return PlatformExport(
        platform,
        questions,
        meta,
        rows,
        first_row,
        sheet,
        ignored=ignored,
        unknown=unknown,
        id_column=id_col,
    )


def _kobo_questions(header: list[object]) -> tuple[list[PQuestion], dict[str, int], list[str]]:
    """Kobo columns are our field ids (maybe group-prefixed), or ``B4/1`` split picks."""
    meta: dict[str, int] = {}
    out: list[PQuestion] = []
    for i, raw in enumerate(header):
        text = str(raw or "").strip()
        if not text:
            continue
        if text in hd.KOBO_META or text.startswith(("_", "meta/")):
            meta[text] = i
            continue
        out.append(PQuestion(None, hd.kobo_name(text), "one", [hd._col(i, text)]))
    return out, meta, []


def kobo_maps(bank: Bank, export: PlatformExport) -> list[QMap]:
    """Kobo: columns named by field id; select_multiple (``1 3``) and rank (``2 1 3``) are
    space-separated option names; split select_multiple columns are ``B4/1``."""
    fields = {f.id for f in bank.fields}
    questions = {q.id for q in bank.questions}
    maps = []
    for pq in export.questions:
        name = pq.stem
        if "/" in name:  # B4/1
            qid, code = name.split("/", 1)
            target = f"{qid}_{code}"
            maps.append(
                QMap(
                    pq,
                    qid if target in fields else None,
                    1.0,
                    "ok" if target in fields else "unmapped",
                )
            )
            pq.layout = "options"
            maps[-1].columns = {pq.columns[0].index: code}
        elif name in questions:
            maps.append(QMap(pq, name, 1.0, "ok"))
        elif name in fields:  # one field of a question (a likert item, an 其他 text)
            pq.layout = "fills"
            maps.append(QMap(pq, bank.field(name).question, 1.0, "ok", {pq.columns[0].index: name}))
        else:
            maps.append(QMap(pq, None, 0.0, "unmapped"))
    return _merge_split_options(maps)


def _merge_split_options(maps: list[QMap]) -> list[QMap]:
    """Several ``B4/1``, ``B4/2`` columns of one question become one options question."""
    out: list[QMap] = []
    for m in maps:
        if (
            m.pq.layout == "options"
            and out
            and out[-1].qid == m.qid
            and out[-1].pq.layout == "options"
        ):
            out[-1].pq.columns.extend(m.pq.columns)
            out[-1].columns.update(m.columns)
        else:
            out.append(m)
    return out


def to_table(
    export: PlatformExport,
    bank: Bank,
    path: Path,
    shown: str,
    mapping: Path | None = None,
    encoding: str | None = None,
    pair: PlatformExport | None = None,
) -> Table:
    """The export mapped to the bank and converted. Raises FileRejectedError when the mapping
    is ambiguous and no mapping file confirms it, or when nothing maps."""
    wide = too_many_questions(bank, export)
    if wide is not None:
        raise fail("export_too_wide", shown, **wide)
    maps = kobo_maps(bank, export) if export.platform == "kobo" else match_export(bank, export)
    if mapping is not None:
        maps = apply_mapping_file(maps, bank, mapping)
    _refuse_ambiguous(maps, export, shown, mapping)
    if export.platform == "wjx":
        export.encoding = encoding or wjx_encoding(path, export, bank, maps)
    conv = Converter(bank, export)
    for m in maps:
        if m.qid and m.status == "ok":
            conv.convert(m)
    notes = _notes(maps, export, shown)
    if pair is not None:
        notes += _merge_pair(conv, maps, export, pair, bank, shown)
    frame = conv.frame()
    if export.id_column is not None:
        ids = conv.cells(export.meta[export.id_column])
        frame["_rid"] = [None if is_blank(v) else f"{export.platform}:{_plain(v)}" for v in ids]
    rows = np.arange(export.first_row, export.first_row + len(export.rows))
    table = Table(
        shown, export.sheet, export.platform, frame, rows, conv.refs, notes, channel=export.platform
    )
    dated = dates.date_columns(export.platform, export.meta)
    if dated:
        table.collected = dates.first_days([conv.cells(export.meta[c]) for c in dated])
        shown_columns = "”“".join(dated)
        table.problems.append(
            problem("platform_date_kept", file=shown, kind=KIND, column=shown_columns)
        )
    return table


def _merge_pair(
    conv: Converter,
    maps: list[QMap],
    code: PlatformExport,
    text: PlatformExport,
    bank: Bank,
    shown: str,
) -> list:
    """Take the 其他 texts of a 按序号 download from its 按文本 twin, joined on 序号."""
    key = "序号"
    if key not in code.meta or key not in text.meta:
        return [problem("pair_mismatch", file=shown, kind=KIND, detail="缺少“序号”列")]
    ids = [_plain(r[code.meta[key]]) for r in code.rows]
    text_rows = {_plain(r[text.meta[key]]): r for r in text.rows}
    if set(ids) != set(text_rows):
        return [
            problem(
                "pair_mismatch",
                file=shown,
                kind=KIND,
                detail=f"序号版 {len(ids)} 份，文本版 {len(text_rows)} 份",
            )
        ]
    by_number = {q.number: q for q in text.questions}
    for m in maps:
        q = bank.question(m.qid) if m.qid else None
        twin = by_number.get(m.pq.number)
        if not q or not q.other or twin is None:
            continue
        out = conv.column(f"{q.id}_other", m.pq.columns[0].letter)
        col = twin.columns[0].index
        for i, rid in enumerate(ids):
            found = _OTHER_TEXT.findall(str(text_rows[rid][col] or ""))
            if found:
                out[i] = "；".join(t.strip() for t in found if t.strip()) or None
    return []


_OTHER_TEXT = re.compile(r"〖(.*?)〗", re.S)


def _plain(v: object) -> str:
    return str(int(v)) if isinstance(v, float) and v.is_integer() else str(v).strip()


def _refuse_ambiguous(
    maps: list[QMap], export: PlatformExport, shown: str, mapping: Path | None
) -> None:
    unsure = [m for m in maps if m.status == "ambiguous"]
    if unsure and mapping is None:
        listed = "、".join(f"“{m.pq.header[:20]}”" for m in unsure[:8])
        raise FileRejectedError(
            [
                problem(
                    "mapping_ambiguous", file=shown, kind=KIND, questions=listed, count=len(unsure)
                )
            ]
        )
    if not any(m.qid and m.status == "ok" for m in maps):
        raise FileRejectedError(
            [
                problem(
                    "mapping_nothing",
                    file=shown,
                    kind=KIND,
                    platform=PLATFORM_NAMES[export.platform],
                )
            ]
        )


PLATFORM_NAMES = {"wjx": "问卷星", "tencent": "腾讯问卷", "kobo": "KoboToolbox/ODK", "sav": "SPSS"}


def _notes(maps: list[QMap], export: PlatformExport, shown: str) -> list:
    """What the user must know: questions and columns not imported, personal columns left out."""
    out = []
    unmapped = [m.pq.header for m in maps if not m.qid]
    if unmapped:
        listed = "、".join(f"“{h[:24]}”" for h in unmapped[:12])
        out.append(
            problem("platform_unmapped", file=shown, kind=KIND, columns=listed, count=len(unmapped))
        )
    if export.unknown:
        listed = "、".join(f"“{h[:24]}”" for h in export.unknown[:12])
        out.append(problem("columns_ignored", file=shown, kind=KIND, columns=listed))
    if export.ignored:
        out.append(
            problem(
                "platform_personal", file=shown, kind=KIND, columns="、".join(export.ignored[:10])
            )
        )
    return out
