"""Small-cell suppression: which counts may not be shown.

A count of 1 to k−1 respondents is never shown (k = 5 by default). Within a set of counts
whose total is published (the options of one question), hiding a single cell is not enough:
it could be recovered as the total minus the others. So cells are added to the hidden ones,
smallest first, until at least two are hidden and together they hold at least k respondents
(complementary suppression). Zero counts describe nobody and stay visible.
"""

from __future__ import annotations

import numpy as np


def hide_small(counts: np.ndarray, k: int) -> np.ndarray:
    """A boolean mask over ``counts``: True where the count must not be shown."""
    counts = np.asarray(counts, dtype=float)
    hide = (counts > 0) & (counts < k)
    while hide.any() and (hide.sum() == 1 or counts[hide].sum() < k):
        candidates = np.flatnonzero(~hide & (counts > 0))
        if not len(candidates):
            break
        hide[candidates[np.argmin(counts[candidates])]] = True
    return hide


def hide_small_by(frame, key: str, column: str, k: int) -> np.ndarray:
    """:func:`hide_small` applied within each group of ``frame[key]`` (e.g. per question)."""
    out = np.zeros(len(frame), dtype=bool)
    positions = np.arange(len(frame))
    for _, idx in frame.groupby(key, sort=False).indices.items():
        out[positions[idx]] = hide_small(frame[column].to_numpy()[idx], k)
    return out
