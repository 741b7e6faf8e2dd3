"""Exports an analyst opens without help: CSV that Excel reads as UTF-8, one review workbook.

No cell of either starts a formula (:mod:`graph.cells`).  CSV files carry a UTF-8 byte-order mark
by default, so Excel on Chinese Windows does not read them as GBK; ``bom=False`` writes plain UTF-8
for tools that dislike it.  ``chinese=True`` gives every table Chinese headers from the one
vocabulary (:mod:`graph.vocabulary`).

The workbook has one sheet per table (projects, indicators, citations, documents, issuers, lint
findings, duplicate candidates, diagnostics), each with a frozen header row, a filter, column
widths fitted to the contents and number formats (万元 with two decimals, weights, scores).

>>> import pandas as pd, tempfile, pathlib
>>> p = pathlib.Path(tempfile.mkdtemp()) / 't.csv'
>>> _ = write_csv(pd.DataFrame({'project': ['森林防火'], 'amount': [50.0]}), p, chinese=True)
>>> p.read_bytes()[:3] == b'\\xef\\xbb\\xbf', p.read_text(encoding='utf-8-sig').splitlines()[0]
(True, '项目名称,当年预算金额（万元）')
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import pandas as pd

from graph.cells import csv_safe_frame, strings_not_formulas
from graph.constants import CSV_ENCODING
from graph.manifest import not_over_an_index
from graph.vocabulary import chinese as chinese_headers
from graph.vocabulary import column_of

__all__ = ["NUMBER_FORMATS", "SHEETS", "write_csv", "write_workbook"]

SHEETS = (
    "projects", "indicators", "citations", "documents", "issuers", "lint", "duplicates", "diagnostics",
)  # fmt: skip
NUMBER_FORMATS = {
    "amount": "#,##0.00",
    "retained": "#,##0.00",
    "to_towns": "#,##0.00",
    "weight": "0.##",
    "execution_weight": "0.##",
    "target": "General",
    "score": "0.000",
}
MAX_WIDTH = 60  # characters: longer texts wrap in the cell instead of widening the sheet
MIN_WIDTH = 6


def write_csv(df: pd.DataFrame, path: str | Path, bom: bool = True, chinese: bool = False) -> Path:
    """One table as CSV (UTF-8 with a BOM unless ``bom=False``), Chinese headers if asked."""
    path = not_over_an_index(path, "table")
    path.parent.mkdir(parents=True, exist_ok=True)
    shown = csv_safe_frame(chinese_headers(df) if chinese else df)  # no cell starts a formula
    shown.to_csv(path, index=False, encoding=CSV_ENCODING if bom else "utf-8")
    return path


def _width(value: object) -> int:
    text = "" if value is None else str(value)
    return sum(2 if ord(ch) > 0x2E80 else 1 for ch in text.split("\n")[0][: MAX_WIDTH * 2])


def _format_sheet(ws, df: pd.DataFrame) -> None:  # ws: openpyxl Worksheet
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    ws.freeze_panes = "A2"
    if len(df.columns):
        ws.auto_filter.ref = ws.dimensions
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for j, name in enumerate(df.columns, start=1):
        letter = get_column_letter(j)
        sample = [name, *df[name].head(200).tolist()]
        ws.column_dimensions[letter].width = max(MIN_WIDTH, min(MAX_WIDTH, max(_width(v) for v in sample) + 2))
        fmt = NUMBER_FORMATS.get(column_of(str(name)).removeprefix("part_").removeprefix("cos_"))
        if str(name).startswith(("part_", "cos_")):
            fmt = NUMBER_FORMATS["score"]
        for row in ws.iter_rows(min_row=2, min_col=j, max_col=j):
            for cell in row:
                if fmt:
                    cell.number_format = fmt
                if isinstance(cell.value, str) and len(cell.value) > MAX_WIDTH:
                    cell.alignment = Alignment(wrap_text=True, vertical="top")


def write_workbook(frames: Mapping[str, pd.DataFrame], path: str | Path, chinese: bool = False) -> Path:
    """The review workbook: one formatted sheet per table, in the order of :data:`SHEETS`."""
    path = not_over_an_index(path, "workbook")
    path.parent.mkdir(parents=True, exist_ok=True)
    names = [n for n in SHEETS if n in frames] + [n for n in frames if n not in SHEETS]
    with pd.ExcelWriter(path, engine="openpyxl") as xw:
        for name in names:
            df = frames[name]
            shown = chinese_headers(df) if chinese else df
            shown.to_excel(xw, sheet_name=name, index=False)
            strings_not_formulas(xw.sheets[name])  # a name starting with = stays a name
            _format_sheet(xw.sheets[name], df)
    return path
