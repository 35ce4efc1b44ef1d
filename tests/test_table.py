"""``surveytool table``: any question by any other, checked against SPSS and R.

Data: UCLA's hsb2 teaching sample (tests/data/hsb2.csv, 200 students, from the UCLA OARC
pages "What statistical analysis should I use? Statistical analyses using SPSS"), loaded as
the bank tests/data/hsb2.yaml through a real ingest.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from openpyxl import load_workbook

from surveytool.cli import main
from surveytool.errors import problem

DATA = Path(__file__).parent / "data"
BANK = str(DATA / "hsb2.yaml")


def _write_rows(path: Path, keep=lambda row: True) -> Path:
    with (DATA / "hsb2.csv").open(encoding="utf-8") as fh:
        rows = [r for r in csv.DictReader(fh) if keep(r)]
    with path.open("w", encoding="utf-8", newline="") as fh:
        fields = [c for c in rows[0] if c != "id"]  # a student number is not a question
        w = csv.DictWriter(fh, fieldnames=fields, extrasaction="ignore")
        w.writeheader()
        w.writerows(rows)
    return path


def _store(folder: Path, keep=lambda row: True) -> str:
    folder.mkdir(parents=True, exist_ok=True)
    data = _write_rows(folder / "hsb2.csv", keep)
    store = folder / "hsb2.db"
    assert main(["ingest", "--bank", BANK, "--store", str(store), str(data)]) == 0
    return str(store)


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> str:
    return _store(tmp_path_factory.mktemp("hsb2"))


def table(store: str, tmp_path: Path, *args: str) -> dict:
    out = tmp_path / "t.json"
    assert main(["table", "--bank", BANK, "--store", store, *args, "--json", str(out)]) == 0
    return json.loads(out.read_text("utf-8"))


@pytest.mark.parametrize(
    ("row", "column", "chi2", "df", "p"),
    [
        # SPSS Crosstabs, UCLA OARC "Statistical analyses using SPSS", chi-square test:
        ("schtyp", "female", 0.047, 1, 0.828),
        ("female", "ses", 4.577, 2, 0.101),
    ],
)
def test_spss_crosstabs_on_hsb2(store, tmp_path, row, column, chi2, df, p) -> None:
    t = table(store, tmp_path, row, column)
    assert t["test"] == "chi2"
    assert t["chi2"] == pytest.approx(chi2, abs=5e-4)
    assert t["df"] == df
    assert t["p_value"] == pytest.approx(p, abs=5e-4)


@pytest.mark.parametrize(
    ("row", "column", "chi2", "df", "p"),
    [
        # R 4.x: chisq.test(table(d$prog, d$ses), correct = FALSE), d = read.csv("hsb2.csv")
        ("prog", "ses", 16.604, 4, 0.002307),
        # R: chisq.test(table(d$ses, d$schtyp), correct = FALSE) (smallest expected 7.52)
        ("ses", "schtyp", 6.3341762, 2, 0.042126087),
        # R: chisq.test(table(d$prog, d$female), correct = FALSE)
        ("prog", "female", 0.052809, 2, 0.9739),
    ],
)
def test_r_chisq_test_on_hsb2(store, tmp_path, row, column, chi2, df, p) -> None:
    t = table(store, tmp_path, row, column)
    assert (t["test"], t["df"]) == ("chi2", df)
    assert t["chi2"] == pytest.approx(chi2, rel=1e-4)
    assert t["p_value"] == pytest.approx(p, rel=1e-3)


def test_fisher_where_expected_counts_are_small(store, tmp_path) -> None:
    # general programme only (45 students): female x schtyp has expected counts 2.8 and 3.2;
    # R: fisher.test(table(b$female, b$schtyp)), b = d[d$prog == 1, ]: p = 0.1927328
    t = table(store, tmp_path, "female", "schtyp", "--where", "prog == 1")
    assert t["test"] == "fisher"
    assert t["p_value"] == pytest.approx(0.1927328, rel=1e-6)
    assert t["tests"][0]["odds_ratio"] == pytest.approx(20 * 5 / (19 * 1))  # sample OR
    # the private-school boys: 1 student, hidden with its complement
    hidden = [c for c in t["cells"] if c["n"] is None]
    assert len(hidden) >= 2 and all(c["suppressed"] for c in hidden)


def test_rank_tests_for_a_number_by_groups(store, tmp_path) -> None:
    # R: kruskal.test(write ~ prog, data = d): chi-squared = 34.045, df = 2, p = 4.047e-08
    t = table(store, tmp_path, "write", "prog")
    assert t["test"] == "kruskal"
    assert t["chi2"] == pytest.approx(34.045, rel=1e-4)
    assert t["df"] == 2
    assert t["p_value"] == pytest.approx(4.047e-08, rel=1e-3)
    assert t["tests"][0]["effect"] == "epsilon_squared"
    assert len(t["tests"][0]["pairwise"]) == 3  # Dunn, Holm-adjusted, as in the report
    # the report's post-hoc sentence (UCLA: mean write academic 56.26, vocational 46.76)
    assert "“学术”（56.26）明显高于" in t["notes"][0] and "“职业”（46.76）明显低于" in t["notes"][0]
    means = {m["column_label"]: m for m in t["means"]}
    assert means["全部"]["mean"] == pytest.approx(52.775)  # UCLA: mean of write 52.775
    # R: wilcox.test(write ~ female, data = d, exact = FALSE, correct = TRUE): p = 0.0008749
    t = table(store, tmp_path, "write", "female")
    assert t["test"] == "mannwhitney"
    assert t["p_value"] == pytest.approx(0.0008749, rel=1e-3)
    assert t["tests"][0]["effect"] == "rank_biserial"


def test_bands_make_a_number_an_ordered_row(store, tmp_path) -> None:
    t = table(store, tmp_path, "math", "female", "--bands", "45,60")
    labels = list(dict.fromkeys(c["row_label"] for c in t["cells"]))
    assert labels == ["低于 45", "45 至不到 60", "60 及以上"]
    assert sum(c["n"] for c in t["cells"]) == 200
    assert t["test"] == "mannwhitney"  # an ordered answer by two groups


def test_one_way_table_has_wilson_intervals(store, tmp_path) -> None:
    t = table(store, tmp_path, "ses")
    cells = {c["row_label"]: c for c in t["cells"]}
    assert [cells[x]["n"] for x in ("低", "中", "高")] == [47, 95, 58]
    assert cells["中"]["column_percent"] == pytest.approx(47.5)
    assert t["test"] is None


def test_where_equals_the_subset_ingested_alone(store, tmp_path) -> None:
    where = "schtyp == 1 and ses in [2, 3]"
    alone = _store(tmp_path / "alone", lambda r: r["schtyp"] == "1" and r["ses"] in ("2", "3"))
    for args in (("female", "prog"), ("read", "female"), ("race",)):
        a = table(store, tmp_path, *args, "--where", where)
        b = table(alone, tmp_path, *args)
        for key in ("n", "chi2", "df", "p_value", "cells", "means", "tests"):
            assert a[key] == b[key], (args, key)


def test_the_xlsx_is_for_people(store, tmp_path) -> None:
    out = tmp_path / "t.xlsx"
    assert main(["table", "--bank", BANK, "--store", store, "female", "ses", "-o", str(out)]) == 0
    text = [str(v) for row in load_workbook(out).active.iter_rows(values_only=True) for v in row]
    joined = "\n".join(text)
    assert "性别 × 家庭社会经济地位" in joined and "χ² = 4.577" in joined
    for ident in ("female", "ses", "schtyp"):
        assert ident not in joined


@pytest.mark.parametrize(
    ("args", "code", "fields"),
    [
        (["nosuch"], "table_unknown", {"name": "nosuch", "hint": ""}),
        (["female", "math"], "table_bad_column", {"name": "math", "what": "数字题"}),
        (["female", "female"], "table_same", {"name": "female"}),
        (["female", "--bands", "5,3"], "table_bands", {"value": "5,3"}),
        (["female", "--where", "prog == 9"], "where_empty", {"text": "prog == 9"}),
        (
            ["female", "--where", "pro == 1"],
            "where_unknown",
            {"name": "pro", "hint": "您是不是想写“prog”？"},
        ),
        (
            ["female", "--where", "race == 2 and female == 0"],
            "where_too_small",
            {"text": "race == 2 and female == 0", "n": 3, "k": 5},
        ),
    ],
)
def test_bad_requests_say_why(store, capsys, args, code, fields) -> None:
    assert main(["table", "--bank", BANK, "--store", store, *args]) == 1
    assert problem(code, **fields).message in capsys.readouterr().err
