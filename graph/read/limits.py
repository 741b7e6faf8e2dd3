"""How much one input may make the reader do, and what is said when a file asks for more.

A budget document is small: the sample (94 projects, 125 pages as a PDF) is 83,000 characters, and a
province's year is a few thousand projects.  A file far beyond that is not one document but a mistake
or an attack (a ZIP bomb, a sheet declaring a million rows), and reading it would hang a build or
exhaust the machine.  Each limit below is a named constant with its reason; a file over a limit is
refused with an :class:`~graph.errors.InputError` naming the file and the place, before the work is
done; a cell over the cell limit is cut with a warning naming its place (see
:func:`graph.read.layouts.read_document`).

With these limits one document's build stays under :data:`MEMORY_BOUND` of memory (measured by the
tests under ``RLIMIT_AS``).

>>> check_file_size('data/beibei_2024_key_projects.txt', 'text')
>>> MAX_CELL_CHARS
32767
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from graph.errors import InputError
from graph.i18n import refusal_at

__all__ = [
    "MAX_BLANK_RUN",
    "MAX_CELLS",
    "MAX_CELL_CHARS",
    "MAX_FILE_BYTES",
    "MAX_PAGES",
    "MAX_ROWS",
    "MAX_TEXT_BYTES",
    "MAX_UNPACKED_BYTES",
    "MEMORY_BOUND",
    "check_file_size",
    "check_pages",
    "check_rows",
    "check_unpacked",
]

MIB = 1 << 20
# A scanned PDF of a whole province's year (several hundred pages at 150–200 dpi) is under 200 MiB.
MAX_FILE_BYTES = 512 * MIB
# 64 MiB of UTF-8 Chinese is about 22 million characters: some 25,000 projects' tables, several times
# the largest single document published.
MAX_TEXT_BYTES = 64 * MIB
# What a Word or Excel file (a ZIP of XML) may unpack to: a 5 MB workbook unpacks to about 50 MB;
# a ZIP bomb declares gigabytes.
MAX_UNPACKED_BYTES = 512 * MIB
# Excel's own limit for one cell; our exports go to Excel, and no field of a table is longer.
MAX_CELL_CHARS = 32_767
# Rows of one document (all sheets, pages or lines): the sample has 2,700.
MAX_ROWS = 1_000_000
# Cells with a value in one workbook: 100 times a large department workbook.
MAX_CELLS = 5_000_000
# Blank rows in a row kept in a sheet: more carry nothing (a sheet formatted down to row 1,048,576);
# the rows after them keep their Excel row numbers.
MAX_BLANK_RUN = 200
# Pages of one PDF: OCR reads about one page a second; 3,000 pages is an hour.
MAX_PAGES = 3_000
MEMORY_BOUND = "2 GiB"  # one document at the limits above (tests/test_limits.py runs under this)

_TOO_BIG = "a 预算绩效目标表 document is far smaller; split the file, or check that it is the document meant"


def check_file_size(path: str | Path, kind: str) -> None:
    """Refuse a file over :data:`MAX_FILE_BYTES` (or a text over :data:`MAX_TEXT_BYTES`) before reading it."""
    size = Path(path).stat().st_size
    limit = MAX_TEXT_BYTES if kind == "text" else MAX_FILE_BYTES
    if size > limit:
        raise refusal_at(str(path), "too-big", mib=f"{size / MIB:.1f}", limit=limit // MIB, kind=kind)


def check_unpacked(path: str | Path, archive: zipfile.ZipFile) -> None:
    """Refuse a Word or Excel file whose parts unpack to more than :data:`MAX_UNPACKED_BYTES` (a ZIP bomb)."""
    total = sum(i.file_size for i in archive.infolist())
    if total > MAX_UNPACKED_BYTES:
        largest = max(archive.infolist(), key=lambda i: i.file_size)
        raise InputError(
            str(path),
            f"unpacks to {total / MIB:.0f} MiB ({largest.filename}: {largest.file_size / MIB:.0f} MiB), over the "
            f"{MAX_UNPACKED_BYTES // MIB} MiB a Word or Excel file may; {_TOO_BIG}",
        )


def check_pages(path: str | Path, pages: int) -> None:
    """Refuse a PDF of more than :data:`MAX_PAGES` pages."""
    if pages > MAX_PAGES:
        raise refusal_at(str(path), "too-many-pages", pages=pages, limit=MAX_PAGES)


def check_rows(where: str, rows: int, cells: int = 0) -> None:
    """Refuse a document of more than :data:`MAX_ROWS` rows or :data:`MAX_CELLS` cells with a value."""
    if rows > MAX_ROWS:
        raise InputError(where, f"more than {MAX_ROWS:,} rows; {_TOO_BIG}")
    if cells > MAX_CELLS:
        raise InputError(where, f"more than {MAX_CELLS:,} cells with a value; {_TOO_BIG}")
