"""Questions analysts ask of the citation graph, as pure functions returning DataFrames.

Documents, departments and projects can be named loosely: a document by its number in any
bracket style (``渝规资[2020]678 号``), by its title, or by node id; a department or project
by its full name or any unique part of it.

>>> from graph.store import load_index
>>> G = load_index(example_index).graph
>>> cited_by(G, '渝规资[2020]678 号')['project'].tolist()[:2]
['三圣镇春柳村土地整理项目', '歇马街道农荣村土地整理项目']
>>> round(float(funded_by(G, '民政局')['amount'].sum()), 2)
1816.93
>>> top = shared_documents(G).iloc[1]; (top['document_id'], int(top['n_projects']))
('doc:渝规资〔2020〕678号', 4)
>>> issuers_of(G).iloc[0][['issuer', 'issuer_level']].tolist()
['重庆市人民政府办公厅', '市']
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

import networkx as nx

from graph.constants import MIN_SHARED_PROJECTS, SHARED_ACROSS
from graph.errors import LookupFailed
from graph.graphdb import GRAPH_DB, GraphDB
from graph.i18n import UsageError, message, refusal
from graph.ids import dept_id, doc_id
from graph.knowledge import issuer_of
from graph.lookup import check_place, find_one, in_place, one_of
from graph.read.aliases import name_variants
from graph.read.citations import find_numbers
from graph.text import squash, title_key

if TYPE_CHECKING:
    import pandas as pd  # imported where a table is made: resolving a document (a question's --cites) needs none

__all__ = [
    "cited_by",
    "cited_by_in",
    "document_in",
    "document_key_at",
    "documents_of",
    "find_department",
    "find_document",
    "find_documents",
    "find_project",
    "funded_by",
    "funded_by_in",
    "issuers_of",
    "projects_total",
    "shared_documents",
]


def _nodes(G: nx.MultiDiGraph, kind: str) -> list[str]:
    return [n for n, t in G.nodes(data="type") if t == kind]


def _labels(G: nx.MultiDiGraph, nodes: list[str]) -> dict[str, str]:
    return {n: str(G.nodes[n].get("label", n)) for n in nodes}


def find_document(G: nx.MultiDiGraph, text: str) -> str:
    """Node id of a document given its id, number (any bracket style) or title.

    >>> G = nx.MultiDiGraph(); G.add_node('doc:渝府办发〔2019〕57号', type='document', title='《甲》')
    >>> find_document(G, '渝府办发[2019]57 号'), find_document(G, '甲')
    ('doc:渝府办发〔2019〕57号', 'doc:渝府办发〔2019〕57号')
    """
    found = find_documents(G, text)
    return found[0] if len(found) == 1 else one_of(found, _labels(G, found), text, "document")


_DOCUMENT_NAMES = ("title", "issuer_code")  # what find_documents reads of a document


def find_documents(G: nx.MultiDiGraph, text: str) -> list[str]:
    """Every document ``text`` names: its id, number (any bracket style) or exact title, one
    document; an issuer's prefix (``渝府办发``), all of that issuer's documents; part of a title,
    every document whose title holds it.  Refuses (:class:`LookupFailed`) when none is named.

    >>> G = nx.MultiDiGraph()
    >>> G.add_node('doc:渝府办发〔2019〕57号', type='document', title='《甲》', issuer_code='渝府办发')
    >>> G.add_node('doc:渝府办发〔2020〕3号', type='document', title='《乙》', issuer_code='渝府办发')
    >>> find_documents(G, '渝府办发')
    ['doc:渝府办发〔2019〕57号', 'doc:渝府办发〔2020〕3号']
    """
    if text in G and G.nodes[text].get("type") == "document":
        return [text]
    nums = find_numbers(text)
    if nums:
        node = doc_id(nums[0][2].canonical)
        if node in G:
            return [node]
        raise refusal(LookupFailed, "document-not-cited", number=nums[0][2].canonical)
    docs = _nodes(G, "document")
    prefix = squash(text)
    by_issuer = sorted(n for n in docs if prefix and G.nodes[n].get("issuer_code") == prefix)
    if by_issuer:
        return by_issuer
    key = title_key(text)
    exact = [n for n in docs if n == doc_id(key) or (G.nodes[n].get("title") and title_key(G.nodes[n]["title"]) == key)]
    if exact:
        return exact[:1]
    needle = key.strip("《》")
    found = [n for n in docs if needle in title_key(G.nodes[n].get("title") or n)]
    if not found:
        one_of([], {}, text, "document")  # raises: no document matches
    return found


def find_department(G: nx.MultiDiGraph, text: str) -> str:
    """Node id of a department by full name, id, or unique part of the name."""
    node = text if text.startswith("dept:") else dept_id(text)
    if node in G:
        return node
    names = {n: G.nodes[n]["name"] for n in _nodes(G, "department")}
    return find_one(names, text, "department", name_variants(text))


def find_project(G: nx.MultiDiGraph, text: str) -> str:
    """Node id of a project by id, exact name, or unique part of the name."""
    return find_one({n: G.nodes[n]["name"] for n in _nodes(G, "project")}, text, "project")


PROJECT_COLUMNS = ["project_id", "project", "region", "year", "department", "amount", "file", "line"]


Places = list[tuple[str, int | None]]  # (region, year) of every project of the index
Part = tuple[nx.MultiDiGraph, Places | None]  # a part of the graph, and the places of the whole


def _check_place(G: nx.MultiDiGraph, region: str | None, year: int | None, places: Places | None = None) -> None:
    """Refuse a region or year no project has; ``places`` are the projects' when ``G`` is a part."""
    if region or year is not None:
        if places is None:
            places = [(G.nodes[p].get("region") or "", G.nodes[p].get("year")) for p in _nodes(G, "project")]
        check_place((r for r, _ in places), (y for _, y in places), region, year)


class _Parts(Protocol):
    """What :func:`cited_by_in` and :func:`funded_by_in` read of a loaded index (graph.store.Index)."""

    @property
    def graph(self) -> nx.MultiDiGraph: ...

    @property
    def db(self) -> GraphDB | None: ...


def _part(
    index: _Parts,
    read: Callable[[GraphDB], nx.MultiDiGraph],
    named: Callable[[nx.MultiDiGraph], list[str]],
    edge_type: str,
) -> Part:
    """The nodes ``read`` gives, those ``named`` of them whole with their ``edge_type`` edges in and
    the nodes those come from, and the projects' places: the part of the graph a question reads."""
    db = index.db
    if db is None:
        return index.graph, None
    G = read(db)
    db.grow(G, named(G), edge_type)
    return G, db.places()


def _documents_for(text: str) -> Callable[[GraphDB], nx.MultiDiGraph]:
    """What :func:`find_documents` needs to answer ``text``: the document its id or number names,
    read alone (it answers, or refuses, from that one); else every document, their names only."""

    def read(db: GraphDB) -> nx.MultiDiGraph:
        nums = find_numbers(text)
        direct = [text, *([doc_id(nums[0][2].canonical)] if nums else [])]
        G = db.nodes_named(direct, "document")
        return G if len(G) or nums else db.nodes_of("document", _DOCUMENT_NAMES)

    return read


def _kept(G: nx.MultiDiGraph, p: str, region: str | None, year: int | None) -> bool:
    """Whether project ``p`` is of ``region`` (any part of its name) and ``year``, where given."""
    a = G.nodes[p]
    return in_place(a.get("region") or "", a.get("year"), region, year)


def _project_rows(G: nx.MultiDiGraph, ids: list[str]) -> list[dict[str, object]]:
    return [
        {"project_id": p, "project": G.nodes[p]["name"], **{c: G.nodes[p][c] for c in PROJECT_COLUMNS[2:]}} for p in ids
    ]


def _by_source(G: nx.MultiDiGraph, p: str) -> tuple[str, int]:
    return (G.nodes[p]["file"], G.nodes[p]["line"])


def _citing(G: nx.MultiDiGraph, dn: str) -> list[str]:
    return sorted({u for u, _, d in G.in_edges(dn, data=True) if d["type"] == "cites"})


def document_in(index: _Parts, text: str) -> dict[str, object]:
    """The attributes of the one document ``text`` names (:func:`find_document`), reading only the
    documents where the index has ``graph.sqlite``.

    >>> from graph.store import load_index
    >>> document_in(load_index(example_index), '渝府办发[2019]57 号')['key']
    '渝府办发〔2019〕57号'
    """
    db = index.db
    if db is None:
        return dict(index.graph.nodes[find_document(index.graph, text)])
    G = _documents_for(text)(db)
    node = find_document(G, text)
    db.whole(G, [node])
    return dict(G.nodes[node])


def document_key_at(root: str | Path, text: str) -> str:
    """The key of the one document ``text`` names, in the index directory ``root``: read from
    ``graph.sqlite`` alone (its manifest entry checked), without the tables or pandas, which a
    question's ``--cites`` does not need; from the whole graph for an index written before it.

    >>> document_key_at(example_index, '渝府办发[2019]57 号')
    '渝府办发〔2019〕57号'
    """
    from graph.manifest import GRAPH_FORMAT, read_manifest

    root = Path(root)
    if GRAPH_DB not in read_manifest(root, *GRAPH_FORMAT, required=[])["files"]:
        from graph.store import load_index

        return str(document_in(load_index(root), text)["key"])
    db = GraphDB(root / GRAPH_DB)
    G = _documents_for(text)(db)
    node = find_document(G, text)
    db.whole(G, [node])
    return str(G.nodes[node]["key"])


def cited_by_in(index: _Parts, document: str, region: str | None = None, year: int | None = None) -> pd.DataFrame:
    """:func:`cited_by` on an index, reading the documents and the projects citing those named
    (not the whole graph) where the index has ``graph.sqlite``.

    >>> from graph.store import load_index
    >>> cited_by_in(load_index(example_index), '渝府办发')['project_id'].nunique()
    13
    """
    G, places = _part(index, _documents_for(document), lambda part: find_documents(part, document), "cites")
    return cited_by(G, document, region, year, places)


def funded_by_in(index: _Parts, department: str, region: str | None = None, year: int | None = None) -> pd.DataFrame:
    """:func:`funded_by` on an index, reading the departments and that one's projects only.

    >>> from graph.store import load_index
    >>> round(float(funded_by_in(load_index(example_index), '城管局')['amount'].sum()), 2)
    5546.02
    """
    departments = functools.partial(GraphDB.nodes_of, node_type="department", fields=("name",))
    G, places = _part(index, departments, lambda part: [find_department(part, department)], "managed_by")
    return funded_by(G, department, region, year, places)


def cited_by(
    G: nx.MultiDiGraph, document: str, region: str | None = None, year: int | None = None, places: Places | None = None
) -> pd.DataFrame:
    """Projects that cite a document, with the fields they cite it in; ``region`` (any part of
    its name) and ``year`` narrow them.  A text naming several documents (an issuer's prefix, part
    of a title) lists the projects of each, grouped by document (the ``document`` column).

    >>> from graph.store import load_index
    >>> cited_by(load_index(example_index).graph, '渝府办发〔2019〕57号')[['project', 'document']].values.tolist()
    [['农业发展专项', '渝府办发〔2019〕57号']]
    """
    _check_place(G, region, year, places)
    rows = []
    for dn in find_documents(G, document):
        fields: dict[str, list[str]] = {}
        for u, _, d in G.in_edges(dn, data=True):
            if d["type"] == "cites" and _kept(G, u, region, year):
                fields.setdefault(u, []).append(d["field"])
        shown = G.nodes[dn].get("number") or G.nodes[dn].get("title") or dn
        for r in _project_rows(G, sorted(fields, key=lambda p: _by_source(G, p))):
            rows.append({**r, "fields": "、".join(fields[str(r["project_id"])]), "document": shown})
    import pandas as pd

    return pd.DataFrame(rows, columns=[*PROJECT_COLUMNS[:6], "fields", "document", *PROJECT_COLUMNS[6:]])


def documents_of(G: nx.MultiDiGraph, project: str) -> pd.DataFrame:
    """Documents a project cites, with their issuers and levels."""
    pn = find_project(G, project)
    rows = []
    for _, dn, d in G.out_edges(pn, data=True):
        if d["type"] != "cites":
            continue
        iss = issuer_of(G, dn)
        rows.append(
            {
                "document_id": dn,
                "number": G.nodes[dn].get("number"),
                "document_title": G.nodes[dn].get("title"),
                "field": d["field"],
                "issuer": G.nodes[iss]["name"] if iss else None,
                "issuer_level": G.nodes[iss]["issuer_level"] if iss else None,
                "line": d["line"],
            }
        )
    columns = ["document_id", "number", "document_title", "field", "issuer", "issuer_level", "line"]
    import pandas as pd

    return pd.DataFrame(rows, columns=columns)


def funded_by(
    G: nx.MultiDiGraph,
    department: str,
    region: str | None = None,
    year: int | None = None,
    places: Places | None = None,
) -> pd.DataFrame:
    """Projects a department manages (业务主管部门), largest budget first; ``region`` and
    ``year`` narrow them."""
    dn = find_department(G, department)
    _check_place(G, region, year, places)
    ids = [u for u, _, k in G.in_edges(dn, keys=True) if k == "managed_by" and _kept(G, u, region, year)]
    import pandas as pd

    df = pd.DataFrame(_project_rows(G, ids), columns=PROJECT_COLUMNS)
    return df.sort_values("amount", ascending=False, kind="stable").reset_index(drop=True)


def shared_documents(
    G: nx.MultiDiGraph,
    min_projects: int = MIN_SHARED_PROJECTS,
    across: str | None = None,
    region: str | None = None,
    year: int | None = None,
) -> pd.DataFrame:
    """Documents cited by at least ``min_projects`` different projects, most shared first.
    With ``across="regions"`` (or ``"years"``) the least number counts regions (years) instead:
    the city and national documents several districts rest on."""
    if across is not None and across not in SHARED_ACROSS:
        raise UsageError(f"across must be one of {', '.join(SHARED_ACROSS)}, got {across!r}")
    _check_place(G, region, year)
    rows = []
    for dn in _nodes(G, "document"):
        projects = [p for p in _citing(G, dn) if _kept(G, p, region, year)]
        regions = sorted({G.nodes[p].get("region") or "" for p in projects})
        years = sorted({G.nodes[p].get("year") for p in projects}, key=lambda y: (y is None, y))
        count = {"regions": len(regions), "years": len(years)}.get(across or "", len(projects))
        if count < min_projects:
            continue
        iss = issuer_of(G, dn)
        rows.append(
            {
                "document_id": dn,
                "document_title": G.nodes[dn].get("title"),
                "issuer": G.nodes[iss]["name"] if iss else None,
                "n_projects": len(projects),
                "regions": "、".join(r or "-" for r in regions),
                "years": "、".join(str(y) if y is not None else "-" for y in years),
                "departments": len({G.nodes[p]["department"] for p in projects}),
                "projects": "; ".join(G.nodes[p]["name"] for p in projects),
            }
        )
    columns = ["document_id", "document_title", "issuer", "n_projects", "regions", "years", "departments", "projects"]
    import pandas as pd

    df = pd.DataFrame(rows, columns=columns)
    return df.sort_values(["n_projects", "document_id"], ascending=[False, True], kind="stable").reset_index(drop=True)


def issuers_of(G: nx.MultiDiGraph, projects: list[str] | None = None) -> pd.DataFrame:
    """Issuers the projects rest on: documents, citing projects and their budget, per issuer.

    ``projects`` limits the question to some projects (ids or names); all by default.
    """
    chosen = {find_project(G, p) for p in projects} if projects is not None else set(_nodes(G, "project"))
    stats: dict[str, dict[str, set[str]]] = {}
    for dn in _nodes(G, "document"):
        iss = issuer_of(G, dn)
        citing = set(_citing(G, dn)) & chosen
        if iss is None or not citing:
            continue
        s = stats.setdefault(iss, {"docs": set(), "projects": set()})
        s["docs"].add(dn)
        s["projects"] |= citing
    rows = [
        {
            "issuer": G.nodes[i]["name"],
            "issuer_level": G.nodes[i]["issuer_level"],
            "codes": "; ".join(G.nodes[i]["codes"]),
            "n_documents": len(s["docs"]),
            "n_projects": len(s["projects"]),
            "amount": round(sum(G.nodes[p]["amount"] or 0 for p in s["projects"]), 2),
        }
        for i, s in stats.items()
    ]
    import pandas as pd

    df = pd.DataFrame(rows, columns=["issuer", "issuer_level", "codes", "n_documents", "n_projects", "amount"])
    return df.sort_values(
        ["n_projects", "n_documents", "issuer"], ascending=[False, False, True], kind="stable"
    ).reset_index(drop=True)


def projects_total(df: pd.DataFrame, lang: str = "en") -> str | None:
    """The line under a listing of projects: how many, and their budget in 万元 (each project once),
    in ``lang`` (:mod:`graph.i18n`).

    >>> import pandas as pd
    >>> projects_total(pd.DataFrame({'project_id': ['a', 'b', 'b'], 'amount': [1.5, 2.0, 2.0]}))
    '2 projects, 3.50 万元'
    """
    if "project_id" not in df or "amount" not in df:
        return None
    once = df.drop_duplicates("project_id")
    which = "project-total" if len(once) == 1 else "projects-total"
    return message(which, lang, n=len(once), amount=f"{once['amount'].fillna(0).sum():,.2f}")
