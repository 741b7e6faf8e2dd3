"""How projects are linked in the graph: a neighbourhood, a chain between two projects, and the
communities of projects that share documents and indicators.

>>> from graph.store import load_index
>>> G = load_index(example_index).graph
>>> route = path(G, '照明设施电费', '路灯运行设施维护费')   # project -> shared document -> project
>>> len(route), route[1].startswith('doc:')
(3, True)
>>> sorted(set(neighbours(G, '保交楼经费', depth=1)['type']))
['department', 'document', 'indicator', 'project', 'unit']
>>> bool(communities(G).iloc[0]['size'] >= 2)
True
"""

from __future__ import annotations

import logging
import re
from collections import Counter

import networkx as nx
import pandas as pd

from graph import queries
from graph.constants import (
    COMMUNITY_INDICATOR_FLOOR,
    COMMUNITY_INDICATOR_SPREAD,
    COMMUNITY_LABEL_TERMS,
    COMMUNITY_SEED,
)
from graph.errors import LookupFailed
from graph.read.places import places

__all__ = ["communities", "neighbours", "node_named", "path", "project_graph"]

_SHARED = ("project", "document", "indicator")  # the nodes whose paths mean a shared basis or measure


def node_named(G: nx.MultiDiGraph, name: str) -> str:
    """The node a name means: a node id, else a project (id or name), else a document (number or title)."""
    if name in G:
        return name
    try:
        return queries.find_project(G, name)
    except LookupFailed as not_project:
        try:
            return queries.find_document(G, name)
        except LookupFailed:
            raise LookupFailed(f"{not_project}; nor is it a document number or title") from None


def neighbours(G: nx.MultiDiGraph, project: str, depth: int = 1) -> pd.DataFrame:
    """Everything within ``depth`` links of a project (either direction), nearest first."""
    start = node_named(G, project)
    dist = nx.single_source_shortest_path_length(G.to_undirected(as_view=True), start, cutoff=depth)
    rows = [
        {"node": n, "type": G.nodes[n]["type"], "label": G.nodes[n].get("label", n), "distance": d}
        for n, d in dist.items()
    ]
    return pd.DataFrame(rows).sort_values(["distance", "type", "node"], kind="stable").reset_index(drop=True)


def path(G: nx.MultiDiGraph, a: str, b: str) -> list[str]:
    """The shortest chain from one project to another through shared documents or indicators."""
    src, dst = node_named(G, a), node_named(G, b)
    links = nx.Graph(G.subgraph([n for n, t in G.nodes(data="type") if t in _SHARED]))
    try:
        return list(nx.shortest_path(links, src, dst))
    except nx.NetworkXNoPath as exc:
        raise LookupFailed(f"no chain of shared documents or indicators links {a!r} and {b!r}") from exc


def project_graph(G: nx.MultiDiGraph) -> nx.Graph:
    """Projects linked by what they share: documents (weight 1 each) and indicators (by rarity)."""
    P = nx.Graph()
    projects = [n for n, t in G.nodes(data="type") if t == "project"]
    P.add_nodes_from(projects)
    n = max(len(projects), 1)
    for node, t in G.nodes(data="type"):
        if t not in ("document", "indicator"):
            continue
        users = sorted({u for u, _ in G.in_edges(node)})
        if len(users) < 2:
            continue
        w = 1.0 if t == "document" else max(COMMUNITY_INDICATOR_FLOOR, 1 - len(users) / n * COMMUNITY_INDICATOR_SPREAD)
        for i, u in enumerate(users):
            for v in users[i + 1 :]:
                P.add_edge(u, v, weight=P.get_edge_data(u, v, {"weight": 0})["weight"] + w)
    return P


def communities(G: nx.MultiDiGraph, resolution: float = 1.0, seed: int = COMMUNITY_SEED) -> pd.DataFrame:
    """Groups of projects that share documents and indicators (Louvain), labelled by common terms."""
    groups = nx.community.louvain_communities(project_graph(G), weight="weight", resolution=resolution, seed=seed)
    rows = []
    for members in sorted(groups, key=lambda g: (-len(g), sorted(g))):
        names = [G.nodes[m]["name"] for m in sorted(members)]
        rows.append(
            {
                "label": _common_terms(names),
                "size": len(members),
                "departments": len({G.nodes[m]["department"] for m in members}),
                "amount": round(sum(G.nodes[m]["amount"] or 0 for m in members), 2),
                "projects": "; ".join(names),
            }
        )
    df = pd.DataFrame(rows)
    df.insert(0, "community", range(1, len(df) + 1))
    return df


def _generic(word: str) -> bool:
    """A generic budget word, or a place's name: no subject of a group (graph/read/data)."""
    return word in places().words["generic"] or places().is_place_word(word)


def _common_terms(names: list[str], n: int = COMMUNITY_LABEL_TERMS) -> str:
    """Words the names of a group share most (jieba), generic budget words left out."""
    import jieba

    jieba.setLogLevel(logging.WARNING)
    counts: Counter[str] = Counter()
    for name in names:
        words = {w for w in jieba.lcut(re.sub(r"[（(][^）)]*[）)]|\s+", "", name)) if len(w) >= 2 and not _generic(w)}
        counts.update(words)
    ranked = sorted(counts.items(), key=lambda wc: (-wc[1], wc[0]))  # ties by the word: the same label every run
    common = [w for w, c in ranked if c >= 2][:n] or [w for w, _ in ranked[:n]]
    return "、".join(common)
