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
from graph.read.rows import Row

__all__ = ["join_wrapped", "pdf_rows"]

FOOTER_BAND = 0.08  # the bottom share of a page where running footers and page numbers sit
FOOTER_SHARE = 0.5  # a line in that band on at least this share of the pages is a footer
_WORD = re.compile(r"[A-Za-z0-9]")
_PAGE_NUMBER = re.compile(r"^[-—–\s]*(?:第\s*)?\d+\s*(?:页|/\s*\d+)?[-—–\s]*$")


def join_wrapped(text: str | None) -> str:
    """A cell's lines as the one line they were before wrapping: a space only between two
    Latin words (or numbers), none in Chinese text or inside markup.

    >>> join_wrapped('依据党章和监察法，\\n履行监督'), join_wrapped('street\\nlighting'), join_wrapped(None)
    ('依据党章和监察法，履行监督', 'street lighting', '')
    """
    if not text:
        return ""
    parts = [p.strip() for p in text.split("\n") if p.strip()]
    out = parts[0] if parts else ""
    for p in parts[1:]:
        glue = " " if _WORD.match(out[-1:]) and _WORD.match(p[:1]) else ""  # words of Latin script, not markup
        out += glue + p
    return out


def _page_items(page: Any, lines: list[dict[str, Any]]) -> list[tuple[float, tuple[str, ...]]]:
    """(top, cells) of every table row and every text line (of ``lines``, the page's) outside the
    tables, top to bottom."""
    items: list[tuple[float, tuple[str, ...]]] = []
    boxes = []
    for table in page.find_tables():
        boxes.append(table.bbox)
        for row, cells in zip(table.rows, table.extract(), strict=False):
            items.append((row.bbox[1], tuple(join_wrapped(c) for c in cells)))
    for line in lines:
        mid = (line["top"] + line["bottom"]) / 2
        if not any(b[1] <= mid <= b[3] and b[0] <= line["x0"] <= b[2] for b in boxes):
            items.append((line["top"], (line["text"].strip(),)))
    return sorted(items, key=lambda item: item[0])


def _footers(pages: list[Any], lines: list[list[dict[str, Any]]]) -> set[str]:
    counts: Counter[str] = Counter()
    for page, page_lines in zip(pages, lines, strict=True):
        band = page.height * (1 - FOOTER_BAND)
        counts.update({ln["text"].strip() for ln in page_lines if ln["top"] >= band})
    return {t for t, n in counts.items() if n >= max(2, FOOTER_SHARE * len(pages))}


def _continues(prev: Row, cells: tuple[str, ...]) -> bool:
    """A page's first row that is the rest of the previous page's last table row."""
    return len(prev.cells) > 1 and len(cells) > 1 and not cells[0] and not cells[1].endswith("指标")


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
    blank = [i for i, p in enumerate(pages, start=1) if not p.chars]
    if len(blank) == len(pages):
        raise InputError(str(path), f"no text layer on pages 1-{len(pages)}: this PDF is an image; run OCR first")
    diags = []
    if blank:
        diags.append(
            Diagnostic("warning", "no-text-layer", f"pages {blank} have no text (scanned?); not read", str(path))
        )
    lines = [page.extract_text_lines() for page in pages]  # once per page: footers and reading both use them
    footers = _footers(pages, lines)
    rows: list[Row] = []
    for n, page in enumerate(pages, start=1):
        first = True
        for _, cells in _page_items(page, lines[n - 1]):
            text = cells[0] if len(cells) == 1 else ""
            if len(cells) == 1 and (text in footers or _PAGE_NUMBER.match(text) or not text):
                continue
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
    pdf.close()
    return rows, diags
