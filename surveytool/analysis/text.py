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


# Full-width digits, letters and the symbols a number or address is written with, as ASCII:
# "１３８１２３４５６７８" is matched like "13812345678" (one character for one: positions stay).
_HALF = {
    cp: cp - 0xFEE0
    for cp in [*range(0xFF10, 0xFF1A), *range(0xFF21, 0xFF3B), *range(0xFF41, 0xFF5B)]
} | {ord(c): ord(c) - 0xFEE0 for c in "＋－＠．＿"}  # punctuation such as ，stays as written


def half_width(text: str) -> str:
    """``text`` with full-width digits, letters and ＋－＠．＿ as ASCII (one character for one,
    so positions stay; Chinese punctuation is left as written)."""
    return text.translate(_HALF)


_SEP = r"[ .\-]?"  # 138 1234 5678, 138.1234.5678, 110101-19900307-7777
# In order: a longer pattern before one that would match part of it. Extend by appending.
MASKS: list[Mask] = [
    Mask(
        "email",
        re.compile(r"[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63}){1,8}"),
        "[邮箱]",
    ),
    Mask(
        "id18",
        re.compile(rf"(?<![\dA-Za-z])\d{{6}}{_SEP}\d{{8}}{_SEP}\d{{3}}[\dXx](?![\dA-Za-z])"),
        "[身份证号]",
    ),
    Mask(
        "bank_card",
        re.compile(
            r"(?<!\d)(?:\d{4}[ \-]){3,4}\d{1,4}(?!\d)|(?<!\d)(?:62|4\d|5[1-5])\d{14,17}(?!\d)"
        ),
        "[银行卡号]",
    ),
    Mask(
        "mobile",
        re.compile(rf"(?<![\d\+])(?:\+?86{_SEP})?1[3-9]\d(?:{_SEP}\d{{4}}){{2}}(?!\d)"),
        "[手机号]",
    ),
    Mask("phone", re.compile(r"(?<!\d)0\d{2,3}[ \-]?\d{7,8}(?!\d)"), "[电话]"),
    Mask("id15", re.compile(r"(?<!\d)\d{15}(?!\d)"), "[身份证号]"),
    Mask(
        "qq",
        re.compile(r"(?i)(?:qq|扣扣)(?:号码?|号)?[:：\s]{0,3}[1-9]\d{4,11}(?!\d)"),
        "[QQ号]",
    ),
    Mask(
        "wechat",
        re.compile(
            r"(?i)(?:微信|weixin|wechat|vx|wx)(?:号)?[:：\s]{0,3}[A-Za-z][-_A-Za-z0-9]{5,19}(?![-_A-Za-z0-9])"
        ),
        "[微信号]",
    ),
]

# Person names beyond jieba's tagger: a surname and a title (刘主任, 王小明处长: the title
# stays, the name goes), and compound surnames (欧阳娜娜), which the tagger splits.
COMPOUND_SURNAMES = (
    "欧阳 司马 上官 诸葛 皇甫 尉迟 公孙 慕容 长孙 宇文 司徒 令狐 夏侯 轩辕 西门 南宫 独孤 端木"
)
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏"
    "吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万"
    "钱严覃武戴莫孔向汤常温康施文牛樊葛邢安齐易乔伍庞颜倪庄聂章鲁岳翟殷詹申欧耿关兰焦俞左柳甘祝"
    "包宁尚符舒阮柯纪梅童凌毕单季裴霍涂成苗谷盛曲翁冉骆蓝路游辛靳管柴蒙鲍华喻祁蒲房滕屈饶解牟艾"
    "尤阳时穆农司卓古吉缪简车项连芦麦褚娄窦戚岑景党宫费卜冷晏席卫米柏宗瞿桂全佟应臧闵苟邬边卞姬"
    "师和仇栾隋商刁沙荣巫寇桑郎甄丛仲虞敖巩明佘池查麻苑迟邝"
)
TITLES = (
    "副主任|主任|副处长|处长|副科长|科长|副局长|局长|副院长|院长|副校长|校长|副书记|书记|副所长|所长"
    "|副部长|部长|厅长|主席|总经理|副总|经理|董事长|老师|教授|博士|医生|护士长|研究员|工程师|组长|秘书"
)
_NAMED = re.compile(
    rf"(?:{'|'.join(COMPOUND_SURNAMES.split())}|[{SURNAMES}])[\u4e00-\u9fff]{{0,2}}?(?=(?:{TITLES}))"
)
_COMPOUND = re.compile(rf"(?:{'|'.join(COMPOUND_SURNAMES.split())})[\u4e00-\u9fff]{{1,2}}")
NAME_TAGS = {"nr", "nrt", "nrfg"}  # jieba: person name, transliterated name, name phrase
# ordinary words jieba's tagger calls names (谢谢 -> nr): never masked
NOT_NAMES = frozenset(
    [
        "谢谢",
        "谢谢您",
        "文明",
        "杨树",
        "康复",
        "齐全",
        "宋体",
        "田野",
        "吕梁",
        "丁克",
        "姜汤",
        "汪洋",
        "白领",
        "熊猫",
        "黎明",
        "贺卡",
        "顾问",
        "邵阳",
        "魏晋",
        "卢沟桥",
        "潘多拉",
        "万达",
        "高达",
        "周到",
        "常委",
        "许可",
        "连续",
        "石化",
        "金融",
        "江南",
    ]
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
    """Text with personal data masked, linear in its length: full-width digits and letters
    read as ASCII first; e-mail addresses, ID numbers (with or without separators), bank
    cards, mobile and fixed phones (+86, dots, spaces), QQ and WeChat ids (:data:`MASKS`);
    a surname before a title (刘主任 -> [姓名]主任), compound surnames with their given name,
    and every person name jieba tags (``nr``, ``nrt``, ``nrfg``)."""
    text = half_width(text)
    for m in MASKS:
        text = m.pattern.sub(m.replacement, text)
    parts = _MASKED.split(text)  # names are looked for outside what is masked already
    return "".join(p if i % 2 else _mask_names(p, user_dict) for i, p in enumerate(parts))


_MASKED = re.compile(r"(\[[^\[\]]{1,8}\])")


def _mask_names(text: str, user_dict: str | None) -> str:
    text = _NAMED.sub("[姓名]", text)
    text = _COMPOUND.sub("[姓名]", text)
    _, pos = _segmenter(user_dict)
    return "".join(
        "[姓名]" if w.flag in NAME_TAGS and len(w.word) >= 2 and w.word not in NOT_NAMES else w.word
        for w in pos.cut(text)
    )


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


def _idf() -> tuple[dict[str, float], float]:
    """jieba's IDF table (``jieba/analyse/idf.txt``, word frequencies of a general Chinese
    corpus) and its median, for words not in it (domain terms such as 一表通 count as rare)."""
    global _IDF
    if _IDF is None:
        import jieba.analyse

        path = Path(jieba.analyse.__file__).with_name("idf.txt")
        table = {}
        for line in path.read_text("utf-8").splitlines():
            word, _, value = line.partition(" ")
            if value:
                table[word] = float(value)
        median = float(pd.Series(list(table.values())).median()) if table else 10.0
        _IDF = (table, median)
    return _IDF


_IDF: tuple[dict[str, float], float] | None = None


def idf(word: str) -> float:
    """How distinctive ``word`` is against ordinary Chinese (jieba's IDF; the median for a
    word the general corpus lacks)."""
    table, median = _idf()
    return table.get(word, median)


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
