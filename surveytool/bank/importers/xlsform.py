"""XLSForm (``survey`` / ``choices`` / ``settings``) → a draft bank.

Types kept: select_one, select_multiple, rank (→ single / multi / rank), integer, decimal,
range (→ number), text; ``or_other`` and our own ``<id>_other`` text rows become ``other``.
Groups become sections (a nested group joins its section); a field-list group whose rows are
all ``select_one`` of one list with a likert/label appearance is a likert question (that is
how :mod:`surveytool.forms.xlsform` writes one). ``relevant`` is translated from ODK XPath
into our language where it can be (``${x} = 2``, ``selected(${x}, '3')``, and/or/not),
otherwise dropped with a located note. Metadata, notes, calculations and types our banks do
not have are skipped with a note saying which and why. What pyxform itself would refuse
(duplicate names, unknown types, unknown choice lists, unclosed groups) raises BankError
with a located Chinese message.

Input: ``{sheet name: rows of text}`` as read by ingest (no spreadsheet library here).
"""

from __future__ import annotations

import re

from surveytool.bank.importers import Draft, IdMaker, choice_suffixes, mark_missing, note
from surveytool.bank.importers.xlsform_table import KIND, Table, _sheet, label_column
from surveytool.bank.importers.xpath import translate
from surveytool.bank.model import OTHER_LABEL
from surveytool.errors import BankError, problem

CHOICE_TYPES = {"select_one": "single", "select_multiple": "multi", "rank": "rank"}
ALIASES = {
    "gps": "geopoint",
    "location": "geopoint",
    "phone number": "phonenumber",
    "device id": "deviceid",
    "imei": "deviceid",
    "subscriber id": "subscriberid",
    "sim id": "simserial",
    "start time": "start",
    "end time": "end",
    "photo": "image",
    "select one external": "select_one_external",
    "select one from file": "select_one_from_file",
    "select multiple from file": "select_multiple_from_file",
    "select one": "select_one",
    "select all that apply": "select_multiple",
    "select multiple": "select_multiple",
    "select_all_that_apply": "select_multiple",
    "int": "integer",
    "string": "text",
    "begin group": "begin_group",
    "end group": "end_group",
    "begin repeat": "begin_repeat",
    "end repeat": "end_repeat",
    "begin_loop": "begin_repeat",
    "begin loop": "begin_repeat",
    "end loop": "end_repeat",
    "end_loop": "end_repeat",
}
META = {
    "start", "end", "today", "deviceid", "subscriberid", "simserial", "phonenumber",
    "username", "email", "audit", "start-geopoint", "background-audio", "background-geopoint",
}  # fmt: skip
NOT_QUESTIONS = {"calculate", "note", "hidden", "xml-external", "csv-external", "trigger"}
UNSUPPORTED = {
    "date": "日期题", "time": "时间题", "datetime": "日期时间题", "geopoint": "定位题",
    "geotrace": "轨迹题", "geoshape": "区域题", "image": "图片题", "audio": "录音题",
    "video": "视频题", "file": "文件题", "barcode": "扫码题", "acknowledge": "确认题",
    "select_one_from_file": "外部文件选择题", "select_multiple_from_file": "外部文件选择题",
    "select_one_external": "外部选择题", "photo": "图片题", "background-video": "视频题",
    "osm": "地图题",
}  # fmt: skip
KNOWN = {
    "text", "integer", "decimal", "range", "begin_group", "end_group", "begin_repeat",
    "end_repeat", *CHOICE_TYPES, *META, *NOT_QUESTIONS, *UNSUPPORTED,
}  # fmt: skip
_CONSTRAINT = re.compile(r"\.\s*(>=|<=|>|<)\s*(-?\d+(?:\.\d+)?)")


class XlsformImporter:
    """Walks the survey sheet once, building sections and questions."""

    def __init__(self, sheets: dict[str, list[list]], source: str, lang: str | None):
        self.file = source
        survey = _sheet(sheets, "survey")
        if survey is None:
            raise BankError(problem("xlsform_missing_sheet", file=source, kind=KIND, name="survey"))
        self.survey = Table(survey, "survey")
        self.survey.need("type", source)
        self.survey.need("name", source)
        settings = Table(_sheet(sheets, "settings") or [], "settings")
        first = settings.rows[0][1] if settings.rows else {}
        default = settings.get(first, "default_language") or None
        self.label = label_column(self.survey.header, "label", lang, default)
        self.hint = label_column(self.survey.header, "hint", lang, default)
        self.title = settings.get(first, "form_title") or source
        self.form_id = settings.get(first, "form_id")
        self.lists = self._lists(_sheet(sheets, "choices"), lang, default)
        self.d = Draft(title=self.title, source=source)
        self.ids: IdMaker = self.d.ids
        self.names: dict[str, dict] = {}  # XLSForm name -> our question (or item) info
        self.skipped: dict[str, list[str]] = {}
        self.nested_relevant: str | None = None
        ident = re.sub(r"[^a-z0-9_]+", "_", self.form_id.lower()).strip("_")
        self.d.ident = ident or None

    # --- choices ---------------------------------------------------------------------
    def _lists(self, rows: list[list] | None, lang: str | None, default: str | None) -> dict:
        if not rows:
            return {}
        t = Table(rows, "choices")
        t.need("list_name", self.file)
        t.need("name", self.file)
        label = label_column(t.header, "label", lang, default)
        out: dict[str, list[tuple[str, str, int]]] = {}
        for line, row in t.rows:
            ln, name = t.get(row, "list_name"), t.get(row, "name")
            if not ln and not name:
                continue
            if not name:
                raise BankError(
                    problem(
                        "xlsform_bad_choice", file=self.file, kind=KIND, sheet="choices",
                        line=line, value=ln, name="", detail="缺少名称（name）",
                    )
                )  # fmt: skip
            out.setdefault(ln, []).append((name, row.get(label or "", "") or name, line))
        return out

    def codes(self, list_name: str, qname: str) -> dict[str, tuple[int, str]]:
        """Choice name -> (our integer code, label). Whole-number names keep their number;
        otherwise codes are positions 1..n (noted)."""
        choices = self.lists[list_name]
        if all(re.fullmatch(r"-?\d+", n) for n, _, _ in choices) and len(
            {int(n) for n, _, _ in choices}
        ) == len(choices):
            return {n: (int(n), lab) for n, lab, _ in choices}
        names = "、".join(n for n, _, _ in choices[:6])
        note(self.d.notes, "bankfrom_note_names", qid=qname, names=names)
        return {n: (i, lab) for i, (n, lab, _) in enumerate(choices, start=1)}

    # --- walk ------------------------------------------------------------------------
    def run(self) -> Draft:
        rows = [(line, r) for line, r in self.survey.rows if any(r.values())]
        self._check(rows)
        self.stack: list[tuple[str, int, dict | None]] = []  # (kind, line, section opened)
        self.current: dict | None = None
        i = 0
        while i < len(rows):
            i = self._row(rows, i)
        if self.stack:
            kind, line, _ = self.stack[-1]
            raise BankError(
                problem(
                    "xlsform_group", file=self.file, kind=KIND, sheet="survey", line=line,
                    detail=f"第 {line} 行的 begin_{kind} 没有对应的 end_{kind}",
                )
            )  # fmt: skip
        self.d.sections = [s for s in self.d.sections if s["questions"]]
        self._note_skipped()
        return self.d

    def _type(self, row: dict) -> tuple[str, str, bool]:
        """(base type, list name, or_other)."""
        raw = " ".join(self.survey.get(row, "type").split())
        low = raw.lower()
        for alias, name in ALIASES.items():
            if low == alias or low.startswith(alias + " "):
                low, raw = name + low[len(alias) :], name + raw[len(alias) :]
                break
        raw = re.sub(r"^(\S+) from ", r"\1 ", raw)  # the old ``select one from list``
        low = raw.lower()
        parts = low.split(" ")
        base = parts[0]
        if base.startswith("uri:"):  # uri:deviceid, uri:username…: metadata
            base = base[4:] if base[4:] in META else "start"
        if base.startswith("osm"):
            base = "osm"
        rest = raw.split(" ")[1:]
        or_other = bool(rest) and rest[-1].lower() == "or_other"
        if or_other:
            rest = rest[:-1]
        return base, rest[0] if rest else "", or_other

    def _check(self, rows: list[tuple[int, dict]]) -> None:
        """What pyxform refuses: unknown types, unknown lists, missing names, a name twice in
        one group (pyxform's scope; the same name in two groups gets a new id, noted)."""
        seen: dict[tuple[int, str], int] = {}
        scopes = [0]  # the line of each open group/repeat (0: the survey itself)
        for line, row in rows:
            base, list_name, _ = self._type(row)
            name = self.survey.get(row, "name")
            if not base:
                continue
            if base in ("end_group", "end_repeat") and len(scopes) > 1:
                scopes.pop()
            if base not in KNOWN:
                from surveytool.bank.build import suggest

                raise BankError(
                    problem(
                        "xlsform_unknown_type", file=self.file, kind=KIND, sheet="survey",
                        line=line, value=self.survey.get(row, "type"),
                        hint=suggest(base, sorted(KNOWN)),
                    )
                )  # fmt: skip
            if base in CHOICE_TYPES and list_name not in self.lists:
                raise BankError(
                    problem(
                        "xlsform_unknown_list", file=self.file, kind=KIND, sheet="survey",
                        line=line, value=list_name,
                    )
                )  # fmt: skip
            if base.startswith("end_"):
                continue
            if not name:
                if base in META or base in NOT_QUESTIONS:
                    continue
                raise BankError(
                    problem(
                        "xlsform_no_name", file=self.file, kind=KIND, sheet="survey", line=line,
                        value=base,
                    )
                )  # fmt: skip
            if (scopes[-1], name) in seen:
                raise BankError(
                    problem(
                        "xlsform_duplicate_name", file=self.file, kind=KIND, sheet="survey",
                        line=line, name=name, first=seen[(scopes[-1], name)],
                    )
                )  # fmt: skip
            seen[(scopes[-1], name)] = line
            if base in ("begin_group", "begin_repeat"):
                scopes.append(line)

    def _row(self, rows: list[tuple[int, dict]], i: int) -> int:
        line, row = rows[i]
        base, list_name, or_other = self._type(row)
        name = self.survey.get(row, "name")
        if base == "begin_group":
            likert = self._likert_rows(rows, i)
            if likert:
                self._likert(line, row, likert)
                return i + len(likert) + 2
            self._open_group(line, row)
            return i + 1
        if base in ("end_group", "end_repeat"):
            if not self.stack:
                raise BankError(
                    problem(
                        "xlsform_group", file=self.file, kind=KIND, sheet="survey", line=line,
                        detail=f"第 {line} 行的 {base} 前面没有对应的 begin",
                    )
                )  # fmt: skip
            self.stack.pop()
            if not any(k == "group" and s is not None for k, _, s in self.stack):
                self.current = None
            return i + 1
        if base == "begin_repeat":
            self.stack.append(("repeat", line, None))
            return self._skip_repeat(rows, i)
        if base in META:
            self.skipped.setdefault("meta", []).append(name or base)
        elif base in NOT_QUESTIONS:
            self.skipped.setdefault(base, []).append(
                f"{name}（第 {line} 行）" if name else f"第 {line} 行"
            )
        elif base in UNSUPPORTED:
            self.skipped.setdefault("unsupported", []).append(
                f"{name}（第 {line} 行，{UNSUPPORTED[base]}）"
            )
        elif base in CHOICE_TYPES:
            return self._choice(rows, i, base, list_name, or_other)
        else:
            self._open(line, row, base)
        return i + 1

    def _skip_repeat(self, rows: list[tuple[int, dict]], i: int) -> int:
        """A repeat (answered any number of times) has no place in a bank: skipped whole."""
        depth, j, names = 0, i, []
        while j < len(rows):
            base = self._type(rows[j][1])[0]
            depth += base == "begin_repeat"
            depth -= base == "end_repeat"
            if base not in ("begin_repeat", "end_repeat", "begin_group", "end_group"):
                names.append(self.survey.get(rows[j][1], "name"))
            if depth == 0:
                break
            j += 1
        self.stack.pop()
        line = rows[i][0]
        self.skipped.setdefault("repeat", []).append(
            f"{self.survey.get(rows[i][1], 'name')}（第 {line} 行起，含 {'、'.join(names[:8])}）"
        )
        return j + 1

    # --- sections --------------------------------------------------------------------
    def _section(self) -> dict:
        if self.current is None:
            self.current = self.d.section("A", "问卷题目")
        return self.current

    def _open_group(self, line: int, row: dict) -> None:
        name = self.survey.get(row, "name")
        label = row.get(self.label or "", "") or name
        if self.current is None:
            sid = name[len("section_") :] if name.startswith("section_") else name
            m = re.match(rf"^{re.escape(sid)}[.．、]\s*(.*)$", label)
            title = m.group(1) if m else label
            relevant = self._relevant(row, line, f"分组 {name}")
            self.current = self.d.section(sid, title, relevant)
            self.stack.append(("group", line, self.current))
        else:
            if self.survey.get(row, "relevant"):
                rel = self.survey.get(row, "relevant")
                note(self.d.notes, "bankfrom_note_nested", row=line, name=name, relevant=rel)
            self.stack.append(("group", line, None))
            self.nested_relevant = self._relevant(row, line, f"分组 {name}")

    # --- questions -------------------------------------------------------------------
    def _base(self, line: int, row: dict, qid: str, qtype: str) -> dict:
        text = row.get(self.label or "", "") or self.survey.get(row, "name")
        q: dict = {"id": qid, "type": qtype, "text": _plain(text)}
        hint = row.get(self.hint or "", "")
        if hint:
            q["hint"] = _plain(hint)
        if self.survey.get(row, "required").lower() in ("yes", "true", "true()", "1"):
            q["required"] = True
        rel = self._relevant(row, line, qid)
        if rel:
            q["relevant"] = rel
        self._section()["questions"].append(q)
        return q

    def _open(self, line: int, row: dict, base: str) -> None:
        name = self.survey.get(row, "name")
        prev = self._section()["questions"][-1] if self._section()["questions"] else None
        if base == "text" and prev and prev.get("_xlsform") and name == f"{prev['_xlsform']}_other":
            self._fold_other(prev)
            return
        qid = self.ids.take(name, "Q")
        if base == "text":
            q = self._base(line, row, qid, "text")
        else:
            q = self._base(line, row, qid, "number")
            if base == "integer":
                q["integer"] = True
            lo, hi = self._bounds(row, base)
            if lo is not None:
                q["min"] = lo
            if hi is not None:
                q["max"] = hi
        self.names[name] = {"id": qid, "type": q["type"]}

    def _bounds(self, row: dict, base: str) -> tuple[float | None, float | None]:
        lo = hi = None
        if base == "range":
            params = dict(
                re.findall(
                    r"(start|end|step)\s*=\s*(-?\d+(?:\.\d+)?)", self.survey.get(row, "parameters")
                )
            )
            lo, hi = float(params.get("start", 1)), float(params.get("end", 10))
            lo, hi = min(lo, hi), max(lo, hi)
        for op, value in _CONSTRAINT.findall(self.survey.get(row, "constraint")):
            v = float(value)
            if op in (">=", ">"):
                lo = v if lo is None else max(lo, v)
            else:
                hi = v if hi is None else min(hi, v)
        return _num(lo), _num(hi)

    def _choice(self, rows: list, i: int, base: str, list_name: str, or_other: bool) -> int:
        line, row = rows[i]
        name = self.survey.get(row, "name")
        codes = self.codes(list_name, name)
        opts = {code: _plain(label) for code, label in codes.values()}
        if len(opts) < 2:
            opts[max(opts, default=0) + 1] = "（原表单只有一个选项，请补写）"
            note(self.d.notes, "bankfrom_note_one_choice", qid=name, list=list_name)
        qtype = CHOICE_TYPES[base]
        keys = sorted(opts)
        qid = self.ids.take(name, "Q", choice_suffixes([*keys, max(keys) + 1], True))
        q = self._base(line, row, qid, qtype)
        q["options"] = opts
        q["_xlsform"] = name
        if or_other:
            q["other"] = True
        if qtype == "multi":
            m = re.search(r"count-selected\(\.\)\s*<=\s*(\d+)", self.survey.get(row, "constraint"))
            if m and 0 < int(m.group(1)) < len(opts):
                q["max_choices"] = int(m.group(1))
        self.names[name] = {
            "id": qid,
            "type": qtype,
            "codes": {n: c for n, (c, _) in codes.items()},
        }
        q["options"] = mark_missing(opts, qid, self.d.notes)
        return i + 1

    def _fold_other(self, q: dict) -> None:
        """Our own ``<id>_other`` text row after a choice with 其他（请注明）: ``other``."""
        opts = q["options"]
        other = [c for c, lab in opts.items() if lab == OTHER_LABEL]
        if other:
            code = other[-1]
            del opts[code]
            q["other"] = True
            if opts and code != max(opts) + 1:
                q["other_code"] = code
        else:
            q["other"] = True

    def _likert_rows(self, rows: list, i: int) -> list | None:
        """The rows of a likert group (all select_one of one list, likert appearance)."""
        out = []
        j = i + 1
        while j < len(rows) and self._type(rows[j][1])[0] == "select_one":
            out.append(rows[j])
            j += 1
        if not out or j >= len(rows) or self._type(rows[j][1])[0] != "end_group":
            return None
        lists = {self._type(r)[1] for _, r in out}
        looks = all(
            re.search(r"likert|label|list-nolabel", self.survey.get(r, "appearance"))
            for _, r in out
        )
        return (
            out if len(lists) == 1 and looks and not any(self._type(r)[2] for _, r in out) else None
        )

    def _likert(self, line: int, row: dict, items: list) -> None:
        name = self.survey.get(row, "name")
        list_name = self._type(items[0][1])[1]
        codes = self.codes(list_name, name)
        scale = f"s_{list_name}" if re.fullmatch(r"[A-Za-z0-9_]+", list_name) else f"s_{name}"
        if scale.startswith("s_scale_"):
            scale = scale[len("s_scale_") :]
        if scale not in self.d.scales:
            opts = {c: _plain(lab) for c, lab in codes.values()}
            self.d.scales[scale] = mark_missing(opts, f"量表 {scale}", self.d.notes)
        item_ids = [self.ids.take(self.survey.get(r, "name"), "Q") for _, r in items]
        qid = self.ids.take(name, "Q")
        q = self._base(line, row, qid, "likert")
        q["scale"] = scale
        q["items"] = {
            iid: _plain(r.get(self.label or "", "") or self.survey.get(r, "name"))
            for iid, (_, r) in zip(item_ids, items, strict=True)
        }
        codes_by_name = {n: c for n, (c, _) in codes.items()}
        for iid, (_, r) in zip(item_ids, items, strict=True):
            self.names[self.survey.get(r, "name")] = {
                "id": iid,
                "type": "likert",
                "codes": codes_by_name,
            }

    # --- relevant --------------------------------------------------------------------
    def _relevant(self, row: dict, line: int, what: str) -> str | None:
        src = self.survey.get(row, "relevant")
        nested = self.nested_relevant if self.stack and self.stack[-1][2] is None else None
        if not src:
            return nested
        ours = translate(src, self.names)
        if ours is None:
            note(self.d.notes, "bankfrom_note_relevant", row=line, what=what, src=src)
            return nested
        return f"({nested}) and ({ours})" if nested else ours

    def _note_skipped(self) -> None:
        words = {
            "meta": "ODK 元数据（不是题目，不导入）",
            "note": "说明文字（note，不是题目）",
            "calculate": "计算字段（calculate，不是受访者的回答）",
            "hidden": "隐藏字段（hidden）",
            "trigger": "确认按钮（trigger，不是题目）",
            "xml-external": "外部数据（xml-external，不是题目）",
            "csv-external": "外部数据（csv-external，不是题目）",
            "unsupported": "本工具题库没有的题型（可改为文字题后手工加入）",
            "repeat": "重复组（repeat，题库没有可重复填写的部分）",
        }
        for key, names in self.skipped.items():
            note(self.d.notes, "bankfrom_note_skipped", what=words[key], names="、".join(names))
        for q in self.d.questions():
            q.pop("_xlsform", None)


def _plain(text: str) -> str:
    """A label without markdown emphasis / HTML tags, on one line."""
    text = re.sub(r"<[^>]+>", "", text)
    text = re.sub(r"\*\*|__", "", text)
    return " ".join(text.split()) or "（无标题）"


def _num(v: float | None) -> float | int | None:
    if v is None:
        return None
    return int(v) if float(v).is_integer() else v


def from_xlsform(sheets: dict[str, list[list]], source: str, lang: str | None) -> Draft:
    """A draft bank from an XLSForm's sheets (``{name: rows}``). Raises BankError (located)
    for a form pyxform would refuse."""
    return XlsformImporter(sheets, source, lang).run()
