"""Reading YAML with line numbers, so every bank problem can say where it is.

:func:`read_yaml` returns plain Python data in which every mapping is a :class:`LineMap`:
a dict that also knows the line of each key and of itself, and which keys were duplicated
(PyYAML silently keeps the last of two equal keys; we report it).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from surveytool.errors import BankError, Problem, problem


class LineMap(dict):
    """A dict from YAML that remembers 1-based line numbers.

    ``line`` is the line of the mapping itself; ``lines[key]`` the line of each key;
    ``duplicates`` lists ``(key, line, first_line)`` for repeated keys.
    """

    def __init__(self, line: int):
        super().__init__()
        self.line = line
        self.lines: dict[Any, int] = {}
        self.duplicates: list[tuple[Any, int, int]] = []

    def line_of(self, key: Any) -> int:
        """Line of ``key`` if present, else the mapping's own line."""
        return self.lines.get(key, self.line)


class LineList(list):
    """A list from YAML that remembers the line of each element."""

    def __init__(self, line: int):
        super().__init__()
        self.line = line
        self.lines: list[int] = []


class _Loader(yaml.SafeLoader):
    """SafeLoader that builds LineMap / LineList."""


def _mapping(loader: _Loader, node: yaml.MappingNode) -> LineMap:
    loader.flatten_mapping(node)
    out = LineMap(node.start_mark.line + 1)
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        line = key_node.start_mark.line + 1
        if key in out.lines:
            out.duplicates.append((key, line, out.lines[key]))
        out[key] = loader.construct_object(value_node, deep=True)
        out.lines[key] = line
    return out


def _sequence(loader: _Loader, node: yaml.SequenceNode) -> LineList:
    out = LineList(node.start_mark.line + 1)
    for child in node.value:
        out.append(loader.construct_object(child, deep=True))
        out.lines.append(child.start_mark.line + 1)
    return out


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping)
_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _sequence)


def read_yaml(path: Path, shown: str) -> Any:
    """Parse ``path``; returns LineMap/LineList data. Raises BankError naming ``shown`` file."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise BankError(problem("file_not_found", path=shown)) from None
    except UnicodeDecodeError:
        raise BankError(problem("yaml_encoding", file=shown)) from None
    try:
        return yaml.load(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        detail = _yaml_detail(exc)
        raise BankError(problem("yaml_syntax", file=shown, line=line, detail=detail)) from None
    except yaml.YAMLError as exc:
        raise BankError(problem("yaml_syntax", file=shown, detail=str(exc))) from None


_YAML_WORDS = {
    "mapping values are not allowed here": "这里不能出现冒号“:”（文字中含冒号时请给整段加引号）",
    "could not find expected ':'": "缺少冒号“:”",
    "found character '\\t' that cannot start any token": "不能用 Tab 缩进，请改用空格",
    "did not find expected key": "缩进不一致或缺少“键:”",
    "found undefined alias": "引用了未定义的锚点",
    "found unexpected end of stream": "文件意外结束（引号或括号未闭合）",
    "did not find expected node content": "缺少内容",
    "expected <block end>, but found": "缩进不一致",
    "found duplicate anchor": "锚点重复",
    "while scanning a quoted scalar": "引号未闭合",
}


def _yaml_detail(exc: yaml.MarkedYAMLError) -> str:
    raw = f"{exc.context or ''} {exc.problem or ''}".strip()
    for english, chinese in _YAML_WORDS.items():
        if english in raw:
            return chinese
    return raw


def duplicate_problems(data: Any, shown: str) -> list[Problem]:
    """Problems for every repeated key anywhere in the YAML tree."""
    out: list[Problem] = []
    if isinstance(data, LineMap):
        for key, line, first in data.duplicates:
            out.append(problem("duplicate_key", file=shown, line=line, key=key, first_line=first))
        for value in data.values():
            out.extend(duplicate_problems(value, shown))
    elif isinstance(data, list):
        for value in data:
            out.extend(duplicate_problems(value, shown))
    return out
