"""Intranet-mode accounts: owners see everything, a unit's liaison uploads for and sees the
coverage of that unit only. Passwords are stored as Argon2id hashes (argon2-cffi) in
``users.json``; login attempts are rate-limited per address and name."""

from __future__ import annotations

import json
import re
import threading
import time
from collections import deque
from dataclasses import asdict, dataclass
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from surveytool.atomic import write_atomic
from surveytool.errors import UsageError, problem

ROLES = ("owner", "liaison")
ROLE_NAMES = {"owner": "负责人", "liaison": "单位联络员"}
MIN_PASSWORD = 8
NAME = re.compile(r"^[\w\-]{2,32}$")
_HASHER = PasswordHasher()
# A hash of nothing anybody types: checked when the name is unknown, so a wrong name takes
# as long as a wrong password (no way to learn which names exist by timing).
_DUMMY = _HASHER.hash("surveytool-no-such-user")


@dataclass(frozen=True)
class User:
    """An account; ``unit`` is the unit name (as in campaign.yaml) of a liaison."""

    name: str
    role: str
    unit: str | None = None

    @property
    def owner(self) -> bool:
        return self.role == "owner"


def _read(path: Path) -> dict[str, dict]:
    if not path.is_file():
        return {}
    return json.loads(path.read_text(encoding="utf-8"))


def _write(path: Path, users: dict[str, dict]) -> None:
    text = json.dumps(users, ensure_ascii=False, indent=1)
    write_atomic(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))
    path.chmod(0o600)


def add_user(path: Path, name: str, role: str, unit: str | None, password: str) -> User:
    """Add an account (our UsageError for a bad name, role, unit or short password)."""
    if not NAME.match(name):
        raise UsageError(problem("user_bad_name", value=name[:40]))
    if role not in ROLES:
        raise UsageError(problem("user_bad_role", value=role))
    if role == "liaison" and not (unit or "").strip():
        raise UsageError(problem("user_liaison_unit"))
    if len(password) < MIN_PASSWORD:
        raise UsageError(problem("user_password_short", n=MIN_PASSWORD))
    users = _read(path)
    if name in users:
        raise UsageError(problem("user_exists", name=name))
    user = User(name, role, unit.strip() if role == "liaison" and unit else None)
    users[name] = {**asdict(user), "hash": _HASHER.hash(password)}
    _write(path, users)
    return user


def list_users(path: Path) -> list[User]:
    """Every account, by name."""
    return [User(n, u["role"], u.get("unit")) for n, u in sorted(_read(path).items())]


def remove_user(path: Path, name: str) -> None:
    """Remove an account (our UsageError naming the accounts there are when unknown)."""
    users = _read(path)
    if name not in users:
        names = "、".join(sorted(users)) or "（无）"
        raise UsageError(problem("user_not_found", name=name, names=names))
    del users[name]
    _write(path, users)


def verify(path: Path, name: str, password: str) -> User | None:
    """The account when ``password`` is right, else None (same work either way)."""
    entry = _read(path).get(name)
    try:
        _HASHER.verify(entry["hash"] if entry else _DUMMY, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return None
    if entry is None:
        return None
    return User(name, entry["role"], entry.get("unit"))


def find_user(path: Path, name: str | None) -> User | None:
    """The account ``name`` as it is now (None once removed)."""
    entry = _read(path).get(name or "")
    return User(name, entry["role"], entry.get("unit")) if entry and name else None


class Throttle:
    """At most ``limit`` failed logins per (address, name) within ``window`` seconds."""

    def __init__(self, limit: int = 5, window: float = 300.0):
        self.limit, self.window = limit, window
        self._fails: dict[tuple[str, str], deque[float]] = {}
        self._lock = threading.Lock()

    def wait(self, key: tuple[str, str]) -> int:
        """Seconds until ``key`` may try again (0: now)."""
        now = time.monotonic()
        with self._lock:
            fails = self._fails.get(key, deque())
            while fails and now - fails[0] > self.window:
                fails.popleft()
            if len(fails) < self.limit:
                return 0
            return int(self.window - (now - fails[0])) + 1

    def failed(self, key: tuple[str, str]) -> None:
        with self._lock:
            self._fails.setdefault(key, deque()).append(time.monotonic())

    def succeeded(self, key: tuple[str, str]) -> None:
        with self._lock:
            self._fails.pop(key, None)
