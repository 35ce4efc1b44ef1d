"""Delphi rounds on any integer scale (issue 26): --scale per round, the rule and the form
follow it, RAND/UCLA appropriateness as an alternative rule, irr's 1-6 `anxiety` data through
the CLI."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest
from openpyxl import load_workbook

from surveytool.analysis.delphi_rules import ConsensusRule, Scale, rand_judgement
from surveytool.cli import main
from surveytool.errors import problem
from surveytool.followup.delphi_items import load_items
from surveytool.forms.delphi import write_delphi_form
from surveytool.ingest.delphi import KIND, ingest_ratings

DATA = Path(__file__).parent / "data" / "irr_anxiety.csv"


def _anxiety_table(tmp_path: Path) -> tuple[Path, Path]:
    """irr's anxiety (subjects × raters) as our plain table: one row per rater (expert), one
    column per subject (item), and the items file naming the 20 subjects."""
    with DATA.open(encoding="utf-8") as f:
        rows = list(csv.reader(f))
    raters, data = rows[0], rows[1:]
    items = tmp_path / "items.yaml"
    items.write_text(
        "".join(f"- {{id: S{i:02d}, text: 第 {i} 位受评者}}\n" for i in range(1, len(data) + 1)),
        "utf-8",
    )
    table = tmp_path / "anxiety.csv"
    lines = ["专家编号," + ",".join(f"S{i:02d}" for i in range(1, len(data) + 1))]
    for j in range(len(raters)):
        lines.append(f"R{j + 1}," + ",".join(row[j] for row in data))
    table.write_text("\n".join(lines) + "\n", "utf-8")
    assert raters == ["rater1", "rater2", "rater3"] and len(data) == 20
    return items, table


def test_irr_anxiety_through_the_cli_gives_irr_kendall(tmp_path: Path, capsys) -> None:
    """R irr 0.84.1 `kendall(anxiety, TRUE)`: Wt = 0.5396569, Chisq(19) = 30.76044,
    p = 0.04288347 (tests/data/README.md)."""
    items, table = _anxiety_table(tmp_path)
    store = tmp_path / "s.db"
    base = ["delphi", "ingest", "--items", str(items), "--store", str(store), "--round", "1"]
    # on the default 1-5 scale the 6s are refused, each located
    assert main([*base, str(table)]) == 1
    err = capsys.readouterr().err
    assert "“6”不是 1～5 的整数评分" in err and "--scale" in err
    assert main([*base, "--scale", "1-6", str(table)]) == 0
    assert "1～6 分" in capsys.readouterr().out
    out = tmp_path / "r.json"
    assert main(["delphi", "analyze", "--store", str(store), "--json", str(out)]) == 0
    d = json.loads(out.read_text("utf-8"))
    k = d["kendall"]
    assert (k["raters"], k["items"], k["df"]) == (3, 20, 19)
    assert k["w"] == pytest.approx(0.5396569, abs=5e-7)
    assert k["chi2"] == pytest.approx(30.76044, abs=5e-5)
    assert k["p_value"] == pytest.approx(0.04288347, abs=5e-8)
    assert round(k["w"], 4) == 0.5397 and round(k["p_value"], 4) == 0.0429
    assert d["scale"] == {"low": 1, "high": 6}
    # the rule followed the scale: 1 + 0.625 × 5 = 4.125
    assert d["rule"]["min_mean"] == 4.125
    # full-score ratio counts the 6s: subject 2 had one 6 of three
    s02 = next(i for i in d["items"] if i["item"] == "S02")
    assert s02["full_score_ratio"] == pytest.approx(1 / 3)


def test_a_round_keeps_its_scale(tmp_path: Path, capsys) -> None:
    items, table = _anxiety_table(tmp_path)
    store = tmp_path / "s.db"
    base = ["delphi", "ingest", "--items", str(items), "--store", str(store), "--round", "1"]
    assert main([*base, "--scale", "1-6", str(table)]) == 0
    capsys.readouterr()
    other = tmp_path / "other.csv"
    other.write_text("专家编号,S01\nR9,3\n", "utf-8")
    assert main([*base, "--scale", "1-7", str(other)]) == 1
    assert (
        problem(
            "delphi_scale_changed", store=str(store), round=1, stored="1～6", scale="1～7"
        ).message
        in capsys.readouterr().err
    )
    # without --scale the round's stored scale is used
    assert main([*base, str(other)]) == 0
    assert main(["delphi", "analyze", "--store", str(store), "--rule", "rand"]) == 1
    assert "RAND/UCLA 适宜性规则要求 1～9 分评分，第 1 轮是 1～6 分" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("text", "low", "high", "mean"),
    [("1-5", 1, 5, 3.5), ("1-7", 1, 7, 4.75), ("1～9", 1, 9, 6.0), ("0-10", 0, 10, 6.25)],
)
def test_scales_parse_and_the_default_rule_follows_them(
    text: str, low: int, high: int, mean: float
) -> None:
    scale = Scale.parse(text)
    assert (scale.low, scale.high) == (low, high)
    assert ConsensusRule.for_scale(scale).min_mean == mean
    assert scale.holds(high) and scale.holds(low) and not scale.holds(high + 1)
    assert not scale.holds(low + 0.5)


@pytest.mark.parametrize("text", ["5-1", "1-1", "a-b", "1-101", "-1-5", "1.5-5"])
def test_bad_scales_are_refused(text: str, capsys) -> None:
    with pytest.raises(ValueError):
        Scale.parse(text)
    with pytest.raises(SystemExit):
        main(["delphi", "ingest", "--items", "x.yaml", "--round", "1", f"--scale={text}", "f.csv"])
    assert "--scale 的值" in capsys.readouterr().err


def test_a_1_7_form_says_so_and_comes_back(tmp_path: Path) -> None:
    (tmp_path / "items.yaml").write_text("- {id: I1, text: 甲}\n- {id: I2, text: 乙}\n", "utf-8")
    items = load_items(tmp_path / "items.yaml")
    path = write_delphi_form(items, tmp_path / "f" / "E01.xlsx", 1, expert="E01", scale=Scale(1, 7))
    wb = load_workbook(path)
    ws = wb.active
    top = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == "编号")
    assert ws.cell(top, 3).value == "重要性（1～7）"
    assert "1～7 分评分" in ws["A2"].value
    rules = [(dv.formula1, dv.formula2) for dv in ws.data_validations.dataValidation]
    assert ("1", "7") in rules
    ws.cell(top + 1, 3).value = 7
    ws.cell(top + 2, 3).value = 6
    wb.save(path)
    summary = ingest_ratings([path], items, tmp_path / "s.db", 1, Scale(1, 7))
    assert summary.count("ingested") == 1
    # the same form ingested as 1-5 is refused as written for another scale
    (f,) = ingest_ratings([path], items, tmp_path / "t.db", 1).failed
    assert (
        f.problems[0].message
        == problem(
            "delphi_scale_mismatch",
            file="E01.xlsx",
            kind=KIND,
            found="1～7",
            scale="1～5",
            option="1-7",
        ).message
    )


def test_rand_ucla_median_and_disagreement_by_the_ipras() -> None:
    """RAND/UCLA manual (Fitch et al. 2001, ch. 8): IPRAS = 2.35 + 1.5 × |5 − (P30 + P70)/2|,
    disagreement when P70 − P30 > IPRAS; percentiles worked by hand (linear interpolation)."""
    split = rand_judgement(np.array([1, 1, 2, 3, 5, 7, 8, 9, 9]))
    # P30 = 2 + 0.4 × 1 = 2.4, P70 = 7 + 0.6 × 1 = 7.6: IPR 5.2 > IPRAS 2.35
    assert split["p30"] == pytest.approx(2.4) and split["p70"] == pytest.approx(7.6)
    assert split["ipras"] == pytest.approx(2.35) and split["disagreement"]
    assert split["appropriateness"] == "不确定" and not split["consensus"]
    agreed = rand_judgement(np.array([7, 7, 8, 8, 8, 9, 9, 9, 9]))
    # P30 = 8, P70 = 9: IPR 1, IPRCP 8.5, AI 3.5, IPRAS 2.35 + 5.25 = 7.6
    assert agreed["ipr"] == pytest.approx(1.0) and agreed["ipras"] == pytest.approx(7.6)
    assert agreed["median"] == 8 and agreed["appropriateness"] == "适宜" and agreed["consensus"]
    low = rand_judgement(np.array([1, 2, 2, 3, 3, 3, 4, 5, np.nan]))
    assert low["median"] == 3 and low["appropriateness"] == "不适宜"


def test_rand_rule_through_the_cli_on_a_1_9_round(tmp_path: Path, capsys) -> None:
    (tmp_path / "items.yaml").write_text("- {id: I1, text: 甲}\n- {id: I2, text: 乙}\n", "utf-8")
    table = tmp_path / "r.csv"
    a = [1, 1, 2, 3, 5, 7, 8, 9, 9]
    b = [7, 7, 8, 8, 8, 9, 9, 9, 9]
    rows = [f"E{i + 1:02d},{x},{y}" for i, (x, y) in enumerate(zip(a, b, strict=True))]
    table.write_text("专家编号,I1,I2\n" + "\n".join(rows) + "\n", "utf-8")
    store = tmp_path / "s.db"
    args = ["delphi", "ingest", "--items", str(tmp_path / "items.yaml"), "--store", str(store)]
    assert main([*args, "--round", "1", "--scale", "1-9", str(table)]) == 0
    out = tmp_path / "r.json"
    assert (
        main(["delphi", "analyze", "--store", str(store), "--rule", "rand", "--json", str(out)])
        == 0
    )
    d = json.loads(out.read_text("utf-8"))
    by = {i["item"]: i for i in d["items"]}
    assert by["I1"]["disagreement"] and by["I1"]["appropriateness"] == "不确定"
    assert by["I2"]["appropriateness"] == "适宜" and by["I2"]["consensus"]
    assert d["rule"]["method"] == "rand_ucla"
    assert "有分歧" in capsys.readouterr().out


def test_delphi_form_takes_the_scale_and_round_2_keeps_it(tmp_path: Path, capsys) -> None:
    items = tmp_path / "items.yaml"
    items.write_text("- {id: I1, text: 甲}\n- {id: I2, text: 乙}\n", "utf-8")
    out = tmp_path / "r1" / "表.xlsx"
    args = ["delphi", "form", "--items", str(items), "--scale", "0-10"]
    assert main([*args, "--experts", "2", "-o", str(out)]) == 0
    ws = load_workbook(out.with_name("表-E01.xlsx")).active
    top = next(r for r in range(1, ws.max_row + 1) if ws.cell(r, 1).value == "编号")
    assert ws.cell(top, 3).value == "重要性（0～10）"
    for name, values in (("表-E01.xlsx", (0, 10)), ("表-E02.xlsx", (7, 9))):
        wb = load_workbook(out.with_name(name))
        for i, v in enumerate(values, start=1):
            wb.active.cell(top + i, 3).value = v
        wb.save(out.with_name(name))
    store = tmp_path / "s.db"
    base = ["delphi", "ingest", "--items", str(items), "--store", str(store)]
    assert main([*base, "--round", "1", "--scale", "0-10", str(out.parent)]) == 0
    second = tmp_path / "r2" / "表.xlsx"
    form2 = ["delphi", "form", "--items", str(items), "--round", "2", "--store", str(store)]
    assert main([*form2, "-o", str(second)]) == 0
    ws = load_workbook(second.with_name("表-E01.xlsx")).active
    assert "0～10 分评分" in ws["A2"].value
