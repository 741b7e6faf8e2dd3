"""Text from extractors that place columns by spaces, not tabs (``pdftotext -layout``): cells are
found by their column positions, the lines of a wrapped cell are joined to the row they continue,
page footers are dropped.

A line that starts at the left margin opens a row (a field label, a heading, a contents entry);
an indented line continues the row above, each piece going to the cell whose column it stands
under.  Indicator rows are cut by the columns of their 绩效指标 header.

>>> text = '一级项目名称   甲项目     业务主管部门   某局\\n项目概述       概述第一行\\n               第二行\\n'
>>> looks_like_layout(text * 3)
True
"""

from __future__ import annotations

import re
from collections import Counter

from graph.codes import Code
from graph.models import Diagnostic
from graph.read.clean import join_wrapped, normalise_operator, parse_number
from graph.read.rows import Row

__all__ = ["fragments", "layout_rows", "looks_like_layout"]

_GAP = re.compile(r"\S+(?: \S+)*")  # a run of text; two or more spaces end it
MIN_SPACED_LINES = 5  # lines with wide gaps needed before a tab-less text is read by columns
MARGIN = 2  # a line starting within this many columns of the left edge opens a row


def fragments(line: str) -> list[tuple[int, str]]:
    """(column, text) of each run of text separated by two or more spaces.

    >>> fragments('项目概述       概述 一  二')
    [(0, '项目概述'), (11, '概述 一'), (17, '二')]
    """
    return [(m.start(), m.group(0)) for m in _GAP.finditer(line.replace("\\t", " "))]


def looks_like_layout(text: str) -> bool:
    """No tab at all, and lines whose columns are set apart by runs of spaces."""
    if "\t" in text:
        return False
    return sum(1 for ln in text.split("\n") if len(fragments(ln)) >= 2) >= MIN_SPACED_LINES


def _footers(pages: list[list[str]]) -> set[str]:
    last = Counter(next((ln.strip() for ln in reversed(p) if ln.strip()), "") for p in pages)
    every = Counter(ln.strip() for p in pages for ln in p if ln.strip())
    # a line that ends most pages, or stands alone many times inside them (a footer mid-table)
    return {t for t, n in last.items() if t and n >= max(2, len(pages) // 2) and every[t] >= n}


def _column(starts: list[int], col: int, after: int) -> int:
    """The header column nearest ``col`` that comes after column ``after``."""
    choices = [(abs(s - col), i) for i, s in enumerate(starts) if i > after]
    return min(choices)[1] if choices else len(starts) - 1


def _indicator_cells(frags: list[tuple[int, str]], header: list[int]) -> tuple[list[int], list[str]]:
    """The row's cells under the header's columns, and where each cell starts on the page.

    一级, 二级 and 三级指标 are never empty: the first three pieces are they.  The rest is read
    from the right, by what each piece is (是/否, a weight, the target, an operator), because
    column positions drift from page to page; by position only when that reading fails.
    """
    frags = _split_at_columns(frags, header)
    width = max(len(header), 4)  # a header cut short still has a label and three level columns
    grid = [*header, *[header[-1]] * (width - len(header))]
    cells, starts = [""] * width, list(grid)
    for k, (col, text) in enumerate(frags[:3]):
        cells[k + 1], starts[k + 1] = text, col
    tail = frags[3:]
    by_content = _tail_by_content([t for _, t in tail])
    if by_content is not None and len(header) >= 9:
        for k, text in zip((4, 5, 6, 7, 8), by_content, strict=True):
            cells[k] = text
        return starts, cells
    last = 3
    for col, text in tail:
        last = _column(grid, col, last)
        cells[last], starts[last] = text, col
    return starts, cells


def _split_at_columns(frags: list[tuple[int, str]], header: list[int]) -> list[tuple[int, str]]:
    """Pieces that ran into the next column with one space between (``示范工 个``): cut where a word
    starts at a header column.

    >>> _split_at_columns([(11, '效益指标'), (26, '示范工 个')], [0, 11, 26, 30])
    [(11, '效益指标'), (26, '示范工'), (30, '个')]
    """
    out = []
    for col, text in frags:
        start = 0
        for m in re.finditer(r"(?<=\S) (?=\S)", text):
            at = col + len(text[: m.end()])
            if any(abs(at - h) <= 1 for h in header if h > col + len(text[:start])):
                out.append((col + len(text[:start]), text[start : m.start()]))
                start = m.end()
        out.append((col + len(text[:start]), text[start:]))
    return out


def _tail_by_content(tail: list[str]) -> tuple[str, str, str, str, str] | None:
    """(unit, operator, target, weight, core) from the pieces after the name, or None."""
    rest = list(tail)
    core = rest.pop() if rest and rest[-1] in ("是", "否") else ""
    weight = rest.pop() if rest and parse_number(rest[-1]) is not None else ""
    if not rest:
        return None
    op_at = next((k for k in range(len(rest) - 1, -1, -1) if normalise_operator(rest[k]) is not None), None)
    if op_at is None or op_at < len(rest) - 2:
        return None
    target = rest[op_at + 1] if op_at + 1 < len(rest) else ""
    return " ".join(rest[:op_at]), rest[op_at], target, weight, core


_Open = tuple[int, list[int], list[str]]  # a row being read: its line, where its cells start, its cells


def layout_rows(text: str, path: str) -> tuple[list[Row], list[Diagnostic]]:
    """Rows of cells, with the line each row starts on; and a warning for each indicator row whose
    whole 一级 or 二级指标 had a wrapped piece joined to it (the piece may belong to the name beside it)."""
    pages = [p.split("\n") for p in text.split("\f")]
    footers = _footers(pages)
    rows: list[_Open] = []
    pending: list[list[tuple[int, str]]] = []  # indented lines not yet given to a row
    header: list[int] | None = None
    levels: dict[int, tuple[str, str]] = {}  # an indicator row's 一级 and 二级指标 as its own line had them
    line_no = 0
    for page in pages:
        for raw in page:
            line_no += 1
            frags = fragments(raw)
            if not frags or raw.strip() in footers:
                continue
            first_col, first = frags[0]
            if first.replace(" ", "") == "绩效指标" or first_col <= MARGIN:
                _settle(rows, pending, None)
                if first.replace(" ", "") == "绩效指标":
                    header = [c for c, _ in frags]
                elif "绩效目标表" in first or "编制单位" in first:
                    header = None
                rows.append((line_no, [c for c, _ in frags], [t for _, t in frags]))
            elif header and first.endswith("指标") and abs(first_col - header[min(1, len(header) - 1)]) <= MARGIN + 2:
                starts, cells = _indicator_cells(frags, header)
                levels[line_no] = (cells[1], cells[2])
                new: _Open = (line_no, starts, cells)
                _settle(rows, pending, new)
                rows.append(new)
            else:
                pending.append(frags)
    _settle(rows, pending, None)
    diags = []
    for n, _, cells in rows:
        for k, before in enumerate(levels.get(n, ()), start=1):
            if before.endswith("指标") and cells[k] != before:
                message = (
                    f"a wrapped piece {cells[k][len(before) :].strip()!r} was joined to {before!r} (columns by "
                    "position); it may belong to the indicator name beside it: check this row, or read the PDF itself"
                )
                diags.append(Diagnostic("warning", Code.LAYOUT_WRAP, message, path, n))
    return [Row(tuple(join_wrapped(c) for c in cells), path, n, "\t".join(cells)) for n, _, cells in rows], diags


def _settle(rows: list[_Open], pending: list[list[tuple[int, str]]], new: _Open | None) -> None:
    """Give the indented lines read since the last row to that row, or, when they fill only cells
    the new row leaves empty (a cell centred in a row that wraps), to the new row."""
    for frags in pending:
        target = rows[-1] if rows else None
        if new is not None and all(not new[2][_cell_under(new[1], col)] for col, _ in frags):
            target = new
        if target is not None:
            _continue(target, frags)
    pending.clear()


def _cell_under(starts: list[int], col: int) -> int:
    """The cell a piece of text at ``col`` belongs to: the one starting nearest to it (a wrapped
    line starts where its cell does, give or take the drift of the extractor)."""
    return min(range(len(starts)), key=lambda i: (abs(starts[i] - col), -i))


def _continue(row: _Open, frags: list[tuple[int, str]]) -> None:
    """Append each piece of a wrapped line to the cell it stands under (a newline, joined later)."""
    _, starts, cells = row
    for col, text in frags:
        i = _cell_under(starts, col)
        cells[i] = f"{cells[i]}\n{text}" if cells[i] else text
