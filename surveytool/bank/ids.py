"""Ids of sections, questions, items and answer fields: names valid in SPSS and XLSForm.

A letter, then letters, digits and underscores, at most 64 characters (SPSS's limit);
case-sensitive, unique ignoring case (see :class:`surveytool.bank.checks.BankChecker`).
SPSS's reserved words and the ``relevant`` keywords are refused (``B1 == 1 and in == 2``
could not be parsed), as are the bookkeeping columns of every table of answers.
"""

from __future__ import annotations

import re
from typing import Any

FIELD_ID = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
MAX_ID_LENGTH = 64
RESERVED_IDS = frozenset(
    {"all", "and", "by", "eq", "ge", "gt", "le", "lt", "ne", "not", "or", "to", "with"}
    | {"in", "has"}
)
# The bookkeeping columns every table of answers carries beside the fields
# (surveytool.store.answers.META_COLUMNS; a test keeps the two equal).
RESERVED_COLUMNS = (
    "response_id",
    "wave",
    "bank_version",
    "source",
    "sheet",
    "row",
    "corrected_in",
    "rid",
    "unit",
    "channel",
)


def id_problem(ident: str) -> tuple[str, dict[str, Any]] | None:
    """Why ``ident`` is not a valid id, as (message code, values); None when it is valid."""
    if not FIELD_ID.match(ident):
        return "bad_id", {"value": ident}
    if len(ident) > MAX_ID_LENGTH:
        return "id_too_long", {"value": ident, "length": len(ident), "limit": MAX_ID_LENGTH}
    if ident.lower() in RESERVED_IDS:
        return "reserved_id", {"value": ident}
    if ident.lower() in RESERVED_COLUMNS:
        return "reserved_column_id", {"value": ident, "names": "、".join(RESERVED_COLUMNS)}
    return None
