"""Builders of hostile and odd returned files, from one of our own filled-in forms.

Each builder takes the good form and a target folder and writes one file; every one is
small (the zip bomb is the largest at ~60 KB) so the battery stays fast.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Callable
from pathlib import Path

SHEET = "xl/worksheets/sheet1.xml"


def _rewrite(src: Path, dst: Path, edit: Callable[[str, bytes], bytes | None]) -> Path:
    """Copy the zip ``src`` to ``dst``, passing each entry through ``edit`` (None: drop)."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = edit(info.filename, zin.read(info.filename))
            if data is not None:
                zout.writestr(info.filename, data)
    return dst


def _answer_sheet(src: Path) -> str:
    """The entry of the sheet named 问卷 (our respondent form's answers)."""
    with zipfile.ZipFile(src) as z:
        book = z.read("xl/workbook.xml").decode("utf-8")
        rels = z.read("xl/_rels/workbook.xml.rels").decode("utf-8")
    rid = re.search(r'name="问卷"[^>]*r:id="(rId\d+)"', book).group(1)
    target = re.search(rf'Id="{rid}"[^>]*Target="/?(?:xl/)?([^"]+)"', rels)
    if target is None:
        target = re.search(rf'Target="/?(?:xl/)?([^"]+)"[^>]*Id="{rid}"', rels)
    return "xl/" + target.group(1)


def _strings_with(src: Path, dst: Path, doctype: str, text: str) -> Path:
    """Put a DOCTYPE at the top of the answer sheet and ``text`` (entity references) in place
    of the first answer (column C from row 5)."""
    sheet = _answer_sheet(src)

    def edit(name: str, data: bytes) -> bytes:
        if name != sheet:
            return data
        s = data.decode("utf-8")
        s = s.replace("?>", "?>" + doctype, 1) if s.startswith("<?xml") else doctype + s
        s = re.sub(r'(<c r="C(?:[5-9]|\d\d+)"[^>]*><is><t>)[^<]*', rf"\g<1>{text}", s, count=1)
        return s.encode("utf-8")

    return _rewrite(src, dst, edit)


def billion_laughs(src: Path, out: Path) -> Path:
    lol = '<!ENTITY lol0 "lol">' + "".join(
        f'<!ENTITY lol{i} "{("&lol" + str(i - 1) + ";") * 10}">' for i in range(1, 10)
    )
    return _strings_with(src, out / "十亿笑声.xlsx", f"<!DOCTYPE lolz [{lol}]>", "&lol9;")


def quadratic_blowup(src: Path, out: Path) -> Path:
    doctype = f'<!DOCTYPE q [<!ENTITY a "{"a" * 50_000}">]>'
    return _strings_with(src, out / "二次膨胀.xlsx", doctype, "&a;" * 5_000)


def xxe(src: Path, out: Path) -> Path:
    doctype = '<!DOCTYPE x [<!ENTITY secret SYSTEM "file:///etc/hostname">]>'
    return _strings_with(src, out / "外部实体.xlsx", doctype, "&secret;")


def zip_bomb(src: Path, out: Path) -> Path:
    """An extra entry of 80 MiB of zeros (compresses ~1000x)."""
    dst = _rewrite(src, out / "压缩炸弹.xlsx", lambda n, d: d)
    with zipfile.ZipFile(dst, "a", zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/media/padding.bin", b"\0" * (80 * 2**20))
    return dst


def far_cell(src: Path, out: Path) -> Path:
    """One cell at XFD200000, the dimension tag left as it was (it lies)."""
    sheet = _answer_sheet(src)

    def edit(name: str, data: bytes) -> bytes:
        if name != sheet:
            return data
        far = '<row r="200000"><c r="XFD200000" t="n"><v>1</v></c></row></sheetData>'
        return data.replace(b"</sheetData>", far.encode(), 1)

    return _rewrite(src, out / "远处单元格.xlsx", edit)


def wrong_dimension(src: Path, out: Path) -> Path:
    """As WPS sometimes saves: a dimension tag that says A1 only (legitimate: read it)."""
    sheet = _answer_sheet(src)

    def edit(name: str, data: bytes) -> bytes:
        if name != sheet:
            return data
        return re.sub(rb'<dimension ref="[^"]*"/>', b'<dimension ref="A1"/>', data, count=1)

    return _rewrite(src, out / "WPS维度错误.xlsx", edit)


def truncated(src: Path, out: Path) -> Path:
    data = src.read_bytes()
    dst = out / "下载不完整.xlsx"
    dst.write_bytes(data[: len(data) // 2])
    return dst


def csv_renamed(out: Path) -> Path:
    dst = out / "其实是CSV.xlsx"
    dst.write_text("B1,B2\n1,2\n", encoding="utf-8")
    return dst


def password_protected(out: Path) -> Path:
    """What Excel writes for a password-protected workbook: an OLE2 (CFB) container."""
    dst = out / "设置了密码.xlsx"
    header = bytes.fromhex("D0CF11E0A1B11AE1") + b"\0" * 16 + bytes.fromhex("3E000300FEFF0900")
    dst.write_bytes(header + b"\0" * 4000)
    return dst


def macro_form(src: Path, out: Path) -> Path:
    """The same form saved as .xlsm with a (harmless) VBA project: the answers are read."""
    dst = _rewrite(src, out / "带宏.xlsm", lambda n, d: d)
    with zipfile.ZipFile(dst, "a", zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/vbaProject.bin", b"\xd0\xcf\x11\xe0" + b"\0" * 512)
    return dst


def empty_file(out: Path) -> Path:
    dst = out / "空文件.xlsx"
    dst.write_bytes(b"")
    return dst


def empty_sheet(out: Path) -> Path:
    from openpyxl import Workbook

    dst = out / "空工作表.xlsx"
    Workbook().save(dst)
    return dst


def merged_answers(src: Path, out: Path) -> Path:
    """Someone merged two answer cells of the first rows (the top-left value survives)."""
    sheet = _answer_sheet(src)

    def edit(name: str, data: bytes) -> bytes:
        if name != sheet:
            return data
        if b"<mergeCells" in data:
            return re.sub(rb"(<mergeCells[^>]*>)", rb'\1<mergeCell ref="B8:C8"/>', data, count=1)
        merge = b'<mergeCells count="1"><mergeCell ref="B8:C8"/></mergeCells>'
        anchor = b"</sheetData>"
        if b"<sheetProtection" in data:  # mergeCells comes after sheetProtection
            end = data.index(b">", data.index(b"<sheetProtection")) + 1
            return data[:end] + merge + data[end:]
        return data.replace(anchor, anchor + merge, 1)

    return _rewrite(src, out / "合并了单元格.xlsx", edit)


def hidden_extra_sheet(src: Path, out: Path) -> Path:
    """A copy with the answer sheet's neighbours hidden: our hidden sheet is expected; an extra
    hidden sheet changes nothing."""
    from openpyxl import load_workbook

    dst = out / "隐藏工作表.xlsx"
    wb = load_workbook(src)
    extra = wb.create_sheet("草稿")
    extra["A1"] = "=1+1"
    extra.sheet_state = "hidden"
    wb.save(dst)
    return dst


# --- issue 13: resource bombs and XML outside *.xml names ----------------------------------


def _on_answer_sheet(src: Path, dst: Path, edit_sheet: Callable[[bytes], bytes]) -> Path:
    sheet = _answer_sheet(src)
    return _rewrite(src, dst, lambda n, d: edit_sheet(d) if n == sheet else d)


def _no_dimension(data: bytes) -> bytes:
    return re.sub(rb"<dimension ref=\"[^\"]*\"/>", b"", data, count=1)


def far_cell_no_dimension(src: Path, out: Path) -> Path:
    """Issue 13's 3.5 KB file: no dimension tag, one cell at DN1000000 (accepted after 78 s
    at 6.1 GB before the scan)."""
    far = b'<row r="1000000"><c r="DN1000000" t="n"><v>1</v></c></row></sheetData>'
    return _on_answer_sheet(
        src,
        out / "无维度远处单元格.xlsx",
        lambda d: _no_dimension(d).replace(b"</sheetData>", far, 1),
    )


def million_empty_cells(src: Path, out: Path) -> Path:
    """No dimension tag and a million empty cells below the form, one per row (~3 MB)."""
    rows = b"".join(b'<row r="%d"><c r="A%d"/></row>' % (r, r) for r in range(201, 1_000_201))
    return _on_answer_sheet(
        src,
        out / "一百万空单元格.xlsx",
        lambda d: _no_dimension(d).replace(b"</sheetData>", rows + b"</sheetData>", 1),
    )


def just_under_the_limit(src: Path, out: Path) -> Path:
    """A declared range just under the cell limit, really used (a cell at its far corner):
    read — within the memory bound (3.2 GB before, with the old 60-million limit)."""
    from surveytool.ingest.xlsxcheck import MAX_CELLS

    cols, rows = 100, MAX_CELLS // 100 - 1  # CV119999
    corner = f"CV{rows}".encode()
    far = b'<row r="%d"><c r="%s" t="n"><v>1</v></c></row></sheetData>' % (rows, corner)

    def edit(d: bytes) -> bytes:
        d = re.sub(rb'<dimension ref="[^"]*"/>', b'<dimension ref="A1:' + corner + b'"/>', d)
        return d.replace(b"</sheetData>", far, 1)

    assert cols * rows <= MAX_CELLS
    return _on_answer_sheet(src, out / "接近上限.xlsx", edit)


def lying_dimension_far_cell(src: Path, out: Path) -> Path:
    """The dimension says A1:D138 (as written), a cell sits at CV100000: 10 million cells the
    dimension does not announce — read, within the bound, since the scan ignores it."""
    far = b'<row r="100000"><c r="CV100000" t="n"><v>1</v></c></row></sheetData>'
    return _on_answer_sheet(
        src, out / "维度说谎.xlsx", lambda d: d.replace(b"</sheetData>", far, 1)
    )


def doctype_in_rels(src: Path, out: Path) -> Path:
    """Entity declarations in _rels/.rels, which only *.xml parts were scanned for."""
    lol = '<!DOCTYPE r [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>'

    def edit(name: str, data: bytes) -> bytes:
        if name != "_rels/.rels":
            return data
        return lol.encode() + data.replace(b'Id="rId1"', b'Id="rId1&#x20;&b;"', 1)

    return _rewrite(src, out / "关系文件实体.xlsx", edit)


def doctype_utf16(src: Path, out: Path) -> Path:
    """The answer sheet re-encoded as UTF-16 with a DOCTYPE (invisible to a bytes search)."""
    doctype = '<!DOCTYPE x [<!ENTITY secret SYSTEM "file:///etc/hostname">]>'
    return _on_answer_sheet(
        src,
        out / "UTF16实体.xlsx",
        lambda d: ('<?xml version="1.0" encoding="UTF-16"?>' + doctype + d.decode("utf-8")).encode(
            "utf-16"
        ),
    )


def sheet_not_named_xml(src: Path, out: Path) -> Path:
    """The answer sheet stored as a .bin part (the relationship points at it), with a DOCTYPE."""
    sheet = _answer_sheet(src)
    new = sheet.replace(".xml", ".bin")
    doctype = b'<!DOCTYPE x [<!ENTITY a "a">]>'

    def edit(name: str, data: bytes) -> bytes | None:
        if name == "xl/_rels/workbook.xml.rels":
            return data.replace(
                sheet.removeprefix("xl/").encode(), new.removeprefix("xl/").encode()
            )
        return data

    dst = _rewrite(src, out / "工作表改名.xlsx", lambda n, d: None if n == sheet else edit(n, d))
    with zipfile.ZipFile(src) as z:
        body = z.read(sheet)
    with zipfile.ZipFile(dst, "a", zipfile.ZIP_DEFLATED) as z:
        z.writestr(new, doctype + body)
    return dst


def html_as_xls(out: Path) -> Path:
    """What 问卷星 and many systems call an Excel download: an HTML table named .xls."""
    dst = out / "网页另存.xls"
    dst.write_text(
        "<html><head><meta charset='utf-8'></head><body><table>"
        "<tr><td>序号</td><td>1、您的性别</td></tr><tr><td>1</td><td>男</td></tr>"
        "</table></body></html>",
        encoding="utf-8",
    )
    return dst


def beyond_xfd(src: Path, out: Path) -> Path:
    """A cell at AAAA1, past Excel's last column XFD (openpyxl said 「Invalid column index
    18279」 in English before)."""
    far = b'<row r="150"><c r="AAAA150" t="n"><v>1</v></c></row></sheetData>'
    return _on_answer_sheet(
        src, out / "超出最大列.xlsx", lambda d: d.replace(b"</sheetData>", far, 1)
    )


# --- issue 23: notes .docx bombs, an edited lists workbook, large method files, wide CSV -----

_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_NOTES_HEAD = [
    "日期：2026-05-12",
    "形式：座谈",
    "单位类型：高等院校",
    "参加人数：8",
    "【主题】科研时间",
]


def _docx(out: Path, body: str) -> Path:
    """A minimal .docx whose document body is ``body`` (WordprocessingML, already escaped)."""
    content = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-'
        'officedocument.wordprocessingml.document.main+xml"/></Types>'
    )
    rels = (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
        'relationships/officeDocument" Target="word/document.xml"/></Relationships>'
    )
    head = "".join(f"<w:p><w:r><w:t>{line}</w:t></w:r></w:p>" for line in _NOTES_HEAD)
    doc = (
        f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document xmlns:w="{_W}">'
        f"<w:body>{head}{body}</w:body></w:document>"
    )
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", content)
        z.writestr("_rels/.rels", rels)
        z.writestr("word/document.xml", doc)
    return out


def _cell(text: str, props: str = "") -> str:
    return f"<w:tc><w:tcPr>{props}</w:tcPr><w:p><w:r><w:t>{text}</w:t></w:r></w:p></w:tc>"


def docx_wide_span(out: Path) -> Path:
    """One table cell declaring a span of 400,000,000 columns (python-docx: 3.6 GB)."""
    row = "<w:tr>" + _cell("x", '<w:gridSpan w:val="400000000"/>') + "</w:tr>"
    return _docx(out / "座谈-跨列炸弹.docx", f"<w:tbl>{row}</w:tbl>")


def docx_merged_rows(out: Path, rows: int = 4000) -> Path:
    """A table of ``rows`` rows, every cell vertically merged into the first row's
    (python-docx: quadratic, > 110 s at 4,000 rows)."""
    first = "<w:tr>" + _cell("甲", '<w:vMerge w:val="restart"/>') * 2 + "</w:tr>"
    rest = ("<w:tr>" + _cell("", "<w:vMerge/>") * 2 + "</w:tr>") * (rows - 1)
    return _docx(out / "座谈-合并行.docx", f"<w:tbl>{first}{rest}</w:tbl>")


def docx_many_paragraphs(out: Path, n: int = 100_000) -> Path:
    """``n`` paragraphs of varied text, so the file compresses like a real one (~1.4 MB at
    100,000; python-docx read them all before the count: 94 s)."""
    import random

    rng = random.Random(23)
    body = "".join(
        f"<w:p><w:r><w:t>{rng.randrange(10**12)}{rng.choice('甲乙丙丁')}</w:t></w:r></w:p>"
        for _ in range(n)
    )
    return _docx(out / "座谈-十万段.docx", body)


def lists_hidden_sheet(src: Path, out: Path, rows: int = 30_000, cols: int = 100) -> Path:
    """The lists workbook ``src`` with a hidden sheet of ``rows`` × ``cols`` numbers added
    (3M cells, ~11 MB: openpyxl in full mode took 30 s and 1.2 GB)."""
    import random

    rng = random.Random(23)
    letters = [_col(i) for i in range(cols)]
    parts = [
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns='
        '"http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
    ]
    for r in range(1, rows + 1):
        cells = "".join(f'<c r="{c}{r}"><v>{rng.randrange(1000)}</v></c>' for c in letters)
        parts.append(f'<row r="{r}">{cells}</row>')
    parts.append("</sheetData></worksheet>")
    sheet = "".join(parts).encode()

    def edit(name: str, data: bytes) -> bytes:
        text = data.decode("utf-8")
        if name == "xl/workbook.xml":
            text = text.replace(
                "</sheets>",
                '<sheet xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/'
                'relationships" name="备用" sheetId="99" state="hidden" r:id="rId99"/></sheets>',
            )
        elif name == "xl/_rels/workbook.xml.rels":
            text = text.replace(
                "</Relationships>",
                '<Relationship Id="rId99" Type="http://schemas.openxmlformats.org/officeDocument/'
                '2006/relationships/worksheet" Target="worksheets/sheet99.xml"/></Relationships>',
            )
        elif name == "[Content_Types].xml":
            text = text.replace(
                "</Types>",
                '<Override PartName="/xl/worksheets/sheet99.xml" ContentType="application/'
                'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>',
            )
        return text.encode("utf-8") if name.endswith((".xml", ".rels")) else data

    dst = _rewrite(src, out / "三张清单-隐藏大表.xlsx", edit)
    with zipfile.ZipFile(dst, "a", zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/worksheets/sheet99.xml", sheet)
    return dst


def _col(i: int) -> str:
    s = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        s = chr(65 + r) + s
    return s


DELPHI_ITEMS = "- {id: I1, text: 科研助理配备到位}\n- {id: I2, text: 财务报销一站式办理}\n"


def delphi_many_experts(out: Path, n: int = 120_000) -> Path:
    """A ratings table of ``n`` "experts" (~1.8 MB; the code was quadratic: > 110 s)."""
    import random

    rng = random.Random(23)
    lines = ["专家编号,I1,I2"] + [f"E{i},{rng.randint(1, 5)},{rng.randint(1, 5)}" for i in range(n)]
    path = out / "评分-十二万专家.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def visit_many_observations(bank, out: Path, n: int = 20_000) -> Path:
    """A visit record form with ``n`` observation rows (~0.5 MB; 50 s, imported whole)."""
    from openpyxl import load_workbook

    from surveytool.forms.visit import write_visit_form

    path = write_visit_form(bank, out / "走访-两万条.xlsx")
    wb = load_workbook(path)
    ws = wb.active
    for r in range(1, ws.max_row + 1):
        label = ws.cell(r, 1).value
        if label in ("走访单位", "走访日期"):
            ws.cell(r, 2).value = "某单位" if label == "走访单位" else "2026-05-20"
    top = ws.max_row
    for i in range(n):
        ws.cell(top + 1 + i, 2).value = f"第{i}处：墙面有裂缝，需要维修"
    wb.save(path)
    return path


def wjx_wide_csv(out: Path, columns: int = 16_000, rows: int = 20) -> Path:
    """A 问卷星 按文本 CSV export with ``columns`` columns (15.3 s, over the 10 s promise)."""
    head = ["序号", "提交答卷时间", "所用时间", "来源", "来源详情", "来自IP"]
    head += [f"{i + 1}、第{i + 1}题" for i in range(columns - len(head))]
    lines = [",".join(head)]
    for r in range(rows):
        cells = [str(r + 1), "2026/5/12 10:00:00", "100秒", "微信", "N/A", "1.2.3.4(广西)"]
        cells += ["A"] * (columns - len(cells))
        lines.append(",".join(cells))
    path = out / "123456_按文本_宽表.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8-sig")
    return path


def doctype_utf16_no_bom(src: Path, out: Path) -> Path:
    """The styles part (not the answer sheet) re-encoded as UTF-16LE without a byte-order
    mark, its DOCTYPE placed after the root element (every UTF-16 character hides the bytes
    ``<!DOCTYPE`` behind NULs, and a prolog-only check would not look there)."""
    doctype = '<!DOCTYPE x [<!ENTITY secret SYSTEM "file:///etc/hostname">]>'

    def edit(name: str, data: bytes) -> bytes:
        if name != "xl/styles.xml":
            return data
        text = re.sub(r"^<\?xml[^>]*\?>", "", data.decode("utf-8"))
        text = re.sub(r"(<styleSheet[^>]*>)", rf"\g<1>{doctype}", text, count=1)
        return ('<?xml version="1.0" encoding="UTF-16"?>' + text).encode("utf-16-le")

    return _rewrite(src, out / "UTF16无BOM实体.xlsx", edit)


def foreign_encoding_utf7(src: Path, out: Path) -> Path:
    """The answer sheet in UTF-7, as its XML declaration says, with a DOCTYPE: in UTF-7
    ``<!DOCTYPE`` is written ``+ADwAIQ-DOCTYPE``, invisible to a bytes search."""
    doctype = '<!DOCTYPE x [<!ENTITY secret SYSTEM "file:///etc/hostname">]>'

    def edit(data: bytes) -> bytes:
        body = re.sub(r"^<\?xml[^>]*\?>", "", data.decode("utf-8"))
        return b'<?xml version="1.0" encoding="UTF-7"?>' + (doctype + body).encode("utf-7")

    return _on_answer_sheet(src, out / "UTF7编码实体.xlsx", edit)


def foreign_encoding_utf32(src: Path, out: Path) -> Path:
    """The package relationships in UTF-32 (with its byte-order mark) and a DOCTYPE."""
    doctype = '<!DOCTYPE x [<!ENTITY a "a">]>'

    def edit(name: str, data: bytes) -> bytes:
        if name != "_rels/.rels":
            return data
        body = re.sub(r"^<\?xml[^>]*\?>", "", data.decode("utf-8"))
        return ('<?xml version="1.0" encoding="UTF-32"?>' + doctype + body).encode("utf-32")

    return _rewrite(src, out / "UTF32编码实体.xlsx", edit)
