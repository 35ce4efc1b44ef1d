"""Charts (fourth pipeline stage): result tables in, matplotlib Figures out.

Counting lives in :mod:`surveytool.analysis`; these functions only draw. Chinese text uses a
Simplified-Chinese font chosen in :mod:`surveytool.charts.fonts`.

Importing this package does not import matplotlib (about half a second): ``save``,
``figures``, ``chinese_font`` and ``use_chinese_font`` are loaded when first used, so a
report whose charts are drawn in worker processes (:mod:`surveytool.charts.jobs`) never
pays for it in the main process.
"""

from __future__ import annotations

from importlib import import_module
from pathlib import Path
from typing import TYPE_CHECKING, Any

from surveytool.atomic import write_atomic

if TYPE_CHECKING:
    from matplotlib.figure import Figure

DPI = 150

_LAZY = {
    "figures": ("surveytool.charts.figures", None),
    "chinese_font": ("surveytool.charts.fonts", "chinese_font"),
    "use_chinese_font": ("surveytool.charts.fonts", "use_chinese_font"),
}


def save(fig: Figure, path: str | Path) -> Path:
    """Write ``fig`` as PNG (150 dpi); returns the path."""
    return write_atomic(path, lambda tmp: fig.savefig(tmp, dpi=DPI, format="png"))


def __getattr__(name: str) -> Any:
    if name not in _LAZY:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    module, attr = _LAZY[name]
    value = import_module(module)
    return getattr(value, attr) if attr else value


__all__ = ["DPI", "chinese_font", "figures", "save", "use_chinese_font"]
