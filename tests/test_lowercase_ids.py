"""Ids as in SPSS and XLSForm: a bank whose ids mirror an existing dataset (``age``,
``education``, ``q1_a``) loads, exports every form, ingests a generic table by those headers
and analyses — all through the command line, as a user runs it."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from surveytool.bank import load_bank
from surveytool.cli import main
from surveytool.forms.fill import FormFiller
from surveytool.forms.reader import read_structure
from surveytool.ingest import load_answers
from surveytool.store.answers import META_COLUMNS

BANK = Path(__file__).parent / "data" / "lowercase_ids.yaml"

# Two respondents: the second has 大学本科及以下 (education 3), so q2 is skipped for them.
ROWS = [
    {
        "institution": 1,
        "age": 2,
        "education": 1,
        "q1_a": 4,
        "q1_b": 5,
        "q1_c": 2,
        "q1a": 1,
        "hours": 30,
        "q2_1": 1,
        "q2_2": 0,
        "q2_3": 1,
        "q2_4": 0,
        "q3_1": 1,
        "q3_2": 2,
        "q3_3": "",
        "q4": "希望减少表格",
    },
    {
        "institution": 2,
        "age": 3,
        "education": 3,
        "q1_a": 2,
        "q1_b": 3,
        "q1_c": 4,
        "q1a": 2,
        "hours": 12,
        "q2_1": "",
        "q2_2": "",
        "q2_3": "",
        "q2_4": "",
        "q3_1": 2,
        "q3_2": 1,
        "q3_3": "",
        "q4": "",
    },
]


def test_the_lower_case_bank_loads_with_its_ids() -> None:
    bank = load_bank(BANK)
    assert [s.id for s in bank.sections] == ["profile", "burden"]
    ids = [f.id for f in bank.fields]
    assert ids[:4] == ["institution", "age", "education", "q1_a"]
    assert {"q1a", "q2_1", "q3_3", "q4"} <= set(ids)
    assert bank.question("q2").relevant_tree is not None  # "age in [1, 2] and not (…)"


def test_bookkeeping_columns_are_outside_the_ids() -> None:
    from surveytool.bank.ids import id_problem

    assert all(id_problem(c) for c in META_COLUMNS)  # no field id can be one of them


@pytest.mark.parametrize("layout", ["respondent", "collection"])
def test_forms_export_and_carry_the_ids(tmp_path: Path, layout: str, capsys) -> None:
    out = tmp_path / f"{layout}.xlsx"
    assert main(["form", str(BANK), "-o", str(out), "--layout", layout]) == 0
    structure, _ = read_structure(out)
    assert [f for f in structure.fields() if not f.startswith("_")] == [
        f.id for f in load_bank(BANK).fields
    ]


def test_xlsform_exports_and_converts(tmp_path: Path, capsys) -> None:
    out = tmp_path / "kobo.xlsx"
    assert main(["xlsform", str(BANK), "-o", str(out)]) == 0
    pyxform = pytest.importorskip("pyxform.xls2xform")
    result = pyxform.convert(xlsform=str(out))
    assert result.warnings == []
    for name in ("age", "education", "q1_a", "q1a", "hours"):
        assert f"<{name}" in result.xform, name


def test_a_generic_csv_with_id_headers_ingests_and_analyses(tmp_path: Path, capsys) -> None:
    data = tmp_path / "returns.csv"
    with data.open("w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(ROWS[0]))
        writer.writeheader()
        writer.writerows(ROWS)
    store = tmp_path / "survey.db"
    assert main(["ingest", "--bank", str(BANK), "--store", str(store), str(data)]) == 0
    out = capsys.readouterr().out
    assert "有效答卷 2 份，未通过 0 份" in out
    frame = load_answers(store, load_bank(BANK))
    assert frame["q1_a"].tolist() == [4, 2]  # q1_a and q1a: two fields, one text key
    assert frame["q1a"].tolist() == [1, 2]
    assert frame["hours"].tolist() == [30, 12]
    assert frame["q2_3"].iloc[0] == 1 and frame["q2_3"].isna().iloc[1]
    result = tmp_path / "out.json"
    argv = ["analyze", "--bank", str(BANK), "--store", str(store), "--json", str(result)]
    assert main(argv) == 0
    results = json.loads(result.read_text(encoding="utf-8"))
    assert results["n"] == 2
    assert results["by"] == ["institution", "age", "education"]
    assert {r["field"] for r in results["frequencies"]} >= {"age", "education", "q1_a"}


def test_a_filled_respondent_form_ingests(tmp_path: Path, capsys) -> None:
    bank = load_bank(BANK)
    answers = {k: v for k, v in ROWS[0].items() if v != ""}
    path = FormFiller(bank).fill(answers, tmp_path / "inbox" / "01.xlsx")
    store = tmp_path / "survey.db"
    assert main(["ingest", "--bank", str(BANK), "--store", str(store), str(path.parent)]) == 0
    frame = load_answers(store, bank)
    assert frame[["age", "q1_a", "q1a", "q2_3"]].iloc[0].tolist() == [2, 4, 1, 1]
