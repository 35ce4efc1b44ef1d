"""Forms that go out: respondent and collection workbooks, and XLSForm (second stage).

Only this package and ``ingest`` import the spreadsheet library.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from openpyxl.workbook.protection import WorkbookProtection

from surveytool.bank.model import Bank
from surveytool.errors import FormError, UsageError, problem
from surveytool.forms.collection import build_collection
from surveytool.forms.reader import read_structure
from surveytool.forms.respondent import build_respondent
from surveytool.forms.structure import LAYOUTS, Entry, FormStructure
from surveytool.forms.xlsform import build_xlsform

__all__ = [
    "LAYOUTS",
    "Entry",
    "FormStructure",
    "read_structure",
    "save_atomic",
    "write_form",
    "write_xlsform",
]


def save_atomic(wb, path: str | Path) -> Path:
    """Save a workbook to a temporary file beside ``path``, then rename it into place.

    A crash never leaves a half-written file; an earlier file stays intact until replaced.
    Raises FormError (output_not_writable) when the folder or file cannot be written.
    """
    target = Path(path)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=".~", suffix=".xlsx", dir=target.parent)
        os.close(fd)
        try:
            wb.save(tmp)
            umask = os.umask(0)
            os.umask(umask)
            Path(tmp).chmod(0o666 & ~umask)  # mkstemp makes 0600; give the usual permissions
            Path(tmp).replace(target)
        finally:
            Path(tmp).unlink(missing_ok=True)
    except OSError as exc:
        raise FormError(
            problem("output_not_writable", path=str(target), detail=exc.strerror or str(exc))
        ) from None
    return target


def write_form(bank: Bank, path: str | Path, layout: str = "respondent") -> FormStructure:
    """Write ``bank`` as an Excel form; returns the structure embedded in its hidden sheet.

    ``layout`` is ``respondent`` (one questionnaire per file) or ``collection`` (one row per
    respondent). Raises UsageError for an unknown layout, FormError if it cannot be saved.
    """
    if layout not in LAYOUTS:
        raise UsageError(problem("bad_layout", value=layout))
    build = build_respondent if layout == "respondent" else build_collection
    wb, structure = build(bank)
    wb.security = WorkbookProtection(lockStructure=True)
    save_atomic(wb, path)
    return structure


def write_xlsform(bank: Bank, path: str | Path) -> Path:
    """Write ``bank`` as an XLSForm (survey / choices / settings) for KoboToolbox / ODK."""
    return save_atomic(build_xlsform(bank), path)
