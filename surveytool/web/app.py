"""The Flask application: configuration, and what every request goes through before its
route — the host check (loopback mode), login (intranet mode), the CSRF check on every POST
— and after: errors as a Chinese page or, under ``/api/``, JSON with a ``message``."""

from __future__ import annotations

import hmac
import traceback

from flask import Flask, g, request, session
from werkzeug.exceptions import HTTPException

from surveytool.analysis.limits import MIN_PROBLEM_BASE
from surveytool.errors import SurveyToolError, problem
from surveytool.web import auth
from surveytool.web.context import WebError, csrf_token, respond, sessions, site
from surveytool.web.jobs import Jobs
from surveytool.web.sessions import Sessions
from surveytool.web.site import LOOPBACK, Site

# HTTP status of each of our codes (anything else a user's input got wrong: 400).
STATUS = {
    "web_unknown_bank": 404,
    "web_unknown_topic": 404,
    "web_unknown_job": 404,
    "web_unknown_upload": 404,
    "web_not_found": 404,
    "web_no_report": 404,
    "web_no_lists": 404,
    "web_no_campaign": 409,
    "file_in_use": 409,
    "empty_store": 409,
    "empty_wave": 409,
    "web_login_required": 401,
    "web_login_failed": 401,
    "web_forbidden": 403,
    "web_csrf": 403,
    "web_bad_host": 403,
    "web_method": 405,
    "web_too_large": 413,
    "web_login_throttled": 429,
    "web_login_busy": 429,
    "web_bad_body": 400,
    "web_internal": 500,
}
OPEN = ("/login", "/api/login", "/static/")  # reachable before logging in


def create_app(site: Site) -> Flask:
    """The app serving ``site`` (its jobs start with it)."""
    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=site.secret_key(),
        MAX_CONTENT_LENGTH=site.max_upload_mb * 1024 * 1024,
        MAX_FORM_PARTS=20_000,  # hundreds of files in one upload (werkzeug allows 1,000 parts)
        SESSION_COOKIE_NAME="surveytool",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        TEMPLATES_AUTO_RELOAD=False,
    )
    app.json.ensure_ascii = False  # Chinese messages readable in the JSON itself
    app.extensions["surveytool"] = {
        "site": site,
        "jobs": Jobs(),
        "throttle": auth.Throttle(),
        "sessions": Sessions(site.sessions_file),
    }
    app.before_request(_guard)
    app.register_error_handler(SurveyToolError, _library_error)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(Exception, _unexpected)
    app.context_processor(_template_globals)
    from surveytool.web import api, bankfrom, pages, results, steer

    app.register_blueprint(pages.bp)
    app.register_blueprint(results.bp)
    app.register_blueprint(api.bp)
    app.register_blueprint(bankfrom.bp)
    app.register_blueprint(steer.bp)
    return app


def _guard() -> None:
    s = site()
    if not s.intranet and request.host.rsplit(":", 1)[0].strip("[]") not in LOOPBACK:
        raise WebError(problem("web_bad_host", host=request.host[:60], port=s.port))
    g.user = _session_user(s) if s.intranet else None
    if s.intranet and g.user is None and not request.path.startswith(OPEN):
        raise WebError(problem("web_login_required"))
    if request.method == "POST" and not _csrf_ok():
        raise WebError(problem("web_csrf"))


def _session_user(s: Site) -> auth.User | None:
    """The account of this request's server-side session (None: none, ended, expired,
    revoked, or the account removed)."""
    name = sessions().user(
        session.get("sid"), lambda n: auth.entry(s.users_file, n).get("valid_after", 0.0)
    )
    return auth.find_user(s.users_file, name) if name else None


def _csrf_ok() -> bool:
    sent = request.headers.get("X-CSRF-Token") or request.form.get("csrf_token") or ""
    if sent and "csrf" in session and hmac.compare_digest(sent, session["csrf"]):
        return True
    # A script (no cookie, no Origin, no foreign Referer: not a browser acting for a page of
    # another site) calling the API.
    return (
        request.path.startswith("/api/")
        and "Cookie" not in request.headers
        and "Origin" not in request.headers
        and not _foreign_referer()
        and request.headers.get("Sec-Fetch-Site") in (None, "none")
    )


def _foreign_referer() -> bool:
    """True when the request names a page (Referer) that is not on this server: a browser
    sent it for another site's page, even without an Origin header (older browsers, some
    form posts)."""
    from urllib.parse import urlsplit

    referer = request.headers.get("Referer")
    if referer is None:
        return False
    try:
        parts = urlsplit(referer)
    except ValueError:
        return True
    return parts.scheme not in ("http", "https") or parts.netloc.lower() != request.host.lower()


def _template_globals() -> dict:
    user = g.get("user")
    return {
        "csrf_token": csrf_token,
        "user": user,
        "intranet": site().intranet,
        "role_name": auth.ROLE_NAMES.get(user.role, "") if user else "",
        "min_base": MIN_PROBLEM_BASE,  # no margin, α verdict or problem below this many answers
    }


def _library_error(exc: SurveyToolError):
    first = exc.problems[0].code if exc.problems else ""
    if first == "web_login_required" and not request.path.startswith("/api/"):
        from flask import redirect, url_for

        return redirect(url_for("pages.login", next=request.full_path.rstrip("?")))
    return respond(exc.problems, STATUS.get(first, 400))


def _http_error(exc: HTTPException):
    code = exc.code or 500
    if code == 413:
        p = problem("web_too_large", mb=site().max_upload_mb)
    elif code == 405:
        p = problem("web_method", path=request.path[:80], method=request.method)
    elif code == 404:
        p = problem("web_not_found", path=request.path[:80])
    else:
        p = problem("web_internal", detail=f"HTTP {code}")
    return respond([p], code)


def _unexpected(exc: Exception):
    traceback.print_exc()
    detail = f"{type(exc).__name__}: {str(exc)[:120]}"
    return respond([problem("web_internal", detail=detail)], 500)
