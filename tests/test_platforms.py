"""Online-platform exports (fixtures written from ../shared/formats/platform-exports.md):
问卷星 (text / code / pair, both metadata orders, both multi styles, matrix, ranking, other
text, skip codes, GBK CSV), 腾讯问卷 CSV, KoboToolbox export of our XLSForm, SPSS .sav."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pandas as pd
import pytest
from openpyxl import Workbook

from surveytool.bank import load_bank
from surveytool.ingest import export_responses, ingest, load_answers
from surveytool.ingest.options import ReadOptions

from conftest import write_bank

BANK = """\
id: platform_demo
version: 1
title: 平台导入测试
description: 测试
include: [scales]
sections:
  - id: B
    title: 基本
    questions:
      - id: B1
        type: single
        text: 您所在单位的类型
        options: {1: 高校, 2: 医院, 5: 企业}
        other: true
        role: unit
      - id: B2
        type: likert
        text: 您在多大程度上同意以下说法？
        scale: agree5
        items:
          B2_1: 项目申报材料过多
          B2_2: 我有足够的时间专注科研
      - {id: B3, type: number, text: 每周科研时间, min: 0, max: 100}
      - id: B4
        type: multi
        text: 最突出的负担
        options: {1: 报销, 2: 会议, 3: 考核}
        other: true
        relevant: "B1 in [1, 2, 6]"
      - {id: B5, type: rank, text: 最希望的支持措施, options: {1: 经费, 2: 时间, 3: 平台}}
      - {id: B6, type: text, text: 您的建议}
"""

META_A = ["序号", "提交答卷时间", "所用时间", "来源", "来源详情", "来自IP"]
META_B = ["序号", "来源", "来自IP", "提交答卷时间", "所用时间"]


@pytest.fixture
def bank(tmp_path: Path):
    return load_bank(write_bank(tmp_path, BANK, "platform_demo.yaml"))


def xlsx(path: Path, header: list, rows: list[list]) -> Path:
    wb = Workbook()
    ws = wb.active
    ws.append(header)
    for r in rows:
        ws.append(r)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


def answers(tmp_path: Path, bank, files, **kw) -> pd.DataFrame:
    s = ingest(files, bank, tmp_path / "s.db", **kw)
    assert not s.failed, [p.message for f in s.files for p in f.problems]
    return load_answers(tmp_path / "s.db", bank).set_index("_rid")


TEXT_HEADER = [
    *META_A,
    "1、您所在单位的类型",
    "2、您在多大程度上同意以下说法？—项目申报材料过多",
    "我有足够的时间专注科研",
    "3、每周科研时间 ",
    "4、最突出的负担(多选题 *必答)",
    "5、最希望的支持措施(排序题)",
    "6、您的建议",
]
TEXT_ROWS = [
    [
        1,
        "2023/5/17 14:22:55",
        "136秒",
        "手机提交",
        "微信",
        "1.2.3.4(广西-柳州)",
        "高校",
        "同意",
        "不同意",
        "40",
        "报销┋会议",
        "经费→平台→时间",
        "希望减少表格",
    ],
    [
        2,
        "2023/5/17 15:00:01",
        "99秒",
        "链接",
        "直接访问",
        "5.6.7.8(广西-南宁)",
        "其他【请注明】〖研究所〗",
        "非常同意",
        "(跳过)",
        "(空)",
        "(跳过)",
        "时间→经费→平台",
        "(空)",
    ],
    [
        3,
        "2023/5/18 09:10:00",
        "120秒",
        "手机提交",
        "微信",
        "9.9.9.9(广西-柳州)",
        "医院",
        "中立",
        "同意",
        "30",
        "考核┋其他【请注明】〖迎检〗",
        "平台→时间→经费",
        "NULL",
    ],
]


def test_wjx_text_export(tmp_path: Path, bank) -> None:
    path = xlsx(tmp_path / "in" / "123_按文本_平台导入测试_3_3.xlsx", TEXT_HEADER, TEXT_ROWS)
    a = answers(tmp_path, bank, [path])
    assert list(a.index) == ["wjx:1", "wjx:2", "wjx:3"]
    assert a["B1"].tolist() == [1, 6, 2]
    assert a.loc["wjx:2", "B1_other"] == "研究所"
    assert a["B2_1"].tolist() == [4, 5, 3]
    assert pd.isna(a.loc["wjx:2", "B2_2"]) and a.loc["wjx:3", "B2_2"] == 4
    assert a.loc["wjx:1", "B3"] == 40 and pd.isna(a.loc["wjx:2", "B3"])
    assert a.loc["wjx:1", ["B4_1", "B4_2", "B4_3", "B4_4"]].tolist() == [1, 1, 0, 0]
    assert a.loc["wjx:3", ["B4_1", "B4_2", "B4_3", "B4_4"]].tolist() == [0, 0, 1, 1]
    assert a.loc["wjx:3", "B4_other"] == "迎检"
    assert a.loc["wjx:2", ["B4_1", "B4_4"]].isna().all()  # (跳过): structural, not 0
    assert a.loc["wjx:1", ["B5_1", "B5_2", "B5_3"]].tolist() == [1, 3, 2]
    assert a.loc["wjx:1", "B6"] == "希望减少表格" and pd.isna(a.loc["wjx:3", "B6"])
    assert set(a["_channel"]) == {"wjx"}


def test_personal_metadata_never_stored(tmp_path: Path, bank) -> None:
    path = xlsx(tmp_path / "in" / "123_按文本_x.xlsx", TEXT_HEADER, TEXT_ROWS)
    ingest([path], bank, tmp_path / "s.db")
    dump = "\n".join(
        str(r)
        for t in ("responses", "sources", "issues", "rejects")
        for r in sqlite3.connect(tmp_path / "s.db").execute(f"SELECT * FROM {t}")
    )
    con = sqlite3.connect(tmp_path / "s.db")
    tables = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")]
    whole = "\n".join(str(r) for t in tables for r in con.execute(f'SELECT * FROM "{t}"'))
    assert "answers_" + bank.id in tables
    for secret in ("1.2.3.4", "5.6.7.8", "2023/5/17 14:22:55", "136秒"):
        assert secret not in dump and secret not in whole


CODE_HEADER = [
    *META_B,
    "1、您所在单位的类型",
    "2、您在多大程度上同意以下说法？—项目申报材料过多",
    "我有足够的时间专注科研",
    "3、每周科研时间",
    "4、最突出的负担(报销)",
    "4(会议)",
    "4(考核)",
    "4(其他【请注明】)",
    "5、最希望的支持措施(经费)",
    "5(时间)",
    "5(平台)",
    "6、您的建议",
]
CODE_ROWS = [
    [
        1,
        "手机提交",
        "1.2.3.4",
        "2023/5/17 14:22:55",
        "136秒",
        1,
        4,
        2,
        40,
        1,
        1,
        0,
        0,
        1,
        3,
        2,
        "希望减少表格",
    ],
    [
        2,
        "链接",
        "5.6.7.8",
        "2023/5/17 15:00:01",
        "99秒",
        4,
        5,
        -3,
        "(空)",
        -3,
        -3,
        -3,
        -3,
        2,
        1,
        3,
        "(空)",
    ],
    [
        3,
        "手机提交",
        "9.9.9.9",
        "2023/5/18 09:10:00",
        "120秒",
        3,
        3,
        4,
        30,
        -3,
        -3,
        -3,
        -3,
        -2,
        -2,
        -2,
        "NULL",
    ],
]


def test_wjx_code_export_maps_positions_to_codes(tmp_path: Path, bank) -> None:
    path = xlsx(tmp_path / "in" / "123_按序号_平台导入测试_3_3.xlsx", CODE_HEADER, CODE_ROWS)
    a = answers(tmp_path, bank, [path])
    # position 3 is 企业 whose bank code is 5; position 4 is 其他 (code 6)
    assert a["B1"].tolist() == [1, 6, 5]
    assert a.loc["wjx:1", ["B4_1", "B4_2", "B4_3", "B4_4"]].tolist() == [1, 1, 0, 0]
    assert a.loc["wjx:2", ["B4_1", "B4_4"]].isna().all()
    assert a.loc["wjx:1", ["B5_1", "B5_2", "B5_3"]].tolist() == [1, 3, 2]
    assert a.loc["wjx:3", ["B5_1", "B5_2", "B5_3"]].isna().all()  # -2: skipped ranking


def test_wjx_old_multi_header_style(tmp_path: Path, bank) -> None:
    header = [
        "序号",
        "1、您所在单位的类型",
        "第4题(报销)",
        "第4题(会议)",
        "第4题(考核)",
        "第4题(其他【请注明】)",
    ]
    path = xlsx(tmp_path / "in" / "9_9_2.xlsx", header, [[7, 2, 0, 1, 1, 0]])
    a = answers(tmp_path, bank, [path])
    assert a.loc["wjx:7", ["B4_1", "B4_2", "B4_3", "B4_4"]].tolist() == [0, 1, 1, 0]


def test_wjx_text_and_code_pair_joined_on_number(tmp_path: Path, bank) -> None:
    inbox = tmp_path / "in"
    xlsx(inbox / "123_按文本_平台导入测试_3_3.xlsx", TEXT_HEADER, TEXT_ROWS)
    xlsx(inbox / "123_按序号_平台导入测试_3_3.xlsx", CODE_HEADER, CODE_ROWS)
    s = ingest([inbox], bank, tmp_path / "s.db")
    status = {f.name: f.status for f in s.files}
    assert sorted(status.values()) == ["ingested", "paired"]
    a = load_answers(tmp_path / "s.db", bank).set_index("_rid")
    assert len(a) == 3  # not counted twice
    assert a.loc["wjx:2", "B1_other"] == "研究所"  # from the text twin
    assert a.loc["wjx:3", "B1"] == 5  # codes from the code file


def test_wjx_csv_in_gbk(tmp_path: Path, bank) -> None:
    import csv
    import io

    buf = io.StringIO()
    csv.writer(buf).writerows([TEXT_HEADER, *TEXT_ROWS])
    path = tmp_path / "in" / "123_按文本_x.csv"
    path.parent.mkdir()
    path.write_bytes(buf.getvalue().encode("gbk"))
    a = answers(tmp_path, bank, [path])
    assert a["B1"].tolist() == [1, 6, 2] and a.loc["wjx:3", "B4_other"] == "迎检"


TENCENT = (
    "编号,开始答题时间,结束答题时间,答题时长,地理位置国家和地区,地理位置省,地理位置市,自定义字段,"
    "IP,UA,昵称,用户标识,1.您所在单位的类型,1.您所在单位的类型_填空1,"
    "2.您在多大程度上同意以下说法？:项目申报材料过多,2.您在多大程度上同意以下说法？:我有足够的时间专注科研,"
    "3.每周科研时间,4.最突出的负担:报销,4.最突出的负担:会议,4.最突出的负担:考核,"
    "4.最突出的负担:其他（请注明）,4.最突出的负担_填空1,6.您的建议,\n"
    "101,02-Feb-2021 20:26:58,02-Feb-2021 20:30:00,182,中国,广西,柳州,,1.2.3.4,Mozilla,小王,u1,"
    "A.高校,,D.同意,B.不同意,40,报销,会议,,,,多一点时间,\n"
    "102,02-Feb-2021 21:00:00,02-Feb-2021 21:03:00,180,中国,广西,柳州,,5.6.7.8,Mozilla,小李,u2,"
    "D.其他（请注明）,研究所,E.非常同意,C.中立,35,,,,其他（请注明）,迎检,,\n"
)


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-8", "gbk"])
def test_tencent_csv(tmp_path: Path, bank, encoding: str) -> None:
    path = tmp_path / "in" / "腾讯问卷导出.csv"
    path.parent.mkdir()
    path.write_bytes(TENCENT.encode(encoding))
    a = answers(tmp_path, bank, [path])
    assert list(a.index) == ["tencent:101", "tencent:102"]
    assert a["B1"].tolist() == [1, 6] and a.loc["tencent:102", "B1_other"] == "研究所"
    assert a["B2_1"].tolist() == [4, 5] and a["B2_2"].tolist() == [2, 3]
    assert a.loc["tencent:101", ["B4_1", "B4_2", "B4_3", "B4_4"]].tolist() == [1, 1, 0, 0]
    assert a.loc["tencent:102", "B4_other"] == "迎检"
    dump = str(sqlite3.connect(tmp_path / "s.db").execute("SELECT * FROM responses").fetchall())
    assert "小王" not in dump and "1.2.3.4" not in dump


def test_kobo_export_of_our_xlsform(tmp_path: Path, bank) -> None:
    """bank -> XLSForm -> (a Kobo export: group-prefixed names, select_multiple as space-
    separated names or split columns, rank as ordered names) -> ingest."""
    from surveytool.forms import write_xlsform

    write_xlsform(bank, tmp_path / "kobo.xlsx")
    header = [
        "start",
        "end",
        "section_B/B1",
        "section_B/B1_other",
        "section_B/B2/B2_1",
        "section_B/B2/B2_2",
        "section_B/B3",
        "section_B/B4",
        "section_B/B4/1",
        "section_B/B4/2",
        "section_B/B4/3",
        "section_B/B4/4",
        "section_B/B4_other",
        "section_B/B5",
        "section_B/B6",
        "_id",
        "_uuid",
        "_submission_time",
    ]
    rows = [
        [
            "2026-05-01",
            "2026-05-01",
            "1",
            "",
            "4",
            "2",
            "40",
            "1 2",
            "1",
            "1",
            "0",
            "0",
            "",
            "2 1 3",
            "建议",
            "1",
            "uuid-a",
            "2026-05-01T10:00:00",
        ],
        [
            "2026-05-02",
            "2026-05-02",
            "6",
            "研究所",
            "5",
            "3",
            "35",
            "",
            "",
            "",
            "",
            "",
            "",
            "3 2 1",
            "",
            "2",
            "uuid-b",
            "2026-05-02T10:00:00",
        ],
    ]
    path = xlsx(tmp_path / "in" / "kobo_export.xlsx", header, rows)
    a = answers(tmp_path, bank, [path])
    assert list(a.index) == ["kobo:uuid-a", "kobo:uuid-b"]
    assert a["B1"].tolist() == [1, 6] and a.loc["kobo:uuid-b", "B1_other"] == "研究所"
    assert a.loc["kobo:uuid-a", ["B4_1", "B4_2", "B4_3", "B4_4"]].tolist() == [1, 1, 0, 0]
    assert a.loc["kobo:uuid-a", ["B5_1", "B5_2", "B5_3"]].tolist() == [2, 1, 3]
    assert a["_channel"].tolist() == ["kobo", "kobo"]
    # the same export again, re-saved (other bytes): recognised by _uuid, nothing new
    again = [["2026-06-01", *r[1:]] for r in rows]  # other bytes, the same answers
    path2 = xlsx(tmp_path / "in2" / "kobo_export_again.xlsx", header, again)
    s = ingest([path2], bank, tmp_path / "s.db")
    assert (s.total("accepted"), s.total("duplicates")) == (0, 2)


def test_sav_round_trip(tmp_path: Path, bank) -> None:
    import pyreadstat

    path = xlsx(tmp_path / "in" / "123_按文本_x.xlsx", TEXT_HEADER, TEXT_ROWS)
    ingest([path], bank, tmp_path / "s.db")
    frame = load_answers(tmp_path / "s.db", bank)
    sav = export_responses(frame, bank, tmp_path / "out.sav")
    df, meta = pyreadstat.read_sav(str(sav))
    assert meta.column_names_to_labels["B1"] == "您所在单位的类型"
    assert meta.variable_value_labels["B1"] == {
        1.0: "高校",
        2.0: "医院",
        5.0: "企业",
        6.0: "其他（请注明）",
    }
    assert meta.variable_value_labels["B2_1"][4.0] == "同意"
    assert df["B1"].tolist() == [1.0, 6.0, 2.0]
    assert df["B1_other"].tolist() == ["", "研究所", ""]
    assert (tmp_path / "out-编码说明.csv").is_file()
    # and back in: the .sav as a source gives the same answers
    s = ingest([sav], bank, tmp_path / "s2.db")
    assert s.total("accepted") == 3, [p.message for f in s.files for p in f.problems]
    back = load_answers(tmp_path / "s2.db", bank)
    for col in ("B1", "B2_1", "B3", "B4_1", "B5_1", "B1_other", "B6"):
        assert back[col].astype(str).tolist() == frame[col].astype(str).tolist(), col


def test_two_channels_pool_into_one_store(tmp_path: Path, bank) -> None:
    from surveytool.analysis import Survey, frequencies
    from surveytool.forms.fill import FormFiller

    f = FormFiller(bank)
    for i, unit in enumerate([1, 1, 2, 5]):
        f.fill({"B1": unit, "B2_1": 3, "B2_2": 3, "B3": 10 + i}, tmp_path / "forms" / f"{i}.xlsx")
    xlsx(tmp_path / "wjx" / "123_按文本_x.xlsx", TEXT_HEADER, TEXT_ROWS)
    ingest([tmp_path / "forms"], bank, tmp_path / "excel.db")
    ingest([tmp_path / "wjx"], bank, tmp_path / "web.db")
    ingest([tmp_path / "forms", tmp_path / "wjx"], bank, tmp_path / "pooled.db")
    counts = {}
    for name in ("excel", "web", "pooled"):
        s = Survey(load_answers(tmp_path / f"{name}.db", bank), bank)
        counts[name] = frequencies(s, bank.field("B1")).set_index("option")["n"]
    assert (counts["pooled"] == counts["excel"] + counts["web"]).all()
    pooled = load_answers(tmp_path / "pooled.db", bank)
    assert pooled["_channel"].value_counts().to_dict() == {"excel": 4, "wjx": 3}


def test_ambiguous_mapping_refused_until_confirmed(tmp_path: Path, bank) -> None:
    from surveytool.cli import main

    header = ["序号", "1、您所在单位的类型", "2、您的意见建议", "3、您的其他建议"]
    path = xlsx(tmp_path / "in" / "123_按文本_x.xlsx", header, [[1, "高校", "甲", "乙"]])
    s = ingest([path], bank, tmp_path / "s.db")
    assert s.files[0].status == "failed"
    assert s.files[0].problems[0].code == "mapping_ambiguous"
    out = tmp_path / "map.yaml"
    assert (
        main(["map", "--bank", str(tmp_path / "platform_demo.yaml"), str(path), "-o", str(out)])
        == 0
    )
    text = out.read_text(encoding="utf-8")
    assert "需确认" in text
    doc = __import__("yaml").safe_load(text)
    for q in doc["questions"]:
        if q["header"].startswith("3、"):
            q["bank"] = None  # not imported
        if q["header"].startswith("2、"):
            q["bank"] = "B6"
    out.write_text(__import__("yaml").safe_dump(doc, allow_unicode=True), encoding="utf-8")
    s = ingest([path], bank, tmp_path / "s.db", options=ReadOptions(mapping=out))
    assert s.total("accepted") == 1
    a = load_answers(tmp_path / "s.db", bank)
    assert a["B6"].tolist() == ["甲"]
    notes = [p.code for p in s.files[0].problems]
    assert "platform_unmapped" in notes  # 3、 is listed, not silently dropped


def test_map_command_json_free_output(tmp_path: Path, bank, capsys) -> None:
    from surveytool.cli import main

    path = xlsx(tmp_path / "123_按文本_x.xlsx", TEXT_HEADER, TEXT_ROWS)
    assert main(["map", "--bank", str(tmp_path / "platform_demo.yaml"), str(path)]) == 0
    out = capsys.readouterr().out
    assert "已对应" in out and (tmp_path / "123_按文本_x.xlsx.mapping.yaml").is_file()
    json.dumps(out)


def test_wjx_score_export(tmp_path: Path, bank) -> None:
    header = [
        "序号",
        "1、您所在单位的类型",
        "2、您在多大程度上同意以下说法？—项目申报材料过多",
        "我有足够的时间专注科研",
    ]
    path = xlsx(tmp_path / "in" / "5_按分数_x.xlsx", header, [[1, 2, 4, 1], [2, 5, 5, 3]])
    a = answers(tmp_path, bank, [path])
    # 按分数: the platform's scores are taken as the bank's codes (5 is 企业 here, not position 5)
    assert a["B1"].tolist() == [2, 5] and a["B2_1"].tolist() == [4, 5]


def test_kobo_round_trip_of_a_real_bank(tmp_path: Path) -> None:
    """young_researchers -> XLSForm names -> simulated Kobo CSV export -> ingest -> the
    simulated answers back, field for field."""
    import csv

    from surveytool.forms import write_xlsform
    from surveytool.simulate import Simulator

    bank = load_bank("young_researchers")
    write_xlsform(bank, tmp_path / "form.xlsx")
    people = Simulator(bank, seed=11).respondents(25)
    section = {q.id: bank.section_of(q.id).id for q in bank.questions}
    header, columns = [], []
    for q in bank.questions:
        prefix = f"section_{section[q.id]}/"
        if q.type == "likert":
            for item in q.items:
                header.append(f"{prefix}{q.id}/{item.id}")
                columns.append(("field", item.id))
        elif q.type in ("multi", "rank"):
            header.append(prefix + q.id)
            columns.append((q.type, q))
        else:
            header.append(prefix + q.id)
            columns.append(("field", q.id))
        if q.other:
            header.append(f"{prefix}{q.id}_other")
            columns.append(("field", f"{q.id}_other"))
    header += ["_uuid", "_submission_time"]
    lines = [header]
    for i, p in enumerate(people):
        row = []
        for kind, what in columns:
            if kind == "field":
                v = p.get(what)
                row.append("" if v is None else str(v))
            elif kind == "multi":
                row.append(
                    " ".join(
                        k.split("_")[-1]
                        for k, v in p.items()
                        if k.startswith(f"{what.id}_") and v == 1 and k.split("_")[-1].isdigit()
                    )
                )
            else:
                ranked = sorted(
                    (v, k.split("_")[-1])
                    for k, v in p.items()
                    if k.startswith(f"{what.id}_") and v is not None
                )
                row.append(" ".join(code for _, code in ranked))
        lines.append([*row, f"uuid-{i}", "2026-05-01T10:00:00"])
    path = tmp_path / "in" / "kobo.csv"
    path.parent.mkdir()
    with path.open("w", encoding="utf-8", newline="") as f:
        csv.writer(f).writerows(lines)
    s = ingest([path], bank, tmp_path / "s.db")
    assert s.total("accepted") == 25, [p.message for f in s.files for p in f.problems][:5]
    a = load_answers(tmp_path / "s.db", bank).set_index("_rid")
    for i, p in enumerate(people):
        row = a.loc[f"kobo:uuid-{i}"]
        for f in bank.fields:
            want = p.get(f.id)
            got = row[f.id]
            if f.kind == "flag" and want == 0 and pd.isna(got):
                continue  # an unanswered multi has no zeros
            assert (pd.isna(got) and want is None) or str(got) == str(want), (i, f.id, want, got)
