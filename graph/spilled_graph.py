"""The graph as the build makes it: each project's node and out-edges written to disk as the project
is added, the nodes projects share (departments, units, indicators, documents, issuers) and their
edges held in a networkx graph.

Held whole in networkx, the graph costs about 13 KB a project (13 GB at 10^6); the shared part grows
with the distinct documents and indicators, not with the projects.  A :class:`SpilledGraph` iterates
as the networkx ``MultiDiGraph`` with the same nodes and edges added in the same order would: node
for node, edge for edge, attributes in their order.  So every writer (node-link JSON, GraphML, GEXF,
SQLite) gives the same bytes from either, and :meth:`SpilledGraph.to_networkx` makes that graph.

>>> G = SpilledGraph()
>>> G.shared.add_node("unit:u", type="unit")
>>> with G.project("project:x", {"type": "project"}) as out:
...     G.shared.add_node("dept:a", type="department")  # made while the project is added: it follows it
...     out["dept:a"] = {"managed_by": {"type": "managed_by"}}
>>> list(G.nodes()), G.number_of_nodes(), G.number_of_edges()
(['unit:u', 'project:x', 'dept:a'], 3, 1)
>>> H = G.to_networkx()
>>> list(H.nodes) == list(G.nodes()), list(H.edges(keys=True, data=True)) == list(G.edges())
(True, True)
"""

from __future__ import annotations

import contextlib
import json
import shutil
import tempfile
import weakref
from array import array
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import networkx as nx

__all__ = ["SpilledGraph"]

Attrs = dict[str, Any]
Adjacency = dict[str, dict[str, Attrs]]  # target -> edge key -> attributes: one node's successors in networkx

_NODES = "nodes.jsonl"  # a line a project: [id, attributes]
_EDGES = "edges.jsonl"  # a line a project: [id, [[target, key, attributes], ...]], grouped by target as networkx does


class SpilledGraph:
    """A directed multigraph whose project nodes live in files (in ``folder``, or the system's
    temporary folder) and whose shared nodes live in :attr:`shared`.  A project is added once, with
    all its out-edges (:meth:`project`); a shared node made while a project is added comes after that
    project, as in networkx's insertion order."""

    def __init__(self, folder: str | Path | None = None) -> None:
        self.shared = nx.MultiDiGraph()
        self.graph: Attrs = {}
        self._folder = Path(tempfile.mkdtemp(prefix=".graph-", dir=folder))
        self._gone = weakref.finalize(self, shutil.rmtree, str(self._folder), True)
        self._nodes = open(self._folder / _NODES, "w", encoding="utf-8")
        self._edges = open(self._folder / _EDGES, "w", encoding="utf-8")
        self._marks = array("q")  # the shared nodes made before each project: those after it follow it
        self._project_edges = 0

    @contextlib.contextmanager
    def project(self, node: str, attrs: Attrs) -> Iterator[Adjacency]:
        """Add the project ``node``: fill the adjacency given (target -> key -> attributes) with its
        out-edges, whose targets must be in :attr:`shared` by the end of the block.

        >>> G = SpilledGraph()
        >>> with G.project("project:x", {"type": "project"}) as out:
        ...     G.shared.add_node("doc:a", type="document")
        ...     out["doc:a"] = {"cites:立项依据": {"type": "cites"}}
        >>> list(G.edges())
        [('project:x', 'doc:a', 'cites:立项依据', {'type': 'cites'})]
        """
        mark = self.shared.number_of_nodes()
        adjacency: Adjacency = {}
        yield adjacency
        missing = [v for v in adjacency if v not in self.shared]
        if missing:
            raise ValueError(f"{node}: edges to nodes not added: {missing[:3]}")
        edges = [[v, k, d] for v, keyed in adjacency.items() for k, d in keyed.items()]
        self._nodes.write(json.dumps([node, attrs], ensure_ascii=False) + "\n")
        self._edges.write(json.dumps([node, edges], ensure_ascii=False) + "\n")
        self._marks.append(mark)
        self._project_edges += len(edges)

    def is_directed(self) -> bool:
        return True

    def is_multigraph(self) -> bool:
        return True

    def number_of_projects(self) -> int:
        return len(self._marks)

    def number_of_nodes(self) -> int:
        return len(self._marks) + self.shared.number_of_nodes()

    def number_of_edges(self) -> int:
        return self._project_edges + self.shared.number_of_edges()

    def nodes(self, data: bool | str = False) -> Iterator[Any]:
        """As ``MultiDiGraph.nodes(data=...)``: ids, ``(id, attributes)`` or ``(id, attributes[data])``."""
        for _, node, attrs in self._in_order(edges=False):
            if data is True:
                yield node, attrs
            elif data is False:
                yield node
            else:
                yield node, attrs.get(data)

    def edges(self, keys: bool = True, data: bool = True) -> Iterator[tuple[Any, ...]]:
        """As ``MultiDiGraph.edges(keys=True, data=True)``: every edge, in networkx's order."""
        if not (keys and data):
            raise ValueError("SpilledGraph.edges gives (source, target, key, attributes) only")
        for is_project, node, out in self._in_order(edges=True):
            if is_project:
                yield from ((node, v, k, d) for v, k, d in out)
            else:
                yield from self.shared.out_edges(node, keys=True, data=True)

    def project_edges(self) -> Iterator[tuple[str, list[list[Any]]]]:
        """Each project's id with its out-edges ``[target, key, attributes]``, in the order added."""
        for _, node, out in self._in_order(edges=True, shared=False):
            yield node, out

    def flush(self) -> None:
        """The projects added so far written out of this process's buffers to the files, so that
        another process (:func:`graph.export.graph_files_beside`) reads them all."""
        self._nodes.flush()
        self._edges.flush()

    def to_networkx(self) -> nx.MultiDiGraph:
        """The whole graph in memory: what ``nx.MultiDiGraph`` given the same nodes and edges holds."""
        G = nx.MultiDiGraph()
        G.add_nodes_from(self.nodes(data=True))
        G.add_edges_from(self.edges(keys=True, data=True))
        return G

    def _in_order(self, edges: bool, shared: bool = True) -> Iterator[tuple[bool, str, Any]]:
        """``(True, project id, its attributes or out-edges)`` and ``(False, shared id, attributes)``,
        in insertion order; each project's line is read from its file as it comes."""
        self.flush()
        names = list(self.shared) if shared else []
        ends = [*self._marks[1:], len(names)] if self._marks else []
        with open(self._folder / (_EDGES if edges else _NODES), encoding="utf-8") as f:
            yield from ((False, n, self.shared.nodes[n]) for n in names[: self._marks[0] if self._marks else None])
            for start, end, line in zip(self._marks, ends, f, strict=True):
                node, found = json.loads(line)
                yield True, node, found
                yield from ((False, n, self.shared.nodes[n]) for n in names[start:end])
