"""The web app in headless Chromium (Debian's chromium + chromium-driver, driven by
Selenium; skipped without them): three forms uploaded through the page and their result
seen; the report generated and downloaded from the page; the pages at 1280 and 390 px wide
without sideways scrolling. With SURVEYTOOL_SCREENSHOTS=DIR the screenshots are kept there.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from webtools import FORMS, campaign_site, chrome, need_chromium, running, screenshot

WAIT = 180  # seconds: a report on two shared cores


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    need_chromium()
    site = campaign_site(tmp_path_factory.mktemp("browser") / "调研")
    with running(site) as url:
        yield site, url


def wait_for(driver, find, seconds: float = WAIT):
    """Poll ``find(driver)`` until it returns something truthy."""
    from selenium.common.exceptions import WebDriverException

    end = time.monotonic() + seconds
    while time.monotonic() < end:
        try:
            found = find(driver)
        except WebDriverException:
            found = None
        if found:
            return found
        time.sleep(0.3)
    raise AssertionError(f"等待超时：{driver.current_url}\n{driver.page_source[-2000:]}")


def open_page(driver, url: str, text: str, seconds: float = 60) -> None:
    """Open ``url`` and wait until the page shows ``text``; the page is asked for again
    every 10 s (headless Chromium on two loaded cores once handed back an empty page)."""
    end = time.monotonic() + seconds
    while True:
        driver.get(url)
        asked = time.monotonic()
        while time.monotonic() - asked < 10:
            if text in driver.page_source:
                return
            time.sleep(0.3)
        if time.monotonic() > end:
            raise AssertionError(f"页面没有显示“{text}”：{url}\n{driver.page_source[-2000:]}")


def by_css(css: str, shown: bool = True):
    """A finder of the first element matching ``css`` (that is displayed, when ``shown``)."""
    from selenium.webdriver.common.by import By

    def find(driver):
        found = driver.find_elements(By.CSS_SELECTOR, css)
        return found[0] if found and (found[0].is_displayed() or not shown) else None

    return find


def test_upload_three_forms_through_the_page(server):
    site, url = server
    with chrome() as driver:
        open_page(driver, f"{url}/topic/1", "上传回收的问卷")
        files = by_css("#files", shown=False)(driver)  # transparent, over the drop area
        files.send_keys("\n".join(str(f) for f in FORMS))
        assert "已选择 3 个文件" in by_css("#chosen")(driver).text
        by_css("#send")(driver).click()
        summary = wait_for(driver, by_css("#summary"))
        assert summary.text.startswith("有效答卷 3 份，未通过 0 份，重复 0 份")
        table = by_css("table.results")(driver).text
        for f in FORMS:
            assert f.name in table
        assert table.count("已回收") == 3
    assert len(list(site.inbox(site.topic(1)).glob("*.xlsx"))) == 3


def _forms_stored(site) -> None:
    """The three forms in topic 1's store: uploaded by the test above when it ran first;
    ingested here when this test runs alone (``-k report``), so it needs no other test."""
    from surveytool.ingest import ingest
    from surveytool.store import load_answers

    t = site.topic(1)
    bank = site.bank(t)
    if not site.store(t).exists() or not len(load_answers(site.store(t), bank)):
        ingest(FORMS, bank, site.store(t))


def test_generate_and_download_the_report(server, tmp_path):
    site, url = server
    _forms_stored(site)
    downloads = tmp_path / "下载"
    downloads.mkdir()
    with chrome() as driver:
        driver.execute_cdp_cmd(
            "Browser.setDownloadBehavior", {"behavior": "allow", "downloadPath": str(downloads)}
        )
        open_page(driver, f"{url}/topic/1/analysis", "分析与报告：")
        if "Word (.docx)" not in driver.page_source:  # generated here unless already there
            by_css("#make-report")(driver).click()
            wait_for(
                driver, lambda d: "job=" not in d.current_url and "Word (.docx)" in d.page_source
            )
        assert "主要统计表" in driver.page_source and "A1 您的性别" in driver.page_source
        from selenium.webdriver.common.by import By

        driver.find_element(By.PARTIAL_LINK_TEXT, "Word (.docx)").click()
        docx = wait_for(
            driver, lambda d: [p for p in downloads.glob("*.docx") if p.stat().st_size], 60
        )
    assert docx[0].name == "young_researchers-调研报告初稿.docx"
    assert docx[0].read_bytes()[:2] == b"PK"


@pytest.mark.parametrize("width", [1280, 390])
def test_pages_fit_the_width(server, width, tmp_path):
    _, url = server
    keep = os.environ.get("SURVEYTOOL_SCREENSHOTS")
    folder = Path(keep) if keep else tmp_path
    folder.mkdir(parents=True, exist_ok=True)
    with chrome(width) as driver:
        for name, path in (
            ("overview", "/"),
            ("topic", "/topic/1"),
            ("analysis", "/topic/1/analysis"),
            ("lists", "/topic/1/lists"),
        ):
            driver.get(url + path)
            wait_for(driver, by_css("main"))
            sideways = driver.execute_script(
                "return document.documentElement.scrollWidth - window.innerWidth"
            )
            assert sideways <= 1, f"{path} 在 {width} px 宽时需要左右滚动（多出 {sideways} px）"
            shot = screenshot(driver, folder / f"web-{name}-{width}.png", width)
            assert shot.stat().st_size > 10_000
