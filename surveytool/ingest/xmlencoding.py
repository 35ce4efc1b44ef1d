"""Which encoding an XML part of an xlsx/docx is in, as far as the DOCTYPE scan is concerned
(:mod:`surveytool.ingest.xlsxcheck`): one the scan can read, or one that could hide the bytes
``<!DOCTYPE`` from it (then the part is refused)."""

from __future__ import annotations

import codecs
import re
from collections.abc import Iterable, Iterator

# Encodings in which every ASCII character is the same single byte as in UTF-8, so a
# DOCTYPE is visible to a bytes search (GB18030's four-byte forms use only bytes 0x30-0x39
# and 0x81-0xFE after the first): scanned as they are. UTF-16 is decoded first. Anything
# else a declaration names (UTF-7, UTF-32, EBCDIC…) could hide the bytes ``<!DOCTYPE``: refused.
_ASCII_SAFE = {
    "utf-8", "utf8", "us-ascii", "ascii", "iso-8859-1", "latin-1", "latin1",
    "windows-1252", "cp1252", "gbk", "gb2312", "gb18030",
}  # fmt: skip
_UTF16 = {"utf-16", "utf-16le", "utf-16be", "utf16"}
_DECLARED = re.compile(r"""\s*<\?xml\s[^>]*?encoding\s*=\s*["']([^"']{0,40})["']""")
_EBCDIC = b"\x4c\x6f\xa7\x94"  # "<?xm" in EBCDIC (XML 1.0, appendix F)


def encoding_of(head: bytes) -> tuple[str, str | None]:
    """How to scan a part: ("utf-8" | "utf-16-le" | "utf-16-be", None), or ("", the
    encoding's name) when the part is in one that could hide a DOCTYPE from the scan."""
    if head[:4] in (b"<\0\0\0", b"\0\0\0<") or (
        head.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE))
        and head[: len(head) // 4 * 4]
        .decode("utf-32", "ignore")
        .lstrip("\ufeff \t\r\n")
        .startswith("<")
    ):
        return "", "UTF-32"
    if head.startswith(_EBCDIC):
        return "", "EBCDIC"
    if head.startswith(codecs.BOM_UTF16_LE) or head[:2] == b"<\0":
        enc, allowed = "utf-16-le", _UTF16
    elif head.startswith(codecs.BOM_UTF16_BE) or head[:2] == b"\0<":
        enc, allowed = "utf-16-be", _UTF16
    else:
        enc, allowed = "utf-8", _ASCII_SAFE
    declared = _DECLARED.match(head[:1024].decode(enc, errors="ignore").lstrip("\ufeff"))
    if declared and declared.group(1).strip().lower().replace("_", "-") not in allowed:
        return "", declared.group(1).strip()[:40]
    return enc, None


def utf8_chunks(enc: str, chunks: Iterable[bytes]) -> Iterator[bytes]:
    """The chunks as UTF-8 bytes (a UTF-16 part decoded, its declaration left as it is:
    only the DOCTYPE and extent scans read the result)."""
    if enc == "utf-8":
        yield from chunks
        return
    decoder = codecs.getincrementaldecoder(enc)(errors="replace")
    for chunk in chunks:
        yield decoder.decode(chunk).lstrip("\ufeff").encode("utf-8")
    yield decoder.decode(b"", final=True).encode("utf-8")
