"""``surveytool init-campaign DIR``: a commented example campaign built from the seed's eight
topics (§三) and dates (§四)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from surveytool.bank import load_bank
from surveytool.errors import UsageError, problem
from surveytool.followup.campaign import DEFAULT_MILESTONES

TOPICS = [
    (1, "青年科技工作者减负", "young_researchers"),
    (2, "企业研发平台建设", "enterprise_rd_platforms"),
    (3, "教育科技人才三位一体统筹推进", "edu_sci_talent"),
    (4, "科技成果转化“最后一公里”", "transfer_last_mile"),
    (5, "科技成果转化难点痛点堵点", "transfer_barriers"),
    (6, "两新企业党建", "party_building"),
    (7, "双创载体（孵化器、众创空间）", "incubators"),
    (8, "大企业孵化器", "big_enterprise_incubators"),
]

HEAD = """\
# 调研计划文件（surveytool）。根据《关于大兴调查研究工作的实施方案》第三、四部分生成的示例，
# 请按实际情况修改后使用：surveytool status --campaign campaign.yaml
#
# topics 下每个选题：
#   bank      使用的题库（内置编号或 YAML 文件路径）
#   owner     负责人（写职务或处室即可）
#   store     该选题的回收数据库（默认 选题N.db，相对本文件所在文件夹）
#   units     需要覆盖的单位：name 与题库“所在单位”题的选项文字一致；
#             population 为该单位符合条件的总人数，target 为目标回收份数（示例值，请改为实际数）
# milestones  时间节点，默认取实施方案第四部分的时间要求。
"""


def _units(bank_id: str, topic: int) -> list[str]:
    bank = load_bank(bank_id)
    units = bank.role_fields("unit")
    if not units:
        return []
    # the named units only: not 其他, nor 不清楚-type or "none" answers
    return [
        o.label for o in units[0].options if "其他" not in o.label and not (o.missing or o.none)
    ]


def campaign_text(year: int) -> str:
    """The example campaign file."""
    lines = [HEAD, f"name: 柳州市科学技术局大兴调查研究（{year}年）", f"year: {year}", "topics:"]
    for number, title, bank in TOPICS:
        lines += [
            f"  - topic: {number}",
            f"    title: {title}",
            f"    bank: {bank}",
            f"    owner: 选题（{'一二三四五六七八'[number - 1]}）负责人",
            f"    store: 选题{number}.db",
        ]
        units = _units(bank, number)
        if units:
            lines.append("    units:")
            for u in units:
                lines.append(f"      - {{name: {u}, population: 200, target: 60}}  # 示例值")
        else:
            lines.append(
                "    units: []  # 该题库没有“所在单位”题：按单位统计回收情况需先在题库中增加"
            )
    lines.append("milestones:")
    for name, md in DEFAULT_MILESTONES:
        lines.append(f"  - {{name: {name}, due: {year}-{md}}}")
    return "\n".join(lines) + "\n"


def init_campaign(folder: str | Path, year: int | None = None) -> Path:
    """Write ``campaign.yaml`` in ``folder`` (never over an existing one); returns its path."""
    out = Path(folder) / "campaign.yaml"
    if out.exists():
        raise UsageError(problem("file_exists", path=str(out)))
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(campaign_text(year or date.today().year), encoding="utf-8")
    return out
