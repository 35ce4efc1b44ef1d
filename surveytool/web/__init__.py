"""The local web app (``surveytool serve``): the campaign in a browser, for office staff and
unit liaisons. A thin view over the same library functions the CLI calls.

from surveytool.web import create_app, Site
app = create_app(Site(Path("调研")))          # a Flask (WSGI) app

Modules: ``site`` (the campaign folder and where things live in it), ``app`` (the Flask app,
login, CSRF, errors), ``pages`` / ``results`` / ``api`` (routes), ``work`` (the library
calls), ``jobs`` (background work), ``uploads`` (inbox and upload log), ``auth`` (accounts).
"""

from __future__ import annotations

import threading
import webbrowser
from collections.abc import Callable

from surveytool.errors import UsageError, problem
from surveytool.web.app import create_app
from surveytool.web.site import Site

THREADS = 8  # waitress worker threads: requests served at once


def make_server(site: Site):
    """The waitress server for ``site`` (not yet running); our error when the port is
    taken, or when intranet mode has no account to log in with."""
    from waitress import create_server

    from surveytool.web.auth import list_users

    if site.intranet and not list_users(site.users_file):
        raise UsageError(problem("web_no_users", host=site.host, folder=str(site.root)))
    app = create_app(site)
    try:
        return create_server(
            app,
            host=site.host,
            port=site.port,
            threads=THREADS,
            max_request_body_size=(site.max_upload_mb + 1) * 1024 * 1024,
            ident="surveytool",
        )
    except OSError as exc:
        raise UsageError(
            problem("web_port_busy", host=site.host, port=site.port, detail=exc.strerror or exc)
        ) from None


def serve(site: Site, open_browser: bool = True, say: Callable[[str], None] = print) -> None:
    """Serve until interrupted; opens the browser on the first page when asked."""
    server = make_server(site)
    host = "127.0.0.1" if site.host in ("0.0.0.0", "::") else site.host
    url = f"http://{host}:{server.effective_port}/"
    say(f"调研工作台已启动：{url}（文件夹 {site.root}）")
    say("内网模式：每个页面都需要登录。" if site.intranet else "仅本机可访问，无需登录。")
    say("按 Ctrl+C 停止。")
    if open_browser:
        threading.Timer(0.8, webbrowser.open, (url,)).start()
    server.run()


__all__ = ["Site", "create_app", "make_server", "serve"]
