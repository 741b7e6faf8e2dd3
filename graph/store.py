"""Write and load the index directory: no pickle, a manifest checked on load.

Layout of ``build/index`` (or ``--out``)::

    manifest.json      format, version, sources (sha256), counts, sha256 of every file below
    graph.json         the MultiDiGraph as node-link JSON
    graph.graphml      the same for Gephi / yEd (None dropped, lists joined with "; ")
    graph.gexf         the same for Gephi
    projects.csv  indicators.csv  citations.csv  documents.csv  issuers.csv  toc.csv  diagnostics.csv
    records.jsonl      every project record whole, with provenance and raw text
    sources.jsonl      one line per source file: path, encoding, preamble text, counts

>>> import tempfile
>>> from graph.read.tables import parse_file
>>> out = tempfile.mkdtemp()
>>> _ = write_index([parse_file('data/beibei_2024_key_projects.txt')], out)
>>> idx = load_index(out)
>>> len(idx.projects), round(float(idx.projects['amount'].sum()), 2)
(94, 41826.39)
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import networkx as nx
import pandas as pd

from graph.errors import IndexFormatError
from graph.knowledge import BuiltGraph, build_graph
from graph.manifest import sha256_file
from graph.models import Citation, Diagnostic, DocumentNumber, Indicator, ParsedDocument, Project, Span
from graph.read.issuers import IssuerResolver

__all__ = ["FORMAT", "VERSION", "Index", "load_index", "tables_for", "write_index"]

FORMAT = "budget-graph-index"
VERSION = 1
TABLES = ("projects", "indicators", "citations", "documents", "issuers", "toc", "diagnostics")


def _jsonable(obj: Any) -> Any:
    if isinstance(obj, Decimal):
        return str(obj)
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: _jsonable(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, list | tuple):
        return [_jsonable(x) for x in obj]
    if isinstance(obj, dict):
        return {k: _jsonable(v) for k, v in obj.items()}
    return obj


def _f(x: Decimal | None) -> float | None:
    return float(x) if x is not None else None


def tables_for(docs: Sequence[ParsedDocument], built: BuiltGraph) -> dict[str, pd.DataFrame]:
    """The flat tables (one DataFrame each) written next to the graph."""
    G = built.graph
    projects, indicators, toc, diags = [], [], [], []
    for d in docs:
        for p in d.projects:
            projects.append(
                {
                    "id": p.id,
                    "name": p.name,
                    "year": p.year,
                    "unit_code": p.unit_code,
                    "unit_name": p.unit_name,
                    "department": p.department,
                    "execution_weight": p.execution_weight,
                    "amount": _f(p.amount),
                    "retained": _f(p.retained),
                    "to_towns": _f(p.to_towns),
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
            )
            for ind in p.indicators:
                indicators.append(
                    {
                        "project_id": p.id,
                        "project": p.name,
                        "department": p.department,
                        "level1": ind.level1,
                        "level2": ind.level2,
                        "name": ind.name,
                        "unit": ind.unit,
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
                )
        for e in d.toc:
            toc.append(
                {
                    "file": e.span.file,
                    "line": e.span.line,
                    "number": e.number,
                    "name": e.name,
                    "department_short": e.department_short,
                    "page": e.page,
                }
            )
        for g in d.diagnostics:
            diags.append({"severity": g.severity, "code": g.code, "message": g.message, "file": g.file, "line": g.line})
    names = {p["id"]: p["name"] for p in projects}
    citations = [
        {
            "project_id": pid,
            "project": names[pid],
            "field": c.field,
            "document": f"doc:{c.key}",
            "key": c.key,
            "number": c.number.canonical if c.number else None,
            "issuer_code": c.number.issuer_code if c.number else None,
            "year": c.number.year if c.number else None,
            "title": c.title,
            "file": c.span.file,
            "line": c.span.line,
            "raw": c.span.raw,
        }
        for pid, c in built.citations
    ]
    documents, issuers = [], []
    for n, a in G.nodes(data=True):
        if a["type"] == "document":
            citing = {u for u, _, k in G.in_edges(n, keys=True) if str(k).startswith("cites")}
            iss = next((v for _, v, k in G.out_edges(n, keys=True) if k == "issued_by"), None)
            documents.append(
                {
                    "id": n,
                    "key": a["key"],
                    "number": a.get("number"),
                    "title": a.get("title"),
                    "issuer_code": a.get("issuer_code"),
                    "year": a.get("year"),
                    "issuer": G.nodes[iss]["name"] if iss else None,
                    "level": a.get("level"),
                    "issuer_method": G.edges[n, iss, "issued_by"]["method"] if iss else None,
                    "n_projects": len(citing),
                    "n_mentions": sum(
                        d.get("mentions", 1) for _, _, d in G.in_edges(n, data=True) if d["type"] == "cites"
                    ),
                }
            )
        elif a["type"] == "issuer":
            docs_of = [u for u, _ in G.in_edges(n)]
            projs = {p for dn in docs_of for p, _ in G.in_edges(dn)}
            issuers.append(
                {
                    "id": n,
                    "name": a["name"],
                    "level": a["level"],
                    "codes": "; ".join(a["codes"]),
                    "methods": "; ".join(a["methods"]),
                    "n_documents": len(docs_of),
                    "n_projects": len(projs),
                }
            )
    cols = {
        "projects": list(projects[0]) if projects else ["id"],
        "indicators": list(indicators[0]) if indicators else ["project_id"],
        "citations": list(citations[0]) if citations else ["project_id"],
        "documents": list(documents[0]) if documents else ["id"],
        "issuers": list(issuers[0]) if issuers else ["id"],
        "toc": ["file", "line", "number", "name", "department_short", "page"],
        "diagnostics": ["severity", "code", "message", "file", "line"],
    }
    rows = {
        "projects": projects,
        "indicators": indicators,
        "citations": citations,
        "documents": documents,
        "issuers": issuers,
        "toc": toc,
        "diagnostics": diags,
    }
    return {k: pd.DataFrame(rows[k], columns=cols[k]) for k in TABLES}


def _flat_copy(G: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """GraphML and GEXF take scalars only: drop None, join lists."""
    H = nx.MultiDiGraph()
    fix = lambda d: {k: ("; ".join(map(str, v)) if isinstance(v, list) else v) for k, v in d.items() if v is not None}  # noqa: E731
    H.add_nodes_from((n, fix(a)) for n, a in G.nodes(data=True))
    H.add_edges_from((u, v, k, fix(a)) for u, v, k, a in G.edges(keys=True, data=True))
    return H


def write_index(
    docs: Sequence[ParsedDocument], out: str | Path, resolver: IssuerResolver | None = None
) -> tuple[BuiltGraph, dict[str, Any]]:
    """Build the graph from parsed documents and write the index directory.  Returns (graph, manifest)."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    built = build_graph(docs, resolver)
    G = built.graph
    with open(out / "graph.json", "w", encoding="utf-8") as f:
        json.dump(nx.node_link_data(G, edges="edges"), f, ensure_ascii=False)
    flat = _flat_copy(G)
    nx.write_graphml(flat, out / "graph.graphml")
    nx.write_gexf(flat, out / "graph.gexf")
    tables = tables_for(docs, built)
    for name, df in tables.items():
        df.to_csv(out / f"{name}.csv", index=False)
    with open(out / "records.jsonl", "w", encoding="utf-8") as f:
        for d in docs:
            for p in d.projects:
                f.write(json.dumps(_jsonable(p), ensure_ascii=False) + "\n")
    with open(out / "sources.jsonl", "w", encoding="utf-8") as f:
        for d in docs:
            f.write(
                json.dumps(
                    {
                        "path": d.path,
                        "encoding": d.encoding,
                        "projects": len(d.projects),
                        "toc": len(d.toc),
                        "diagnostics": len(d.diagnostics),
                        "preamble": d.preamble,
                    },
                    ensure_ascii=False,
                )
                + "\n"
            )
    files = [
        "graph.json",
        "graph.graphml",
        "graph.gexf",
        *(f"{t}.csv" for t in TABLES),
        "records.jsonl",
        "sources.jsonl",
    ]
    manifest = {
        "format": FORMAT,
        "version": VERSION,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "networkx": nx.__version__,
        "sources": [
            {
                "path": d.path,
                "sha256": sha256_file(Path(d.path)) if Path(d.path).is_file() else None,
                "encoding": d.encoding,
            }
            for d in docs
        ],
        "counts": summary_counts(docs, built),
        "files": {name: sha256_file(out / name) for name in files},
    }
    with open(out / "manifest.json", "w", encoding="utf-8") as f:
        json.dump(manifest, f, ensure_ascii=False, indent=2)
    return built, manifest


def summary_counts(docs: Sequence[ParsedDocument], built: BuiltGraph) -> dict[str, int]:
    G = built.graph
    types = [t for _, t in G.nodes(data="type")]
    return {
        "sources": len(docs),
        "projects": sum(len(d.projects) for d in docs),
        "indicators": sum(len(p.indicators) for d in docs for p in d.projects),
        "indicator_nodes": types.count("indicator"),
        "citations": len(built.citations),
        "documents": types.count("document"),
        "issuers": types.count("issuer"),
        "departments": types.count("department"),
        "units": types.count("unit"),
        "toc_entries": sum(len(d.toc) for d in docs),
        "warnings": sum(1 for d in docs for g in d.diagnostics if g.severity == "warning"),
        "nodes": G.number_of_nodes(),
        "edges": G.number_of_edges(),
    }


@dataclass(frozen=True)
class Index:
    """A loaded index directory: the graph and its tables as pandas DataFrames."""

    path: Path
    manifest: dict[str, Any]
    graph: nx.MultiDiGraph
    projects: pd.DataFrame
    indicators: pd.DataFrame
    citations: pd.DataFrame
    documents: pd.DataFrame
    issuers: pd.DataFrame
    toc: pd.DataFrame
    diagnostics: pd.DataFrame


def load_index(path: str | Path, verify: bool = True) -> Index:
    """Load an index directory written by :func:`write_index`, checking its manifest.

    Raises :class:`IndexFormatError` when the directory or a file is missing, the format or
    version differ, or a file's checksum does not match (edited or truncated since the build).
    """
    root = Path(path)
    mpath = root / "manifest.json"
    if not mpath.is_file():
        raise IndexFormatError(
            f"{root}: no manifest.json; is this an index directory? build one with `python build_index.py --out {root}`"
        )
    try:
        manifest = json.loads(mpath.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise IndexFormatError(f"{mpath}: unreadable manifest ({exc}); rebuild the index") from exc
    if manifest.get("format") != FORMAT or manifest.get("version") != VERSION:
        raise IndexFormatError(
            f"{mpath}: format {manifest.get('format')!r} version {manifest.get('version')!r}, this code reads "
            f"{FORMAT!r} version {VERSION}; rebuild with `python build_index.py --out {root}`"
        )
    for name, digest in manifest.get("files", {}).items():
        fp = root / name
        if not fp.is_file():
            raise IndexFormatError(f"{fp}: listed in the manifest but missing; rebuild the index")
        if verify and sha256_file(fp) != digest:
            raise IndexFormatError(
                f"{fp}: checksum differs from manifest.json (changed after the build); rebuild the index"
            )
    with open(root / "graph.json", encoding="utf-8") as f:
        G = nx.node_link_graph(json.load(f), directed=True, multigraph=True, edges="edges")
    frames = {
        t: pd.read_csv(root / f"{t}.csv", dtype={"unit_code": str}, keep_default_na=False, na_values=[""])
        for t in TABLES
    }
    return Index(root, manifest, G, **frames)


def _span(d: dict[str, Any]) -> Span:
    return Span(d["file"], d["line"], d["end_line"], d.get("raw", ""))


def _dec(x: str | None) -> Decimal | None:
    return Decimal(x) if x is not None else None


def _project(d: dict[str, Any]) -> Project:
    inds = tuple(Indicator(**{**i, "span": _span(i["span"])}) for i in d["indicators"])
    cites = tuple(
        Citation(
            c["key"],
            DocumentNumber(**c["number"]) if c["number"] else None,
            c["title"],
            c["field"],
            _span(c["span"]),
        )
        for c in d["citations"]
    )
    return Project(
        **{
            **d,
            "amount": _dec(d["amount"]),
            "retained": _dec(d["retained"]),
            "to_towns": _dec(d["to_towns"]),
            "basis": tuple(d["basis"]),
            "indicators": inds,
            "citations": cites,
            "unparsed": tuple(_span(u) for u in d["unparsed"]),
            "span": _span(d["span"]),
        }
    )


def load_records(index: str | Path | Index) -> tuple[list[Project], list[Diagnostic]]:
    """The typed project records and the reader's diagnostics, back from an index directory
    (or from an :class:`Index` already loaded).

    >>> projects, diags = load_records(_example_index())
    >>> len(projects), projects[18].indicators[-1].recovered, diags[0].code
    (94, True, 'shifted-cells')
    """
    idx = index if isinstance(index, Index) else load_index(index)
    with open(idx.path / "records.jsonl", encoding="utf-8") as f:
        projects = [_project(json.loads(line)) for line in f if line.strip()]
    diags = [
        Diagnostic(r["severity"], r["code"], r["message"], r["file"], None if pd.isna(r["line"]) else int(r["line"]))
        for r in idx.diagnostics.to_dict("records")
    ]
    return projects, diags


def _example_index() -> str:
    from graph.queries import _example_index as build_example

    return build_example()
