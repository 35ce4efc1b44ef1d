"""Property: random valid bank -> YAML -> load -> form -> read back -> same fields and options."""

from __future__ import annotations

import tempfile
from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from surveytool.bank import load_bank
from surveytool.forms import read_structure, write_form
from surveytool.forms.structure import RESPONSE_ID

from formcheck import list_values, load, validation_at

# Labels: Chinese, ASCII, full-width, punctuation, and formula-like starts.
ALPHABET = st.sampled_from(list("高校医院企业其他非常同意ABCxyz０１２ ，。、（）-+=@#%"))
LABEL = st.text(ALPHABET, min_size=1, max_size=12).map(str.strip).filter(bool)


@st.composite
def options(draw, min_size: int = 2, max_size: int = 6) -> dict[int, str]:
    codes = draw(st.lists(st.integers(0, 30), min_size=min_size, max_size=max_size, unique=True))
    labels = draw(st.lists(LABEL, min_size=len(codes), max_size=len(codes), unique=True))
    return dict(zip(codes, labels, strict=True))


@st.composite
def question(draw, qid: str, earlier_single: list[tuple[str, list[int]]]) -> dict:
    qtype = draw(st.sampled_from(["single", "multi", "likert", "number", "text", "rank"]))
    q: dict = {"id": qid, "type": qtype, "text": draw(LABEL), "required": draw(st.booleans())}
    if qtype in ("single", "multi", "rank"):
        opts = draw(options())
        if draw(st.booleans()) and qtype != "rank":
            opts = {k: v for k, v in opts.items() if v != "其他（请注明）"}
            q["other"] = True
        q["options"] = opts
        if qtype == "multi":
            q["max_choices"] = draw(st.integers(1, len(opts)))
        if qtype == "rank":
            q["max_rank"] = draw(st.integers(1, len(opts)))
    elif qtype == "likert":
        q["scale"] = draw(st.sampled_from(["agree5", "mine"]))
        n = draw(st.integers(1, 4))
        q["items"] = {
            f"{qid}_{i}": {"text": draw(LABEL), "reverse": draw(st.booleans())}
            for i in range(1, n + 1)
        }
        q["construct"] = "构念"
    elif qtype == "number":
        lo = draw(st.integers(-5, 50))
        q.update(min=lo, max=lo + draw(st.integers(0, 500)), integer=draw(st.booleans()))
    if earlier_single and draw(st.booleans()):
        name, codes = draw(st.sampled_from(earlier_single))
        q["relevant"] = f"{name} in [{', '.join(map(str, codes[:2]))}]"
    return q


@st.composite
def banks(draw) -> dict:
    sections, singles = [], []
    n = 0
    for s in range(draw(st.integers(1, 3))):
        questions = []
        for _ in range(draw(st.integers(1, 4))):
            n += 1
            q = draw(question(f"Q{n}", singles))
            questions.append(q)
            if q["type"] == "single":
                singles.append((q["id"], list(q["options"])))
        sections.append({"id": f"S{s}", "title": draw(LABEL), "questions": questions})
    return {
        "id": "random_bank",
        "version": draw(st.integers(1, 99)),
        "title": draw(LABEL),
        "description": "随机生成的题库。",
        "include": ["scales"],
        "scales": {"mine": draw(options(2, 7))},
        "sections": sections,
    }


def expected_fields(q: dict) -> int:
    """How many answer fields a question must produce (docs/bank-format.md)."""
    other = int(bool(q.get("other")))
    if q["type"] == "likert":
        return len(q["items"])
    if q["type"] == "multi":
        return len(q["options"]) + 2 * other  # one flag per option incl. 其他, plus its text
    if q["type"] == "rank":
        return len(q["options"])
    return 1 + other


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(banks())
def test_bank_form_roundtrip(raw: dict) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        path = folder / "random.yaml"
        path.write_text(yaml.safe_dump(raw, allow_unicode=True, sort_keys=False), encoding="utf-8")
        bank = load_bank(path)
        assert len(bank.fields) == sum(
            expected_fields(q) for s in raw["sections"] for q in s["questions"]
        )
        for layout in ("respondent", "collection"):
            out = folder / f"{layout}.xlsx"
            write_form(bank, out, layout)
            structure, stored = read_structure(out)
            assert stored == structure.checksum
            entries = [e for e in structure.entries if e.field != RESPONSE_ID]
            assert [(e.field, e.kind, e.codes) for e in entries] == [
                (f.id, f.kind, f.codes) for f in bank.fields
            ]
            wb = load(out)
            for e, f in zip(entries, bank.fields, strict=True):
                ref = e.cell if layout == "respondent" else f"{e.cell}4"
                dv = validation_at(wb[e.sheet], ref)
                if f.kind in ("single", "likert"):
                    expected = (
                        [o.label for o in f.options]
                        if layout == "respondent"
                        else [str(o.code) for o in f.options]
                    )
                    assert list_values(wb, dv.formula1) == expected
                elif f.kind in ("number", "rank"):
                    assert dv.type == ("whole" if f.integer else "decimal")
