"""Every published format becomes rows of cells with provenance (see :mod:`graph.read.rows`).

The kind of a file is told by its first bytes, not its name: ``%PDF`` is a PDF, a ZIP holding
``word/document.xml`` a Word file, one holding ``xl/workbook.xml`` an Excel workbook; the old
binary Office formats (.xls, .doc) and OpenDocument (.ods, .odt) are converted by LibreOffice
(:mod:`graph.read.office`) and read as those; a text file named ``.csv`` is read as comma-separated
cells; anything else is read as text.  Each reader keeps where a row came from: a Word file's
paragraphs and table rows are numbered in document order (``x.docx:113``), a workbook's rows by
sheet and Excel's row number (``x.xlsx#项目1:12``), a PDF's by page and row on the page (``x.pdf#p4:7``).

>>> detect('data/beibei_2024_key_projects.txt')
'text'
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path
from typing import Any

from graph.codes import Code
from graph.errors import require
from graph.i18n import refusal_at
from graph.models import Diagnostic
from graph.read.layout_text import layout_rows, looks_like_layout
from graph.read.limits import MAX_BLANK_RUN, check_file_size, check_rows, check_unpacked
from graph.read.rows import Row, rows_from_text
from graph.read.source import read_text

__all__ = ["KINDS", "csv_rows", "detect", "read_source"]

KINDS = ("text", "csv", "pdf", "docx", "xlsx", "xls", "doc", "ods", "odt")
_CONVERTED = {  # kind: what LibreOffice turns it into, and how a message names it
    "xls": ("xlsx", "an old binary Excel file (.xls)"),
    "doc": ("docx", "an old binary Word file (.doc)"),
    "ods": ("xlsx", "an OpenDocument spreadsheet (.ods)"),
    "odt": ("docx", "an OpenDocument text (.odt)"),
}
_OLE_SNIFF_BYTES = 1 << 16  # of an OLE file's directory: the first streams' names (128 bytes each)
_OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # the old binary .doc/.xls container


def detect(path: str | Path) -> str:
    """``text``, ``pdf``, ``docx`` or ``xlsx``, by content; refuses what cannot be read."""
    p = Path(path)
    try:
        with open(p, "rb") as f:
            head = f.read(8)
    except OSError as exc:
        raise refusal_at(str(p), "cannot-read", reason=exc.strerror or exc) from exc
    if head.startswith(b"%PDF"):
        return "pdf"
    if head.startswith(_OLE):
        return _ole_kind(p)
    if head.startswith(b"PK\x03\x04"):
        try:
            with zipfile.ZipFile(p) as archive:
                names = set(archive.namelist())
                check_unpacked(p, archive)
        except zipfile.BadZipFile as exc:
            raise refusal_at(str(p), "damaged-zip", reason=exc) from exc
        if "word/document.xml" in names:
            return "docx"
        if "xl/workbook.xml" in names:
            return "xlsx"
        if "content.xml" in names:  # OpenDocument (.odt, .ods): LibreOffice's own formats
            with zipfile.ZipFile(p) as archive:
                mimetype = archive.read("mimetype").decode("ascii", "replace") if "mimetype" in names else ""
            if mimetype.endswith((".spreadsheet", ".text")):
                return "ods" if mimetype.endswith(".spreadsheet") else "odt"
        raise refusal_at(str(p), "zip-not-office")
    return "csv" if p.suffix.lower() == ".csv" else "text"


def _ole_kind(p: Path) -> str:
    """``xls`` or ``doc``: an OLE file's directory names its streams (``Workbook``/``Book``,
    ``WordDocument``); the directory's place is in the header."""
    with open(p, "rb") as f:
        header = f.read(512)
        sector = 1 << int.from_bytes(header[0x1E:0x20], "little")
        f.seek((int.from_bytes(header[0x30:0x34], "little") + 1) * sector)
        directory = f.read(_OLE_SNIFF_BYTES)
    if "WordDocument".encode("utf-16-le") in directory:
        return "doc"
    if "Workbook".encode("utf-16-le") in directory or "Book".encode("utf-16-le") in directory:
        return "xls"
    raise refusal_at(str(p), "old-office-unknown")


def read_source(path: str | Path, ocr: str = "auto") -> tuple[list[Row], str, list[Diagnostic]]:
    """Rows of cells from any supported file; returns ``(rows, kind or encoding, diagnostics)``.
    A PDF's image pages are read by OCR as ``ocr`` says (auto, always, never)."""
    kind = detect(path)
    check_file_size(path, kind)
    rows, encoding, diags = _read_kind(path, kind, ocr)
    check_rows(str(path), len(rows))
    return rows, encoding, diags


def _read_kind(path: str | Path, kind: str, ocr: str) -> tuple[list[Row], str, list[Diagnostic]]:
    if kind in _CONVERTED:
        return _read_converted(Path(path), kind, ocr)
    if kind == "csv":
        text, encoding, diags = read_text(path)
        return csv_rows(text, str(path)), encoding, diags
    if kind == "docx":
        return docx_rows(path), "docx", []
    if kind == "xlsx":
        return xlsx_read(path)
    if kind == "pdf":
        from graph.read.pdf import pdf_rows

        rows, diags = pdf_rows(path, ocr)
        return rows, "pdf", diags
    text, encoding, diags = read_text(path)
    if looks_like_layout(text):  # pdftotext -layout and the like: columns by position
        rows, doubts = layout_rows(text, str(path))
        return rows, encoding, [*diags, *doubts]
    return rows_from_text(text, str(path)), encoding, diags


def _read_converted(path: Path, kind: str, ocr: str) -> tuple[list[Row], str, list[Diagnostic]]:
    """A file LibreOffice converts first; its rows and warnings name the original file."""
    from dataclasses import replace

    from graph.read.office import converted

    to, what = _CONVERTED[kind]
    with converted(path, to, what) as made:
        rows, _, diags = _read_kind(made, to, ocr)
    named = str(made)

    def back(where: str) -> str:
        return str(path) + where[len(named) :] if where.startswith(named) else where

    return (
        [replace(r, file=back(r.file)) for r in rows],
        kind,
        [replace(d, file=back(d.file)) for d in diags],
    )


def csv_rows(text: str, path: str) -> list[Row]:
    """Comma-separated cells (a table exported as CSV), one row per record with the line it starts on;
    a quoted cell may hold commas and line breaks.

    >>> [(r.cells, r.line) for r in csv_rows('项目名称,"森林防火,一期"\\n预算,"1,200"', 'a.csv')]
    [(('项目名称', '森林防火,一期'), 1), (('预算', '1,200'), 2)]
    """
    import csv

    lines = text.split("\n")
    reader = csv.reader(lines)
    rows: list[Row] = []
    start = 1
    for cells in reader:  # a row's raw text is its cells as a text row has them (a blank row reads blank)
        rows.append(Row(tuple(cells), path, start, "\t".join(cells)))
        start = reader.line_num + 1
    return rows


def _cell_text(text: str) -> str:
    """A cell's text on one line: the breaks Word keeps inside a cell become spaces."""
    return " ".join(part.strip() for part in text.splitlines() if part.strip())


def docx_rows(path: str | Path) -> list[Row]:
    """Paragraphs and table rows of a Word file, in document order.  Cells keep their grid column, as
    a PDF's or a workbook's do: a merged cell's text stands in its first column and row, the columns
    and rows it also covers are empty (Word's gridSpan and vMerge)."""
    require("docx", "formats", "reading Word files")
    import docx
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    try:
        document = docx.Document(io.BytesIO(Path(path).read_bytes()))
    except Exception as exc:  # python-docx raises many kinds for a damaged file
        raise refusal_at(str(path), "word-unreadable", reason=f"{type(exc).__name__}: {exc}") from exc
    rows: list[Row] = []
    for block in document.iter_inner_content():
        if isinstance(block, Paragraph):
            text = block.text.strip()
            rows.append(Row((text,), str(path), len(rows) + 1, text))
        elif isinstance(block, Table):
            for row in block.rows:
                cells = _docx_grid_cells(row, block)
                rows.append(Row(tuple(cells), str(path), len(rows) + 1, "\t".join(cells)))
    return rows


def _docx_grid_cells(row: Any, table: Any) -> list[str]:
    """One string per grid column of a Word table row (see :func:`docx_rows`)."""
    from docx.table import _Cell

    cells = [""] * row.grid_cols_before
    for tc in row._tr.tc_lst:
        span = tc.grid_span
        if tc.vMerge == "continue":  # the rest of a cell merged down from the row above
            cells.extend([""] * span)
            continue
        cells.append(_cell_text(_Cell(tc, table).text))
        cells.extend([""] * (span - 1))
    return cells


def xlsx_read(path: str | Path) -> tuple[list[Row], str, list[Diagnostic]]:
    """The rows of every sheet (tables stacked on one sheet, or one sheet per project), and a warning
    for each formula whose value the file does not hold.

    A sheet's declared size is not trusted (``<dimension ref="A1:XFD1048576"/>`` would pad every row
    to 16,384 cells): only the cells that exist are read, runs of more than ``MAX_BLANK_RUN`` blank rows
    are not kept (the rows after keep their Excel numbers), and a workbook over ``MAX_CELLS`` is refused.
    """
    require("openpyxl", "formats", "reading Excel files")
    import openpyxl

    try:  # a file object: openpyxl would refuse a workbook whose name does not end in .xlsx
        data = Path(path).read_bytes()
        wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged workbook
        raise refusal_at(str(path), "workbook-unreadable", reason=f"{type(exc).__name__}: {exc}") from exc
    rows: list[Row] = []
    filled = 0
    for ws in wb.worksheets:
        where = f"{path}#{ws.title}"
        ws.reset_dimensions()  # read the cells that exist, not the size the sheet declares
        blank = 0
        for r, values in enumerate(ws.iter_rows(values_only=True), start=1):
            cells = tuple(_xlsx_value(v) for v in values)
            while cells and not cells[-1]:
                cells = cells[:-1]
            blank = 0 if cells else blank + 1
            if blank > MAX_BLANK_RUN:
                continue
            filled += sum(1 for c in cells if c)
            check_rows(str(path), len(rows), filled)
            rows.append(Row(cells or ("",), where, r, "\t".join(cells)))
    wb.close()
    return rows, "xlsx", _formulas_without_values(path, data, rows)


def _formulas_without_values(path: str | Path, data: bytes, rows: list[Row]) -> list[Diagnostic]:
    """A warning for each formula cell that has no saved value (a file written by a program that
    does not calculate): it reads as empty, so the warning names the cell and says what to do."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        if not any(b"<f" in archive.read(n) for n in archive.namelist() if n.startswith("xl/worksheets/")):
            return []  # no formula at all: the common case costs one scan of the XML
    import openpyxl
    from openpyxl.utils import get_column_letter

    shown = {(r.file, r.line): r.cells for r in rows}
    wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    out = []
    for ws in wb.worksheets:
        where = f"{path}#{ws.title}"
        ws.reset_dimensions()
        for r, values in enumerate(ws.iter_rows(values_only=True), start=1):
            cells = shown.get((where, r), ())
            for c, v in enumerate(values):
                if isinstance(v, str) and v.startswith("=") and not (c < len(cells) and cells[c]):
                    message = (
                        f"cell {get_column_letter(c + 1)}{r} is a formula ({v[:40]}) with no saved value and reads as "
                        "empty; open the workbook in Excel or LibreOffice and save it, so its values are stored"
                    )
                    out.append(Diagnostic("warning", Code.FORMULA_NO_VALUE, message, where, r))
    wb.close()
    return out


def _xlsx_value(v: object) -> str:
    if v is None:
        return ""
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return _cell_text(str(v))
