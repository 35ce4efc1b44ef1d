"""Intranet-mode accounts: owners see everything, a unit's liaison uploads for and sees the
coverage of that unit only. Passwords are stored as Argon2id hashes (argon2-cffi) in
``users.json``; login attempts are rate-limited per account name and per client address, and
at most two passwords are hashed at once."""

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
    users[name] = {**asdict(user), "hash": _HASHER.hash(password), "valid_after": time.time()}
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
    """Failed logins: at most ``per_name`` per account name and ``per_client`` per client
    address (whatever names it tries) within ``window`` seconds; failures before the
    account's ``unlocked_at`` (``surveytool user unlock``) do not count against it. At most
    ``keys`` names and clients are remembered (the oldest are forgotten first)."""

    def __init__(
        self,
        per_name: int = 5,
        per_client: int = 20,
        window: float = 300.0,
        keys: int = 10_000,
        clock=time.time,
    ):
        self.per_name, self.per_client, self.window = per_name, per_client, window
        self.keys, self.clock = keys, clock
        self._fails: dict[tuple[str, str], deque[float]] = {}
        self._lock = threading.Lock()

    def _left(self, key: tuple[str, str], since: float, limit: int) -> int:
        now = self.clock()
        fails = self._fails.get(key)
        if not fails:
            return 0
        while fails and now - fails[0] > self.window:
            fails.popleft()
        recent = [f for f in fails if f >= since]
        if len(recent) < limit:
            return 0
        return int(self.window - (now - recent[-limit])) + 1

    def wait(self, name: str, client: str, unlocked_at: float = 0.0) -> int:
        """Seconds until ``client`` may try ``name`` again (0: now)."""
        with self._lock:
            return max(
                self._left(("name", name), unlocked_at, self.per_name),
                self._left(("client", client), unlocked_at, self.per_client),
            )

    def failed(self, name: str, client: str) -> None:
        now = self.clock()
        with self._lock:
            for key in (("name", name), ("client", client)):
                fails = self._fails.pop(key, deque())
                fails.append(now)
                self._fails[key] = fails  # most recent last: the oldest are forgotten first
            while len(self._fails) > self.keys:
                del self._fails[next(iter(self._fails))]

    def succeeded(self, name: str, client: str) -> None:
        with self._lock:
            self._fails.pop(("name", name), None)


# Argon2 takes ~64 MiB and tens of milliseconds a hash: at most this many at once, so a burst
# of logins queues instead of filling memory.
HASHING = threading.BoundedSemaphore(2)
HASH_WAIT = 10.0  # seconds a login waits for a turn before it is told to try again


class BusyError(Exception):
    """Too many logins at once: no turn to check a password within :data:`HASH_WAIT`."""


def verify_bounded(path: Path, name: str, password: str) -> User | None:
    """:func:`verify` with at most ``HASHING`` hashes at once (:class:`BusyError` when no turn
    comes in time)."""
    if not HASHING.acquire(timeout=HASH_WAIT):
        raise BusyError()
    try:
        return verify(path, name, password)
    finally:
        HASHING.release()


def entry(path: Path, name: str) -> dict:
    """The stored account ``name`` (its ``valid_after`` and ``unlocked_at`` times), or {}."""
    return _read(path).get(name) or {}


def set_password(path: Path, name: str, password: str) -> None:
    """A new password for ``name``; every session it has ends (``valid_after``)."""
    if len(password) < MIN_PASSWORD:
        raise UsageError(problem("user_password_short", n=MIN_PASSWORD))
    users = _read(path)
    if name not in users:
        names = "、".join(sorted(users)) or "（无）"
        raise UsageError(problem("user_not_found", name=name, names=names))
    users[name]["hash"] = _HASHER.hash(password)
    users[name]["valid_after"] = time.time()
    _write(path, users)


def unlock(path: Path, name: str) -> None:
    """Lift the login throttle for ``name`` (failures so far no longer count)."""
    users = _read(path)
    if name not in users:
        names = "、".join(sorted(users)) or "（无）"
        raise UsageError(problem("user_not_found", name=name, names=names))
    users[name]["unlocked_at"] = time.time()
    _write(path, users)
