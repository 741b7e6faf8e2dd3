"""Values as a spreadsheet must receive them: text that a spreadsheet would run as a formula is
neutralised, the way OWASP recommends against CSV injection.  Every export (CSV, workbook) passes
its cells through here.

A text starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a leading ``'`` in
CSV (Excel shows the text, runs nothing); in a workbook the cell is written as a string, never a formula.

>>> csv_safe('=HYPERLINK("http://x","y")'), csv_safe('-5%'), csv_safe('森林防火'), csv_safe(12.5)
('\\'=HYPERLINK("http://x","y")', "'-5%", '森林防火', 12.5)
"""

from __future__ import annotations

from typing import Any

__all__ = ["FORMULA_START", "csv_safe", "csv_safe_frame", "strings_not_formulas"]

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")  # what Excel, LibreOffice and Sheets read as a formula


def csv_safe(value: Any) -> Any:
    """A CSV cell's value: text that would start a formula gets a leading ``'``; other values as they are."""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


def csv_safe_frame(df: Any) -> Any:
    """A pandas DataFrame with every text cell :func:`csv_safe` (numbers untouched)."""
    from pandas.api.types import is_bool_dtype, is_numeric_dtype

    out = df.copy()
    for col in out.columns:
        if not is_numeric_dtype(out[col]) and not is_bool_dtype(out[col]):  # object or string dtype
            out[col] = out[col].map(csv_safe)
    return out


def strings_not_formulas(ws: Any) -> int:
    """Turn every formula cell of an openpyxl worksheet back into the text it was written from (our
    exports write values, never formulas); returns how many it turned."""
    turned = 0
    for row in ws.iter_rows():
        for cell in row:
            if cell.data_type == "f":
                cell.data_type = "s"
                cell.quotePrefix = True  # shown as text; Excel does not re-read it as a formula
                turned += 1
    return turned
