"""Small edits of ``campaign.yaml`` that keep the user's comments and layout.

:func:`set_topic_bank` points one topic at another bank (``bank-from`` in the web app): only
that topic's ``bank:`` line changes; the result is validated like any campaign and, if it
does not validate, the file is left exactly as it was.
"""

from __future__ import annotations

import re
from pathlib import Path

from surveytool.atomic import write_atomic
from surveytool.errors import BankError, UsageError, problem
from surveytool.followup.campaign import load_campaign

_TOPIC = re.compile(r"^(\s*)-\s*topic:\s*(\S+)\s*(#.*)?$")


def set_topic_bank(path: Path, topic: int, ref: str) -> None:
    """Set topic ``topic``'s ``bank:`` to ``ref`` (a path relative to the campaign file or a
    built-in id). Raises BankError (located) when the edited campaign does not validate, or
    UsageError when the topic has no ``bank:`` line; the file is then unchanged."""
    old = path.read_text(encoding="utf-8")
    lines = old.splitlines(keepends=True)
    start = next(
        (
            i
            for i, line in enumerate(lines)
            if (m := _TOPIC.match(line)) and m.group(2) == str(topic)
        ),
        None,
    )
    if start is None:
        raise UsageError(
            problem("web_unknown_topic", value=str(topic), topics="（见 campaign.yaml）")
        )
    indent = len(_TOPIC.match(lines[start]).group(1))  # type: ignore[union-attr]
    for i in range(start, len(lines)):
        if i > start and _TOPIC.match(lines[i]) and len(_TOPIC.match(lines[i]).group(1)) == indent:  # type: ignore[union-attr]
            break
        m = re.match(r"^(\s*(?:-\s*)?bank:\s*)(.*?)(\s*#.*)?(\r?\n)?$", lines[i])
        if m:
            quoted = '"' + ref.replace("\\", "/").replace('"', '\\"') + '"'
            lines[i] = f"{m.group(1)}{quoted}{m.group(3) or ''}{m.group(4) or ''}"
            break
    else:
        raise UsageError(
            problem("web_unknown_topic", value=str(topic), topics="（见 campaign.yaml）")
        )
    text = "".join(lines)
    write_atomic(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))
    try:
        load_campaign(path)
    except BankError:
        write_atomic(path, lambda tmp: tmp.write_text(old, encoding="utf-8"))
        raise
