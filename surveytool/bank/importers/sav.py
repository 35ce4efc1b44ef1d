"""SPSS .sav → a draft bank.

Variable labels become question texts, value labels options, user-missing codes options
marked ``missing`` (不清楚 / 不适用). Types: a string variable is text; a numeric one with value
labels is single (several in a row named ``<base>_<n>`` on the same labels, ``<base>`` not a
variable itself, are one likert question — how our own export writes a matrix); 0/1
variables ``<base>_<code>`` labelled ``题干：选项`` (or an SPSS multiple-response set) are one
multi question; ``<base>_<code>`` numbers holding distinct ranks 1..n in every answer are a
rank question; other numbers (measurement level scale) are numbers. A ``<id>_other`` string
after a choice question makes it ``other``. Our own exports' bookkeeping variables
(response_id, wave…) are not questions.

Input: :func:`surveytool.ingest.sav.read_sav_meta`'s plain dict.
"""

from __future__ import annotations

import re
from typing import Any

from surveytool.bank.importers import Draft, choice_suffixes, mark_missing, note
from surveytool.bank.model import OTHER_LABEL

# The bookkeeping variables our own `responses -o x.sav` writes (store.sav.SAV_META without
# its underscore, or with ``st_`` when the bank has a field of that name), SPSS's filter.
_OWN = ("response_id", "wave", "source", "corrected_in", "rid")
BOOKKEEPING = {*_OWN, *(f"st_{n}" for n in _OWN), "file", "filter_$"}
_STEM = re.compile(r"^(.*?)[：:]\s*(.+)$", re.S)
_BASE = re.compile(r"^(.+)_(\d+)$")


def _int(v: Any) -> int | None:
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return int(f) if f.is_integer() else None


def _flag_labels(labels: dict) -> bool:
    return (set(labels) <= {0, 1} and bool(labels)) or not labels


class SavImporter:
    def __init__(self, meta: dict, source: str):
        self.vars = [v for v in meta["variables"] if v["name"].lower() not in BOOKKEEPING]
        self.skipped = [v["name"] for v in meta["variables"] if v["name"].lower() in BOOKKEEPING]
        self.names = {v["name"] for v in self.vars}
        self.mr_sets = meta.get("mr_sets") or {}
        title = meta.get("file_label") or source
        self.d = Draft(title=title, source=source)
        self.section = self.d.section("A", "问卷题目")
        self.last_choice: dict | None = None

    def run(self) -> Draft:
        in_sets = self._mr_sets()
        i = 0
        while i < len(self.vars):
            v = self.vars[i]
            if v["name"] in in_sets:
                i += 1
                continue
            i = self._variable(i)
        if self.skipped:
            what = "答卷记录信息（不是题目）"
            note(self.d.notes, "bankfrom_note_skipped", what=what, names="、".join(self.skipped))
        return self.d

    def _mr_sets(self) -> set[str]:
        """SPSS multiple-response sets (dichotomy) -> multi questions, placed first."""
        used: set[str] = set()
        for name, mr in self.mr_sets.items():
            members = [m for m in mr.get("variable_list", []) if m in self.names]
            if len(members) < 2:
                continue
            by = {v["name"]: v for v in self.vars}
            opts = {k: _option_label(by[m]) for k, m in enumerate(members, start=1)}
            qid = self.d.ids.take(name.lstrip("$"), "Q", choice_suffixes(list(opts), False))
            q = self._base(qid, "multi", mr.get("label") or name)
            q["options"] = opts
            note(
                self.d.notes, "bankfrom_note_mrset", qid=qid, name=name, members="、".join(members)
            )
            used.update(members)
        return used

    def _base(self, qid: str, qtype: str, text: str) -> dict:
        q: dict = {"id": qid, "type": qtype, "text": " ".join(str(text).split()) or qid}
        self.section["questions"].append(q)
        return q

    def _run_of(self, i: int, test) -> list[dict]:
        """Variables i, i+1… named ``<base>_<n>`` with one base, while ``test`` holds."""
        m = _BASE.match(self.vars[i]["name"])
        if not m:
            return []
        base = m.group(1)
        out = []
        for v in self.vars[i:]:
            mv = _BASE.match(v["name"])
            if not mv or mv.group(1) != base or not test(v):
                break
            out.append(v)
        return out

    def _variable(self, i: int) -> int:
        v = self.vars[i]
        if v["string"]:
            return self._string(v, i)
        flags = self._run_of(
            i, lambda x: not x["string"] and _flag_labels(x["labels"]) and _is_flag(x)
        )
        if len(flags) >= 2 and _shared_stem(flags) and flags[0]["labels"]:
            return i + self._multi(flags)
        labelled = self._run_of(i, lambda x: not x["string"] and x["labels"] == v["labels"])
        base = _BASE.match(v["name"])
        if v["labels"] and len(labelled) >= 2 and base and base.group(1) not in self.names:
            return i + self._likert(labelled, base.group(1))
        if v["labels"]:
            self._single(v)
            return i + 1
        ranks = self._run_of(i, lambda x: not x["string"] and not x["labels"])
        if len(ranks) >= 2 and _shared_stem(ranks) and _ranks(ranks):
            return i + self._rank(ranks)
        self._number(v)
        return i + 1

    def _string(self, v: dict, i: int) -> int:
        q = self.last_choice
        if q is not None and v["name"] == f"{q['id']}_other":
            opts = q["options"]
            other = [c for c, lab in opts.items() if _label(lab) == OTHER_LABEL]
            if other:
                del opts[other[-1]]
                if opts and other[-1] != max(opts) + 1:
                    q["other_code"] = other[-1]
            q["other"] = True
            return i + 1
        qid = self.d.ids.take(v["name"], "v")
        self._base(qid, "text", v["label"] or v["name"])
        self.last_choice = None
        return i + 1

    def _options(self, v: dict) -> dict:
        out: dict = {}
        for code, label in sorted(v["labels"].items()):
            c = _int(code)
            if c is None:
                note(self.d.notes, "bankfrom_note_bad_label", name=v["name"], code=code)
                continue
            missing = any(_int(m) == c for m in v["missing"])
            out[c] = {"label": str(label), "missing": True} if missing else str(label)
        for m in v["missing"]:
            c = _int(m)
            if c is not None and c not in out:
                out[c] = {"label": "不清楚", "missing": True}
        return out

    def _single(self, v: dict) -> None:
        opts = self._options(v)
        qid = self.d.ids.take(v["name"], "v", choice_suffixes(list(opts), True))
        q = self._base(qid, "single", v["label"] or v["name"])
        q["options"] = opts
        if len([o for o in opts.values() if not isinstance(o, dict)]) < 2:
            q["options"] = {**opts, **{c: f"选项{c}（请补写）" for c in (1, 2) if c not in opts}}
        self.last_choice = q

    def _multi(self, flags: list[dict]) -> int:
        base = _BASE.match(flags[0]["name"]).group(1)  # type: ignore[union-attr]
        opts = {int(_BASE.match(f["name"]).group(2)): _option_label(f) for f in flags}  # type: ignore[union-attr]
        qid = self.d.ids.take(base, "v", choice_suffixes(list(opts), True))
        q = self._base(qid, "multi", _stem(flags[0]))
        q["options"] = mark_missing(opts, qid, self.d.notes)  # a 0/1 flag has no user-missing
        self.last_choice = q
        return len(flags)

    def _rank(self, ranks: list[dict]) -> int:
        base = _BASE.match(ranks[0]["name"]).group(1)  # type: ignore[union-attr]
        opts = {int(_BASE.match(f["name"]).group(2)): _option_label(f) for f in ranks}  # type: ignore[union-attr]
        qid = self.d.ids.take(base, "v", choice_suffixes(list(opts), True))
        q = self._base(qid, "rank", _stem(ranks[0]))
        q["options"] = opts
        self.last_choice = q
        return len(ranks)

    def _likert(self, items: list[dict], base: str) -> int:
        qid = self.d.ids.take(base, "v")
        scale = f"s_{qid}"
        opts = self._options(items[0])
        self.d.scales[scale] = opts
        q = self._base(qid, "likert", _common_text(items) or base)
        q["scale"] = scale
        q["items"] = {self.d.ids.take(v["name"], "v"): v["label"] or v["name"] for v in items}
        names = "、".join(v["name"] for v in items)
        note(self.d.notes, "bankfrom_note_likert", qid=qid, names=names)
        self.last_choice = None
        return len(items)

    def _number(self, v: dict) -> None:
        qid = self.d.ids.take(v["name"], "v")
        q = self._base(qid, "number", v["label"] or v["name"])
        values = [x for x in v["values"] if x is not None]
        fmt = re.search(r"\.(\d+)$", v["format"] or "")
        if (values and all(_int(x) is not None for x in values)) or (fmt and fmt.group(1) == "0"):
            q["integer"] = True
        if v["measure"] in ("nominal", "ordinal"):
            measure = "名义" if v["measure"] == "nominal" else "有序"
            note(self.d.notes, "bankfrom_note_measure", qid=qid, measure=measure)
        self.last_choice = None


def _label(value: Any) -> str:
    return value["label"] if isinstance(value, dict) else str(value)


def _is_flag(v: dict) -> bool:
    return all(_int(x) in (0, 1) for x in v["values"] if x is not None)


def _ranks(vs: list[dict]) -> bool:
    """Every answer: distinct whole ranks from 1..n."""
    n = len(vs)
    rows = list(zip(*(v["values"] for v in vs), strict=True))
    seen = False
    for row in rows:
        got = [_int(x) for x in row if x is not None]
        if not got:
            continue
        seen = True
        if None in got or len(set(got)) != len(got) or not all(1 <= g <= n for g in got):  # type: ignore[operator]
            return False
    return seen


def _stem(v: dict) -> str:
    m = _STEM.match(v["label"] or "")
    return m.group(1).strip() if m else (v["label"] or v["name"])


def _option_label(v: dict) -> str:
    m = _STEM.match(v["label"] or "")
    return m.group(2).strip() if m else (v["label"] or v["name"])


def _shared_stem(vs: list[dict]) -> bool:
    stems = {_stem(v) for v in vs}
    return len(stems) == 1 and all(_STEM.match(v["label"] or "") for v in vs)


def _common_text(vs: list[dict]) -> str:
    labels = [v["label"] or "" for v in vs]
    prefix = labels[0]
    for lab in labels[1:]:
        while not lab.startswith(prefix):
            prefix = prefix[:-1]
    return prefix.strip(" ：:—-")


def from_sav(meta: dict, source: str) -> Draft:
    """A draft bank from an .sav file's dictionary (see ingest.sav.read_sav_meta)."""
    return SavImporter(meta, source).run()
