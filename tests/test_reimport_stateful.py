"""Re-import semantics as a state machine (issue 8, battery item 6): whatever order people
send files in — new returns, the same file again, the same returns re-saved by Excel/WPS
(other bytes, same answers) — the store holds exactly one response per distinct set of
answers, like a simple model (a set)."""

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
        self.model: set[int] = set()  # the distinct answers sent (their B3 value)
        self.n = 0

    def teardown(self) -> None:
        shutil.rmtree(self.dir, ignore_errors=True)

    def _ingest(self, path: Path) -> None:
        ingest([path], self.bank, self.dir / "s.db")

    @rule(hours=st.integers(0, 60))
    def new_return(self, hours: int) -> None:
        self.n += 1
        path = self.filler.fill({**GOOD, "B3": hours}, self.dir / "in" / f"{self.n}.xlsx")
        self.files.append(path)
        self._ingest(path)
        self.model.add(hours)

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
        assert sorted(frame["B3"].astype(int)) == sorted(self.model)


Returns.TestCase.settings = settings(
    max_examples=8,
    stateful_step_count=8,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
test_reimport_state_machine = Returns.TestCase
