"""The seam between formats and layouts: any source becomes rows of cells with provenance.

A format reader (today: text in which a PDF extractor left tab-separated cells) turns a file
into :class:`Row` records; :mod:`graph.read.tables` turns rows into project records and never
sees the format.  A reader for another format (PDF, DOCX, XLSX) only has to produce rows.

>>> rows = rows_from_text('甲\\t乙\\n\\n丙', 'a.txt')
>>> [(r.line, r.cells) for r in rows]
[(1, ('甲', '乙')), (2, ('',)), (3, ('丙',))]
>>> rows[0].where
'a.txt:1'
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Row", "rows_from_text"]


@dataclass(frozen=True)
class Row:
    """One row of cells as the source had it, and where it was: file and line (or page, or
    sheet!cell for formats that have them)."""

    cells: tuple[str, ...]
    file: str
    line: int
    raw: str = ""  # the row as read, for provenance and for messages
    score: float | None = None  # read by OCR: the lowest confidence of its cells; None: read from text

    @property
    def where(self) -> str:
        return f"{self.file}:{self.line}"

    @property
    def text(self) -> str:
        """The row's text without the cell breaks' surrounding space."""
        return self.raw.strip()


def rows_from_text(text: str, path: str) -> list[Row]:
    """One row per line; cells are the tab-separated parts (a PDF extractor's column breaks)."""
    return [Row(tuple(line.split("\t")), path, n, line) for n, line in enumerate(text.split("\n"), start=1)]
