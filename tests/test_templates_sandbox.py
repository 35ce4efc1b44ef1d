"""User templates (issue 13, item 15): `report --templates` renders in jinja2's sandbox. The
issue's payload no longer runs, a template cannot read files through data_uri, and our own
templates (and a user's copy of them) still render."""

from __future__ import annotations

import shutil
from importlib import resources
from pathlib import Path

import pytest

from surveytool.analysis import Survey, analyse
from surveytool.errors import UsageError, problem
from surveytool.forms.fill import FormFiller
from surveytool.ingest import ingest, load_answers
from surveytool.report.context import build_context
from surveytool.report.render import render
from surveytool.store.answers import collection_summary

from conftest import GOOD

PAYLOAD = "{{ cycler.__init__.__globals__.os.popen('echo PWNED-$((6*7))').read() }}"


@pytest.fixture
def ctx(tmp_path: Path, ingest_bank) -> dict:
    filler = FormFiller(ingest_bank)
    for i in range(6):
        filler.fill({**GOOD, "B3": 30 + i}, tmp_path / "in" / f"{i}.xlsx")
    store = tmp_path / "s.db"
    assert ingest([tmp_path / "in"], ingest_bank, store).total("accepted") == 6
    s = Survey(load_answers(store, ingest_bank), ingest_bank)
    return build_context(s, analyse(s), collection_summary(store, ingest_bank), tmp_path / "out")


def user_folder(tmp_path: Path, first_line: str) -> Path:
    """A copy of our templates with ``first_line`` put on top of each (line 1)."""
    folder = tmp_path / "我的模板"
    folder.mkdir()
    for kind in ("html", "md"):
        ours = resources.files("surveytool.report").joinpath("templates", f"report.{kind}.j2")
        (folder / f"report.{kind}.j2").write_text(
            first_line + "\n" + ours.read_text("utf-8"), encoding="utf-8"
        )
    return folder


def test_the_payload_does_not_run(ctx: dict, tmp_path: Path) -> None:
    folder = user_folder(tmp_path, PAYLOAD)
    with pytest.raises(UsageError) as info:
        render(ctx, tmp_path / "out", ("md",), folder)
    where = {"file": str(folder / "report.md.j2"), "line": 1, "kind": "模板"}
    expected = problem("template_unsafe", **where, detail="访问程序内部的属性或方法")
    assert str(info.value) == expected.message
    assert not (tmp_path / "out" / "report.md").exists()


def test_data_uri_reads_only_this_reports_charts(ctx: dict, tmp_path: Path) -> None:
    secret = tmp_path / "secret.png"
    secret.write_bytes(b"\x89PNG not a chart of this report")
    folder = user_folder(tmp_path, f'<img src="{{{{ "{secret}" | data_uri }}}}">')
    with pytest.raises(UsageError) as info:
        render(ctx, tmp_path / "out", ("html",), folder)
    where = {"file": str(folder / "report.html.j2"), "line": 1, "kind": "模板"}
    detail = f"读取报告图表以外的文件“{secret}”"
    assert str(info.value) == problem("template_unsafe", **where, detail=detail).message


def test_our_templates_and_a_users_copy_still_render(ctx: dict, tmp_path: Path) -> None:
    out = render(ctx, tmp_path / "out", ("html", "md"))  # where the context put its charts
    html, md = (out[k].read_text("utf-8") for k in ("html", "md"))
    assert html.count("data:image/png;base64,") == len(
        list((tmp_path / "out" / "charts").glob("*.png"))
    )
    folder = user_folder(tmp_path, "<!-- 本局模板 -->")
    mine = render(ctx, tmp_path / "out", ("html", "md"), folder)
    assert mine["html"].read_text("utf-8") == "<!-- 本局模板 -->\n" + html
    assert mine["md"].read_text("utf-8") == "<!-- 本局模板 -->\n" + md


def test_a_broken_user_template_is_a_located_message(ctx: dict, tmp_path: Path) -> None:
    folder = user_folder(tmp_path, "{{ 没有这个变量 }}")
    with pytest.raises(UsageError) as info:
        render(ctx, tmp_path / "out", ("md",), folder)
    where = {"file": str(folder / "report.md.j2"), "line": 1, "kind": "模板"}
    assert str(info.value) == problem("template_undefined", **where, name="没有这个变量").message
    shutil.rmtree(folder)
    folder = user_folder(tmp_path, "{% if %}")
    with pytest.raises(UsageError) as info:
        render(ctx, tmp_path / "out", ("md",), folder)
    assert str(info.value) == problem("template_syntax", **where).message
