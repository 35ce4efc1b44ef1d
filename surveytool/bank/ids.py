"""Ids of sections, questions, items and answer fields: names valid in SPSS and XLSForm.

A letter, then letters, digits and underscores, at most 64 characters (SPSS's limit);
case-sensitive, unique ignoring case (see :class:`surveytool.bank.checks.BankChecker`).
SPSS's reserved words and the ``relevant`` keywords are refused (``B1 == 1 and in == 2``
could not be parsed). The store's own columns (wave, unit, source, row…) are named with a
leading underscore, outside this namespace, so ``unit`` or ``wave`` are ordinary ids.
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


def id_problem(ident: str) -> tuple[str, dict[str, Any]] | None:
    """Why ``ident`` is not a valid id, as (message code, values); None when it is valid."""
    if not FIELD_ID.match(ident):
        return "bad_id", {"value": ident}
    if len(ident) > MAX_ID_LENGTH:
        return "id_too_long", {"value": ident, "length": len(ident), "limit": MAX_ID_LENGTH}
    if ident.lower() in RESERVED_IDS:
        return "reserved_id", {"value": ident}
    return None
