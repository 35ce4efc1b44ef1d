"""surveytool: question banks → Excel forms → ingest → statistics → charts → reports.

The library behind the ``surveytool`` command; a notebook user can call it directly::

    from surveytool import load_bank, write_form, load_answers, Survey, analyse, make_report
    from surveytool.ingest import ingest  # (``surveytool.ingest`` is the stage's package)
    bank = load_bank("young_researchers")
    write_form(bank, "问卷.xlsx", layout="respondent")
    summary = ingest(["回收的问卷/"], bank, "调研.db", wave="首轮")
    results = analyse(Survey(load_answers("调研.db", bank), bank))
    make_report("调研.db", bank, "报告/")

Everything but the bank model is imported on first use, so ``import surveytool`` stays light.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

from surveytool.bank import Bank, load_bank
from surveytool.errors import SurveyToolError

__version__ = "0.1.0"

# name -> module that defines it (imported when first asked for)
_LAZY = {
    "write_form": "surveytool.forms",
    "write_xlsform": "surveytool.forms",
    "load_answers": "surveytool.store",
    "export_responses": "surveytool.store",
    "Survey": "surveytool.analysis",
    "analyse": "surveytool.analysis",
    "make_report": "surveytool.report",
    "run_demo": "surveytool.demo",
}


def __getattr__(name: str) -> Any:
    """The library's stages, imported on first use (PEP 562)."""
    if name in _LAZY:
        return getattr(import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'surveytool' has no attribute {name!r}")


__all__ = ["Bank", "SurveyToolError", "__version__", "load_bank", *_LAZY]
