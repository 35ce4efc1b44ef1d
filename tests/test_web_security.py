"""Intranet mode (any --host other than loopback): every page and API route refused before
login; a liaison sees their unit's coverage only and no analysis; a form post without the
CSRF token refused; a path-traversal file name lands only in the inbox; logins throttled;
accounts hashed with Argon2; session cookies HttpOnly and SameSite."""

from __future__ import annotations

import io
import subprocess
import sys

import pytest
from argon2 import PasswordHasher

from surveytool.errors import problem
from surveytool.web import create_app, make_server
from surveytool.web.auth import list_users
from surveytool.web.site import Site

from webtools import BANK, FORMS, campaign_site, login, token, with_users

HOST = "0.0.0.0"  # intranet mode (the tests never bind it: the app is driven in-process)


@pytest.fixture
def intranet(tmp_path):
    site = campaign_site(tmp_path / "调研", host=HOST)
    with_users(site)
    return site, create_app(site)


def example_path(rule) -> str:
    """A concrete URL for a routing rule (every converter given a plausible value)."""
    values = {"number": 1, "layout": "respondent", "name": "rejects-1.xlsx", "job_id": "x"}
    values |= {"token": "x.xlsx", "filename": "app.css"}
    path = rule.rule
    for arg in rule.arguments:
        path = path.replace(f"<int:{arg}>", str(values[arg])).replace(f"<{arg}>", str(values[arg]))
        path = path.replace(f"<path:{arg}>", str(values[arg]))
    return path


def test_every_route_refused_before_login(intranet):
    site, app = intranet
    client = app.test_client()
    checked = 0
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith(("/static/", "/login", "/api/login")):
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            r = client.open(example_path(rule), method=method)
            if rule.rule.startswith("/api/"):
                assert r.status_code == 401, (method, rule.rule)
                assert r.get_json()["message"] == problem("web_login_required").message
            elif method == "GET":
                assert r.status_code == 302, (method, rule.rule)
                assert r.headers["Location"].startswith("/login")
            else:
                assert r.status_code in (302, 401, 403), (method, rule.rule)
            checked += 1
    assert checked >= 20
    assert not (site.root / "收件箱").exists()


def test_login_page_and_static_files_are_reachable(intranet):
    _, app = intranet
    client = app.test_client()
    assert "登录" in client.get("/login").get_data(as_text=True)
    assert client.get("/static/app.css").status_code == 200


def test_owner_logs_in_through_the_form(intranet):
    _, app = intranet
    client = app.test_client()
    tok = token(client, "/login")
    r = client.post(
        "/login", data={"csrf_token": tok, "name": "owner", "password": "password-1", "next": "/"}
    )
    assert r.status_code == 302
    cookie = r.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert client.get("/topic/1/analysis").status_code == 200
    r = client.post("/login", data={"csrf_token": token(client), "name": "owner", "password": "x"})
    assert r.status_code == 401
    assert problem("web_login_failed").message in r.get_data(as_text=True)


def test_login_attempts_are_throttled(intranet):
    _, app = intranet
    client = app.test_client()
    for _ in range(5):
        r = client.post("/api/login", json={"name": "owner", "password": "wrong"})
        assert r.status_code == 401
    r = client.post("/api/login", json={"name": "owner", "password": "password-1"})
    assert r.status_code == 429
    assert r.get_json()["code"] == "web_login_throttled"
    other = client.post("/api/login", json={"name": "liaison", "password": "password-1"})
    assert other.status_code == 200  # another name from the same address is not locked out


def test_liaison_sees_their_unit_only_and_no_analysis(intranet):
    _site, app = intranet
    owner = app.test_client()
    tok = login(owner, "owner")
    r = owner.post(
        f"/api/ingest?bank={BANK}",
        data={"files": [(f.open("rb"), f.name) for f in FORMS]},
        headers={"X-CSRF-Token": tok},
    )
    assert r.get_json()["accepted"] == 3
    assert {r["unit"] for r in owner.get("/api/status").get_json()["coverage"]} > {"广西大学"}

    liaison = app.test_client()
    login(liaison, "liaison")
    coverage = liaison.get("/api/status").get_json()["coverage"]
    assert coverage and {r["unit"] for r in coverage} == {"广西科技大学"}
    page = liaison.get("/").get_data(as_text=True)
    assert "广西科技大学" in page and "广西大学" not in page and "柳州市人民医院" not in page
    refused = problem("web_forbidden", unit="广西科技大学", action="查看分析结果和报告").message
    for path in (
        "/topic/1/analysis",
        f"/api/report?bank={BANK}&format=docx",
        "/files/1/chart/fig-01.png",
    ):
        r = liaison.get(path)
        assert r.status_code == 403, path
        assert refused in r.get_data(as_text=True)
    for path in ("/topic/1/lists", "/files/1/lists"):
        assert liaison.get(path).status_code == 403, path
    assert "分析与报告" not in liaison.get("/topic/1").get_data(as_text=True)


def test_liaison_uploads_and_sees_only_their_jobs(intranet):
    _site, app = intranet
    liaison, owner = app.test_client(), app.test_client()
    tok = login(liaison, "liaison")
    r = liaison.post(
        f"/api/ingest?bank={BANK}&async=1",
        data={"files": [(FORMS[0].open("rb"), FORMS[0].name)]},
        headers={"X-CSRF-Token": tok},
    )
    assert r.status_code == 202
    job = r.get_json()["job"]
    assert liaison.get(f"/api/jobs/{job}").status_code == 200
    otok = login(owner, "owner")
    r = owner.post(
        f"/api/ingest?bank={BANK}&async=1",
        data={"files": [(FORMS[1].open("rb"), FORMS[1].name)]},
        headers={"X-CSRF-Token": otok},
    )
    assert liaison.get(f"/api/jobs/{r.get_json()['job']}").status_code == 404
    assert owner.get(f"/api/jobs/{job}").status_code == 200


@pytest.mark.parametrize(
    ("path", "data"),
    [
        ("/setup", {}),
        ("/topic/1/analysis", {}),
        ("/topic/1/report", {}),
        ("/topic/1/lists", {}),
        ("/topic/1/upload", "file"),
        ("/logout", {}),
    ],
)
def test_form_post_without_csrf_token_is_refused(intranet, path, data):
    site, app = intranet
    client = app.test_client()
    login(client, "owner")

    def form(**extra):
        return {"files": (io.BytesIO(b"x"), "a.csv"), **extra} if data == "file" else extra

    r = client.post(path, data=form())
    assert r.status_code == 403
    assert problem("web_csrf").message in r.get_data(as_text=True)
    r = client.post(path, data=form(csrf_token="not-the-token"))
    assert r.status_code == 403
    assert not (site.root / "收件箱").exists()


def test_api_post_with_session_but_without_token_is_refused(intranet):
    site, app = intranet
    client = app.test_client()
    login(client, "owner")
    r = client.post(f"/api/ingest?bank={BANK}", data={"files": [(FORMS[0].open("rb"), "a.xlsx")]})
    assert r.status_code == 403
    assert r.get_json()["message"] == problem("web_csrf").message
    assert not (site.root / "收件箱").exists()


def test_cross_site_post_in_loopback_mode_is_refused(tmp_path):
    site = campaign_site(tmp_path / "调研")
    client = create_app(site).test_client()
    r = client.post(
        f"/api/ingest?bank={BANK}",
        data={"files": [(FORMS[0].open("rb"), "a.xlsx")]},
        headers={"Origin": "http://evil.example"},
    )
    assert r.status_code == 403
    assert not (site.root / "收件箱").exists()


@pytest.mark.parametrize(
    "name",
    [
        "../../campaign.yaml.xlsx",
        "..\\..\\..\\evil.xlsx",
        "/etc/cron.d/evil.xlsx",
        "C:\\x\\..\\y.xlsx",
    ],
)
def test_path_traversal_file_name_lands_only_in_the_inbox(intranet, name):
    site, app = intranet
    client = app.test_client()
    tok = login(client, "owner")
    before = set(site.root.parent.rglob("*"))
    r = client.post(
        f"/api/ingest?bank={BANK}",
        data={"files": [(FORMS[0].open("rb"), name)]},
        headers={"X-CSRF-Token": tok},
    )
    assert r.status_code == 200
    new = set(site.root.parent.rglob("*")) - before
    inbox = site.inbox(site.topic(1))
    outside = [
        p
        for p in new
        if inbox not in p.parents
        and p != inbox
        and p.name not in ("选题1.db", "上传记录.csv", "收件箱")
    ]
    assert outside == []
    stored = [p for p in new if inbox in p.parents]
    assert len(stored) == 1 and stored[0].parent == inbox
    assert ".." not in stored[0].name and "/" not in stored[0].name
    shown = r.get_json()["files"][0]["name"]
    assert "/" not in shown and "\\" not in shown


def test_user_command_hashes_and_lists_and_removes(tmp_path):
    def run(*args, stdin=""):
        return subprocess.run(
            [sys.executable, "-m", "surveytool", "user", *args, "--dir", str(tmp_path)],
            input=stdin,
            capture_output=True,
            text=True,
        )

    r = run("add", "王科长", "--role", "owner", stdin="secret-123\nsecret-123\n")
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "已添加账号 王科长：负责人。"
    text = (tmp_path / "users.json").read_text(encoding="utf-8")
    assert "secret-123" not in text and "$argon2id$" in text
    import json

    PasswordHasher().verify(json.loads(text)["王科长"]["hash"], "secret-123")
    r = run("add", "liu", "--role", "owner", stdin="secret-123\nsecret-124\n")
    assert r.returncode == 1
    assert r.stderr.strip() == problem("user_password_mismatch").message
    r = run("add", "liu", "--role", "liaison", stdin="secret-123\nsecret-123\n")
    assert r.stderr.strip() == problem("user_liaison_unit").message
    r = run("add", "liu", "--role", "liaison", "--unit", "广西大学", stdin="short\nshort\n")
    assert r.stderr.strip() == problem("user_password_short", n=8).message
    r = run(
        "add", "liu", "--role", "liaison", "--unit", "广西大学", stdin="secret-123\nsecret-123\n"
    )
    assert r.returncode == 0
    r = run("add", "liu", "--role", "owner", stdin="secret-123\nsecret-123\n")
    assert r.stderr.strip() == problem("user_exists", name="liu").message
    r = run("list")
    assert "liu\t单位联络员\t广西大学" in r.stdout and "王科长\t负责人" in r.stdout
    assert run("remove", "liu").returncode == 0
    r = run("remove", "liu")
    assert r.stderr.strip() == problem("user_not_found", name="liu", names="王科长").message
    assert [u.name for u in list_users(tmp_path / "users.json")] == ["王科长"]


def test_intranet_mode_without_accounts_does_not_start(tmp_path):
    site = Site(tmp_path, host=HOST, port=0)
    with pytest.raises(Exception) as info:
        make_server(site)
    want = problem("web_no_users", host=HOST, folder=str(tmp_path))
    assert [p.message for p in info.value.problems] == [want.message]


def test_file_names_are_escaped_in_pages(tmp_path):
    site = campaign_site(tmp_path / "调研")
    client = create_app(site).test_client()
    tok = token(client)
    name = "<img src=x onerror=alert(1)>.csv"
    r = client.post(
        f"/api/ingest?bank={BANK}",
        data={"files": [(io.BytesIO(b"A1\n1\n"), name)]},
        headers={"X-CSRF-Token": tok},
    )
    assert r.status_code == 200
    page = client.get("/topic/1").get_data(as_text=True)
    assert "&lt;img src=x onerror=alert(1)&gt;.csv" in page
    assert "<img src=x" not in page
