"""Matching platform questions to bank questions, and the editable mapping file.

A platform question is matched by its stem's similarity to each bank question's text
(full-width/half-width, spaces and punctuation ignored), with a small bonus when its number
equals the bank question's position. Below :data:`MIN_SCORE` it is unmapped; when the best
two candidates are within :data:`AMBIGUOUS_GAP` it is ambiguous. Columns of a question
(options, matrix rows, fill-ins) are matched to options / items / fields the same way.
Nothing is guessed silently: ``surveytool map`` writes all of it, with a confidence per line,
to a YAML file the user can correct and pass back with ``--mapping``.
"""

from __future__ import annotations

import difflib
import functools
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from surveytool.bank.model import Bank, Question, question_options
from surveytool.bank.yamlio import NoAnchorLoader, yaml_problem
from surveytool.errors import UsageError, os_detail, problem
from surveytool.ingest.normalise import label_key
from surveytool.ingest.platforms.model import PlatformExport, PQuestion

MIN_SCORE = 0.55
AMBIGUOUS_GAP = 0.05
NUMBER_BONUS = 0.1
STATUS = {"ok": "已对应", "ambiguous": "需确认", "unmapped": "未对应"}
MAPPING_FILE = "对应关系文件"  # how a mapping file is named in messages


@functools.lru_cache(maxsize=65_536)
def _key(text: str) -> str:
    return label_key(text)


def similarity(a: str, b: str) -> float:
    """0..1, insensitive to punctuation width and spaces."""
    ka, kb = _key(a), _key(b)
    if not ka or not kb:
        return 0.0
    if ka == kb:
        return 1.0
    return difflib.SequenceMatcher(None, ka, kb).ratio()


@functools.lru_cache(maxsize=65_536)
def _chars(key: str) -> Counter:
    return Counter(key)


def _bound(a: str, b: str) -> float:
    """An upper bound of :func:`similarity`: difflib's quick ratio (2 × the characters in
    common / the lengths), from character counts kept per text."""
    ka, kb = _key(a), _key(b)
    if not ka or not kb:
        return 0.0
    if ka == kb:
        return 1.0
    common = (_chars(ka) & _chars(kb)).total()
    return 2.0 * common / (len(ka) + len(kb))


@dataclass
class QMap:
    """One platform question -> a bank question (or None), with per-column targets."""

    pq: PQuestion
    qid: str | None
    confidence: float
    status: str  # ok | ambiguous | unmapped
    columns: dict[int, str | None] = field(default_factory=dict)  # column index -> field/option

    def to_yaml(self) -> dict:
        out: dict = {
            "number": self.pq.number,
            "header": self.pq.header,
            "bank": self.qid,
            "confidence": round(self.confidence, 2),
            "status": STATUS[self.status],
        }
        if self.pq.layout != "one":
            out["columns"] = [
                {"header": c.header, "sub": c.sub, "bank": self.columns.get(c.index)}
                for c in self.pq.columns
            ]
        return out


def _candidates(bank: Bank, pq: PQuestion) -> list[tuple[float, Question]]:
    """The bank questions with their scores, best first; exact for the best two (all that
    is used), found without scoring every question exactly: candidates are taken in the
    order of a cheap upper bound of their score and scoring stops once the second best is
    beyond the next bound (16,000 platform columns: seconds, not minutes)."""

    def bonus(pos: int) -> float:
        return NUMBER_BONUS if pq.number is not None and pq.number == pos else 0.0

    bounds = []
    for pos, q in enumerate(bank.questions, start=1):
        if q.pii and q.type == "text":
            continue
        bounds.append((min(1.0, _bound(pq.stem, q.text) + bonus(pos)), pos, q))
    bounds.sort(key=lambda x: -x[0])
    scored: list[tuple[float, Question]] = []
    for i, (bound, pos, q) in enumerate(bounds):
        if len(scored) >= 2 and sorted(s for s, _ in scored)[-2] >= bound:
            scored += [(b, q2) for b, _, q2 in bounds[i:]]  # bounds: never above the two
            break
        scored.append((min(1.0, similarity(pq.stem, q.text) + bonus(pos)), q))
    return sorted(scored, key=lambda x: -x[0])


BY_NUMBER = 0.8  # confidence of a match made by question number alone


def match_question(bank: Bank, pq: PQuestion) -> QMap:
    """The best bank question for ``pq`` and its column targets. A question known only by
    its number (问卷星's old ``第6题(选项)`` headers) is the bank question at that position."""
    if not pq.stem.strip() and pq.number is not None:
        if 1 <= pq.number <= len(bank.questions):
            q = bank.questions[pq.number - 1]
            qm = QMap(pq, q.id, BY_NUMBER, "ok")
            qm.columns = match_columns(bank, q, pq)
            return qm
        return QMap(pq, None, 0.0, "unmapped")
    ranked = _candidates(bank, pq)
    if not ranked or ranked[0][0] < MIN_SCORE:
        return QMap(pq, None, ranked[0][0] if ranked else 0.0, "unmapped")
    best, q = ranked[0]
    status = "ok"
    if len(ranked) > 1 and best < 0.95 and best - ranked[1][0] < AMBIGUOUS_GAP:
        status = "ambiguous"
    qm = QMap(pq, q.id, best, status)
    qm.columns = match_columns(bank, q, pq)
    return qm


def match_columns(bank: Bank, q: Question, pq: PQuestion) -> dict[int, str | None]:
    """Column index -> item id (matrix), option code as text (options) or field id (fills)."""
    if pq.layout == "one":
        return {}
    if q.type == "likert":
        targets = {i.id: i.text for i in q.items}
    elif q.type in ("multi", "rank", "single"):
        targets = {str(o.code): o.label for o in question_options(q, bank.scales)}
    else:
        targets = {f.id: f.label for f in bank.fields if f.question == q.id}
    out: dict[int, str | None] = {}
    for col in pq.columns:
        best = max(targets.items(), key=lambda kv: similarity(col.sub or "", kv[1]), default=None)
        ok = best is not None and similarity(col.sub or "", best[1]) >= MIN_SCORE
        out[col.index] = best[0] if ok else None
    return out


MIN_QUESTION_CAP = 500  # no questionnaire users field online has more questions than this


def question_cap(bank: Bank) -> int:
    """The most questions an export of ``bank`` can plausibly hold: five times the bank's
    questions, at least :data:`MIN_QUESTION_CAP` (a 问卷星 file of 16,000 columns took 15 s
    to match, question by question, before it was refused anyway)."""
    return max(MIN_QUESTION_CAP, 5 * len(bank.questions))


def too_many_questions(bank: Bank, export: PlatformExport) -> dict[str, str] | None:
    """The values of the ``export_too_wide`` message when the export has more questions
    than :func:`question_cap` (checked before any matching), else None."""
    cap = question_cap(bank)
    if len(export.questions) <= cap:
        return None
    return {
        "count": f"{len(export.questions):,}",
        "questions": str(len(bank.questions)),
        "limit": f"{cap:,}",
    }


def match_export(bank: Bank, export: PlatformExport) -> list[QMap]:
    """Every platform question matched (two platform questions never share a bank question:
    the weaker one becomes ambiguous)."""
    maps = [match_question(bank, pq) for pq in export.questions]
    best_for: dict[str, QMap] = {}
    for m in maps:
        if m.qid is None:
            continue
        other = best_for.get(m.qid)
        if other is None or m.confidence > other.confidence:
            if other is not None:
                other.status = "ambiguous"
            best_for[m.qid] = m
        else:
            m.status = "ambiguous"
    return maps


def write_mapping(
    maps: list[QMap], export: PlatformExport, bank: Bank, source: str, path: Path
) -> Path:
    """The editable YAML mapping file."""
    doc = {
        "platform": export.platform,
        "bank": bank.id,
        "bank_version": bank.version,
        "file": source,
        "questions": [m.to_yaml() for m in maps],
    }
    head = (
        "# surveytool 对应关系：平台导出的题目（header）→ 题库中的题目（bank）。\n"
        "# 请核对 status 为“需确认”或“未对应”的行：\n"
        "# 把 bank 改成正确的题目编号（不需要导入的题目写 null），\n"
        "# 然后用 surveytool ingest --mapping 本文件 … 回收。columns 下是选项/小题的对应。\n"
    )
    path.write_text(head + yaml.safe_dump(doc, allow_unicode=True, sort_keys=False), "utf-8")
    return path


def apply_mapping_file(maps: list[QMap], bank: Bank, path: Path) -> list[QMap]:
    """Override the automatic matches with a user's mapping file (its lines are trusted)."""
    try:
        doc = yaml.load(path.read_text(encoding="utf-8"), Loader=NoAnchorLoader) or {}
    except OSError as exc:
        raise UsageError(
            problem("mapping_unreadable", path=str(path), detail=os_detail(exc))
        ) from None
    except UnicodeDecodeError:
        raise UsageError(problem("yaml_encoding", file=path.name, kind=MAPPING_FILE)) from None
    except yaml.YAMLError as exc:
        raise UsageError(yaml_problem(exc, path.name, kind=MAPPING_FILE)) from None
    if not isinstance(doc, dict):
        doc = {}
    questions = doc.get("questions")
    questions = questions if isinstance(questions, list) else []
    by_header = {str(q.get("header")): q for q in questions if isinstance(q, dict)}
    known = {q.id for q in bank.questions}
    for m in maps:
        entry = by_header.get(m.pq.header)
        if entry is None:
            continue
        qid = entry.get("bank")
        if qid is not None and qid not in known:
            raise UsageError(
                problem(
                    "mapping_bad_target",
                    path=path.name,
                    header=m.pq.header,
                    value=qid,
                    bank=bank.id,
                )
            )
        m.qid, m.status, m.confidence = qid, "ok" if qid else "unmapped", 1.0
        if qid:
            cols = {
                str(c.get("header")): c.get("bank")
                for c in entry.get("columns") or []
                if isinstance(c, dict)
            }
            auto = match_columns(bank, bank.question(qid), m.pq)
            m.columns = {
                c.index: (
                    str(cols[c.header]) if cols.get(c.header) is not None else auto.get(c.index)
                )
                if c.header in cols
                else auto.get(c.index)
                for c in m.pq.columns
            }
    return maps
