"""Finding and loading question banks: built-in ids, a user's file, or a user's folder.

:func:`load_bank` returns a validated :class:`~surveytool.bank.model.Bank` or raises
:class:`~surveytool.errors.BankError` listing every problem, located by file and line.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from surveytool.bank.build import Collector, build_scale, build_section, got, suggest
from surveytool.bank.checks import BankChecker, Located
from surveytool.bank.model import Bank, Option
from surveytool.bank.yamlio import LineList, LineMap, duplicate_problems, read_yaml
from surveytool.errors import BankError, problem

BANK_ID = re.compile(r"^[a-z0-9_]+$")
TOP_KEYS = {"id", "version", "title", "topic", "description", "scales", "include", "sections"}
BLOCK_KEYS = {"title", "scales", "sections", "position"}
YAML_SUFFIXES = (".yaml", ".yml")


def builtin_dir() -> Path:
    """The folder of the built-in banks (inside the installed package, or the source tree)."""
    here = Path(__file__).resolve().parent.parent
    installed = here / "questionnaires"
    return installed if installed.is_dir() else here.parent / "questionnaires"


def builtin_ids() -> list[str]:
    """Ids of the built-in banks, sorted."""
    return sorted(p.stem for p in builtin_dir().glob("*.yaml"))


def bank_paths(folder: Path) -> list[Path]:
    """The bank files directly in ``folder`` (blocks/ is not a bank)."""
    return sorted(p for p in folder.iterdir() if p.suffix in YAML_SUFFIXES and p.is_file())


def resolve_bank(name: str | Path) -> Path:
    """A built-in id or a path -> the bank file's path. Raises BankError if not found."""
    text = str(name)
    path = Path(text)
    if path.suffix in YAML_SUFFIXES or path.exists() or "/" in text or "\\" in text:
        if not path.is_file():
            raise BankError(problem("file_not_found", path=text))
        return path
    candidate = builtin_dir() / f"{text}.yaml"
    if candidate.is_file():
        return candidate
    ids = builtin_ids()
    hint = suggest(text, ids) or f"内置题库有：{'、'.join(ids)}。"
    raise BankError(
        problem("bank_not_found", name=text, hint=hint + "也可以直接给出题库文件的路径。")
    )


def load_bank(name: str | Path) -> Bank:
    """Load and validate a bank by built-in id or path; returns the Bank or raises BankError."""
    path = resolve_bank(name)
    shown = path.name
    raw = read_yaml(path, shown)
    c = Collector(shown)
    c.problems.extend(duplicate_problems(raw, shown))
    top = c.mapping(raw, 1, "题库文件")
    if top is None:
        raise BankError(c.problems)
    c.unknown_keys(top, TOP_KEYS)
    header = _header(c, top)
    located, last, scales, owners, collectors = _includes(c, top, path)
    scales.update(_scales(c, top, scales, owners))
    located.extend(_sections(c, top, scales, required=True))
    located.extend(last)
    sections = BankChecker(scales).run(located)
    problems = [p for col in [*collectors, c] for p in col.problems]
    if problems:
        raise BankError(problems)
    return Bank(sections=tuple(sections), scales=scales, path=path, **header)


def _header(c: Collector, top: LineMap) -> dict[str, Any]:
    bank_id = c.text(top, "id", None, required=True) or ""
    if bank_id and not BANK_ID.match(bank_id):
        c.err("bad_bank_id", top.line_of("id"), value=bank_id)
    version = top.get("version")
    if version is None:
        c.err("missing_key", top.line, key="version", meaning="版本号")
    elif isinstance(version, bool) or not isinstance(version, int) or version < 1:
        c.err("bad_version", top.line_of("version"), value=version)
    topic = top.get("topic")
    if topic is not None and (isinstance(topic, bool) or topic not in range(1, 9)):
        c.err("bad_topic", top.line_of("topic"), value=topic)
    return {
        "id": bank_id,
        "version": version if isinstance(version, int) else 0,
        "title": c.text(top, "title", None, required=True) or "",
        "description": c.text(top, "description", None, required=True) or "",
        "topic": topic if isinstance(topic, int) else None,
    }


def _block_path(name: str, bank_path: Path) -> Path | None:
    for folder in (bank_path.parent / "blocks", builtin_dir() / "blocks"):
        candidate = folder / f"{name}.yaml"
        if candidate.is_file():
            return candidate
    return None


def _block_names(bank_path: Path) -> list[str]:
    names = {p.stem for p in (builtin_dir() / "blocks").glob("*.yaml")}
    local = bank_path.parent / "blocks"
    if local.is_dir():
        names.update(p.stem for p in local.glob("*.yaml"))
    return sorted(names)


def _includes(
    c: Collector, top: LineMap, bank_path: Path
) -> tuple[
    list[Located], list[Located], dict[str, tuple[Option, ...]], dict[str, str], list[Collector]
]:
    """Load the included blocks: their sections (located in their own files) to go before
    the bank's own and those of blocks marked ``position: end`` to go after them, their
    scales, which block defined each scale, and the blocks' problem collectors."""
    raw = top.get("include") or []
    if not isinstance(raw, list):
        raw = [raw]
    located: list[Located] = []
    last: list[Located] = []
    scales: dict[str, tuple[Option, ...]] = {}
    owners: dict[str, str] = {}
    collectors: list[Collector] = []
    lines = raw.lines if isinstance(raw, LineList) else [top.line_of("include")] * len(raw)
    for name, line in zip(raw, lines, strict=True):
        path = _block_path(str(name), bank_path)
        if path is None:
            hint = suggest(name, _block_names(bank_path))
            hint = hint or f"可用的公共模块：{'、'.join(_block_names(bank_path))}。"
            c.err("unknown_block", line, value=name, hint=hint)
            continue
        bc = Collector(f"blocks/{path.name}")
        collectors.append(bc)
        block = read_yaml(path, bc.shown)
        bc.problems.extend(duplicate_problems(block, bc.shown))
        bm = bc.mapping(block, 1, "公共模块文件")
        if bm is None:
            continue
        bc.unknown_keys(bm, BLOCK_KEYS)
        for sname, options in _scales(bc, bm, scales, owners).items():
            scales[sname] = options
            owners[sname] = str(name)
        position = bm.get("position", "start")
        if position not in ("start", "end"):
            bc.err("bad_block_position", bm.line_of("position"), value=position)
        target = last if position == "end" else located
        target.extend(_sections(bc, bm, scales, required=False))
    return located, last, scales, owners, collectors


def _scales(
    c: Collector, m: LineMap, known: dict[str, tuple[Option, ...]], owners: dict[str, str]
) -> dict[str, tuple[Option, ...]]:
    """Parse the ``scales`` of a bank or block; names already in ``known`` are rejected."""
    raw = m.get("scales")
    if raw is None:
        return {}
    sm = c.mapping(raw, m.line_of("scales"), "量表 scales")
    if sm is None:
        return {}
    out: dict[str, tuple[Option, ...]] = {}
    for name, value in sm.items():
        if name in known:
            c.err(
                "block_scale_redefined",
                sm.line_of(name),
                value=name,
                block=owners.get(str(name), "本文件"),
            )
            continue
        options = build_scale(c, name, value, sm.line_of(name))
        if options is not None:
            out[str(name)] = options
    return out


def _sections(
    c: Collector, m: LineMap, scales: dict[str, tuple[Option, ...]], *, required: bool
) -> list[Located]:
    raw = m.get("sections")
    if raw is None:
        if required:
            c.err("missing_key", m.line, key="sections", meaning="问卷的各个部分")
        return []
    if not isinstance(raw, LineList):
        c.err("not_list", m.line_of("sections"), what="sections", got=got(raw))
        return []
    out: list[Located] = []
    for item, line in zip(raw, raw.lines, strict=True):
        section = build_section(c, item, line, scales)
        if section is not None:
            out.append(Located(section, c))
    return out
