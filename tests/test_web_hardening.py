"""Issue 23 (hardening, round 3), the web app: the open redirect after login (item 6),
foreign Referer in loopback mode (12), server-side sessions (8), login throttling per name
and per client with a way out for the owner, and bounded password hashing (9)."""

from __future__ import annotations

import io
import subprocess
import sys
import threading
import time

import pytest

from surveytool.errors import problem
from surveytool.web import auth, create_app
from surveytool.web.sessions import IDLE, LIFETIME, Sessions

from webtools import BANK, FORMS, campaign_site, login, token, with_users


@pytest.fixture
def intranet(tmp_path):
    site = campaign_site(tmp_path / "调研", host="0.0.0.0")
    with_users(site)
    return site, create_app(site)


# --- item 6: where the login page sends you -------------------------------------------------

EVIL = [
    "/%09/evil.example",
    "/\t/evil.example",
    "//evil.example",
    "/%2F/evil.example",
    "/\\evil.example",
    "/%5Cevil.example",
    "https://evil.example/",
    "http:/evil.example",
    "javascript:alert(1)",
    "/..//evil.example",
    "/topic/1/../..//evil.example",
    "/%0d%0aSet-Cookie:x=1",
    "/no-such-page",
    "/static/app.css",
    "evil.example",
]


@pytest.mark.parametrize("nxt", EVIL)
def test_login_never_redirects_off_our_pages(intranet, nxt):
    _, app = intranet
    client = app.test_client()
    page = client.get("/login", query_string={"next": nxt}).get_data(as_text=True)
    assert 'name="next" value="/"' in page
    r = client.post(
        "/login",
        data={"csrf_token": token(client, "/login"), "name": "owner", "password": "password-1"}
        | {"next": nxt},
    )
    assert r.status_code == 302
    assert r.headers["Location"] == "/"


@pytest.mark.parametrize(
    "nxt", ["/", "/topic/1", "/topic/1/analysis?job=3fa2c1d0e4b5", "/topic/2/lists"]
)
def test_login_returns_to_the_page_asked_for(intranet, nxt):
    _, app = intranet
    client = app.test_client()
    r = client.post(
        "/login",
        data={"csrf_token": token(client, "/login"), "name": "owner", "password": "password-1"}
        | {"next": nxt},
    )
    assert r.headers["Location"] == nxt


def test_a_page_asked_for_before_login_is_where_login_returns(intranet):
    _, app = intranet
    client = app.test_client()
    r = client.get("/topic/1/analysis?job=abc")
    assert r.headers["Location"].startswith("/login?next=")
    page = client.get(r.headers["Location"]).get_data(as_text=True)
    assert 'name="next" value="/topic/1/analysis?job=abc"' in page


# --- item 12: loopback mode and a foreign Referer -------------------------------------------


@pytest.mark.parametrize(
    "headers",
    [
        {"Referer": "http://evil.example/page.html"},
        {"Referer": "http://127.0.0.1.evil.example/"},
        {"Referer": "null"},
        {"Origin": "http://evil.example"},
        {"Sec-Fetch-Site": "cross-site"},
    ],
)
def test_cross_site_post_without_origin_is_refused_in_loopback_mode(tmp_path, headers):
    site = campaign_site(tmp_path / "调研")
    client = create_app(site).test_client()
    r = client.post(
        f"/api/ingest?bank={BANK}",
        data={"files": [(FORMS[0].open("rb"), "a.xlsx")]},
        headers=headers,
    )
    assert r.status_code == 403
    assert r.get_json()["code"] == "web_csrf"
    assert not (site.root / "收件箱").exists()


def test_a_script_or_our_own_page_may_still_post_in_loopback_mode(tmp_path):
    site = campaign_site(tmp_path / "调研")
    client = create_app(site).test_client()
    for headers in ({}, {"Referer": "http://localhost/topic/1"}):
        r = client.post(
            f"/api/ingest?bank={BANK}",
            data={"files": [(FORMS[0].open("rb"), "a.xlsx")]},
            headers=headers,
        )
        assert r.status_code == 200, r.get_json()


# --- item 8: sessions end on the server ------------------------------------------------------


def _cookie(client) -> str:
    return client.get_cookie("surveytool").value


def test_a_cookie_saved_before_logout_is_refused_after_it(intranet):
    _, app = intranet
    client = app.test_client()
    tok = login(client, "owner")
    saved = _cookie(client)
    assert client.get("/api/status").status_code == 200
    assert client.post("/api/logout", headers={"X-CSRF-Token": tok}).status_code == 200
    replay = app.test_client()
    replay.set_cookie("surveytool", saved)
    r = replay.get("/api/status")
    assert r.status_code == 401
    assert r.get_json()["message"] == problem("web_login_required").message


def test_the_logout_form_ends_the_session_too(intranet):
    _, app = intranet
    client = app.test_client()
    login(client, "owner")
    saved = _cookie(client)
    client.post("/logout", data={"csrf_token": token(client)})
    replay = app.test_client()
    replay.set_cookie("surveytool", saved)
    assert replay.get("/api/status").status_code == 401


def test_password_change_and_removal_end_every_session(intranet):
    site, app = intranet
    owner, liaison = app.test_client(), app.test_client()
    login(owner, "owner")
    login(liaison, "liaison")
    time.sleep(0.01)
    auth.set_password(site.users_file, "owner", "password-2")
    assert owner.get("/api/status").status_code == 401
    r = app.test_client().post("/api/login", json={"name": "owner", "password": "password-2"})
    assert r.status_code == 200
    assert liaison.get("/api/status").status_code == 200
    auth.remove_user(site.users_file, "liaison")
    assert liaison.get("/api/status").status_code == 401


def test_sessions_have_an_idle_and_an_absolute_lifetime(tmp_path):
    now = [1000.0]
    sessions = Sessions(tmp_path / "s.json", clock=lambda: now[0])
    sid = sessions.start("owner")
    now[0] += IDLE - 1
    assert sessions.user(sid) == "owner"
    now[0] += IDLE + 1
    assert sessions.user(sid) is None  # idle too long
    sid = sessions.start("owner")
    for _ in range(LIFETIME // (IDLE // 2) + 1):
        now[0] += IDLE // 2
        seen = sessions.user(sid)
    assert seen is None  # used all along, ended at the absolute lifetime
    sid = sessions.start("owner")
    assert Sessions(tmp_path / "s.json", clock=lambda: now[0]).user(sid) == "owner"  # restart
    assert (
        "owner" in (tmp_path / "s.json").read_text()
        and sid not in (tmp_path / "s.json").read_text()
    )
    sessions.end(sid)
    assert sessions.user(sid) is None


# --- item 9: throttling ---------------------------------------------------------------------


def _try(app, name, password, address="10.0.0.1", headers=None):
    return app.test_client().post(
        "/api/login",
        json={"name": name, "password": password},
        environ_base={"REMOTE_ADDR": address},
        headers=headers or {},
    )


def test_ever_new_names_from_one_client_are_throttled(intranet):
    _, app = intranet
    for i in range(20):
        assert _try(app, f"nobody{i}", "wrong").status_code == 401
    r = _try(app, "nobody-else", "wrong")
    assert r.status_code == 429 and r.get_json()["code"] == "web_login_throttled"
    assert _try(app, "owner", "password-1", address="10.0.0.2").status_code == 200


def test_a_locked_name_has_a_way_out_for_its_owner(intranet):
    site, app = intranet
    for i in range(5):  # someone else, from five addresses, fails as "owner"
        assert _try(app, "owner", "wrong", address=f"10.9.0.{i}").status_code == 401
    assert _try(app, "owner", "password-1", address="10.0.0.7").status_code == 429
    r = subprocess.run(
        [sys.executable, "-m", "surveytool", "user", "unlock", "owner", "--dir", str(site.root)],
        capture_output=True,
        text=True,
    )
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == problem("user_unlocked", name="owner").message
    assert _try(app, "owner", "password-1", address="10.0.0.7").status_code == 200


def test_the_proxy_header_counts_only_when_configured(tmp_path):
    site = campaign_site(tmp_path / "调研", host="0.0.0.0")
    with_users(site)
    app = create_app(site)  # no proxy header: X-Forwarded-For is ignored
    for i in range(20):
        _try(app, f"x{i}", "wrong", headers={"X-Forwarded-For": f"192.0.2.{i}"})
    assert (
        _try(app, "owner", "password-1", headers={"X-Forwarded-For": "192.0.2.99"}).status_code
        == 429
    )

    site.proxy_header = "X-Forwarded-For"
    app = create_app(site)  # behind the proxy: one address, many clients
    for i in range(20):
        _try(app, f"x{i}", "wrong", headers={"X-Forwarded-For": "198.51.100.1"})
    assert _try(app, "y", "wrong", headers={"X-Forwarded-For": "198.51.100.1"}).status_code == 429
    other = {"X-Forwarded-For": "evil-spoof, 198.51.100.2"}  # the proxy's own entry counts
    assert _try(app, "owner", "password-1", headers=other).status_code == 200


def test_at_most_two_passwords_are_hashed_at_once(intranet, monkeypatch):
    _, app = intranet
    busy, peak, lock = [0], [0], threading.Lock()
    real = auth.verify

    def counting(*args):
        with lock:
            busy[0] += 1
            peak[0] = max(peak[0], busy[0])
        try:
            return real(*args)
        finally:
            with lock:
                busy[0] -= 1

    monkeypatch.setattr(auth, "verify", counting)
    threads = [
        threading.Thread(target=_try, args=(app, f"n{i}", "wrong", f"10.1.0.{i}")) for i in range(8)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert peak[0] == auth.HASHING._initial_value == 2


# --- items 10 and 11: a liaison's upload ------------------------------------------------------


def _upload(client, tok, files):
    r = client.post(
        f"/api/ingest?bank={BANK}",
        data={"files": [(io.BytesIO(data), name) for name, data in files]},
        headers={"X-CSRF-Token": tok},
    )
    assert r.status_code == 200, r.get_json()
    return r.get_json()


def test_a_liaison_uploads_only_their_own_units_answers(intranet):
    site, app = intranet
    liaison, owner = app.test_client(), app.test_client()
    body = _upload(liaison, login(liaison, "liaison"), [(f.name, f.read_bytes()) for f in FORMS])
    assert (body["accepted"], body["rejected"], body["units"]) == (1, 2, {"广西科技大学": 1})
    first = {f["name"]: f for f in body["files"]}["问卷-001.xlsx"]
    want = problem(
        "web_other_unit",
        file="问卷-001.xlsx",
        sheet=None,
        kind="返回表",
        unit="柳州市人民医院",
        own="广西科技大学",
    ).message.split("：", 1)[-1]
    assert first["accepted"] == 0 and any(want in p for p in first["problems"])
    login(owner, "owner")
    counts = {r["unit"]: r["received"] for r in owner.get("/api/status").get_json()["coverage"]}
    assert counts["柳州市人民医院"] == 0 and counts["广西科技大学"] == 1
    log = site.upload_log.read_text(encoding="utf-8-sig")
    assert "其他单位的答卷未入库（柳州市人民医院 1 份）" in log


def _resaved(path) -> bytes:
    from openpyxl import load_workbook

    wb = load_workbook(path)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _seen(body) -> list:
    """What a liaison's upload result says, without times and generated names."""
    keys = ("name", "status", "rows", "accepted", "rejected", "duplicates", "problems")
    return [{k: f[k] for k in keys} for f in body["files"]]


def test_a_liaisons_upload_does_not_reveal_other_units_answers(tmp_path):
    other = FORMS[0]  # 柳州市人民医院's form
    sent = [("copy.xlsx", other.read_bytes()), ("resaved.xlsx", _resaved(other))]
    results = []
    for held in (True, False):
        site = campaign_site(tmp_path / f"调研{held}", host="0.0.0.0")
        with_users(site)
        app = create_app(site)
        if held:  # the owner has uploaded that form
            owner = app.test_client()
            assert (
                _upload(owner, login(owner, "owner"), [(other.name, other.read_bytes())])[
                    "accepted"
                ]
                == 1
            )
        liaison = app.test_client()
        results.append(_seen(_upload(liaison, login(liaison, "liaison"), sent)))
    assert results[0] == results[1]
    assert all(f["duplicates"] == 0 and f["status"] == "ingested" for f in results[0])
    assert all(f["rejected"] == 1 for f in results[0])


def test_user_passwd_command_changes_the_password_and_ends_sessions(intranet):
    site, app = intranet
    client = app.test_client()
    login(client, "owner")
    r = subprocess.run(
        [sys.executable, "-m", "surveytool", "user", "passwd", "owner", "--dir", str(site.root)],
        input="password-9\npassword-9\n",
        capture_output=True,
        text=True,
    )
    assert r.returncode == 0, r.stderr
    assert client.get("/api/status").status_code == 401
    assert _try(app, "owner", "password-1").status_code == 401
    assert _try(app, "owner", "password-9").status_code == 200
