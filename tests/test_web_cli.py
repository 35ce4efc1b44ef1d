"""``surveytool serve`` as a person starts it: the server answers on the port it prints;
a port already taken and intranet mode without accounts are Chinese messages, exit 1."""

from __future__ import annotations

import json
import re
import socket
import subprocess
import sys
import urllib.request

from surveytool.errors import problem

from webtools import campaign_site


def serve(*args: str) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "surveytool", "serve", *args, "--no-browser"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def test_serve_answers_on_the_printed_address(tmp_path):
    site = campaign_site(tmp_path / "调研")
    proc = serve(str(site.root), "--port", "0")
    try:
        first = proc.stdout.readline()
        url = re.search(r"(http://127\.0\.0\.1:\d+/)", first).group(1)
        assert first.startswith("调研工作台已启动：")
        assert proc.stdout.readline().strip() == "仅本机可访问，无需登录。"
        direct = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # no proxy
        with direct.open(url + "api/banks", timeout=30) as r:
            banks = json.loads(r.read())
        assert banks[0]["id"] == "young_researchers"
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def test_port_taken_is_a_chinese_message(tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        s.listen()
        port = s.getsockname()[1]
        proc = serve(str(tmp_path), "--port", str(port))
        _, err = proc.communicate(timeout=60)
    assert proc.returncode == 1
    assert err.startswith(f"无法在 127.0.0.1:{port} 上启动服务：")
    assert "Traceback" not in err


def test_intranet_without_accounts_is_refused(tmp_path):
    proc = serve(str(tmp_path), "--host", "0.0.0.0", "--port", "0")
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 1
    want = problem("web_no_users", host="0.0.0.0", folder=str(tmp_path.resolve()))
    assert err.strip() == want.message


def test_bad_port_value(tmp_path):
    proc = serve(str(tmp_path), "--port", "99999")
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 2
    assert "--port 的值“99999”无效：端口应为 0 到 65535 之间的整数" in err
