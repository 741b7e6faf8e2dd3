"""The seam between formats and layouts: any source becomes rows of cells with provenance.

A format reader (today: text in which a PDF extractor left tab-separated cells) turns a file
into :class:`Row` records; :mod:`graph.read.tables` turns rows into project records and never
sees the format.  A reader for another format (PDF, DOCX, XLSX) only has to produce rows.

>>> rows = rows_from_text('甲\\t乙\\n\\n丙', 'a.txt')
>>> [(r.line, r.cells) for r in rows]
[(1, ('甲', '乙')), (2, ('',)), (3, ('丙',))]
>>> rows[0].where
'a.txt:1'
>>> clean, said = at_the_edge([Row(('甲\x1b[31m', '乙\x85'), 'a.txt', 1)])
>>> clean[0].cells, [d.code for d in said]
(('甲[31m', '乙'), ['control-chars'])
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace

from graph.codes import Code
from graph.models import Diagnostic, place_of
from graph.read.limits import MAX_CELL_CHARS

__all__ = ["Row", "at_the_edge", "rows_from_text"]


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
        return place_of(self.file, self.line)

    @property
    def text(self) -> str:
        """The row's text without the cell breaks' surrounding space."""
        return self.raw.strip()


def rows_from_text(text: str, path: str) -> list[Row]:
    """One row per line; cells are the tab-separated parts (a PDF extractor's column breaks)."""
    return [Row(tuple(line.split("\t")), path, n, line) for n, line in enumerate(text.split("\n"), start=1)]


# C0 controls but tab and newline, DEL, and the C1 controls (U+0080–U+009F)
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


def at_the_edge(rows: Sequence[Row]) -> tuple[list[Row], list[Diagnostic]]:
    """Rows as the readers may take them, and what was changed, said with the place:

    - control characters (a bell, a terminal escape) taken out: no graph file can hold them and no
      terminal should receive them (``control-chars``, once, at the first place);
    - a cell over ``MAX_CELL_CHARS`` characters cut there (``cell-too-long``, each, naming the cell).
    """
    out, found, first = [], 0, None
    cut: list[Diagnostic] = []
    for r in rows:
        if _CONTROL.search(r.raw) or any(_CONTROL.search(c) for c in r.cells):
            found += sum(len(_CONTROL.findall(c)) for c in r.cells)
            first = first or r
            r = replace(r, cells=tuple(_CONTROL.sub("", c) for c in r.cells), raw=_CONTROL.sub("", r.raw))
        if any(len(c) > MAX_CELL_CHARS for c in r.cells):
            for col, c in enumerate(r.cells, start=1):
                if len(c) > MAX_CELL_CHARS:
                    message = (
                        f"column {col} has {len(c):,} characters; cut to the first {MAX_CELL_CHARS:,} (a spreadsheet "
                        "cell holds no more); check the document: no field of a table is this long"
                    )
                    cut.append(Diagnostic("warning", Code.CELL_TOO_LONG, message, r.file, r.line))
            cells = tuple(c[:MAX_CELL_CHARS] for c in r.cells)
            r = replace(r, cells=cells, raw="\t".join(cells))
        out.append(r)
    if first is None:
        return out, cut
    message = f"{found} control character(s) (U+0000–U+001F, U+007F–U+009F) taken out of the cells, the first here"
    return out, [Diagnostic("warning", Code.CONTROL_CHARS, message, first.file, first.line), *cut]
