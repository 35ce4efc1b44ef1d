"""What a route needs from the app it runs in: the site and its jobs, the CSRF token, the
user (who, unit, owner only), and our refusals as a Chinese page or JSON. The blueprints
(pages, results, api) import this, never :mod:`surveytool.web.app`, which imports them."""

from __future__ import annotations

import secrets

from flask import current_app, g, jsonify, render_template, request, session

from surveytool.errors import Problem, SurveyToolError, problem, web_text
from surveytool.web import auth
from surveytool.web.jobs import Jobs
from surveytool.web.site import Site


class WebError(SurveyToolError):
    """Raised by a route for a refused request (its code says the HTTP status)."""


def site() -> Site:
    return current_app.extensions["surveytool"]["site"]


def jobs() -> Jobs:
    return current_app.extensions["surveytool"]["jobs"]


def throttle() -> auth.Throttle:
    return current_app.extensions["surveytool"]["throttle"]


def sessions():
    """The server-side sessions (:class:`surveytool.web.sessions.Sessions`)."""
    return current_app.extensions["surveytool"]["sessions"]


def client() -> str:
    """The client's address: the last one the configured proxy header names (the one the
    proxy itself added), else the connection's. An unconfigured header is never read."""
    header = site().proxy_header
    if header:
        sent = request.headers.get(header, "")
        last = sent.split(",")[-1].strip()[:64]
        if last:
            return last
    return request.remote_addr or ""


def csrf_token() -> str:
    """This session's CSRF token (made on first use)."""
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(32)
    return session["csrf"]


def respond(problems: list[Problem], status: int):
    """Our error as JSON (API, or a script) or as the error page."""
    messages = [web_text(p.message) for p in problems]
    if request.path.startswith("/api/") or request.accept_mimetypes.best == "application/json":
        body = {"message": messages[0], "messages": messages, "code": problems[0].code}
        return jsonify(body), status
    return render_template("error.html", messages=messages, status=status), status


def fields(*names: str, limit: int = 256) -> dict[str, str]:
    """The named text fields of a POST, from a JSON object or a form (each cut to
    ``limit`` characters, missing ones empty). Our 400 error for a body that is not one:
    JSON that does not parse, nests too deep, or is a list, string, number or null; a field
    that is not text."""
    data: object = request.form
    if request.is_json or (request.mimetype or "").endswith("+json"):
        try:
            data = request.get_json(force=True, silent=False, cache=True)
        except (ValueError, RecursionError, UnicodeDecodeError):
            raise WebError(problem("web_bad_body", what="不是有效的 JSON")) from None
        except Exception:  # werkzeug's BadRequest for an undecodable body
            raise WebError(problem("web_bad_body", what="不是有效的 JSON")) from None
        if not isinstance(data, dict):
            kind = type(data).__name__.replace("NoneType", "null")
            raise WebError(problem("web_bad_body", what=f"应为 JSON 对象，收到的是 {kind}"))
    out = {}
    for name in names:
        value = data.get(name, "")
        if not isinstance(value, str):
            raise WebError(problem("web_bad_body", what=f"字段 {name} 应为文字"))
        out[name] = value[:limit]
    return out


def require_owner(action: str) -> None:
    """Refuse a liaison (intranet mode) what only owners may do: ``action`` says what."""
    user = g.get("user")
    if user is not None and not user.owner:
        raise WebError(problem("web_forbidden", unit=user.unit or "", action=action))


def who() -> str:
    """The name logged for this request's uploads (本机 in loopback mode)."""
    user = g.get("user")
    return user.name if user else "本机"


def unit() -> str | None:
    """A liaison's unit (None for owners and in loopback mode)."""
    user = g.get("user")
    return None if user is None or user.owner else user.unit
