"""``--help`` speaks Chinese (issue 22, item 16): no argparse English left in any command's
help, and the user guides the README points at are Chinese."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import pytest

from surveytool.cli import build_parser, main

ENGLISH = ("usage:", "positional arguments", "options:", "optional arguments", "show this help")
ROOT = Path(__file__).resolve().parents[1]


def _parsers(parser: argparse.ArgumentParser, path: tuple[str, ...] = ()):
    yield path, parser
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                if sub is not parser:
                    yield from _parsers(sub, (*path, name))


def test_every_command_help_is_chinese() -> None:
    seen = set()
    for path, parser in _parsers(build_parser()):
        if id(parser) in seen:  # an alias (analyse) shares its parser
            continue
        seen.add(id(parser))
        text = parser.format_help()
        assert text.startswith("用法："), (path, text[:80])
        for word in ENGLISH:
            assert word not in text.lower(), (path, word)
        assert "显示本帮助并退出" in text
    assert len(seen) > 20


def test_help_on_the_command_line(capsys) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["--help"])
    assert exit_.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("用法：surveytool") and "显示版本号并退出" in out
    assert "位置参数" in out and "选项" in out


GUIDES = ("题库格式.md", "调研计划.md", "其他调研方法.md", "调研工作台.md")


@pytest.mark.parametrize("name", GUIDES)
def test_the_user_guides_are_chinese_and_the_readme_points_at_them(name: str) -> None:
    guide = ROOT / "docs" / name
    text = guide.read_text("utf-8")
    prose = re.sub(r"```.*?```|`[^`]*`", "", text, flags=re.S)  # commands and code aside
    cjk = len(re.findall(r"[\u4e00-\u9fff]", prose))
    latin = len(re.findall(r"[A-Za-z]", prose))
    assert cjk > 800 and cjk > 3 * latin, (name, cjk, latin)
    assert f"docs/{name}" in (ROOT / "README.md").read_text("utf-8")
