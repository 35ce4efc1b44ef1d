"""The reader workers as a pool (issue 14, part 1): files read on every core, answers handed
back in the order the files were given, a worker lost mid-batch costing only its own file;
and the progress bar, on a terminal only."""

from __future__ import annotations

import io
import os
import signal
from pathlib import Path

import hostile
import pytest

from surveytool.errors import problem
from surveytool.forms.fill import FormFiller
from surveytool.ingest import ingest, memory, pool
from surveytool.ingest.options import ReadOptions
from surveytool.ingest.read import Expected
from surveytool.ingest.run import Progress
from surveytool.ingest.sandbox import SafeReader
from surveytool.ingest.table import KIND, FileRejectedError

from conftest import GOOD


def forms(folder: Path, bank, n: int) -> list[Path]:
    filler = FormFiller(bank)
    paths = [folder / f"{i:03d}.xlsx" for i in range(n)]
    for i, p in enumerate(paths):
        filler.fill({**GOOD, "B3": i % 100}, p)
    return paths


def test_pool_size_follows_the_machine(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(pool.ENV_READERS, raising=False)
    monkeypatch.setattr(os, "cpu_count", lambda: 6)
    assert pool.pool_size() == 6
    monkeypatch.setattr(os, "cpu_count", lambda: None)
    assert pool.pool_size() == 1
    monkeypatch.setenv(pool.ENV_READERS, "3")
    assert pool.pool_size() == 3


def test_answers_come_back_in_file_order_on_every_worker(
    tmp_path: Path, ingest_bank, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(pool.ENV_READERS, "2")
    paths = forms(tmp_path / "in", ingest_bank, 12)
    jobs = [(p, ReadOptions(), None, p.name) for p in paths]
    with SafeReader(ingest_bank, Expected(ingest_bank), files=len(paths)) as reader:
        assert len(reader.reads.workers) == 2
        got = list(reader.read_all(jobs))
    assert [key for key, _ in got] == [p.name for p in paths]
    assert [t.shown for _, t in got] == [p.name for p in paths]  # each its own answer
    assert [int(t.frame["B3"][0]) for _, t in got] == list(range(12))


def test_a_worker_killed_mid_batch_costs_its_one_file(
    tmp_path: Path, ingest_bank, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The files queued behind the lost one go to a fresh worker: nothing shifts, nothing
    is lost, and the batch goes on."""
    monkeypatch.setenv(pool.ENV_READERS, "2")
    paths = forms(tmp_path / "in", ingest_bank, 40)
    jobs = [(p, ReadOptions(), None, p.name) for p in paths]
    killed: list[tuple[int, list[str]]] = []
    with SafeReader(ingest_bank, Expected(ingest_bank), files=len(paths)) as reader:
        outcomes = []
        for key, outcome in reader.read_all(jobs):
            if not killed:  # after the first answer: kill the other worker while it reads
                w = max(reader.reads.workers, key=lambda x: len(x.sent))
                assert len(w.sent) > 1
                # the worker may have finished its first files before the kill (answers already
                # in the pipe are still taken): the one lost is one of those it held
                killed.append((w.proc.pid, [j.path.name for j in w.sent]))
                os.kill(w.proc.pid, signal.SIGKILL)
            outcomes.append((key, outcome))
        assert killed[0][0] not in [w.proc.pid for w in reader.reads.workers]
    assert [key for key, _ in outcomes] == [p.name for p in paths]
    lost = [(key, o) for key, o in outcomes if isinstance(o, FileRejectedError)]
    assert len(lost) == 1 and lost[0][0] in killed[0][1]
    assert lost[0][1].problems[0].code == "file_reader_crashed"
    read = [(key, o) for key, o in outcomes if not isinstance(o, FileRejectedError)]
    assert len(read) == 39
    assert all(t.shown == key for key, t in read)
    assert all(int(t.frame["B3"][0]) == int(key[:3]) for key, t in read)


def large(src: Path, dst: Path, rows: int = 400_000) -> Path:
    """The form ``src`` with ``rows`` empty cells below it, one per row: read like the form,
    but the scan finds a sheet large enough for a ceiling well above the floor."""
    cells = b"".join(b'<row r="%d"><c r="A%d"/></row>' % (r, r) for r in range(201, 201 + rows))
    return hostile._on_answer_sheet(
        src,
        dst,
        lambda d: hostile._no_dimension(d).replace(b"</sheetData>", cells + b"</sheetData>", 1),
    )


def test_two_large_files_are_not_read_at_the_same_time(
    tmp_path: Path, ingest_bank, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each worker asks before raising its ceiling above the floor; with the default budget
    the second large file waits until the first is read, and both are read."""
    monkeypatch.setenv(pool.ENV_READERS, "2")
    monkeypatch.delenv(pool.ENV_BUDGET, raising=False)
    paths = [
        large(p, p.with_name(f"large-{p.name}")) for p in forms(tmp_path / "in", ingest_bank, 2)
    ]
    seen: list[tuple[list[str], int]] = []  # after each grant round: (granted files, waiting)
    grant = pool.Reads._grant

    def watched(self: pool.Reads) -> None:
        grant(self)
        held = [w for w in self.workers if w.granted]
        assert all(w.room > memory.LARGE for w in held)
        seen.append(([w.sent[0].path.name for w in held], len(self._waiting())))

    monkeypatch.setattr(pool.Reads, "_grant", watched)
    jobs = [(p, ReadOptions(), None, p.name) for p in paths]
    with SafeReader(ingest_bank, Expected(ingest_bank), files=2) as reader:
        got = list(reader.read_all(jobs))
    assert max(len(held) for held, _ in seen) == 1  # never two at once
    assert {name for held, _ in seen for name in held} == {p.name for p in paths}
    assert ([paths[0].name], 1) in seen or ([paths[1].name], 1) in seen  # one waited
    assert [key for key, _ in got] == [p.name for p in paths]
    assert [int(t.frame["B3"][0]) for _, t in got] == [0, 1]


def test_a_worker_out_of_time_is_replaced(
    tmp_path: Path, ingest_bank, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(pool.ENV_READERS, "1")
    for name in ("BASE_SECONDS", "PER_MB_SECONDS", "START_SECONDS"):
        monkeypatch.setattr(pool, name, 0)
    paths = forms(tmp_path / "in", ingest_bank, 2)
    with SafeReader(ingest_bank, Expected(ingest_bank), files=2) as reader:
        first = reader.reads.workers[0].proc.pid
        got = list(reader.read_all([(p, ReadOptions(), None, p.name) for p in paths]))
        assert reader.reads.workers[0].proc.pid != first
    for (key, outcome), p in zip(got, paths, strict=True):
        assert key == p.name
        assert isinstance(outcome, FileRejectedError)
        expected = problem("file_reader_timeout", file=p.name, kind=KIND, seconds=0)
        assert [x.message for x in outcome.problems] == [expected.message]


def test_workers_are_kept_for_the_next_ingest_and_a_busy_one_is_not(
    tmp_path: Path, ingest_bank, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(pool.ENV_READERS, "1")
    paths = forms(tmp_path / "in", ingest_bank, 3)
    with SafeReader(ingest_bank, Expected(ingest_bank)) as reader:
        list(reader.read_all([(p, ReadOptions(), None, p) for p in paths]))
        kept = reader.reads.workers[0]
    assert kept in pool._IDLE and kept.alive()
    with SafeReader(ingest_bank, Expected(ingest_bank)) as reader:
        assert reader.reads.workers[0] is kept
        feed = reader.read_all([(p, ReadOptions(), None, p) for p in paths])
        next(feed)  # the caller stops (an error, Ctrl-C) with answers still owed
        feed.close()
    assert kept not in pool._IDLE and not kept.alive()


def test_workers_started_ahead_are_the_ones_an_ingest_takes(
    tmp_path: Path, ingest_bank, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``surveytool ingest`` starts its workers before it imports the rest of ingest
    (issue 27): as many as the files need, at most one per core, taken by the ingest."""
    monkeypatch.setenv(pool.ENV_READERS, "2")
    pool.stop_all()
    try:
        pool.prestart(1)
        assert len(pool._IDLE) == 1
        pool.prestart(64)  # a folder: one more, up to the cores
        pool.prestart(64)  # already there: none
        ahead = list(pool._IDLE)
        assert len(ahead) == 2 and all(w.alive() for w in ahead)
        paths = forms(tmp_path / "in", ingest_bank, 4)
        summary = ingest(paths, ingest_bank, tmp_path / "s.db")
        assert summary.total("accepted") == 4
        assert sorted(map(id, pool._IDLE)) == sorted(map(id, ahead))  # the same, kept
    finally:
        pool.stop_all()


def test_no_worker_is_started_for_a_bank_that_does_not_load(tmp_path: Path) -> None:
    from surveytool.cli import main

    pool.stop_all()
    code = main(["ingest", str(tmp_path), "--bank", str(tmp_path / "无此题库.yaml")])
    assert code == 1 and not pool._IDLE


def test_ingest_reports_progress_for_every_file(tmp_path: Path, ingest_bank) -> None:
    folder = tmp_path / "in"
    forms(folder, ingest_bank, 5)
    (folder / "坏.xlsx").write_bytes(b"not a workbook")
    seen: list[Progress] = []
    summary = ingest([folder], ingest_bank, tmp_path / "s.db", progress=seen.append)
    assert [p.done for p in seen] == [1, 2, 3, 4, 5, 6]
    assert {p.total for p in seen} == {6}
    assert seen[-1].accepted == summary.total("accepted") == 5
    assert sorted(p.name for p in seen) == sorted(f.name for f in summary.files)


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_the_progress_line() -> None:
    from surveytool.cli.progress import bar_text

    assert (
        bar_text(Progress(250, 1000, 240, "a.xlsx"), 5.0)
        == "回收中 [██████··················] 250/1000 个文件，有效答卷 240 份，50 个/秒，约 15 秒后完成"
    )
    assert (
        bar_text(Progress(100, 10000, 100, "a.xlsx"), 10.0)
        == "回收中 [························] 100/10000 个文件，有效答卷 100 份，10 个/秒，约 16 分 30 秒后完成"
    )
    assert bar_text(Progress(10, 10, 9, "a.xlsx"), 2.0).endswith(
        "10/10 个文件，有效答卷 9 份，5 个/秒"
    )


def test_the_bar_is_drawn_on_a_terminal_only() -> None:
    from surveytool.cli.progress import ProgressBar

    steps = [Progress(k, 12, k, f"{k}.xlsx") for k in range(1, 13)]
    pipe = io.StringIO()
    bar = ProgressBar(pipe)
    for p in steps:
        bar(p)
    assert pipe.getvalue() == ""
    tty = _Terminal()
    bar = ProgressBar(tty)
    for p in steps:
        bar(p)
    drawn = tty.getvalue()
    assert drawn.startswith("\r回收中 [") and drawn.endswith(
        "12/12 个文件，有效答卷 12 份，" + drawn.split("，")[-1]
    )
    assert drawn.endswith("\n") and drawn.count("\n") == 1
    few = _Terminal()
    bar = ProgressBar(few)
    bar(Progress(1, 3, 1, "a.xlsx"))
    assert few.getvalue() == ""  # a handful of files: no bar


def test_cli_ingest_draws_nothing_on_a_pipe_or_with_json(
    tmp_path: Path, ingest_bank, capsys: pytest.CaptureFixture
) -> None:
    from surveytool.cli import main

    folder = tmp_path / "in"
    forms(folder, ingest_bank, 10)
    bank = str(tmp_path / "ingest_demo.yaml")
    assert main(["ingest", "--bank", bank, "--store", str(tmp_path / "a.db"), str(folder)]) == 0
    assert capsys.readouterr().err == ""
    assert (
        main(["ingest", "--json", "--bank", bank, "--store", str(tmp_path / "b.db"), str(folder)])
        == 0
    )
    assert capsys.readouterr().err == ""
