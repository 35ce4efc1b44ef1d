"""Where the web app keeps things: the campaign folder served by ``surveytool serve DIR``.

Everything lives in DIR, beside ``campaign.yaml`` (the same files the CLI reads and writes)::

    campaign.yaml            the campaign (topics, banks, stores, units, milestones)
    选题N.db                 each topic's store (the campaign's ``store:``)
    收件箱/选题N/             uploaded files, under generated names only
    报告/选题N/               the latest draft report (html, md, docx, charts)
    三张清单/选题N-三张清单.xlsx
    分析/选题N.json           the latest analysis, as ``surveytool analyze --json`` writes it
    上传记录.csv              one line per uploaded file: who, when, name, sha256, result
    users.json               intranet-mode accounts (Argon2 hashes)
"""

from __future__ import annotations

import re
import secrets
import threading
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from surveytool.bank import builtin_dir, load_bank
from surveytool.bank.loader import resolve_bank
from surveytool.bank.model import Bank
from surveytool.errors import UsageError, problem
from surveytool.followup.campaign import Campaign, Topic, load_campaign

LOOPBACK = {"127.0.0.1", "localhost", "::1"}
WAVE = re.compile(r"^[^/\\:*?\"<>|\x00-\x1f]{1,20}$")


_BANKS: dict[tuple[str, int], Bank] = {}
_BANKS_LOCK = threading.Lock()


def cached_bank(ref: str) -> Bank:
    """``load_bank(ref)``, kept while the bank's file and the YAML files beside it and in
    the shared blocks are unchanged (loading a bank takes ~0.2 s; a page needs it each
    time)."""
    path = resolve_bank(ref)
    folders = {path.parent, builtin_dir() / "blocks"}
    stamp = max(
        (p.stat().st_mtime_ns for d in folders if d.is_dir() for p in d.glob("*.y*ml")),
        default=0,
    )
    key = (str(path.resolve()), stamp)
    with _BANKS_LOCK:
        bank = _BANKS.get(key)
    if bank is None:
        bank = load_bank(path)
        with _BANKS_LOCK:
            _BANKS[key] = bank
    return bank


def is_loopback(host: str) -> bool:
    """True for 127.0.0.0/8, localhost and ::1 (no login needed there)."""
    return host in LOOPBACK or host.startswith("127.")


@dataclass
class Site:
    """The campaign folder a server serves, and the options it was started with."""

    root: Path
    host: str = "127.0.0.1"
    port: int = 8765
    max_upload_mb: int = 200
    proxy_header: str | None = None  # e.g. X-Forwarded-For, set by the reverse proxy only

    @property
    def intranet(self) -> bool:
        """Login required: the server listens beyond this machine."""
        return not is_loopback(self.host)

    @property
    def campaign_file(self) -> Path:
        return self.root / "campaign.yaml"

    def campaign(self) -> Campaign:
        """The validated campaign (our UsageError when there is none yet; BankError when
        it does not validate, with every problem located)."""
        if not self.campaign_file.is_file():
            raise UsageError(problem("web_no_campaign", folder=str(self.root)))
        return load_campaign(self.campaign_file)

    def topic(self, number: str | int) -> Topic:
        """Topic ``number`` of the campaign, or our error listing the topics."""
        campaign = self.campaign()
        for t in campaign.topics:
            if str(t.topic) == str(number):
                return t
        topics = "、".join(str(t.topic) for t in campaign.topics) or "（无）"
        raise UsageError(problem("web_unknown_topic", value=str(number)[:40], topics=topics))

    def topic_of_bank(self, bank_id: str) -> tuple[Topic, Bank]:
        """The topic using bank ``bank_id`` and the loaded bank, or our error."""
        from surveytool.bank.build import suggest

        pairs = [(t, cached_bank(t.bank)) for t in self.campaign().topics]
        for t, bank in pairs:
            if bank.id == bank_id:
                return t, bank
        ids = [b.id for _, b in pairs]
        hint = suggest(bank_id, ids) or ""
        raise UsageError(
            problem("web_unknown_bank", value=str(bank_id)[:60], hint=hint, banks="、".join(ids))
        )

    def bank(self, t: Topic) -> Bank:
        return cached_bank(t.bank)

    def store(self, t: Topic) -> Path:
        return self.campaign().store_of(t)

    def inbox(self, t: Topic) -> Path:
        return self.root / "收件箱" / f"选题{t.topic}"

    def reports(self, t: Topic) -> Path:
        return self.root / "报告" / f"选题{t.topic}"

    def lists(self, t: Topic) -> Path:
        return self.root / "三张清单" / f"选题{t.topic}-三张清单.xlsx"

    def analysis(self, t: Topic) -> Path:
        return self.root / "分析" / f"选题{t.topic}.json"

    @property
    def upload_log(self) -> Path:
        return self.root / "上传记录.csv"

    @property
    def users_file(self) -> Path:
        return self.root / "users.json"

    @property
    def sessions_file(self) -> Path:
        return self.root / ".surveytool-sessions.json"

    def secret_key(self) -> bytes:
        """The key signing session cookies, kept in DIR so a restart keeps people logged in."""
        path = self.root / ".surveytool-secret"
        if not path.is_file():
            self.root.mkdir(parents=True, exist_ok=True)
            path.write_bytes(secrets.token_bytes(32))
            path.chmod(0o600)
        return path.read_bytes()


def check_wave(wave: str | None) -> str:
    """A wave label as typed (default 首轮), or our error saying what is accepted."""
    text = (wave or "首轮").strip()
    if not WAVE.match(text):
        raise UsageError(problem("web_bad_wave", value=text[:40]))
    return text


def check_choice(value: str | None, choices: tuple[str, ...], what: str) -> str:
    """``value`` if it is one of ``choices`` (the first when empty), else our error."""
    if not value:
        return choices[0]
    if value not in choices:
        raise UsageError(
            problem("web_bad_choice", what=what, value=value[:40], choices="、".join(choices))
        )
    return value


def generated_name(suffix: str) -> str:
    """A file name nobody chose: time, random hex, the (checked) suffix."""
    return f"{datetime.now():%Y%m%d-%H%M%S}-{secrets.token_hex(6)}{suffix}"
