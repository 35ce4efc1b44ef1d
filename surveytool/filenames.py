"""File and folder names Windows accepts, and paths as Windows users type them.

Every name we make from a bank, unit or topic (a unit label becomes a folder, a bank id a
download name) goes through :func:`safe_name`: Windows refuses ``< > : " / \\ | ? *`` and
control characters, a name ending in a dot or space, and the device names (CON, PRN, AUX,
NUL, COM0–COM9, LPT0–LPT9, with any extension: ``NUL.xlsx`` is the null device too).
Paths typed into a campaign file may use ``\\`` (:func:`typed_path`). A path beyond Windows'
260 characters is written through its ``\\\\?\\`` form (:func:`long_path`).
"""

from __future__ import annotations

import os
import re
import sys
from pathlib import Path, PureWindowsPath

NAME_MAX = 80  # characters of a generated name (Windows allows 255 per component)
PATH_MAX = 259  # MAX_PATH less the terminating NUL: longer paths need the \\?\ form
_FORBIDDEN = re.compile(r'[<>:"/\\|?*\x00-\x1f\x7f]')
_DEVICES = {
    "CON",
    "PRN",
    "AUX",
    "NUL",
    "CONIN$",
    "CONOUT$",
    *(f"{d}{n}" for d in ("COM", "LPT") for n in [*"0123456789", "¹", "²", "³"]),
}


def safe_name(text: str, limit: int = NAME_MAX, fill: str = "_") -> str:
    """``text`` as one file or folder name that Windows (and every other system) accepts:
    forbidden characters replaced by ``fill``, trailing dots and spaces dropped, a device
    name prefixed with ``fill``, at most ``limit`` characters (the extension kept), never
    empty. Returns the name."""
    name = _FORBIDDEN.sub(fill, text).strip()
    stem, dot, ext = name.rpartition(".") if "." in name[1:] else (name, "", "")
    if dot and (len(ext) > 8 or not ext.isalnum()):  # not an extension: part of the name
        stem, dot, ext = name, "", ""
    room = max(limit - len(dot + ext), 1)
    name = stem[:room].rstrip(". ") + dot + ext
    name = name.rstrip(". ") or fill
    if is_device(name):
        name = fill + name
    return name


def is_device(name: str) -> bool:
    """Whether Windows takes ``name`` for a device (``nul``, ``COM1.txt``, ``aux .xlsx``)."""
    base = name.split(".", 1)[0].rstrip(" ").upper()
    return base in _DEVICES


def valid_on_windows(name: str) -> bool:
    """Whether ``name`` is a file name Windows accepts (for tests and checks)."""
    return (
        bool(name)
        and not _FORBIDDEN.search(name)
        and not name.endswith((".", " "))
        and not is_device(name)
        and len(name) <= 255
    )


def typed_path(text: str) -> Path:
    """A path as a Windows user types it into a file of ours: ``\\`` separates folders
    on every system (no one means a backslash inside a name)."""
    if os.sep == "/" and "\\" in text:
        return Path(*PureWindowsPath(text).parts)
    return Path(text)


def long_path(path: Path) -> Path:
    """``path`` as Windows can open it when it is longer than MAX_PATH: the ``\\\\?\\``
    (or ``\\\\?\\UNC\\``) form of its absolute path; unchanged elsewhere or when short."""
    if sys.platform != "win32":
        return path
    return Path(extended(str(path.absolute())))


def extended(absolute: str) -> str:
    """The ``\\\\?\\`` form of a Windows absolute path longer than PATH_MAX (else as is)."""
    if len(absolute) <= PATH_MAX or absolute.startswith("\\\\?\\"):
        return absolute
    if absolute.startswith("\\\\"):
        return "\\\\?\\UNC\\" + absolute[2:]
    return "\\\\?\\" + absolute
