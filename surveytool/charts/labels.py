"""Chart labels in Chinese: wrapped into balanced lines, never inside brackets or quotes."""

from __future__ import annotations

WRAP = 16  # characters per label line (the default)

OPENING, CLOSING = "（(“‘《【〔", "）)”’》】〕"


def wrap(text: str, width: int = WRAP) -> str:
    """Wrap a (Chinese) label to lines of about ``width`` characters, never inside brackets
    or quotes: a line that would end inside （…） or “…” ends before the opening mark (or, if
    the bracket is longer than a line, after its closing one)."""
    text = str(text)
    if len(text) <= width:
        return text
    lines = -(-len(text) // width)
    balanced = _wrap_lines(text, max(width // 2, -(-len(text) // lines)))
    # balanced lines (no last line of one or two characters), unless brackets make them more
    return "\n".join(balanced if len(balanced) <= lines else _wrap_lines(text, width))


def _wrap_lines(text: str, width: int) -> list[str]:
    lines: list[str] = []
    while len(text) > width:
        cut = _break_at(text, width)
        lines.append(text[:cut].rstrip())
        text = text[cut:].lstrip()
    lines.append(text)
    return [x for x in lines if x] or [text]


def _break_at(text: str, width: int) -> int:
    """Where to end the first line of ``text`` (its length exceeds ``width``)."""
    depth, opened = 0, -1
    for k, ch in enumerate(text[:width]):
        if ch in OPENING:
            depth, opened = depth + 1, (k if depth == 0 else opened)
        elif ch in CLOSING and depth:
            depth -= 1
    if depth == 0:
        space = text.rfind(" ", width // 2, width + 1)
        if space > 0:  # text with spaces (n = 36) breaks at one, as it is read
            return space
        if text[width] in CLOSING:  # a closing mark would start the next line: take it along
            return width + 1
        cut = width
        while (
            cut > width // 2
            and (text[cut - 1] + text[cut]).isascii()
            and (text[cut - 1] + text[cut]).isalnum()
        ):
            cut -= 1  # never split a number or a Latin word
        return cut
    if opened > 0:
        return opened
    close = next((k for k in range(width, len(text)) if text[k] in CLOSING), len(text) - 1)
    return close + 1


__all__ = ["CLOSING", "OPENING", "wrap"]
