"""Drafted sentences: correct Chinese in every case, never overstating."""

from __future__ import annotations

from surveytool.report import sentences as say


def test_quantifiers_never_overstate() -> None:
    assert say.quantifier(50.0) == "" and say.quantifier(50.1) == "超过半数"
    assert say.quantifier(75) == "大多数" and say.quantifier(90) == "绝大多数"
    assert say.p_text(0.0004) == "p < 0.001" and say.p_text(0.0123) == "p = 0.012"


def test_grouping_questions_read_as_nouns_or_are_quoted() -> None:
    assert say.by_noun("您所在单位的类型") == "单位类型"
    assert say.by_noun("您所在的单位") == "单位"
    assert say.by_noun("您在本单位担任的职务") == "职务"
    assert say.by_noun("贵企业的性质") == "企业性质"
    # not a short noun: the question's topic, without the form's 您 (issue 22, item 9)
    assert say.by_noun("您从事科研（或专业技术）工作的年限") == "从事科研工作的年限"
