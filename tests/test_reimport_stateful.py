"""Re-import semantics as a state machine (issue 8, battery item 6): whatever order people
send files in — new returns, the same file again, the same returns re-saved by Excel/WPS
(other bytes, same answers) — the store holds exactly one response per person who answered,
like a simple model (a set). Each new person answers in their own way (issue 22: identical
answers are merged only when a coincidence is implausible)."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule
from openpyxl import load_workbook

from surveytool.bank import load_bank
from surveytool.forms.fill import FormFiller
from surveytool.ingest import ingest, load_answers

from conftest import GOOD, INGEST_BANK, write_bank


class Returns(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.dir = Path(tempfile.mkdtemp())
        self.bank = load_bank(write_bank(self.dir, INGEST_BANK, "ingest_demo.yaml"))
        self.filler = FormFiller(self.bank)
        self.files: list[Path] = []
        self.model: set[int] = set()  # the people who sent answers (their number)
        self.n = 0

    def teardown(self) -> None:
        shutil.rmtree(self.dir, ignore_errors=True)

    def _ingest(self, path: Path) -> None:
        ingest([path], self.bank, self.dir / "s.db")

    @rule(
        hours=st.integers(0, 60),
        unit=st.sampled_from([1, 2]),
        agree=st.tuples(st.integers(1, 5), st.integers(1, 5)),
        burden=st.sampled_from([(1, 0, 0), (0, 1, 0), (0, 0, 1), (1, 1, 0), (0, 1, 1)]),
        wish=st.permutations([1, 2, 3]),
    )
    def new_return(self, hours: int, unit: int, agree: tuple, burden: tuple, wish: list) -> None:
        """A new person: answers of their own (identical answers from two people are kept
        when a coincidence is plausible, issue 22; a person's own text makes it not)."""
        self.n += 1
        answers = {
            **GOOD,
            "B1": unit,
            "B2_1": agree[0],
            "B2_2": agree[1],
            "B3": hours,
            **{f"B4_{k}": v for k, v in enumerate(burden, start=1)},
            "B5_1": wish.index(1) + 1 if wish.index(1) < 2 else None,
            "B5_2": wish.index(2) + 1 if wish.index(2) < 2 else None,
            "B5_3": wish.index(3) + 1 if wish.index(3) < 2 else None,
            "B6": f"第 {self.n} 位受访者的建议",
        }
        answers = {k: v for k, v in answers.items() if v is not None}
        path = self.filler.fill(answers, self.dir / "in" / f"{self.n}.xlsx")
        self.files.append(path)
        self._ingest(path)
        self.model.add(self.n)

    @precondition(lambda self: self.files)
    @rule(data=st.data())
    def same_file_again(self, data) -> None:
        self._ingest(data.draw(st.sampled_from(self.files)))

    @precondition(lambda self: self.files)
    @rule(data=st.data())
    def resaved_copy(self, data) -> None:
        src = data.draw(st.sampled_from(self.files))
        self.n += 1
        copy = self.dir / "in" / f"{self.n}-另存.xlsx"
        wb = load_workbook(src)
        wb.save(copy)  # other bytes, same answers
        self._ingest(copy)

    @invariant()
    def store_equals_model(self) -> None:
        if not (self.dir / "s.db").exists():
            assert not self.model
            return
        frame = load_answers(self.dir / "s.db", self.bank)
        people = sorted(int(t.split()[1]) for t in frame["B6"])
        assert people == sorted(self.model)


Returns.TestCase.settings = settings(
    max_examples=8,
    stateful_step_count=8,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
test_reimport_state_machine = Returns.TestCase
