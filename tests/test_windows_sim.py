"""Windows, simulated on Linux (issue 21, item 5): the command line and its reader workers
run with ``resource`` and ``fcntl`` unimportable, as on Windows — a shim folder first on
PYTHONPATH whose ``sitecustomize`` refuses both (every worker inherits it). Ingest (50 forms,
a 问卷星 export, the hostile battery of tests/test_hostile.py), report, lists and the web
app's upload give the same results as without the shim; a worker past its memory ceiling
(ended by the watchdog instead of RLIMIT_AS) or hung costs only its file.

What this cannot simulate: the Win32 calls themselves (named pipes, TerminateProcess,
psutil's Windows backend, SetErrorMode). Those are the standard library's and psutil's
own, tested on Windows by their projects; see SECURITY.md.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from test_hostile import BANK, build_batch

from surveytool.bank import load_bank
from surveytool.forms.fill import FormFiller
from surveytool.ingest import pool
from surveytool.simulate import Simulator

ROOT = Path(__file__).resolve().parent.parent
TESTS = Path(__file__).resolve().parent
WJX = (
    ROOT / "samples" / BANK / "12345678_按文本_青年科技工作者科研负担与创新环境调查问卷_12_12.xlsx"
)

SHIM = '''"""Simulated Windows: no resource, no fcntl (tests/test_windows_sim.py)."""
import sys

import psutil  # noqa: F401  its Linux backend needs resource; on Windows it has its own

BLOCKED = ("resource", "fcntl")
for name in BLOCKED:
    sys.modules.pop(name, None)


class NoPosix:
    @staticmethod
    def find_spec(name, path=None, target=None):
        if name in BLOCKED:
            raise ModuleNotFoundError(f"No module named {name!r} (simulated Windows)", name=name)
        return None


sys.meta_path.insert(0, NoPosix())
'''


HANG = """
import time


def _hang(event, args):
    if event == "open" and "卡住" in str(args[0]):
        time.sleep(3600)


sys.addaudithook(_hang)
"""


@pytest.fixture(scope="module")
def shim(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("windows-shim")
    (folder / "sitecustomize.py").write_text(SHIM, encoding="utf-8")
    return folder


def env_for(shim: Path | None, **extra: str) -> dict[str, str]:
    """The environment of a run: the shim first on PYTHONPATH (or none), the tests' folder."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env["PYTHONPATH"] = os.pathsep.join(str(p) for p in (shim, ROOT, TESTS) if p)
    return {**env, **extra}


def cli(args: list[str], cwd: Path, shim: Path | None, **extra: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "surveytool", *args],
        cwd=cwd,
        env=env_for(shim, **extra),
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


@pytest.fixture(scope="module")
def batch(tmp_path_factory) -> Path:
    """The hostile battery (3 good forms, 16 refused, 7 odd but readable), 50 more forms,
    two copies (duplicates) and a 问卷星 export with its checked mapping."""
    folder = build_batch(tmp_path_factory.mktemp("winsim"))
    bank = load_bank(BANK)
    filler = FormFiller(bank)
    for i, person in enumerate(Simulator(bank, seed=21).respondents(50)):
        filler.fill(person, folder / f"表-{i:02d}.xlsx")
    shutil.copy(folder / "表-00.xlsx", folder / "表-00 - 副本.xlsx")
    shutil.copy(folder / "正常-1.xlsx", folder / "正常-1（再发一次）.xlsx")
    shutil.copy(WJX, folder / WJX.name)
    shutil.copy(f"{WJX}.mapping.yaml", folder / f"{WJX.name}.mapping.yaml")
    return folder


def test_the_shim_hides_resource_and_fcntl(shim: Path, tmp_path: Path) -> None:
    code = (
        "import importlib\n"
        "for m in ('resource', 'fcntl'):\n"
        "    try:\n"
        "        importlib.import_module(m)\n"
        "    except ImportError:\n"
        "        print('no', m)\n"
        "from surveytool.ingest import memory\n"
        "print('rlimit', memory.rlimit())\n"
    )
    res = subprocess.run(
        [sys.executable, "-c", code], env=env_for(shim), capture_output=True, text=True, check=True
    )
    assert res.stdout.split("\n")[:3] == ["no resource", "no fcntl", "rlimit None"]


def _ingest(batch: Path, work: Path, shim: Path | None) -> tuple[dict, pd.DataFrame]:
    work.mkdir()
    res = cli(["ingest", "--bank", BANK, "--store", "s.db", "--json", str(batch)], work, shim)
    assert "Traceback" not in res.stderr, res.stderr
    summary = json.loads(res.stdout)
    from surveytool.store import load_answers

    return summary, load_answers(work / "s.db", load_bank(BANK))


def _by_file(summary: dict) -> dict[str, tuple]:
    return {
        f["name"]: (f["status"], f["accepted"], f["rejected"], f["duplicates"], f["problems"])
        for f in summary["files"]
    }


def test_ingest_is_the_same_without_resource_and_fcntl(batch: Path, shim: Path, tmp_path) -> None:
    linux, linux_answers = _ingest(batch, tmp_path / "linux", None)
    windows, windows_answers = _ingest(batch, tmp_path / "windows", shim)
    counts = {k: v for k, v in linux.items() if k != "files" and not isinstance(v, (dict, list))}
    assert {k: windows[k] for k in counts} == counts
    assert _by_file(windows) == _by_file(linux)
    # 53 good forms + 7 odd but readable + the export's answers; 19 refused (the battery, with issue 27's three encodings); 2 duplicates
    assert (windows["failed"], windows["already_ingested"]) == (19, 3)  # two copies, a twin
    assert _by_file(windows)[WJX.name][:2] == ("ingested", 12)
    assert len(windows_answers) == len(linux_answers) >= 60
    pd.testing.assert_frame_equal(
        windows_answers.reset_index(drop=True), linux_answers.reset_index(drop=True)
    )


def test_report_and_lists_without_resource_and_fcntl(batch: Path, shim: Path, tmp_path) -> None:
    import openpyxl

    outputs = {}
    for name, env in (("linux", None), ("windows", shim)):
        work = tmp_path / name
        work.mkdir()
        forms = [str(p) for p in sorted(batch.glob("表-*.xlsx"))[:20]]
        assert cli(["ingest", "--bank", BANK, "--store", "s.db", *forms], work, env).returncode == 0
        day = "--today", "2026-06-30"
        res = cli(["report", "--bank", BANK, "--store", "s.db", "-o", "报告"], work, env)
        assert res.returncode == 0, res.stderr
        res = cli(["lists", "--bank", BANK, "--store", "s.db", *day, "-o", "清单.xlsx"], work, env)
        assert res.returncode == 0, res.stderr
        book = openpyxl.load_workbook(work / "清单.xlsx")
        cells = [[c.value for c in row] for ws in book for row in ws.iter_rows()]
        (md,) = (work / "报告").glob("*.md")
        outputs[name] = (
            md.read_text(encoding="utf-8"),
            cells,
            sorted(p.name for p in (work / "报告").rglob("*")),
        )
    assert outputs["windows"] == outputs["linux"]


def test_a_worker_past_its_ceiling_costs_only_its_file(batch: Path, shim: Path, tmp_path) -> None:
    """As tests/test_hostile.py's ceiling test, without RLIMIT_AS: the watchdog ends the
    worker reading a sheet that needs more than 100 MiB; the small forms are read."""
    from surveytool.errors import problem
    from surveytool.ingest.table import KIND

    names = ("正常-0.xlsx", "接近上限.xlsx", "维度说谎.xlsx", "正常-1.xlsx")
    args = ["ingest", "--bank", BANK, "--store", "s.db", *(str(batch / n) for n in names)]
    res = cli(args, tmp_path, shim, SURVEYTOOL_READER_MIB="100")
    assert "有效答卷 2 份" in res.stdout, res.stdout + res.stderr
    for name in ("接近上限.xlsx", "维度说谎.xlsx"):
        expected = problem("file_too_big", file=name, kind=KIND, mib="100").message
        assert expected in res.stderr.splitlines(), res.stderr
    assert "Traceback" not in res.stderr


def test_a_hung_worker_costs_only_its_file(
    batch: Path, shim: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A reader stuck on a file (here: an audit hook in the workers' shim that sleeps when a
    file named 卡住 is opened) is ended at its time limit; the files before and after it are
    read, by workers without ``resource`` (they report a ceiling for the watchdog, which
    only a worker that cannot cap itself does)."""
    from surveytool.errors import problem
    from surveytool.ingest.options import ReadOptions
    from surveytool.ingest.read import Expected
    from surveytool.ingest.sandbox import SafeReader
    from surveytool.ingest.table import KIND, FileRejectedError, Table

    hang = tmp_path / "shim"
    hang.mkdir()
    (hang / "sitecustomize.py").write_text(SHIM + HANG, encoding="utf-8")
    pool.stop_all()  # idle workers started without the shim
    monkeypatch.setenv("PYTHONPATH", str(hang))
    monkeypatch.setenv(pool.ENV_READERS, "1")
    monkeypatch.setattr(pool, "BASE_SECONDS", 2)
    monkeypatch.setattr(pool, "START_SECONDS", 8)
    watched: list[int | None] = []
    real_watch = pool.watch
    monkeypatch.setattr(
        pool, "watch", lambda w, limit: (watched.append(limit), real_watch(w, limit))
    )
    stuck = tmp_path / "卡住.xlsx"
    shutil.copy(batch / "正常-2.xlsx", stuck)
    paths = [batch / "正常-0.xlsx", stuck, batch / "正常-1.xlsx"]
    bank = load_bank(BANK)
    try:
        with SafeReader(bank, Expected(bank), files=1) as reader:
            got = list(reader.read_all([(p, ReadOptions(), None, p.name) for p in paths]))
    finally:
        pool.stop_all()
    assert [k for k, _ in got] == [p.name for p in paths]
    assert isinstance(got[0][1], Table) and isinstance(got[2][1], Table)
    assert isinstance(got[1][1], FileRejectedError)
    seconds = pool.BASE_SECONDS
    expected = problem("file_reader_timeout", file=stuck.name, kind=KIND, seconds=seconds)
    assert [p.message for p in got[1][1].problems] == [expected.message]
    assert watched and all(limit for limit in watched)


# --- a file held open by Word, Excel or WPS (issue 21, item 2) -----------------------------


def held_open(monkeypatch: pytest.MonkeyPatch, *names: str) -> None:
    """Replacing an existing file named one of ``names`` fails as on Windows while Word,
    Excel or WPS has it open (WinError 32, a sharing violation, is a PermissionError)."""
    replace = Path.replace

    def refuse(self: Path, target):
        if Path(target).name in names and Path(target).exists():
            raise PermissionError(13, "另一个程序正在使用此文件，进程无法访问。", str(target))
        return replace(self, target)

    monkeypatch.setattr(Path, "replace", refuse)


@pytest.fixture(scope="module")
def store(tmp_path_factory) -> Path:
    from surveytool.ingest import ingest

    from webtools import FORMS

    path = tmp_path_factory.mktemp("held") / "s.db"
    ingest(FORMS, load_bank(BANK), path)
    return path


CASES = {
    # command -> the file it writes that a user has open
    "report": (["report", "--bank", BANK, "--store", "{db}", "-o", "{out}"], "*.docx"),
    "lists": (
        ["lists", "--bank", BANK, "--store", "{db}", "-o", "{out}/三张清单.xlsx"],
        "三张清单.xlsx",
    ),
    "xlsx": (
        ["responses", "--bank", BANK, "--store", "{db}", "-o", "{out}/全部答卷.xlsx"],
        "全部答卷.xlsx",
    ),
    "csv": (
        ["responses", "--bank", BANK, "--store", "{db}", "-o", "{out}/全部答卷.csv"],
        "全部答卷.csv",
    ),
    "sav": (
        ["responses", "--bank", BANK, "--store", "{db}", "-o", "{out}/全部答卷.sav"],
        "全部答卷.sav",
    ),
    "form": (["form", BANK, "-o", "{out}/问卷.xlsx"], "问卷.xlsx"),
}


@pytest.mark.parametrize("case", CASES)
def test_a_file_held_open_is_said_and_kept(
    case: str, store: Path, tmp_path: Path, monkeypatch, capsys
) -> None:
    from surveytool.atomic import in_use
    from surveytool.cli import main

    args, pattern = CASES[case]
    args = [a.format(db=store, out=tmp_path / "out") for a in args]
    assert main(args) == 0, capsys.readouterr().err
    (target,) = (tmp_path / "out").glob(pattern)
    before = target.read_bytes()
    capsys.readouterr()
    held_open(monkeypatch, target.name)
    assert main(args) == 1
    err = capsys.readouterr().err
    assert err.splitlines()[-1] == in_use(target).message
    assert f"{target.name} 正在被其他程序（如 " in err and "打开，请关闭后重试" in err
    assert target.read_bytes() == before
    assert not list(target.parent.glob(".~*"))  # no temporary file left behind


def test_the_web_app_says_the_same_in_json(tmp_path: Path, monkeypatch) -> None:
    from test_web import upload

    from surveytool.atomic import in_use

    from webtools import FORMS, campaign_site, client_for

    site = campaign_site(tmp_path / "调研")
    client, tok = client_for(site)
    assert upload(client, tok, FORMS).status_code == 200
    r = client.post(f"/api/report?bank={BANK}", headers={"X-CSRF-Token": tok})
    assert r.status_code == 200, r.get_json()
    (docx,) = site.root.rglob("*.docx")
    before = docx.read_bytes()
    held_open(monkeypatch, docx.name)
    r = client.post(f"/api/report?bank={BANK}", headers={"X-CSRF-Token": tok})
    assert r.status_code == 400  # a failed job, as for any of our messages
    assert r.get_json()["message"] == in_use(docx).message
    assert docx.read_bytes() == before


def test_a_worker_that_never_listens_costs_only_its_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A worker that exits before it listens (here: at start-up, from its sitecustomize)
    gives a closed connection: each file is rejected as a crashed reader, nothing hangs."""
    from surveytool.errors import problem
    from surveytool.ingest.options import ReadOptions
    from surveytool.ingest.read import Expected
    from surveytool.ingest.sandbox import SafeReader
    from surveytool.ingest.table import KIND, FileRejectedError

    dead = tmp_path / "shim"
    dead.mkdir()
    (dead / "sitecustomize.py").write_text("import os\nos._exit(3)\n", encoding="utf-8")
    pool.stop_all()
    monkeypatch.setenv("PYTHONPATH", str(dead))
    monkeypatch.setenv(pool.ENV_READERS, "1")
    bank = load_bank(BANK)
    paths = [tmp_path / "a.xlsx", tmp_path / "b.xlsx"]
    for p in paths:
        FormFiller(bank).fill({}, p)
    try:
        with SafeReader(bank, Expected(bank), files=1) as reader:
            got = list(reader.read_all([(p, ReadOptions(), None, p.name) for p in paths]))
    finally:
        pool.stop_all()
    detail = "文件可能已损坏或内容异常"
    for (key, outcome), p in zip(got, paths, strict=True):
        assert key == p.name and isinstance(outcome, FileRejectedError)
        expected = problem("file_reader_crashed", file=p.name, kind=KIND, detail=detail)
        assert [x.message for x in outcome.problems] == [expected.message]


WEB_UPLOAD = """
import json, sys
from pathlib import Path
from test_web import upload
from webtools import FORMS, campaign_site, client_for
from hostile import zip_bomb
site = campaign_site(Path(sys.argv[1]))
client, tok = client_for(site)
bomb = zip_bomb(FORMS[0], Path(sys.argv[1]).parent)
r = upload(client, tok, [*FORMS, bomb])
print(json.dumps({"status": r.status_code, "json": r.get_json()}, ensure_ascii=False))
"""


def _web_upload(tmp: Path, shim: Path | None) -> dict:
    tmp.mkdir()
    res = subprocess.run(
        [sys.executable, "-c", WEB_UPLOAD, str(tmp / "调研")],
        env=env_for(shim),
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert res.returncode == 0, res.stderr
    return json.loads(res.stdout.splitlines()[-1])


def _without_paths(value):
    """The upload's answer with what differs between two runs (times, paths, ids) left out."""
    if isinstance(value, dict):
        skip = ("time", "url", "path", "store", "id", "job", "seconds", "saved", "rejects")
        return {k: _without_paths(v) for k, v in value.items() if not k.startswith(skip)}
    if isinstance(value, list):
        return [_without_paths(v) for v in value]
    return value


def test_the_web_upload_is_the_same_without_resource_and_fcntl(shim: Path, tmp_path) -> None:
    """The web app's upload, run by a server process (and its workers) without ``resource``
    and ``fcntl``: the three sample forms accepted, the zip bomb refused, as on Linux."""
    linux = _web_upload(tmp_path / "linux", None)
    windows = _web_upload(tmp_path / "windows", shim)
    assert linux["status"] == windows["status"] == 200, windows
    assert _without_paths(windows["json"]) == _without_paths(linux["json"])
    text = json.dumps(windows["json"], ensure_ascii=False)
    assert "疑似压缩炸弹" in text
