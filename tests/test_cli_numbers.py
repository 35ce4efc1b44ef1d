"""Numbers typed on the command line (issue 13, item 12): every numeric option is checked and a
bad one is a Chinese message naming the option and what is accepted, with a non-zero exit —
never a ZeroDivisionError, a negative sample size, ±0.0 for a sample larger than its population,
or small-group protection silently switched off by --k 0."""

from __future__ import annotations

from pathlib import Path

import pytest

from surveytool.analysis.limits import k_warning
from surveytool.cli import main
from surveytool.errors import problem

from conftest import GOOD


def bad_value(option: str, value: str, what: str, rule: str) -> str:
    return problem("bad_option_value", option=option, value=value, what=what, rule=rule).message


def argparse_line(prog: str, message: str) -> str:
    return f"{prog}：{message.rstrip('。')}。运行 {prog} --help 查看用法。"


def refused(capsys: pytest.CaptureFixture, *argv: str) -> str:
    """Run the CLI expecting an option error: exit code 2 and one line on stderr."""
    with pytest.raises(SystemExit) as info:
        main(list(argv))
    assert info.value.code == 2
    captured = capsys.readouterr()
    assert not captured.out and "Traceback" not in captured.err
    return captured.err.strip()


POSITIVE = "正整数"
FRACTION = " 0 到 1 之间的小数（{}）"


@pytest.mark.parametrize(
    ("argv", "option", "value", "what", "rule"),
    [
        (["--population", "0"], "--population", "0", "总体人数", POSITIVE),
        (["--population", "-5"], "--population", "-5", "总体人数", POSITIVE),
        (["--population", "八百"], "--population", "八百", "总体人数", POSITIVE),
        (["--n", "0"], "--n", "0", "已有样本量", POSITIVE),
        (["--margin", "5"], "--margin", "5", "允许误差", FRACTION.format("0.05 表示 ±5%")),
        (["--margin", "0"], "--margin", "0", "允许误差", FRACTION.format("0.05 表示 ±5%")),
        (["--confidence", "95"], "--confidence", "95", "置信度", FRACTION.format("0.95 表示 95%")),
        (["--p", "2"], "--p", "2", "预计比例", FRACTION.format("0.5 表示 50%，最保守")),
        (["--topic", "9"], "--topic", "9", "选题编号", " 1 到 8 之间的整数"),
        (["--total", "-300"], "--total", "-300", "总样本量", POSITIVE),
        (["--min", "-1"], "--min", "-1", "每单位最少份数", "不小于 0 的整数"),
    ],
)
def test_sample_size_options(capsys, argv, option, value, what, rule) -> None:
    err = refused(capsys, "sample-size", *argv)
    assert err == argparse_line("surveytool sample-size", bad_value(option, value, what, rule))


def test_a_sample_larger_than_its_population(capsys) -> None:
    assert main(["sample-size", "--n", "100", "--population", "50"]) == 1
    expected = problem("sample_n_gt_population", n=100, population=50).message
    assert capsys.readouterr().err.strip() == expected


def test_the_clean_cases_still_work(capsys) -> None:
    assert main(["sample-size", "--population", "800"]) == 0
    assert "需要有效答卷 260 份" in capsys.readouterr().out
    assert main(["sample-size", "--n", "50", "--population", "50"]) == 0  # a census
    assert "±0.0%" in capsys.readouterr().out


def test_a_topic_missing_from_the_campaign(tmp_path: Path, capsys) -> None:
    from surveytool.followup.init import init_campaign

    path = init_campaign(tmp_path)
    text = path.read_text("utf-8")
    start = text.index("  - topic: 8")
    path.write_text(text[:start], encoding="utf-8")  # topics 1-7 only
    assert main(["sample-size", "--campaign", str(path), "--topic", "8"]) == 1
    expected = problem("unknown_topic", value=8, topics="1、2、3、4、5、6、7").message
    assert capsys.readouterr().err.strip() == expected


def test_a_total_beyond_the_units_populations(tmp_path: Path, capsys) -> None:
    from surveytool.followup.campaign import load_campaign
    from surveytool.followup.init import init_campaign

    path = init_campaign(tmp_path)
    everyone = sum(u.population or 0 for u in load_campaign(path).topic(1).units)
    argv = ["sample-size", "--campaign", str(path), "--topic", "1", "--total"]
    assert main([*argv, str(everyone + 1)]) == 1
    expected = problem("total_gt_population", total=everyone + 1, population=everyone).message
    assert capsys.readouterr().err.strip() == expected
    assert main([*argv, str(everyone)]) == 0


@pytest.mark.parametrize("command", ["demo", "simulate"])
def test_counts_and_seeds(capsys, command: str) -> None:
    head = [command] if command == "demo" else [command, "young_researchers", "-o", "x"]
    prog = f"surveytool {command}"
    err = refused(capsys, *head, "-n", "0")
    assert err == argparse_line(prog, bad_value("-n", "0", "人数", " 1 到 100000 之间的整数"))
    err = refused(capsys, *head, "--seed", "-1")
    assert err == argparse_line(prog, bad_value("--seed", "-1", "随机种子", "不小于 0 的整数"))


def test_argparse_own_messages_are_chinese(capsys) -> None:
    err = refused(capsys, "sample-size", "--bogus")
    assert err == argparse_line("surveytool", "不认识的参数：--bogus")
    err = refused(capsys, "analyze", "--store", "s.db")
    assert err == argparse_line("surveytool analyze", "缺少必填的参数：--bank")


@pytest.fixture
def store(tmp_path: Path, ingest_bank) -> Path:
    """Six accepted answers of the small ingest bank."""
    from surveytool.forms.fill import FormFiller

    filler = FormFiller(ingest_bank)
    for i in range(6):
        filler.fill({**GOOD, "B3": 30 + i}, tmp_path / "in" / f"{i}.xlsx")
    bank = str(tmp_path / "ingest_demo.yaml")
    assert (
        main(["ingest", "--bank", bank, "--store", str(tmp_path / "s.db"), str(tmp_path / "in")])
        == 0
    )
    return tmp_path / "s.db"


@pytest.mark.parametrize("k", ["0", "-3"])
def test_k_below_one_is_refused(capsys, k: str) -> None:
    for command in ("analyze", "report", "compare"):
        argv = [command, "--bank", "b", "--k", k]
        err = refused(capsys, *argv)
        assert err == argparse_line(f"surveytool {command}", bad_value("--k", k, "k", POSITIVE))


def test_k_below_three_needs_to_be_asked_for(store: Path, tmp_path: Path, capsys) -> None:
    bank = str(tmp_path / "ingest_demo.yaml")
    base = ["analyze", "--bank", bank, "--store", str(store)]
    assert main([*base, "--k", "2"]) == 1
    assert capsys.readouterr().err.strip() == problem("k_too_small", k=2).message
    assert main([*base, "--k", "2", "--allow-small-k"]) == 0
    assert capsys.readouterr().err.strip() == k_warning(2)
    assert main([*base, "--k", "3"]) == 0
    assert capsys.readouterr().err == ""


def test_a_lowered_k_is_repeated_in_the_report(store: Path, tmp_path: Path, capsys) -> None:
    bank = str(tmp_path / "ingest_demo.yaml")
    out = tmp_path / "报告"
    argv = ["report", "--bank", bank, "--store", str(store), "-o", str(out), "--format", "md"]
    assert main([*argv, "--k", "1", "--allow-small-k"]) == 0
    warning = k_warning(1)
    assert warning and "不隐藏任何小组" in warning
    assert capsys.readouterr().err.strip() == warning
    assert warning in (out / "report.md").read_text("utf-8")
    assert main(argv) == 0  # k = 5: no such note
    assert "小组保护门槛 k 按要求降到了" not in (out / "report.md").read_text("utf-8")


def test_a_population_smaller_than_the_answers(store: Path, tmp_path: Path, capsys) -> None:
    bank = str(tmp_path / "ingest_demo.yaml")
    argv = ["analyze", "--bank", bank, "--store", str(store), "--population"]
    assert main([*argv, "5"]) == 1
    expected = problem("population_lt_answers", population=5, n=6).message
    assert capsys.readouterr().err.strip() == expected
    assert main([*argv, "6"]) == 0
