"""Rendering the context: HTML (self-contained), Markdown (links the chart files), Word.

Templates are jinja2 (``report.html.j2``, ``report.md.j2``); a user's template folder is
searched first, so copying one of ours there and editing it changes the report. HTML is
autoescaped, and the Markdown template passes every value from the data through the ``md``
filter, so respondent text is never markup; nothing from the data is ever evaluated as a
template. Every file is written to a temporary file and
renamed into place, so an earlier report stays whole if writing is interrupted.
"""

from __future__ import annotations

import base64
import re
from pathlib import Path

import jinja2

from surveytool.atomic import write_atomic
from surveytool.errors import UsageError, problem
from surveytool.report.sentences import cn

FORMATS = ("html", "md", "docx")


def data_uri(path: str) -> str:
    """A PNG file as a data: URI (so the HTML is one self-contained file)."""
    data = Path(path).read_bytes()
    return "data:image/png;base64," + base64.b64encode(data).decode("ascii")


_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|#])")


def md_escape(value: object) -> object:
    """Escape Markdown/HTML specials in text that comes from data."""
    if isinstance(value, str):
        return _MD_SPECIAL.sub(
            lambda m: {"<": "&lt;", ">": "&gt;"}.get(m.group(1), "\\" + m.group(1)), value
        )
    return value


def environment(user_templates: str | Path | None) -> jinja2.Environment:
    """The jinja2 environment: user's folder first, then ours."""
    loaders: list[jinja2.BaseLoader] = []
    if user_templates:
        folder = Path(user_templates)
        if not folder.is_dir():
            raise UsageError(problem("file_not_found", path=str(folder)))
        loaders.append(jinja2.FileSystemLoader(str(folder)))
    loaders.append(jinja2.PackageLoader("surveytool.report", "templates"))
    env = jinja2.Environment(
        loader=jinja2.ChoiceLoader(loaders),
        autoescape=jinja2.select_autoescape(["html", "html.j2"], default_for_string=False),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["cn"] = cn
    env.filters["data_uri"] = data_uri
    env.filters["md"] = md_escape
    return env


def render_text(ctx: dict, kind: str, out: Path, templates: str | Path | None) -> Path:
    """report.html or report.md from its template."""
    env = environment(templates)
    text = env.get_template(f"report.{kind}.j2").render(**ctx)
    return write_atomic(out, lambda p: p.write_text(text, encoding="utf-8"))


def render(
    ctx: dict,
    out_dir: Path,
    formats: tuple[str, ...] = FORMATS,
    templates: str | Path | None = None,
) -> dict[str, Path]:
    """Write the requested formats into ``out_dir``; returns format -> path."""
    from surveytool.report.docx import write_docx

    written: dict[str, Path] = {}
    for kind in formats:
        if kind not in FORMATS:
            raise UsageError(problem("bad_format", value=kind))
        target = out_dir / f"report.{kind}"
        if kind == "docx":
            written[kind] = write_atomic(target, lambda p: write_docx(ctx, p, out_dir))
        else:
            written[kind] = render_text(ctx, kind, target, templates)
    return written
