"""Design-based estimates (``--weights``) against R's survey package.

Data: R survey's own ``apistrat`` (stratified sample of 200 California schools, strata =
school type, populations in ``fpc``), vendored as tests/data/apistrat.csv. Every reference
value below was computed once by tests/data/apistrat_reference.R with

    d <- svydesign(id = ~1, strata = ~stype, fpc = ~fpc, data = apistrat)

and is pinned to 1e-4 relative.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np
import pytest

from surveytool.analysis import weights
from surveytool.bank.model import Option
from surveytool.cli import main
from surveytool.errors import problem

DATA = Path(__file__).parent / "data"
BANK = str(DATA / "apistrat.yaml")
CAMPAIGN = str(DATA / "apistrat_campaign.yaml")
REL = 1e-4


def _rows() -> list[dict]:
    with (DATA / "apistrat.csv").open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> str:
    folder = tmp_path_factory.mktemp("api")
    yes_no = {"Yes": 1, "No": 2}
    data = folder / "apistrat.csv"
    with data.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["stype", "sch_wide", "awards", "yr_rnd", "comp_imp", "api00", "api99"])
        for r in _rows():
            w.writerow(
                [
                    {"E": 1, "H": 2, "M": 3}[r["stype"]],
                    *(yes_no[r[c]] for c in ("sch.wide", "awards", "yr.rnd", "comp.imp")),
                    r["api00"],
                    r["api99"],
                ]
            )
    store = folder / "api.db"
    assert main(["ingest", "--bank", BANK, "--store", str(store), str(data)]) == 0
    return str(store)


def table(store: str, tmp_path: Path, *args: str) -> dict:
    out = tmp_path / "t.json"
    argv = ["table", "--bank", BANK, "--store", store, *args, "--weights", CAMPAIGN]
    assert main([*argv, "--json", str(out)]) == 0
    return json.loads(out.read_text("utf-8"))


def test_weighted_mean_equals_svymean(store, tmp_path) -> None:
    t = table(store, tmp_path, "api00")
    m = t["means"][0]
    # svymean(~api00, d, deff = TRUE); confint(); SE(); deff()
    assert m["w_mean"] == pytest.approx(662.287363578, rel=REL)
    assert m["se"] == pytest.approx(9.40894087943, rel=REL)
    assert m["w_ci_low"] == pytest.approx(643.846178321, rel=REL)
    assert m["w_ci_high"] == pytest.approx(680.728548834, rel=REL)
    assert m["deff"] == pytest.approx(1.20445728636, rel=REL)
    assert m["n_eff"] == pytest.approx(200 / 1.20445728636, rel=REL)
    assert m["mean"] == pytest.approx(652.82)  # mean(apistrat$api00): the biased figure
    assert m["n"] == 200


def test_weighted_share_equals_svymean_of_a_factor(store, tmp_path) -> None:
    t = table(store, tmp_path, "sch_wide")
    yes = next(c for c in t["cells"] if c["row_label"] == "是")
    # svymean(~sch.wide, d, deff = TRUE): sch.wideYes 0.82794801421, SE 0.02434478009
    assert yes["w_percent"] == pytest.approx(82.794801421, rel=REL)
    assert yes["se"] == pytest.approx(2.434478009, rel=REL)
    assert yes["w_ci_low"] == pytest.approx(78.0233122020, rel=REL)
    assert yes["w_ci_high"] == pytest.approx(87.5662906395, rel=REL)
    assert yes["deff"] == pytest.approx(0.855571860132, rel=REL)
    assert yes["column_percent"] == pytest.approx(76.0)  # mean(apistrat$sch.wide == "Yes")


def test_domain_mean_equals_svymean_on_a_subset(store, tmp_path) -> None:
    # svymean(~api00, subset(d, awards == "Yes"), deff = TRUE): stratum sizes of the whole
    # sample kept, as R's subset() keeps them
    t = table(store, tmp_path, "api00", "--where", "awards == 1")
    m = t["means"][0]
    assert m["w_mean"] == pytest.approx(678.42240567, rel=REL)
    assert m["se"] == pytest.approx(11.85663105, rel=REL)
    assert m["deff"] == pytest.approx(1.14283551446, rel=REL)
    by = table(store, tmp_path, "api00", "awards")
    yes = next(r for r in by["means"] if r["column_label"] == "是")
    assert yes["w_mean"] == pytest.approx(678.42240567, rel=REL)
    assert yes["se"] == pytest.approx(11.85663105, rel=REL)


@pytest.mark.parametrize(
    ("args", "f", "ndf", "ddf", "p", "p_chisq"),
    [
        # svychisq(~sch.wide + awards, d); svychisq(…, statistic = "Chisq")
        (("sch_wide", "awards"), 77.27689772, 1, 197, 7.3639764e-16, 1.48594003466e-18),
        # svychisq(~comp.imp + yr.rnd, d) and "Chisq"
        (("comp_imp", "yr_rnd"), 2.455954004233, 1, 197, 0.118684879085, 0.117080016),
        # band99 = cut(api99, c(0, 600, 750, 1000), right = FALSE): svychisq(~band99 + awards)
        (
            ("api99", "awards", "--bands", "600,750"),
            0.145080976074,
            1.990704278487,
            392.168742861997,
            0.864079657633,
            0.864952249837,
        ),
    ],
)
def test_rao_scott_equals_svychisq(store, tmp_path, args, f, ndf, ddf, p, p_chisq) -> None:
    t = table(store, tmp_path, *args)
    test = t["tests"][0]
    assert test["test"] == "rao_scott"
    assert test["F"] == pytest.approx(f, rel=REL)
    assert test["ndf"] == pytest.approx(ndf, rel=REL)
    assert test["ddf"] == pytest.approx(ddf, rel=REL)
    assert test["p_value"] == pytest.approx(p, rel=REL)
    assert test["p_chisq"] == pytest.approx(p_chisq, rel=REL)


def test_pearson_of_the_weighted_table(store, tmp_path) -> None:
    # svychisq(~sch.wide + awards, d, statistic = "Chisq") prints X-squared = 73.54614476
    t = table(store, tmp_path, "sch_wide", "awards")
    assert t["tests"][0]["pearson"] == pytest.approx(73.54614476, rel=REL)


def test_a_rank_test_is_left_out_with_its_reason(store, tmp_path) -> None:
    t = table(store, tmp_path, "api00", "awards")
    assert t["test"] is None
    assert any("秩检验" in n and "未做检验" in n for n in t["notes"])


def test_units_without_answers_are_named_with_their_share(tmp_path) -> None:
    units = np.array([1.0, 1.0, 2.0, 2.0])
    opts = (Option(1, "甲"), Option(2, "乙"), Option(3, "丙"))
    d = weights.make_design(units, opts, {"甲": 10, "乙": 20, "丙": 30})
    assert d.absent == (("丙", 30),)
    assert d.absent_share == pytest.approx(0.5)
    assert d.population == 30


def test_populations_are_checked(tmp_path) -> None:
    units = np.array([1.0, 1.0, 2.0])
    opts = (Option(1, "甲"), Option(2, "乙"))
    with pytest.raises(Exception) as err:
        weights.make_design(units, opts, {"甲": 10})
    assert str(err.value) == problem("weights_no_population", units="乙").message
    with pytest.raises(Exception) as err:
        weights.make_design(units, opts, {"甲": 1, "乙": 5})
    assert "甲（2 份，1 人）" in str(err.value)


def test_the_design_margin_of_error(store, tmp_path) -> None:
    # R: half = 0/1 alternating within each stratum (p = 0.5 in every unit);
    # SE(svymean(~half, d)) = 0.0381996406217; the margin is 1.959964 SE
    out = tmp_path / "a.json"
    argv = ["analyze", "--bank", BANK, "--store", store, "--weights", CAMPAIGN]
    assert main([*argv, "--json", str(out)]) == 0
    res = json.loads(out.read_text("utf-8"))
    assert res["design"]["moe"] == pytest.approx(1.959963985 * 0.0381996406217, rel=REL)
    api = next(r for r in res["weighted"] if r["field"] == "api00")
    assert api["estimate"] == pytest.approx(662.287363578, rel=REL)
    assert api["se"] == pytest.approx(9.40894087943, rel=REL)
    tests = {(t["row"], t["column"]): t for t in res["weighted_tests"]}
    assert ("sch_wide", "stype") in tests


def test_compare_waves_weighted(tmp_path) -> None:
    # wave 首轮 holds apistrat's api99 as the answer, wave 回访 its api00: R svymean(~api99, d)
    # = 629.394845011 (SE 9.96394738482), svymean(~api00, d) = 662.287363578 (SE 9.40894087943)
    yes_no = {"Yes": 1, "No": 2}
    store = str(tmp_path / "w.db")
    for wave, col in (("首轮", "api99"), ("回访", "api00")):
        data = tmp_path / f"{wave}.csv"
        with data.open("w", encoding="utf-8", newline="") as fh:
            w = csv.writer(fh)
            w.writerow(["stype", "sch_wide", "api00"])
            for r in _rows():
                w.writerow([{"E": 1, "H": 2, "M": 3}[r["stype"]], yes_no[r["sch.wide"]], r[col]])
        assert main(["ingest", "--bank", BANK, "--store", store, str(data), "--wave", wave]) == 0
    out = tmp_path / "c.json"
    argv = ["compare", "--bank", BANK, "--store", store, "--waves", "首轮", "回访"]
    assert main([*argv, "--weights", CAMPAIGN, "--json", str(out)]) == 0
    row = next(r for r in json.loads(out.read_text("utf-8")) if r["field"] == "api00")
    assert row["w_mean_a"] == pytest.approx(629.394845011, rel=REL)
    assert row["w_se_a"] == pytest.approx(9.96394738482, rel=REL)
    assert row["w_mean_b"] == pytest.approx(662.287363578, rel=REL)
    se = (9.96394738482**2 + 9.40894087943**2) ** 0.5
    assert row["w_change"] == pytest.approx(662.287363578 - 629.394845011, rel=REL)
    assert row["w_ci_low"] == pytest.approx(662.287363578 - 629.394845011 - 1.959964 * se, rel=REL)
    assert row["mean_b"] == row["w_mean_b"]


def test_the_fast_cell_covariance_equals_the_direct_formula() -> None:
    # _cell_cov (counts per stratum and cell) against stratified_cov of the n x cells matrix
    rng = np.random.default_rng(5)
    units = rng.integers(1, 4, 500).astype(float)
    d = weights.make_design(
        units,
        (Option(1, "甲"), Option(2, "乙"), Option(3, "丙")),
        {"甲": 900, "乙": 400, "丙": 700},
    )
    x, g = rng.integers(1, 4, 500).astype(float), rng.integers(1, 3, 500).astype(float)
    dom = np.ones(500, dtype=bool)
    p, v = weights._cell_cov(x, g, [1, 2, 3], [1, 2], dom, d)
    ind = np.stack([(x == r) & (g == c) for c in (1, 2) for r in (1, 2, 3)], axis=1) * 1.0
    w = d.weights
    direct_p = (w[:, None] * ind).sum(axis=0) / w.sum()
    z = w[:, None] * (ind - direct_p) / w.sum()
    assert np.allclose(p, direct_p)
    assert np.allclose(v, weights.stratified_cov(z, d), rtol=1e-10, atol=1e-15)
