"""Rendering the context: HTML (self-contained), Markdown (links the chart files), Word.

Templates are jinja2 (``report.html.j2``, ``report.md.j2``); a user's template folder is
searched first, so copying one of ours there and editing it changes the report. Every
template runs in jinja2's immutable sandbox: bureaus share template folders, and a template
may reach neither Python's internals (``cycler.__init__.__globals__.os`` …) nor, through
``data_uri``, any file but a chart of this report. HTML is
autoescaped, and the Markdown template passes every value from the data through the ``md``
filter, so respondent text is never markup; nothing from the data is ever evaluated as a
template. Every file is written to a temporary file and
renamed into place, so an earlier report stays whole if writing is interrupted.
"""

from __future__ import annotations

import base64
import re
from functools import partial
from pathlib import Path

import jinja2
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError

from surveytool.atomic import write_atomic
from surveytool.errors import UsageError, problem
from surveytool.report.sentences import cn

FORMATS = ("html", "md", "docx")


def data_uri(path: str, root: Path | None = None) -> str:
    """A PNG file as a data: URI (so the HTML is one self-contained file). With ``root``,
    only a .png file inside that folder is read (SecurityError otherwise)."""
    file = Path(path)
    if root is not None and (
        file.suffix.lower() != ".png" or not file.resolve().is_relative_to(root.resolve())
    ):
        raise SecurityError(f"data_uri: {path}")
    data = file.read_bytes()
    return "data:image/png;base64," + base64.b64encode(data).decode("ascii")


_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>|#])")


def md_escape(value: object) -> object:
    """Escape Markdown/HTML specials in text that comes from data."""
    if isinstance(value, str):
        return _MD_SPECIAL.sub(
            lambda m: {"<": "&lt;", ">": "&gt;"}.get(m.group(1), "\\" + m.group(1)), value
        )
    return value


def environment(
    user_templates: str | Path | None, charts: Path | None = None
) -> jinja2.Environment:
    """The sandboxed jinja2 environment: user's folder first, then ours; ``data_uri`` reads
    only PNG files inside ``charts`` (when given)."""
    loaders: list[jinja2.BaseLoader] = []
    if user_templates:
        folder = Path(user_templates)
        if not folder.is_dir():
            raise UsageError(problem("file_not_found", path=str(folder)))
        loaders.append(jinja2.FileSystemLoader(str(folder)))
    loaders.append(jinja2.PackageLoader("surveytool.report", "templates"))
    env = ImmutableSandboxedEnvironment(
        loader=jinja2.ChoiceLoader(loaders),
        autoescape=jinja2.select_autoescape(["html", "html.j2"], default_for_string=False),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["cn"] = cn
    env.filters["data_uri"] = partial(data_uri, root=charts) if charts else data_uri
    env.filters["md"] = md_escape
    return env


def render_text(ctx: dict, kind: str, out: Path, templates: str | Path | None) -> Path:
    """report.html or report.md from its template. Raises UsageError (ours) for a template
    that is unsafe, malformed or names data the report does not have."""
    env = environment(templates, out.parent)
    name = f"report.{kind}.j2"
    try:
        text = env.get_template(name).render(**ctx)
    except SecurityError as exc:
        where = _template_line(exc, name)
        raise UsageError(problem("template_unsafe", **where, detail=_unsafe(exc))) from None
    except jinja2.TemplateSyntaxError as exc:
        where = {"file": exc.filename or exc.name or name, "line": exc.lineno, "kind": "模板"}
        raise UsageError(problem("template_syntax", **where)) from None
    except jinja2.UndefinedError as exc:
        missing = str(exc).split("'")[-2] if str(exc).count("'") >= 2 else str(exc)
        where = _template_line(exc, name)
        raise UsageError(problem("template_undefined", **where, name=missing)) from None
    return write_atomic(out, lambda p: p.write_text(text, encoding="utf-8"))


def _template_line(exc: Exception, name: str) -> dict:
    """Where in a template an error was raised (jinja2 puts template lines in tracebacks)."""
    where: dict = {"file": name, "line": None, "kind": "模板"}
    tb = exc.__traceback__
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if filename.endswith(".j2"):
            where.update(file=filename, line=tb.tb_lineno)
        tb = tb.tb_next
    return where


def _unsafe(exc: SecurityError) -> str:
    """What a sandboxed template tried, in Chinese."""
    text = str(exc)
    if text.startswith("data_uri: "):
        return f"读取报告图表以外的文件“{text.removeprefix('data_uri: ')}”"
    return "访问程序内部的属性或方法"


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
