"""Long text (issue 13, items 4 and 13): masking and keywords are linear in the text, only the
first MAX_CHARS characters of an answer are analysed (and the report says so), a cell longer
than normalise.MAX_CHARS is a located error at ingest, and a CSV field longer than Python's
csv limit (131,072) is that same located error — not a rejected file in English."""

from __future__ import annotations

import time
from pathlib import Path

import pandas as pd
import pytest

from surveytool import privacy
from surveytool.analysis import Survey, analyse
from surveytool.analysis import text as tx
from surveytool.errors import problem
from surveytool.ingest import ingest, load_answers
from surveytool.ingest import normalise as nz
from surveytool.ingest.table import KIND

from conftest import GOOD

ADVERSARIAL = {
    "letters": "a" * 40_000,  # every position started an e-mail match that ran to the end
    "chinese": "研究" * 20_000,  # \\w is Chinese too
    "dots": "a." * 20_000 + "@",
    "digits": "1" * 40_000,
}


@pytest.mark.parametrize("name", list(ADVERSARIAL))
def test_masking_and_keywords_are_linear(name: str) -> None:
    privacy.mask("预热")  # jieba's dictionary loads once
    text = ADVERSARIAL[name]
    start = time.perf_counter()
    privacy.mask(text)
    tx.tokens(text, set())
    assert time.perf_counter() - start < 3  # 9–16 s each before (issue 13, item 4)


def test_every_mask_is_named_and_bounded() -> None:
    assert [m.name for m in privacy.MASKS] == [
        "email",
        "id18",
        "bank_card",
        "mobile",
        "phone",
        "id15",
        "qq",
        "wechat",
    ]
    for m in privacy.MASKS:
        assert "+" not in m.pattern.pattern.replace("%+-", "").replace("\\+", ""), m.name
        assert "*" not in m.pattern.pattern, m.name
    got = privacy.mask("邮箱 zhang.san@example.com，手机 138 1234 5678，身份证 45020219900101123X")
    assert got == "邮箱 [邮箱]，手机 [手机号]，身份证 [身份证号]"


def test_the_cap_never_cuts_a_phone_number_in_half() -> None:
    text = "中" * (tx.MAX_CHARS - 5) + "13812345678，以后再说"
    cut = tx.head(text)
    assert len(cut) <= tx.MAX_CHARS and cut == "中" * (tx.MAX_CHARS - 5)
    assert tx.head("短回答") == "短回答"


def test_only_the_first_max_chars_are_analysed(ingest_bank) -> None:
    from surveytool.store.answers import META_COLUMNS, dtype_of

    late = "填" * tx.MAX_CHARS + "揭榜挂帅"  # the keyword only after the cap
    answers = [late] * 6 + ["建议推行经费包干"] * 6
    frame = pd.DataFrame({c: [None] * len(answers) for c in META_COLUMNS})
    for f in ingest_bank.fields:
        col = answers if f.id == "B6" else [None] * len(answers)
        frame[f.id] = pd.Series(col, dtype=dtype_of(f))
    r = analyse(Survey(frame, ingest_bank))
    words = set(r.open_answers["keyword"])
    # 经费 and 包干 come from the same answers: only the more distinctive (包干) is kept
    assert "包干" in words and "揭榜挂帅" not in words  # a domain term, had it been read
    assert all(len(e) <= 200 for e in r.open_examples["B6"])


def test_the_report_states_the_cap(tmp_path: Path, ingest_bank) -> None:
    from surveytool.forms.fill import FormFiller
    from surveytool.report import make_report

    filler = FormFiller(ingest_bank)
    for i in range(5):
        filler.fill({**GOOD, "B3": 30 + i}, tmp_path / "in" / f"{i}.xlsx")
    ingest([tmp_path / "in"], ingest_bank, tmp_path / "s.db")
    md = make_report(tmp_path / "s.db", ingest_bank, tmp_path / "r", formats=("md",))["md"]
    assert tx.CAP_NOTE in md.read_text("utf-8")


def too_long(length: int) -> str:
    return problem("cell_too_long", length=f"{length:,}", limit=f"{nz.MAX_CHARS:,}").message


def test_a_csv_field_beyond_the_csv_modules_limit(tmp_path: Path, ingest_bank) -> None:
    """A 200,000-character answer: that row is rejected with its cell; the file and its other
    rows are read (before: 「field larger than field limit (131072)」 for the whole file)."""
    ids = ["B1", "B2_1", "B2_2", "B3", "B4_1", "B4_2", "B4_3", "B4_4", "B5_1", "B5_2", "B6"]
    rows = [",".join(ids)]
    for b6 in ("短的建议", "长" * 200_000, "另一条建议"):
        rows.append(",".join(str({**GOOD, "B6": b6}[k]) for k in ids))
    path = tmp_path / "汇总.csv"
    path.write_text("\n".join(rows), encoding="utf-8")
    summary = ingest([path], ingest_bank, tmp_path / "s.db")
    result = summary.files[0]
    assert result.status == "ingested" and result.accepted == 2 and result.rejected == 1
    expected = problem(
        "cell_too_long",
        file="汇总.csv",
        sheet="CSV",
        cell="K3",
        field="B6",
        kind=KIND,
        question="您的建议",
        length="200,000",
        limit=f"{nz.MAX_CHARS:,}",
    )
    assert summary.rejects_file
    from openpyxl import load_workbook

    ws = load_workbook(summary.rejects_file).active
    assert ws["D2"].value == expected.message
    assert len(load_answers(tmp_path / "s.db", ingest_bank)) == 2


def test_an_over_long_cell_in_a_form(tmp_path: Path, ingest_bank) -> None:
    from surveytool.forms.fill import FormFiller

    FormFiller(ingest_bank).fill({**GOOD, "B6": "长" * 40_000}, tmp_path / "in" / "0.xlsx")
    summary = ingest([tmp_path / "in"], ingest_bank, tmp_path / "s.db")
    assert summary.total("rejected") == 1
    from openpyxl import load_workbook

    reason = load_workbook(summary.rejects_file).active["D2"].value
    assert reason.startswith("返回表 0.xlsx，工作表“问卷”，") and "（题目 B6 您的建议）" in reason
    assert reason.endswith(too_long(32_767))  # the form holds what Excel can: 32,767


def test_a_csv_wider_than_excel(tmp_path: Path, ingest_bank) -> None:
    path = tmp_path / "宽.csv"
    path.write_text(",".join(f"c{i}" for i in range(20_000)) + "\n1\n", encoding="utf-8")
    result = ingest([path], ingest_bank, tmp_path / "s.db").files[0]
    assert result.status == "failed"
    assert [p.message for p in result.problems] == [
        problem("file_too_wide", file="宽.csv", kind=KIND, columns="20,000").message
    ]
