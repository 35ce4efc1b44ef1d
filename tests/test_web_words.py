"""The web app speaks to office staff (issue 22, item 14): the 三张清单 page without raw keys
or 「0.0」, no CLI commands in messages, questionnaires by title, no margin of error or α
from a handful of answers."""

from __future__ import annotations

import re
import time

import pytest

from surveytool.errors import MESSAGES, problem, web_text
from surveytool.followup.lists import make_lists

from webtools import FORMS, campaign_site, client_for


def _lists(site, n: int = 6) -> None:
    """A lists workbook for topic 1 with ``n`` problems (as 生成三张清单 writes it)."""
    t = site.topic(1)
    found = [
        {
            "key": f"item:X{i}",
            "title": f"问题{i}：60.0% 的受访者认同“某说法{i}”（n = 300）",
            "text": f"问题{i}：60.0% 的受访者认同“某说法{i}”（n = 300）",
            "phrase": f"问题{i}",
            "evidence": "300 名作答者中有 180 人（60.0%）选择“同意”或“非常同意”。",
            "wave": None,
            "near": False,
        }
        for i in range(n)
    ]
    site.lists(t).parent.mkdir(parents=True, exist_ok=True)
    make_lists(found, site.lists(t), "young_researchers")


def test_the_lists_page_has_chinese_headers_and_whole_percent_rates(tmp_path) -> None:
    site = campaign_site(tmp_path / "调研")
    _lists(site)
    client, _ = client_for(site)
    page = client.get("/topic/1/lists").get_data(as_text=True)
    assert "销号进展" in page and "责任单位" in page
    for raw in ("closed_rate", "due_soon", "overdue", ">total<", ">unit<"):
        assert raw not in page, raw
    shown = re.sub(r"<[^>]+>", " ", page.split("销号进展")[1])  # the text people see
    assert "0.0" not in shown, shown  # 销号率 0%, not 0.0
    assert "销号率" in page and "0%" in page


def _upload(client, tok, files) -> None:
    parts = [(f.open("rb"), f.name) for f in files]
    r = client.post(
        "/api/ingest?bank=young_researchers&wave=首轮",
        data={"files": parts},
        headers={"X-CSRF-Token": tok},
    )
    assert r.status_code == 200, r.get_data(as_text=True)[:500]


def _wait(client, job: str) -> dict:
    for _ in range(600):
        state = client.get(f"/api/jobs/{job}").get_json()
        if state["state"] in ("done", "failed"):
            return state
        time.sleep(0.2)
    raise AssertionError("job did not finish")


def test_overview_names_questionnaires_by_title_and_no_margin_from_one_answer(tmp_path) -> None:
    site = campaign_site(tmp_path / "调研")
    client, tok = client_for(site)
    _upload(client, tok, FORMS[:1])
    page = client.get("/").get_data(as_text=True)
    assert "题库 young_researchers" not in page
    assert "《青年科技工作者科研负担与创新环境调查问卷》" in page
    assert not re.search(r"±\d", page)  # one answer (and none elsewhere): no margin of error
    assert ".db" not in page


def test_the_analysis_page_prints_no_alpha_from_three_answers(tmp_path) -> None:
    site = campaign_site(tmp_path / "调研")
    client, tok = client_for(site)
    _upload(client, tok, FORMS)
    r = client.post("/topic/1/analysis", data={"csrf_token": tok})
    assert _wait(client, r.headers["Location"].split("job=")[1])["state"] == "done"
    page = client.get("/topic/1/analysis").get_data(as_text=True)
    reliability = page.split("量表信度")[1].split("</table>")[0]
    assert not re.search(r"0\.\d{3}", reliability), reliability  # no α = 0.962
    assert "完整作答不足 30 人，不作评价" in reliability
    assert "回答完全相同" not in reliability and "D1_6" not in reliability
    # a wave that is not there: said without the store's file name or an option
    r = client.post(
        "/topic/1/compare", data={"csrf_token": tok, "wave_a": "首轮", "wave_b": "回访"}
    )
    state = _wait(client, r.headers["Location"].split("job=")[1])
    assert state["state"] == "failed"
    assert ".db" not in state["messages"][0] and "--wave" not in state["messages"][0]


@pytest.mark.parametrize(
    "code",
    sorted(
        c
        for c, m in MESSAGES.items()
        if ("surveytool " in m or " --" in m or "（--" in m)
        and not c.startswith(("web_no_users", "web_port", "user_", "k_too", "wave_and"))
        and c not in {"population_lt_answers", "total_gt_population"}
    ),
)
def test_no_message_the_web_shows_asks_for_a_command(code: str) -> None:
    """Every catalogue message that can reach the web app (all but those of the CLI's own
    options and of starting the server) reads without a command or an option."""
    import string

    fields = {f for _, f, _, _ in string.Formatter().parse(MESSAGES[code]) if f}
    text = web_text(problem(code, **dict.fromkeys(fields, "甲")).message)
    assert "surveytool" not in text and not re.search(r"--[a-z]", text), text


def test_the_lists_page_fits_a_phone(tmp_path) -> None:
    """At 390 px the 三张清单 page with a progress table needs no sideways scrolling (its
    table scrolls inside its box). SURVEYTOOL_SCREENSHOTS=DIR keeps the screenshot."""
    import os
    from pathlib import Path

    from webtools import chrome, need_chromium, running, screenshot

    need_chromium()
    site = campaign_site(tmp_path / "调研")
    _lists(site)
    keep = os.environ.get("SURVEYTOOL_SCREENSHOTS")
    folder = Path(keep) if keep else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    with running(site) as url, chrome(390) as driver:
        driver.get(url + "/topic/1/lists")
        for _ in range(50):
            if "销号进展" in driver.page_source:
                break
            time.sleep(0.2)
        sideways = driver.execute_script(
            "return document.documentElement.scrollWidth - window.innerWidth"
        )
        shot = screenshot(driver, folder / "web-lists-390.png", 390)
    assert sideways <= 1, f"三张清单页在 390 px 宽时多出 {sideways} px"
    assert shot.stat().st_size > 10_000
