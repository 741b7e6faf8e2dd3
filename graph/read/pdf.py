"""PDF pages as rows of cells: ruled tables by their lines (pdfplumber), the text between them
as one-cell rows, in reading order; page footers dropped, cells that wrap joined, a table row
that runs onto the next page joined to its first part.

Refused with a clear message: an encrypted PDF, and a scanned one (no text layer: run OCR first).
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import Any

from graph.errors import InputError, require
from graph.models import Diagnostic
from graph.read.clean import normalise_operator
from graph.read.rows import Row

__all__ = ["join_wrapped", "pdf_rows"]

FOOTER_BAND = 0.08  # the bottom share of a page where running footers and page numbers sit
FOOTER_SHARE = 0.5  # a line in that band on at least this share of the pages is a footer
_WORD = re.compile(r"[A-Za-z0-9]")
_TARGET_CELL = re.compile(r"^\s*(?:[≥≤＞＜><=＝]\s*\d|定性)")
_PAGE_NUMBER = re.compile(r"^[-—–\s]*(?:第\s*)?\d+\s*(?:页|/\s*\d+)?[-—–\s]*$")


def join_wrapped(text: str | None) -> str:
    """A cell's lines as the one line they were before wrapping: a space only between two
    Latin words (or numbers), none in Chinese text or inside markup.

    >>> join_wrapped('依据党章和监察法，\\n履行监督'), join_wrapped('street\\nlighting'), join_wrapped(None)
    ('依据党章和监察法，履行监督', 'street lighting', '')
    >>> join_wrapped('渝府发〔2018〕4\\n1号'), join_wrapped('Windows\\n10')
    ('渝府发〔2018〕41号', 'Windows 10')
    """
    if not text:
        return ""
    parts = [p.strip() for p in text.split("\n") if p.strip()]
    out = parts[0] if parts else ""
    for p in parts[1:]:
        # a space between words of Latin script; none inside a number wrapped between its digits
        glue = " " if _WORD.match(out[-1:]) and _WORD.match(p[:1]) and not (out[-1:] + p[:1]).isdigit() else ""
        out += glue + p
    return out


_Item = tuple[float, tuple[str, ...], int, int]  # top, cells, which table on the page (-1: none), row in it


def _page_items(page: Any, lines: list[dict[str, Any]]) -> list[_Item]:
    """(top, cells, table, row) of every table row and every text line (of ``lines``, the page's)
    outside the tables, top to bottom."""
    items: list[_Item] = []
    boxes = []
    for k, table in enumerate(page.find_tables()):
        boxes.append(table.bbox)
        for i, (row, cells) in enumerate(zip(table.rows, table.extract(), strict=False)):
            items.append((row.bbox[1], tuple(join_wrapped(c) for c in cells), k, i))
    for line in lines:
        mid = (line["top"] + line["bottom"]) / 2
        if not any(b[1] <= mid <= b[3] and b[0] <= line["x0"] <= b[2] for b in boxes):
            items.append((line["top"], (line["text"].strip(),), -1, 0))
    return sorted(items, key=lambda item: item[0])


HEAD_ROWS = 2  # header rows a writer repeats at the top of each page a table runs onto


def _repeated_head(items: list[_Item], head: list[tuple[str, ...]]) -> int:
    """How many of the page's first rows repeat the first rows of the table the last page ended in."""
    n = 0
    while n < min(len(items), len(head)) and items[n][2] == items[0][2] >= 0 and items[n][3] == n:
        if items[n][1] != head[n]:
            break
        n += 1
    return n


def _footers(pages: list[Any], lines: list[list[dict[str, Any]]]) -> set[str]:
    counts: Counter[str] = Counter()
    for page, page_lines in zip(pages, lines, strict=True):
        band = page.height * (1 - FOOTER_BAND)
        counts.update({ln["text"].strip() for ln in page_lines if ln["top"] >= band})
    return {t for t, n in counts.items() if n >= max(2, FOOTER_SHARE * len(pages))}


def _continues(prev: Row, cells: tuple[str, ...]) -> bool:
    """A page's first row that is the rest of the previous page's last table row: its first cells are
    empty, and it is no whole indicator row of its own (an operator where the last row has one; its
    一级指标 merged over from the page before)."""
    if len(prev.cells) < 2 or len(cells) < 2 or cells[0] or cells[1].endswith("指标"):
        return False
    whole = [i for i, c in enumerate(cells) if _is_target(c)]
    return not any(i < len(prev.cells) and _is_target(prev.cells[i]) for i in whole)


def _is_target(cell: str) -> bool:
    """An operator cell (≥, 定性), or a 指标值 that starts with one (≥95%, 定性：好)."""
    return normalise_operator(cell) is not None or bool(_TARGET_CELL.match(cell))


def pdf_rows(path: str | Path) -> tuple[list[Row], list[Diagnostic]]:
    """Rows of every page, with provenance ``file#p<page>`` and the row's number on the page."""
    require("pdfplumber", "formats", "reading PDF files")
    import pdfplumber
    from pdfminer.pdfdocument import PDFPasswordIncorrect

    try:
        pdf = pdfplumber.open(str(path))
        pages = list(pdf.pages)
    except Exception as exc:  # pdfminer raises many kinds (a password, a damaged file)
        if isinstance(exc, PDFPasswordIncorrect) or b"/Encrypt" in Path(path).read_bytes():
            message = "the PDF is encrypted; open it with its password and save an unlocked copy"
            raise InputError(str(path), message) from exc
        raise InputError(str(path), f"cannot read the PDF ({type(exc).__name__}: {exc})") from exc
    blank = [i for i, p in enumerate(pages, start=1) if not p.chars and (p.images or len(pages) == 1)]  # a scan
    empty = {i for i, p in enumerate(pages, start=1) if not p.chars}  # a page left blank is no scan
    if len(empty) == len(pages):
        raise InputError(str(path), f"no text layer on pages 1-{len(pages)}: this PDF is an image; run OCR first")
    diags = []
    if blank:
        diags.append(
            Diagnostic("warning", "no-text-layer", f"pages {blank} have no text (scanned?); not read", str(path))
        )
    lines = [page.extract_text_lines() for page in pages]  # once per page: footers and reading both use them
    footers = _footers(pages, lines)
    rows: list[Row] = []
    head: list[tuple[str, ...]] = []  # the first rows of the table the last page ended in
    for n, page in enumerate(pages, start=1):
        first = True
        items = [
            it for it in _page_items(page, lines[n - 1])
            if len(it[1]) > 1 or not (it[1][0] in footers or _PAGE_NUMBER.match(it[1][0]) or not it[1][0])
        ]  # fmt: skip
        skip = _repeated_head(items, head) if rows and len(rows[-1].cells) > 1 else 0
        for _, cells, _, _ in items[skip:]:
            if first and rows and _continues(rows[-1], cells):
                prev = rows[-1]
                joined = tuple(
                    join_wrapped("\n".join(x for x in pair if x)) for pair in zip(prev.cells, cells, strict=False)
                )
                rows[-1] = Row(joined, prev.file, prev.line, "\t".join(joined))
                first = False
                continue
            first = False
            rows.append(
                Row(cells, f"{path}#p{n}", len([r for r in rows if r.file == f"{path}#p{n}"]) + 1, "\t".join(cells))
            )
        last = [it for it in items if it[2] >= 0 and it[2] == items[-1][2]] if items and items[-1][2] >= 0 else []
        if last and last[0][3] == 0:
            head = [it[1] for it in last[:HEAD_ROWS]]
        elif not last:
            head = []
    pdf.close()
    return rows, diags
