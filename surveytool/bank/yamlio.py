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


class AnchorError(yaml.YAMLError):
    """Raised while composing when the text uses an anchor (``&a``) or an alias (``*a``)."""

    def __init__(self, mark: str, line: int):
        super().__init__(mark)
        self.mark = mark
        self.line = line


class NoAnchorLoader(yaml.SafeLoader):
    """SafeLoader that refuses anchors and aliases: nothing we read needs them, and nested
    aliases expand exponentially (a "billion laughs" of a few lines runs for minutes)."""

    def compose_node(self, parent: yaml.Node | None, index: object) -> yaml.Node | None:
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) is not None:
            sign = "*" if isinstance(event, yaml.AliasEvent) else "&"
            raise AnchorError(f"{sign}{event.anchor}", event.start_mark.line + 1)
        return super().compose_node(parent, index)


class _Loader(NoAnchorLoader):
    """The anchor-refusing SafeLoader that builds LineMap / LineList."""


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
    except yaml.YAMLError as exc:
        raise BankError(yaml_problem(exc, shown, text=text)) from None
    except RecursionError:  # thousands of nested [ or {: the composer recurses per level
        raise BankError(problem("yaml_syntax", file=shown, detail=_TOO_DEEP)) from None


_TOO_DEEP = "列表或映射嵌套的层数过多"


def yaml_problem(exc: yaml.YAMLError, shown: str, text: str | None = None, **where: Any) -> Problem:
    """A PyYAML error as our located Chinese problem (no English text from PyYAML); ``text``
    (the file's text) locates a bad character by line."""
    if isinstance(exc, AnchorError):
        return problem("yaml_anchor", file=shown, line=exc.line, mark=exc.mark, **where)
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    line = mark.line + 1 if mark else None
    if isinstance(exc, yaml.constructor.ConstructorError) and exc.problem and "tag" in exc.problem:
        tag = exc.problem.split("'")[1] if "'" in exc.problem else "!"
        tag = tag.replace("tag:yaml.org,2002:", "!!")
        return problem("yaml_tag", file=shown, line=line, tag=tag, **where)
    if isinstance(exc, yaml.reader.ReaderError):
        line = text.count("\n", 0, exc.position) + 1 if text is not None else None
        char = exc.character if isinstance(exc.character, int) else ord(exc.character)
        detail = f"有不允许出现的控制字符（U+{char:04X}）"
        return problem("yaml_syntax", file=shown, line=line, detail=detail, **where)
    detail = _yaml_detail(exc) if isinstance(exc, yaml.MarkedYAMLError) else _UNKNOWN
    return problem("yaml_syntax", file=shown, line=line, detail=detail, **where)


_YAML_WORDS = [
    ("mapping values are not allowed here", "这里不能出现冒号“:”（文字中含冒号时请给整段加引号）"),
    ("could not find expected ':'", "缺少冒号“:”"),
    ("while scanning a simple key", "缺少冒号“:”"),
    ("found character '\\t' that cannot start any token", "不能用 Tab 缩进，请改用空格"),
    ("that cannot start any token", "这里有不能作为开头的字符（以 @、`、% 开头的文字请加引号）"),
    ("did not find expected key", "缩进不一致或缺少“键:”"),
    ("found unexpected end of stream", "文件意外结束（引号或括号未闭合）"),
    ("did not find expected node content", "缺少内容"),
    ("expected the node content", "缺少内容"),
    ("expected <block end>, but found", "缩进不一致"),
    ("expected <document start>", "缩进不一致，或在最外层之外多出了内容"),
    ("while scanning a quoted scalar", "引号未闭合"),
    ("found unknown escape character", "双引号中有无法识别的反斜杠“\\”（这样的文字请改用单引号）"),
    ("expected ',' or ']'", "方括号 [ ] 中的写法有误或括号未闭合"),
    ("while parsing a flow sequence", "方括号 [ ] 中的写法有误或括号未闭合"),
    ("expected ',' or '}'", "花括号 { } 中的写法有误或括号未闭合"),
    ("while parsing a flow mapping", "花括号 { } 中的写法有误或括号未闭合"),
    ("sequence entries are not allowed here", "这里不能以“- ”开头（列表项的缩进不对）"),
    ("found unhashable key", "键（冒号前的部分）不能是列表或映射"),
    ("document", "一个文件只能有一个 YAML 文档（请删除“---”或“...”分隔行）"),
    ("tag", "标签写法有误（本工具不使用 ! 开头的标签，请删除）"),
    ("alias", "以“*”或“&”开头的文字请加引号"),
    ("anchor", "以“*”或“&”开头的文字请加引号"),
    ("while scanning a block scalar", "多行文字（| 或 >）的写法有误"),
    ("directive", "不支持以“%”开头的指令行，请删除"),
    ("while scanning a plain scalar", "文字中有不能直接出现的字符组合，请给整段文字加引号"),
]
_UNKNOWN = "写法不符合 YAML 格式"


def _yaml_detail(exc: yaml.MarkedYAMLError) -> str:
    raw = f"{exc.context or ''} {exc.problem or ''}".strip()
    for english, chinese in _YAML_WORDS:
        if english in raw:
            return chinese
    return _UNKNOWN


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
