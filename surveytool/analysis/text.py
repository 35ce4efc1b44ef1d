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

import re
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd

from surveytool.analysis.columns import PERCENT, N
from surveytool.privacy import (  # masking lives in the base module every stage uses
    _lines,
    _segmenter,
    mask,
)

MAX_CHARS = 2000  # characters of one answer that are analysed (keywords, quotes)
CAP_NOTE = (
    f"开放题：一个回答超过 {MAX_CHARS:,} 个字符时，只取前 {MAX_CHARS:,} 个字符统计关键词和摘录"
    "（超长的回答多为误粘贴的文档）。"
)


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


def stopwords(extra: str | None = None) -> set[str]:
    """The built-in stop words, plus those in file ``extra`` (one per line)."""
    words = set(_lines("stopwords.txt"))
    if extra:
        words |= {x.strip() for x in Path(extra).read_text("utf-8").splitlines() if x.strip()}
    return words


def tokens(text: str, stop: set[str], user_dict: str | None = None) -> set[str]:
    """Distinct keywords of the first :data:`MAX_CHARS` characters of one answer (2+
    characters, not stop words, never personal data: the text is masked first, so no person
    name, number or id can become a keyword)."""
    tok, _ = _segmenter(user_dict)
    masked = _MASKED.sub("，", mask(head(text), user_dict))  # [手机号] is no keyword
    return {w for w in tok.lcut(masked) if len(w) >= 2 and w not in stop and _TOKEN.match(w)}


def search_tokens(text: str, stop: set[str], user_dict: str | None = None) -> set[str]:
    """Distinct words of ``text`` in jieba's search mode, which also gives the parts of a
    long word (财务报销 -> 财务, 报销, 财务报销), so a short word in a note still meets the
    long one in a problem phrase; 2+ characters, no stop words, masked first."""
    tok, _ = _segmenter(user_dict)
    masked = mask(head(text), user_dict)
    return {
        w for w in tok.cut_for_search(masked) if len(w) >= 2 and w not in stop and _TOKEN.match(w)
    }


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


FUNCTION_IDF = 4.0  # words more common than this in ordinary Chinese (没有, 我们, 进行, 目前,
# 问题: jieba's IDF below 4) say nothing about an answer: never keywords


def _idf() -> tuple[dict[str, str], float]:
    """jieba's IDF table (``jieba/analyse/idf.txt``, word frequencies of a general Chinese
    corpus; word -> its value as written) and its median, for words not in it (domain terms
    such as 一表通 count as rare). Read here, not through ``jieba.analyse``, whose import
    also parses it (0.3 s, with floats for 270,000 words of which a report looks up a few
    hundred)."""
    global _IDF
    if _IDF is None:
        import jieba  # not jieba.analyse: see above

        path = Path(jieba.__file__).with_name("analyse") / "idf.txt"
        _IDF = _parse_idf(path.read_text("utf-8"))
    return _IDF


def _parse_idf(text: str) -> tuple[dict[str, str], float]:
    """The table and median of an IDF file (lines ``word value``), as jieba reads it: a
    word given twice keeps its last value."""
    parts = text.split()
    lines = text.count("\n") + (not text.endswith("\n"))
    if len(parts) != 2 * lines:  # a blank line, or a word with a space in it: line by line
        pairs = (line.strip().split(" ") for line in text.splitlines() if line.strip())
        parts = [x for pair in pairs for x in pair[:2]]
    table = dict(zip(parts[0::2], parts[1::2], strict=True))
    values = np.array(list(table.values()), dtype=float)
    return table, float(np.median(values)) if len(values) else 10.0


_IDF: tuple[dict[str, str], float] | None = None


def idf(word: str) -> float:
    """How distinctive ``word`` is against ordinary Chinese (jieba's IDF; the median for a
    word the general corpus lacks)."""
    table, median = _idf()
    value = table.get(word)
    return median if value is None else float(value)


def count_keywords(
    token_sets: list[set[str]], top: int = 10, texts: list[str] | None = None
) -> pd.DataFrame:
    """Top keywords of tokenised answers, the most telling first: keyword, n (answers
    containing it), percent, score, and with ``texts`` (the answers, in the same order) an
    ``example`` phrase.

    A word is ranked by ``n × IDF`` (TF-IDF over answers, IDF from jieba's general-corpus
    table), so 「青年科技人才」 ranks above 「机会」「给予」 at the same count; words common in
    any Chinese text (IDF below :data:`FUNCTION_IDF`) are dropped; of words found in exactly
    the same answers (the parts of one phrase: 设立、专项、主持、给予…) only the most
    distinctive is kept, the phrase it comes from shows the rest."""
    words: dict[str, set[int]] = {}
    for i, t in enumerate(token_sets):
        for w in t:
            words.setdefault(w, set()).add(i)
    best: dict[frozenset[int], str] = {}
    for w, where in words.items():
        if idf(w) < FUNCTION_IDF:
            continue
        key = frozenset(where)
        if key not in best or (idf(w), w) > (idf(best[key]), best[key]):
            best[key] = w
    total = len(token_sets)
    ranked = sorted(
        ((w, len(where)) for where, w in best.items()),
        key=lambda wc: (-wc[1] * idf(wc[0]), wc[0]),  # ties: by text
    )[:top]
    rows = [
        {"keyword": w, N: c, PERCENT: 100 * c / total, "score": round(c * idf(w), 2)}
        for w, c in ranked
    ]
    if texts is not None:
        for row in rows:
            row["example"] = example_phrase(
                row["keyword"], [texts[i] for i in words[row["keyword"]]]
            )
    columns = ["keyword", N, PERCENT, "score", *(["example"] if texts is not None else [])]
    return pd.DataFrame(rows, columns=columns)


_CLAUSE = re.compile(r"[，。；！？、,.;!?\s]+")
_MASKED = re.compile(r"(\[[^\[\]]{1,8}\])")  # a placeholder privacy.mask wrote: [手机号]
EXAMPLE_CHARS = 30  # a clause up to this long is quoted whole; a longer one is cut, marked …


def example_phrase(word: str, answers: list[str], limit: int = 200) -> str:
    """The phrase ``word`` is most often used in: the clause (between punctuation) that
    contains it in the most answers (ties: the shorter), masked, at most
    :data:`EXAMPLE_CHARS` characters around the word. '' when no answer has it."""
    counts: Counter = Counter()
    for a in answers[:limit]:
        clauses = {c for c in _CLAUSE.split(head(a)) if word in c}
        counts.update(clauses)
    if not counts:
        return ""
    clause = mask(min(counts, key=lambda c: (-counts[c], len(c), c)))  # masked before cut
    if len(clause) > EXAMPLE_CHARS and word in clause:
        at = clause.index(word)
        start = max(0, min(at - (EXAMPLE_CHARS - len(word)) // 2, len(clause) - EXAMPLE_CHARS))
        cut = clause[start : start + EXAMPLE_CHARS]
        clause = ("…" if start else "") + cut + ("…" if start + EXAMPLE_CHARS < len(clause) else "")
    return clause


def keywords(
    answers: list[str], top: int = 10, user_dict: str | None = None, extra_stop: str | None = None
) -> pd.DataFrame:
    """Top keywords: columns keyword, n (answers containing it), percent (of answers), score
    and example (see :func:`count_keywords`)."""
    return count_keywords(tokenize_all(answers, user_dict, extra_stop), top, answers)


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
