"""The graph files and tables are written a batch at a time, and are the files networkx and pandas
write of the whole: ``graph.json`` as ``json.dump(node_link_data(G))``, GraphML and GEXF as
``nx.write_graphml`` / ``nx.write_gexf`` of the flat copy the build used to make, each table's CSV as
the DataFrame of all its rows at once.  Byte for byte, in every batch size, on the sample, on a corpus
of three documents (the sample, its next edition and another district's, tests/editions.py,
synthetic) and on random graphs whose attributes mix types, None, lists, XML's special characters
and the names GEXF reserves."""

from __future__ import annotations

import json
import random
from pathlib import Path

import networkx as nx
import pandas as pd
import pytest

from graph import export, store
from graph.defaults import DEFAULT_SAMPLE
from graph.errors import UsageError
from graph.export import _csv, _flat, write_graph_files
from graph.knowledge import build_graph
from graph.read.issuers import IssuerResolver
from graph.read.layouts import parse_file
from graph.store import TABLE_COLUMNS, TABLES, table_for, write_node_link
from tests.editions import next_year, other_district

BATCHES = (1, 3, 10_000)


def _flat_copy(G: nx.MultiDiGraph) -> nx.MultiDiGraph:
    """What the build wrote GraphML and GEXF from before (a copy of the whole graph)."""
    H = nx.MultiDiGraph()
    H.add_nodes_from((n, _flat(a, edge=False)) for n, a in G.nodes(data=True))
    H.add_edges_from((u, v, k, _flat(a, edge=True)) for u, v, k, a in G.edges(keys=True, data=True))
    return H


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> list:
    folder = tmp_path_factory.mktemp("three")
    text = DEFAULT_SAMPLE.read_text(encoding="utf-8")
    (folder / "2024.txt").write_text(text, encoding="utf-8")
    (folder / "2025.txt").write_text(next_year(text)[0], encoding="utf-8")
    (folder / "jiangbei.txt").write_text(other_district(text)[0], encoding="utf-8")
    resolver = IssuerResolver.from_package()
    return [parse_file(p, resolver.known_codes) for p in sorted(folder.glob("*.txt"))]


def _random_graph(seed: int) -> nx.MultiDiGraph:
    """Each attribute one type, as the build's are (GEXF declares one type per attribute), or None."""
    rng = random.Random(seed)
    pools = {
        "type": ["project", "document", 'a<b>&"c\'', ""], "name": ["甲乙", "第一\n第二", "x"],
        "key": ["渝府办发〔2019〕57号"], "label": ["标签", "<x>"], "amount": [2.5, 1e-9, -3.0], "core": [True, False],
        "codes": [["x", "y"], [], ["甲"]], "year": [0, 7, 2024], "id": ["e1", "e2"], "weight": [0.5, 20.0],
    }  # fmt: skip

    def attrs(names: list[str]) -> dict:
        return {k: rng.choice([*pools[k], None]) for k in rng.sample(names, rng.randint(0, min(6, len(names))))}

    G = nx.MultiDiGraph()
    node_names = ["type", "name", "key", "label", "amount", "core", "codes", "year"]
    for i in range(rng.randint(0, 40)):
        G.add_node(f"n:{i}", **attrs(node_names))
    nodes = list(G)
    for _ in range(rng.randint(0, 80) if nodes else 0):
        u, v = rng.choice(nodes), rng.choice(nodes)
        k = G.add_edge(u, v, key=f"k{rng.randint(0, 3)}")
        G.edges[u, v, k].update(attrs([*node_names, "id", "weight"]))  # `key` an attribute, as a citation's is
    return G


def _graphs(corpus: list) -> list[nx.MultiDiGraph]:
    resolver = IssuerResolver.from_package()
    return [build_graph(corpus[:1], resolver).graph, build_graph(corpus, resolver).graph] + [
        _random_graph(seed) for seed in range(6)
    ]


@pytest.mark.parametrize("batch", BATCHES)
def test_gephi_files_are_networkx_files_of_the_flat_graph(corpus: list, tmp_path: Path, batch: int) -> None:
    for n, G in enumerate(_graphs(corpus)):
        ref, got = tmp_path / f"ref{n}", tmp_path / f"got{n}"
        ref.mkdir()
        got.mkdir()
        flat = _flat_copy(G)
        nx.write_graphml(flat, ref / "graph.graphml")
        nx.write_gexf(flat, ref / "graph.gexf")
        write_graph_files(G, got, batch=batch)
        for name in export.GEPHI_FILES:
            assert (got / name).read_bytes() == (ref / name).read_bytes(), (n, name)
        if G.number_of_edges():  # every edge kept, each with its own id
            back = nx.read_gexf(got / "graph.gexf")
            assert back.number_of_edges() == G.number_of_edges()
        assert nx.read_graphml(got / "graph.graphml").number_of_nodes() == G.number_of_nodes()


@pytest.mark.parametrize("batch", BATCHES)
def test_graph_json_is_node_link_data(corpus: list, tmp_path: Path, batch: int) -> None:
    for n, G in enumerate(_graphs(corpus)):
        ref, got = tmp_path / f"ref{n}.json", tmp_path / f"got{n}.json"
        with open(ref, "w", encoding="utf-8") as f:
            json.dump(nx.node_link_data(G, edges="edges"), f, ensure_ascii=False)
        write_node_link(G, got, batch)
        assert got.read_bytes() == ref.read_bytes(), n
        # the build's graphs read back whole (the random ones may hold `key` and `id`, which the format takes)
        if n < 2:
            back = nx.node_link_graph(json.loads(got.read_text(encoding="utf-8")), edges="edges")
            assert nx.utils.graphs_equal(back, G)


def test_each_table_is_the_frame_of_all_its_rows(corpus: list, tmp_path: Path) -> None:
    resolver = IssuerResolver.from_package()
    for docs in (corpus[:1], corpus):
        built = build_graph(docs, resolver)
        for name in TABLES:
            rows = list(store._table_rows(name, docs, built))
            whole = pd.DataFrame(rows, columns=list(TABLE_COLUMNS[name]))
            got = table_for(name, docs, built)
            assert list(got.dtypes) == list(whole.dtypes), name
            _csv(whole, tmp_path / "a.csv", "utf-8-sig")
            _csv(got, tmp_path / "b.csv", "utf-8-sig")
            assert (tmp_path / "b.csv").read_bytes() == (tmp_path / "a.csv").read_bytes(), name
    assert len(table_for("indicators", corpus, build_graph(corpus, resolver))) > 3 * 500  # three documents


def test_a_table_that_does_not_exist_is_refused(corpus: list) -> None:
    with pytest.raises(UsageError, match="no table 'budget'; the tables: projects"):
        table_for("budget", corpus, build_graph(corpus))


def test_an_empty_graph(tmp_path: Path) -> None:
    G = nx.MultiDiGraph()
    write_node_link(G, tmp_path / "g.json")
    assert json.loads((tmp_path / "g.json").read_text()) == nx.node_link_data(G, edges="edges")
    write_graph_files(G, tmp_path)
    assert nx.read_gexf(tmp_path / "graph.gexf").number_of_nodes() == 0
    assert nx.read_graphml(tmp_path / "graph.graphml").number_of_nodes() == 0


def _random_rows(seed: int) -> tuple[tuple[str, ...], list[dict]]:
    """Columns each drawn from a mix of the types the tables hold: ints with and without None, floats,
    bools with None, texts (some formulas to Excel), a column of None only, mixed."""
    rng = random.Random(seed)
    pools = [
        [1, 2024, -7], [1, None], [2.5, None, 1], [True, False], [True, None], ["甲", "=SUM(A1)", "x\ny", None],
        [None], ["a", 3, 1.5, None], [float("nan"), 2],
    ]  # fmt: skip
    cols = tuple(f"c{i}" for i in range(rng.randint(1, 8)))
    picked = {c: rng.choice(pools) for c in cols}
    rows = [{c: rng.choice(picked[c]) for c in cols} for _ in range(rng.randint(0, 40))]
    return cols, rows


@pytest.mark.parametrize("seed", range(12))
def test_a_table_written_in_frames_is_the_whole_tables_csv(tmp_path: Path, seed: int) -> None:
    cols, rows = _random_rows(seed)
    ref = export.write_index_table(pd.DataFrame(rows, columns=list(cols)), tmp_path / "ref.csv")
    for batch in (1, 3, 7, 10_000):
        got = export.write_index_rows(cols, lambda: iter(rows), tmp_path / f"got{batch}.csv", batch=batch)
        assert got.read_bytes() == ref.read_bytes(), (seed, batch)


def test_a_type_it_does_not_know_makes_the_table_whole(tmp_path: Path) -> None:
    import numpy as np

    rows = [{"a": np.int32(3), "b": 2**64}, {"a": np.int32(4), "b": None}]
    ref = export.write_index_table(pd.DataFrame(rows, columns=["a", "b"]), tmp_path / "ref.csv")
    got = export.write_index_rows(("a", "b"), lambda: iter(rows), tmp_path / "got.csv", batch=1)
    assert got.read_bytes() == ref.read_bytes()
