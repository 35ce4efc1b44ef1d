"""Rating scales and consensus rules of expert consultation rounds (issue 26).

A round is rated on one integer :class:`Scale` (1–5 by default; 1–7, 1–9, 0–10 … as the
study chose). Two consensus rules:

- :class:`ConsensusRule` (the convention of Chinese Delphi studies): mean ≥ a threshold and
  CV ≤ 0.25 (optionally a full-score ratio). Its default mean threshold follows the scale:
  the point 5/8 of the way from the bottom to the top, which is 3.5 on 1–5, 4.75 on 1–7,
  6 on 1–9 and 6.25 on 0–10.
- :class:`RandRule`, the RAND/UCLA appropriateness method on 1–9 (Fitch et al. 2001, *The
  RAND/UCLA Appropriateness Method User's Manual*, ch. 8): median 7–9 appropriate (适宜),
  4–6 uncertain (不确定), 1–3 inappropriate (不适宜); disagreement by the IPRAS:
  IPR = P70 − P30, IPRCP = (P30 + P70) / 2, AI = |5 − IPRCP|, IPRAS = 2.35 + 1.5 · AI,
  disagreement when IPR > IPRAS (percentiles by linear interpolation, R's type 7). An item
  with disagreement is uncertain whatever its median; consensus = appropriate.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from surveytool.forms.delphi_scale import (  # the scale is the form's
    Scale,
)

RAND_IPR = 2.35
RAND_CFA = 1.5
RAND_LABELS = ("适宜", "不确定", "不适宜")


@dataclass(frozen=True)
class ConsensusRule:
    """When an item counts as agreed: mean ≥ ``min_mean`` and CV ≤ ``max_cv`` (and, when
    given, full-score ratio ≥ ``min_full``)."""

    min_mean: float = 3.5
    max_cv: float = 0.25
    min_full: float | None = None

    @classmethod
    def for_scale(
        cls,
        scale: Scale,
        min_mean: float | None = None,
        max_cv: float = 0.25,
        min_full: float | None = None,
    ) -> ConsensusRule:
        """The rule on ``scale``: ``min_mean`` defaults to :meth:`Scale.default_mean`."""
        return cls(scale.default_mean() if min_mean is None else min_mean, max_cv, min_full)

    def holds(self, mean: float, cv: float, full: float) -> bool:
        """Whether an item with these statistics meets the rule."""
        if not (mean == mean and cv == cv):
            return False
        ok = mean >= self.min_mean and cv <= self.max_cv
        return ok and (self.min_full is None or full >= self.min_full)

    def judge(self, values: np.ndarray, stats: dict[str, float]) -> dict[str, Any]:
        """``{"consensus": bool}`` for one item (``stats`` has mean, cv, full_score_ratio)."""
        return {"consensus": self.holds(stats["mean"], stats["cv"], stats["full_score_ratio"])}

    def describe(self) -> str:
        """The rule in Chinese, e.g. ``均值 ≥ 3.5 且变异系数 ≤ 0.25``."""
        text = f"均值 ≥ {self.min_mean:g} 且变异系数 ≤ {self.max_cv:g}"
        if self.min_full is not None:
            text += f" 且满分比 ≥ {self.min_full:g}"
        return text

    def to_dict(self) -> dict[str, Any]:
        """The thresholds, for JSON."""
        return {"min_mean": self.min_mean, "max_cv": self.max_cv, "min_full": self.min_full}


def rand_judgement(values: np.ndarray) -> dict[str, Any]:
    """RAND/UCLA statistics of one item's 1–9 ratings (NaN left out): median, p30, p70, ipr,
    ipras, disagreement, appropriateness (适宜/不确定/不适宜) and consensus (= 适宜)."""
    v = np.asarray(values, dtype=float)
    v = v[~np.isnan(v)]
    if len(v) == 0:
        nan = float("nan")
        return {
            "median": nan,
            "p30": nan,
            "p70": nan,
            "ipr": nan,
            "ipras": nan,
            "disagreement": False,
            "appropriateness": "不确定",
            "consensus": False,
        }
    median = float(np.median(v))
    p30, p70 = (float(x) for x in np.percentile(v, [30, 70]))
    ipr = p70 - p30
    ipras = RAND_IPR + RAND_CFA * abs(5 - (p30 + p70) / 2)
    disagreement = bool(ipr > ipras)
    label = "适宜" if median >= 7 else "不适宜" if median <= 3 else "不确定"
    label = "不确定" if disagreement else label
    return {
        "median": median,
        "p30": p30,
        "p70": p70,
        "ipr": ipr,
        "ipras": ipras,
        "disagreement": disagreement,
        "appropriateness": label,
        "consensus": label == "适宜",
    }


RAND_COLUMNS = ["median", "p30", "p70", "ipr", "ipras", "disagreement", "appropriateness"]


@dataclass(frozen=True)
class RandRule:
    """The RAND/UCLA appropriateness rule on a 1–9 scale (see the module docstring)."""

    def judge(self, values: np.ndarray, stats: dict[str, float]) -> dict[str, Any]:
        """The RAND/UCLA columns and ``consensus`` of one item."""
        return rand_judgement(values)

    def describe(self) -> str:
        """The rule in Chinese."""
        return "RAND/UCLA 适宜性评价：中位数 7～9 且专家无分歧（IPR ≤ IPRAS）为适宜"

    def to_dict(self) -> dict[str, Any]:
        """The rule's name and constants, for JSON."""
        return {"method": "rand_ucla", "ipr_r": RAND_IPR, "cfa": RAND_CFA}


Rule = ConsensusRule | RandRule

__all__ = [
    "RAND_COLUMNS",
    "ConsensusRule",
    "RandRule",
    "Rule",
    "Scale",
    "rand_judgement",
]
