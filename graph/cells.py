"""Values as a spreadsheet must receive them: text that a spreadsheet would run as a formula is
neutralised, the way OWASP recommends against CSV injection.  Every export (CSV, workbook) passes
its cells through here.

A text starting with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return gets a leading ``'`` in
CSV (Excel shows the text, runs nothing); in a workbook the cell is written as a string, never a formula.
A text that already starts with ``'`` gets one more, so :func:`csv_unsafe` (used where the index reads
its own tables back) returns every text exactly.

>>> csv_safe('=HYPERLINK("http://x","y")'), csv_safe('-5%'), csv_safe('森林防火'), csv_safe(12.5)
('\\'=HYPERLINK("http://x","y")', "'-5%", '森林防火', 12.5)
>>> all(csv_unsafe(csv_safe(t)) == t for t in ["=1+1", "'=1", "'", "甲", ""])
True
"""

from __future__ import annotations

from typing import Any

__all__ = [
    "FORMULA_START",
    "QUOTE",
    "csv_safe",
    "csv_safe_frame",
    "csv_unsafe",
    "csv_unsafe_frame",
    "strings_not_formulas",
]

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")  # what Excel, LibreOffice and Sheets read as a formula
QUOTE = "'"  # the prefix that makes a spreadsheet show a cell as text


def csv_safe(value: Any) -> Any:
    """A CSV cell's value: text that would start a formula gets a leading ``'``; other values as they are."""
    if isinstance(value, str) and value.startswith((*FORMULA_START, QUOTE)):
        return QUOTE + value
    return value


def csv_unsafe(value: Any) -> Any:
    """The text :func:`csv_safe` was given back (one leading ``'`` taken off); other values as they are."""
    if isinstance(value, str) and value.startswith(QUOTE):
        return value[1:]
    return value


def _text_columns(df: Any) -> list[Any]:
    from pandas.api.types import is_bool_dtype, is_numeric_dtype

    return [c for c in df.columns if not is_numeric_dtype(df[c]) and not is_bool_dtype(df[c])]


def csv_safe_frame(df: Any) -> Any:
    """A pandas DataFrame with every text cell :func:`csv_safe` (numbers untouched)."""
    import pandas as pd

    out = df.copy()
    for col in _text_columns(out):  # object or string dtype, kept (a whole number stays whole)
        out[col] = pd.Series([csv_safe(v) for v in out[col]], index=out.index, dtype=out[col].dtype)
    return out


def csv_unsafe_frame(df: Any) -> Any:
    """A DataFrame read from a CSV that :func:`csv_safe_frame` wrote, with every text as it was."""
    from pandas.api.types import infer_dtype

    out = df.copy()
    for col in _text_columns(out):
        kind = infer_dtype(out[col], skipna=True)
        if kind == "string":  # vectorised: a load of 10^5 rows must not pay a Python call per cell
            quoted = out[col].str.startswith(QUOTE, na=False)
            if quoted.any():
                out.loc[quoted, col] = out.loc[quoted, col].str[1:]
        elif kind.startswith("mixed"):
            out[col] = out[col].map(csv_unsafe)
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
