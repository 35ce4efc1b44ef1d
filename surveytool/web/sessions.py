"""Server-side sessions (intranet mode): the signed cookie carries only a random session id;
what it stands for is kept here, so a session ends for good when its owner logs out, when
it has been idle for :data:`IDLE` seconds, :data:`LIFETIME` seconds after login, and when
the account is removed or its password changed (``surveytool user remove/passwd``, which
write ``valid_after`` into users.json: sessions started before it are refused).

Sessions are kept in ``.surveytool-sessions.json`` in the campaign folder, by the sha256 of
their id (the file holds no usable cookie), so a restart keeps people logged in. Only the
server writes it; the CLI revokes through users.json.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import secrets
import threading
import time
from pathlib import Path

from surveytool.atomic import write_atomic

IDLE = 2 * 3600  # seconds without a request before a session ends
LIFETIME = 12 * 3600  # seconds after login when a session ends whatever happens
TOUCH = 60  # last-seen times are written at most this often (seconds)


def _key(sid: str) -> str:
    return hashlib.sha256(sid.encode("utf-8", "replace")).hexdigest()


class Sessions:
    """The sessions of one campaign folder (thread-safe)."""

    def __init__(self, path: Path, clock=time.time):
        self.path, self.clock = path, clock
        self._lock = threading.Lock()
        self._items: dict[str, dict] = self._load()
        self._dirty_at = 0.0

    def _load(self) -> dict[str, dict]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return data if isinstance(data, dict) else {}

    def _save(self) -> None:
        text = json.dumps(self._items, ensure_ascii=False)
        write_atomic(self.path, lambda tmp: tmp.write_text(text, encoding="utf-8"))
        with contextlib.suppress(OSError):  # Windows: the folder's permissions apply
            self.path.chmod(0o600)
        self._dirty_at = self.clock()

    def _expire(self, now: float) -> bool:
        gone = [
            k
            for k, s in self._items.items()
            if now - s["created"] > LIFETIME or now - s["seen"] > IDLE
        ]
        for k in gone:
            del self._items[k]
        return bool(gone)

    def start(self, user: str) -> str:
        """A new session of ``user``; returns its id (for the cookie)."""
        sid = secrets.token_urlsafe(32)
        now = self.clock()
        with self._lock:
            self._expire(now)
            self._items[_key(sid)] = {"user": user, "created": now, "seen": now}
            self._save()
        return sid

    def user(self, sid: str | None, valid_after=lambda user: 0.0) -> str | None:
        """The user of session ``sid`` while it lasts (idle and absolute lifetime, not
        started before ``valid_after(user)``: a password change), else None; a live
        session is marked as seen."""
        if not sid or not isinstance(sid, str):
            return None
        now = self.clock()
        with self._lock:
            entry = self._items.get(_key(sid))
            if entry is None:
                return None
            if (
                now - entry["created"] > LIFETIME
                or now - entry["seen"] > IDLE
                or entry["created"] < valid_after(entry["user"])
            ):
                del self._items[_key(sid)]
                self._save()
                return None
            entry["seen"] = now
            if now - self._dirty_at > TOUCH:
                self._expire(now)
                self._save()
            return entry["user"]

    def end(self, sid: str | None) -> None:
        """End session ``sid`` (logout); nothing when there is none."""
        if not sid or not isinstance(sid, str):
            return
        with self._lock:
            if self._items.pop(_key(sid), None) is not None:
                self._save()

    def end_user(self, user: str) -> None:
        """End every session of ``user``."""
        with self._lock:
            keys = [k for k, s in self._items.items() if s["user"] == user]
            for k in keys:
                del self._items[k]
            if keys:
                self._save()
