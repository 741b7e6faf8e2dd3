"""Build the citation knowledge graph (a networkx MultiDiGraph) from parsed documents.

Node types and ids (stable and readable):

- ``project:重庆市北碚区:2024:105:执纪监督项目`` — one per table
- ``dept:重庆市北碚区民政局`` — 业务主管部门
- ``unit:105-中国共产党重庆市北碚区纪律检查委员会`` — 编制单位
- ``doc:渝府办发〔2019〕57号`` or ``doc:《残疾人保障法》`` — cited documents
- ``issuer:重庆市人民政府办公厅`` — issuing authorities (codes resolved by :mod:`graph.read.issuers`)
- ``indicator:群众满意度`` — normalised 三级指标 names, shared across projects

Edges (``type`` attribute, also the edge key): ``managed_by``, ``prepared_by``, ``cites``
(one per field cited in), ``issued_by``, ``measures`` (operator, target_value, target_text, measure_unit, weight, core).

The graph is built as a :class:`~graph.spilled_graph.SpilledGraph`: each project's node and edges go
to a file as the project is added, and only the nodes projects share are held, so a build of 10^6
projects does not hold 13 GB of networkx; ``BuiltGraph.graph`` is the whole graph in networkx.

>>> from graph.read.layouts import parse_file
>>> G = build_graph([parse_file('data/beibei_2024_key_projects.txt')]).graph
>>> G.nodes['doc:渝府办发〔2019〕57号']['type']
'document'
>>> sorted({d['type'] for _, d in G.nodes(data=True)})
['department', 'document', 'indicator', 'issuer', 'project', 'unit']
"""

from __future__ import annotations

import contextlib
import gc
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from functools import cached_property
from pathlib import Path
from typing import Any

import networkx as nx

from graph.ids import dept_id, doc_id, indicator_id, issuer_id, unit_id
from graph.models import Citation, Issuer, ParsedDocument, Project, as_float
from graph.read.clean import indicator_key
from graph.read.issuers import IssuerResolver
from graph.spilled_graph import Adjacency, SpilledGraph
from graph.text import title_key

__all__ = ["BuiltGraph", "build_graph", "issuer_of"]


@dataclass(frozen=True)
class BuiltGraph:
    """The graph as built (its projects on disk, :mod:`graph.spilled_graph`), how title-only
    citations were joined to numbers, the issuers resolved, and the counts the tables give."""

    spilled: SpilledGraph
    titles: dict[str, str]  # a title's key -> the key of the numbered document it names
    issuers: dict[str, Issuer]  # issuer code -> Issuer
    document_use: dict[str, tuple[int, int]]  # document node -> (projects citing it, mentions)
    issuer_use: dict[str, int]  # issuer node -> projects citing one of its documents

    @cached_property
    def graph(self) -> nx.MultiDiGraph:
        """The whole graph in networkx, made on first use (the build writes from :attr:`spilled`)."""
        return self.spilled.to_networkx()

    def resolved(self, c: Citation) -> Citation:
        """``c`` with its key joined to a number where it names a numbered document by title only."""
        key = _resolved_key(c, self.titles)
        return c if key == c.key else replace(c, key=key)


def issuer_of(G: nx.MultiDiGraph, document: str) -> str | None:
    """The issuer node of a document node, or None when its issuer is unknown."""
    return next((v for _, v, k in G.out_edges(document, keys=True) if k == "issued_by"), None)


def _resolved_key(c: Citation, titles: dict[str, str]) -> str:
    """A title-only citation's key is the number of the document of that title, where one is known."""
    return c.key if c.number is not None else titles.get(c.key, c.key)


def _learn_titles(projects: Iterable[Project], resolver: IssuerResolver) -> dict[str, str]:
    """Teach ``resolver`` the corpus's issuer names, and map title keys to document keys (a title
    seen once with a number joins that number): one pass over the projects."""
    by_title: dict[str, str] = {}

    def citations() -> Iterator[Citation]:
        for p in projects:
            for c in p.citations:
                if c.number is not None and c.title:
                    by_title.setdefault(title_key(c.title), c.key)
                yield c

    resolver.learn(citations())
    return by_title


@contextlib.contextmanager
def _no_cycle_collection() -> Iterator[None]:
    """Python's cycle collector paused (reference counting still frees what is dropped): with
    10^4 projects alive, its passes over them made this step grow as n², not n (bench_scale)."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def build_graph(
    docs: Sequence[ParsedDocument], resolver: IssuerResolver | None = None, folder: str | Path | None = None
) -> BuiltGraph:
    """One graph for all documents; issuer names are learned from the whole corpus first.  Each
    project's node and edges go to a file in ``folder`` (the system's temporary folder if None)."""
    with _no_cycle_collection():
        return _build_graph(docs, resolver or IssuerResolver.from_package(), folder)


def _build_graph(docs: Sequence[ParsedDocument], resolver: IssuerResolver, folder: str | Path | None) -> BuiltGraph:
    titles = _learn_titles((p for d in docs for p in d.projects), resolver)  # docs are walked twice:
    G = SpilledGraph(folder)  # a spill (graph.spill) reads them from disk each time, holding one project
    doc_titles: dict[str, dict[str, int]] = defaultdict(dict)
    use: dict[str, list[int]] = defaultdict(lambda: [0, 0])
    for p in (p for d in docs for p in d.projects):
        with G.project(p.id, _project_attrs(p)) as out:
            _add_owners(G.shared, p, out)
            _add_indicators(G.shared, p, out)
            for c in p.citations:
                _add_citation(G.shared, out, c, _resolved_key(c, titles), doc_titles)
        for v, keyed in out.items():
            if cites := [d["mentions"] for d in keyed.values() if d["type"] == "cites"]:
                use[v][0] += 1
                use[v][1] += sum(cites)
    _name_documents(G.shared, doc_titles)
    issuers = _add_issuers(G.shared, resolver)
    document_use = {dn: (n, m) for dn, (n, m) in use.items()}
    return BuiltGraph(G, titles, issuers, document_use, _issuer_use(G))


def _issuer_use(G: SpilledGraph) -> dict[str, int]:
    """Projects citing at least one document of each issuer: one pass over the projects' edges."""
    issuer_of_doc = {u: v for u, v, k in G.shared.edges(keys=True) if k == "issued_by"}
    counts: Counter[str] = Counter()
    for _, edges in G.project_edges():
        counts.update({issuer_of_doc[v] for v, _, _ in edges if v in issuer_of_doc})
    return dict(counts)


def _project_attrs(p: Project) -> dict[str, Any]:
    return {
        "type": "project",
        "label": p.name,
        "name": p.name,
        "region": p.region,
        "year": p.year,
        "batch": p.batch,
        "department": p.department,
        "unit_name": p.unit_name,
        "unit_code": p.unit_code,
        "amount": as_float(p.amount),
        "retained": as_float(p.retained),
        "to_towns": as_float(p.to_towns),
        "file": p.span.file,
        "line": p.span.line,
        "end_line": p.span.end_line,
    }


def _add_owners(G: nx.MultiDiGraph, p: Project, out: Adjacency) -> None:
    """The project's department (业务主管部门) and its unit (编制单位)."""
    if p.department:
        dn = dept_id(p.department)
        G.add_node(dn, type="department", label=p.department, name=p.department)
        out.setdefault(dn, {})["managed_by"] = {"type": "managed_by"}
    if p.unit_name or p.unit_code:
        un = unit_id(p.unit_code, p.unit_name)
        G.add_node(un, type="unit", label=p.unit_name, name=p.unit_name, code=p.unit_code)
        out.setdefault(un, {})["prepared_by"] = {"type": "prepared_by"}


def _add_indicators(G: nx.MultiDiGraph, p: Project, out: Adjacency) -> None:
    """One node per normalised indicator name, shared across projects; one edge per row."""
    for ind in p.indicators:
        key = indicator_key(ind.name)
        if not key:
            continue
        inn = indicator_id(key)
        G.add_node(inn, type="indicator", label=key, name=key, level1=ind.level1)
        out.setdefault(inn, {})[f"measures:{ind.span.line}"] = {
            "type": "measures",
            "level1": ind.level1,
            "level2": ind.level2,
            "raw_name": ind.name,
            "operator": ind.operator,
            "target_value": ind.target,
            "target_text": ind.target_text,
            "measure_unit": ind.measure_unit,
            "weight": ind.weight,
            "core": ind.core,
            "recovered": ind.recovered,
            "line": ind.span.line,
        }


def _add_citation(
    G: nx.MultiDiGraph, out: Adjacency, c: Citation, key: str, doc_titles: dict[str, dict[str, int]]
) -> None:
    """The document node (created on first mention) and one ``cites`` edge per field."""
    dn = doc_id(key)
    if dn not in G:
        G.add_node(
            dn, type="document", label=key, key=key, number=None, title=None, issuer_code=None, document_year=None
        )
    node = G.nodes[dn]
    if c.number is not None:
        node.update(
            number=c.number.canonical,
            issuer_code=c.number.issuer_code,
            document_year=c.number.year,
            kind=c.number.kind,
        )
    if c.title:
        doc_titles[dn][c.title] = doc_titles[dn].get(c.title, 0) + 1
    edge_key = f"cites:{c.field}"
    keyed = out.setdefault(dn, {})
    if edge_key in keyed:
        keyed[edge_key]["mentions"] += 1
    else:
        keyed[edge_key] = {"type": "cites", "field": c.field, "line": c.span.line, "raw": c.span.raw, "mentions": 1}


def _name_documents(G: nx.MultiDiGraph, doc_titles: dict[str, dict[str, int]]) -> None:
    """The title cited most often (longest on ties) names the document."""
    for dn, titles in doc_titles.items():
        G.nodes[dn]["title"] = max(titles, key=lambda t: (titles[t], len(t)))
        if G.nodes[dn]["number"]:
            G.nodes[dn]["label"] = f"{G.nodes[dn]['number']} {G.nodes[dn]['title']}"


def _add_issuers(G: nx.MultiDiGraph, resolver: IssuerResolver) -> dict[str, Issuer]:
    """Resolve each document's issuer (by its code, or by its title) and link them."""
    issuers: dict[str, Issuer] = {}
    for dn, data in list(G.nodes(data=True)):
        if data["type"] != "document":
            continue
        if data.get("issuer_code"):
            iss = resolver.resolve(data["issuer_code"])
            issuers[iss.code] = iss
        else:
            found = resolver.from_title(data["title"] or "")
            if found is None:
                continue
            iss = found
        inode = issuer_id(iss.name)
        if inode not in G:
            G.add_node(
                inode, type="issuer", label=iss.name, name=iss.name, issuer_level=iss.level, codes=[], methods=[]
            )
        inode_data = G.nodes[inode]
        if iss.code and iss.code not in inode_data["codes"]:
            inode_data["codes"].append(iss.code)
        if iss.method not in inode_data["methods"]:
            inode_data["methods"].append(iss.method)
        G.add_edge(
            dn, inode, key="issued_by", type="issued_by", code=iss.code, method=iss.method, evidence=iss.evidence
        )
        G.nodes[dn]["issuer_level"] = iss.level
    return issuers
