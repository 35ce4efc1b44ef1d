"""Small-cell suppression: which counts may not be shown.

A count of 1 to k−1 respondents is never shown (k = 5 by default). Within a set of counts
whose total is published (the options of one question), hiding a single cell is not enough:
it could be recovered as the total minus the others. So cells are added to the hidden ones,
smallest first, until at least two are hidden and together they hold at least k respondents
(complementary suppression). Zero counts describe nobody and stay visible.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from surveytool.bank.model import Option


def hide_small(counts: np.ndarray, k: int) -> np.ndarray:
    """A boolean mask over ``counts``: True where the count must not be shown."""
    counts = np.asarray(counts, dtype=float)
    return _complete(counts, (counts > 0) & (counts < k), k)


def _complete(counts: np.ndarray, hide: np.ndarray, k: int, zeros: bool = False) -> np.ndarray:
    """``hide`` grown, smallest cell first, until the hidden cells of this published total
    are none, or at least two holding at least k together. With ``zeros``, an empty cell is
    hidden too when no other cell is left (in a crosstab, a line whose only other cell is 0
    would otherwise show its one hidden cell as total − 0)."""
    hide = hide.copy()
    while hide.any() and (hide.sum() == 1 or counts[hide].sum() < k):
        candidates = np.flatnonzero(~hide & (counts > 0))
        if not len(candidates) and zeros:
            candidates = np.flatnonzero(~hide)
        if not len(candidates):
            break
        hide[candidates[np.argmin(counts[candidates])]] = True
    return hide


def hide_small_2d(
    table: np.ndarray, k: int, hidden_columns: np.ndarray | None = None
) -> np.ndarray:
    """:func:`hide_small` for a crosstab whose row and column totals are both published:
    small cells (and the cells of ``hidden_columns``, e.g. groups under k) hidden, then
    complementary cells added row by row and column by column until every row and column
    satisfies the rule. Returns a mask of ``table``'s shape."""
    t = np.asarray(table, dtype=float)
    hide = (t > 0) & (t < k)
    if hidden_columns is not None:
        hide[:, hidden_columns] |= t[:, hidden_columns] > 0
    changed = True
    while changed:
        before = hide.copy()
        for i in range(t.shape[0]):
            hide[i] = _complete(t[i], hide[i], k, zeros=True)
        for j in range(t.shape[1]):
            hide[:, j] = _complete(t[:, j], hide[:, j], k, zeros=True)
        changed = bool((hide != before).any())
    return hide


MERGED_CODE = -1  # the code of the group that holds the small groups of a breakdown
MERGED_LABEL = "其他（合并）"


def merge_small_groups(
    values: np.ndarray, options: tuple[Option, ...], k: int
) -> tuple[np.ndarray, tuple[Option, ...]]:
    """A breakdown in which no group holds 1 to k−1 people: the small groups are merged into
    one group 其他（合并）(code ``MERGED_CODE``), and while that group is still under k the
    smallest other groups join it (secondary suppression). Every figure of the breakdown is
    then about a group of at least k, so the total minus the shown groups gives back only
    the merged group — itself at least k. Returns the recoded values and the options (the
    merged group last; empty groups kept as they are)."""
    counts = {o.code: int(np.sum(values == o.code)) for o in options}
    merged = {c for c, n in counts.items() if 0 < n < k}
    if not merged:
        return values, options
    held = sum(counts[c] for c in merged)
    rest = sorted((n, i, c) for i, (c, n) in enumerate(counts.items()) if c not in merged and n)
    while held < k and rest:
        n, _, c = rest.pop(0)
        merged.add(c)
        held += n
    recoded = np.where(np.isin(values, list(merged)), float(MERGED_CODE), values)
    kept = tuple(o for o in options if o.code not in merged)
    return recoded, (*kept, Option(MERGED_CODE, MERGED_LABEL))


def hide_small_by(frame, key: str, column: str, k: int) -> np.ndarray:
    """:func:`hide_small` applied within each group of ``frame[key]`` (e.g. per question)."""
    out = np.zeros(len(frame), dtype=bool)
    positions = np.arange(len(frame))
    for _, idx in frame.groupby(key, sort=False).indices.items():
        out[positions[idx]] = hide_small(frame[column].to_numpy()[idx], k)
    return out


def merge_small_bins(
    edges: np.ndarray, counts: np.ndarray, k: int
) -> tuple[np.ndarray, np.ndarray]:
    """Histogram bins merged with their neighbours until none holds 1 to k−1 people.

    Returns (edges, counts) of the merged bins. Bins are joined left to right until the
    group holds at least k; a short group left at the end joins the group before it (and
    the empty bins between). Empty bins stay as they are. Fewer than k people in all: no bins.
    """
    counts = np.asarray(counts, dtype=int)
    groups: list[list[int]] = []  # [first bin, last bin + 1, count]
    start, held = 0, 0
    for i, c in enumerate(counts):
        if held == 0 and c == 0:
            groups.append([i, i + 1, 0])
            start = i + 1
            continue
        held += int(c)
        if held >= k:
            groups.append([start, i + 1, held])
            start, held = i + 1, 0
    if held:
        while groups and groups[-1][2] == 0:
            groups.pop()
        if not groups:
            return np.asarray(edges[:1], dtype=float), np.zeros(0, dtype=int)
        groups[-1] = [groups[-1][0], len(counts), groups[-1][2] + held]
    cut = [g[0] for g in groups] + [groups[-1][1]] if groups else [0]
    return np.asarray(edges, dtype=float)[cut], np.array([g[2] for g in groups], dtype=int)


def likert_derived(lik: pd.DataFrame, freq: pd.DataFrame, k: int) -> pd.DataFrame:
    """``lik`` with flags for the item figures that would give hidden cells away.

    An item's mean, with its shown cells and its total, is one more equation in the hidden
    counts (two hidden cells: solved exactly), so ``mean_suppressed`` and ``sd_suppressed``
    are True when any cell of the item is hidden (or fewer than k answered). A top-2 or
    bottom-2 share is a partial total: it gives away the hidden cells inside it unless it
    holds none or all of them (``top2_percent_suppressed``, ``bottom2_percent_suppressed``).
    Answers counted as 不清楚 (``dont_know`` rows) are outside both.
    """
    out = lik.copy()
    if "dont_know" in freq:  # 不清楚 answers are in neither the mean nor the shares
        freq = freq[~freq["dont_know"].astype(bool)]
    hidden = freq[freq["suppressed"].astype(bool)].groupby("field")["option"].agg(set)
    codes = freq.groupby("field")["option"].agg(lambda c: sorted(c))
    small = (out["n"] < k).to_numpy()
    none: set = set()
    h = [hidden.get(f, none) for f in out["field"]]
    c = [codes.get(f, []) for f in out["field"]]
    out["mean_suppressed"] = small | np.array([bool(x) for x in h])
    out["sd_suppressed"] = out["mean_suppressed"]
    for col, end in (("top2_percent", slice(-2, None)), ("bottom2_percent", slice(0, 2))):
        part = [
            bool(x & set(cs[end])) and not x <= set(cs[end]) for x, cs in zip(h, c, strict=True)
        ]
        out[f"{col}_suppressed"] = small | np.array(part, dtype=bool)
    return out
