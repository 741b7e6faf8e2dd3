"""Every file format a table or the graph is written in, one function each: CSV, the workbook,
GraphML and GEXF, JSON Lines.  No other module writes these formats (``tests/test_architecture.py``
checks); the SQLite database (:mod:`workbench.database`) is the one other writer, of its own format.

- CSV is UTF-8 with a byte-order mark by default, so Excel on Chinese Windows does not read it as GBK
  (``bom=False``: plain UTF-8).  No cell starts a formula (:mod:`graph.cells`).
- ``chinese=True`` gives Chinese column headers from the one vocabulary (:mod:`graph.vocabulary`).
- The workbook has one sheet per table with a frozen bold header, a filter, column widths fitted to
  the contents (CJK characters count two, :func:`graph.text.display_width`) and number formats.
- A user's export is refused where it would land inside an index (:func:`graph.manifest.not_over_an_index`);
  the index's own tables are written by :func:`write_index_table`, into the staging folder of a build.

>>> import pandas as pd, tempfile, pathlib
>>> p = pathlib.Path(tempfile.mkdtemp()) / 't.csv'
>>> _ = write_csv(pd.DataFrame({'project': ['森林防火'], 'amount': [50.0]}), p, chinese=True)
>>> p.read_bytes()[:3] == b'\\xef\\xbb\\xbf', p.read_text(encoding='utf-8-sig').splitlines()[0]
(True, '项目名称,当年预算金额（万元）')
>>> print(csv_text(rows_frame([{'project': '=1+1', 'lines': [3, 4]}, {'project': '甲', 'year': 2024}])), end='')
project,lines,year
'=1+1,3、4,
甲,,2024
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from graph.cells import csv_safe_frame, strings_not_formulas
from graph.constants import CSV_ENCODING
from graph.manifest import not_over_an_index
from graph.text import display_width
from graph.vocabulary import chinese as chinese_headers
from graph.vocabulary import column_of

if TYPE_CHECKING:
    import networkx as nx
    import pandas as pd

__all__ = [
    "GEPHI_FILES",
    "NUMBER_FORMATS",
    "SHEETS",
    "SHEET_TITLES",
    "csv_text",
    "flat_cell",
    "rows_frame",
    "write_csv",
    "write_graph_files",
    "write_index_table",
    "write_jsonl",
    "write_workbook",
]

SHEETS = (
    "projects",
    "indicators",
    "citations",
    "documents",
    "issuers",
    "lint",
    "duplicates",
    "diagnostics",
)  # fmt: skip  the review workbook's sheets, in this order
SHEET_TITLES = {  # a table's Chinese name: a sheet's name in a Chinese workbook, a title in Datasette
    "projects": "项目", "indicators": "绩效指标", "citations": "立项依据引用", "documents": "依据文件",
    "issuers": "发文机关", "lint": "质量问题", "duplicates": "疑似重复", "diagnostics": "读取提示",
    "candidates": "疑似重复", "decisions": "复核记录",
}  # fmt: skip
NUMBER_FORMATS = {
    "amount": "#,##0.00",
    "retained": "#,##0.00",
    "to_towns": "#,##0.00",
    "weight": "0.##",
    "execution_weight": "0.##",
    "target": "General",
    "score": "0.000",
}
SCORE_PREFIXES = ("part_", "cos_")  # the duplicates table's signal columns: scores
MAX_WIDTH = 60  # characters: longer texts wrap in the cell instead of widening the sheet
MIN_WIDTH = 6
WIDTH_SAMPLE_ROWS = 200  # a column's width is fitted to its header and first rows
GEPHI_FILES = ("graph.graphml", "graph.gexf")  # the graph for Gephi, yEd, Cytoscape


def flat_cell(value: Any) -> Any:
    """A list as ``、``-joined text, a mapping as JSON, anything else as it is (a cell holds one value)."""
    if isinstance(value, list | tuple):
        return "、".join(map(str, value))
    if isinstance(value, dict):
        return json.dumps(value, ensure_ascii=False)
    return value


def rows_frame(rows: Sequence[Mapping[str, Any]]) -> pd.DataFrame:
    """Records as a table: every key a column (in order of first use), values as they are (no int
    turned float), lists and mappings flattened by :func:`flat_cell`."""
    import pandas as pd

    cols = list(dict.fromkeys(k for r in rows for k in r))
    return pd.DataFrame({c: pd.Series([flat_cell(r.get(c)) for r in rows], dtype=object) for c in cols}, columns=cols)


def csv_text(df: pd.DataFrame, chinese: bool = False) -> str:
    """A table as CSV text (for standard output), no cell starting a formula."""
    return str(csv_safe_frame(chinese_headers(df) if chinese else df).to_csv(index=False, lineterminator="\n"))


def _csv(df: pd.DataFrame, path: Path, encoding: str) -> Path:
    csv_safe_frame(df).to_csv(path, index=False, encoding=encoding, lineterminator="\n")
    return path


def write_csv(df: pd.DataFrame, path: str | Path, bom: bool = True, chinese: bool = False) -> Path:
    """One table as a user's CSV file (UTF-8 with a BOM unless ``bom=False``), Chinese headers if asked."""
    path = not_over_an_index(path, "table")
    path.parent.mkdir(parents=True, exist_ok=True)
    return _csv(chinese_headers(df) if chinese else df, path, CSV_ENCODING if bom else "utf-8")


def write_index_table(df: pd.DataFrame, path: Path) -> Path:
    """One of the index's own tables (``projects.csv`` …), into the folder a build is staging."""
    return _csv(df, path, CSV_ENCODING)


def _format_sheet(ws: Any, df: pd.DataFrame) -> None:  # ws: an openpyxl Worksheet
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    ws.freeze_panes = "A2"
    if len(df.columns):
        ws.auto_filter.ref = ws.dimensions
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for j, name in enumerate(df.columns, start=1):
        sample = [name, *df[name].head(WIDTH_SAMPLE_ROWS).tolist()]
        widths = (display_width(("" if v is None else str(v)).split("\n")[0][: MAX_WIDTH * 2]) for v in sample)
        ws.column_dimensions[get_column_letter(j)].width = max(MIN_WIDTH, min(MAX_WIDTH, max(widths) + 2))
        is_score = str(name).startswith(SCORE_PREFIXES)
        fmt = NUMBER_FORMATS["score"] if is_score else NUMBER_FORMATS.get(column_of(str(name)))
        for row in ws.iter_rows(min_row=2, min_col=j, max_col=j):
            for cell in row:
                if fmt:
                    cell.number_format = fmt
                if isinstance(cell.value, str) and len(cell.value) > MAX_WIDTH:
                    cell.alignment = Alignment(wrap_text=True, vertical="top")


def write_workbook(frames: Mapping[str, pd.DataFrame], path: str | Path, chinese: bool = False) -> Path:
    """A workbook of formatted sheets, one per table (those of :data:`SHEETS` first, in its order);
    ``chinese`` gives Chinese headers and sheet names (:data:`SHEET_TITLES`)."""
    import pandas as pd

    path = not_over_an_index(path, "workbook")
    path.parent.mkdir(parents=True, exist_ok=True)
    names = [n for n in SHEETS if n in frames] + [n for n in frames if n not in SHEETS]
    with pd.ExcelWriter(path, engine="openpyxl") as xw:
        for name in names:
            df = frames[name]
            sheet = SHEET_TITLES.get(name, name) if chinese else name
            (chinese_headers(df) if chinese else df).to_excel(xw, sheet_name=sheet, index=False)
            strings_not_formulas(xw.sheets[sheet])  # a name starting with = stays a name
            _format_sheet(xw.sheets[sheet], df)
    return path


# GEXF reserves `type` on edges (directed/undirected) and `key` on nodes: Gephi would drop them.
_GEPHI_NAMES = {"type": "relation", "key": "document_key"}


def _flat_copy(G: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """GraphML and GEXF take scalars only: None dropped, lists joined with "; ", and the names
    those formats reserve renamed (``type`` → ``relation`` on edges, ``key`` → ``document_key``)."""
    import networkx as nx

    def fix(d: dict[str, Any], edge: bool) -> dict[str, Any]:
        out = {}
        for k, v in d.items():
            if v is None:
                continue
            name = _GEPHI_NAMES.get(k, k) if (edge or k == "key") else k
            out[name] = "; ".join(map(str, v)) if isinstance(v, list) else v
        return out

    H = nx.MultiDiGraph()
    H.add_nodes_from((n, fix(a, edge=False)) for n, a in G.nodes(data=True))
    H.add_edges_from((u, v, k, fix(a, edge=True)) for u, v, k, a in G.edges(keys=True, data=True))
    return H


def write_graph_files(G: nx.MultiDiGraph, out: Path) -> list[Path]:
    """The graph as GraphML and GEXF (Gephi, yEd, Cytoscape) in the folder ``out``."""
    import networkx as nx

    flat = _flat_copy(G)
    graphml, gexf = (out / name for name in GEPHI_FILES)
    nx.write_graphml(flat, graphml)
    nx.write_gexf(flat, gexf)
    return [graphml, gexf]


def write_jsonl(path: Path, rows: Iterable[Mapping[str, Any]]) -> Path:
    """One JSON object per line, UTF-8, Chinese as it is."""
    with open(path, "w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False, default=str) + "\n")
    return path
