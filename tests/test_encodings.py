"""Encodings (issue 8, battery item 7): UTF-8, UTF-8 with BOM, GBK, GB18030 and UTF-16 ×
comma / tab / semicolon × LF / CRLF decode exactly; an undecodable file is refused with the
byte offset, never turned into mojibake."""

from __future__ import annotations

import itertools
from pathlib import Path

import pytest

from surveytool.errors import problem
from surveytool.ingest.csvio import read_csv_rows
from surveytool.ingest.table import KIND, FileRejectedError

ROWS = [
    ["编号", "单位", "建议"],
    ["1", "广西科技大学", "减少表格，１２３"],
    ["2", "柳州市工人医院", "“引号”与——破折号"],
]
RARE = ["3", "吉林", "𠮷野家"]  # 𠮷 is outside GBK


@pytest.mark.parametrize(
    ("encoding", "sep", "eol"),
    list(
        itertools.product(
            ["utf-8", "utf-8-sig", "gbk", "gb18030", "utf-16"], [",", "\t", ";"], ["\n", "\r\n"]
        )
    ),
)
def test_exact_decode(tmp_path: Path, encoding: str, sep: str, eol: str) -> None:
    rows = ROWS + ([RARE] if encoding != "gbk" else [])
    path = tmp_path / "x.csv"
    path.write_bytes("".join(sep.join(r) + eol for r in rows).encode(encoding))
    assert read_csv_rows(path, path.name) == rows


def test_gbk_cannot_hold_every_name() -> None:
    with pytest.raises(UnicodeEncodeError):
        "𠮷".encode("gbk")  # why GB18030, not GBK, is the fallback


def test_undecodable_bytes_named_not_guessed(tmp_path: Path) -> None:
    path = tmp_path / "坏.csv"
    path.write_bytes("编号,单位\n1,".encode() + b"\xff\xff\xff\n")
    with pytest.raises(FileRejectedError) as info:
        read_csv_rows(path, path.name)
    offset = len("编号,单位\n1,".encode())
    assert info.value.problems[0].message == (
        problem("csv_encoding", file="坏.csv", kind=KIND, offset=offset).message
    )


# --- issue 27: rows read by pyarrow.csv, exactly as the csv module read them ---------------


def _as_the_csv_module_reads(path: Path) -> list[list[str | None]]:
    """The reference: Python's csv module on the decoded text with the sniffed dialect,
    short rows padded, blank cells None, trailing blank rows dropped (main before issue 27)."""
    import csv
    import io

    from surveytool.ingest.csvio import decode

    text = decode(path.read_bytes(), path.name)
    try:
        dialect = csv.Sniffer().sniff(text[:8192], delimiters=",\t;")
    except csv.Error:
        dialect = csv.excel
    records = list(csv.reader(io.StringIO(text, newline=""), dialect))
    width = max(map(len, records), default=0)
    rows = [[c if c.strip() else None for c in r + [""] * (width - len(r))] for r in records]
    while rows and not any(v is not None for v in rows[-1]):
        rows.pop()
    return rows


def test_pyarrow_reads_every_file_as_the_csv_module_did(tmp_path: Path, monkeypatch) -> None:
    """400 random files (quotes, doubled quotes, delimiters and line breaks inside values,
    full-width spaces, 'NA'/'None'/'007', blank lines, ragged rows, five encodings, three
    delimiters, LF/CRLF): the grid is the csv module's, whichever reader read it, and most
    are read by pyarrow."""
    import csv
    import io
    import random

    from surveytool.ingest import csvio

    used = {"arrow": 0, "module": 0}
    real = csvio._arrow

    def counting(*args):
        table = real(*args)
        used["arrow" if table is not None else "module"] += 1
        return table

    monkeypatch.setattr(csvio, "_arrow", counting)
    rng = random.Random(27)
    values = ["a", "单位", '"引号"', " ", "", "\u3000", "x,y", "甲\n乙", "NA", "None", "007",
              "1.5", " 前空格", "\t", ";", "=1+2", "𠮷", 'a""b']  # fmt: skip
    for k in range(400):
        width, n = rng.randint(1, 6), rng.randint(1, 8)
        rows = [[rng.choice(values) for _ in range(width)] for _ in range(n)]
        if rng.random() < 0.15:
            rows[rng.randrange(n)].pop()  # a short row
        buf = io.StringIO()
        eol = rng.choice(["\n", "\r\n"])
        csv.writer(buf, delimiter=rng.choice(",\t;"), lineterminator=eol).writerows(rows)
        text = buf.getvalue()
        if rng.random() < 0.2:
            at = text.find(eol) + len(eol)
            text = text[:at] + eol + text[at:]  # a blank line after the header
        if rng.random() < 0.2:
            text += eol * rng.randint(1, 2)
        encoding = rng.choice(["utf-8", "utf-8-sig", "gb18030", "utf-16"])
        path = tmp_path / f"{k}.csv"
        path.write_bytes(text.encode(encoding))
        expected = _as_the_csv_module_reads(path)
        grid = csvio.read_csv_grid(path, path.name).array()
        assert grid.tolist() == expected, (k, text, encoding)
    assert used["arrow"] > 200 and used["module"] > 50, used


def test_a_blank_line_keeps_its_row_number(tmp_path: Path) -> None:
    from surveytool.ingest.csvio import read_csv_grid

    path = tmp_path / "空行.csv"
    path.write_text("编号,单位\n1,甲\n\n2,乙\n\n\n", encoding="utf-8")
    assert read_csv_grid(path, path.name).array().tolist() == [
        ["编号", "单位"],
        ["1", "甲"],
        [None, None],  # row 3, as Excel shows it
        ["2", "乙"],
    ]
    assert read_csv_rows(path, path.name)[3] == ["2", "乙"]


def test_an_unterminated_quote_is_read_as_the_csv_module_did(tmp_path: Path) -> None:
    """pyarrow refuses it; the csv module reads the rest of the file into the last cell."""
    path = tmp_path / "引号.csv"
    path.write_text('编号,建议\n1,"没有结束的引号\n2,乙\n', encoding="utf-8")
    assert read_csv_rows(path, path.name) == [["编号", "建议"], ["1", "没有结束的引号\n2,乙\n"]]
