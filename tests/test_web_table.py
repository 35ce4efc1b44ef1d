"""Web 分析与报告: the table builder shows the same table as ``surveytool table`` and
downloads its .xlsx; the per-unit reports download as one .zip (an owner: every unit; a
liaison: their own unit's only)."""

from __future__ import annotations

import io
import zipfile

import markupsafe
import pytest
from openpyxl import load_workbook

from surveytool.analysis import Survey
from surveytool.analysis.table import crosstable
from surveytool.demo import write_returns
from surveytool.ingest import ingest
from surveytool.report.table_xlsx import sentences_of_tests
from surveytool.simulate import Simulator
from surveytool.store import load_answers
from surveytool.web import create_app

from webtools import campaign_site, login, with_users


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    folder = tmp_path_factory.mktemp("web")
    s = campaign_site(folder / "调研", host="0.0.0.0")
    with_users(s)
    t = s.topic(1)
    bank = s.bank(t)
    answers = [a for a in Simulator(bank, seed=7).respondents(220) if a.get("B2") != 6]
    ingest(write_returns(bank, answers, folder / "returns"), bank, s.store(t))
    return s


def _owner(site):
    client = create_app(site).test_client()
    login(client, "owner")
    return client


def test_the_page_shows_the_cli_table(site) -> None:
    client = _owner(site)
    page = client.get("/topic/1/table?row=B5&col=B3").get_data(as_text=True)
    t = site.topic(1)
    bank = site.bank(t)
    same = crosstable(Survey(load_answers(site.store(t), bank), bank), "B5", "B3")
    assert f"答卷 {same.n} 份" in page
    for c in same.to_dict()["cells"]:
        if c["n"] is not None:
            assert f"{c['n']}（{c['column_percent']:.1f}%）" in page
    for line in sentences_of_tests(same):
        assert str(markupsafe.escape(line)) in page  # as jinja2 escapes it


def test_the_xlsx_download_is_the_cli_xlsx(site, tmp_path) -> None:
    from surveytool.report.table_xlsx import write_table

    client = _owner(site)
    r = client.get("/topic/1/table.xlsx?row=B5&col=B3&where=B4+%3D%3D+1")
    assert r.status_code == 200
    got = list(load_workbook(io.BytesIO(r.data)).active.iter_rows(values_only=True))
    t = site.topic(1)
    bank = site.bank(t)
    from surveytool.analysis.subset import select

    s, _ = select(Survey(load_answers(site.store(t), bank), bank), "B4 == 1", 5)
    path = write_table(crosstable(s, "B5", "B3", where="B4 == 1"), tmp_path / "cli.xlsx")
    assert got == list(load_workbook(path).active.iter_rows(values_only=True))


def test_weighted_and_bad_requests(site) -> None:
    client = _owner(site)
    page = client.get("/topic/1/table?row=B5&col=B3&weighted=1").get_data(as_text=True)
    assert "按各单位人数加权" in page and "Rao–Scott" in page
    page = client.get("/topic/1/table?row=B5&where=B4+%3D%3D+99").get_data(as_text=True)
    assert "没有选出任何答卷" in page


def test_unit_reports_zip_owner_all_liaison_own(site) -> None:
    r = _owner(site).get("/files/1/unit-reports.zip")
    assert r.status_code == 200
    names = zipfile.ZipFile(io.BytesIO(r.data)).namelist()
    units = {n.split("/")[0] for n in names}
    assert len(units) >= 2 and all(n.endswith((".html", ".docx", ".png")) for n in names)
    liaison = create_app(site).test_client()
    login(liaison, "liaison")  # of 广西科技大学
    r = liaison.get("/files/1/unit-reports.zip")
    assert r.status_code == 200, r.get_data(as_text=True)
    z = zipfile.ZipFile(io.BytesIO(r.data))
    assert {n.split("/")[0] for n in z.namelist()} == {"广西科技大学"}
    html = z.read("广西科技大学/report.html").decode("utf-8")
    assert "广西大学" not in html and "柳州市人民医院" not in html
    assert liaison.get("/topic/1/table?row=B5").status_code == 403
