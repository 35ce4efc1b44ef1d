"""座谈/访谈/研讨 (issue 15): the bank's interview block, the outline, notes into the store
(masked, idempotent, damaged files refused with the batch going on), coding and quotes."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import zipfile
from pathlib import Path

import pytest
from docx import Document

from surveytool.bank import load_bank
from surveytool.bank.interview import generated_prompts, themes
from surveytool.cli import main
from surveytool.errors import BankError, problem
from surveytool.forms.outline import THEME_MARK, consent_text, write_outline
from surveytool.ingest.notes import KIND, ingest_notes
from surveytool.store import methods as sm
from surveytool.store.db import Store

from conftest import MINIMAL, write_bank

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")

NOTES = """\
日期：2026-05-12
形式：座谈
单位类型：高等院校（如 高等院校、医院）
参加人数：8（不含主持人）
【主题】科研时间与事务性负担
王建国处长说，报销要跑三个部门，一张发票要贴好几次。
同一份材料要在学校和自治区两个系统重复填报，联系电话13812345678。
【主题】评价与项目制度
职称评审主要看论文数量，做技术服务的老师吃亏。
"""


def _bank():
    return load_bank("young_researchers")


# --- the bank's interview block ---------------------------------------------------------------


def test_interview_block_problems_are_located(tmp_path: Path) -> None:
    text = MINIMAL.replace(
        "    title: 基本情况\n",
        "    title: 基本情况\n"
        "    interview:\n"
        "      theme: 负担情况\n"
        "      prompts: [只有一个问题]\n"
        "      keywords: [报销, 报 销]\n"
        "      sequence: 1\n",
    )
    path = write_bank(tmp_path, text)
    with pytest.raises(BankError) as exc:
        load_bank(path)
    messages = [p.message for p in exc.value.problems]
    where = {"file": "bank.yaml", "field": "B", "kind": "题库"}
    assert problem("interview_prompts", line=11, count=1, **where).message in messages
    assert problem("interview_keyword", line=12, value="报 销", **where).message in messages
    assert any("不认识的设置项“sequence”" in m for m in messages)


def test_interview_block_gives_the_theme_and_sections_without_one_are_generated(
    tmp_path: Path,
) -> None:
    text = MINIMAL.replace(
        "    title: 基本情况\n",
        "    title: 基本情况\n"
        "    interview:\n"
        "      theme: 负担情况\n"
        "      prompts: [您的负担主要来自哪里？, 有什么建议？]\n"
        "      keywords: [报销, 会议]\n",
    )
    found = themes(load_bank(write_bank(tmp_path, text)))
    assert [(t.id, t.name, t.prompts, t.keywords) for t in found] == [
        ("B", "负担情况", ("您的负担主要来自哪里？", "有什么建议？"), ("报销", "会议"))
    ]
    generated = themes(load_bank(write_bank(tmp_path, MINIMAL, "plain.yaml")))[0]
    assert generated.name == "基本情况" and 2 <= len(generated.prompts) <= 4
    assert generated.prompts == generated_prompts(generated.section)
    # a section of profile questions only is no theme
    assert "A" not in {t.id for t in themes(_bank())}


# --- the outline --------------------------------------------------------------------------------


def test_outline_has_the_themes_consent_and_record_sheet(tmp_path: Path) -> None:
    bank = _bank()
    path = write_outline(bank, tmp_path / "提纲.docx", "访谈")
    text = [p.text for p in Document(str(path)).paragraphs]
    assert text[0] == "青年科技工作者科研负担与创新环境访谈提纲"
    assert consent_text("访谈") in text
    for t in themes(bank):
        assert any(x.endswith(t.name) and x.startswith("（") for x in text), t.name
        assert f"{THEME_MARK}{t.name}" in text
        assert f"1. {t.prompts[0]}" in text
    assert "参加人数：（数字，不含主持人和记录人）" in text


def test_outline_command_and_bad_kind(tmp_path: Path, capsys) -> None:
    assert main(["outline", "young_researchers", "-o", str(tmp_path / "o.docx")]) == 0
    assert "已生成座谈提纲" in capsys.readouterr().out
    with pytest.raises(SystemExit) as exc:
        main(["outline", "young_researchers", "-o", str(tmp_path / "o.docx"), "--kind", "闲聊"])
    assert exc.value.code == 2
    assert "--kind 的值“闲聊”无效，可选：'座谈', '访谈', '研讨'" in capsys.readouterr().err


@pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) is not installed")
def test_outline_opens_in_libreoffice(tmp_path: Path) -> None:
    path = write_outline(_bank(), tmp_path / "outline.docx")
    env = {**os.environ, "HOME": str(tmp_path)}
    subprocess.run(
        [
            SOFFICE,
            "--headless",
            "--norestore",
            "--convert-to",
            "pdf",
            "--outdir",
            str(tmp_path),
            str(path),
        ],
        capture_output=True,
        timeout=300,
        env=env,
        check=False,
    )
    pdf = tmp_path / "outline.pdf"
    assert pdf.is_file() and pdf.read_bytes().startswith(b"%PDF")
    if shutil.which("pdftotext"):
        text = subprocess.run(
            ["pdftotext", str(pdf), "-"], capture_output=True, text=True, check=True
        ).stdout
        assert "知情同意" in text and "科研时间与事务性负担" in text


# --- notes into the store -----------------------------------------------------------------------


def _notes_rows(store: Path) -> list[tuple]:
    with sqlite3.connect(store) as db:
        return db.execute("SELECT theme, heading, text FROM session_notes ORDER BY id").fetchall()


def test_notes_are_masked_before_they_are_stored(tmp_path: Path) -> None:
    folder = tmp_path / "notes"
    folder.mkdir()
    (folder / "a.txt").write_text(NOTES, encoding="utf-8")
    doc = Document()
    for line in NOTES.replace("2026-05-12", "2026年5月13日").splitlines():
        doc.add_paragraph(line)
    doc.save(str(folder / "b.docx"))
    store = tmp_path / "s.db"
    summary = ingest_notes([folder], _bank(), store)
    assert summary.count("ingested") == 2 and not summary.failed
    rows = _notes_rows(store)
    assert len(rows) == 6 and {r[0] for r in rows} == {"C", "D"}
    joined = "\n".join(r[2] for r in rows)
    assert "王建国" not in joined and "13812345678" not in joined
    assert "[姓名]处长说" in joined and "[手机号]" in joined
    with Store(store) as st:
        sessions, _ = sm.read_sessions(st, "young_researchers")
    assert list(sessions["held_on"]) == ["2026-05-12", "2026-05-13"]
    assert list(sessions["unit_type"]) == ["高等院校", "高等院校"]  # the hint (如 …) dropped
    assert list(sessions["participants"]) == [8, 8]


def test_a_notes_file_ingested_again_is_skipped(tmp_path: Path) -> None:
    path = tmp_path / "a.md"
    path.write_text(NOTES.replace("【主题】", "## "), encoding="utf-8")
    store = tmp_path / "s.db"
    ingest_notes([path], _bank(), store)
    again = ingest_notes([path], _bank(), store)
    assert again.count("skipped") == 1 and again.count("ingested") == 0
    message = again.files[0].problems[0].message
    assert message.startswith(f"{KIND} a.md：这个文件已于 ") and "本次跳过，不会重复计入" in message
    assert len(_notes_rows(store)) == 3


def _damaged_docx(path: Path) -> Path:
    good = path.with_name("good.docx")
    Document().save(str(good))
    data = bytearray(good.read_bytes())
    data[len(data) // 3 : len(data) // 3 + 64] = b"\x00" * 64  # corrupt compressed data
    path.write_bytes(bytes(data))
    good.unlink()
    return path


def test_a_damaged_docx_is_a_chinese_error_and_the_batch_goes_on(tmp_path: Path) -> None:
    folder = tmp_path / "notes"
    folder.mkdir()
    _damaged_docx(folder / "1-damaged.docx")
    (folder / "2-plain.docx").write_text("其实是文本", encoding="utf-8")
    with zipfile.ZipFile(folder / "3-entity.docx", "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("word/document.xml", '<!DOCTYPE x [<!ENTITY a "b">]><w:document/>')
    (folder / "4-good.txt").write_text(NOTES, encoding="utf-8")
    summary = ingest_notes([folder], _bank(), tmp_path / "s.db")
    status = {f.name: f.status for f in summary.files}
    assert status == {
        "1-damaged.docx": "failed",
        "2-plain.docx": "failed",
        "3-entity.docx": "failed",
        "4-good.txt": "ingested",
    }
    for f in summary.failed:
        (p,) = f.problems
        assert p.code == "docx_unreadable" and p.message.startswith(
            f"{KIND} {f.name}：无法读取这个 Word 文件："
        )
        assert "Traceback" not in p.message and "Error" not in p.message
    entity = next(f for f in summary.files if f.name == "3-entity.docx").problems[0].message
    assert "DOCTYPE" in entity


@pytest.mark.parametrize(
    ("header", "code", "values"),
    [
        (
            "日期：2026-05-12\n形式：座谈\n参加人数：8\n",
            "notes_header_missing",
            {"keys": "“单位类型”"},
        ),
        (
            "日期：2026-13-40\n形式：座谈\n单位类型：医院\n参加人数：8\n",
            "notes_bad_value",
            {
                "at": "第 1 行",
                "text": "2026-13-40",
                "what": "日期",
                "rule": "年月日，例如 2026-05-12",
            },
        ),
        (
            "日期：2026-05-12\n形式：聊天\n单位类型：医院\n参加人数：8\n",
            "notes_bad_value",
            {"at": "第 2 行", "text": "聊天", "what": "形式", "rule": "座谈、访谈或研讨"},
        ),
        (
            "日期：2026-05-12\n形式：座谈\n主持人：王建国\n单位类型：医院\n参加人数：8\n",
            "notes_names",
            {"at": "第 3 行", "key": "主持人"},
        ),
    ],
)
def test_notes_header_problems_say_where_and_what(
    tmp_path: Path, header: str, code: str, values: dict
) -> None:
    path = tmp_path / "n.txt"
    path.write_text(header + "【主题】评价与项目制度\n论文数量。\n", encoding="utf-8")
    summary = ingest_notes([path], _bank(), tmp_path / "s.db")
    (f,) = summary.failed
    assert [p.message for p in f.problems] == [
        problem(code, file="n.txt", kind=KIND, **values).message
    ]
    with sqlite3.connect(tmp_path / "s.db") as db:  # nothing stored, not even the name
        assert db.execute("SELECT count(*) FROM sessions").fetchone()[0] == 0


def test_a_store_from_before_the_method_tables_gets_them(tmp_path: Path) -> None:
    store = tmp_path / "old.db"
    with Store(store) as st:
        for table in ("session_notes", "sessions", "delphi_ratings", "delphi_experts"):
            st.db.execute(f"DROP TABLE {table}")
        for table in ("delphi_items", "visit_problems", "visit_notes", "visits", "method_files"):
            st.db.execute(f"DROP TABLE {table}")
        assert not st.has_table("sessions")
        assert sm.read_sessions(st, "young_researchers")[0].empty  # readers find nothing
    (tmp_path / "a.txt").write_text(NOTES, encoding="utf-8")
    assert ingest_notes([tmp_path / "a.txt"], _bank(), store).count("ingested") == 1
    assert len(_notes_rows(store)) == 3


def test_coding_counts_sessions_and_quotes_only_large_enough_sessions(tmp_path: Path) -> None:
    from surveytool.analysis.themes import summarise_notes

    folder = tmp_path / "n"
    folder.mkdir()
    (folder / "big.txt").write_text(NOTES, encoding="utf-8")
    small = NOTES.replace("参加人数：8（不含主持人）", "参加人数：3").replace(
        "高等院校（如 高等院校、医院）", "医院"
    )
    small = small.replace("报销要跑三个部门", "报销要跑四个科室")
    (folder / "small.txt").write_text(small, encoding="utf-8")
    store = tmp_path / "s.db"
    ingest_notes([folder], _bank(), store)
    with Store(store) as st:
        sessions, notes = sm.read_sessions(st, "young_researchers")
    summary = summarise_notes(sessions, notes, _bank(), k=5)
    table = summary.theme_table().set_index("theme")
    assert table.loc["C", "sessions"] == 2 and table.loc["C", "participants"] == 11
    quotes = " ".join(table["quote"])
    assert "四个科室" not in quotes  # a session of 3 is never quoted
    assert "[" not in quotes  # quotes with masked parts are not chosen
    assert summary.quotable == {int(sessions.loc[sessions["participants"] == 8, "session"].iloc[0])}
