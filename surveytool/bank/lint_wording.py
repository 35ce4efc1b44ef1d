"""Wording rules of the questionnaire-quality lint: double-barrelled items, loaded words,
agreement scales without a neutral midpoint (see :mod:`surveytool.bank.lint`).

Each finder works on plain text and returns what it found; :mod:`lint` turns findings into
located problems.
"""

from __future__ import annotations

import re

# Words in which 和/及/与/或 are part of one word, not a joint between two things; and fixed
# compounds a unit reads as one thing (研究与开发 is R&D).
_ONE_WORD = (
    "研究与试验发展",
    "研究与开发",
    "研究和开发",
    "来得及",
    "来不及",
    "或多或少",
    "及时",
    "及早",
    "及格",
    "及其",
    "涉及",
    "普及",
    "顾及",
    "提及",
    "波及",
    "危及",
    "惠及",
    "企及",
    "不及",
    "参与",
    "给与",
    "与否",
    "与会",
    "与其",
    "和谐",
    "和平",
    "温和",
    "缓和",
    "总和",
    "调和",
    "柔和",
    "平和",
    "随和",
    "饱和",
    "共和",
    "和煦",
    "或许",
)
_CONJ = re.compile(r"以及|[和及与或]")
_CLAIMS = re.compile(r"(?:[，,；;]\s*)?并且|[，,；;]\s*并(?!非|不|没|未)")
# Where the subject of an item ends: the first verb, modal or adverb of its predicate.
_PREDICATE = re.compile(
    r"能够|可以|已经|没有|缺少|缺乏|存在|得到|发挥|实行|提供|推动|落实|满足|符合|需要|占用|"
    r"耗费|给予|帮助|协助|支持|重视|看重|考虑|保持|定期|积极|充分|基本|经常|相互|难以|具备|"
    r"增加|要求|影响|制约|阻碍|导致|造成|获得|开展|参加|使用|承担|处理|分担|了解|掌握|接受|"
    r"过于|"
    r"[能会已有对在为给是使让令较很都常不未均]"
)
# After 与/和 + a short noun, these verbs make it a preposition (与同事沟通, 与产业需求相匹配).
_RELATION = re.compile(
    r"相比|有关|无关|关系|合作|交流|对接|沟通|联系|匹配|衔接|结合|一致|一样|相符|脱节|协同|"
    r"共享|挂钩|契合|相关|互动|配合|协作|竞争|接轨|同步|相当|之间|相处|共事|一起|相同|不同|"
    r"区别|差距"
)
_CJK = re.compile(r"[\u4e00-\u9fffA-Za-z0-9）)]")


def _masked(text: str) -> str:
    """``text`` with one-word uses of 和/及/与/或 blanked out (same length)."""
    for word in _ONE_WORD:
        text = text.replace(word, "＿" * len(word))
    return text


def _is_preposition(after: str) -> bool:
    """Whether 与/和 followed by ``after`` means "with": a verb of relation (沟通, 相匹配,
    脱节…) follows with no other 与/和 in between (in 「A和B的设置与C相匹配」 the 与 is the
    preposition, the 和 a real joint)."""
    rel = _RELATION.search(after)
    return rel is not None and not re.search(r"[与和同跟]", after[: rel.start()])


def double_barrelled(text: str) -> tuple[str, str] | None:
    """('objects' | 'claims', the joining word) when an item asks two things at once: two
    noun phrases joined in its subject (「科研秘书或财务助理能够…」, 「政策申报和资金兑现的
    流程繁琐」), or two predicates joined by 并且 / ，并; None otherwise."""
    claims = _CLAIMS.search(text)
    if claims:
        return "claims", claims.group().lstrip("，,；; ")
    masked = _masked(text)
    end = _PREDICATE.search(masked)
    subject = masked[: end.start()] if end else masked
    for m in _CONJ.finditer(subject):
        before, after = masked[: m.start()], masked[m.end() :]
        if not before or not _CJK.match(before[-1]) or not after or not _CJK.match(after[0]):
            continue
        if m.group() in ("与", "和") and _is_preposition(after):
            continue  # 与 as "with": 党组织与企业管理层有定期沟通的机制
        return "objects", m.group()
    return None


# Loaded words: (pattern, message code). 存在的…障碍/问题 presupposes that there are some.
LOADED = (
    (re.compile(r"过于|偏少|偏多"), "lint_loaded_degree"),
    (re.compile(r"^难道|难道"), "lint_loaded_rhetorical"),
    (re.compile(r"是否应该|是否应当"), "lint_loaded_should"),
    (re.compile(r"不合理的|严重的"), "lint_loaded_judgement"),
    (re.compile(r"存在的[^，。；、？?]{0,12}?(?:障碍|问题)"), "lint_presupposes"),
)


def loaded_words(text: str) -> list[tuple[str, str]]:
    """(message code, the words) for each loaded wording in ``text``, in catalogue order."""
    out = []
    for pattern, code in LOADED:
        m = pattern.search(text)
        if m:
            out.append((code, m.group()))
    return out


NEUTRAL = ("中立", "不确定", "既不同意也不反对", "说不清", "说不准")


def non_neutral_midpoint(labels: list[str]) -> str | None:
    """The midpoint label of an agreement scale (labels in code order, 不清楚 left out) when
    it is not a neutral position (e.g. 「一般」); None for a neutral one, an even scale, or a
    scale that is not about agreement."""
    if not any("同意" in label for label in labels) or len(labels) % 2 == 0:
        return None
    mid = labels[len(labels) // 2]
    return None if any(word in mid for word in NEUTRAL) else mid
