"""Respondent codes (自编代码) used more than once within one wave: warned about at ingest.

A wave comparison links respondents by the bank's ``role: respondent_code`` question and
leaves out codes repeated within a wave (they cannot be linked with certainty). Ingest says
so when it happens, naming both answers' places, so the owner can find out whether one
person answered twice or two people chose the same code. The code itself is never printed
(it is built from a phone number and a birthday).
"""

from __future__ import annotations

from surveytool.bank.model import Bank
from surveytool.errors import Problem, problem
from surveytool.ingest.table import KIND
from surveytool.store.db import Store, answers_table

CODE = "respondent_code_repeated"


def repeated_codes(
    store: Store, bank: Bank, wave: str, after: int
) -> list[tuple[int, str, Problem]]:
    """(response id, name of the file it was ingested from, warning) for every answer stored
    after response id ``after`` whose respondent code an earlier answer of the same bank and
    wave already uses."""
    fields = [q.id for q in bank.questions if q.role == "respondent_code"]
    if not fields:
        return []
    exists = store.db.execute(
        "SELECT 1 FROM sqlite_master WHERE type IN ('table', 'view') AND name = ?",
        (answers_table(bank.id),),
    ).fetchone()
    if exists is None:  # nothing of this bank stored yet (every file so far refused)
        return []
    fid = fields[0]
    column = '"' + fid.replace('"', '""') + '"'
    table = '"' + answers_table(bank.id).replace('"', '""') + '"'
    rows = store.db.execute(
        f"SELECT a.response_id, trim(a.{column}), s.name, coalesce(r.origin_file, s.name), "
        f"coalesce(r.origin_sheet, s.sheet), coalesce(r.origin_row, r.row) FROM {table} a "
        "JOIN responses r ON r.id = a.response_id JOIN sources s ON s.id = r.source_id "
        f"WHERE a.wave = ? AND trim(coalesce(a.{column}, '')) <> '' ORDER BY a.response_id",
        (wave,),
    ).fetchall()
    first: dict[str, tuple[str, str | None, int | None]] = {}
    out = []
    question = bank.question(fid).text
    for rid, code, ingested, name, sheet, row in rows:
        if code not in first:
            first[code] = (name, sheet, row)
            continue
        if rid <= after:
            continue
        other_name, other_sheet, other_row = first[code]
        other = f"“{other_name}”" + (f"工作表“{other_sheet}”" if other_sheet else "")
        other += f"第 {other_row} 行" if other_row is not None else ""
        out.append(
            (
                rid,
                ingested,
                problem(
                    CODE,
                    file=name,
                    sheet=sheet,
                    line=row,
                    field=fid,
                    kind=KIND,
                    question=question,
                    wave=wave,
                    other=other,
                ),
            )
        )
    return out
