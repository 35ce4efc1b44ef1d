"""``surveytool bank-from``: a bank from 问卷星 downloads, XLSForms and SPSS files (issue 25).

Real inputs: tests/data/wjx/ is the 问卷星 按文本/按序号 pair (800 answers) published with
reportgen (github.com/gasongjian/reportgen, example/datasets); tests/data/xlsform/ holds four
of pyxform's own example forms (github.com/XLSForm/pyxform, tests/example_xls, BSD-2).
"""

from __future__ import annotations

import random
import re
from collections import Counter
from pathlib import Path

import fastexcel
import pandas as pd
import pytest

from surveytool.bank import builtin_ids, expr, load_bank
from surveytool.bank.importers import IdMaker
from surveytool.bank.importers.xpath import translate
from surveytool.bank.model import question_options
from surveytool.cli import main
from surveytool.ingest import load_answers
from surveytool.ingest.bank_from import mapping_path
from surveytool.simulate import Simulator
from surveytool.store.sav import write_sav

DATA = Path(__file__).parent / "data"
TEXT = DATA / "wjx" / "[问卷星数据]800_800_0.xls"
CODE = DATA / "wjx" / "[问卷星数据]800_800_2.xls"
PYXFORM = DATA / "xlsform"


def _text_rows() -> tuple[list[str], list[list]]:
    sheet = fastexcel.read_excel(TEXT).load_sheet(0, header_row=None, dtypes="string")
    rows = sheet.to_pandas().values.tolist()
    return [str(h).strip() for h in rows[0]], rows[1:]


@pytest.fixture(scope="module")
def wjx(tmp_path_factory) -> tuple[Path, Path]:
    tmp = tmp_path_factory.mktemp("wjx")
    out = tmp / "phone.yaml"
    assert main(["bank-from", str(TEXT), str(CODE), "-o", str(out)]) == 0
    db = tmp / "s.db"
    code = main(
        ["ingest", str(TEXT), str(CODE), "--bank", str(out), "--store", str(db),
         "--mapping", str(mapping_path(out))]
    )  # fmt: skip
    assert code == 0
    return out, db


def test_wjx_pair_bank_passes_check(wjx, capsys) -> None:
    out, _ = wjx
    assert main(["check", str(out)]) == 0
    bank = load_bank(out)
    types = {q.text: q.type for q in bank.questions}
    assert types == {
        "手机部数": "single", "手机价格": "single", "性别": "single", "年龄": "single",
        "月收入": "single", "兴趣爱好": "multi", "爱好投入占收入比重": "single", "关注资讯": "multi",
    }  # fmt: skip
    q2 = bank.question("Q2")
    assert q2.other and [o.label for o in q2.options][-1] == "免费赠送的"
    assert [o.label for o in bank.question("Q8").options][:3] == ["不关注", "娱乐八卦", "财经"]
    # 序号, 提交答卷时间, 来自IP… are platform columns, never questions
    assert not any(w in q.text for q in bank.questions for w in ("序号", "IP", "来源", "时间"))


def test_wjx_pair_ingests_every_answer_with_the_text_files_frequencies(wjx) -> None:
    out, db = wjx
    bank = load_bank(out)
    a = load_answers(db, bank)
    assert len(a) == 800
    import sqlite3

    assert sqlite3.connect(db).execute("SELECT COUNT(*) FROM rejects").fetchone()[0] == 0
    header, rows = _text_rows()
    col = {re.sub(r"^\d+、", "", h).strip(): i for i, h in enumerate(header)}
    for q in bank.questions:
        cells = [r[col[q.text]] for r in rows]
        if q.type == "single":
            want = Counter(re.sub(r"〖.*?〗", "", str(v)).strip() for v in cells)
            labels = {o.code: o.label for o in q.options}
            got = Counter(
                labels.get(int(v), "其他【请注明】") for v in a[q.id].dropna()
            )  # 其他 keeps the platform's own label in the 按文本 file
            assert got == want, q.id
        else:
            picks = Counter(
                re.sub(r"〖.*?〗", "", p).strip() for v in cells for p in str(v).split("┋")
            )
            for o in question_options(q, bank.scales):
                label = "其他【请注明】" if o.code == q.other_code else o.label
                assert a[f"{q.id}_{o.code}"].sum() == picks.get(label, 0), (q.id, o.label)
        if q.other:  # every other-text of the 按文本 file is kept
            typed = [re.findall(r"〖(.*?)〗", str(v)) for v in cells]
            assert a[f"{q.id}_other"].notna().sum() == sum(bool(t and t[0].strip()) for t in typed)


def test_wjx_pair_ingests_without_the_mapping_file_too(tmp_path, wjx) -> None:
    """The bank's texts and labels are the export's own, so automatic matching is exact."""
    out, _ = wjx
    db = tmp_path / "s.db"
    assert main(["ingest", str(TEXT), str(CODE), "--bank", str(out), "--store", str(db)]) == 0
    import sqlite3

    assert len(load_answers(db, load_bank(out))) == 800
    assert sqlite3.connect(db).execute("SELECT COUNT(*) FROM rejects").fetchone()[0] == 0


def test_wjx_text_file_alone_warns_that_codes_follow_first_appearance(tmp_path, capsys) -> None:
    out = tmp_path / "t.yaml"
    assert main(["bank-from", str(TEXT), "-o", str(out)]) == 0
    said = capsys.readouterr().out
    assert "选项代码按答卷中第一次出现的顺序编排" in said
    assert main(["check", str(out)]) == 0
    bank = load_bank(out)
    assert bank.question("Q6").type == "multi" and bank.question("Q3").type == "single"


def test_wjx_synthetic_pair_matrix_rank_number_text(tmp_path: Path) -> None:
    from test_platforms import CODE_HEADER, CODE_ROWS, TEXT_HEADER, TEXT_ROWS, xlsx

    t = xlsx(tmp_path / "123_按文本_平台导入测试_3_3.xlsx", TEXT_HEADER, TEXT_ROWS)
    c = xlsx(tmp_path / "123_按序号_平台导入测试_3_3.xlsx", CODE_HEADER, CODE_ROWS)
    out = tmp_path / "syn.yaml"
    assert main(["bank-from", str(t), str(c), "-o", str(out)]) == 0
    bank = load_bank(out)
    assert [q.type for q in bank.questions] == [
        "single",
        "likert",
        "number",
        "multi",
        "rank",
        "text",
    ]
    assert [i.text for i in bank.question("Q2").items] == [
        "项目申报材料过多",
        "我有足够的时间专注科研",
    ]
    assert [o.label for o in bank.question("Q5").options] == ["经费", "时间", "平台"]
    db = tmp_path / "s.db"
    assert main(["ingest", str(t), str(c), "--bank", str(out), "--store", str(db),
                 "--mapping", str(mapping_path(out))]) == 0  # fmt: skip
    a = load_answers(db, bank).set_index("_rid")
    assert a.loc["wjx:1", ["Q5_1", "Q5_2", "Q5_3"]].tolist() == [1, 3, 2]
    assert a.loc["wjx:2", "Q1_other"] == "研究所"
    assert a["Q3"].tolist()[0] == 40


def _refused(capsys, *args: str) -> str:
    assert main(["bank-from", *args]) == 1
    return capsys.readouterr().err


def test_an_xls_that_is_not_an_export_is_refused(tmp_path, capsys) -> None:
    out = tmp_path / "x.yaml"
    err = _refused(capsys, str(DATA / "xls" / "录入表-旧版Excel另存.xls"), "-o", str(out))
    assert "录入表-旧版Excel另存.xls：不能用来生成题库" in err
    assert not out.exists() and not mapping_path(out).exists()


def test_a_pair_of_two_surveys_is_refused(tmp_path, capsys) -> None:
    out = tmp_path / "x.yaml"
    other = DATA / "xls" / "123_按文本_平台导入测试_3_3.xls"
    err = _refused(capsys, str(other), str(CODE), "-o", str(out))
    assert "不是同一份问卷的答卷" in err and "按序号文件有 8 道题" in err
    assert not out.exists()
    err = _refused(capsys, str(CODE), "-o", str(out))
    assert "只有选项序号，没有选项文字" in err


def _xlsform(path: Path, survey: list[list], choices: list[list] | None = None) -> Path:
    from openpyxl import Workbook

    wb = Workbook()
    wb.active.title = "survey"
    for r in survey:
        wb.active.append(r)
    if choices is not None:
        ws = wb.create_sheet("choices")
        for r in choices:
            ws.append(r)
    wb.save(path)
    return path


@pytest.mark.parametrize(
    ("survey", "expected"),
    [
        ([["type", "name", "label"], ["text", "a", "A"], ["integer", "a", "B"]],
         "XLSForm bad.xlsx，工作表“survey”，第 3 行：题目名称（name）“a”与第 2 行重复"),
        ([["type", "name", "label"], ["txt", "a", "A"]],
         "XLSForm bad.xlsx，工作表“survey”，第 2 行：不认识的题型“txt”"),
        ([["type", "name", "label"], ["select_one yn", "a", "A"]],
         "XLSForm bad.xlsx，工作表“survey”，第 2 行：选项列表“yn”在 choices 工作表中不存在"),
        ([["type", "name", "label"], ["begin_group", "g", "G"], ["text", "a", "A"]],
         "XLSForm bad.xlsx，工作表“survey”，第 2 行：第 2 行的 begin_group 没有对应的 end_group"),
        ([["type", "label"], ["text", "A"]],
         "XLSForm bad.xlsx，工作表“survey”：第 1 行缺少“name”列"),
    ],
)  # fmt: skip
def test_a_broken_xlsform_gets_a_located_message(tmp_path, capsys, survey, expected) -> None:
    path = _xlsform(tmp_path / "bad.xlsx", survey, [["list_name", "name", "label"]])
    out = tmp_path / "x.yaml"
    assert expected in _refused(capsys, str(path), "-o", str(out))
    assert not out.exists()


def _shape(bank, missing: bool = True, multi_missing: bool = True) -> dict:
    out = {}
    for q in bank.questions:
        if q.type == "likert":
            opts = (tuple((o.code, o.label) for o in bank.scales[q.scale or ""]),
                    tuple((i.id, i.text) for i in q.items))  # fmt: skip
        elif q.type in ("single", "multi", "rank"):
            opts = tuple(
                (o.code, o.label, o.missing and missing and (multi_missing or q.type == "single"))
                for o in question_options(q, bank.scales)
            )
        else:
            opts = ()
        out[q.id] = (q.type, opts, q.other)
    return out


def _same_condition(a: expr.Node | None, b: expr.Node | None, bank) -> bool:
    """Two relevant trees agree on 300 random answers."""
    if a is None or b is None:
        return a is b
    rng = random.Random(7)
    names = {n.name for n in expr.names(a)} | {n.name for n in expr.names(b)}
    for _ in range(300):
        values = {n: rng.choice([None, 0, 1, 2, 3, 4, 5, 6, 7, 9, 10]) for n in names}

        def value_of(name: str, values=values) -> object:
            return values[name]

        multi = {q.id for q in bank.questions if q.type == "multi"}
        picks = {n: {v} if v is not None else None for n, v in values.items() if n in multi}

        def value_of2(name: str, values=values, picks=picks) -> object:
            return picks[name] if name in picks else values[name]

        if expr.evaluate(a, value_of2) != expr.evaluate(b, value_of2):
            return False
    return True


@pytest.mark.parametrize("bank_id", builtin_ids())
def test_xlsform_round_trip(tmp_path, bank_id) -> None:
    form = tmp_path / f"{bank_id}.xlsx"
    assert main(["xlsform", bank_id, "-o", str(form)]) == 0
    out = tmp_path / "back.yaml"
    assert main(["bank-from", str(form), "-o", str(out)]) == 0
    bank, back = load_bank(bank_id), load_bank(out)
    assert back.id == bank.id
    # an XLSForm cannot say "user-missing": only 不清楚/说不清… labels are taken as such
    assert _shape(back, missing=False) == _shape(bank, missing=False)
    for q in bank.questions:
        assert _same_condition(q.relevant_tree, back.question(q.id).relevant_tree, bank), q.id


@pytest.mark.parametrize("bank_id", builtin_ids())
def test_sav_round_trip(tmp_path, bank_id) -> None:
    bank = load_bank(bank_id)
    frame = pd.DataFrame(Simulator(bank, seed=1).respondents(40))
    frame.insert(0, "response_id", range(1, len(frame) + 1))
    frame.insert(1, "wave", "首轮")
    sav = write_sav(frame, bank, tmp_path / "x.sav")
    out = tmp_path / "back.yaml"
    assert main(["bank-from", str(sav), "-o", str(out)]) == 0
    # user-missing codes travel with single/likert variables; a multi's 0/1 flags cannot carry
    # them (only 不清楚/说不清… labels are taken as such)
    assert _shape(load_bank(out), multi_missing=False) == _shape(bank, multi_missing=False)


def test_sav_value_labels_user_missing_and_mrsets(tmp_path) -> None:
    import pyreadstat

    frame = pd.DataFrame({"sex": [1.0, 2.0, 9.0], "q5_1": [1.0, 0, 1], "q5_2": [0.0, 1, 1],
                          "age": [31.0, 45, 28], "note": ["a", "", "b"]})  # fmt: skip
    path = tmp_path / "in.sav"
    pyreadstat.write_sav(
        frame,
        str(path),
        column_labels=["性别", "渠道：报纸", "渠道：网络", "年龄", "意见"],
        variable_value_labels={
            "sex": {1: "男", 2: "女", 9: "不清楚"},
            "q5_1": {0: "未选", 1: "选中"},
            "q5_2": {0: "未选", 1: "选中"},
        },
        missing_ranges={"sex": [9]},
        variable_measure={
            "age": "scale",
            "sex": "nominal",
            "q5_1": "nominal",
            "q5_2": "nominal",
            "note": "nominal",
        },
    )  # fmt: skip (pyreadstat reads MRSETS but cannot write them)
    out = tmp_path / "b.yaml"
    assert main(["bank-from", str(path), "-o", str(out)]) == 0
    bank = load_bank(out)
    assert [(q.id, q.type) for q in bank.questions] == [
        ("sex", "single"),
        ("q5", "multi"),
        ("age", "number"),
        ("note", "text"),
    ]
    sex = bank.question("sex")
    assert [(o.code, o.label, o.missing) for o in sex.options] == [
        (1, "男", False),
        (2, "女", False),
        (9, "不清楚", True),
    ]
    assert [o.label for o in bank.question("q5").options] == ["报纸", "网络"]
    assert bank.question("q5").text == "渠道"


@pytest.mark.parametrize(
    ("name", "present", "skipped"),
    [
        ("or_other.xlsx", {"fav_color": ("single", True)}, []),
        ("table-list.xls", {}, []),
        ("widgets.xls", {}, ["geopoint", "image"]),
        ("flat_xlsform_test.xlsx", {}, ["start", "deviceid"]),
    ],
)
def test_pyxform_example_forms(tmp_path, capsys, name, present, skipped) -> None:
    """Every question of pyxform's example forms is in the bank or named as skipped."""
    from surveytool.bank.importers.xlsform import KNOWN, META, NOT_QUESTIONS, UNSUPPORTED

    out = tmp_path / "b.yaml"
    assert main(["bank-from", str(PYXFORM / name), "-o", str(out)]) == 0
    said = capsys.readouterr().out
    assert main(["check", str(out)]) == 0
    bank = load_bank(out)
    ids = {q.id for q in bank.questions} | {i.id for q in bank.questions for i in q.items}
    for qid, (qtype, other) in present.items():
        assert (bank.question(qid).type, bank.question(qid).other) == (qtype, other)
    book = fastexcel.read_excel(PYXFORM / name)
    survey = book.load_sheet("survey", dtypes="string").to_pandas()
    survey.columns = [str(c).strip().lower() for c in survey.columns]
    for _, row in survey.iterrows():
        base = str(row["type"] or "").split(" ")[0].lower()
        qname = str(row.get("name") or "")
        if not qname or qname == "nan" or base.startswith(("begin", "end")):
            continue
        qid = IdMaker().clean(qname, "Q")
        assert qid in ids or qname in said, (name, qname, base)
        if base in META | NOT_QUESTIONS | set(UNSUPPORTED):
            assert qname in said
    for word in skipped:
        assert word in said or any(word in s for s in said.splitlines())
    assert KNOWN  # the table of types is the one the check uses


def test_relevant_translation() -> None:
    names = {
        "a": {"id": "a", "type": "single", "codes": {"1": 1, "yes": 2}},
        "m": {"id": "m", "type": "multi", "codes": {"x": 1, "y": 2}},
        "n": {"id": "n", "type": "number"},
        "t": {"id": "t", "type": "text"},
    }
    assert translate("${a} = 'yes'", names) == "a == 2"
    assert translate("selected(${m}, 'y') and ${n} >= 18", names) == "m has 2 and n >= 18"
    assert translate("not(${a} = '1') or (${n} < 3)", names) == "not (a == 1) or (n < 3)"
    assert translate("${t} = 'abc'", names) is None  # text answers: not in our language
    assert translate("string-length(${t}) > 0", names) is None
    assert translate("${later} = 1", names) is None  # not defined before


def test_xlsform_groups_languages_relevant_and_skipped(tmp_path, capsys) -> None:
    survey = [
        ["type", "name", "label::English (en)", "label::中文 (zh)", "relevant"],
        ["start", "start", "", "", ""],
        ["begin_group", "basic", "Basics", "基本情况", ""],
        ["select_one yn", "works", "Do you work?", "您是否工作？", ""],
        ["integer", "hours", "Hours", "每周工作小时数", "${works} = 'yes'"],
        ["text", "why", "Why not?", "为什么不工作？", "string-length(${hours}) = 0"],
        ["note", "thanks", "Thanks", "谢谢", ""],
        ["end_group", "", "", "", ""],
        ["geopoint", "where", "Where", "位置", ""],
    ]
    choices = [
        ["list_name", "name", "label::English (en)", "label::中文 (zh)"],
        ["yn", "yes", "Yes", "是"],
        ["yn", "no", "No", "否"],
    ]
    path = _xlsform(tmp_path / "f.xlsx", survey, choices)
    out = tmp_path / "b.yaml"
    assert main(["bank-from", str(path), "-o", str(out)]) == 0
    said = capsys.readouterr().out
    bank = load_bank(out)
    assert [(s.id, s.title) for s in bank.sections] == [("basic", "基本情况")]
    assert [o.label for o in bank.question("works").options] == ["是", "否"]
    assert bank.question("hours").relevant == "works == 1"
    assert bank.question("why").relevant is None
    assert (
        "XLSForm 第 6 行（why）：跳题条件“string-length(${hours}) = 0”无法换成本工具的写法" in said
    )
    assert "已跳过ODK 元数据（不是题目，不导入）：start" in said
    assert "thanks（第 7 行）" in said and "where（第 9 行，定位题）" in said
    assert main(["bank-from", str(path), "-o", str(out), "--lang", "en"]) == 0
    assert load_bank(out).question("works").text == "Do you work?"


def test_wjx_titles_from_file_names() -> None:
    from surveytool.ingest.bank_from import wjx_title

    assert wjx_title(Path("123_按文本_青年科技人才调查_3_3.xlsx")) == "青年科技人才调查"
    assert wjx_title(TEXT) == "[问卷星数据]800_800"


def test_tencent_export(tmp_path, capsys) -> None:
    from test_platforms import TENCENT

    path = tmp_path / "腾讯问卷导出.csv"
    path.write_text(TENCENT, encoding="utf-8-sig")
    out = tmp_path / "tc.yaml"
    assert main(["bank-from", str(path), "-o", str(out)]) == 0
    bank = load_bank(out)
    assert [(q.id, q.type) for q in bank.questions] == [
        ("Q1", "single"), ("Q2", "likert"), ("Q3", "number"), ("Q4", "multi"), ("Q6", "text")
    ]  # fmt: skip
    q1 = bank.question("Q1")
    assert q1.options[0].label == "高校" and q1.other and q1.other_code == 4  # D. = 4th option
    assert [o.label for o in bank.question("Q4").options] == ["报销", "会议", "考核"]
    db = tmp_path / "s.db"
    assert main(["ingest", str(path), "--bank", str(out), "--store", str(db),
                 "--mapping", str(mapping_path(out))]) == 0  # fmt: skip
    a = load_answers(db, bank).set_index("_rid")
    assert a["Q1"].tolist() == [1, 4] and a.loc["tencent:102", "Q1_other"] == "研究所"
    assert a["Q2_1"].tolist() == [4, 5] and a.loc["tencent:102", "Q4_other"] == "迎检"
    dump = out.read_text("utf-8") + mapping_path(out).read_text("utf-8")
    assert "1.2.3.4" not in dump and "小王" not in dump  # personal columns never carried


def test_web_bank_from_reviewed_then_saved_into_the_campaign(tmp_path) -> None:
    from surveytool.followup.campaign import load_campaign

    from webtools import campaign_site, client_for

    site = campaign_site(tmp_path / "调研")
    client, tok = client_for(site)
    assert "从问卷星/XLSForm/SPSS 文件生成题库" in client.get("/topic/1").get_data(as_text=True)
    files = [(TEXT.open("rb"), TEXT.name), (CODE.open("rb"), CODE.name)]
    r = client.post("/topic/1/bank-from", data={"csrf_token": tok, "files": files})
    page = r.get_data(as_text=True)
    assert r.status_code == 200 and "核对生成的题库" in page and "兴趣爱好" in page
    assert "运动；阅读；影视" in page and "Q4（单选题）：选项 1 在答卷中无人选择" in page
    action = page.split('action="/topic/1/bank-from/')[1].split('"')[0]
    r = client.post(f"/topic/1/bank-from/{action}", data={"csrf_token": tok})
    assert r.status_code == 302
    saved = site.root / "题库" / "wjx_800_800.yaml"
    assert saved.is_file() and (site.root / "题库" / "wjx_800_800.mapping.txt").is_file()
    topic = load_campaign(site.campaign_file).topics[0]
    assert load_bank(topic.bank).id == "wjx_800_800"
    assert "# 调研计划文件" in site.campaign_file.read_text("utf-8")  # comments kept
    # a pair of two surveys: located message under the names as sent, nothing kept
    other = DATA / "xls" / "123_按文本_平台导入测试_3_3.xls"
    files = [(other.open("rb"), other.name), (CODE.open("rb"), CODE.name)]
    r = client.post("/topic/1/bank-from", data={"csrf_token": tok, "files": files})
    assert r.status_code == 400 and "不是同一份问卷的答卷" in r.get_data(as_text=True)
    assert CODE.name in r.get_data(as_text=True)
    r = client.post("/topic/1/bank-from/..%2Fx", data={"csrf_token": tok})
    assert r.status_code in (400, 404)


def test_xlsform_same_name_in_two_groups_is_renamed_not_refused(tmp_path, capsys) -> None:
    """pyxform's scope: a name is unique within its group (the same name in two groups is
    valid); the bank needs unique ids, so the second gets one of its own."""
    survey = [
        ["type", "name", "label"],
        ["begin_group", "g1", "第一部分"], ["integer", "n", "人数"], ["end_group", "", ""],
        ["begin_group", "g2", "第二部分"], ["integer", "n", "人数"], ["end_group", "", ""],
    ]  # fmt: skip
    out = tmp_path / "b.yaml"
    assert main(["bank-from", str(_xlsform(tmp_path / "f.xlsx", survey)), "-o", str(out)]) == 0
    assert [q.id for q in load_bank(out).questions] == ["n", "n_2"]
