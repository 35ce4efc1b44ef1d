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
