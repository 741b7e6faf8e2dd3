"""Write and load the graph part of an index directory: no pickle, a manifest checked on load.

Files (all listed, with size and sha256, in ``manifest.json``)::

    graph.json         the MultiDiGraph as node-link JSON
    graph.graphml      the same for Gephi / yEd (None dropped, lists joined with "; ")
    graph.gexf         the same for Gephi
    projects.csv  indicators.csv  citations.csv  documents.csv  issuers.csv  toc.csv  diagnostics.csv
                       flat tables, columns from graph.vocabulary
    records.jsonl      every Project record whole (its dataclass fields), with provenance and raw text
    sources.jsonl      one line per source file: file, encoding, preamble text, counts

The directory is written by :func:`index.build.build`, which builds into a temporary directory
and swaps it in only when complete.

>>> idx = load_index(example_index)
>>> len(idx.projects), round(float(idx.projects['amount'].sum()), 2)
(94, 41826.39)
>>> projects, diagnostics = load_records(idx)
>>> projects[0].id == idx.projects['project_id'][0]
True
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import networkx as nx
import pandas as pd

from graph.cells import csv_unsafe_frame
from graph.constants import WORKERS
from graph.errors import IndexFormatError, UsageError
from graph.export import (
    GEPHI_FILES,
    GRAPH_BATCH,
    WritableGraph,
    batches,
    graph_files_beside,
    write_index_rows,
    write_jsonl,
)
from graph.graphdb import GRAPH_DB, GraphDB, write_graph_db
from graph.ids import doc_id, indicator_id
from graph.knowledge import BuiltGraph, issuer_of
from graph.manifest import GRAPH_FORMAT, read_manifest, sha256_file, write_manifest
from graph.models import Diagnostic, ParsedDocument, Project, as_float
from graph.read.clean import indicator_key
from graph.records import OFFSETS, RECORDS, ProjectRecords
from graph.spill import DocumentSpill

__all__ = [
    "GRAPH_FILES",
    "TABLES",
    "TABLE_COLUMNS",
    "Index",
    "load_index",
    "load_records",
    "summary_counts",
    "write_graph",
]

GRAPH_JSON = "graph.json"  # the graph as networkx node-link JSON (what load_index reads)
SOURCES = "sources.jsonl"  # one line per source document: its file, encoding, identity and counts
TABLES = ("projects", "indicators", "citations", "documents", "issuers", "toc", "diagnostics")
GRAPH_FILES = (
    GRAPH_JSON,
    *GEPHI_FILES,
    *(f"{t}.csv" for t in TABLES),
    RECORDS,
    SOURCES,
)
WRITTEN_FILES = (*GRAPH_FILES, OFFSETS, GRAPH_DB)  # what write_graph writes; older indexes lack the last two


# Column order of each table; every name is in graph.vocabulary.COLUMNS.
TABLE_COLUMNS: dict[str, tuple[str, ...]] = {
    "projects": (
        "project_id", "project", "region", "year", "batch", "unit_code", "unit_name", "department",
        "execution_weight", "amount", "retained", "to_towns", "n_indicators", "n_citations", "n_unparsed", "overview",
        "basis", "goals", "file", "line", "end_line", "title",
    ),
    "indicators": (
        "project_id", "project", "department", "level1", "level2", "indicator", "indicator_id", "measure_unit",
        "operator", "target", "target_text", "weight", "core", "recovered", "file", "line", "raw",
    ),
    "citations": (
        "project_id", "project", "field", "document_id", "number", "issuer_code", "document_year", "document_title",
        "file", "line", "raw",
    ),
    "documents": (
        "document_id", "number", "document_title", "issuer_code", "document_year", "issuer", "issuer_level",
        "issuer_method", "n_projects", "n_mentions",
    ),
    "issuers": ("issuer_id", "issuer", "issuer_level", "codes", "methods", "n_documents", "n_projects"),
    "toc": ("file", "line", "entry", "project", "department_short", "page"),
    "diagnostics": ("severity", "code", "message", "file", "line"),
}  # fmt: skip


def _project_row(p: Project) -> dict[str, Any]:
    return {
        "project_id": p.id,
        "project": p.name,
        "region": p.region,
        "year": p.year,
        "batch": p.batch,
        "unit_code": p.unit_code,
        "unit_name": p.unit_name,
        "department": p.department,
        "execution_weight": p.execution_weight,
        "amount": as_float(p.amount),
        "retained": as_float(p.retained),
        "to_towns": as_float(p.to_towns),
        "n_indicators": len(p.indicators),
        "n_citations": len(p.citations),
        "n_unparsed": len(p.unparsed),
        "overview": p.overview,
        "basis": "\n".join(p.basis),
        "goals": p.goals,
        "file": p.span.file,
        "line": p.span.line,
        "end_line": p.span.end_line,
        "title": p.title,
    }


def _indicator_rows(p: Project) -> list[dict[str, Any]]:
    return [
        {
            "project_id": p.id,
            "project": p.name,
            "department": p.department,
            "level1": ind.level1,
            "level2": ind.level2,
            "indicator": ind.name,
            "indicator_id": indicator_id(indicator_key(ind.name)) if indicator_key(ind.name) else None,
            "measure_unit": ind.measure_unit,
            "operator": ind.operator,
            "target": ind.target,
            "target_text": ind.target_text,
            "weight": ind.weight,
            "core": ind.core,
            "recovered": ind.recovered,
            "file": ind.span.file,
            "line": ind.span.line,
            "raw": ind.span.raw,
        }
        for ind in p.indicators
    ]


def _citation_rows(built: BuiltGraph, p: Project) -> list[dict[str, Any]]:
    rows = []
    for c in map(built.resolved, p.citations):
        rows.append(
            {
                "project_id": p.id,
                "project": p.name,
                "field": c.field,
                "document_id": doc_id(c.key),
                "number": c.number.canonical if c.number else None,
                "issuer_code": c.number.issuer_code if c.number else None,
                "document_year": c.number.year if c.number else None,
                "document_title": c.title,
                "file": c.span.file,
                "line": c.span.line,
                "raw": c.span.raw,
            }
        )
    return rows


def _document_rows(built: BuiltGraph) -> list[dict[str, Any]]:
    G = built.spilled.shared  # documents and issuers are shared nodes; who cites them, counted as built
    rows = []
    for n, a in G.nodes(data=True):
        if a["type"] != "document":
            continue
        iss = issuer_of(G, n)
        n_projects, n_mentions = built.document_use.get(n, (0, 0))
        rows.append(
            {
                "document_id": n,
                "number": a.get("number"),
                "document_title": a.get("title"),
                "issuer_code": a.get("issuer_code"),
                "document_year": a.get("document_year"),
                "issuer": G.nodes[iss]["name"] if iss else None,
                "issuer_level": a.get("issuer_level"),
                "issuer_method": G.edges[n, iss, "issued_by"]["method"] if iss else None,
                "n_projects": n_projects,
                "n_mentions": n_mentions,
            }
        )
    return rows


def _issuer_rows(built: BuiltGraph) -> list[dict[str, Any]]:
    G = built.spilled.shared
    rows = []
    for n, a in G.nodes(data=True):
        if a["type"] != "issuer":
            continue
        rows.append(
            {
                "issuer_id": n,
                "issuer": a["name"],
                "issuer_level": a["issuer_level"],
                "codes": "; ".join(a["codes"]),
                "methods": "; ".join(a["methods"]),
                "n_documents": G.in_degree(n),
                "n_projects": built.issuer_use.get(n, 0),
            }
        )
    return rows


def _table_rows(name: str, docs: Sequence[ParsedDocument], built: BuiltGraph) -> Iterator[dict[str, Any]]:
    """The rows of one flat table, made one at a time."""
    projects = (p for d in docs for p in d.projects)
    if name == "projects":
        return map(_project_row, projects)
    if name == "indicators":
        return (r for p in projects for r in _indicator_rows(p))
    if name == "citations":
        return (r for p in projects for r in _citation_rows(built, p))
    if name == "documents":
        return iter(_document_rows(built))
    if name == "issuers":
        return iter(_issuer_rows(built))
    if name == "toc":
        return (
            {"file": e.span.file, "line": e.span.line, "entry": e.number, "project": e.name,
             "department_short": e.department_short, "page": e.page}
            for d in docs
            for e in d.toc
        )  # fmt: skip
    if name == "diagnostics":
        return (
            {"severity": g.severity, "code": g.code, "message": g.message, "file": g.file, "line": g.line}
            for d in docs
            for g in d.diagnostics
        )
    raise AssertionError(name)  # pragma: no cover - table_for checks the name


def table_for(name: str, docs: Sequence[ParsedDocument], built: BuiltGraph) -> pd.DataFrame:
    """One flat table (:data:`TABLES`) in the shared vocabulary.  Its rows go into columns as they are
    made (a row's dict is dropped at once), so a table of 10^6 rows does not hold 10^6 dicts.

    >>> from graph.read.layouts import parse_file
    >>> from graph.knowledge import build_graph
    >>> doc = parse_file('data/beibei_2024_key_projects.txt')
    >>> table_for('indicators', [doc], build_graph([doc])).shape
    (520, 17)
    """
    if name not in TABLE_COLUMNS:
        raise UsageError(f"no table {name!r}; the tables: {', '.join(TABLES)}")
    cols = TABLE_COLUMNS[name]
    columns: dict[str, list[Any]] = {c: [] for c in cols}
    for row in _table_rows(name, docs, built):
        for c in cols:
            columns[c].append(row[c])
    return pd.DataFrame(columns, columns=list(cols))


def write_graph(
    docs: Sequence[ParsedDocument], built: BuiltGraph, out: str | Path, workers: int = WORKERS
) -> dict[str, Any]:
    """Write the graph, its tables and the records into ``out`` (an existing, empty directory),
    then the manifest that lists them.  Returns the manifest.  With ``workers`` above 1, GraphML
    and GEXF are each written by a process of its own while the rest are written here."""
    out = Path(out)
    G = built.spilled  # the projects' nodes and edges are read back from disk by each writer
    with graph_files_beside(G, out, fork=workers > 1):
        write_node_link(G, out / GRAPH_JSON)
        write_graph_db(G, out / GRAPH_DB)
        for name in TABLES:  # one table at a time: the graph files and tables never hold more than one
            rows = functools.partial(_table_rows, name, docs, built)  # walked twice: the columns' types, then the rows
            write_index_rows(TABLE_COLUMNS[name], rows, out / f"{name}.csv")  # no cell starts a formula for Excel
        if isinstance(docs, DocumentSpill):
            docs.save_records(out)  # the file the projects were spilled to is the records file
        else:
            ProjectRecords.save(out, (p for d in docs for p in d.projects))
    write_jsonl(
        out / SOURCES,
        (
            {
                "file": d.path,
                "encoding": d.encoding,
                "projects": len(d.projects),
                "toc": len(d.toc),
                "diagnostics": len(d.diagnostics),
                "preamble": d.preamble,
                **_identity_json(d),
            }
            for d in docs
        ),
    )
    return write_manifest(
        out,
        *GRAPH_FORMAT,
        WRITTEN_FILES,
        networkx=nx.__version__,
        sources=[
            {
                "file": d.path,
                "path": _opened(d),  # absolute, as opened: --add and --remove from any folder
                "sha256": sha256_file(_opened(d)) if Path(_opened(d)).is_file() else None,
                "encoding": d.encoding,
                **_identity_json(d),
            }
            for d in docs
        ],
        counts=summary_counts(docs, built),
    )


def write_node_link(G: WritableGraph, path: Path, batch: int = GRAPH_BATCH) -> None:
    """``json.dump(nx.node_link_data(G, edges="edges"))``, byte for byte, a batch of nodes or edges at a
    time: the dict of the whole graph that ``node_link_data`` makes is never held."""

    def dumped(items: Iterator[dict[str, Any]]) -> Iterator[str]:
        for n, some in enumerate(batches(items, batch)):
            yield ("" if n == 0 else ", ") + ", ".join(json.dumps(x, ensure_ascii=False) for x in some)

    graph = json.dumps(G.graph, ensure_ascii=False)
    with open(path, "w", encoding="utf-8") as f:
        f.write(f'{{"directed": {json.dumps(G.is_directed())}, "multigraph": true, "graph": {graph}, "nodes": [')
        f.writelines(dumped({**a, "id": n} for n, a in G.nodes(data=True)))
        f.write('], "edges": [')
        edges = ({**d, "source": u, "target": v, "key": k} for u, v, k, d in G.edges(keys=True, data=True))
        f.writelines(dumped(edges))
        f.write("]}")


def _opened(d: ParsedDocument) -> str:
    return d.source or os.path.abspath(d.path)


def _identity_json(d: ParsedDocument) -> dict[str, Any]:
    """Region, year and batch of a source as the manifest records them (``--add`` reads them back)."""
    i = d.identity
    return {
        "region": i.region.name if i and i.region else "",
        "year": i.year if i else None,
        "batch": i.batch if i else "",
        "evidence": list(i.evidence) if i else [],
        "overridden": list(i.overridden) if i else [],
    }


def summary_counts(docs: Sequence[ParsedDocument], built: BuiltGraph) -> dict[str, int]:
    G = built.spilled
    types = Counter(t for _, t in G.shared.nodes(data="type"))
    indicators = citations = 0
    for p in (p for d in docs for p in d.projects):  # one pass: spilled projects are read from disk
        indicators += len(p.indicators)
        citations += len(p.citations)
    return {
        "sources": len(docs),
        "projects": G.number_of_projects(),
        "indicators": indicators,
        "indicator_nodes": types["indicator"],
        "citations": citations,
        "documents": types["document"],
        "issuers": types["issuer"],
        "departments": types["department"],
        "units": types["unit"],
        "toc_entries": sum(len(d.toc) for d in docs),
        "warnings": sum(1 for d in docs for g in d.diagnostics if g.severity == "warning"),
        "nodes": G.number_of_nodes(),
        "edges": G.number_of_edges(),
    }


class _Table:
    """A table of :class:`Index` (``idx.projects`` reads ``projects.csv``), parsed on first use and kept."""

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name

    def __get__(self, index: Index | None, owner: type | None = None) -> pd.DataFrame:
        if index is None:
            raise AttributeError(self.name)
        if self.name not in index.__dict__:
            index.__dict__[self.name] = index._table(self.name)
        return index.__dict__[self.name]


@dataclass(frozen=True, eq=False)
class Index:
    """A loaded index directory: the graph and its tables as pandas DataFrames, each read from its
    file when first asked for (a question about citations never parses the indicator table)."""

    path: Path
    manifest: dict[str, Any]

    @functools.cached_property
    def graph(self) -> nx.MultiDiGraph:
        with self._reading(GRAPH_JSON):
            with open(self.path / GRAPH_JSON, encoding="utf-8") as f:
                return nx.node_link_graph(json.load(f), directed=True, multigraph=True, edges="edges")

    @functools.cached_property
    def db(self) -> GraphDB | None:
        """The graph in SQLite, for a question that reads a part of it (:mod:`graph.graphdb`);
        ``None`` for an index written before it, or once the whole graph is parsed anyway."""
        if GRAPH_DB not in self.manifest["files"] or "graph" in self.__dict__:
            return None
        return GraphDB(self.path / GRAPH_DB)

    def _table(self, name: str) -> pd.DataFrame:
        with self._reading(f"{name}.csv"):
            frame = pd.read_csv(
                self.path / f"{name}.csv",
                dtype={"unit_code": str},
                keep_default_na=False,
                na_values=[""],
                encoding="utf-8-sig",
            )
        return csv_unsafe_frame(frame)

    @contextlib.contextmanager
    def _reading(self, name: str) -> Iterator[None]:
        try:
            yield
        except (OSError, ValueError, KeyError) as exc:  # verified files that still do not parse: a bug, said plainly
            raise IndexFormatError(
                f"{self.path / name}: cannot read the index ({type(exc).__name__}: {exc}); rebuild it"
            ) from exc

    projects = _Table()
    indicators = _Table()
    citations = _Table()
    documents = _Table()
    issuers = _Table()
    toc = _Table()
    diagnostics = _Table()


def load_index(path: str | Path) -> Index:
    """Open an index directory, verifying every file against its manifest first; the graph and each
    table are parsed when first used.

    Raises :class:`IndexFormatError` when the directory or a file is missing, the format or
    version differ, or a file's size or checksum does not match (edited or truncated since the build).
    """
    root = Path(path)
    return Index(root, read_manifest(root, *GRAPH_FORMAT, required=GRAPH_FILES))


def load_records(index: str | Path | Index) -> tuple[list[Project], list[Diagnostic]]:
    """The typed project records and the reader's diagnostics, back from an index directory
    (or from an :class:`Index` already loaded).

    >>> projects, diags = load_records(example_index)
    >>> len(projects), projects[18].indicators[-1].recovered, diags[0].code
    (94, True, 'shifted-cells')
    """
    idx = index if isinstance(index, Index) else load_index(index)
    projects = list(ProjectRecords(idx.path))
    diags = [
        Diagnostic(r["severity"], r["code"], r["message"], r["file"], None if pd.isna(r["line"]) else int(r["line"]))
        for r in idx.diagnostics.to_dict("records")
    ]
    return projects, diags
