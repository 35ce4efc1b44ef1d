"""``surveytool bank-from``: read what users already hold, infer a bank, write it.

Reading stays here, in ingest (the reader worker for spreadsheets, pyreadstat for .sav);
the inference is :mod:`surveytool.bank.importers`, fed plain rows and metadata. The bank is
written only when it loads and validates (``check``), through the atomic writer, so bad
input leaves nothing behind. For platform exports the mapping of export columns to the new
bank is written too (``<bank>.mapping.yaml`` beside the bank), so the same files then ingest
with ``--mapping`` and no hand editing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from surveytool.atomic import write_atomic
from surveytool.bank import load_bank
from surveytool.bank.importers import Draft, draft_yaml
from surveytool.bank.loader import BANK_ID
from surveytool.bank.model import Bank
from surveytool.errors import BankError, Problem, UsageError, os_detail, problem
from surveytool.ingest import files as fs
from surveytool.ingest import platforms
from surveytool.ingest.platforms.mapping import QMap, match_columns, write_mapping
from surveytool.ingest.table import FileRejectedError

KIND = "文件"
SPREADSHEETS = (".xlsx", ".xlsm", ".xls", ".csv")
SOURCE_NAMES = {"wjx": "问卷星", "tencent": "腾讯问卷", "xlsform": "XLSForm", "sav": "SPSS"}
_UNIT_WORDS = re.compile(r"单位|学校|高校|医院|企业名称|公司名称|所在机构|机构名称|院校|孵化器名称")
_GROUP_WORDS = re.compile(r"性别|年龄|职称|学历|类型|类别|性质|规模|行业|级别|岗位|职务")


@dataclass
class Outcome:
    """What ``bank-from`` made: the bank file, the mapping file (platform exports), the
    source kind, the notes to read, the lint hints and the role suggestions."""

    bank_path: Path
    bank: Bank
    source: str
    mapping_path: Path | None = None
    notes: list[str] = field(default_factory=list)
    hints: list[Problem] = field(default_factory=list)
    unit_candidates: list[str] = field(default_factory=list)
    group_candidates: list[str] = field(default_factory=list)
    draft: Draft | None = None


def bank_from(
    paths: list[Path],
    out: Path,
    bank_id: str | None = None,
    title: str | None = None,
    lang: str | None = None,
) -> Outcome:
    """Infer a bank from ``paths`` and write it to ``out`` (plus its mapping for platform
    exports). Raises UsageError (ours, located) for input that cannot be used; nothing is
    written then."""
    for p in paths:
        if not p.is_file():
            raise UsageError(problem("file_not_found", path=str(p)))
    if bank_id is not None and not BANK_ID.match(bank_id):
        raise UsageError(problem("bankfrom_bad_id", value=bank_id))
    kind, draft, export = _draft(paths, lang)
    if not draft.questions():
        raise UsageError(
            problem(
                "bankfrom_empty", file=_shown(paths[0]), kind=KIND, detail=" ".join(draft.notes)
            )
        )
    ident = bank_id or draft.ident or _bank_id(paths[0], kind)
    text = draft_yaml(draft, ident, title)
    bank = _write_bank(out, text)
    outcome = Outcome(out, bank, kind, notes=draft.notes, draft=draft)
    if export is not None:
        outcome.mapping_path = _write_mapping(draft, export, bank, paths, out)
    _advise(outcome)
    return outcome


def _draft(paths: list[Path], lang: str | None) -> tuple[str, Draft, object | None]:
    """(source kind, draft, the export that ingest will read — platform sources only)."""
    if any(p.suffix.lower() == ".sav" for p in paths):
        if len(paths) != 1:
            raise UsageError(problem("bankfrom_one_survey", detail="SPSS 文件请单独给出"))
        from surveytool.bank.importers.sav import from_sav
        from surveytool.ingest.sav import read_sav_meta

        return "sav", from_sav(read_sav_meta(paths[0], _shown(paths[0])), _shown(paths[0])), None
    books = [(p, _sheets(p)) for p in paths]
    forms = [(p, b) for p, b in books if _is_xlsform(b)]
    if forms:
        if len(paths) != 1:
            raise UsageError(problem("bankfrom_one_survey", detail="XLSForm 请单独给出"))
        from surveytool.bank.importers.xlsform import from_xlsform

        try:
            return "xlsform", from_xlsform(books[0][1], _shown(paths[0]), lang), None
        except BankError as exc:
            raise UsageError(exc.problems) from None
    for p, b in books:
        header = [str(h or "").strip().lower() for h in (next(iter(b.values()), None) or [[]])[0]]
        if {"type", "name"} <= set(header):  # an XLSForm whose survey sheet is misnamed
            raise UsageError(
                problem("xlsform_missing_sheet", file=_shown(p), kind="XLSForm", name="survey")
            )
    exports = [(p, _export(p, b)) for p, b in books]
    kinds = {e.platform for _, e in exports}
    if len(kinds) > 1 or len(exports) > 2 or ("tencent" in kinds and len(exports) > 1):
        names = "、".join(_shown(p) for p in paths)
        raise UsageError(problem("bankfrom_one_survey", detail=f"给出的文件是 {names}"))
    if kinds == {"tencent"}:
        from surveytool.bank.importers.tencent import from_tencent

        ((p, e),) = exports
        return "tencent", from_tencent(e, _shown(p)), e
    return _wjx(exports)


def _wjx(exports: list) -> tuple[str, Draft, object]:
    from surveytool.bank.importers.wjx import from_wjx

    ranked = sorted(exports, key=lambda pe: _codedness(*pe))
    text_path, text = ranked[0]
    code_path, code = ranked[1] if len(ranked) == 2 else (None, None)
    if code is None and _codedness(text_path, text) >= 1.0:
        raise UsageError(problem("bankfrom_code_only", file=_shown(text_path), kind=KIND))
    kind = "code"
    if code is not None and code_path is not None:
        if _codedness(text_path, text) >= 1.0:
            raise UsageError(problem("bankfrom_code_only", file=_shown(text_path), kind=KIND))
        _same_survey(text_path, text, code_path, code)
        kind = "score" if "按分数" in fs.display_name(code_path.name) else "code"
        code.encoding = kind
    source = "、".join(_shown(p) for p, _ in exports)
    draft = from_wjx(text, code, kind, source)
    draft.title = wjx_title(text_path)
    return "wjx", draft, code if code is not None else text


def wjx_title(path: Path) -> str:
    """The survey's title from a 问卷星 file name (``{id}_按文本_{标题}_{n}_{n}.xlsx``), else
    the name without its ``_0`` / ``_2`` ending."""
    name = fs.display_name(path.stem)
    m = re.match(r"^\d+_按(?:文本|序号|分数)_(.+?)(?:_\d+)*$", name)
    if m:
        return m.group(1)
    return re.sub(r"_[02]$", "", name).strip() or name


def _codedness(path: Path, export) -> float:
    """How much of an export looks like 按序号 (1.0: every choice-like cell a number), from
    the file name first (按文本 / 按序号 / 按分数, old ``_0`` / ``_2``)."""
    name = fs.display_name(path.name)
    if "按文本" in name or re.search(r"_0\.(xlsx?|csv)$", name):
        return 0.0
    if "按序号" in name or "按分数" in name or re.search(r"_2\.(xlsx?|csv)$", name):
        return 1.0
    total = numeric = 0
    for q in export.questions:
        for c in q.columns:
            for row in export.rows[:200]:
                v = row[c.index] if c.index < len(row) else None
                text = str(v).strip() if v is not None else ""
                if text and text not in ("(跳过)", "(空)", "NULL"):
                    total += 1
                    numeric += bool(re.fullmatch(r"-?\d+(\.0)?", text))
    return numeric / total if total else 0.0


def _same_survey(tp: Path, text, cp: Path, code) -> None:
    """Refuse a 按文本 / 按序号 pair of two different surveys (numbers, stems, 序号)."""
    a, b = _shown(tp), _shown(cp)
    t_numbers = [q.number for q in text.questions]
    c_numbers = sorted({q.number for q in code.questions})
    if sorted(set(t_numbers)) != c_numbers:
        detail = f"按文本文件有 {len(set(t_numbers))} 道题，按序号文件有 {len(c_numbers)} 道题"
        raise UsageError(problem("bankfrom_pair_mismatch", a=a, b=b, detail=detail))
    by_number = {q.number: q for q in code.questions}
    for q in text.questions:
        other = by_number[q.number]
        if other.stem and q.stem and _norm(other.stem) != _norm(q.stem):
            detail = f"第 {q.number} 题在“{a}”中是“{q.stem[:20]}”，在“{b}”中是“{other.stem[:20]}”"
            raise UsageError(problem("bankfrom_pair_mismatch", a=a, b=b, detail=detail))
    ti, ci = text.meta.get("序号"), code.meta.get("序号")
    if ti is not None and ci is not None:
        ids_t = {str(r[ti]).strip() for r in text.rows if ti < len(r)}
        ids_c = {str(r[ci]).strip() for r in code.rows if ci < len(r)}
        if ids_t != ids_c:
            detail = (
                f"答卷序号不一致（按文本 {len(ids_t)} 份，按序号 {len(ids_c)} 份，"
                f"共有 {len(ids_t & ids_c)} 份）"
            )
            raise UsageError(problem("bankfrom_pair_mismatch", a=a, b=b, detail=detail))


def _norm(text: str) -> str:
    return re.sub(r"[\s（）()【】\[\]：:，,。.？?、]", "", text)


def _shown(p: Path) -> str:
    return fs.display_name(p.name)


def _sheets(path: Path) -> dict[str, list[list]]:
    """Every sheet of a spreadsheet as text rows, read in the reader worker."""
    from surveytool.ingest.sandbox import read_sheets

    if path.suffix.lower() not in SPREADSHEETS:
        raise UsageError(problem("bankfrom_not_survey", file=_shown(path), kind=KIND, detail=""))
    try:
        return read_sheets(path)
    except FileRejectedError as exc:
        raise UsageError(exc.problems) from None


def _is_xlsform(book: dict[str, list[list]]) -> bool:
    return any(name.strip().lower() == "survey" for name in book)


def _export(path: Path, book: dict[str, list[list]]):
    """The platform export on the first sheet of ``book``; refused when it is none."""
    rows = next(iter(book.values()), [])
    header = rows[0] if rows else []
    platform = platforms.detect(header)
    if platform not in ("wjx", "tencent"):
        detail = (
            "第一个工作表的第 1 行既不是问卷星的“序号、1、题目…”，也不是腾讯问卷的“编号、1.题目…”。"
        )
        raise UsageError(
            problem("bankfrom_not_survey", file=_shown(path), kind=KIND, detail=detail)
        )
    sheet = next(iter(book))
    return platforms.parse(platform, list(header), [list(r) for r in rows[1:]], 2, sheet)


def _bank_id(path: Path, kind: str) -> str:
    name = fs.display_name(path.stem)
    if kind == "wjx":
        name = re.sub(r"_[02]$", "", name)  # the old 按文本 / 按序号 endings
    stem = re.sub(r"[^a-z0-9_]+", "_", name.lower()).strip("_")
    stem = re.sub(r"_+", "_", stem)[:40]
    return f"{kind}_{stem}" if stem else f"{kind}_bank"


def _write_bank(out: Path, text: str) -> Bank:
    """Write the bank YAML whole, only once it loads and validates; the loaded Bank."""
    if out.suffix.lower() not in (".yaml", ".yml"):
        raise UsageError(problem("not_a_bank_file", path=str(out)))
    loaded: list[Bank] = []

    def write(tmp: Path) -> None:
        tmp.write_text(text, encoding="utf-8")
        loaded.append(load_bank(tmp))

    try:
        write_atomic(out, write)
    except OSError as exc:
        raise UsageError(
            problem("output_not_writable", path=str(out), detail=os_detail(exc))
        ) from None
    bank = loaded[0]
    return Bank(**{**bank.__dict__, "path": out, "fields": ()})


def mapping_path(out: Path) -> Path:
    """Where the mapping of a bank made from a platform export is written."""
    return out.with_name(out.stem + ".mapping.txt")


def _write_mapping(draft: Draft, export, bank: Bank, paths: list[Path], out: Path) -> Path:
    """The mapping file (``surveytool map``'s format) of the export ingest will read."""
    maps = []
    linked = {id(link.pq): link for link in draft.links}
    for pq in export.questions:
        link = linked.get(id(pq))
        if link is None:
            maps.append(QMap(pq, None, 1.0, "unmapped"))
            continue
        qm = QMap(pq, link.qid, 1.0, "ok", dict(link.columns))
        if not qm.columns and pq.layout != "one":
            qm.columns = match_columns(bank, bank.question(link.qid), pq)
        maps.append(qm)
    target = mapping_path(out)
    source = "、".join(_shown(p) for p in paths)
    try:
        write_atomic(target, lambda tmp: write_mapping(maps, export, bank, source, tmp))
    except OSError as exc:
        raise UsageError(
            problem("output_not_writable", path=str(target), detail=os_detail(exc))
        ) from None
    return target


def _advise(outcome: Outcome) -> None:
    """The quality hints (``check --strict``) and the questions that look like roles."""
    from surveytool.bank.lint import lint, read_raw

    outcome.hints = lint(outcome.bank, read_raw(outcome.bank))
    for q in outcome.bank.questions:
        if q.type not in ("single", "text"):
            continue
        if _UNIT_WORDS.search(q.text):
            outcome.unit_candidates.append(q.id)
        elif q.type == "single" and _GROUP_WORDS.search(q.text):
            outcome.group_candidates.append(q.id)
