"""Malformed bodies to every route (issue 23, item 7): no 500, no traceback in the log,
every refusal a Chinese message. Posted without login, and as a logged-in owner with the
CSRF token (so the routes themselves, not only the login check, see the bodies)."""

from __future__ import annotations

import re

import pytest
from test_web_security import example_path

from surveytool.errors import problem
from surveytool.web import create_app

from webtools import campaign_site, login, with_users

DEEP = "[" * 200_000 + "]" * 200_000  # json: RecursionError, not ValueError
BODIES = [
    ("application/json", b"[1,2]"),
    ("application/json", b'"x"'),
    ("application/json", b"null"),
    ("application/json", b"1"),
    ("application/json", b'{"name": [1], "password": {"a": 1}}'),
    ("application/json", b'{"name": "owner", "password": null}'),
    ("application/json", b"{"),
    ("application/json", b"\xff\xfe\x00{"),
    ("application/json", DEEP.encode()),
    ("application/json; charset=utf-16", b'{"name": 1}'),
    ("text/plain", b"name=owner&password=x"),
    ("application/x-www-form-urlencoded", b"name=%ff%fe&password=%00&wave=%2F..%2F&q1=zz"),
    ("application/x-www-form-urlencoded", b"wave_a=" + b"x" * 5000 + b"&wave_b=&source=evil"),
    ("multipart/form-data; boundary=x", b"--x\r\nContent-Disposition: form-data; name=files"),
    ("multipart/form-data", b"no boundary at all"),
    ("application/octet-stream", bytes(range(256)) * 4),
]
QUERIES = ["", "?bank=%00&wave=..%2F..&format=exe&async=1&source=x&encoding=y"]
CHINESE = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    site = campaign_site(tmp_path_factory.mktemp("fuzz") / "调研", host="0.0.0.0")
    with_users(site)
    return create_app(site)


def _routes(app):
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/static/"):
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield method, example_path(rule)


@pytest.mark.parametrize("logged_in", [False, True], ids=["anonymous", "owner"])
def test_malformed_bodies_to_every_route(app, capfd, logged_in):
    client = app.test_client()
    headers = {}
    if logged_in:
        headers["X-CSRF-Token"] = login(client, "owner")
    seen = 0
    for method, path in _routes(app):
        for query in QUERIES:
            for mime, body in BODIES:
                if path in ("/logout", "/api/logout"):
                    continue  # would end the session the other requests use
                r = client.open(
                    path + query, method=method, data=body, content_type=mime, headers=headers
                )
                assert r.status_code < 500, (method, path + query, mime, body[:40], r.data[:300])
                if r.status_code >= 400 and r.is_json:
                    assert CHINESE.search(r.get_json()["message"]), (method, path, mime)
                seen += 1
    assert seen > 500
    log = capfd.readouterr()
    assert "Traceback" not in log.err + log.out


@pytest.mark.parametrize(
    "body", [b"[1,2]", b'"x"', b"null", b"{", DEEP.encode(), b'{"name": [1], "password": "p"}']
)
def test_login_with_a_malformed_json_body_is_a_400_in_chinese(app, capfd, body):
    r = app.test_client().post("/api/login", data=body, content_type="application/json")
    assert r.status_code == 400
    assert r.get_json()["code"] == "web_bad_body"
    assert r.get_json()["message"].startswith("请求内容无效")
    assert "Traceback" not in capfd.readouterr().err


def test_login_still_takes_json_and_forms(app):
    r = app.test_client().post("/api/login", json={"name": "owner", "password": "password-1"})
    assert r.status_code == 200
    r = app.test_client().post("/api/login", data={"name": "owner", "password": "password-1"})
    assert r.status_code == 200
    r = app.test_client().post("/api/login", json={"name": "owner", "password": "wrong-one"})
    assert r.get_json()["message"] == problem("web_login_failed").message
