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
