"""Header rows of platform exports -> questions (问卷星, 腾讯问卷, KoboToolbox/ODK).

Facts (../shared/formats/platform-exports.md): metadata columns are found by name, never by
position; 问卷星 headers are ``N、题干`` with optional type markers; its multiple choice in
code exports is one 0/1 column per option (old ``第6题(运动)``, newer ``6、题干(选项1)`` then
``6(选项2)``); a matrix is ``N、题干—行1`` followed by bare row labels; multi-fill is
``N、题干—子项1`` then ``N、子项2``. 腾讯问卷 headers are ``N.题干``, options ``N.题干:选项``,
fill-ins ``N.题干_填空1``. Kobo columns are our field ids, maybe group-prefixed.
"""

from __future__ import annotations

import re

from openpyxl.utils import get_column_letter

from surveytool.ingest.platforms.model import PColumn, PQuestion

WJX_META = {
    "序号",
    "提交答卷时间",
    "所用时间",
    "来源",
    "来源详情",
    "来自IP",
    "总分",
    "答题时间",
    "填写时间",
    "开始时间",
    "IP",
    "用户ID",
}
WJX_PERSONAL = {"来自IP", "IP", "用户ID", "提交答卷时间", "填写时间", "开始时间"}
TENCENT_META = {
    "编号",
    "开始答题时间",
    "结束答题时间",
    "答题时长",
    "地理位置国家和地区",
    "地理位置省",
    "地理位置市",
    "自定义字段",
    "语言",
    "清洗数据结果",
    "智能清洗数据无效概率",
    "用户类型",
    "用户标识",
    "昵称",
    "IP",
    "UA",
    "Referrer",
    "中奖时间",
    "中奖金额",
    "审核状态",
}
TENCENT_PERSONAL = TENCENT_META - {
    "编号",
    "答题时长",
    "自定义字段",
    "语言",
    "清洗数据结果",
    "智能清洗数据无效概率",
    "审核状态",
}
KOBO_META = {
    "start",
    "end",
    "today",
    "deviceid",
    "username",
    "phonenumber",
    "simserial",
    "subscriberid",
    "audit",
    "_id",
    "_uuid",
    "_submission_time",
    "_validation_status",
    "_notes",
    "_status",
    "_submitted_by",
    "__version__",
    "_tags",
    "_index",
    "_version",
    "meta/instanceID",
    "instanceID",
    "meta/instanceName",
    "_xform_id_string",
    "_attachments",
    "_geolocation",
    "formhub/uuid",
    "meta/rootUuid",
    "meta/deprecatedID",
}

_TYPE_MARK = re.compile(
    r"\s*[（(](?:单选题|多选题|矩阵单选题|矩阵多选题|矩阵量表题|量表题|填空题|"
    r"多项填空题|排序题|比重题|滑动条|下拉框|NPS量表题|评分题)[^）)]*[）)]\s*$"
)
_REQUIRED = re.compile(r"\s*\*?\s*必答\s*$")
_WJX_Q = re.compile(r"^(\d+)、\s*(.*)$", re.S)
_WJX_OLD_OPT = re.compile(r"^第(\d+)题[（(](.*)[)）]$", re.S)
_WJX_NEXT_OPT = re.compile(r"^(\d+)[（(](.*)[)）]$", re.S)
_TENCENT_Q = re.compile(r"^(\d+)\.\s*(.*)$", re.S)


def clean(header: object) -> str:
    """A header without trailing spaces, line breaks and type markers."""
    text = " ".join(str(header or "").split())
    for _ in range(2):
        text = _TYPE_MARK.sub("", text)
        text = _REQUIRED.sub("", text)
    return text.strip()


def _col(i: int, header: str, sub: str | None = None) -> PColumn:
    return PColumn(i, get_column_letter(i + 1), header, sub)


def wjx_questions(headers: list[object]) -> tuple[list[PQuestion], dict[str, int], list[str]]:
    """问卷星: (questions, metadata columns, unrecognised headers)."""
    meta: dict[str, int] = {}
    out: list[PQuestion] = []
    unknown: list[str] = []
    texts = [clean(h) for h in headers]
    for i, h in enumerate(texts):
        if not h:
            continue
        if h in WJX_META:
            meta[h] = i
            continue
        m_old = _WJX_OLD_OPT.match(h)
        m_next = _WJX_NEXT_OPT.match(h)
        m_q = _WJX_Q.match(h)
        if m_old:
            number, option = int(m_old.group(1)), m_old.group(2)
            if out and out[-1].number == number and out[-1].layout == "options":
                out[-1].columns.append(_col(i, str(headers[i]), option))
            else:
                out.append(PQuestion(number, "", "options", [_col(i, str(headers[i]), option)]))
        elif m_next and out and out[-1].number == int(m_next.group(1)):
            _promote_options(out[-1])
            out[-1].columns.append(_col(i, str(headers[i]), m_next.group(2)))
        elif m_q:
            _start(out, int(m_q.group(1)), m_q.group(2), i, str(headers[i]))
        elif out and out[-1].layout == "rows":
            out[-1].columns.append(_col(i, str(headers[i]), h))  # a bare matrix row label
        else:
            unknown.append(h)
    return out, meta, unknown


def _start(out: list[PQuestion], number: int, text: str, i: int, header: str) -> None:
    """A ``N、…`` header: a new question, or the next blank of a multi-fill."""
    if out and out[-1].number == number and out[-1].layout in ("fills", "rows"):
        out[-1].layout = "fills"  # ``N、题干—子项1`` then ``N、子项2``: blanks, not matrix rows
        out[-1].columns.append(_col(i, header, text))
        return
    if "—" in text:
        stem, sub = text.split("—", 1)
        out.append(PQuestion(number, stem.strip(), "rows", [_col(i, header, sub.strip())]))
        return
    out.append(PQuestion(number, text, "one", [_col(i, header)]))


def _promote_options(q: PQuestion) -> None:
    """``6、题干(选项1)`` followed by ``6(选项2)``: the first header held the first option."""
    if q.layout == "options":
        return
    first = q.columns[0]
    m = re.match(r"^(.*)[（(]([^()（）]*)[)）]$", clean(q.stem) if q.stem else "")
    if m:
        q.stem, first.sub = m.group(1).strip(), m.group(2).strip()
    q.layout = "options"


def tencent_questions(headers: list[object]) -> tuple[list[PQuestion], dict[str, int], list[str]]:
    """腾讯问卷: (questions, metadata columns, unrecognised headers)."""
    meta: dict[str, int] = {}
    out: list[PQuestion] = []
    unknown: list[str] = []
    for i, raw in enumerate(headers):
        h = " ".join(str(raw or "").split())
        if not h:
            continue  # the trailing empty column of every line
        if h in TENCENT_META:
            meta[h] = i
            continue
        m = _TENCENT_Q.match(h)
        if not m:
            unknown.append(h)
            continue
        number, text = int(m.group(1)), m.group(2)
        fill = re.match(r"^(.*)_填空(\d+)$", text)
        stem, sub = (
            (fill.group(1), f"_填空{fill.group(2)}")
            if fill
            else (text.split(":", 1) if ":" in text else (text, None))
        )
        stem = clean(stem)
        if out and out[-1].number == number:
            q = out[-1]
            if sub is not None and not sub.startswith("_填空") and q.layout == "one":
                q.layout = "options"
            q.columns.append(_col(i, str(raw), sub))
        else:
            layout = "options" if sub is not None and not str(sub).startswith("_填空") else "one"
            out.append(PQuestion(number, stem, layout, [_col(i, str(raw), sub)]))
    return out, meta, unknown


def kobo_name(header: object) -> str:
    """A Kobo/ODK column name without its group path (``section_B/B1`` -> ``B1``)."""
    text = str(header or "").strip()
    for sep in ("/", "-"):
        if sep in text and not text.startswith("_"):
            parts = text.split(sep)
            if parts[-1] and not parts[-1].isdigit():
                return parts[-1]
            if len(parts) >= 2 and parts[-1].isdigit():  # B4/1: a split select_multiple
                return f"{parts[-2]}/{parts[-1]}"
    return text
