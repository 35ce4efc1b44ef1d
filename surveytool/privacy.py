"""Masking personal data in free text: names, phones, ID numbers, bank cards, e-mail, QQ
and WeChat ids. One base module every stage uses — ingest masks notes, Delphi comments and
visit records before they are stored; analysis masks open answers before keywords and
quotes — so data never has to flow backwards between stages for it (issue 23, item 14).

Time is linear in the text: every pattern in :data:`MASKS` has bounded repeats (the e-mail
pattern's unbounded ``[\\w.+-]+`` took 9–16 s on one 40,000-character answer). Person names
are found by jieba's part-of-speech tagger (loaded on first use), a surname before a title
and compound surnames.
"""

from __future__ import annotations

import logging
import re
from importlib import resources
from pathlib import Path
from typing import NamedTuple


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


def _lines(name: str) -> list[str]:
    # the resources folder, read without importing surveytool.analysis (scipy, pandas)
    folder = resources.files("surveytool").joinpath("analysis", "resources")
    text = folder.joinpath(name).read_text("utf-8")
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
