"""HTTP-level tests of every page and API route of ``surveytool serve`` (loopback mode):
the happy path, and bad input — a wrong bank, a hostile file, an oversize upload, a .docx
instead of a form — answered with the catalogue's Chinese message and nothing stored."""

from __future__ import annotations

import io
import json
import re
import time
from hashlib import sha256
from pathlib import Path
from urllib.parse import quote

import pytest
from hostile import zip_bomb

from surveytool.bank import load_bank
from surveytool.bank.build import suggest
from surveytool.errors import problem, web_text
from surveytool.followup.status import coverage, milestones
from surveytool.store import load_answers
from surveytool.web import Site
from surveytool.web.uploads import read_log

from webtools import BANK, FORMS, campaign_site, client_for, token


def upload(client, tok, files, bank=BANK, wave="首轮", extra=""):
    """POST /api/ingest with ``files`` (path, or (name, bytes)) and wait for the result."""
    parts = [
        (io.BytesIO(f[1]), f[0]) if isinstance(f, tuple) else (f.open("rb"), f.name) for f in files
    ]
    return client.post(
        f"/api/ingest?bank={bank}&wave={wave}{extra}",
        data={"files": parts},
        headers={"X-CSRF-Token": tok},
    )


def inbox(site: Site) -> list[Path]:
    folder = site.root / "收件箱"
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


def answers(site: Site) -> int:
    store = site.root / "选题1.db"
    return len(load_answers(store, load_bank(BANK))) if store.exists() else 0


@pytest.fixture
def web(tmp_path):
    site = campaign_site(tmp_path / "调研")
    client, tok = client_for(site)
    return site, client, tok


@pytest.fixture(scope="module")
def loaded(tmp_path_factory):
    """A campaign with the three sample forms ingested (read-only tests share it)."""
    site = campaign_site(tmp_path_factory.mktemp("loaded") / "调研")
    client, tok = client_for(site)
    r = upload(client, tok, FORMS)
    assert r.status_code == 200, r.get_json()
    return site, client, tok


# --- first run -----------------------------------------------------------------------------


def test_first_run_page_creates_the_campaign(tmp_path):
    site = Site(tmp_path / "新文件夹")
    client, tok = client_for(site)
    page = client.get("/").get_data(as_text=True)
    assert "开始使用" in page and "创建调研计划" in page
    r = client.post("/setup", data={"csrf_token": tok})
    assert r.status_code == 302
    assert (site.root / "campaign.yaml").is_file()
    page = client.get("/").get_data(as_text=True)
    assert "青年科技工作者减负" in page and "大企业孵化器" in page


def test_first_run_without_token_creates_nothing(tmp_path):
    site = Site(tmp_path / "新文件夹")
    client, _ = client_for(site)
    r = client.post("/setup")
    assert r.status_code == 403
    assert problem("web_csrf").message in r.get_data(as_text=True)
    assert not (site.root / "campaign.yaml").exists()


def test_api_before_a_campaign_says_how_to_make_one(tmp_path):
    site = Site(tmp_path / "空")
    client, tok = client_for(site)
    r = upload(client, tok, FORMS[:1])
    assert r.status_code == 409
    want = problem("web_no_campaign", folder=str(site.root)).message
    assert r.get_json()["message"] == web_text(want)  # the web says no command


# --- banks, status -------------------------------------------------------------------------


def test_banks_lists_the_campaign_banks(web):
    _, client, _ = web
    banks = client.get("/api/banks").get_json()
    assert len(banks) == 8
    first = banks[0]
    assert first == {
        "id": BANK,
        "title": load_bank(BANK).title,
        "version": load_bank(BANK).version,
        "topic": 1,
    }


def test_banks_before_a_campaign_are_the_built_in_ones(tmp_path):
    client, _ = client_for(Site(tmp_path / "空"))
    ids = {b["id"] for b in client.get("/api/banks").get_json()}
    assert BANK in ids and len(ids) == 8


def test_status_is_the_status_json_content(loaded):
    site, client, _ = loaded
    got = client.get("/api/status").get_json()
    campaign = site.campaign()
    from surveytool.analysis.run import records

    want = {"coverage": records(coverage(campaign)), "milestones": records(milestones(campaign))}
    assert {k: got[k] for k in want} == json.loads(json.dumps(want))
    assert got["stale"] is False and got["as_of"] <= time.time()
    row = next(r for r in got["coverage"] if r["unit"] == "广西科技大学")
    assert row["received"] == 1 and row["topic"] == 1


# --- ingest --------------------------------------------------------------------------------


def test_three_forms_accepted_then_not_doubled(web):
    site, client, tok = web
    r = upload(client, tok, FORMS)
    body = r.get_json()
    assert r.status_code == 200
    assert (body["accepted"], body["rejected"], body["duplicates"]) == (3, 0, 0)
    assert [f["name"] for f in body["files"]] == [f.name for f in FORMS]
    assert {f["status"] for f in body["files"]} == {"ingested"}
    assert body["rejects_url"] is None
    assert answers(site) == 3
    again = upload(client, tok, FORMS).get_json()
    assert again["accepted"] == 0 and again["already_ingested"] == 3
    assert answers(site) == 3
    assert len([p for p in inbox(site) if p.suffix == ".xlsx"]) == 3  # repeats not kept
    log = [r for r in read_log(site.upload_log) if r["文件名"] == "问卷-001.xlsx"]
    assert [r["结果"][:6] for r in log] == ["已回收过，跳", "已回收：有效"]  # newest first
    assert log[0]["sha256"] == log[1]["sha256"] == sha256(FORMS[0].read_bytes()).hexdigest()


def test_wrong_bank_is_404_with_the_banks_there_are(web):
    site, client, tok = web
    r = upload(client, tok, FORMS[:1], bank="young_researcher")
    assert r.status_code == 404
    ids = [b["id"] for b in client.get("/api/banks").get_json()]
    want = problem(
        "web_unknown_bank",
        value="young_researcher",
        hint=suggest("young_researcher", ids),
        banks="、".join(ids),
    )
    assert r.get_json()["message"] == want.message
    assert inbox(site) == [] and answers(site) == 0


def test_docx_instead_of_a_form_is_refused_and_not_kept(web):
    site, client, tok = web
    r = upload(client, tok, [("调研报告.docx", b"PK\x03\x04 not a form")])
    assert r.status_code == 400
    want = problem("web_bad_suffix", file="调研报告.docx", kind="文件", suffix=".docx")
    assert r.get_json()["message"] == want.message
    assert r.get_json()["files"][0]["status"] == "refused"
    assert inbox(site) == [] and not (site.root / "选题1.db").exists()
    assert "拒收" in (site.root / "上传记录.csv").read_text(encoding="utf-8-sig")


def test_docx_beside_good_forms_is_refused_alone(web):
    site, client, tok = web
    body = upload(client, tok, [*FORMS[:2], ("说明.docx", b"x")]).get_json()
    assert body["accepted"] == 2 and body["failed"] == 1
    assert body["files"][-1]["name"] == "说明.docx" and body["files"][-1]["status"] == "refused"
    assert answers(site) == 2


def test_hostile_file_is_reported_and_nothing_stored(web, tmp_path):
    site, client, tok = web
    bomb = zip_bomb(FORMS[0], tmp_path)
    body = upload(client, tok, [bomb]).get_json()
    f = body["files"][0]
    assert f["status"] == "failed" and f["name"] == bomb.name
    assert f["problems"] and bomb.name in f["problems"][0]
    assert all("\u4e00" <= ch <= "\u9fff" for ch in f["problems"][0][:2])  # Chinese
    assert answers(site) == 0 and inbox(site) == []


def test_oversize_upload_is_413_and_nothing_kept(tmp_path):
    site = campaign_site(tmp_path / "调研", max_upload_mb=1)
    client, tok = client_for(site)
    r = upload(client, tok, [("大.csv", b"A1\n" + b"1\n" * 600_000)])
    assert r.status_code == 413
    assert r.get_json()["message"] == web_text(problem("web_too_large", mb=1).message)
    assert inbox(site) == []


def test_no_files_and_bad_wave_and_bad_source(web):
    _, client, tok = web
    r = client.post(f"/api/ingest?bank={BANK}", headers={"X-CSRF-Token": tok})
    assert r.status_code == 400
    assert r.get_json()["message"] == problem("web_no_files").message
    r = upload(client, tok, FORMS[:1], wave="a/b")
    assert r.get_json()["message"] == problem("web_bad_wave", value="a/b").message
    r = upload(client, tok, FORMS[:1], extra="&source=excel")
    want = problem(
        "web_bad_choice",
        what="文件来源",
        value="excel",
        choices="auto、table、wjx、tencent、kobo、sav",
    )
    assert r.status_code == 400 and r.get_json()["message"] == want.message


def test_rejected_rows_are_shown_with_reasons_and_the_workbook(web):
    _site, client, tok = web
    body = upload(client, tok, [("单位A.csv", b"A1,A2\n9,2\n")]).get_json()
    f = body["files"][0]
    assert f["rejected"] == 1 and body["rejects_url"]
    assert f["problems"][0].startswith("第 2 行未通过：返回表 单位A.csv，工作表“CSV”")
    r = client.get(body["rejects_url"])
    assert r.status_code == 200 and r.data[:2] == b"PK"
    from openpyxl import load_workbook

    ws = load_workbook(io.BytesIO(r.data)).worksheets[0]
    assert ws["A2"].value == "单位A.csv" and "单位A.csv" in ws["D2"].value
    assert client.get("/files/1/rejects/..%2Fcampaign.yaml").status_code == 404
    assert client.get("/files/1/rejects/campaign.yaml").status_code == 404


def test_async_ingest_is_a_job_polled_to_the_end(web):
    _, client, tok = web
    r = upload(client, tok, FORMS[:1], extra="&async=1")
    assert r.status_code == 202
    url = r.get_json()["status_url"]
    for _ in range(120):
        state = client.get(url).get_json()
        if state["state"] in ("done", "failed"):
            break
        time.sleep(0.5)
    assert state["state"] == "done" and state["result"]["accepted"] == 1
    assert state["done"] == state["total"] == 1
    r = client.get("/api/jobs/nope")
    assert r.status_code == 404
    assert r.get_json()["message"] == problem("web_unknown_job", value="nope").message


# --- pages ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "text"),
    [
        ("/", "时间节点"),
        ("/topic/1", "上传回收的问卷"),
        ("/topic/1/analysis", "调研报告初稿"),
        ("/topic/1/lists", "生成三张清单"),
    ],
)
def test_pages(loaded, path, text):
    _, client, _ = loaded
    r = client.get(path)
    assert r.status_code == 200
    assert text in r.get_data(as_text=True)


def test_overview_shows_returns_against_targets(loaded):
    _, client, _ = loaded
    page = client.get("/").get_data(as_text=True)
    assert "目标单位共回收有效答卷 <strong>2</strong> 份" in page  # the third: 其他
    assert "1 / 60" in page


def test_unknown_topic_and_route_are_chinese_404s(loaded):
    _site, client, _ = loaded
    r = client.get("/topic/99")
    assert r.status_code == 404
    topics = "、".join(str(n) for n in range(1, 9))
    assert problem("web_unknown_topic", value="99", topics=topics).message in r.get_data(
        as_text=True
    )
    r = client.get("/api/nothing")
    assert r.status_code == 404
    assert r.get_json()["message"] == problem("web_not_found", path="/api/nothing").message
    r = client.get("/api/ingest")
    assert r.status_code == 405


@pytest.mark.parametrize("layout", ["respondent", "collection", "xlsform"])
def test_form_downloads(loaded, layout):
    _, client, _ = loaded
    r = client.get(f"/topic/1/form/{layout}")
    assert r.status_code == 200 and r.data[:2] == b"PK"
    assert "attachment" in r.headers["Content-Disposition"]


def test_bad_form_layout(loaded):
    _, client, _ = loaded
    r = client.get("/topic/1/form/pdf")
    assert r.status_code == 400
    want = problem(
        "web_bad_choice", what="表格样式", value="pdf", choices="respondent、collection、xlsform"
    )
    assert want.message in r.get_data(as_text=True)


def test_host_header_of_another_site_is_refused(loaded):
    _, client, _ = loaded
    r = client.get("/api/status", headers={"Host": "evil.example:8765"})
    assert r.status_code == 403
    want = problem("web_bad_host", host="evil.example:8765", port=8765)
    assert r.get_json()["message"] == want.message


# --- report, analysis, waves ---------------------------------------------------------------


def test_report_generated_and_downloaded(loaded):
    _, client, tok = loaded
    r = client.get(f"/api/report?bank={BANK}&format=docx")
    if r.status_code == 404:  # not yet generated in this module
        assert r.get_json()["message"] == problem("web_no_report", topic=1, format="docx").message
    r = client.post(f"/api/report?bank={BANK}", headers={"X-CSRF-Token": tok})
    assert r.status_code == 200, r.get_json()
    assert set(r.get_json()) == {"docx", "html", "md", "pptx"}
    docx = client.get(f"/api/report?bank={BANK}&format=docx")
    assert docx.status_code == 200 and docx.data[:2] == b"PK"
    html = client.get(f"/api/report?bank={BANK}&format=html").get_data(as_text=True)
    assert "调查基本情况" in html
    md = client.get(f"/api/report?bank={BANK}&format=md")
    assert md.status_code == 200 and "调查基本情况" in md.get_data(as_text=True)
    slides = client.get(f"/api/report?bank={BANK}&format=pptx")
    assert slides.status_code == 200 and slides.data[:2] == b"PK"
    assert quote("成果交流.pptx") in slides.headers["Content-Disposition"]
    page = client.get("/topic/1/analysis").get_data(as_text=True)
    assert "Word (.docx)" in page and "主要统计表" in page and "A1 您的性别" in page
    assert "成果交流演示文稿 (.pptx)" in page


def test_report_bad_format_and_bank(loaded):
    _, client, _ = loaded
    r = client.get(f"/api/report?bank={BANK}&format=pdf")
    assert r.status_code == 400
    want = problem("web_bad_choice", what="报告格式", value="pdf", choices="docx、html、md、pptx")
    assert r.get_json()["message"] == want.message
    assert client.get("/api/report?bank=nope&format=docx").status_code == 404


def test_analysis_and_compare_jobs_from_the_page(loaded):
    _, client, tok = loaded
    r = client.post("/topic/1/analysis", data={"csrf_token": tok})
    assert r.status_code == 302 and "job=" in r.headers["Location"]
    job = r.headers["Location"].split("job=")[1]
    state = wait(client, job)
    assert state["state"] == "done" and state["result"]["n"] == 3
    # three answers: alpha is listed, not judged (as in the report's appendix)
    page = client.get("/topic/1/analysis").get_data(as_text=True)
    reliability = page.split("量表信度")[1].split("</table>")[0]
    assert "完整作答不足 30 人，不作评价" in reliability
    assert not any(word in reliability for word in ("良好", "可接受", "偏低"))
    r = client.post(
        "/topic/1/compare", data={"csrf_token": tok, "wave_a": "首轮", "wave_b": "回访"}
    )
    state = wait(client, r.headers["Location"].split("job=")[1])
    assert state["state"] == "failed"
    want = problem("empty_wave", wave="回访", store="选题1.db").message
    assert state["messages"] == [web_text(want)]  # as the web says it (no file, no option)


def wait(client, job: str) -> dict:
    for _ in range(600):
        state = client.get(f"/api/jobs/{job}").get_json()
        if state["state"] in ("done", "failed"):
            return state
        time.sleep(0.2)
    raise AssertionError("job did not finish")


# --- mapping step, lists -------------------------------------------------------------------


def test_platform_export_mapping_confirmed_then_ingested(web):
    _site, client, tok = web
    wjx = next((FORMS[0].parent.parent).glob("*_按文本_*.xlsx"))
    r = client.post(
        "/topic/1/mapping", data={"csrf_token": tok, "files": (wjx.open("rb"), wjx.name)}
    )
    page = r.get_data(as_text=True)
    assert r.status_code == 200 and "确认对应并回收" in page and "1、您的性别" in page
    action = page.split('action="/topic/1/mapping/')[1].split('"')[0]
    r = client.post(
        f"/topic/1/mapping/{action}", data={"csrf_token": tok, "wave": "首轮", "q0": "A1"}
    )
    state = wait(client, r.headers["Location"].split("job=")[1])
    assert state["state"] == "done", state
    assert state["result"]["accepted"] == 12 and state["result"]["files"][0]["name"] == wjx.name
    r = client.post(f"/topic/1/mapping/{action}", data={"csrf_token": tok, "q0": "ZZ9"})
    assert r.status_code == 400
    r = client.post("/topic/1/mapping/..%2F..%2Fcampaign.yaml", data={"csrf_token": tok})
    assert r.status_code == 404


def test_lists_generated_downloaded_and_edited_workbook_uploaded(loaded, tmp_path):
    _site, client, tok = loaded
    assert client.get("/files/1/lists").status_code == 404
    r = client.post("/topic/1/lists", data={"csrf_token": tok})
    state = wait(client, r.headers["Location"].split("job=")[1])
    assert state["state"] == "done", state
    r = client.get("/files/1/lists")
    assert r.status_code == 200 and r.data[:2] == b"PK"
    r = client.post(
        "/topic/1/lists/upload",
        data={"csrf_token": tok, "files": (io.BytesIO(r.data), "改过的清单.xlsx")},
    )
    assert r.status_code == 302
    wait(client, r.headers["Location"].split("job=")[1])
    assert "销号进展" in client.get("/topic/1/lists").get_data(as_text=True)
    bad = client.post(
        "/topic/1/lists/upload",
        data={"csrf_token": tok, "files": (FORMS[0].open("rb"), "不是清单.xlsx")},
    )
    assert bad.status_code == 400
    want = problem("lists_unreadable", path="不是清单.xlsx", detail="缺少工作表“问题清单”")
    assert web_text(want.message) in bad.get_data(as_text=True)
    assert token(client)  # the session is intact


def test_messages_name_other_files_by_their_sent_names(web):
    _, client, tok = web
    body = upload(client, tok, [FORMS[0], ("副本.xlsx", FORMS[0].read_bytes())]).get_json()
    copy = body["files"][1]
    assert copy["name"] == "副本.xlsx" and copy["status"] == "known"
    assert "问卷-001.xlsx" in copy["problems"][0]
    assert not re.search(r"\d{8}-\d{6}-[0-9a-f]{12}", json.dumps(body, ensure_ascii=False))


def test_second_upload_while_one_runs_is_queued_not_lost(web):
    site, client, tok = web
    a = upload(client, tok, FORMS[:2], extra="&async=1").get_json()["job"]
    b = upload(client, tok, FORMS[2:], extra="&async=1").get_json()["job"]
    assert client.get(f"/api/jobs/{b}").get_json()["state"] in ("queued", "running", "done")
    assert client.get("/").status_code == 200  # pages answer meanwhile
    done = [wait(client, job)["result"] for job in (a, b)]
    assert [r["accepted"] for r in done] == [2, 1]
    assert answers(site) == 3


def test_mapping_of_a_file_that_is_no_platform_export(web):
    site, client, tok = web
    r = client.post(
        "/topic/1/mapping", data={"csrf_token": tok, "files": (FORMS[0].open("rb"), "表.xlsx")}
    )
    assert r.status_code == 400
    want = problem("not_a_platform_export", file="表.xlsx", kind="文件")
    assert web_text(want.message) in r.get_data(as_text=True)
    assert inbox(site) == []
