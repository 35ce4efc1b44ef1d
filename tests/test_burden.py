"""调研负担 across topics (issue 26): per unit the topics, questionnaires, sessions and
answer minutes asked of it; a unit asked by three topics within 30 days, and the same kind
of respondent asked twice, are flagged by `status` (CLI, JSON, xlsx)."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from openpyxl import load_workbook

from surveytool.bank import load_bank
from surveytool.bank.lint import stated_minutes
from surveytool.cli import main
from surveytool.followup.burden import burden, crowded
from surveytool.followup.campaign import load_campaign

CAMPAIGN = """\
name: 测试调研
year: 2026
topics:
  - topic: 1
    title: 青年科技工作者减负
    bank: young_researchers
    start: 2026-05-04
    end: 2026-05-15
    respondents: 青年科技工作者
    units:
      - {name: 广西大学, target: 40, sessions: 1}
      - {name: 柳州市人民医院, target: 50}
  - topic: 3
    title: 教育科技人才三位一体
    bank: edu_sci_talent
    start: 2026-05-20
    end: 2026-05-31
    respondents: 青年科技工作者
    units:
      - {name: 广西大学, target: 30, sessions: 2}
  - topic: 4
    title: 科技成果转化最后一公里
    bank: transfer_last_mile
    start: 2026-06-01
    end: 2026-06-10
    units:
      - {name: 广西大学, target: 20}
      - {name: 柳州市人民医院, target: 10}
  - topic: 5
    title: 科技成果转化难点
    bank: transfer_barriers
    start: 2026-09-01
    end: 2026-09-10
    units:
      - {name: 柳州市人民医院, target: 10}
"""


def _campaign(tmp_path: Path, text: str = CAMPAIGN) -> Path:
    path = tmp_path / "campaign.yaml"
    path.write_text(text, "utf-8")
    return path


def test_a_unit_asked_by_three_topics_in_one_month_is_flagged(tmp_path: Path, capsys) -> None:
    plan = _campaign(tmp_path)
    assert main(["status", "--campaign", str(plan), "--today", "2026-04-20"]) == 0
    out = capsys.readouterr().out
    assert "广西大学在 30 天内被 3 个选题调研（选题1、选题3、选题4），属扎堆调研" in out
    # 柳州市人民医院: three topics too, but May, June and September: not crowded
    assert "柳州市人民医院在 30 天内" not in out
    assert "广西大学的青年科技工作者将填写 2 份问卷（选题1、选题3），属重复调研" in out


def test_the_burden_counts_topics_questionnaires_sessions_and_minutes(tmp_path: Path) -> None:
    load, warnings = burden(load_campaign(_campaign(tmp_path)))
    row = load.set_index("unit").loc["广西大学"]
    minutes = {
        b: stated_minutes(load_bank(b).description)
        for b in ("young_researchers", "edu_sci_talent", "transfer_last_mile")
    }
    assert (row["topics"], row["questionnaires"], row["responses"], row["sessions"]) == (
        3,
        3,
        90,
        3,
    )
    expected = 40 * minutes["young_researchers"] + 30 * minutes["edu_sci_talent"]
    expected += 20 * minutes["transfer_last_mile"]
    assert row["minutes"] == round(expected) and minutes["young_researchers"] == 13
    assert bool(row["warning"]) and len(warnings) == 2
    assert load["unit"].iloc[0] == "广西大学"  # the most asked first


def test_status_json_and_xlsx_carry_the_burden(tmp_path: Path, capsys) -> None:
    plan = _campaign(tmp_path)
    assert main(["status", "--campaign", str(plan), "--json"]) == 0
    d = json.loads(capsys.readouterr().out)
    assert {r["unit"] for r in d["burden"]} == {"广西大学", "柳州市人民医院"}
    assert len(d["burden_warnings"]) == 2
    out = tmp_path / "status.xlsx"
    assert main(["status", "--campaign", str(plan), "-o", str(out)]) == 0
    ws = load_workbook(out)["调研负担"]
    values = [[c.value for c in row] for row in ws.iter_rows()]
    assert values[0][:3] == ["单位", "调研它的选题数", "选题"]
    assert any(str(v[0]).startswith("▲ 广西大学在 30 天内") for v in values)


def test_crowded_finds_any_30_day_span() -> None:
    d = date.fromisoformat
    w = [("a", (d("2026-05-01"), d("2026-05-02"))), ("b", (d("2026-05-30"), d("2026-05-30")))]
    assert crowded([*w, ("c", (d("2026-05-15"), d("2026-07-01")))]) == ["a", "b", "c"]
    # 30 days means 2026-05-01..05-30 inclusive; 05-31 falls outside
    far = [
        w[0],
        ("b", (d("2026-05-31"), d("2026-06-02"))),
        ("c", (d("2026-05-15"), d("2026-05-16"))),
    ]
    assert crowded(far) is None


def test_a_bad_date_is_located(tmp_path: Path, capsys) -> None:
    plan = _campaign(tmp_path, CAMPAIGN.replace("start: 2026-05-04", "start: 五月初"))
    assert main(["status", "--campaign", str(plan)]) == 1
    assert "日期“五月初”无效" in capsys.readouterr().err


def test_the_web_overview_shows_the_burden_and_its_warnings(tmp_path: Path) -> None:
    from surveytool.web import Site

    from webtools import client_for

    folder = tmp_path / "调研"
    folder.mkdir()
    _campaign(folder)
    client, _ = client_for(Site(folder))
    page = client.get("/").get_data(as_text=True)
    assert "调研负担" in page
    assert "广西大学在 30 天内被 3 个选题调研（选题1、选题3、选题4）" in page
    assert "<td>广西大学</td>" in page
