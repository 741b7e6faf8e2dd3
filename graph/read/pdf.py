"""PDF pages as rows of cells: ruled tables by their lines (pdfplumber), the text between them
as one-cell rows, in reading order; page footers dropped, cells that wrap joined, a table row
that runs onto the next page joined to its first part.

A page without text (a scan) is read from its image by OCR (:mod:`graph.read.ocr`) into the same
items, so everything after it is the same for both kinds of page; ``ocr="never"`` refuses a scan
instead.  Refused with a clear message: an encrypted PDF, a damaged one.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from graph.codes import Code
from graph.errors import InputError, UsageError, require
from graph.i18n import refusal_at
from graph.models import Diagnostic
from graph.progress import progress
from graph.read.clean import join_wrapped, normalise_operator
from graph.read.limits import check_pages
from graph.read.ocr import MAX_DPI, MIN_DPI, OCR_MODES, Item, PageText, TextLine, read_image
from graph.read.rows import Row

__all__ = ["pdf_rows"]

FOOTER_BAND = 0.08  # the bottom share of a page where running footers and page numbers sit
FOOTER_SHARE = 0.5  # a line in that band on at least this share of the pages is a footer
_TARGET_CELL = re.compile(r"^\s*(?:[≥≤＞＜><=＝]\s*\d|定性)")
_PAGE_NUMBER = re.compile(r"^[-—–\s]*(?:第\s*)?\d+\s*(?:页|/\s*\d+)?[-—–\s]*$")


def _page_items(page: Any, lines: list[dict[str, Any]]) -> list[Item]:
    """(top, cells, table, row) of every table row and every text line (of ``lines``, the page's)
    outside the tables, top to bottom."""
    items: list[Item] = []
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


def _repeated_head(items: list[Item], head: list[tuple[str, ...]]) -> int:
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


def _native_dpi(page: Any) -> float:
    """The resolution a scanned page's largest image was made at, within the bounds OCR reads at."""
    best = max(page.images, key=lambda im: im["width"] * im["height"], default=None)
    dpi = best["srcsize"][0] / (best["width"] / 72) if best and best["width"] else MIN_DPI
    return float(min(MAX_DPI, max(MIN_DPI, dpi)))


def _ocr_page(page: Any, where: str) -> PageText:
    """One page read from its image: rendered at its scan's resolution, the red channel as grey (a red
    seal fades into the paper, black print stays black)."""
    import numpy as np

    dpi = _native_dpi(page)
    image = page.to_image(resolution=dpi).original.convert("RGB")
    return read_image(np.ascontiguousarray(np.asarray(image)[:, :, 0]), dpi, where)


def _pages_to_read(path: str | Path, pages: list[Any], ocr: str) -> tuple[set[int], list[Diagnostic]]:
    """The pages read by OCR (1-based), or the refusal or warning when ``ocr`` is ``never``."""
    if ocr not in OCR_MODES:
        raise UsageError(f"ocr must be one of {', '.join(OCR_MODES)}, got {ocr!r}")
    scans = [i for i, p in enumerate(pages, start=1) if not p.chars and (p.images or len(pages) == 1)]
    if ocr == "always":
        return set(range(1, len(pages) + 1)), []
    if ocr == "auto":
        return set(scans), []
    if all(not p.chars for p in pages):  # a page left blank is no scan; a PDF of blank pages is one
        message = f"no text layer on pages 1-{len(pages)}: this PDF is an image; read it with --ocr auto"
        raise InputError(str(path), message)
    if not scans:
        return set(), []
    message = f"pages {scans} have no text (scanned?); not read (--ocr never)"
    return set(), [Diagnostic("warning", Code.NO_TEXT_LAYER, message, str(path))]


def _read_pages(path: str | Path, pages: list[Any], ocr: str) -> tuple[list[_Page], list[Diagnostic]]:
    """Each page's items and text lines: from its text layer, or from its image."""
    by_ocr, diags = _pages_to_read(path, pages, ocr)
    out: list[_Page] = []
    for n, page in enumerate(progress(pages, "OCR", total=len(pages), when=bool(by_ocr)), start=1):
        if n not in by_ocr:
            lines = page.extract_text_lines()
            out.append(_Page(_page_items(page, lines), lines, None))
            continue
        read = _ocr_page(page, f"{path}#p{n}")
        diags += read.doubts
        if not read.items:
            message = "nothing on this page image reads as text (blank, or noise); check the page"
            diags.append(Diagnostic("warning", Code.OCR_EMPTY, message, f"{path}#p{n}"))
        out.append(_Page(read.items, read.lines, read.scores))
    return out, diags


@dataclass(frozen=True)
class _Page:
    items: list[Item]
    lines: list[TextLine]
    scores: list[float] | None  # read by OCR: each item's lowest confidence


def pdf_rows(path: str | Path, ocr: str = "auto") -> tuple[list[Row], list[Diagnostic]]:
    """Rows of every page, with provenance ``file#p<page>`` and the row's number on the page; image
    pages read by OCR (``ocr``: auto, always or never, :data:`~graph.read.ocr.OCR_MODES`)."""
    require("pdfplumber", "formats", "reading PDF files")
    import pdfplumber
    from pdfminer.pdfdocument import PDFPasswordIncorrect

    try:
        pdf = pdfplumber.open(str(path))
        pages = list(pdf.pages)
    except Exception as exc:  # pdfminer raises many kinds (a password, a damaged file)
        if isinstance(exc, PDFPasswordIncorrect) or b"/Encrypt" in Path(path).read_bytes():
            raise refusal_at(str(path), "pdf-encrypted") from exc
        raise refusal_at(str(path), "pdf-unreadable", reason=f"{type(exc).__name__}: {exc}") from exc
    check_pages(path, len(pages))
    read, diags = _read_pages(path, pages, ocr)
    footers = _footers(pages, [r.lines for r in read])
    rows: list[Row] = []
    head: list[tuple[str, ...]] = []  # the first rows of the table the last page ended in
    for n, page in enumerate(read, start=1):
        first = True
        kept = [
            (it, None if page.scores is None else page.scores[i]) for i, it in enumerate(page.items)
            if len(it[1]) > 1 or not (it[1][0] in footers or _PAGE_NUMBER.match(it[1][0]) or not it[1][0])
        ]  # fmt: skip
        items = [it for it, _ in kept]
        skip = _repeated_head(items, head) if rows and len(rows[-1].cells) > 1 else 0
        for (_, cells, _, _), score in kept[skip:]:
            if first and rows and _continues(rows[-1], cells):
                prev = rows[-1]
                joined = tuple(
                    join_wrapped("\n".join(x for x in pair if x)) for pair in zip(prev.cells, cells, strict=False)
                )
                rows[-1] = Row(joined, prev.file, prev.line, "\t".join(joined), _lowest(prev.score, score))
                first = False
                continue
            first = False
            where = f"{path}#p{n}"
            rows.append(Row(cells, where, sum(r.file == where for r in rows) + 1, "\t".join(cells), score))
        last = [it for it in items if it[2] >= 0 and it[2] == items[-1][2]] if items and items[-1][2] >= 0 else []
        if last and last[0][3] == 0:
            head = [it[1] for it in last[:HEAD_ROWS]]
        elif not last:
            head = []
    pdf.close()
    return rows, diags


def _lowest(a: float | None, b: float | None) -> float | None:
    return b if a is None else a if b is None else min(a, b)
