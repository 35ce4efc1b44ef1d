"""The package reads as the pipeline (issue 14): bank → forms → ingest → store → analysis →
charts → report; downstream stages never import ingest, and no two modules import each other
in a circle (counting every import, module-level or inside a function)."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parent.parent / "surveytool"


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path) -> set[str]:
    """Every surveytool module ``path`` imports, wherever the import statement is."""
    out = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            if node.module.startswith("surveytool"):
                out.add(node.module)
                out.update(f"{node.module}.{a.name}" for a in node.names)
        elif isinstance(node, ast.Import):
            out.update(a.name for a in node.names if a.name.startswith("surveytool"))
    return out


def graph() -> dict[str, set[str]]:
    modules = {module_name(p): p for p in PACKAGE.rglob("*.py")}
    return {m: {i for i in imports(p) if i in modules and i != m} for m, p in modules.items()}


def test_downstream_stages_never_import_ingest() -> None:
    for m, deps in graph().items():
        if m.split(".")[1:2] in (["analysis"], ["charts"], ["report"], ["store"]):
            assert not [d for d in deps if d.startswith("surveytool.ingest")], m


def test_ingest_never_imports_analysis() -> None:
    """Data flows one way: ingest masks personal data with surveytool.privacy, the base
    module every stage uses, never with analysis (issue 23, item 14)."""
    for m, deps in graph().items():
        if m.startswith("surveytool.ingest"):
            assert not [d for d in deps if d.startswith("surveytool.analysis")], m


def test_reading_a_notes_file_loads_no_statistics() -> None:
    """The reader worker and the notes ingest import no scipy (seconds of start-up)."""
    import subprocess
    import sys

    code = (
        "import sys, surveytool.ingest.notes, surveytool.ingest.delphi, "
        "surveytool.ingest.visits, surveytool.ingest.sandbox; "
        "print(sorted(m for m in ('scipy', 'surveytool.analysis') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stdout


def test_no_import_cycle() -> None:
    g = graph()
    # a package's __init__ re-exporting its own modules is not a cycle
    edges = {
        m: {d for d in deps if not (m.startswith(d + ".") or d.startswith(m + "."))}
        for m, deps in g.items()
    }
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(m: str) -> None:
        state[m] = 1
        stack.append(m)
        for d in sorted(edges.get(m, ())):
            if state.get(d) == 1:
                raise AssertionError(" → ".join([*stack[stack.index(d) :], d]))
            if d not in state:
                visit(d)
        stack.pop()
        state[m] = 2

    for m in sorted(edges):
        if m not in state:
            visit(m)


def test_the_store_is_a_package_of_its_own() -> None:
    for name in ("db", "answers", "export", "sav"):
        assert (PACKAGE / "store" / f"{name}.py").is_file()
        assert (
            not (PACKAGE / "ingest" / f"{name if name != 'db' else 'store'}.py").exists()
            or name == "sav"
        )
