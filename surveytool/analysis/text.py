"""Open answers: keywords (jieba with a stop-word list and a science-policy dictionary) and a
few representative answers with personal data masked.

A keyword's ``n`` is the number of answers that contain it (not the number of times it
appears), so one talkative respondent cannot make a keyword. Users extend the dictionary
with their own file (one term per line) and the stop words likewise.

Time is linear in the text: every masking pattern in :data:`MASKS` has bounded repeats
(the e-mail pattern's unbounded ``[\\w.+-]+`` took 9–16 s on one 40,000-character answer),
and only the first :data:`MAX_CHARS` characters of an answer are analysed (segmented,
searched, quoted) — the report's method note says so (:data:`CAP_NOTE`). Ingest refuses a
cell over ``normalise.MAX_CHARS`` characters, so no stored answer is far beyond it.
"""

from __future__ import annotations

import logging
import re
from collections import Counter
from importlib import resources
from pathlib import Path
from typing import NamedTuple

import pandas as pd

from surveytool.analysis.columns import PERCENT, N

MAX_CHARS = 2000  # characters of one answer that are analysed (keywords, quotes)
CAP_NOTE = (
    f"开放题：一个回答超过 {MAX_CHARS:,} 个字符时，只取前 {MAX_CHARS:,} 个字符统计关键词和摘录"
    "（超长的回答多为误粘贴的文档）。"
)


class Mask(NamedTuple):
    """One kind of personal data: a name, a pattern whose every repeat is bounded (so a
    search is linear in the text), and what replaces a match."""

    name: str
    pattern: re.Pattern[str]
    replacement: str


# In order: a longer pattern before one that would match part of it. Extend by appending.
MASKS: list[Mask] = [
    Mask(
        "email",
        re.compile(r"[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63}){1,8}"),
        "[邮箱]",
    ),
    Mask("id18", re.compile(r"(?<!\d)\d{17}[\dXx](?!\d)"), "[身份证号]"),
    Mask("mobile", re.compile(r"(?<!\d)1[3-9]\d(?:[ -]?\d{4}){2}(?!\d)"), "[手机号]"),
    Mask("phone", re.compile(r"(?<!\d)0\d{2,3}-?\d{7,8}(?!\d)"), "[电话]"),
    Mask("id15", re.compile(r"(?<!\d)\d{15}(?!\d)"), "[身份证号]"),
]
_TOKEN = re.compile(r"^[\u4e00-\u9fffA-Za-z][\u4e00-\u9fffA-Za-z0-9]*$")
_PATTERN_CHARS = re.compile(r"[A-Za-z0-9@._%+\- ]")  # what a masked item can be made of


def head(text: str, limit: int = MAX_CHARS) -> str:
    """The first ``limit`` characters of an answer, never cutting through something a
    pattern of :data:`MASKS` could match (a phone number half kept would escape masking):
    the cut moves back to the nearest character no pattern uses."""
    if len(text) <= limit:
        return text
    cut = limit
    while cut > limit - 128 and _PATTERN_CHARS.match(text, cut - 1):
        cut -= 1
    return text[:cut] if cut > limit - 128 else text[: limit - 128]


def _lines(name: str) -> list[str]:
    text = resources.files("surveytool.analysis").joinpath("resources", name).read_text("utf-8")
    return [x.strip() for x in text.splitlines() if x.strip()]


_loaded_user_dicts: set[str] = set()


def _segmenter(user_dict: str | None):
    """jieba's shared tokenizer and POS tagger, with our domain terms (and the user's) added.

    The shared instances are used on purpose: a second tokenizer would load jieba's
    dictionary (about a second) again."""
    import jieba
    import jieba.posseg

    if not getattr(jieba, "_surveytool_terms", False):
        jieba.setLogLevel(logging.WARNING)
        for line in _lines("domain_terms.txt"):
            word, *rest = line.split()
            jieba.add_word(word, int(rest[0]) if rest else None, rest[1] if len(rest) > 1 else None)
        jieba._surveytool_terms = True  # type: ignore[attr-defined]
    if user_dict and user_dict not in _loaded_user_dicts:
        for line in Path(user_dict).read_text("utf-8").splitlines():
            if line.strip():
                jieba.add_word(line.split()[0])
        _loaded_user_dicts.add(user_dict)
    return jieba.dt, jieba.posseg.dt


def stopwords(extra: str | None = None) -> set[str]:
    """The built-in stop words, plus those in file ``extra`` (one per line)."""
    words = set(_lines("stopwords.txt"))
    if extra:
        words |= {x.strip() for x in Path(extra).read_text("utf-8").splitlines() if x.strip()}
    return words


def mask(text: str, user_dict: str | None = None) -> str:
    """Text with e-mail addresses, ID numbers, phone numbers (:data:`MASKS`) and person names
    (jieba's ``nr`` tag) masked; linear in the length of ``text``."""
    for m in MASKS:
        text = m.pattern.sub(m.replacement, text)
    _, pos = _segmenter(user_dict)
    out = []
    for w in pos.cut(text):
        out.append("[姓名]" if w.flag == "nr" and len(w.word) >= 2 else w.word)
    return "".join(out)


def tokens(text: str, stop: set[str], user_dict: str | None = None) -> set[str]:
    """Distinct keywords of the first :data:`MAX_CHARS` characters of one answer (2+
    characters, not stop words, not masked data)."""
    tok, _ = _segmenter(user_dict)
    masked = head(text)
    for m in MASKS:
        masked = m.pattern.sub(" ", masked)
    return {w for w in tok.lcut(masked) if len(w) >= 2 and w not in stop and _TOKEN.match(w)}


MAX_TEXTS = 5000  # keywords of a larger set are counted on a seeded random sample of this size


def tokenize_all(
    answers: list[str], user_dict: str | None = None, extra_stop: str | None = None
) -> list[set[str]]:
    """Keyword sets of many answers (each distinct text segmented once)."""
    stop = stopwords(extra_stop)
    cache: dict[str, set[str]] = {}
    out = []
    for a in answers:
        if a not in cache:
            cache[a] = tokens(a, stop, user_dict)
        out.append(cache[a])
    return out


def sample_indices(n: int, limit: int = MAX_TEXTS, seed: int = 0) -> list[int]:
    """All indices when ``n <= limit``, else a seeded random sample of ``limit`` (sorted)."""
    if n <= limit:
        return list(range(n))
    import random

    return sorted(random.Random(seed).sample(range(n), limit))


def count_keywords(token_sets: list[set[str]], top: int = 10) -> pd.DataFrame:
    """Top keywords of tokenised answers: keyword, n (answers containing it), percent."""
    counts: Counter = Counter()
    for t in token_sets:
        counts.update(t)
    total = len(token_sets)
    ranked = sorted(counts.items(), key=lambda wc: (-wc[1], wc[0]))[:top]  # ties: by text
    rows = [{"keyword": w, N: c, PERCENT: 100 * c / total} for w, c in ranked]
    return pd.DataFrame(rows, columns=["keyword", N, PERCENT])


def keywords(
    answers: list[str], top: int = 10, user_dict: str | None = None, extra_stop: str | None = None
) -> pd.DataFrame:
    """Top keywords: columns keyword, n (answers containing it), percent (of answers)."""
    return count_keywords(tokenize_all(answers, user_dict, extra_stop), top)


def representative(
    answers: list[str], top_words: list[str], k: int = 3, user_dict: str | None = None
) -> list[str]:
    """Up to ``k`` masked answers that cover the most top keywords (ties: shorter first),
    without repeating the same text."""
    scored = []
    seen = set()
    for answer in answers:
        a = head(answer)
        key = a.strip()
        if key in seen or len(key) < 4:
            continue
        seen.add(key)
        hits = sum(w in a for w in top_words)
        scored.append((-hits, abs(len(a) - 40), a))
    scored.sort()
    return [mask(a, user_dict)[:200] for *_, a in scored[:k]]
