"""Choosing a Simplified-Chinese font for charts, deliberately.

Order: a system font known to draw Simplified-Chinese glyph forms (Noto Sans CJK SC, Source
Han Sans SC, Microsoft YaHei, SimHei, PingFang SC, WenQuanYi Zen Hei); otherwise the Noto
Sans CJK collection shipped by the ``noto-cjk[sans]`` dependency, whose "Noto Sans CJK SC"
face matplotlib (>= 3.11) registers from the .ttc. We always name the SC face: the JP face a
naive loader picks first draws some characters in Japanese forms.
"""

from __future__ import annotations

from functools import lru_cache

import matplotlib
from matplotlib import font_manager

PREFERRED = (
    "Noto Sans CJK SC",
    "Source Han Sans SC",
    "Microsoft YaHei",
    "SimHei",
    "PingFang SC",
    "WenQuanYi Zen Hei",
)


def _available() -> set[str]:
    return {f.name for f in font_manager.fontManager.ttflist}


@lru_cache(maxsize=1)
def chinese_font() -> str:
    """The font family used for every chart (registers the packaged font if needed)."""
    names = _available()
    for name in PREFERRED:
        if name in names:
            return name
    try:
        import noto_cjk

        font_manager.fontManager.addfont(str(noto_cjk.otc_path("sans")))
    except Exception:  # the dependency is missing or broken: fall back to what exists
        return "sans-serif"
    return "Noto Sans CJK SC" if "Noto Sans CJK SC" in _available() else "sans-serif"


def use_chinese_font() -> str:
    """Set matplotlib's defaults to the Chinese font; returns its name."""
    name = chinese_font()
    matplotlib.rcParams["font.family"] = "sans-serif"
    matplotlib.rcParams["font.sans-serif"] = [name, "DejaVu Sans"]
    matplotlib.rcParams["axes.unicode_minus"] = False
    return name
