"""Forms that go out: respondent and collection workbooks, and XLSForm (second stage).

Only this package and ``ingest`` import the spreadsheet library.
"""

from __future__ import annotations

from pathlib import Path

from openpyxl.workbook.protection import WorkbookProtection

from surveytool.atomic import write_atomic
from surveytool.bank.model import Bank
from surveytool.errors import FormError, UsageError, os_detail, problem
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
        write_atomic(target, lambda tmp: wb.save(tmp))
    except OSError as exc:
        raise FormError(
            problem("output_not_writable", path=str(target), detail=os_detail(exc))
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
