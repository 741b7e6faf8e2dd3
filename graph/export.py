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

import contextlib
import io
import itertools
import json
import shutil
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from graph.cells import csv_safe_frame, strings_not_formulas
from graph.constants import CSV_ENCODING
from graph.forked import beside
from graph.manifest import not_over_an_index
from graph.text import display_width
from graph.vocabulary import chinese as chinese_headers
from graph.vocabulary import column_of

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "GEPHI_FILES",
    "GRAPH_BATCH",
    "NUMBER_FORMATS",
    "SHEETS",
    "SHEET_TITLES",
    "WritableGraph",
    "batches",
    "csv_text",
    "flat_cell",
    "rows_frame",
    "write_csv",
    "write_graph_files",
    "write_index_rows",
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
TABLE_BATCH = 50_000  # rows of an index table made into one DataFrame: a table of 10^6 rows is not held whole


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


def write_index_rows(
    columns: Sequence[str], rows: Callable[[], Iterable[Mapping[str, Any]]], path: Path, batch: int = TABLE_BATCH
) -> Path:
    """:func:`write_index_table` of the DataFrame of all the rows ``rows()`` gives, byte for byte, made
    ``batch`` rows at a time: a first pass finds the type pandas gives each column of the whole table
    (ints with a None are floats there, in every row), a second writes the rows in frames of that type.

    >>> import tempfile
    >>> path = Path(tempfile.mkdtemp()) / "t.csv"
    >>> rows = lambda: iter([{"year": 2024, "name": "甲"}, {"year": None, "name": "=1"}])
    >>> write_index_rows(("year", "name"), rows, path, batch=1).read_text(encoding="utf-8-sig").splitlines()
    ['year,name', '2024.0,甲', ",'=1"]
    """
    import pandas as pd

    dtypes = _whole_dtypes(columns, rows())
    if dtypes is None:  # a type whose inference is not reproduced here: the table made whole
        return write_index_table(pd.DataFrame(list(rows()), columns=list(columns)), path)

    def write(some: Sequence[Mapping[str, Any]], header: bool) -> None:
        frame = {c: pd.Series([r[c] for r in some], dtype=dtypes[c]) for c in columns}
        csv_safe_frame(pd.DataFrame(frame, columns=list(columns))).to_csv(
            f, index=False, header=header, lineterminator="\n"
        )

    with open(path, "w", encoding=CSV_ENCODING, newline="") as f:
        write([], header=True)  # the header line, as the whole table's first line
        for some in batches(rows(), batch):
            write(some, header=False)
    return path


_INT64 = (-(2**63), 2**63 - 1)


def _whole_dtypes(columns: Sequence[str], rows: Iterable[Mapping[str, Any]]) -> dict[str, Any] | None:
    """The dtype pandas infers for each column of the DataFrame of all ``rows``; None when a column
    holds a type this does not know (the caller then makes the table whole)."""
    seen: dict[str, set[type]] = {c: set() for c in columns}
    for r in rows:
        for c in columns:
            v = r[c]
            seen[c].add(type(v))
            if type(v) is int and not _INT64[0] <= v <= _INT64[1]:
                return None
    out: dict[str, Any] = {}
    for c, types in seen.items():
        values = types - {type(None)}
        if not values <= {str, int, float, bool}:
            return None
        if values == {int} and len(types) == 1:
            out[c] = "int64"
        elif values and values <= {int, float}:
            out[c] = "float64"  # ints with a None or a float: NaN for None, 2024.0 for 2024
        elif types == {bool}:
            out[c] = "bool"
        elif values == {str}:
            out[c] = "str"
        else:
            out[c] = object  # bools with a None, mixed types, or no value at all
    return out


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


# GEXF reserves `type` and `id` on edges (directed/undirected; the edge's id) and `key` on nodes: Gephi
# would drop them.
_GEPHI_NAMES = {"type": "relation", "key": "document_key", "id": "edge_id"}
GRAPH_BATCH = 10_000  # nodes or edges made into XML or JSON at a time: writing a graph holds one batch, not the graph
_INDENT = "  "  # networkx's pretty-printing: two spaces a level; a node or an edge sits at level 3


def _flat(d: dict[str, Any], edge: bool) -> dict[str, Any]:
    """GraphML and GEXF take scalars only: None dropped, lists joined with "; ", and the names those
    formats reserve renamed (``type`` → ``relation`` on edges, ``key`` → ``document_key``)."""
    out = {}
    for k, v in d.items():
        if v is None:
            continue
        name = _GEPHI_NAMES.get(k, k) if (edge or k == "key") else k
        out[name] = "; ".join(map(str, v)) if isinstance(v, list) else v
    return out


class WritableGraph(Protocol):
    """What the graph writers read of a graph: a networkx ``MultiDiGraph``, or a
    :class:`graph.spilled_graph.SpilledGraph` whose projects are on disk."""

    graph: dict[str, Any]

    def is_directed(self) -> bool: ...

    def nodes(self, data: Any = ...) -> Any: ...

    def edges(self, keys: bool = ..., data: Any = ...) -> Any: ...


class _FlatGraph:
    """A MultiDiGraph as networkx's GraphML and GEXF writers read it, every attribute :func:`_flat`,
    made one node or edge at a time as they ask: no flat copy of the graph is held.  ``nodes`` and
    ``edges`` given: only those (a batch of the GEXF writer)."""

    def __init__(self, G: WritableGraph, nodes: list[Any] | None = None, edges: list[Any] | None = None) -> None:
        self._G, self._nodes, self._edges = G, nodes, edges
        self.graph: dict[str, Any] = {}  # the writers read (and pop from) the graph's own attributes
        self.nodes = _FlatNodes(self)

    def is_directed(self) -> bool:
        return True

    def is_multigraph(self) -> bool:
        return True

    def flat_nodes(self) -> Iterator[tuple[Any, dict[str, Any]]]:
        if self._nodes is not None:
            return iter(self._nodes)
        return ((n, _flat(a, edge=False)) for n, a in self._G.nodes(data=True))

    def edges(self, keys: bool = True, data: bool = True) -> Iterator[tuple[Any, Any, Any, dict[str, Any]]]:
        if self._edges is not None:
            return iter(self._edges)
        return ((u, v, k, _flat(a, edge=True)) for u, v, k, a in self._G.edges(keys=True, data=True))

    def node(self, n: Any) -> dict[str, Any]:
        """What GEXF's edge writer reads of an edge's ends: their ``id`` attribute, which no node of
        ours has (node-link JSON's ``id`` is the node itself), so a node need not be looked up."""
        return {}


class _FlatNodes:
    """``G.nodes(data=True)`` and ``G.nodes[n]``, as the writers use them."""

    def __init__(self, graph: _FlatGraph) -> None:
        self._graph = graph

    def __call__(self, data: bool = True) -> Iterator[tuple[Any, dict[str, Any]]]:
        return self._graph.flat_nodes()

    def __getitem__(self, n: Any) -> dict[str, Any]:
        return self._graph.node(n)


class _CountedIds(set):
    """The GEXF writer's set of edge ids taken: every id here is counted (no flat edge carries ``id``),
    so none is taken twice and none need be kept (at 10^6 projects, millions of strings)."""

    def __contains__(self, _: object) -> bool:
        return False

    def add(self, _: object) -> None:
        pass


def batches(items: Iterable[Any], size: int) -> Iterator[list[Any]]:
    """``items`` in lists of ``size`` (the last shorter), taken as they come: what every writer of a
    large graph holds at once.

    >>> [len(b) for b in batches(iter(range(7)), 3)]
    [3, 3, 1]
    """
    items = iter(items)
    while batch := list(itertools.islice(items, size)):
        yield batch


def _write_gexf(G: WritableGraph, path: Path, batch: int) -> None:
    """``nx.write_gexf`` of the flat graph, byte for byte, made in batches: networkx's writer makes each
    batch's elements, which are written out and dropped; its attribute declarations, which come first
    in the file, are complete only at the end, so nodes and edges wait in temporary files."""
    from xml.etree.ElementTree import Element, ElementTree, tostring

    from networkx.readwrite.gexf import GEXFWriter

    flat = _FlatGraph(G)
    writer = GEXFWriter(encoding="utf-8", prettyprint=True)
    writer.all_edge_ids = _CountedIds()
    writer.graph_element = Element("graph", defaultedgetype="directed", mode="static", name="")
    parts = {"nodes": flat.flat_nodes(), "edges": flat.edges()}
    with tempfile.TemporaryFile(dir=path.parent) as nodes, tempfile.TemporaryFile(dir=path.parent) as edges:
        for (tag, items), body in zip(parts.items(), (nodes, edges), strict=True):
            for some in batches(items, batch):
                holder = Element("graph")
                if tag == "nodes":
                    writer.add_nodes(_FlatGraph(G, nodes=some), holder)
                else:
                    writer.add_edges(_FlatGraph(G, edges=some), holder)
                for el in holder[0]:
                    writer.indent(el, 3)
                    el.tail = None
                    body.write(("\n" + _INDENT * 3 + tostring(el, encoding="unicode")).encode("utf-8"))
            body.write(("\n" + _INDENT * 2).encode("utf-8"))
        marks = {tag: f"@@{tag}@@" for tag in parts}
        for tag, mark in marks.items():
            placeholder = Element(tag)
            placeholder.text = mark
            writer.graph_element.append(placeholder)
        writer.xml.append(writer.graph_element)
        writer.indent(writer.xml)
        skeleton = io.BytesIO()
        ElementTree(writer.xml).write(skeleton, encoding="utf-8", xml_declaration=True)
        head, rest = skeleton.getvalue().split(marks["nodes"].encode())
        middle, tail = rest.split(marks["edges"].encode())
        with open(path, "wb") as f:
            for chunk, body in ((head, nodes), (middle, edges)):
                f.write(chunk)
                body.seek(0)
                shutil.copyfileobj(body, f)
            f.write(tail)


def write_graph_files(G: WritableGraph, out: Path, batch: int = GRAPH_BATCH) -> list[Path]:
    """The graph as GraphML and GEXF (Gephi, yEd, Cytoscape) in the folder ``out``, as networkx writes
    them, a node at a time (lxml's incremental writer) for GraphML and ``batch`` at a time for GEXF."""
    graphml, gexf = (out / name for name in GEPHI_FILES)
    _write_graphml(G, graphml)
    _write_gexf(G, gexf, batch)
    return [graphml, gexf]


def _write_graphml(G: WritableGraph, path: Path) -> None:
    import networkx as nx

    nx.write_graphml(_FlatGraph(G), path)


@contextlib.contextmanager
def graph_files_beside(
    G: WritableGraph, out: Path, batch: int = GRAPH_BATCH, fork: bool = True
) -> Iterator[list[Path]]:
    """The files of :func:`write_graph_files`, byte for byte, each written by a process forked from
    this one while the block writes the rest (:func:`graph.forked.beside`): networkx's two writers
    are most of the time a graph takes to write, and one core each.  ``G`` must not change until the
    block ends, which waits for both.  Without ``fork``: written here, before the block."""
    graphml, gexf = (out / name for name in GEPHI_FILES)
    flush = getattr(G, "flush", None)
    if callable(flush):  # what is buffered for G's files is on disk before a child reads them
        flush()
    with (
        beside(GEPHI_FILES[0], _write_graphml, G, graphml, fork=fork),
        beside(GEPHI_FILES[1], _write_gexf, G, gexf, batch, fork=fork),
    ):
        yield [graphml, gexf]


def write_jsonl(path: Path, rows: Iterable[Mapping[str, Any]]) -> Path:
    """One JSON object per line, UTF-8, Chinese as it is."""
    with open(path, "w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False, default=str) + "\n")
    return path
