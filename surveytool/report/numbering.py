"""Numbered tables and figures of one report; figures are saved as PNG under charts/."""

from __future__ import annotations

from pathlib import Path

from surveytool.charts.jobs import Chart, Painter


class Numbering:
    """Hands out 表 N / 图 N in document order and has each figure drawn by ``painter``
    (in this process unless one with workers is given)."""

    def __init__(
        self,
        out_dir: Path,
        write_charts: bool = True,
        prefix: str = "",
        painter: Painter | None = None,
    ):
        self.out_dir = out_dir
        self.write_charts = write_charts
        self.prefix = prefix  # "附" for the appendix: 附表 N, 附图 N
        self.painter = painter or Painter()
        self.tables = 0
        self.figures = 0
        self.paths: list[Path] = []

    def table(self, title: str, header: list[str], rows: list[list[str]], note: str) -> dict:
        """A numbered table dict: caption 表 N title, header, rows, note."""
        self.tables += 1
        return {
            "caption": f"{self.prefix}表 {self.tables}　{title}",
            "header": header,
            "rows": rows,
            "note": note,
        }

    def figure(self, chart: Chart, title: str) -> dict:
        """Have ``chart`` drawn as charts/fig-NN.png (not drawn at all without
        ``write_charts``); returns the numbered figure dict."""
        self.figures += 1
        rel = f"charts/{'app-' if self.prefix else ''}fig-{self.figures:02d}.png"
        path = self.out_dir / rel
        if self.write_charts:
            self.painter.draw(chart, path)
        self.paths.append(path)
        return {
            "caption": f"{self.prefix}图 {self.figures}　{title}",
            "path": rel,
            "file": str(path),
        }
