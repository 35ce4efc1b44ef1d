"""The installed package has every subpackage (a non-editable install ships only the listed
packages: a new folder missing from pyproject breaks `pip install .` but not the dev venv)."""

from __future__ import annotations

import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_every_subpackage_is_listed_in_pyproject() -> None:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    listed = set(config["tool"]["setuptools"]["packages"])
    found = {
        ".".join(p.parent.relative_to(ROOT).parts)
        for p in (ROOT / "surveytool").rglob("__init__.py")
    }
    assert found, "no packages found"
    assert sorted(found - listed) == []


def test_the_library_names_in_the_package_docstring_resolve() -> None:
    import surveytool

    for name in surveytool.__all__:
        assert getattr(surveytool, name) is not None, name
    assert callable(surveytool.analyse) and callable(surveytool.make_report)
    from surveytool.ingest import ingest  # the function, beside its package

    assert callable(ingest)
