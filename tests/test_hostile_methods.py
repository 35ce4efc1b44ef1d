"""Hostile files beyond returned questionnaires (issue 23, items 1–5): notes .docx bombs, an
edited 三张清单 workbook bloated by a hidden sheet, Delphi and visit files far larger than
the method allows, a 问卷星 CSV of 16,000 columns and a garbage .sav. Each is refused with
our Chinese message or read within 10 s, and the whole process tree (the CLI, or the web
server, with its reader workers) stays under 1 GiB."""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

import hostile as h
import peak
import pytest

from surveytool.bank import load_bank
from surveytool.ingest.notes import ingest_notes

BANK = "young_researchers"
SECONDS = 10
MIB = 1024


def _cli(tmp_path: Path, *args: str) -> subprocess.CompletedProcess:
    """The CLI run under peak.SCRIPT (memory of it and its reader workers together)."""
    return subprocess.run(
        [sys.executable, "-c", peak.SCRIPT, *args],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def _no_traceback(res: subprocess.CompletedProcess) -> None:
    out = res.stdout + res.stderr
    for word in ("Traceback", "MemoryError", "Error:"):
        assert word not in out, out[-2000:]


# --- item 1: notes .docx ------------------------------------------------------------------

DOCX = {
    h.docx_wide_span: "横跨 400000000 列",
    h.docx_merged_rows: None,  # 4,000 merged rows: a legitimate (if odd) table, read
    h.docx_many_paragraphs: "超过一场记录 5,000 段的上限",
}


@pytest.mark.parametrize("build", list(DOCX), ids=lambda b: b.__name__)
def test_notes_docx_bombs_refused_or_read_in_time_and_memory(build, tmp_path: Path) -> None:
    path = build(tmp_path)
    bank = load_bank(BANK)
    ingest_notes([tmp_path / "warm.txt"], bank, tmp_path / "warm.db")  # reader worker started
    start = time.perf_counter()
    summary = ingest_notes([path], bank, tmp_path / "s.db")
    seconds = time.perf_counter() - start
    assert seconds < SECONDS, seconds
    (result,) = summary.files
    words = DOCX[build]
    if words is None:
        assert result.status == "ingested", [p.message for p in result.problems]
    else:
        assert result.status == "failed"
        assert result.problems[0].message.startswith(f"记录 {path.name}：")
        assert words in result.problems[0].message, result.problems[0].message
    res = _cli(tmp_path, "notes", "--bank", BANK, "--store", "cli.db", str(path))
    _no_traceback(res)
    assert peak.together_mib(res.stdout) < MIB, peak.together_mib(res.stdout)


def test_notes_docx_is_read_in_the_reader_worker(tmp_path: Path, monkeypatch) -> None:
    """python-docx is never imported to read notes, and the reading happens in a worker."""
    from surveytool.ingest import isolated

    calls = []
    real = isolated.run
    monkeypatch.setattr(isolated, "run", lambda *a: calls.append(a[0]) or real(*a))
    path = h.docx_merged_rows(tmp_path, rows=10)
    summary = ingest_notes([path], load_bank(BANK), tmp_path / "s.db")
    assert summary.files[0].status == "ingested"
    assert calls == ["docx_lines"]


# --- item 2: an edited 三张清单 workbook with a hidden sheet of 3M cells --------------------


@pytest.fixture(scope="module")
def bloated_lists(tmp_path_factory) -> Path:
    from surveytool.followup.lists import Lists, write_lists

    folder = tmp_path_factory.mktemp("lists")
    lists = Lists()
    lists.sheets["问题清单"].append({"编号": "P1", "问题": "报销流程繁琐"})
    lists.sheets["任务清单"].append({"编号": "P1", "问题": "报销流程繁琐", "状态": "推进中"})
    return h.lists_hidden_sheet(write_lists(lists, folder / "src.xlsx", BANK), folder)


def test_bloated_lists_read_in_time_only_our_sheets(bloated_lists: Path, tmp_path: Path) -> None:
    from surveytool.followup.lists import read_lists

    start = time.perf_counter()
    lists = read_lists(bloated_lists)
    assert time.perf_counter() - start < SECONDS
    assert [r["问题"] for r in lists.sheets["问题清单"]] == ["报销流程繁琐"]
    assert lists.sheets["任务清单"][0]["状态"] == "推进中"
    res = _cli(tmp_path, "track", str(bloated_lists))
    _no_traceback(res)
    assert res.returncode == 0, res.stderr
    assert peak.together_mib(res.stdout) < MIB, peak.together_mib(res.stdout)


WEB = """
import sys, time
sys.path[:0] = [TESTS]
import peak
from pathlib import Path
from webtools import campaign_site, login, with_users
from surveytool.web import create_app

together = peak.Together()
site = campaign_site(Path(sys.argv[1]) / "调研", host="0.0.0.0")
with_users(site)
app = create_app(site)
client = app.test_client()
tok = login(client, "owner")
start = time.perf_counter()
r = client.post(
    "/topic/1/lists/upload",
    data={"csrf_token": tok, "files": (open(sys.argv[2], "rb"), "三张清单.xlsx")},
)
assert r.status_code == 302, r.get_data(as_text=True)[:500]
for _ in range(2):
    assert client.get("/").status_code == 200
    assert client.get("/topic/1/lists").status_code == 200
seconds = time.perf_counter() - start
from surveytool.ingest import pool
pool.stop_all()
together.stop()
print(f"SECONDS={seconds:.1f} PEAK_KIB=0 0 {together.peak} {together.rss}")
""".replace("TESTS", repr(str(Path(__file__).resolve().parent)))


def test_the_web_server_reads_the_bloated_lists_in_1_gib(bloated_lists: Path, tmp_path: Path):
    """Upload the workbook as the 三张清单 of topic 1, then load 总览 and 三张清单 twice:
    the server and its reader workers together stay under 1 GiB."""
    res = subprocess.run(
        [sys.executable, "-c", WEB, str(tmp_path), str(bloated_lists)],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert res.returncode == 0, res.stderr[-3000:]
    assert "Traceback" not in res.stderr
    seconds = float(res.stdout.split("SECONDS=")[1].split()[0])
    assert seconds < 5 * SECONDS, seconds  # one upload and four page loads
    assert peak.together_mib(res.stdout) < MIB, peak.together_mib(res.stdout)


# --- item 3: Delphi and visit files far beyond their method ----------------------------------


def _cpu_run(tmp_path: Path, *args: str) -> tuple[subprocess.CompletedProcess, float]:
    """The CLI under peak.SCRIPT and the CPU seconds it and its reader workers used (the
    machine the tests run on may be shared: CPU time is what the file costs)."""
    import resource

    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    res = _cli(tmp_path, *args)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return res, cpu


def test_a_delphi_table_of_120000_experts_is_refused_at_once(tmp_path: Path) -> None:
    from surveytool.errors import problem
    from surveytool.ingest.delphi import KIND, MAX_EXPERTS

    (tmp_path / "items.yaml").write_text(h.DELPHI_ITEMS, encoding="utf-8")
    path = h.delphi_many_experts(tmp_path)
    res, cpu = _cpu_run(
        tmp_path, "delphi", "ingest", "--items", "items.yaml", "--round", "1", str(path)
    )
    _no_traceback(res)
    want = problem(
        "delphi_too_many_experts", file=path.name, kind=KIND, count="120,000", limit=MAX_EXPERTS
    ).message
    assert want in res.stderr, res.stderr[-1500:]
    assert "5～50 位专家" in want
    assert cpu < SECONDS, cpu
    assert peak.together_mib(res.stdout) < MIB


def test_duplicate_expert_codes_are_found_in_linear_time() -> None:
    from surveytool.forms.delphi import DelphiItem
    from surveytool.forms.delphi_scale import Scale
    from surveytool.ingest.delphi import _File, _read_table

    items = {"I1": DelphiItem("I1", "条目一")}
    grid = [["专家编号", "I1"]] + [[f"E{i % 50}", 3] for i in range(100)]
    f = _File("t.csv", grid, True, Scale())
    _read_table(f, items)
    assert len(f.problems) == 50  # each code given twice, said once


def test_a_visit_record_of_20000_observations_is_refused_at_once(tmp_path: Path) -> None:
    from surveytool.ingest.visits import MAX_ROWS

    path = h.visit_many_observations(load_bank(BANK), tmp_path)
    res, cpu = _cpu_run(tmp_path, "visits", "--bank", BANK, "--store", "v.db", str(path))
    _no_traceback(res)
    assert f"超过一次走访 {MAX_ROWS} 行的上限" in res.stderr, res.stderr[-1500:]
    assert cpu < SECONDS, cpu
    assert peak.together_mib(res.stdout) < MIB


# --- item 4: a 问卷星 CSV of 16,000 columns --------------------------------------------------


@pytest.mark.parametrize("command", ["ingest", "map"])
def test_a_16000_column_wjx_csv_within_10_s(tmp_path: Path, command: str) -> None:
    path = h.wjx_wide_csv(tmp_path)
    args = ["--store", "w.db"] if command == "ingest" else ["-o", "m.yaml"]
    res, cpu = _cpu_run(tmp_path, command, "--bank", BANK, *args, str(path))
    _no_traceback(res)
    assert "道题，远多于题库的" in res.stderr, res.stderr[-800:]  # refused before any matching
    assert cpu < SECONDS, cpu
    assert peak.together_mib(res.stdout) < MIB


def test_matching_scores_the_best_two_exactly(tmp_path: Path) -> None:
    """The pruned search gives the same best two as scoring every bank question."""
    from surveytool.ingest.platforms import mapping as m
    from surveytool.ingest.platforms.model import PQuestion

    bank = load_bank(BANK)
    for q in bank.questions[:12]:
        pq = PQuestion(number=None, stem=q.text[:-2] + "吗", layout="one")
        fast = m._candidates(bank, pq)[:2]
        slow = sorted(
            (
                (m.similarity(pq.stem, b.text), b)
                for b in bank.questions
                if not (b.pii and b.type == "text")
            ),
            key=lambda x: -x[0],
        )[:2]
        assert [round(s, 9) for s, _ in fast] == [round(s, 9) for s, _ in slow]
        assert fast[0][1].id == slow[0][1].id


# --- item 5: a garbage .sav -------------------------------------------------------------------


def test_a_garbage_sav_is_refused_in_chinese_only(tmp_path: Path) -> None:
    import re

    from surveytool.ingest import ingest

    path = tmp_path / "数据.sav"
    path.write_bytes(b"$FL2@(#) not really SPSS" + bytes(range(256)) * 8)
    summary = ingest([path], load_bank(BANK), tmp_path / "s.db")
    (message,) = [p.message for p in summary.files[0].problems]
    detail = re.search(r"不是有效的 SPSS 文件（([^）]*)）", message).group(1)
    assert detail.startswith("文件内容无法识别"), message
    assert not re.search(r"[A-Za-z]{3,}", detail.replace(".sav", "").replace("SPSS", "")), detail
    assert "Invalid" not in message and "unsupported" not in message
