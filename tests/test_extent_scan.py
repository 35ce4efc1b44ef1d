"""The sheet-extent scan (issue 27): chunks whose cells cannot change the extent found so far
are skipped by one RE2 search (ingest/beyond.py). The extent must be the same as reading
every cell reference: checked against a plain reference implementation on random sheets
(cells beyond the rows or columns seen so far in later chunks, leading zeros, irregular
tags, namespace prefixes, DOCTYPE), cut into chunks of many sizes."""

from __future__ import annotations

import random
import re

import pytest

from surveytool.ingest.extent import column_number, scan_part


def reference(data: bytes, prefix: str) -> tuple[bool, tuple[int, int] | None]:
    """(DOCTYPE/ENTITY anywhere, (last row, last column) or None when some cell or row
    tag has no plain leading reference), from the whole part at once."""
    if re.search(rb"<!(?:DOCTYPE|ENTITY)", data, re.IGNORECASE):
        return True, None
    any_prefix = rb"(?:[^\s<>/!?:\"'=]+:)?"  # calamine reads cells of any prefix
    cells = re.findall(rb"<" + any_prefix + rb"c(?=[\s>/])([^<]{0,16})", data)
    rows = re.findall(rb"<" + any_prefix + rb"row(?=[\s>/])([^<]{0,16})", data)
    last_row, last_col = 0, 0
    for after in cells:
        m = re.match(rb' r="([A-Z]{1,4})(\d{1,8})"', after)
        if not m:
            return False, None
        last_col = max(last_col, column_number(m.group(1).decode()))
        last_row = max(last_row, int(m.group(2)))
    for after in rows:
        m = re.match(rb' r="(\d{1,8})"', after)
        if not m:
            return False, None
        last_row = max(last_row, int(m.group(1)))
    return False, (last_row, last_col)


def letters(n: int) -> str:
    out = ""
    while n > 0:
        n, rest = divmod(n - 1, 26)
        out = chr(65 + rest) + out
    return out


def random_sheet(rng: random.Random, prefix: str) -> bytes:
    odd = rng.random() < 0.2  # irregular tags in a fifth of the sheets
    rows = []
    for r in range(1, rng.randint(0, 80) + 1):
        rr = r if rng.random() > 0.02 else rng.randint(1, 10 ** rng.randint(1, 8))
        cells = []
        for c in range(1, rng.randint(0, 8) + 1):
            col = c if rng.random() > 0.03 else rng.randint(1, 20_000)
            row = rr if rng.random() > 0.03 else rng.randint(1, 10 ** rng.randint(1, 8))
            ref = f"{letters(col)}{'0' * rng.choice([0, 0, 0, 1, 3])}{row}"
            tag = f'<{prefix}c r="{ref}">'
            if odd and rng.random() < 0.05:
                tag = rng.choice(
                    [
                        f"<{prefix}c>",
                        f'<{prefix}c t="s" r="{ref}">',
                        f'<{prefix}c r="{ref.lower()}">',
                        f'<{prefix}c  r="{ref}">',
                        f'<{prefix}c\tr="{ref}">',
                        f'<{prefix}c r="{ref}é">',
                    ]
                )
            cells.append(f"{tag}<{prefix}v>{rng.randint(0, 9)}</{prefix}v></{prefix}c>")
        head = f'<{prefix}row r="{rr}">' if not odd or rng.random() > 0.01 else f"<{prefix}row>"
        rows.append(head + "".join(cells) + f"</{prefix}row>")
    text = f"<{prefix}worksheet><{prefix}sheetData>{''.join(rows)}</{prefix}sheetData>"
    if rng.random() < 0.02:
        text = text.replace("<" + prefix + "sheetData>", "<!DOCTYPE x><" + prefix + "sheetData>")
    return (text + f"</{prefix}worksheet>").encode()


def found(data: bytes, prefix: str, size: int) -> tuple[bool, tuple[int, int] | None]:
    scan = scan_part((data[i : i + size] for i in range(0, len(data), size)), prefix)
    return scan.doctype, (scan.extent.rows, scan.extent.cols) if scan.extent else None


def found_in(chunks: list[bytes], prefix: str) -> tuple[bool, tuple[int, int] | None]:
    scan = scan_part(iter(chunks), prefix)
    return scan.doctype, (scan.extent.rows, scan.extent.cols) if scan.extent else None


def test_the_extent_is_that_of_every_cell_reference_on_random_sheets() -> None:
    rng = random.Random(27)
    exact = 0
    for _ in range(800):
        prefix = rng.choice(["", "", "x:"])
        data = random_sheet(rng, prefix)
        want = reference(data, prefix)
        exact += want[1] is not None
        for size in (64, 300, 4096, 1 << 20):
            assert found(data, prefix, size) == want, (size, prefix, data[:300])
    assert exact > 250  # most sheets have an extent to find, not only irregular tags


@pytest.mark.parametrize(
    ("late", "extent"),
    [
        ('<c r="XFD3">', (4_000, 16_384)),  # far right, in a later chunk
        ('<c r="B1048576">', (1_048_576, 50)),  # far down, in a row whose tag says 3
        ('<c r="AY004001">', (4_001, 51)),  # leading zeros: row 4,001
        ('<c r="AZ1">', (4_000, 52)),  # one column past the last seen
        ('<c r="AX4000">', (4_000, 50)),  # within: nothing changes
    ],
)
def test_a_cell_beyond_in_a_later_chunk_is_counted(late: str, extent: tuple[int, int]) -> None:
    rows = [
        f'<row r="{r}">' + "".join(f'<c r="{letters(c)}{r}"><v>1</v></c>' for c in range(1, 51))
        for r in range(1, 4_001)
    ]
    rows.insert(3_900, f'<row r="3">{late}<v>1</v></c></row>')
    data = ("<worksheet><sheetData>" + "".join(rows) + "</sheetData></worksheet>").encode()
    assert reference(data, "")[1] == extent
    for size in (1 << 16, 1 << 20):
        assert found(data, "", size) == (False, extent)


def test_an_irregular_tag_in_a_later_chunk_makes_the_extent_implicit() -> None:
    body = "".join(f'<row r="{r}"><c r="A{r}"><v>1</v></c></row>' for r in range(1, 50_000))
    for odd in ('<c t="n" r="A2">', "<c>", '<c r="a2">', '<c r="A2\xe9">'):
        data = f'<worksheet><sheetData>{body}<row r="50000">{odd}</c></row>'.encode()
        assert found(data, "", 1 << 16) == (False, None), odd


def test_a_tag_cut_at_a_chunk_end_hides_no_reference() -> None:
    """A review's find: the scan cuts each chunk before its last ``<``; a tag cut there
    (``<c <x="1" r="XFD1048576">``: calamine reads it as a cell) was skipped by the search,
    which needed one more byte to call it irregular."""
    head = b'<worksheet><sheetData><row r="1"><c r="A1"/></row>'
    for cut in (b"<c ", b"<c r", b"<c r=", b'<c r="', b'<c r="A', b'<c r="A9', b'<y:c r="XF'):
        rest = b'="1" r="XFD1048576"/></row></sheetData></worksheet>'
        chunks = [head, b'<row r="1">' + cut + b"<x", rest]
        assert scan_part(iter(chunks), "") == scan_part(iter([b"".join(chunks)]), ""), cut
        assert scan_part(iter(chunks), "").extent is None, cut  # the exact, slow scan decides


def test_random_cuts_right_after_a_cell_tag_opens() -> None:
    rng = random.Random(14)
    for _ in range(300):
        prefix = rng.choice(["", "x:"])
        data = random_sheet(rng, prefix)
        starts = [m.start() for m in re.finditer(rb"<(?:x:)?c[ >]", data)]
        if not starts:
            continue
        cuts = sorted({rng.choice(starts) + rng.randint(1, 12) for _ in range(4)})
        chunks = [data[a:b] for a, b in zip([0, *cuts], [*cuts, len(data)], strict=True)]
        assert found_in(chunks, prefix) == reference(data, prefix)


def test_cells_of_another_namespace_prefix_count() -> None:
    """calamine matches local names: a ``<y:c>`` cell in an unprefixed sheet is read at its
    reference, so its reference counts (before, the scan looked only at the sheet's own
    prefix, and such a cell at XFD1048576 passed)."""
    body = "".join(f'<row r="{r}"><c r="A{r}"><v>1</v></c></row>' for r in range(1, 3000))
    far = '<row r="3000"><y:c r="XFD1048576" xmlns:y="urn:x"><y:v>1</y:v></y:c></row>'
    data = f"<worksheet><sheetData>{body}{far}</sheetData></worksheet>".encode()
    for size in (1 << 12, 1 << 20):
        assert found(data, "", size) == (False, (1_048_576, 16_384))
