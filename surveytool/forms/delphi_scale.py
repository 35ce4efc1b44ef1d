"""The integer rating scale of an expert consultation round (1–5 by default; 1–7, 1–9,
0–10 … as the study chose): shared by the form that shows it, the reader that checks the
ratings against it and the consensus rules (:mod:`surveytool.analysis.delphi_rules`).
Kept here, before ingest and analysis in the pipeline, so the readers never load the
statistics."""

from __future__ import annotations

import re
from dataclasses import dataclass

LOW, HIGH = 1, 5
WORDS_1_5 = "5 非常重要，4 重要，3 一般，2 不太重要，1 不重要"
MEAN_POSITION = 0.625  # 3.5 on 1–5
SCALE_PATTERN = re.compile(r"^\s*(-?\d{1,3})\s*[-～~—–至到]\s*(\d{1,3})\s*$")


@dataclass(frozen=True)
class Scale:
    """An integer rating range ``low``–``high`` (2 to 100 points)."""

    low: int = LOW
    high: int = HIGH

    @classmethod
    def parse(cls, text: str) -> Scale:
        """``"1-7"`` (or 1～7, 1至7) as a Scale; ValueError when it is not an integer range
        with at least two points, starting at 0 or above, ending at 100 or below."""
        m = SCALE_PATTERN.match(str(text))
        if not m:
            raise ValueError(text)
        low, high = int(m.group(1)), int(m.group(2))
        if low < 0 or high > 100 or high <= low:
            raise ValueError(text)
        return cls(low, high)

    def __str__(self) -> str:
        return f"{self.low}-{self.high}"

    @property
    def span(self) -> str:
        """``1～5``: how the range is written to a user."""
        return f"{self.low}～{self.high}"

    @property
    def words(self) -> str:
        """What the numbers mean, for the form and the messages."""
        if (self.low, self.high) == (LOW, HIGH):
            return WORDS_1_5
        return f"{self.high} 表示非常重要，{self.low} 表示很不重要，分数越高越重要"

    def holds(self, value: float) -> bool:
        """Whether ``value`` is a whole number on this scale."""
        return float(value).is_integer() and self.low <= value <= self.high

    def default_mean(self) -> float:
        """The default consensus threshold of the mean on this scale (3.5 on 1–5)."""
        return round(self.low + MEAN_POSITION * (self.high - self.low), 4)
