"""The error catalogue: every message a user can see, in one place.

Every problem the tool reports about a user's input is a :class:`Problem`, built by
:func:`problem` from a code in :data:`MESSAGES` and a location. Tests build the expected text
from this catalogue instead of pasting it.

A message always says *where* (file, line or sheet/row/cell, question id), *what* was wrong and
*what would be accepted*, in Simplified Chinese.
"""

from __future__ import annotations

import errno
import os
import re
from dataclasses import dataclass
from pathlib import Path

# code -> message template (str.format fields). The location prefix is added by `problem`.
MESSAGES: dict[str, str] = {
    # --- files and arguments -------------------------------------------------------------
    "file_not_found": "找不到文件“{path}”。请检查路径是否正确。",
    "bank_not_found": "找不到题库“{name}”。{hint}",
    "not_a_bank_file": "“{path}”不是题库文件。题库文件应为 .yaml 或 .yml 文件。",
    "file_in_use": "{name} 正在被其他程序（如 {programs}）打开，请关闭后重试。原来的文件没有改动（{path}）。",
    "output_not_writable": "无法写入“{path}”：{detail}。请检查文件是否正被 Excel/WPS 打开，或换一个保存位置。",
    "unknown_by": "分组字段“{value}”不在题库中。{hint}",
    "bad_by": "分组字段“{value}”不是单选题，不能用于分组。请选择单选题（如单位、年龄段）。",
    "empty_store": "数据库 {store} 中还没有有效答卷，无法{action}。请先用 surveytool ingest 回收问卷（回收时可用 --wave 标明轮次）。",
    "empty_wave": "数据库 {store} 中没有轮次“{wave}”的有效答卷。请检查轮次名称（回收时用 --wave 指定）。",
    "weights_no_population": "调研计划中没有这些单位的人数：{units}。加权估计需要每个有答卷的单位的人数（campaign.yaml 中 units 下的 population），请补上后再试，或去掉 --weights 做不加权的统计。",
    "weights_more_answers": "这些单位的有效答卷多于调研计划中的人数：{units}。请核对 campaign.yaml 中的 population（应是单位的总人数）。",
    "weights_no_unit": "题库 {bank} 中没有标记为单位（role: unit）的单选题，无法按各单位人数加权。",
    "weights_no_populations": "调研计划 {campaign} 的选题 {topic} 没有填写任何单位的人数（population），无法加权。",
    "per_unit_no_unit": "题库 {bank} 中没有标记为单位（role: unit）的单选题，无法按单位分别生成报告。",
    "per_unit_too_few": "{unit}：有效答卷 {n} 份，少于 {min} 份，不单独生成本单位报告（份数太少时结果不稳定，也容易认出个人；可用 --min-unit 调整，但不低于 k）。",
    "per_unit_with": "--per-unit 不能与 {option} 同时使用：各单位报告只统计本单位的答卷，不含回访对比、清单进展或筛选条件。",
    "web_no_unit_report": "没有生成本单位报告：{reason}",
    "where_syntax": "--where 条件“{text}”写法有误：第 {pos} 个字符处{detail}。写法与题库的跳题条件相同，例如：B1 == 1 and A2 in [1, 2]。",
    "where_unknown": "--where 条件中的“{name}”不是题库中的题目编号。{hint}",
    "where_text": "--where 条件中的“{name}”是填空题，不能作为筛选条件。请用单选题、多选题（has）、量表题或数字题。",
    "where_too_small": "--where 条件“{text}”只选出 {n} 份答卷，少于 {k} 份，为保护受访者不做统计。请放宽条件。",
    "where_empty": "--where 条件“{text}”没有选出任何答卷。请检查条件中的编号和选项代码。",
    "table_unknown": "“{name}”不是题库中的题目或字段编号。{hint}",
    "table_text": "“{name}”是填空题，不能制表。请选择单选、多选、量表或数字题。",
    "table_bad_column": "“{name}”是{what}，不能作为列（分组）。请把它放在第一个位置（行），列可用单选题、量表题目、单位或分段的数字题（--bands）。",
    "table_never_crossed": "“{row}”与“{column}”不能交叉：单位与可识别个人的题目（如单位负责人）交叉会指认到个人。",
    "table_same": "行和列是同一道题“{name}”。请选择两道不同的题。",
    "table_bands": "--bands 的值“{value}”无效：应为从小到大、用逗号分隔的分段点，例如 30,40,50。",
    "table_bands_kind": "--bands 只用于数字题，“{name}”不是数字题。",
    "wave_and_waves": "--wave 与 --waves 不能同时使用：--wave 指定只报告一个轮次，--waves 指定两个轮次并加入回访对比（正文按后一个轮次）。",
    "bad_collected": "回收日期“{value}”无效。请写一个日期（如 2026-11-20），或“起始日期..结束日期”（如 2026-11-20..2026-11-28），结束日期不早于起始日期。",
    "bad_format": "输出格式“{value}”无效。可选：html、md、docx（可用逗号分隔多个）。",
    "bad_option_value": "{option} 的值“{value}”无效：{what}应为{rule}。",
    "sample_n_gt_population": "已有样本量 {n} 大于总体人数 {population}。样本不能多于总体，请核对这两个数。",
    "population_lt_answers": "总体人数 {population} 少于有效答卷 {n} 份。总体人数应是调查对象的总人数（不是回收的份数），请核对 --population。",
    "total_gt_population": "总样本量 {total} 大于各单位总人数之和 {population}。请减少 --total，或核对调研计划中各单位的人数。",
    "unknown_topic": "调研计划中没有选题 {value}。计划中的选题有：{topics}。",
    "k_too_small": "--k {k} 太小：少于 3 人的小组，其中每个人的回答几乎可以被直接认出。如确需这样做，请同时加上 --allow-small-k（终端和报告的方法说明都会注明小组保护被削弱）。",
    "k_lowered": "注意：小组保护门槛 k 按要求降到了 {k}（默认 5，不建议少于 3），{what}。人数很少的小组中个人的回答可能被认出，请勿外发结果。",
    "template_unsafe": "模板试图{detail}，出于安全考虑没有生成报告。模板只能使用报告数据和 cn、md、data_uri 等过滤器。请检查模板的来源，删除这一处后再试。",
    "template_syntax": "模板写法有误（jinja2 语法：括号、{{% … %}} 或 {{{{ … }}}} 未闭合或拼写错误）。请对照内置模板修改。",
    "template_undefined": "模板引用了报告中没有的数据项“{name}”。请对照内置模板检查变量名称。",
    "chart_failed": "绘制图表“{title}”时出错（{detail}），报告没有生成。请重试一次；仍出错时，请把这条信息连同题库文件发给维护人员。",
    "chart_worker_died": "绘制图表“{title}”的进程意外退出（可能是内存不足或被安全软件结束），报告没有生成。请关闭其他程序后重试；仍出错时，请把这条信息连同题库文件发给维护人员。",
    "bad_layout": "表格样式“{value}”无效。可选：respondent（每人一份的问卷）或 collection（多人录入的汇总表）。",
    # --- YAML ----------------------------------------------------------------------------
    "yaml_syntax": "YAML 格式错误：{detail}。请检查这一行及上一行的缩进、冒号和引号。",
    "yaml_encoding": "文件不是 UTF-8 编码，无法读取。请在编辑器中以 UTF-8 编码另存。",
    "yaml_anchor": "用了 YAML 的锚点或引用“{mark}”。本工具读取的 YAML 文件不接受锚点（&名称）和引用（*名称）：引用可以层层展开成极大的内容。请把要重复的内容直接写出来（几个题库共用的部分请放进公共模块，用 include 引用）；如果这是一段以 & 或 * 开头的文字，请给整段文字加引号。",
    "yaml_tag": "用了 YAML 标签“{tag}”。本工具读取的 YAML 文件只能包含文字、数字、真假值、列表和映射，不能有 ! 开头的标签（有的标签能让程序执行代码）。请删除这个标签。",
    "duplicate_key": "“{key}”在同一层级出现了两次（上一次在第 {first_line} 行），后一个会覆盖前一个。请删除或改名其中一个。",
    "not_mapping": "{what}应当是“键: 值”形式的映射，现在是{got}。",
    "not_list": "{what}应当是列表（每项以“- ”开头），现在是{got}。",
    # --- bank structure ------------------------------------------------------------------
    "missing_key": "缺少必填项“{key}”（{meaning}）。",
    "unknown_key": "不认识的设置项“{key}”。{hint}",
    "bad_bank_id": "题库编号“{value}”无效。编号只能由小写字母、数字和下划线组成，例如 young_researchers。",
    "bad_version": "版本号“{value}”无效。版本号应为正整数，例如 1；题目或选项有任何改动时请加 1。",
    "bad_text": "“{key}”应当是一段非空文字。",
    "bad_bool": "“{key}”的值“{value}”无效。请填写 true（是）或 false（否）。",
    "bad_topic": "选题编号“{value}”无效。应为 1～8 之间的整数（对应实施方案第三部分的八个选题）。",
    "bad_id": "编号“{value}”无效。编号以英文字母开头，只含英文字母、数字和下划线（与 SPSS、XLSForm 的变量名规则相同），例如 B3、B2_1、age、q1_a。",
    "id_too_long": "编号“{value}”有 {length} 个字符，超过了 {limit} 个字符的上限（SPSS 变量名的长度限制）。请改短。",
    "field_id_too_long": "这道题的答案字段编号“{value}”有 {length} 个字符，超过了 {limit} 个字符的上限（SPSS 变量名的长度限制）。请把题目编号改短。",
    "reserved_id": "编号“{value}”是 SPSS 或跳题条件的保留字（ALL、AND、BY、EQ、GE、GT、LE、LT、NE、NOT、OR、TO、WITH、in、has，不分大小写），不能用作编号。请换一个名称，例如 q_{value}。",
    "duplicate_id": "编号“{value}”重复（第一次出现在第 {first_line} 行{first_what}）。每个部分、题目、小题和答案字段的编号必须唯一。",
    "duplicate_id_case": "编号“{value}”与第 {first_line} 行{first_what}的编号“{other}”只有大小写不同。SPSS、Excel 和数据库不区分编号的大小写，请改用不同的名称。",
    "bad_question_type": "题型“{value}”无效。可选：single（单选）、multi（多选）、likert（量表矩阵）、number（数字）、text（文字）、rank（排序）。{hint}",
    "empty_section": "这一部分没有题目。请至少添加一道题，或删除这一部分。",
    "unknown_block": "引用了不存在的公共模块“{value}”。{hint}",
    "bad_block_position": "公共模块的 position“{value}”无效。可选：start（放在题库自己的各部分之前，默认）或 end（放在最后，如回访模块）。",
    "block_scale_redefined": "量表“{value}”已在公共模块“{block}”中定义，不能重复定义。请换一个量表名称。",
    "unknown_scale": "引用了未定义的量表“{value}”。{hint}",
    "bad_scale": "量表“{value}”的选项无效：至少需要 2 个选项，代码为整数，标签为非空文字。",
    "options_and_scale": "同时给出了 options 和 scale。单选题请只用其中一种。",
    "empty_options": "选项为空。{qtype}至少需要 2 个选项，写成“代码: 文字”，例如 {{1: 高校, 2: 医院}}。",
    "bad_option_code": "选项代码“{value}”无效。选项代码应为整数（可以是 0），例如 1、2、3。",
    "bad_option_label": "选项 {code} 的文字为空或不是文字。请写成 {code}: 选项文字，或 {code}: {{label: 选项文字}}（其中还可以写 problem、none、missing）。",
    "duplicate_option_label": "选项文字“{label}”出现了两次（代码 {first} 和 {second}）。同一题的选项文字必须互不相同，否则按文字回收答案时无法区分。",
    "other_code_taken": "“其他（请注明）”的代码 {value} 已被选项“{label}”占用。请换一个 other_code。",
    "other_not_choice": "只有单选题和多选题可以设置 other（其他，请注明）。",
    "not_for_type": "“{key}”只适用于{types}，不适用于{qtype}。",
    "min_gt_max": "最小值 min={min} 大于最大值 max={max}。请交换或改正。",
    "bad_number": "“{key}”的值“{value}”不是数字。",
    "bad_choice_limit": "“{key}”={value} 无效：应为 1 到选项数 {count} 之间的整数。",
    "choice_limits_crossed": "至少选择数 min_choices={min} 大于最多选择数 max_choices={max}。",
    "exclusive_unknown": "exclusive 中的代码 {value} 不是本题的选项。可选代码：{codes}。",
    "likert_needs_scale": "量表题需要用 scale 指定量表，例如 scale: agree5。{hint}",
    "empty_items": "量表题没有小题。请在 items 下列出小题，例如 B2_1: 项目申报材料过多。",
    "reverse_outside_likert": "reverse（反向计分）只能用于量表题（likert）的小题。",
    "none_with_problem": "选项 {code} 标记了 none: true（表示“没有问题/以上都没有”），不能同时写 problem（问题表述）。请删除其中一个。",
    "none_and_missing": "选项 {code} 不能同时标记 none: true 和 missing: true：none 表示“没有问题”，missing 表示“不清楚/不适用”（不计入比例基数）。",
    "problem_needs_scale": "题目级的 problem（问题表述）只用于采用量表（scale）的单选题，例如总体满意度；按选项提出的问题请写在选项上：1: {{label: …, problem: …}}。",
    "bad_problem_when": "problem_when 的值“{value}”无效。可选：high（选择“同意/较大”一端的人多说明存在问题）或 low（选择该端的人少说明存在问题）。",
    "bad_role": "role 的值“{value}”无效。可选：group（用于分组比较）、unit（填答人所在单位）、respondent_code（跨轮次匹配的自编代码）。",
    "role_type": "role: {role} 只能用于{types}。",
    "multiple_units": "有多道题设置了 role: unit（{others}）。每个题库最多只能有一道“所在单位”题。",
    # --- questionnaire-quality lint (surveytool check: warnings; --strict: errors) ---------------
    "lint_range_overlap": "选项“{first}”与“{second}”的数值范围重叠：{value}同时属于两项。按《民法典》第1259条的惯例，“以上、以下、以内、届满”包括本数，“不满、低于、少于、超过、多于、未满”不包括本数。请改为互不重叠的写法，例如“{fixed_first}”“{fixed_second}”。",
    "lint_range_gap": "选项“{first}”与“{second}”之间缺少{value}，这部分受访者无项可选。请让各项首尾相接，例如“{fixed_first}”“{fixed_second}”。",
    "lint_double_barrelled": "小题 {item}“{text}”用“{word}”连接了两个对象（一题两问），对两者看法不同的人无从作答。请拆成两个小题，每题只问一件事。",
    "lint_two_claims": "小题 {item}“{text}”用“{word}”连接了两个判断（一题两问），只同意其中一半的人无从作答。请拆成两个小题，每题只问一件事。",
    "lint_loaded_degree": "{what}“{text}”中的“{word}”已经替受访者下了“过度/不足”的判断，会引导回答。请改为中性的陈述（例如“…能够满足需要”），让量表表达程度。",
    "lint_loaded_rhetorical": "{what}“{text}”是以“{word}”开头的反问，暗示了答案。请改为中性的陈述句或直接问句。",
    "lint_loaded_should": "{what}“{text}”中的“{word}”在问应然的主张，受访者容易顺着回答“应该”。请改为询问受访者自己的情况或看法，例如“您是否支持…”“…对您的工作帮助大吗”。",
    "lint_loaded_judgement": "{what}“{text}”中的“{word}”是带评价的修饰语，替受访者下了结论。请删去它，让受访者自己评价。",
    "lint_presupposes": "{what}“{text}”中的“{word}”预设了问题或障碍已经存在。请改为中性的问法，例如先问“是否遇到过…”，或改为“…方面的情况”。",
    "lint_scale_midpoint": "量表 {scale}（{labels}）的中间选项“{mid}”不是中立的态度：在同意程度量表中，“{mid}”既可理解为“有点同意”，也可理解为“说不清”。请改为“既不同意也不反对”（或“中立”“说不清”“不确定”）。使用该量表的题目：{questions}。",
    "lint_construct_few_items": "维度“{construct}”只有 {count} 个小题（{items}）。少于 3 个小题无法可靠地计算信度（Cronbach α）。请补充到 3～6 个小题，或去掉 construct，不作为一个维度。",
    "lint_construct_no_reverse": "维度“{construct}”的 {count} 个小题（{items}）都是同一方向的表述，没有反向计分的小题，无法发现不看题目一律选同一项的答卷。请加入至少一个反向表述的小题，并标记 reverse: true。",
    "lint_no_problem_phrase": "本题设置了 problem_when，但{what} {ids} 没有 problem（问题表述），它们不会列入“存在的主要问题”和三张清单。请按问题的方向写 4～16 字的短语，例如 problem: 学术交流机会偏少；表示“没有问题/以上都没有”的选项标 none: true，“不清楚/不适用”标 missing: true。",
    "lint_description_parts": "问卷说明缺少{missing}。封面说明应当写明调查目的（目的/为了/了解）、匿名承诺（匿名）、自愿参加（自愿）和所需时间（约需 N 分钟），例如：“为了解……，开展本次调查。问卷匿名填写，您可自愿参加，填写约需 10 分钟。”",
    "lint_pii_anonymous": "问卷说明承诺匿名，但本题收集可识别个人的信息（pii: true）。请删去这道题，或把说明改为“联系方式自愿填写，仅用于……，不进入统计分析”，不再笼统承诺匿名。",
    "lint_time": "问卷说明写“约需 {stated} 分钟”，按题量估计约需 {estimate} 分钟（{detail}）。两者相差超过一半且超过 3 分钟。请把说明改为“约需 {estimate} 分钟”，或精简题目。",
    "lint_identifying": "选项“{label}”在一个单位里只有很少的人会选；本题库有所在单位题 {unit}，另有 {others} 也有这样的选项，几道题组合起来可能认出具体的人。请在本题加上 identifying: true（分析时不再默认按本题分组，也不与所在单位交叉）。",
    "interview_prompts": "访谈提纲 interview 的 prompts 有 {count} 个问题。每个主题应有 2～4 个开放式问题（每项以“- ”开头），例如：- 请谈谈您在这方面遇到的主要困难。",
    "interview_probes": "访谈提纲 interview 的 probes 有 {count} 条追问，最多 {limit} 条。请保留最常用的几条。",
    "interview_keyword": "关键词“{value}”无效：关键词应为 2～12 个字的词语（如 报销、填表），不含空格和标点。",
    # --- skip logic ------------------------------------------------------------------------
    "relevant_syntax": "跳题条件“{expr}”写法有误：{detail}（第 {pos} 个字符附近）。示例：B1 == 2、B1 in [1, 2]、B4 has 3、B3 >= 10 and not (B1 == 4)。",
    "relevant_too_complex": "跳题条件过于复杂：{detail}（第 {pos} 个字符附近）。一个跳题条件最多 {terms} 个条件，括号和 not 最多嵌套 {depth} 层。请简化条件，或把共同的条件写在所在部分（section）的 relevant 上。",
    "relevant_unknown": "跳题条件引用了不存在的题目或字段“{name}”。{hint}",
    "relevant_later": "跳题条件引用了“{name}”，但它在本题之后（或就是本题）。跳题条件只能依据前面已回答的题目。",
    "relevant_has": "“has”只能用于多选题，“{name}”不是多选题。单选题请写 {name} == 代码 或 {name} in [代码, …]。",
    "relevant_needs_has": "“{name}”是多选题，请用 has 判断是否选了某项，例如 {name} has 1。",
    "relevant_not_single": "“{name}”是包含多个小题的{qtype}，请写具体的小题或字段编号，例如 {example}。",
    "relevant_not_numeric": "“{name}”是文字或排序字段，不能用于跳题条件。请依据单选、多选、量表或数字题设置跳题。",
    "relevant_bad_option": "跳题条件中的代码 {value} 不是“{name}”的选项。可选代码：{codes}。",
    # --- forms ---------------------------------------------------------------------------
    "form_unreadable": "无法读取表格：{detail}。",
    "form_not_ours": "这不是由 surveytool 导出的问卷表（找不到隐藏的结构信息表）。",
    "form_meta_damaged": "问卷表中的隐藏结构信息已损坏：{detail}。请使用重新导出的空白问卷。",
    # --- ingest: whole files ---------------------------------------------------------------
    "file_unreadable": "无法读取这个文件：{detail}。请用 Excel 或 WPS 打开确认文件完好，必要时另存为 .xlsx 后重试。",
    "file_reader_crashed": "读取这个文件时读取程序异常退出（{detail}），已跳过这个文件，其余文件照常回收。请用 Excel 或 WPS 打开确认内容，删除多余的单元格后另存为 .xlsx 再回收。",
    "file_reader_timeout": "读取这个文件超过 {seconds} 秒仍未完成，已跳过这个文件，其余文件照常回收。请用 Excel 或 WPS 打开确认内容后另存为 .xlsx 再回收。",
    "file_reader_failed": "读取这个文件时出错（{detail}），已跳过这个文件，其余文件照常回收。请用 Excel 或 WPS 打开后另存为 .xlsx 再回收；如仍出错，请把文件交给技术人员。",
    "file_too_big": "读取这个文件所需的内存超过了为它设定的上限（{mib} MB），已跳过这个文件，其余文件照常回收。请用 Excel 或 WPS 打开，删除多余的工作表、行和列后另存为 .xlsx；数据确实很多时请拆成几个文件分别回收。",
    "file_too_wide": "表格有 {columns} 列，超过了 Excel 的 16,384 列上限，不是正常的问卷表格。请检查文件是否用错了分隔符，或是否放错了文件。",
    "file_is_html": "这个文件其实是网页（HTML），只是用了 Excel 的扩展名“{suffix}”——问卷星和一些系统导出的“Excel”就是这样。请用 Excel 或 WPS 打开它，另存为 .xlsx（文件类型选“Excel 工作簿”）后再回收；问卷星也可以在下载时选择 .xlsx 或 .csv 格式。",
    "file_is_xml2003": "这个文件是 Excel 2003 XML 表格（XML Spreadsheet），只是用了扩展名“{suffix}”。请用 Excel 或 WPS 打开它，另存为 .xlsx 后再回收。",
    "file_table_too_large": "表格有 {rows} 行 × {columns} 列，超过 {limit} 万个单元格的上限，远超正常问卷的大小。如果这确实都是数据，请拆成几个文件分别回收。",
    "file_type_unknown": "不支持的文件类型“{suffix}”。可以回收 .xlsx、.xlsm、.xls 和 .csv 文件。",
    "file_empty": "文件中没有任何数据。",
    "no_header": "找不到表头行：前 {rows} 行中没有一行能对应到题库“{bank}”的字段编号（如 {example}）或题目文字。请确认这是本题库的回收表，且表头在前 {rows} 行内。",
    "form_other_bank": "这是题库“{other}”的问卷，不是本次回收的题库“{bank}”。请用 --bank {other} 回收，或检查文件是否放错了文件夹。",
    "form_fields_lost": "问卷结构与题库“{bank}”版本 {version} 不一致（{why}），以下字段无法唯一定位：{fields}。请让填写人使用最新的空白问卷重新填写，或手工修复后再回收。",
    "form_relocated": "问卷结构与题库不完全一致（{why}），已按题目编号重新定位全部答案，请核对。",
    "columns_missing": "表中缺少以下字段的列：{fields}。请使用题库“{bank}”导出的录入表，不要删除列。",
    "columns_ignored": "以下列无法对应到题库中的字段，已忽略（未计入）：{columns}。",
    "origin_unknown": "第 {rows} 行的“文件”“工作表”“行”三列没有写明答卷最初所在的位置（文件名为空、不是文件名，或行号不是正整数）。这些答卷照常校验；入库后来源文件记为本文件，无法追溯到最初的文件。",
    "column_duplicated": "字段 {name} 出现在多列（{columns}）中，无法确定使用哪一列。请删除多余的列。",
    "csv_damaged": "CSV 文件第 {line} 行附近无法按 CSV 格式读取（可能含有空字符，或文件已损坏）。请在 Excel/WPS 中打开后“另存为”→“CSV UTF-8（逗号分隔）”再回收。",
    "csv_encoding": "无法识别文件的文字编码（第 {offset} 个字节附近无法按 UTF-8 或 GB18030 解码）。请在 Excel/WPS 中“另存为”→“CSV UTF-8（逗号分隔）”后重试。",
    "same_file_in_run": "与本次一同回收的文件 {other} 内容完全相同（同一文件的副本），本次跳过，不会重复计入。",
    "already_ingested": "这个文件已于 {when} 回收过（轮次“{wave}”），本次跳过，不会重复计入。",
    # --- ingest: cells ---------------------------------------------------------------------
    "cell_too_long": "内容长达 {length} 个字符，超过一个回答最多 {limit} 个字符的上限（多半是误粘贴了整篇文档或整张表格）。请删减这个单元格后重新回收。",
    "cell_not_number": "“{value}”不是数字。{rule}",
    "cell_ambiguous_number": "“{value}”{why}，无法确定一个数值。{rule}",
    "cell_not_integer": "“{value}”不是整数。{rule}",
    "cell_out_of_range": "{value} 超出允许范围。{rule}",
    "cell_date": "单元格被 Excel 识别成了日期（{value}），不是有效的回答。{rule}",
    "cell_error_value": "单元格是 Excel 错误值（{value}），不是有效的回答。请重新填写。",
    "cell_bad_option": "“{value}”不是本题的选项。可填写：{accepted}。",
    "cell_bad_flag": "“{value}”无法识别为是否选中。选中请填“是”或 1；未选请留空或填“否”或 0。",
    "number_normalised": "“{value}”按 {number} 记录。",
    "required_missing": "必答题未作答。",
    "empty_response": "整份问卷没有任何回答。",
    "too_many_choices": "选了 {count} 项，超过了最多 {limit} 项的限制。",
    "too_few_choices": "只选了 {count} 项，至少应选 {limit} 项。",
    "exclusive_conflict": "“{label}”不能与其他选项同时选择。",
    "rank_duplicate": "名次 {rank} 被同时给了多个选项（{fields}）。每个名次只能给一个选项。",
    "skipped_answered": "按跳题规则本题应跳过（{rule}），但填写了“{value}”。该回答未计入统计。",
    "other_without_option": "填写了“其他”的说明“{value}”，但没有选择“其他”选项。",
    "duplicate_response": "与{where}的答卷内容完全相同，按重复答卷处理，不重复计入。",
    "identical_merged": "{here}与{where}的答卷完全相同（共答 {count} 题）。按各题答案的分布，不同的人答得完全一样几乎不可能（全轮预期巧合次数{odds}），按同一人的重复答卷合并，不重复计入。如确是不同的人，请加 --keep-identical 重新回收 {name}。",
    "identical_kept": "{here}与{where}的答卷完全相同（共答 {count} 题），但按各题答案的分布，不同的人答得一样并不罕见（全轮预期巧合次数{odds}），两份都计入。如确是同一人重复提交，请删去其中一份。",
    "identical_kept_forced": "{here}与{where}的答卷完全相同（共答 {count} 题），按 --keep-identical 两份都计入；按各题答案的分布，不同的人答得完全一样几乎不可能（全轮预期巧合次数{odds}），请确认确是不同的人。",
    "duplicate_rid": "问卷编号“{rid}”与{where}相同且答案一致，按重复答卷处理，不重复计入。",
    "respondent_code_repeated": "与同一轮（“{wave}”）中{other}的答卷填写了相同的自编代码。两轮比较时无法确定哪一份属于这位受访者，这两份答卷都不参加配对比较（其他统计照常计入）。如系同一人重复填写，请删除其中一份后重新回收；如系不同的人碰巧用了相同代码，可忽略此提示。",
    "conflict_rid": "问卷编号“{rid}”已在{where}出现，但两份答案不同。请核对后删除或更正其中一份，再重新回收。",
    "conflict_rid_hidden": "问卷编号“{rid}”已被另一份答案不同的答卷使用，本行未入库。请核对问卷编号；如确是同一份问卷的改正版，请交选题负责人处理。",
    "mapping_ambiguous": "有 {count} 道题无法确定对应到题库中的哪一题：{questions}。请先运行 surveytool map 生成对应关系文件，核对后用 --mapping 指定该文件再回收。",
    "export_too_wide": "这份平台导出文件有 {count} 道题，远多于题库的 {questions} 道题（上限 {limit} 道），不是这份问卷的答卷导出，未读取。请确认下载的是本问卷的答卷数据，并选择了正确的题库。",
    "mapping_nothing": "这份{platform}导出文件中没有任何题目能对应到题库。请确认选择了正确的题库，或用 surveytool map 生成对应关系文件后手工指定。",
    "mapping_unreadable": "无法读取对应关系文件“{path}”：{detail}。",
    "mapping_bad_target": "对应关系文件 {path} 中，“{header}”对应的题目“{value}”不在题库“{bank}”中。请改为题库中的题目编号，或写 null 表示不导入。",
    "platform_unmapped": "以下 {count} 道题没有对应到题库，未导入：{columns}。如需导入，请用 surveytool map 生成对应关系文件并修改。",
    "platform_personal": "已忽略个人信息列（不存入数据库）：{columns}。",
    "platform_date_kept": "“{column}”列只保留日期（不存具体时刻），作为各份答卷的回收日期。",
    "paired_text": "这是问卷星“按文本”下载，已与同一问卷的“按序号”下载 {other} 合并读取（其他选项的文字取自本文件）。",
    "not_a_platform_export": "无法识别这是哪个平台的导出文件（问卷星的表头有“序号”和“1、题目”，腾讯问卷有“编号”和“1.题目”，KoboToolbox 有“_uuid”）。请用 --source 指定。",
    "pair_mismatch": "问卷星文本版与序号版文件的答卷序号不一致（{detail}），无法合并，已分别回收。",
    "campaign_bad_number": "“{key}”的值“{value}”无效。{what}应为正整数。",
    "campaign_target_gt_population": "单位“{unit}”的目标份数 {target} 大于总体人数 {population}。请核对。",
    "campaign_bad_date": "日期“{value}”无效。请写成 2026-06-15 这样的格式。",
    "campaign_duplicate_topic": "选题 {value} 出现了不止一次。每个选题只写一次。",
    "campaign_bank_missing": "找不到题库“{value}”。{hint}",
    "file_exists": "“{path}”已存在，未覆盖。如需重新生成，请先删除或改名该文件。",
    "allocation_too_small": "总样本量 {total} 不够每个单位至少 {minimum} 份（共 {units} 个单位，至少需要 {needed} 份）。请增加总样本量或降低每单位最少份数。",
    "lists_unreadable": "无法读取清单文件“{path}”：{detail}。请确认它是 surveytool lists 生成的 .xlsx 文件。",
    # --- the other methods: notes, Delphi, visits (issue 15) --------------------------------
    "notes_type": "不支持的记录文件类型“{suffix}”。座谈、访谈、研讨记录请保存为 .docx、.txt 或 .md 文件，每场一个文件。",
    "notes_too_big": "文件有 {size} MB，超过一场记录 {limit} MB 的上限，不像是一场座谈的记录。请检查是否放错了文件；照片请不要粘贴进记录。",
    "notes_too_many": "记录有 {count} 段，超过一场记录 {limit} 段的上限。请检查是否放错了文件，或把几场的记录拆成几个文件。",
    "notes_encoding": "无法识别文件的文字编码（第 {offset} 个字节附近无法按 UTF-8 或 GB18030 解码）。请在记事本或 WPS 中另存为 UTF-8 编码的 .txt 文件后重试。",
    "docx_unreadable": "无法读取这个 Word 文件：{detail}。请用 Word 或 WPS 打开确认文件完好，另存为 .docx 后重试。",
    "notes_header_missing": "记录开头缺少{keys}。记录开头应逐行写明：日期、形式（座谈/访谈/研讨）、单位类型、参加人数，例如“参加人数：8”；不写姓名。",
    "notes_bad_value": "{at}“{text}”：{what}应为{rule}。",
    "notes_names": "{at}“{key}”一行记的是人员姓名或联系方式。记录中不保存姓名和联系方式，请删除这一行后再导入（参加情况只需写“参加人数”）。",
    "notes_empty": "记录中没有观点内容（开头的日期、形式等之后是空的）。请在各主题标题下记录观点后再导入。",
    "notes_too_long": "{at}的一段话长达 {length} 个字符，超过一段 {limit} 个字符的上限（多半是误粘贴了整篇文档）。请分段或删减后重新导入。",
    "notes_heading_unknown": "标题“{heading}”对应不到题库的主题（{themes}），其下 {count} 段按关键词归入主题。如需指定，请把标题改为“【主题】主题名称”。",
    "delphi_file_type": "不支持的文件类型“{suffix}”。专家咨询表请用 surveytool delphi form 导出的 .xlsx；在别处收集的评分可整理成 .xlsx 或 .csv 表格（每行一位专家，每列一个条目编号）。",
    "delphi_not_form": "找不到条目：这既不是 surveytool delphi form 导出的专家咨询表，表头中也没有条目编号（如 {example}）。一般表格请每行一位专家、每列一个条目，第一行写条目编号。",
    "delphi_form_damaged": "专家咨询表的条目表（表头为“编号”“条目”的一行）找不到了，可能被删改过。请使用重新导出的空白咨询表。",
    "delphi_round_mismatch": "这是第 {found} 轮的专家咨询表，本次导入的是第 {round} 轮。请用 --round {found} 导入，或检查文件是否放错了文件夹。",
    "delphi_unknown_item": "条目“{value}”不在条目文件中。可用的条目编号：{ids}。",
    "delphi_unknown_column": "列“{value}”既不是条目编号或条目名称，也不是专家信息（专家编号、专业领域、工作年限、熟悉程度、实践经验、理论分析、参考国内外文献、直观感觉）。请删除这一列或改正表头。",
    "delphi_bad_rating": "“{value}”不是 {low}～{top} 的整数评分。请填写 {low}～{top} 的整数（{words}），不评请留空。如本轮用的是别的分值范围，导入时请用 --scale 写明（如 --scale 1-7）。",
    "bulletin_no_lists": "请用 --lists 指定三张清单文件（单个选题），或用 --campaign 指定调研计划（汇总各选题的清单）。",
    "delphi_scale_mismatch": "这份专家咨询表按 {found} 分评分，本次导入按 {scale} 分。请用 --scale {option} 导入，或检查文件是否放错了文件夹。",
    "delphi_scale_changed": "数据库 {store} 中第 {round} 轮已按 {stored} 分导入过评分，本次指定的是 {scale} 分。同一轮只能用一种分值范围：请改正 --scale，或把这一轮导入新的数据库。",
    "delphi_rand_scale": "RAND/UCLA 适宜性规则要求 1～9 分评分，第 {round} 轮是 {scale} 分。请改用默认的均值和变异系数规则，或按 1～9 分重新咨询。",
    "delphi_bad_choice": "“{value}”无效：{what}请选择{choices}。",
    "delphi_bad_years": "“{value}”不是工作年限。请填写 0～70 之间的整数年数。",
    "delphi_no_ratings": "没有任何评分。请在“重要性”一列为各条目打分后再导入。",
    "delphi_expert_code": "专家编号“{value}”不是编号（只能含字母、数字、- 和 _，最多 16 个字符），可能写成了姓名；已改用“{code}”，原内容不存入数据库。",
    "delphi_expert_blank": "没有填写专家编号，已编为“{code}”。",
    "delphi_expert_twice": "专家“{code}”第 {round} 轮的评分已由 {other} 导入过。同一位专家每轮只计一次：如这是改正后的新表，请先核对，确需替换时请改用新的数据库或另一个专家编号。",
    "delphi_expert_twice_in_file": "专家编号“{code}”在表中出现了不止一行。每位专家每轮只能有一行评分，请核对后删除重复的行。",
    "delphi_too_many_experts": "表中有 {count} 行专家评分，超过一个文件 {limit} 行的上限。专家咨询（德尔菲法）的专家组一般为 5～50 位专家；请检查是否放错了文件（例如把问卷答卷当成了评分表），或把评分按轮次、按专家组拆成几个文件。",
    "delphi_too_many_rows": "专家咨询表有 {count} 行，而本轮只有 {items} 个条目（表格最多 {limit} 行）。请使用 surveytool delphi form 导出的咨询表，不要在表中粘贴其他内容。",
    "delphi_items_type": "条目文件“{path}”应为 .yaml（每行 - {{id: I1, text: 指标名称}}）或 surveytool lists 生成的三张清单 .xlsx。",
    "delphi_item_bad": "第 {index} 个条目{what}。每个条目写成 - {{id: I1, text: 指标名称}}：编号由字母、数字和下划线组成（最多 32 个字符），名称为不超过 200 字的文字。",
    "delphi_item_duplicate": "条目编号“{value}”出现了两次（第一次在第 {first_line} 行）。每个条目的编号必须唯一。",
    "delphi_items_few": "只有 {count} 个条目。专家咨询至少需要 2 个条目（协调系数比较的是各条目的排序）。",
    "delphi_round_missing": "数据库 {store} 中还没有第 {round} 轮的专家评分。{hint}",
    "delphi_no_rounds": "数据库 {store} 中还没有专家评分。请先用 surveytool delphi ingest 导入返回的专家咨询表。",
    "visit_file_type": "不支持的文件类型“{suffix}”。走访记录请使用 surveytool visit-form 导出的 .xlsx 记录表。",
    "visit_not_form": "这不是 surveytool visit-form 导出的走访记录表（找不到隐藏的表格标识行）。请使用导出的记录表填写，不要删除行。",
    "visit_other_bank": "这是题库“{other}”的走访记录表，不是本次导入的题库“{bank}”。请用 --bank {other} 导入，或检查文件是否放错了文件夹。",
    "visit_missing": "“{what}”没有填写。每份走访记录应写明走访单位和走访日期。",
    "visit_bad_date": "“{value}”不是日期。请填写 2026-05-20 这样的日期。",
    "visit_too_many_rows": "走访记录有 {count} 行，超过一次走访 {limit} 行的上限。一份记录表记一次走访：请检查是否放错了文件，或把几次走访分别记在几张记录表中。",
    "visit_empty": "没有任何观察记录或发现的问题。请在“分主题观察”或“发现的问题”中填写后再导入。",
    "store_busy": "数据库“{path}”正被另一个回收任务使用，等待 {seconds} 秒后仍未释放。请等另一个任务结束后再试。",
    "store_not_ours": "“{path}”不是 surveytool 的回收数据库。请换一个文件名，或删除该文件后重试。",
    # --- bank-from: a bank from what users already hold --------------------------------------
    "bankfrom_not_survey": "不能用来生成题库。可以使用：问卷星下载的答卷（按文本，最好同时给出按序号或按分数，.xls/.xlsx/.csv）、腾讯问卷导出的答卷（.csv/.xlsx）、XLSForm（有 survey 工作表的 .xlsx）或 SPSS 数据文件（.sav）。{detail}",
    "bankfrom_one_survey": "一次只能从一份问卷生成题库（问卷星可同时给出同一份问卷的按文本和按序号两个下载）：{detail}。",
    "bankfrom_pair_mismatch": "问卷星下载“{a}”与“{b}”不是同一份问卷的答卷：{detail}。请给出同一份问卷、同一次下载的按文本和按序号文件。",
    "bankfrom_code_only": "这是问卷星的按序号（或按分数）下载，其中只有选项序号，没有选项文字，无法生成题库。请同时给出同一份问卷的“按文本”下载（下载答卷数据时选择“按选项文本”）。",
    "bankfrom_bad_id": "--id 的值“{value}”无效：题库编号只能由小写字母、数字和下划线组成，例如 my_survey。",
    "bankfrom_empty": "没有找到任何可以放进题库的题目。{detail}",
    "xlsform_missing_sheet": "缺少“{name}”工作表。XLSForm 要有 survey 工作表（题目），有选择题时还要有 choices 工作表（选项）。",
    "xlsform_missing_column": "第 1 行缺少“{column}”列。XLSForm 的 survey 表需要 type、name、label 列，choices 表需要 list_name、name、label 列。",
    "xlsform_duplicate_name": "题目名称（name）“{name}”与第 {first} 行重复。XLSForm 中每道题的名称必须唯一（pyxform 也会拒绝），请改名其中一个。",
    "xlsform_unknown_type": "不认识的题型“{value}”。可以使用 select_one、select_multiple、integer、decimal、text、range、rank，以及 begin_group/end_group 等 XLSForm 题型。{hint}",
    "xlsform_unknown_list": "选项列表“{value}”在 choices 工作表中不存在。请检查 type 中列表名的拼写，或在 choices 表中补上这个列表。",
    "xlsform_no_name": "题型为“{value}”的题目缺少名称（name）。XLSForm 中每道题都要有 name。",
    "xlsform_group": "{detail}。begin_group 与 end_group（begin_repeat 与 end_repeat）要一一对应。",
    "xlsform_bad_choice": "选项列表“{value}”中的选项“{name}”{detail}。",
    "bankfrom_note_missing": "{qid}：选项 {options} 按“不清楚/不适用”处理（missing: true，不计入百分比基数）。",
    "bankfrom_note_gaps": "{qid}（{what}）：选项 {codes} 在答卷中无人选择，文字未知，已写为占位文字，请按原问卷补写。",
    "bankfrom_note_skips": "{qids} 有“(跳过)”的答卷，说明原问卷有跳题逻辑；下载文件中没有跳题条件，请按原问卷给这些题补写 relevant。",
    "bankfrom_note_text_only": "只有按文本下载：选项代码按答卷中第一次出现的顺序编排，未必与问卷星的序号一致，请对照原问卷核对；最好同时下载“按序号”文件一起给出。",
    "bankfrom_note_no_columns": "{qid}：按序号文件中没有这道题的选项列，选项按答卷中第一次出现的顺序编排，请核对。",
    "bankfrom_note_pii": "{qid}：可能是个人信息，已标 pii: true（不会进入报告）。",
    "bankfrom_note_matrix_multi": "第 {number} 题（矩阵多选题）：本工具的题库没有矩阵多选题，已跳过。",
    "bankfrom_note_names": "{qid}：选项名称（{names}…）不是数字，已按顺序编为 1、2、3…；从 KoboToolbox 导出答卷时请选择导出选项标签（label），或按此顺序换算。",
    "bankfrom_note_nested": "XLSForm 第 {row} 行：嵌套分组 {name} 并入所在部分，它的 relevant“{relevant}”已放到组内每道题上。",
    "bankfrom_note_one_choice": "{qid}：选项列表 {list} 只有一个选项，已补一个占位选项，请核对。",
    "bankfrom_note_relevant": "XLSForm 第 {row} 行（{what}）：跳题条件“{src}”无法换成本工具的写法，已去掉；请按 docs/bank-format.md 的 relevant 写法补写。",
    "bankfrom_note_skipped": "已跳过{what}：{names}。",
    "bankfrom_note_mrset": "{qid}：由 SPSS 多重响应集 {name} 生成（{members}）。",
    "bankfrom_note_bad_label": "{name}：值标签 {code} 不是整数，已略去。",
    "bankfrom_note_likert": "{qid}：{names} 用同一组值标签，合为一道量表题；题干在 .sav 中没有，请补写。",
    "bankfrom_note_measure": "{qid}：测量级别为{measure}，但没有值标签，已作数字题；如是选择题请补写选项。",
    "bankfrom_note_first_appearance": "{qids}：腾讯问卷导出中没有选项清单，答案也没有 A. B. 这样的字母前缀，选项按答卷中第一次出现的顺序编排，请对照原问卷核对。",
    "bankfrom_note_tencent_matrix": "{qid}：按矩阵量表题生成（腾讯问卷矩阵题的导出格式尚无公开样本核实），请对照原问卷核对各行和量表。",
    "sav_unreadable": "不是有效的 SPSS 数据文件（.sav），无法读取（{detail}）。请用 SPSS 或 PSPP 重新保存为 .sav。",
    "release_too_close": "这次的答卷与第 {number} 次发布的结果（{scope}，{n} 份）只相差 {diff} 份。为防止有人把前后两次结果相减、推出个别受访者的回答，新结果至少要与以前每次发布相差 {k} 份答卷才能发布；再收到 {more} 份答卷后即可更新。在此之前请继续使用第 {number} 次发布的结果。",
    "release_file_damaged": "发布记录“{path}”已损坏，无法确认以前发布过哪些结果。请从备份恢复该文件；不要删除它，否则无法防止前后两次结果相减推出个别受访者的回答。",
    # --- web app (surveytool serve) and its users ---------------------------------------------
    "web_unknown_bank": "调研计划中没有题库“{value}”。{hint}可用的题库：{banks}。",
    "web_unknown_topic": "调研计划中没有选题“{value}”。计划中的选题有：{topics}。",
    "web_no_campaign": "文件夹 {folder} 中还没有调研计划 campaign.yaml。请先在首页点击“创建调研计划”，或运行 surveytool init-campaign {folder}。",
    "web_no_files": "没有收到文件。请选择要上传的问卷文件（.xlsx、.xlsm、.xls、.csv、.sav），可以一次选择多个。",
    "web_bad_suffix": "不是可以回收的文件类型（{suffix}），未保存。请上传 .xlsx、.xlsm、.xls、.csv 或 .sav 文件（问卷星、腾讯问卷、KoboToolbox 的下载文件也是这几种）。",
    "web_too_large": "上传的内容超过了 {mb} MB 的上限，未保存。请分几次上传，或请管理员启动时用 --max-upload 调大上限。",
    "web_bad_wave": "轮次“{value}”无效：应为 1～20 个字的文字，不含 / \\ 等符号，例如 首轮、回访。",
    "web_bad_choice": "{what}“{value}”无效。可选：{choices}。",
    "web_login_required": "请先登录。本服务在内网模式下运行，每个页面和接口都需要登录。",
    "web_login_failed": "用户名或密码不正确。请重新输入（密码区分大小写）。",
    "web_login_throttled": "登录失败次数过多，请 {seconds} 秒后再试。",
    "web_forbidden": "联络员账号只能查看本单位（{unit}）的回收进度和上传本单位的问卷，不能{action}。如需要，请联系选题负责人。",
    "web_csrf": "缺少或不正确的安全校验码，请求未执行（防止其他网页冒用您的身份提交）。请刷新页面后重新提交；脚本请先取得校验码，放在 X-CSRF-Token 请求头中。",
    "web_bad_host": "访问地址“{host}”不是本机地址，已拒绝。请用 http://127.0.0.1:{port}/ 打开。",
    "web_not_found": "找不到“{path}”。请从首页重新进入。",
    "web_method": "“{path}”不接受 {method} 请求。",
    "web_no_report": "选题 {topic} 还没有生成 {format} 格式的报告。请先在“分析与报告”页点击“生成报告”。",
    "web_no_lists": "选题 {topic} 还没有三张清单。请先在“三张清单”页点击“生成三张清单”。",
    "web_unknown_job": "找不到任务“{value}”（服务重启后，之前的任务记录不再保留）。",
    "web_unknown_upload": "找不到待确认的上传文件“{value}”。请重新上传。",
    "web_internal": "服务器处理请求时出错（{detail}）。请把这段文字发给管理员；已上传的文件和数据库没有改动。",
    "web_bad_body": '请求内容无效（{what}）。登录请发送 JSON 对象 {{"name": "用户名", "password": "密码"}}，或表单字段 name 和 password；其他接口的参数见 docs/web.md。',
    "web_other_unit": "答卷填写的单位是“{unit}”，联络员账号只能上传本单位（{own}）的答卷，本行未入库。其他单位的答卷请交给该单位联络员或选题负责人上传。",
    "web_login_busy": "同时登录的人太多，请稍等几秒后再试。",
    "user_unlocked": "已解除账号 {name} 的登录限制。",
    "web_no_users": "内网模式（--host {host}）下每个页面都需要登录，但 {folder} 中还没有任何账号。请先运行 surveytool user add 用户名 --role owner --dir {folder} 创建负责人账号。",
    "web_port_busy": "无法在 {host}:{port} 上启动服务：{detail}。请换一个端口（--port），或关闭占用该端口的程序。",
    "user_bad_name": "用户名“{value}”无效：应为 2～32 个字符的字母、数字、汉字、下划线或短横线。",
    "user_exists": "用户“{name}”已存在。如要重设密码，请先运行 surveytool user remove {name} 再添加。",
    "user_not_found": "没有用户“{name}”。现有用户：{names}。",
    "user_password_short": "密码太短：至少需要 {n} 个字符。",
    "user_password_mismatch": "两次输入的密码不一致，未保存。请重新运行。",
    "user_bad_role": "角色“{value}”无效。可选：owner（负责人，可查看全部）或 liaison（单位联络员，只能上传和查看本单位）。",
    "user_liaison_unit": "联络员账号需要用 --unit 指定所在单位（与调研计划 campaign.yaml 中单位的名称一致，如 广西科技大学）。",
}

# Location words used in every message prefix.
_BANK_FILE = "题库 {file}"
_LINE = "第 {line} 行"
_QUESTION = "题目 {qid}"


@dataclass(frozen=True)
class Problem:
    """One located problem in a user's input.

    Attributes
    ----------
    code : key into :data:`MESSAGES`.
    message : the full Chinese sentence, location first, as printed to the user.
    file, line, sheet, cell, field : where it is (any may be ``None``).
    """

    code: str
    message: str
    file: str | None = None
    line: int | None = None
    sheet: str | None = None
    cell: str | None = None
    field: str | None = None

    def __str__(self) -> str:
        return self.message


# C0 and C1 controls (ESC starts terminal escape sequences), DEL, and the bidirectional
# overrides that can make a name read backwards (…xslx.exe).
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def display_name(name: str | Path) -> str:
    """A file name (or path) as it may be printed, stored and put in messages.

    Bytes that are not UTF-8 (a GBK name from a zip made on Chinese Windows reaches Python
    as lone surrogates, which cannot be printed or stored) are decoded as GB18030 when they
    can be, else shown as ``\\xNN``; control characters and bidirectional overrides are
    shown as ``\\x1b`` / ``\\u202e`` instead of acting on the terminal."""
    text = str(name)
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        raw = os.fsencode(text)
        try:
            text = raw.decode("gb18030")
        except UnicodeDecodeError:
            text = raw.decode("utf-8", "backslashreplace")
    return _UNPRINTABLE.sub(lambda m: ascii(m.group())[1:-1], text)


def where(
    *,
    file: str | None = None,
    line: int | None = None,
    sheet: str | None = None,
    cell: str | None = None,
    field: str | None = None,
    kind: str = "题库",
    question: str | None = None,
) -> str:
    """Return the Chinese location prefix.

    E.g. ``题库 a.yaml，第 12 行（题目 B3）：`` or
    ``返回表 研究院.xlsx，工作表“问卷”，C14 单元格（题目 B3 每周科研时间）：``.
    """
    parts: list[str] = []
    if file:
        parts.append(f"{kind} {display_name(file)}")
    if sheet:
        parts.append(f"工作表“{sheet}”")
    if line is not None:
        parts.append(_LINE.format(line=line))
    if cell:
        parts.append(f"{cell} 单元格")
    text = "，".join(parts)
    if field:
        label = _QUESTION.format(qid=field) + (f" {_short(question)}" if question else "")
        text += f"（{label}）" if text else label
    return f"{text}：" if text else ""


def _short(text: str, limit: int = 24) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def problem(
    code: str,
    /,
    *,
    file: str | None = None,
    line: int | None = None,
    sheet: str | None = None,
    cell: str | None = None,
    field: str | None = None,
    kind: str = "题库",
    question: str | None = None,
    **values: object,
) -> Problem:
    """Build a :class:`Problem` from the catalogue; returns it with its full message.

    ``code`` is positional-only, so a template may itself use a ``{code}`` field.

    ``kind`` names the file's role in the prefix (题库, 返回表, 文件); ``question`` is the
    question text shown (shortened) beside the field id.
    """
    template = MESSAGES[code]
    body = template.format(**values)
    prefix = where(
        file=file, line=line, sheet=sheet, cell=cell, field=field, kind=kind, question=question
    )
    return Problem(code, prefix + body, file, line, sheet, cell, field)


# The same messages as the web app says them: a hint to run a command or pass an option
# becomes the web action that does the same (the CLI keeps its wording). Applied by the web
# app to every message it shows (web.context.respond, web jobs, per-file upload results).
WEB_WORDING: list[tuple[str, str]] = [
    (
        r"请先用 surveytool ingest 回收问卷（回收时可用 --wave 标明轮次）。",
        "请先在选题页“上传回收的问卷”（上传时可填写轮次）。",
    ),
    (r"（回收时用 --wave 指定）", "（轮次在选题页上传问卷时填写）"),
    (r"^数据库 \S+? 中", "本选题"),  # the store's file name means nothing on the web
    (
        r"请用 --bank (\S+?) (回收|导入)，或检查文件是否放错了文件夹。",
        r"请到使用题库“\1”的选题页上传，或检查是否选错了文件。",
    ),
    (
        r"请先运行 surveytool map 生成对应关系文件，核对后用 --mapping 指定该文件再回收。",
        "请在选题页用“核对题目对应”上传该文件，核对后再回收。",
    ),
    (r"或用 surveytool map 生成对应关系文件后手工指定。", "或在“核对题目对应”页面手工指定。"),
    (r"请用 surveytool map 生成对应关系文件并修改。", "请在“核对题目对应”页面指定。"),
    (
        r"请确认它是 surveytool lists 生成的 \.xlsx 文件。",
        "请确认它是本页“下载三张清单”得到的 .xlsx 文件。",
    ),
    (r"请先用 surveytool delphi ingest 导入返回的专家咨询表。", "请先上传返回的专家咨询表。"),
    (r"请用 --round (\S+) 导入", r"请作为第 \1 轮上传"),
    (r"请用 --source 指定。", "请在上传时的“文件来源”中选择平台。"),
    (r"，或运行 surveytool init-campaign \S+?。", "。"),
    (r"，或请管理员启动时用 --max-upload 调大上限。", "，或请管理员调大上传上限。"),
    (r"surveytool (lists|delphi form|visit-form) (生成|导出)的", r"本系统\2的"),
    (r"由 surveytool 导出的", "由本系统导出的"),
    (r"不是 surveytool 的", "不是本系统的"),
    (
        r"请用 --lists 指定三张清单文件（单个选题），或用 --campaign 指定调研计划（汇总各选题的清单）。",
        "请先在“三张清单”页面生成或上传三张清单。",
    ),
    (
        r"如本轮用的是别的分值范围，导入时请用 --scale 写明（如 --scale 1-7）。",
        "如本轮用的是别的分值范围，请选题负责人按实际范围导入。",
    ),
    (r"请改正 --scale，或把这一轮导入新的数据库。", "请按这一轮原来的分值范围导入。"),
    (r"请用 --scale (\S+) 导入，", r"请按 \1 分的范围导入，"),
    (r"按 --keep-identical 两份都计入", "按负责人的指定两份都计入"),
    (
        r"如确是不同的人，请加 --keep-identical 重新回收 (.+?)。$",
        r"如确是不同的人，请联系选题负责人把 \1 按不同受访者重新回收。",
    ),
    (r"；可用 --min-unit 调整，但不低于 k）", "）"),
    (r"或分段的数字题（--bands）", "或分段的数字题"),
    (r"，或去掉 --weights 做不加权的统计。", "，或不加权统计。"),
]
_WEB_WORDING = [(re.compile(a), b) for a, b in WEB_WORDING]


def web_text(message: str) -> str:
    """``message`` as the web app says it (see :data:`WEB_WORDING`)."""
    for pattern, repl in _WEB_WORDING:
        message = pattern.sub(repl, message)
    return message


_OS_ERRORS = {
    errno.ENOENT: "文件夹不存在",
    errno.EACCES: "没有写入权限",
    errno.EPERM: "没有写入权限",
    errno.EROFS: "这是只读位置",
    errno.ENOSPC: "磁盘空间不足",
    errno.EISDIR: "这是一个文件夹",
    errno.ENOTDIR: "路径中有一段不是文件夹",
    errno.EBUSY: "文件正被其他程序占用",
    errno.ENAMETOOLONG: "路径或文件名太长",
}
# Windows error codes with no errno of their own (Python gives them as EINVAL or ENOENT)
_WIN_ERRORS = {
    32: "文件正被其他程序（如 Word、Excel、WPS）打开",  # ERROR_SHARING_VIOLATION
    33: "文件正被其他程序（如 Word、Excel、WPS）打开",  # ERROR_LOCK_VIOLATION
    206: "路径太长（Windows 默认不超过 260 个字符），请把文件夹移到较短的路径下",
}


def os_detail(exc: OSError) -> str:
    """An operating-system error in Chinese words (its English text when unknown)."""
    win = _WIN_ERRORS.get(getattr(exc, "winerror", None) or 0)
    return win or _OS_ERRORS.get(exc.errno or 0, exc.strerror or str(exc))


class SurveyToolError(Exception):
    """Base of every error caused by a user's input; carries one or more problems.

    The CLI prints each problem on its own line and exits non-zero; no traceback.
    """

    def __init__(self, problems: list[Problem] | Problem):
        self.problems: list[Problem] = [problems] if isinstance(problems, Problem) else problems
        super().__init__("\n".join(p.message for p in self.problems))


class BankError(SurveyToolError):
    """Raised when a question bank cannot be found or does not validate (all problems listed)."""


class FormError(SurveyToolError):
    """Raised when a form cannot be written, or a file is not a readable surveytool form."""


class IngestError(SurveyToolError):
    """Raised when returned files cannot be ingested at all (e.g. the store is locked)."""


class FileInUseError(SurveyToolError):
    """Raised when an output file cannot be replaced because another program holds it open
    (on Windows, Word, Excel and WPS lock the file they show); the earlier file is intact."""


class ChartError(SurveyToolError):
    """Raised when a chart of a report cannot be drawn (its drawing raised, or the worker
    process drawing it died); no report file is written."""


class UsageError(SurveyToolError):
    """Raised for a bad command-line value (unknown layout, unwritable output path…)."""


class SurveyToolWarning(UserWarning):
    """Warnings from surveytool itself (turned into errors in our test suite)."""
