"""The answers as analysis sees them: numeric arrays per field, and who was shown what.

``Survey`` wraps the DataFrame from :func:`surveytool.store.load_answers` (or any frame
with one column per field id) and the bank. A question's *base* is the respondents who were
shown it: those for whom its skip logic (and its section's) is not false. Answers to
skipped questions never reach the store, so the base is computed from the other answers,
exactly as ingest decided.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np
import pandas as pd

from surveytool.bank import expr
from surveytool.bank.model import Bank, Field, Question


@dataclass
class Survey:
    """Answers of one bank (one wave, or pooled) ready for analysis."""

    frame: pd.DataFrame
    bank: Bank
    _numeric: dict[str, np.ndarray] = field(default_factory=dict, repr=False)

    @property
    def n(self) -> int:
        """Number of respondents."""
        return len(self.frame)

    def values(self, fid: str) -> np.ndarray:
        """A code/number field as a float array (NaN = missing). Answers coded as 不清楚/
        不适用 (options marked ``missing``) are NaN here, as SPSS user-missing values: out of
        bases, means, reliability and tests; :meth:`raw_values` keeps them."""
        key = f"{fid}\0analysis"
        if key not in self._numeric:
            x = self.raw_values(fid)
            missing = self._missing_codes(fid)
            if missing:
                x = np.where(np.isin(x, missing), np.nan, x)
            self._numeric[key] = x
        return self._numeric[key]

    def _missing_codes(self, fid: str) -> tuple[int, ...]:
        try:
            return self.bank.field(fid).missing_codes
        except KeyError:
            return ()

    def raw_values(self, fid: str) -> np.ndarray:
        """A code/number field as stored, 不清楚/不适用 codes included (NaN = no answer)."""
        if fid not in self._numeric:
            col = (
                self.frame[fid]
                if fid in self.frame.columns
                else pd.Series(np.nan, index=self.frame.index)
            )
            if isinstance(col.dtype, pd.CategoricalDtype):
                col = col.astype("Float64")
            self._numeric[fid] = pd.to_numeric(col, errors="coerce").to_numpy(
                dtype=float, na_value=np.nan
            )
        return self._numeric[fid]

    def texts(self, fid: str) -> list[str | None]:
        """A text field as a list of str (None = missing)."""
        if fid not in self.frame.columns:
            return [None] * self.n
        return [
            None if pd.isna(v) or not str(v).strip() else str(v) for v in self.frame[fid].tolist()
        ]

    @cached_property
    def _all_values(self) -> dict[str, np.ndarray]:
        return {
            f.id: self.raw_values(f.id) for f in self.bank.fields if f.kind not in ("text", "other")
        }

    def shown(self, q: Question) -> np.ndarray:
        """Respondents who were shown question ``q`` (its base)."""
        section = self.bank.section_of(q.id)
        mask = np.ones(self.n, dtype=bool)
        for tree in (section.relevant_tree, q.relevant_tree):
            _, false = expr.evaluate_arrays(tree, self._all_values, self.n)
            mask &= ~false
        return mask

    def answered(self, q: Question) -> np.ndarray:
        """Respondents with at least one answer to ``q``."""
        mask = np.zeros(self.n, dtype=bool)
        for f in self.fields_of(q):
            if f.kind in ("text", "other"):
                mask |= np.array([t is not None for t in self.texts(f.id)], dtype=bool)
            else:
                mask |= ~np.isnan(self.raw_values(f.id))
        return mask

    def fields_of(self, q: Question) -> list[Field]:
        """The answer fields of ``q`` (without its 其他 text)."""
        return [f for f in self.bank.fields if f.question == q.id and f.kind != "other"]

    def subset(self, mask: np.ndarray) -> Survey:
        """The respondents where ``mask`` is true."""
        return Survey(self.frame.loc[mask].reset_index(drop=True), self.bank)
