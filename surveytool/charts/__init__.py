"""Charts (fourth pipeline stage): result tables in, matplotlib Figures out.

Counting lives in :mod:`surveytool.analysis`; these functions only draw. Chinese text uses a
Simplified-Chinese font chosen in :mod:`surveytool.charts.fonts`.
"""

from __future__ import annotations

from pathlib import Path

from matplotlib.figure import Figure

from surveytool.atomic import write_atomic
from surveytool.charts import figures
from surveytool.charts.fonts import chinese_font, use_chinese_font

DPI = 150


def save(fig: Figure, path: str | Path) -> Path:
    """Write ``fig`` as PNG (150 dpi); returns the path."""
    return write_atomic(path, lambda tmp: fig.savefig(tmp, dpi=DPI, format="png"))


__all__ = ["chinese_font", "figures", "save", "use_chinese_font"]
