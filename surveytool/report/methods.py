"""附录一 方法说明: the rules behind every number, in plain Chinese (no field ids, no YAML keys)."""

from __future__ import annotations

from surveytool.analysis import Results
from surveytool.analysis.limits import k_warning
from surveytool.analysis.text import CAP_NOTE
from surveytool.report.problems import RULE


def methods(r: Results) -> list[str]:
    """The method notes, one string each, for the appendix."""
    k = r.k
    return [
        "比例：单选题和量表题以作答人数为基数；按跳题规则不需回答的受访者不计入基数，应答而未作答的记为缺失；"
        "选择“不清楚”“不适用”一类选项的回答单独计数，不计入比例、均值、信度和检验的基数（与 SPSS 用户缺失值的处理相同）。"
        "比例的 95% 置信区间采用 Wilson 方法。",
        "多选题：“占回答者比例”以至少选择一项的人数为基数（合计可超过 100%），“占选择次数比例”以全部选择次数为基数"
        "（SPSS 多重响应口径）。",
        "数字题：报告均值、标准差、中位数、四分位数和第 5、95 百分位数；百分位数一律按 SPSS 的 HAVERAGE 方法"
        "（R 的第 6 种方法）计算。距四分位数超过 1.5 倍四分位距的数值标记为偏离值，但予以保留。",
        "维度得分：反向表述的题项先按“最小值 + 最大值 − 原值”转换；受访者回答了该维度至少一半题项时，取已答题项的平均分，"
        "否则记为缺失。信度采用 Cronbach's α（只用回答了全部题项的受访者，与 SPSS RELIABILITY 一致）；"
        "完整作答不足 30 人时只列出数值，不作评价。",
        "分组比较：每个指标只检验一次。量表题项、维度得分、数字题和有序的单选题采用等级检验（两组为 Mann–Whitney U 检验，"
        "效应量为秩二列相关；三组及以上为 Kruskal–Wallis 检验，效应量为 ε²）；无序的分类题采用 Pearson 卡方检验"
        "（2×2 表期望频数小于 5 时改用 Fisher 精确检验，报告其 p 值和比值比），效应量为 Cramér's V。"
        "同一次分析的全部检验统一用 Benjamini–Hochberg 方法校正 p 值，正文只描述校正后 p < 0.05 的差异（正文所说“在统计上可靠”即指此）。"
        "三组及以上的差异显著时，再用 Dunn 检验两两比较（Holm 校正），只有两两比较也显著时，才指出哪一组更高或更低、"
        "情况更好或更差（按题库标明的问题方向判断）。受访者的基本情况（如单位类型、岗位）不与分组字段做检验。",
        f"小组保护：描述少于 {k} 名受访者的人数、比例和均值一律不报告，这样的小组也不参加组间检验；"
        "同一张表中必要时另隐藏一项，防止用合计倒推；能据以倒推出隐藏人数的均值、比例和检验统计量也不报告；"
        f"数字题不报告最小值和最大值，直方图中少于 {k} 人的区间与相邻区间合并。"
        f"分组时少于 {k} 人的组合并为“其他（合并）”组，合并后仍少于 {k} 人时再并入人数最少的组。"
        + (k_warning(k) or ""),
        "抽样误差：按 95% 置信度、比例 50%（最保守）计算；给出总体规模时采用有限总体校正。",
        CAP_NOTE
        + "关键词按提及人数和词语的独特程度（与一般中文语料相比，即 jieba 的 IDF）排列，常用虚词不列；"
        "出现在完全相同的一批回答中的几个词只列最独特的一个，并附上它所在的原话片段（已隐去个人信息）。",
        "问题清单的生成规则：" + "".join(f"（{i}）{rule}" for i, rule in enumerate(RULE, start=1)),
    ]
