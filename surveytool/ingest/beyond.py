"""Whether a chunk of a worksheet's XML holds a cell beyond a known extent, or a cell tag
whose place is not a plain leading ``r="A1"``: one RE2 search (pyarrow's, linear time, no
Python object per cell).

:func:`surveytool.ingest.extent.scan_part` finds a sheet's extent from every cell reference.
Reading them all out (5 M of them in a 100,000 x 50 sheet) costs 1.5 s; asking "is any of
them beyond the last row and column seen so far, or irregular?" costs 0.45 s for the same
170 MB. When the answer is no, the extent is unchanged by the chunk (its row tags aside,
which are read anyway); when it is yes, the chunk is read out exactly as before. So the
extent found is the same either way: the search only skips chunks that cannot change it.

The search runs on the bytes (RE2 in Latin-1 mode for Arrow's binary type): a byte that is
not ASCII never matches a letter or a digit, so it makes a tag irregular, as it does for
the exact scan's regular expression. It looks at tags with the sheet's own prefix or
none: a chunk that may hold another (a colon before ``c`` or ``row``) is read out by the
scan with any prefix instead, as calamine reads cells by their local name. A tag cut short
at the end of a chunk is irregular (a review
found that without the sentinel ``<`` a tag cut after ``<c `` hid the reference that
followed: tests/test_extent_scan.py keeps that case).
"""

from __future__ import annotations

import re
from functools import lru_cache

import pyarrow as pa
import pyarrow.compute as pc

NEVER = "[^\\x00-\\xff]"  # matches no byte (RE2 has no empty lookahead)
ANY_PREFIX = rb"(?:[^\t\n\r\f\v <>/!?:\"'=]+:)?"  # a namespace prefix, or none


def fits(data: bytes, prefix: str, last_col: int, last_row: int) -> bool:
    """True when every cell tag in ``data`` (with the sheet's ``prefix`` or none; the scan
    reads a chunk that may hold another prefix without this search) starts with a
    plain reference (``r="A1"``, 1-4 capitals and 1-8 digits) no further right than column
    ``last_col`` and no lower than row ``last_row``; False when some tag is irregular or
    beyond (read it exactly). ``data`` ends just before a ``<`` (the scan cuts its chunks
    there): a sentinel ``<`` is searched after it, so that a tag cut short at the end
    (``<c r="XF``) is irregular, as the exact scan finds it."""
    if last_col < 1 or last_row < 1:
        return False
    pattern = _pattern(prefix, last_col, last_row)
    return not pc.match_substring_regex(pa.array([data + b"<"], pa.binary()), pattern)[0].as_py()


@lru_cache(maxsize=64)
def _pattern(prefix: str, last_col: int, last_row: int) -> str:
    tag = f"<(?:{re.escape(prefix)})?c" if prefix else "<c"
    irregular = (
        # after the tag's name: not a space and r="…"; or a reference that is not 1-4
        # capitals and 1-8 digits closed by a quote (the exact scan's rule)
        r'(?:[>/\t\n\r\f\v]| [^r]| r[^=]| r=[^"]| r="[^A-Z]| r="[A-Z]{5}'
        r'| r="[A-Z]{1,4}[^A-Z0-9]| r="[A-Z]{1,4}[0-9]{9}| r="[A-Z]{1,4}[0-9]{1,8}[^"0-9])'
    )
    letters = _letters(last_col)
    wider = f"(?:[A-Z]{{{len(letters) + 1},}}|{_greater(letters, 'Z')})" if letters else "[A-Z]+"
    digits = str(last_row)
    lower = f"(?:[1-9][0-9]{{{len(digits)},}}|{_greater(digits, '9')})"
    beyond = f' r="(?:{wider}[0-9]|[A-Z]{{1,4}}0*{lower}")'
    return f"{tag}(?:{irregular}|{beyond})"


def _greater(text: str, top: str) -> str:
    """A regular expression for the strings as long as ``text`` (capitals or digits) that
    sort after it: for "AY", ``[B-Z][A-Z]|A[Z-Z]``; :data:`NEVER` when none do ("ZZ")."""
    any_char = "[A-Z]" if top == "Z" else "[0-9]"
    options = []
    for i, ch in enumerate(text):
        if ch == top:
            continue
        rest = len(text) - i - 1
        tail = f"{any_char}{{{rest}}}" if rest else ""
        options.append(f"{text[:i]}[{chr(ord(ch) + 1)}-{top}]{tail}")
    return "|".join(options) if options else NEVER


def _letters(number: int) -> str:
    """Column letters of a column number (1 = A), past ZZZ too (openpyxl's
    get_column_letter stops at 18,278; a reference may have four letters)."""
    out = ""
    while number > 0:
        number, rest = divmod(number - 1, 26)
        out = chr(65 + rest) + out
    return out
