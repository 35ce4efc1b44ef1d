"""surveytool: question banks → Excel forms → ingest → statistics → charts → reports.

The library behind the ``surveytool`` command; a notebook user can call it directly::

    from surveytool import load_bank, write_form
    bank = load_bank("young_researchers")
    write_form(bank, "问卷.xlsx", layout="respondent")
"""

from surveytool.bank import Bank, load_bank
from surveytool.errors import SurveyToolError

__version__ = "0.1.0"

__all__ = ["Bank", "SurveyToolError", "__version__", "load_bank"]
