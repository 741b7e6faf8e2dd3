"""The graph as the build makes it (graph.spilled_graph): projects' nodes and edges on disk, the
shared nodes in networkx.  It iterates as the networkx graph fed the same operations in the same
order, node for node and edge for edge (random operation sequences, 8 seeds); the build's counts of
who cites a document and an issuer are the in-edges of the whole graph, on a corpus of three
documents (the sample, its next edition, another district's; synthetic, tests/editions.py); every
writer gives the bytes networkx's own writer gives of the whole graph; its files go with it."""

from __future__ import annotations

import gc
import json
import random
from pathlib import Path

import networkx as nx
import pytest

from graph.defaults import DEFAULT_SAMPLE
from graph.export import GEPHI_FILES, _flat, graph_files_beside, write_graph_files
from graph.graphdb import GraphDB, write_graph_db
from graph.knowledge import build_graph
from graph.read.issuers import IssuerResolver
from graph.read.layouts import parse_file
from graph.spilled_graph import SpilledGraph
from graph.store import write_node_link
from tests import test_graph_files

corpus = test_graph_files.corpus  # the three documents, a module fixture


def _fed_both(seed: int, folder: Path) -> tuple[SpilledGraph, nx.MultiDiGraph]:
    """A random run of operations given to both: shared nodes made or updated before, while and
    after projects are added; projects with several edges to one target, a key given twice."""
    rng = random.Random(seed)
    S, G = SpilledGraph(folder), nx.MultiDiGraph()
    shared = [f"s:{i}" for i in range(rng.randint(1, 12))]

    def touch() -> str:
        n = rng.choice(shared)
        attrs = {"type": "shared", "v": rng.randint(0, 3), **({"extra": [1, "二"]} if rng.random() < 0.3 else {})}
        S.shared.add_node(n, **attrs)
        G.add_node(n, **attrs)
        return n

    for _ in range(rng.randint(0, 3)):
        touch()
    for p in range(rng.randint(0, 15)):
        pid, attrs = f"p:{p}", {"type": "project", "amount": rng.choice([1.5, None, 7]), "name": "项目\n甲"}
        G.add_node(pid, **attrs)
        with S.project(pid, attrs) as out:
            for _ in range(rng.randint(0, 6)):
                v, k = touch(), rng.choice(["a", "b", f"line:{rng.randint(0, 2)}"])
                d = {"type": "e", "w": rng.random(), "core": rng.random() < 0.5}
                out.setdefault(v, {})[k] = d
                G.add_edge(pid, v, key=k, **d)
    for _ in range(rng.randint(0, 3)):
        n = touch()
        if rng.random() < 0.5:
            S.shared.add_edge(n, shared[0], key="issued_by", type="issued_by")
            G.add_edge(n, shared[0], key="issued_by", type="issued_by")
    return S, G


@pytest.mark.parametrize("seed", range(8))
def test_it_iterates_as_networkx_fed_the_same(seed: int, tmp_path: Path) -> None:
    S, G = _fed_both(seed, tmp_path)
    assert list(S.nodes(data=True)) == list(G.nodes(data=True))
    assert list(S.nodes(data="type")) == list(G.nodes(data="type"))
    assert list(S.edges(keys=True, data=True)) == list(G.edges(keys=True, data=True))
    assert (S.number_of_nodes(), S.number_of_edges()) == (G.number_of_nodes(), G.number_of_edges())
    assert nx.utils.graphs_equal(S.to_networkx(), G)
    assert list(S.to_networkx().edges(keys=True)) == list(G.edges(keys=True))


def test_counts_of_citers_are_the_whole_graphs_in_edges(corpus: list, tmp_path: Path) -> None:
    built = build_graph(corpus, IssuerResolver.from_package(), tmp_path)
    G = built.graph
    for n, a in G.nodes(data=True):
        if a["type"] == "document":
            cites = [(u, d) for u, _, d in G.in_edges(n, data=True) if d["type"] == "cites"]
            want = (len({u for u, _ in cites}), sum(d["mentions"] for _, d in cites))
            assert built.document_use[n] == want, n
        if a["type"] == "issuer":
            docs = [u for u, _ in G.in_edges(n)]
            assert built.issuer_use.get(n, 0) == len({p for dn in docs for p, _ in G.in_edges(dn)}), n
    assert sum(n for n, _ in built.document_use.values()) > 3 * 200  # three documents' citations counted
    assert G.number_of_nodes() == built.spilled.number_of_nodes() > 3 * 94


def _node_link(G: nx.MultiDiGraph) -> bytes:
    return json.dumps(nx.node_link_data(G, edges="edges"), ensure_ascii=False).encode("utf-8")


def test_every_writer_gives_what_networkx_writes_of_the_whole(corpus: list, tmp_path: Path) -> None:
    built = build_graph(corpus, IssuerResolver.from_package(), tmp_path)
    whole = built.graph
    write_node_link(built.spilled, tmp_path / "graph.json", batch=7)
    assert (tmp_path / "graph.json").read_bytes() == _node_link(whole)
    flat = nx.MultiDiGraph()
    flat.add_nodes_from((n, _flat(a, edge=False)) for n, a in whole.nodes(data=True))
    flat.add_edges_from((u, v, k, _flat(a, edge=True)) for u, v, k, a in whole.edges(keys=True, data=True))
    ref = tmp_path / "ref"
    ref.mkdir()
    nx.write_graphml(flat, ref / "graph.graphml")
    nx.write_gexf(flat, ref / "graph.gexf")
    write_graph_files(built.spilled, tmp_path, batch=50)
    for name in GEPHI_FILES:
        assert (tmp_path / name).read_bytes() == (ref / name).read_bytes(), name
    write_graph_db(built.spilled, tmp_path / "graph.sqlite")
    part = GraphDB(tmp_path / "graph.sqlite").nodes_of("project")
    assert list(part.nodes(data=True)) == [(n, a) for n, a in whole.nodes(data=True) if a["type"] == "project"]


def test_the_gephi_files_written_beside_are_networkx_files(corpus: list, tmp_path: Path) -> None:
    """Forked children read a graph whose last projects this process still had buffered, while this
    process reads it too: the same bytes as networkx's writers of the whole."""
    built = build_graph(corpus, IssuerResolver.from_package(), tmp_path)
    flat = nx.MultiDiGraph()
    flat.add_nodes_from((n, _flat(a, edge=False)) for n, a in built.graph.nodes(data=True))
    flat.add_edges_from((u, v, k, _flat(a, edge=True)) for u, v, k, a in built.graph.edges(keys=True, data=True))
    ref, got = tmp_path / "ref", tmp_path / "got"
    ref.mkdir()
    got.mkdir()
    nx.write_graphml(flat, ref / "graph.graphml")
    nx.write_gexf(flat, ref / "graph.gexf")
    again = build_graph(corpus, IssuerResolver.from_package(), tmp_path)  # nothing of it read yet
    with graph_files_beside(again.spilled, got, batch=50):
        write_node_link(again.spilled, got / "graph.json")
    for name in GEPHI_FILES:
        assert (got / name).read_bytes() == (ref / name).read_bytes(), name
    assert (got / "graph.json").read_bytes() == _node_link(built.graph)


def test_its_files_are_in_the_folder_given_and_go_with_it(tmp_path: Path) -> None:
    built = build_graph([parse_file(DEFAULT_SAMPLE)], IssuerResolver.from_package(), tmp_path)
    (folder,) = tmp_path.iterdir()
    assert folder.name.startswith(".graph-") and sorted(f.name for f in folder.iterdir()) == [
        "edges.jsonl",
        "nodes.jsonl",
    ]
    assert sum(1 for _ in open(folder / "nodes.jsonl", encoding="utf-8")) == 94
    del built
    gc.collect()
    assert list(tmp_path.iterdir()) == []


def test_an_edge_to_a_node_never_added_is_refused(tmp_path: Path) -> None:
    G = SpilledGraph(tmp_path)
    with pytest.raises(ValueError, match="edges to nodes not added"), G.project("p:1", {"type": "project"}) as out:
        out["doc:nowhere"] = {"cites": {"type": "cites"}}
    with pytest.raises(ValueError, match="source, target, key, attributes"):
        list(G.edges(keys=False))
    assert G.number_of_nodes() == 0 and list(G.nodes()) == []  # the refused project is not half added
