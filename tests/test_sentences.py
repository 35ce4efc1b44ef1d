"""Drafted sentences: correct Chinese in every case, never overstating."""

from __future__ import annotations

from surveytool.report import sentences as say


def test_leading_option_with_runner_ups() -> None:
    s = say.choice([("行政事务", 71.2), ("会议", 20.1), ("报销", 8.7)], 312, 320, 5)
    assert (
        s
        == "在 312 名回答者中，超过半数（71.2%）的回答者选择了“行政事务”，其次是“会议”（20.1%）和“报销”（8.7%）。"
    )


def test_never_majority_below_half() -> None:
    s = say.choice([("甲", 48.0), ("乙", 30.0), ("丙", 22.0)], 100, 100, 5)
    assert "大多数" not in s and "超过半数" not in s and "半数" not in s
    assert (
        s == "在 100 名回答者中，选择“甲”的比例最高，为 48.0%，其次是“乙”（30.0%）和“丙”（22.0%）。"
    )
    assert say.quantifier(50.0) == "" and say.quantifier(50.1) == "超过半数"
    assert say.quantifier(75) == "大多数" and say.quantifier(90) == "绝大多数"


def test_ties_are_said_as_ties() -> None:
    s = say.choice([("甲", 40.0), ("乙", 40.0), ("丙", 20.0)], 50, 50, 5)
    assert (
        s == "在 50 名回答者中，选择“甲”和“乙”的比例并列最高（均为 40.0%），其次是“丙”（20.0%）。"
    )


def test_all_equal() -> None:
    s = say.choice([("甲", 25.0), ("乙", 25.0), ("丙", 25.0), ("丁", 25.0)], 40, 40, 5)
    assert s == "在 40 名回答者中，各选项的选择比例相同（均为 25.0%）。"


def test_one_option_only() -> None:
    assert say.choice([("甲", 100.0), ("乙", 0.0)], 60, 60, 5) == "全部 60 名回答者均选择“甲”。"


def test_small_n_is_not_reported_and_caution_below_30() -> None:
    assert (
        say.choice([("甲", 75.0)], 4, 4, 5)
        == "本题作答人数少于 5 人，为保护受访者，不报告具体比例。"
    )
    assert say.choice([], 0, 0, 5) == "本题没有受访者需要回答（均按跳题规则跳过）。"
    assert say.choice([("甲", 0.0)], 0, 10, 5) == "本题无人作答。"
    s = say.choice([("甲", 60.0), ("乙", 40.0)], 10, 10, 5)
    assert s.endswith("（回答人数较少，结论仅供参考）")


def test_multi_choice_sentence_says_it_is_multiple() -> None:
    s = say.choice([("报销", 53.3), ("会议", 26.5)], 600, 600, 5, multi=True)
    assert s.startswith("在 600 名回答者中（可多选），超过半数（53.3%）的回答者选择了“报销”")


def test_ranking_and_number_sentences() -> None:
    s = say.ranking([("经费", 40.0, 1.7), ("时间", 35.0, 1.9), ("平台", 25.0, 2.2)], 80, 80, 5)
    assert (
        s
        == "在 80 名回答者中，把“经费”排在第一位的比例最高（40.0%），其平均名次为 1.7；其次是“时间”（35.0%）。"
    )
    s = say.number(300, 310, 5, 36.14, 36.0, 27.0, 46.0, "小时", 3)
    assert s == (
        "在 300 名回答者中，本题回答的平均值为 36.1 小时，中位数为 36 小时，中间一半回答者在 27～46 小时之间。"
        "另有 3 个明显偏离多数人的数值（已保留，未剔除）。"
    )
    s = say.number(300, 310, 5, 34.5, 35.0, 24.0, 44.0, "%", 0)
    assert (
        s
        == "在 300 名回答者中，本题回答的平均值为 34.5%，中位数为 35%，中间一半回答者在 24～44% 之间。"
    )
    s = say.number(300, 310, 5, 3.2, 3.0, 2.0, 4.0, "", 0)
    assert (
        s == "在 300 名回答者中，本题回答的平均值为 3.2，中位数为 3，中间一半回答者在 2～4 之间。"
    )


def test_likert_battery_and_ties() -> None:
    s = say.likert_battery(
        [("表格多", 52.5, 20.0), ("会议多", 52.5, 30.0), ("报销难", 40.0, 25.0)],
        362,
        5,
        "选择“同意”或“非常同意”的",
        "选择“非常不同意”或“不同意”的",
    )
    assert s == (
        "在 362 名回答者中，选择“同意”或“非常同意”的比例最高的是“表格多”和“会议多”（52.5%），"
        "最低的是“报销难”（40.0%）。选择“非常不同意”或“不同意”的比例最高的是“会议多”（30.0%）。"
    )


def test_p_values_and_notes() -> None:
    assert say.p_text(0.0004) == "p < 0.001" and say.p_text(0.0123) == "p = 0.012"
    note = say.test_note(
        {
            "test": "kruskal",
            "statistic": 33.7,
            "df": 5,
            "p_value": 1e-6,
            "p_adjusted": 2e-5,
            "effect_size": 0.0931,
            "n": 362,
        }
    )
    assert (
        note
        == "Kruskal–Wallis 检验，H = 33.70，df = 5，p < 0.001（BH 校正后 p < 0.001），ε² = 0.093，n = 362。"
    )


def test_group_difference_shows_scores_as_the_tables_do() -> None:
    s = say.group_difference("行政负担", "单位", {"甲": 3.2, "乙": 2.0}, "得分")
    assert s.endswith("“甲”的平均得分最高（3.20），“乙”最低（2.00）。")
    s = say.group_difference("每周科研时间", "单位", {"甲": 36.5, "乙": 30.0}, "值")
    assert s.endswith("“甲”的平均值最高（36.5），“乙”最低（30）。")


def test_likert_battery_says_when_items_were_left_out() -> None:
    nan = float("nan")
    s = say.likert_battery(
        [("表格多", 52.5, nan), ("会议多", nan, 30.0), ("报销难", 40.0, 25.0)],
        362,
        5,
        "同意的",
        "不同意的",
    )
    assert s == (
        "在 362 名回答者中，同意的比例最高的是“表格多”（52.5%），最低的是“报销难”（40.0%）"
        "（另有 1 个题项为保护个人未报告这一比例，未参与比较）。"
        "不同意的比例最高的是“会议多”（30.0%）（另有 1 个题项为保护个人未报告这一比例，未参与比较）。"
    )


def test_grouping_questions_read_as_nouns_or_are_quoted() -> None:
    from surveytool.report.sentences import by_noun

    assert by_noun("您所在单位的类型") == "单位类型"
    assert by_noun("您所在的单位") == "单位"
    assert by_noun("您在本单位担任的职务") == "职务"
    assert by_noun("贵企业的性质") == "企业性质"
    assert by_noun("您从事科研（或专业技术）工作的年限") == "“您从事科研（或专业技术）工作的年限”"
    assert by_noun("近三年（2020—2022年），贵企业是否开展过技术合作？") == (
        "“近三年（2020—2022年），贵企业是否开展过技术合作”"
    )
    assert say.distribution_difference("负担", "单位") == (
        "不同单位的回答者对“负担”的回答分布存在统计上显著的差异。"
    )
    assert say.distribution_difference("负担", "“您所在的单位属于以下哪一类”").startswith(
        "按“您所在的单位属于以下哪一类”分组，各组回答者对“负担”"
    )


def test_number_sentence_spacing_for_a_latin_unit() -> None:
    s = say.number(300, 310, 5, 60.2, 60.0, 55.0, 66.0, "kg", 0)
    assert s.endswith("中间一半回答者在 55～66 kg 之间。")
