"""Analysis: the statistics a research report stands on (third pipeline stage).

Flat functions take a :class:`Survey` (answers + bank) and return tidy DataFrames whose
columns are named in :mod:`surveytool.analysis.columns`; :func:`analyse` runs them all.

    from surveytool.analysis import Survey, analyse
    results = analyse(Survey(load_answers("survey.db", bank), bank), by=["B2"])
"""

from surveytool.analysis.compare import bh_adjust, dunn, group_test, holm_adjust, table_test
from surveytool.analysis.constructs import composite, cronbach, reliability
from surveytool.analysis.data import Survey
from surveytool.analysis.descriptive import (
    frequencies,
    likert,
    multi_response,
    numeric,
    quantiles,
    ranking,
    wilson,
)
from surveytool.analysis.run import DEFAULT_K, Results, analyse
from surveytool.analysis.sampling import krejcie_morgan, margin_of_error, sample_size

__all__ = [
    "DEFAULT_K",
    "Results",
    "Survey",
    "analyse",
    "bh_adjust",
    "composite",
    "cronbach",
    "dunn",
    "frequencies",
    "group_test",
    "holm_adjust",
    "krejcie_morgan",
    "likert",
    "margin_of_error",
    "multi_response",
    "numeric",
    "quantiles",
    "ranking",
    "reliability",
    "sample_size",
    "table_test",
    "wilson",
]
