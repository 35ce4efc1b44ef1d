"""Round trip under hypothesis (issue 8, battery item 3): whatever a respondent types into an
open question — Chinese, emoji, full-width characters, control characters, formula-like or
over-long text — comes back from fill → ingest → export as the documented normalisation
says: control characters shown as U+FFFD and text cut at Excel's 32,767 characters when the
form is written, surrounding whitespace trimmed on ingest, and an answer longer than
normalise.MAX_CHARS rejected with its cell (issue 13). Nothing else changes."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pandas as pd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from surveytool.bank import load_bank
from surveytool.forms.fill import FormFiller
from surveytool.forms.xlsx import safe_text
from surveytool.ingest import export_responses, ingest, load_answers
from surveytool.ingest.normalise import MAX_CHARS

from conftest import GOOD, INGEST_BANK, write_bank

ALPHABET = st.sampled_from(
    [
        *list("科研负担表格会议 ａｂｃＡＢＣ１２３，。！？“”—…abcXYZ09=+-@#/\\'\"<>{}&%"),
        "😀",
        "𠮷",
        "\t",
        "\n",
        "\r",
        "\x00",
        "\x07",
        "\x1b",
        "\u3000",
        "\u200b",
    ]
)
TEXTS = st.one_of(
    st.text(ALPHABET, min_size=1, max_size=60),
    st.builds(lambda s, n: s * n, st.text(ALPHABET, min_size=1, max_size=3), st.just(12_000)),
)


def expected(text: str) -> str | None:
    """The documented normalisation: what the form can hold, line breaks as \\n, trimmed."""
    kept = str(safe_text(text)).replace("\r\n", "\n").replace("\r", "\n").strip()
    return kept or None


def too_long(text: str) -> bool:
    """Rejected at ingest: the cell as the form holds it exceeds the per-cell limit."""
    cell = str(safe_text(text))
    return len(cell) > MAX_CHARS and bool(cell.strip())


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(texts=st.lists(TEXTS, min_size=1, max_size=3))
def test_open_answers_round_trip(texts: list[str]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        bank = load_bank(write_bank(folder, INGEST_BANK, "ingest_demo.yaml"))
        filler = FormFiller(bank)
        for i, t in enumerate(texts):
            filler.fill({**GOOD, "B3": i, "B6": t}, folder / "in" / f"{i}.xlsx")
        summary = ingest([folder / "in"], bank, folder / "s.db")
        frame = load_answers(folder / "s.db", bank).sort_values("B3")
        want = [expected(t) for t in texts]
        # identical answers are one response (a duplicate), reported as such
        rejected = sum(too_long(t) for t in texts)
        assert summary.total("rejected") == rejected
        assert summary.total("accepted") + summary.total("duplicates") == len(texts) - rejected
        got = {
            int(b3): (None if pd.isna(v) else v)
            for b3, v in zip(frame["B3"], frame["B6"], strict=True)
        }
        for i, w in enumerate(want):
            assert not (too_long(texts[i]) and i in got)
            if i in got:
                assert got[i] == w, (texts[i][:40], got[i] and got[i][:40], w and w[:40])
        csv = export_responses(frame, bank, folder / "x.csv")
        assert csv.stat().st_size > 0
