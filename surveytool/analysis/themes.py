"""Coding interview notes to the bank's themes, counting who raised what, quoting safely, and
finding the survey's problems in the notes and the visit records (triangulation).

Coding (theme × session): a paragraph belongs to the theme of the heading it was written
under, and also to any theme whose lexicon it hits — one of the bank's own ``keywords`` for
that theme, or two words drawn from the theme's section (its title, questions, items,
options and problem phrases, segmented by jieba with the policy dictionary the open answers
use); words shared by three or more themes are not used. A theme's count is the number of
sessions with at least one paragraph coded to it, and the participants of those sessions.

Quotes are masked paragraphs (the ingest masked them; :func:`representative` masks again)
from sessions of at least ``k`` participants whose unit type counts at least ``k``
participants in all: a quote is never attributable to fewer than ``k`` people.

A survey problem is raised in a session when a paragraph coded to the problem's theme (the
section of its question) holds a word of its problem phrase that is not common to many
phrases of the bank (负担, 科研 are; 报销, 填报 are not).
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

import pandas as pd

from surveytool.analysis.text import representative, search_tokens, stopwords
from surveytool.bank.interview import Theme, themes
from surveytool.bank.model import Bank

SHARED_THEMES = 3  # a word in this many themes' lexicons codes none of them
DERIVED_HITS = 2  # derived words a paragraph must hold to be coded to another theme
COMMON_PHRASES = 0.06  # a word in this share of the bank's problem phrases (at least 4) is common
QUOTE_CHARS = 40
EXTRA_STOP = frozenset(
    [
        "多个",
        "时间",
        "信息",
        "较多",
        "偏少",
        "不足",
        "缺少",
        "主要",
        "柳州",
        "柳州市",
        "单位",
        "人员",
        "青年",
        "您的",
        "如何",
        "哪些",
        "各类",
        "部门",
        "姓名",
    ]
)


def _stop() -> set[str]:
    return stopwords() | set(EXTRA_STOP)


@dataclass(frozen=True)
class Lexicon:
    """Words that code a paragraph to each theme: ``authored`` (the bank's keywords, one is
    enough) and ``derived`` (from the section's texts, two are needed)."""

    themes: list[Theme]
    authored: dict[str, frozenset[str]]
    derived: dict[str, frozenset[str]]


def _section_texts(t: Theme) -> list[str]:
    """What the theme's derived words come from: its names, and the items, options and
    problem phrases of its questions (not the question stems, full of 可多选 and 截至)."""
    texts = [t.name, t.section.title]
    for q in t.section.questions:
        if q.role or q.pii:
            continue
        texts += [*(i.text for i in q.items), *(i.problem or "" for i in q.items)]
        texts += [o.label for o in q.options if not (o.none or o.missing)]
        texts += [o.problem or "" for o in q.options] + [q.problem or ""]
    return [x for x in texts if x]


def lexicon(bank: Bank) -> Lexicon:
    """The coding lexicon of ``bank``'s themes (see the module docstring)."""
    found = themes(bank)
    stop = _stop()
    derived = {
        t.id: set().union(*(search_tokens(x, stop) for x in _section_texts(t))) for t in found
    }
    shared = Counter(w for words in derived.values() for w in words)
    authored = {t.id: frozenset(t.keywords) for t in found}
    return Lexicon(
        found,
        authored,
        {
            tid: frozenset(w for w in words if shared[w] < SHARED_THEMES)
            for tid, words in derived.items()
        },
    )


MASKED = re.compile(r"\[[^\[\]]{1,8}\]")  # [姓名], [手机号]: what masking left


def themes_of(text: str, heading_theme: str, lex: Lexicon) -> list[str]:
    """The themes a paragraph is coded to: its heading's, and those whose lexicon it hits."""
    text = MASKED.sub("", text)
    out = [heading_theme] if heading_theme else []
    for t in lex.themes:
        if t.id in out:
            continue
        if any(w in text for w in lex.authored[t.id]) or (
            sum(w in text for w in lex.derived[t.id]) >= DERIVED_HITS
        ):
            out.append(t.id)
    return out


def code_notes(notes: pd.DataFrame, lex: Lexicon) -> pd.DataFrame:
    """One row per paragraph and theme it is coded to: session, seq, theme, text."""
    rows = [
        (r.session, r.seq, tid, r.text)
        for r in notes.itertuples(index=False)
        for tid in themes_of(r.text, r.theme, lex)
    ]
    return pd.DataFrame(rows, columns=["session", "seq", "theme", "text"])


def quotable(sessions: pd.DataFrame, k: int) -> set[int]:
    """Sessions whose words may be quoted: at least ``k`` participants, and a unit type with
    at least ``k`` participants over all sessions."""
    by_type = sessions.groupby("unit_type")["participants"].sum()
    ok = sessions[(sessions["participants"] >= k) & sessions["unit_type"].map(by_type).ge(k)]
    return set(ok["session"].astype(int))


def _short(text: str, limit: int = QUOTE_CHARS) -> str:
    """A quote cut at a sentence end within ``limit`` characters (or at the limit, with ……)."""
    if len(text) <= limit:
        return text
    ends = [m.end() for m in re.finditer(r"[。！？；]", text[:limit])]
    return text[: ends[-1]] if ends and ends[-1] >= limit // 3 else text[: limit - 2] + "……"


@dataclass
class NotesSummary:
    """The sessions of a bank, their coded paragraphs and what the report shows of them."""

    sessions: pd.DataFrame
    coded: pd.DataFrame
    lexicon: Lexicon
    k: int
    quotable: set[int] = field(default_factory=set)

    @property
    def participants(self) -> int:
        """Everyone who took part, over all sessions."""
        return int(self.sessions["participants"].sum())

    def theme_table(self) -> pd.DataFrame:
        """Per theme, ranked by sessions raising it: theme, name, sessions, participants,
        quote (masked, from a quotable session; '' when none), quote_unit (its unit type)."""
        size = self.sessions.set_index("session")["participants"]
        unit = self.sessions.set_index("session")["unit_type"]
        rows = []
        for order, t in enumerate(self.lexicon.themes):
            part = self.coded[self.coded["theme"] == t.id]
            ids = sorted(set(part["session"].astype(int)))
            quote, where = self._quote(t, part)
            rows.append(
                {
                    "theme": t.id,
                    "name": t.name,
                    "sessions": len(ids),
                    "participants": int(size.reindex(ids).sum()) if ids else 0,
                    "quote": quote,
                    "quote_unit": unit.get(where, "") if where is not None else "",
                    "order": order,
                }
            )
        table = pd.DataFrame(rows)
        table = table.sort_values(
            ["sessions", "participants", "order"], ascending=[False, False, True]
        )
        return table.drop(columns="order").reset_index(drop=True)

    def _quote(self, t: Theme, part: pd.DataFrame) -> tuple[str, int | None]:
        ok = part[part["session"].astype(int).isin(self.quotable)]
        if ok.empty:
            return "", None
        words = list(self.lexicon.authored[t.id] | self.lexicon.derived[t.id])
        texts = [x for x in ok["text"] if len(x) >= 8 and not MASKED.search(x)]
        picked = representative(texts, words, k=1)
        if not picked:
            return "", None
        session = next(
            int(s)
            for s, x in zip(ok["session"], ok["text"], strict=True)
            if x.startswith(picked[0][:20])
        )
        return _short(picked[0]), session

    def by_unit(self) -> pd.DataFrame:
        """Sessions and participants per unit type and kind: unit_type, kind, sessions,
        participants."""
        g = self.sessions.groupby(["unit_type", "kind"], sort=False)
        return g.agg(
            sessions=("session", "count"), participants=("participants", "sum")
        ).reset_index()


def summarise_notes(
    sessions: pd.DataFrame, notes: pd.DataFrame, bank: Bank, k: int = 5
) -> NotesSummary:
    """Code the notes of ``bank``'s sessions (frames as ``store.methods.read_sessions``
    returns them) and decide which sessions may be quoted."""
    lex = lexicon(bank)
    return NotesSummary(sessions, code_notes(notes, lex), lex, k, quotable(sessions, k))


# --- triangulation ---------------------------------------------------------------------------


def problem_theme(key: str, bank: Bank) -> str | None:
    """The theme (section id) of a problem key: ``item:C5_1``, ``option:C6:1``,
    ``question:E3``, ``group:<construct>:…``; None for others (visits, hand-made rows)."""
    kind, _, rest = key.partition(":")
    try:
        if kind == "item":
            return bank.section_of(bank.field(rest).question).id
        if kind in ("option", "question"):
            return bank.section_of(rest.split(":")[0]).id
        if kind == "group":
            construct = rest.split(":")[0]
            q = next(q for q in bank.questions if q.construct == construct)
            return bank.section_of(q.id).id
    except (KeyError, StopIteration):
        return None
    return None


def _phrases(bank: Bank) -> list[str]:
    out = [q.problem for q in bank.questions if q.problem]
    out += [i.problem for q in bank.questions for i in q.items if i.problem]
    out += [o.problem for q in bank.questions for o in q.options if o.problem]
    return out


@dataclass(frozen=True)
class PhraseWords:
    """Picks the words of a problem phrase that identify it (not common to many phrases)."""

    common: frozenset[str]
    stop: frozenset[str]

    @classmethod
    def of(cls, bank: Bank) -> PhraseWords:
        """Common words of ``bank``'s problem phrases (see :data:`COMMON_PHRASES`)."""
        stop = frozenset(_stop())
        phrases = _phrases(bank)
        df = Counter(w for p in phrases for w in search_tokens(p, set(stop)))
        limit = max(4, COMMON_PHRASES * len(phrases))
        return cls(frozenset(w for w, n in df.items() if n >= limit), stop)

    def words(self, phrase: str) -> set[str]:
        """The identifying words of ``phrase`` (the part before “：” of a title)."""
        head = re.split(r"[：:（(]", phrase, maxsplit=1)[0]
        return search_tokens(head, set(self.stop)) - self.common


def raised_in(
    key: str, phrase: str, coded: pd.DataFrame, bank: Bank, words: PhraseWords
) -> set[int]:
    """The sessions in which a problem was raised (see the module docstring)."""
    wanted = words.words(phrase)
    if not wanted:
        return set()
    theme = problem_theme(key, bank)
    part = coded if theme is None else coded[coded["theme"] == theme]
    return {
        int(s)
        for s, text in zip(part["session"], part["text"], strict=True)
        if any(w in text for w in wanted)
    }


def seen_in(key: str, phrase: str, seen: pd.DataFrame, bank: Bank, words: PhraseWords) -> set[int]:
    """The visits whose recorded problems (frame with visit, theme, text) match a problem:
    same theme when both have one, and an identifying word of its phrase."""
    wanted = words.words(phrase)
    theme = problem_theme(key, bank)
    return {
        int(v)
        for v, t, text in zip(seen["visit"], seen["theme"], seen["text"], strict=True)
        if wanted and (not theme or not t or t == theme) and any(w in text for w in wanted)
    }


__all__ = [
    "Lexicon",
    "NotesSummary",
    "PhraseWords",
    "code_notes",
    "lexicon",
    "problem_theme",
    "quotable",
    "raised_in",
    "seen_in",
    "summarise_notes",
    "themes_of",
]
