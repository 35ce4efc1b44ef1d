"""The report's charts drawn in worker processes (issue 27): the same bytes as drawn in the
report's own process, a failing or dying worker stopped with our message, no worker left."""

from __future__ import annotations

import multiprocessing
import os
import sys
import time
from concurrent.futures import Executor
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

import pandas as pd
import psutil
import pytest

from surveytool import charts
from surveytool.charts import jobs
from surveytool.charts.jobs import Chart, Painter
from surveytool.errors import ChartError, problem

LABELS = ["非常不同意", "不同意", "一般", "同意", "非常同意"]


def _battery(n: int) -> Chart:
    """A likert chart of three items (the report's one kind of chart), varied by ``n``."""
    dists = {
        "X1": [10, 20, 30, 25, 15],
        "X2": [5, 14 + n, 20, 40 - n, 21],
        "X3": [3, 2, 50, 30, 15],
    }
    freq = pd.DataFrame(
        {
            "field": fid,
            "option": code,
            "label": lab,
            "percent": p,
            "valid": 100,
            "suppressed": fid == "X3" and code in (1, 2),
        }
        for fid, dist in dists.items()
        for code, (lab, p) in enumerate(zip(LABELS, dist, strict=True), start=1)
    )
    items = [("X1", "项目申报材料过多"), ("X2", "考核频次过高"), ("X3", f"第 {n} 组题项")]
    title = f"科研负担情况（{n}）"
    kwargs = {"problem_end": "high", "reversed_items": {"X2"}}
    return Chart("likert_diverging", (freq, items, title), kwargs, title)


def _draw_all(painter: Painter, folder: Path, count: int) -> dict[str, bytes]:
    with painter:
        for n in range(count):
            painter.draw(_battery(n), folder / f"fig-{n:02d}.png")
        painter.finish()
    return {p.name: p.read_bytes() for p in sorted(folder.glob("*.png"))}


@pytest.mark.parametrize("method", ["spawn", *(["fork"] if os.name == "posix" else [])])
def test_charts_drawn_in_workers_are_the_bytes_drawn_here(tmp_path, monkeypatch, method):
    monkeypatch.setattr(jobs, "start_method", lambda: method)
    here = _draw_all(Painter(0), tmp_path / "here", 4)
    there = _draw_all(Painter(2), tmp_path / "there", 4)
    assert len(here) == 4
    assert here == there
    # and the same bytes as the figure object saved the way charts were saved before
    from surveytool.charts import figures

    chart = _battery(0)
    charts.save(getattr(figures, chart.builder)(*chart.args, **chart.kwargs), tmp_path / "a.png")
    assert (tmp_path / "a.png").read_bytes() == here["fig-00.png"]


def test_a_chart_that_cannot_be_drawn_stops_with_our_message(tmp_path) -> None:
    frame = pd.DataFrame({"field": ["X1"]})  # no options, no percentages
    bad = Chart("likert_diverging", (frame, [("X1", "甲")], "坏图"), {}, "坏图")
    for workers in (0, 1):
        painter = Painter(workers)
        with pytest.raises(ChartError) as err, painter:
            painter.draw(_battery(1), tmp_path / "ok.png")
            painter.draw(bad, tmp_path / "bad.png")
            painter.finish()
        assert (
            str(err.value)
            == problem("chart_failed", title="坏图", detail="KeyError: 'option'").message
        )
        assert not (tmp_path / "bad.png").exists()


def _children() -> list[psutil.Process]:
    return [p for p in psutil.Process().children() if p.status() != psutil.STATUS_ZOMBIE]


def test_a_worker_that_dies_stops_with_our_message_and_leaves_no_process(tmp_path) -> None:
    before = {p.pid for p in _children()}
    painter = Painter(2)
    with pytest.raises(ChartError) as err, painter:
        painter.draw(_battery(0), tmp_path / "a.png")
        workers = [p for p in _children() if p.pid not in before]
        assert workers
        for p in workers:
            p.kill()
        painter.draw(_battery(1), tmp_path / "b.png")
        painter.finish()
    message = str(err.value)
    assert message in {
        problem("chart_worker_died", title=_battery(n).title).message for n in (0, 1)
    }
    assert not [p for p in workers if p.is_running() and p.status() != psutil.STATUS_ZOMBIE]


def _orphaned_worker(queue) -> None:  # a report's process that is killed with its worker up
    painter = Painter(1)
    painter.draw(_battery(0), Path(os.devnull + "-never"))
    queue.put([p.pid for p in psutil.Process().children()])
    time.sleep(60)


@pytest.mark.skipif(os.name != "posix", reason="SIGKILL is POSIX")
def test_a_worker_ends_when_the_report_process_is_killed() -> None:
    ctx = multiprocessing.get_context("spawn")
    queue = ctx.Queue()
    proc = ctx.Process(target=_orphaned_worker, args=(queue,))
    proc.start()
    workers = queue.get(timeout=60)
    assert workers
    proc.kill()
    proc.join()
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and any(psutil.pid_exists(w) for w in workers):
        time.sleep(0.1)
    alive = [w for w in workers if psutil.pid_exists(w)]
    alive = [w for w in alive if psutil.Process(w).status() != psutil.STATUS_ZOMBIE]
    assert not alive


def test_how_many_workers(monkeypatch) -> None:
    monkeypatch.delenv(jobs.WORKERS_VARIABLE, raising=False)
    monkeypatch.setattr(os, "cpu_count", lambda: 8)
    assert jobs.workers_for(jobs.MIN_CHARTS - 1) == 0  # too few charts: drawn here
    assert jobs.workers_for(5) == 5  # at most one per chart
    assert jobs.workers_for(30) == 8  # one per core
    monkeypatch.setattr(os, "cpu_count", lambda: 1)
    assert jobs.workers_for(30) == 0
    monkeypatch.setenv(jobs.WORKERS_VARIABLE, "0")
    monkeypatch.setattr(os, "cpu_count", lambda: 8)
    assert jobs.workers_for(30) == 0
    monkeypatch.setenv(jobs.WORKERS_VARIABLE, "3")
    assert jobs.workers_for(30) == 3


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> Path:
    """40 simulated answers to the built-in young_researchers bank (several scale batteries,
    so its report has charts enough to be drawn in workers)."""
    from surveytool.bank import load_bank
    from surveytool.forms.fill import FormFiller
    from surveytool.ingest import ingest
    from surveytool.simulate import Simulator

    folder = tmp_path_factory.mktemp("charts")
    bank = load_bank("young_researchers")
    filler = FormFiller(bank)
    for i, p in enumerate(Simulator(bank, seed=4).respondents(40)):
        filler.fill(p, folder / "in" / f"{i}.xlsx")
    ingest([folder / "in"], bank, folder / "s.db")
    return folder / "s.db"


def _report(store: Path, out: Path) -> int:
    from surveytool.cli import main

    return main(["report", "--bank", "young_researchers", "--store", str(store), "-o", str(out)])


def test_a_report_drawn_in_workers_is_the_report_drawn_here(store, tmp_path, monkeypatch):
    from surveytool.bank import load_bank
    from surveytool.report.findings import chart_count

    assert chart_count(load_bank("young_researchers")) >= jobs.MIN_CHARTS
    files = {}
    for workers in ("0", "2"):
        monkeypatch.setenv(jobs.WORKERS_VARIABLE, workers)
        out = tmp_path / workers
        assert _report(store, out) == 0
        files[workers] = {
            p.relative_to(out): p.read_bytes()
            for p in out.rglob("*")
            if p.suffix in (".png", ".md", ".html")
        }
    assert len([p for p in files["0"] if p.suffix == ".png"]) >= jobs.MIN_CHARTS
    assert files["0"] == files["2"]


@pytest.mark.parametrize("workers", ["0", *(["2"] if sys.platform == "linux" else [])])
def test_the_report_command_names_the_chart_it_could_not_draw(
    store, tmp_path, monkeypatch, capsys, workers
):
    """A chart that raises — here or in a forked worker, which has the same (broken)
    builder — ends the command with our message, no traceback, no report file."""
    from surveytool.charts import figures

    def broken(*args, **kwargs):
        raise RuntimeError("测试")

    monkeypatch.setattr(figures, "likert_diverging", broken)
    monkeypatch.setenv(jobs.WORKERS_VARIABLE, workers)
    # forked even when an earlier test left a thread running (spawn would not inherit the patch)
    monkeypatch.setattr(jobs, "start_method", lambda: "fork")
    assert _report(store, tmp_path / "r") != 0
    err = capsys.readouterr().err
    assert "Traceback" not in err
    head, tail = problem("chart_failed", title="@", detail="RuntimeError: 测试").message.split("@")
    assert err.strip().startswith(head) and err.strip().endswith(tail)
    assert not (tmp_path / "r" / "report.html").exists()


class _Broken(Executor):
    def submit(self, fn, /, *args, **kwargs):
        raise BrokenProcessPool("a worker died")


def test_open_answers_analysed_in_a_worker_are_those_analysed_here(store) -> None:
    from surveytool.analysis import Survey, analyse
    from surveytool.bank import load_bank
    from surveytool.store.answers import snapshot

    bank = load_bank("young_researchers")
    with snapshot(store) as snap:
        s = Survey(snap.answers(bank, None), bank)
    here = analyse(s, by=["B2"])
    assert not here.open_answers.empty and here.open_examples
    with Painter(2) as painter:
        there = analyse(s, by=["B2"], executor=painter.executor)
    broken = analyse(s, by=["B2"], executor=_Broken())  # its process gone: done here
    for other in (there, broken):
        pd.testing.assert_frame_equal(here.open_answers, other.open_answers)
        assert here.open_examples == other.open_examples
