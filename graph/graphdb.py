"""The citation graph in SQLite, ``<index>/graph.sqlite``: every node and edge of ``graph.json``,
indexed by type and by endpoint, so a question loads the part of the graph it names.

``cited-by`` reads the documents, then only the projects citing the ones named; ``funded-by``
the departments, then only their projects.  At 10^5 projects that is a fraction of a second
against the 16 s and 2.4 GiB that parsing ``graph.json`` costs (``bench/bench_cold.py``).  The
part is a networkx graph like the whole, so :mod:`graph.queries` answers on either.

>>> import networkx as nx, tempfile
>>> G = nx.MultiDiGraph()
>>> G.add_node("project:a", type="project", name="甲", region="北碚区", year=2024)
>>> G.add_node("doc:x", type="document", title="《乙》")
>>> _ = G.add_edge("project:a", "doc:x", key="cites:立项依据", type="cites", field="立项依据")
>>> path = f"{tempfile.mkdtemp()}/graph.sqlite"
>>> write_graph_db(G, path)
>>> db = GraphDB(path)
>>> part = db.nodes_of("document", fields=("title",))
>>> db.grow(part, ["doc:x"], "cites")
>>> sorted(part.nodes), part.nodes["project:a"]["name"], db.places()
(['doc:x', 'project:a'], '甲', [('北碚区', 2024)])
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import networkx as nx

from graph.errors import IndexFormatError
from graph.export import WritableGraph, batches

__all__ = ["GRAPH_DB", "GraphDB", "write_graph_db"]

GRAPH_DB = "graph.sqlite"  # the graph's nodes and edges, indexed (what a question naming a part reads)
_BATCH = 50_000  # rows per executemany: bounded memory while writing a large graph
_SCHEMA = """
CREATE TABLE nodes (id TEXT PRIMARY KEY, type TEXT, region TEXT, year INTEGER, data TEXT NOT NULL);
CREATE TABLE edges (source TEXT NOT NULL, target TEXT NOT NULL, key TEXT, type TEXT, data TEXT NOT NULL);
"""
_INDEXES = """
CREATE INDEX nodes_by_type ON nodes (type, region, year);
CREATE INDEX edges_by_target ON edges (target, type);
CREATE INDEX edges_by_source ON edges (source, type);
"""


def write_graph_db(G: WritableGraph, path: str | Path) -> None:
    """Write ``G`` to ``path`` (replaced whole: written beside it, then renamed)."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.unlink(missing_ok=True)
    db = sqlite3.connect(tmp)
    try:
        db.executescript("PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;" + _SCHEMA)
        nodes = ((n, a.get("type"), a.get("region"), a.get("year"), _json(a)) for n, a in G.nodes(data=True))
        for rows in batches(nodes, _BATCH):
            db.executemany("INSERT INTO nodes VALUES (?, ?, ?, ?, ?)", rows)
        edges = ((u, v, k, d.get("type"), _json(d)) for u, v, k, d in G.edges(keys=True, data=True))
        for rows in batches(edges, _BATCH):
            db.executemany("INSERT INTO edges VALUES (?, ?, ?, ?, ?)", rows)
        db.executescript(_INDEXES)
        db.commit()
    finally:
        db.close()
    os.replace(tmp, path)


class GraphDB:
    """Read parts of a graph written by :func:`write_graph_db`, read-only."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        try:
            self._db = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True)
        except sqlite3.Error as exc:
            raise self._unreadable(exc) from exc
        self._fetch("SELECT 1 FROM nodes LIMIT 1")

    def nodes_of(self, node_type: str, fields: Sequence[str] = ()) -> nx.MultiDiGraph:
        """A graph of every node of ``node_type`` and no edges; with ``fields``, only those
        attributes (and ``type``) are read: what finding a node by its name needs."""
        G = nx.MultiDiGraph()
        if not fields:
            G.add_nodes_from(self._rows("SELECT id, data FROM nodes WHERE type = ?", (node_type,)))
            return G
        picked = ", ".join(f"json_extract(data, '$.{f}')" for f in fields if f.isidentifier())
        rows = self._fetch(f"SELECT id, {picked} FROM nodes WHERE type = ?", (node_type,))
        G.add_nodes_from((r[0], {"type": node_type, **dict(zip(fields, r[1:], strict=True))}) for r in rows)
        return G

    def grow(self, G: nx.MultiDiGraph, nodes: Iterable[str], edge_type: str) -> None:
        """Give ``nodes`` all their attributes, and add to ``G`` the ``edge_type`` edges into them
        and the nodes those come from."""
        targets = list(nodes)
        self.whole(G, targets)
        for chunk in batches(targets, 900):  # SQLite's limit on bound parameters
            marks = ",".join("?" * len(chunk))
            edges = self._fetch(
                f"SELECT source, target, key, data FROM edges WHERE type = ? AND target IN ({marks})",
                (edge_type, *chunk),
            )
            self.whole(G, sorted({u for u, _, _, _ in edges} - set(G)))
            G.add_edges_from((u, v, k, json.loads(d)) for u, v, k, d in edges)

    def nodes_named(self, ids: Sequence[str], node_type: str) -> nx.MultiDiGraph:
        """A graph of those of ``ids`` that are nodes of ``node_type``, whole, and no edges."""
        G = nx.MultiDiGraph()
        marks = ",".join("?" * len(ids))
        G.add_nodes_from(
            self._rows(f"SELECT id, data FROM nodes WHERE type = ? AND id IN ({marks})", (node_type, *ids))
        )
        return G

    def whole(self, G: nx.MultiDiGraph, nodes: Iterable[str]) -> None:
        """Give ``nodes`` of ``G`` all their attributes (a part read with some ``fields`` only)."""
        for chunk in batches(list(nodes), 900):  # SQLite's limit on bound parameters
            marks = ",".join("?" * len(chunk))
            G.add_nodes_from(self._rows(f"SELECT id, data FROM nodes WHERE id IN ({marks})", chunk))

    def places(self) -> list[tuple[str, int | None]]:
        """(region, year) of the projects, each once: what a region or year filter is checked against."""
        rows = self._fetch("SELECT DISTINCT region, year FROM nodes WHERE type = 'project'")
        return [(r or "", y) for r, y in rows]

    def _rows(self, sql: str, args: Iterable[Any]) -> Iterator[tuple[str, dict[str, Any]]]:
        """(id, attributes) of the nodes ``sql`` selects."""
        for node, data in self._fetch(sql, args):
            try:
                yield node, json.loads(data)
            except ValueError as exc:
                raise self._unreadable(exc) from exc

    def _fetch(self, sql: str, args: Iterable[Any] = ()) -> list[tuple[Any, ...]]:
        try:
            return self._db.execute(sql, tuple(args)).fetchall()
        except sqlite3.Error as exc:
            raise self._unreadable(exc) from exc

    def _unreadable(self, exc: Exception) -> IndexFormatError:
        return IndexFormatError(f"{self.path}: unreadable graph database ({exc}); rebuild the index")


def _json(attrs: dict[str, Any]) -> str:
    return json.dumps(attrs, ensure_ascii=False)
