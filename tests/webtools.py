"""Helpers for the web app's tests: a campaign folder, the app's test client with its CSRF
token, a real server on a free loopback port, and headless Chromium (Debian's chromium
and chromium-driver; tests skip without them)."""

from __future__ import annotations

import re
import shutil
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from surveytool.followup.init import init_campaign
from surveytool.web import Site, create_app, make_server
from surveytool.web.auth import add_user

ROOT = Path(__file__).resolve().parent.parent
FORMS = sorted((ROOT / "samples" / "young_researchers" / "回收的问卷").glob("*.xlsx"))
BANK = "young_researchers"
CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"


def campaign_site(folder: Path, host: str = "127.0.0.1", **kw) -> Site:
    """A campaign folder made as the first-run page makes it (the seed's eight topics)."""
    init_campaign(folder, 2026)
    return Site(folder, host=host, **kw)


def token(client, path: str = "/") -> str:
    """The CSRF token of the client's session (read from a page, as a browser would)."""
    page = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)


def client_for(site: Site):
    """A test client and its CSRF token."""
    client = create_app(site).test_client()
    return client, token(client)


def with_users(site: Site) -> None:
    """An owner and a liaison of 广西科技大学 (password 'password-1' for both)."""
    add_user(site.users_file, "owner", "owner", None, "password-1")
    add_user(site.users_file, "liaison", "liaison", "广西科技大学", "password-1")


def login(client, name: str) -> str:
    """Log ``client`` in (intranet mode); returns its CSRF token."""
    r = client.post("/api/login", json={"name": name, "password": "password-1"})
    assert r.status_code == 200, r.get_json()
    return r.get_json()["csrf_token"]


@contextmanager
def running(site: Site) -> Iterator[str]:
    """The app served by waitress on a free port of 127.0.0.1; yields its base URL."""
    site.port = 0
    server = make_server(site)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.effective_port}"
    finally:
        server.close()


def need_chromium() -> None:
    if not (Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()):
        pytest.skip(
            "需要 Debian 的 chromium 和 chromium-driver（apt-get install chromium chromium-driver）"
        )
    pytest.importorskip("selenium")


@contextmanager
def chrome(width: int = 1280, height: int = 900, downloads: Path | None = None):
    """Headless Chromium driven by chromedriver, with a fresh profile; nothing downloaded."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    need_chromium()
    profile = tempfile.mkdtemp(prefix="surveytool-chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in (
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        f"--user-data-dir={profile}",
        f"--window-size={width},{height}",
        "--lang=zh-CN",
        "--no-proxy-server",  # pages on 127.0.0.1 only, whatever the environment says
    ):
        options.add_argument(flag)
    if downloads:
        options.add_experimental_option(
            "prefs",
            {"download.default_directory": str(downloads), "download.prompt_for_download": False},
        )
    driver = webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def screenshot(driver, path: Path, width: int) -> Path:
    """The whole page at ``width`` px (the window grown to the page's height)."""
    height = driver.execute_script("return document.documentElement.scrollHeight")
    driver.set_window_size(width, min(max(height, 600), 6000))
    driver.save_screenshot(str(path))
    return path
