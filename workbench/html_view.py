"""An interactive graph view in one self-contained HTML file: sigma.js (WebGL) and graphology,
vendored in ``workbench/static`` and inlined, so the page opens offline with no CDN.

What a reader gets: labels that keep their size when zooming and never overlap (sigma's label
grid), node size by budget for projects (by links for the rest), colours by type, filters by
region, department (grouped by region) and year, a search that lists its matches, and a side
panel whose linked nodes are clickable.  A citation graph of more than
:data:`~graph.constants.OVERVIEW_ABOVE` projects is drawn as its overview: a node per department,
sized by its 万元, with the documents several departments cite; a click opens a department into
its projects (``#open=<node id>`` in the address opens one on load).  The layout is computed here (networkx spring layout, fixed seed: the same picture each
time).  :func:`inline` shows the same page in Jupyter.

>>> import networkx as nx
>>> G = nx.MultiDiGraph()
>>> G.add_node('project:1', type='project', label='甲项目', amount=10.0); G.add_node('doc:x', type='document', label='《x》')
>>> _ = G.add_edge('project:1', 'doc:x', type='cites')
>>> html = render_html(G)
>>> '甲项目' in html and not any(x in html for x in ('<script src', '<link', 'url(http', '<img'))
True
"""

from __future__ import annotations

import html as html_lib
import json
import math
import re
from collections import defaultdict
from importlib import resources
from pathlib import Path
from typing import Any

import networkx as nx

from graph.constants import LABEL_CHARS, LAYOUT_ITERATIONS, LAYOUT_SEED, OVERVIEW_ABOVE, OVERVIEW_SHARED, VIEW_DEPTH
from graph.ids import dept_id
from graph.lookup import check_place, in_place
from graph.manifest import not_over_an_index
from graph.progress import note

__all__ = ["COLOURS", "View", "inline", "overview_for", "render_html", "script_json", "subgraph_for", "write_html"]

COLOURS = {
    "project": "#1f77b4",
    "document": "#ff7f0e",
    "issuer": "#2ca02c",
    "department": "#9467bd",
    "unit": "#8c564b",
    "indicator": "#7f7f7f",
}
_CITATION_TYPES = ("project", "document", "issuer")
PROJECT_SIZE = (4.0, 18.0)  # pixel radius of the smallest and the largest budget
OTHER_SIZE = (3.0, 9.0)  # pixel radius of other nodes, by their number of links


def subgraph_for(
    G: nx.MultiDiGraph,
    focus: str | None = None,
    depth: int = VIEW_DEPTH,
    region: str | None = None,
    year: int | None = None,
) -> nx.MultiDiGraph:
    """A project's neighbourhood (``depth`` links, any direction), or the citation graph (projects,
    documents, issuers) when ``focus`` is None: of one region or year's projects when asked (a
    district's view of a province's index), with the documents they cite and who issued those."""
    if focus is None and region is None and year is None:
        return G.subgraph(n for n, t in G.nodes(data="type") if t in _CITATION_TYPES).copy()
    if focus is None:
        projects = [(n, a) for n, a in G.nodes(data=True) if a.get("type") == "project"]
        check_place((a.get("region", "") for _, a in projects), (a.get("year") for _, a in projects), region, year)
        kept = {n for n, a in projects if in_place(a.get("region", ""), a.get("year"), region, year)}
        cited = {d for p in kept for d in G.successors(p) if G.nodes[d].get("type") == "document"}
        issuers = {i for d in cited for i in G.successors(d) if G.nodes[i].get("type") == "issuer"}
        return G.subgraph(kept | cited | issuers).copy()
    near = nx.single_source_shortest_path_length(G.to_undirected(as_view=True), focus, cutoff=depth)
    return G.subgraph(near).copy()


def overview_for(view: nx.MultiDiGraph) -> tuple[nx.MultiDiGraph, dict[str, list[dict[str, Any]]]]:
    """The overview of a large citation graph ``view`` (:func:`subgraph_for`): one node per department (of
    its region), sized by its projects' 万元, and the documents at least :data:`OVERVIEW_SHARED`
    departments cite, linked to them; with each department's projects, which the page opens on a
    click (each with the drawn documents it cites).

    >>> from graph.store import load_index
    >>> drawn, members = overview_for(subgraph_for(load_index(example_index).graph))
    >>> kinds = {t for _, t in drawn.nodes(data="type")}; sorted(kinds), sum(len(m) for m in members.values())
    (['department', 'document'], 94)
    """
    projects = [(n, a) for n, a in view.nodes(data=True) if a.get("type") == "project"]
    regions_of: dict[str, set[str]] = defaultdict(set)
    for _, a in projects:
        regions_of[a.get("department", "")].add(a.get("region", ""))
    groups: dict[str, list[tuple[str, dict[str, Any]]]] = defaultdict(list)
    for n, a in projects:  # a department of one name in two regions is two departments
        dept = a.get("department", "")
        groups[dept_id(dept) + (f"@{a.get('region', '')}" if len(regions_of[dept]) > 1 else "")].append((n, a))
    drawn = nx.MultiDiGraph()
    citing: dict[str, set[str]] = defaultdict(set)
    for group, members in groups.items():
        first = members[0][1]
        amount = round(sum(float(a.get("amount") or 0) for _, a in members), 2)
        drawn.add_node(
            group, type="department", label=first.get("department", ""), name=first.get("department", ""),
            region=first.get("region", ""), department=first.get("department", ""), amount=amount,
            n_projects=len(members), years=sorted({int(a["year"]) for _, a in members if a.get("year")}),
        )  # fmt: skip
        for n, _ in members:
            for d in view.successors(n):
                if view.nodes[d].get("type") == "document":
                    citing[d].add(group)
    shared = {d for d, by in citing.items() if len(by) >= OVERVIEW_SHARED}
    for d in sorted(shared):
        drawn.add_node(d, **view.nodes[d])
        for group in sorted(citing[d]):
            drawn.add_edge(group, d)
    opened = {
        group: [
            {
                "id": n, "label": str(a.get("label", n)), "amount": a.get("amount"), "year": a.get("year"),
                "region": a.get("region", ""), "department": a.get("department", ""),
                "docs": sorted(d for d in view.successors(n) if d in shared),
                "info": {k: v for k, v in a.items() if k != "label" and v not in (None, "", [])},
            }
            for n, a in sorted(members, key=lambda m: -float(m[1].get("amount") or 0))
        ]
        for group, members in groups.items()
    }  # fmt: skip
    return drawn, opened


def _root(amount: object) -> float:
    """The square root of an amount; 0 for none, a negative or a non-finite one (a view draws any value)."""
    value = float(amount) if isinstance(amount, int | float) else 0.0
    return math.sqrt(value) if math.isfinite(value) and value > 0 else 0.0


def _sizes(G: nx.MultiDiGraph, simple: nx.Graph) -> dict[str, float]:
    """Projects (and an overview's departments) by the square root of their budget (area ∝ 万元),
    others by their links."""
    sized = {n for n, a in G.nodes(data=True) if a.get("type") == "project" or "n_projects" in a}
    top = max((_root(G.nodes[n].get("amount")) for n in sized), default=0.0)
    top = top or 1.0
    most = max((d for _, d in simple.degree()), default=1) or 1
    out = {}
    for n, a in G.nodes(data=True):
        if n in sized:
            lo, hi = PROJECT_SIZE
            out[n] = round(lo + (hi - lo) * _root(a.get("amount")) / top, 2)
        else:
            lo, hi = OTHER_SIZE
            out[n] = round(lo + (hi - lo) * math.sqrt(simple.degree(n) / most), 2)
    return out


def _nodes(G: nx.MultiDiGraph, focus: str | None) -> list[dict[str, Any]]:
    simple = nx.Graph(G)
    k = 1.6 / max(len(simple), 1) ** 0.5
    pos = nx.spring_layout(simple, seed=LAYOUT_SEED, k=k, iterations=LAYOUT_ITERATIONS) if len(simple) else {}
    sizes = _sizes(G, simple)
    nodes = []
    for n in sorted(G.nodes):
        a = G.nodes[n]
        x, y = pos.get(n, (0.0, 0.0))
        nodes.append(
            {
                "id": n,
                "label": str(a.get("label", n)),
                "kind": a.get("type", "other"),
                "x": round(float(x) * 500, 1),
                "y": round(float(y) * 500, 1),
                "size": sizes[n],
                "department": a.get("department", ""),
                "region": a.get("region", ""),
                "year": a.get("year"),
                "years": a.get("years", []),
                "info": {k: v for k, v in a.items() if k not in ("label",) and v not in (None, "", [])},
                "focus": n == focus,
            }
        )
    return nodes


def render_html(
    G: nx.MultiDiGraph,
    focus: str | None = None,
    title: str = "budget-graph",
    members: dict[str, list[dict[str, Any]]] | None = None,
) -> str:
    """The page for graph ``G`` (already cut to what should be shown); ``members`` are the projects
    each node of an overview opens to (:func:`overview_for`)."""
    edges = sorted({tuple(sorted((u, v))) for u, v in G.edges() if u != v})
    data = {
        "nodes": _nodes(G, focus),
        "edges": [{"s": u, "t": v} for u, v in edges],
        "colours": COLOURS,
        "label_chars": LABEL_CHARS,
        "members": members or {},
    }
    sigma = resources.files("workbench").joinpath("static/sigma-graphology.min.js").read_text(encoding="utf-8")
    values = {"TITLE": html_lib.escape(title), "DATA": script_json(data), "SIGMA": sigma}
    # One pass: text that comes from the data can never be read as a placeholder.
    return _PLACEHOLDER.sub(lambda m: values[m.group(1)], _PAGE)


_PLACEHOLDER = re.compile(r"\{\{(TITLE|DATA|SIGMA)\}\}")
_SCRIPT_UNSAFE = str.maketrans(
    {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}
)


def script_json(data: object) -> str:
    """JSON safe inside a ``<script>`` element: no ``<``, ``>`` or ``&`` (so neither ``</script>``
    nor ``<!--`` can end or swallow it) and no U+2028/2029 line separators.

    >>> script_json({"a": "</script><!--&"})
    '{"a": "\\\\u003c/script\\\\u003e\\\\u003c!--\\\\u0026"}'
    """
    return json.dumps(data, ensure_ascii=False, default=str).translate(_SCRIPT_UNSAFE)


def write_html(
    G: nx.MultiDiGraph,
    out: str | Path,
    focus: str | None = None,
    depth: int = VIEW_DEPTH,
    region: str | None = None,
    year: int | None = None,
    overview_above: int | None = OVERVIEW_ABOVE,
) -> Path:
    """Write the view of a project's neighbourhood (or of the citation graph, of one region or year
    when asked) to ``out``.  A citation graph of more than ``overview_above`` projects is drawn as
    its overview (:func:`overview_for`): departments, opened to their projects on a click; ``None``
    draws every node."""
    out = not_over_an_index(out, "page")
    note(f"drawing the {'neighbourhood' if focus else 'citation graph'} ({G.number_of_nodes()} nodes in the index)")
    sub = subgraph_for(G, focus, depth, region, year)
    place = " ".join(str(x) for x in (region, year) if x is not None)
    name = G.nodes[focus].get("label", focus) if focus else " ".join(filter(None, ["citation graph", place]))
    members = None
    n_projects = sum(1 for _, t in sub.nodes(data="type") if t == "project")
    if focus is None and overview_above is not None and n_projects > overview_above:
        sub, members = overview_for(sub)
        name = f"{name} · overview of {n_projects} projects by department (click one to open it)"
    note(f"writing {sub.number_of_nodes()} nodes and {sub.number_of_edges()} links to {out}")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(render_html(sub, focus, f"budget-graph · {name}", members), encoding="utf-8")
    return out


class View:
    """The page, shown inline by Jupyter (an ``iframe`` whose ``srcdoc`` is the whole page)."""

    def __init__(self, page: str, height: int = 640) -> None:
        self.page = page
        self.height = height

    def _repr_html_(self) -> str:
        return (
            f'<iframe srcdoc="{html_lib.escape(self.page, quote=True)}" '
            f'style="width:100%;height:{self.height}px;border:1px solid #ddd" sandbox="allow-scripts"></iframe>'
        )


def inline(G: nx.MultiDiGraph, focus: str | None = None, depth: int = VIEW_DEPTH, height: int = 640) -> View:
    """The view for a notebook cell: evaluate it last in the cell and Jupyter draws it."""
    name = G.nodes[focus].get("label", focus) if focus else "citation graph"
    return View(render_html(subgraph_for(G, focus, depth), focus, f"budget-graph · {name}"), height)


_PAGE = """<!DOCTYPE html>
<html lang="zh"><head><meta charset="utf-8"><title>{{TITLE}}</title>
<style>
body{margin:0;font:13px/1.4 "WenQuanYi Micro Hei","Noto Sans CJK SC","Microsoft YaHei",sans-serif;display:flex;height:100vh;overflow:hidden;color:#222}
#graph{flex:1;position:relative;min-width:0}
#side{width:340px;flex:none;border-left:1px solid #ddd;padding:10px;box-sizing:border-box;overflow-y:auto;overflow-x:hidden}
#side h3{margin:0 0 8px;font-size:15px;word-break:break-all}
input,select{width:100%;box-sizing:border-box;padding:5px;margin:0 0 6px;font:inherit}
#legend span{display:inline-block;margin:0 8px 4px 0;white-space:nowrap}
.dot{display:inline-block;width:10px;height:10px;border-radius:50%;margin-right:4px;vertical-align:middle}
ol,ul{margin:4px 0;padding-left:20px}
li{cursor:pointer;word-break:break-all}
li:hover{text-decoration:underline}
#matches{max-height:180px;overflow-y:auto}
table{border-collapse:collapse;width:100%;table-layout:fixed}
td{border-top:1px solid #eee;padding:2px 4px;vertical-align:top;word-break:break-all}
td:first-child{width:36%;color:#666}
small{color:#888}
#stats{color:#888;font-size:11px}
</style></head>
<body>
<div id="graph"></div>
<div id="side"><h3>{{TITLE}}</h3>
<input id="q" placeholder="搜索 search: 名称, 文号, 部门">
<select id="region"><option value="">全部地区 · every region</option></select>
<select id="dept"><option value="">全部部门 · every department</option></select>
<select id="year"><option value="">全部年度 · every year</option></select>
<div id="legend"></div>
<div id="count"></div><ol id="matches"></ol>
<div id="info"></div>
<div id="stats"></div>
</div>
<script>{{SIGMA}}</script>
<script type="application/json" id="data">{{DATA}}</script>
<script>
const D = JSON.parse(document.getElementById('data').textContent);
const $ = id => document.getElementById(id);
const esc = s => String(s).replace(/[&<>"']/g, c => ({'&':'&amp;','<':'&lt;','>':'&gt;','"':'&quot;',"'":'&#39;'}[c]));
const short = s => s.length > D.label_chars ? s.slice(0, D.label_chars - 1) + '…' : s;
const g = new graphology.Graph();
const byId = {};
D.nodes.forEach(n => {
  byId[n.id] = n;
  g.addNode(n.id, {x: n.x, y: -n.y, size: n.size, label: short(n.label), color: D.colours[n.kind] || '#999',
                   kind: n.kind, forceLabel: n.focus || false, zIndex: n.kind === 'project' ? 1 : 0});
});
D.edges.forEach(e => { if (g.hasNode(e.s) && g.hasNode(e.t)) g.addEdge(e.s, e.t, {color: '#d9d9d9', size: 0.6}); });
const noLabels = location.hash.includes('nolabels');
const state = {visible: null, marked: null, selected: null};
const renderer = new Sigma(g, $('graph'), {
  renderLabels: !noLabels, labelSize: 12, labelWeight: 'normal', labelColor: {color: '#222'},
  labelFont: '"WenQuanYi Micro Hei", "Noto Sans CJK SC", "Microsoft YaHei", sans-serif',
  labelDensity: 0.6, labelGridCellSize: 90, labelRenderedSizeThreshold: 3, zIndex: true,
  nodeReducer: (node, attrs) => {
    const out = {...attrs};
    if (state.visible && !state.visible.has(node)) { out.hidden = true; return out; }
    if (state.marked && !state.marked.has(node)) { out.color = '#e6e6e6'; out.label = ''; out.zIndex = -1; }
    if (state.marked && state.marked.has(node)) { out.forceLabel = true; out.zIndex = 2; }
    if (node === state.selected) out.highlighted = true;
    return out;
  },
  edgeReducer: (edge, attrs) => {
    const [s, t] = g.extremities(edge);
    if (state.visible && !(state.visible.has(s) && state.visible.has(t))) return {...attrs, hidden: true};
    if (state.marked && !(state.marked.has(s) && state.marked.has(t))) return {...attrs, color: '#f2f2f2'};
    return attrs;
  },
});
// legend and filters
const kinds = [...new Set(D.nodes.map(n => n.kind))];
$('legend').innerHTML = kinds.map(k => '<span><i class="dot" style="background:' + (D.colours[k] || '#999') + '"></i>' +
  esc(k) + ' ' + D.nodes.filter(n => n.kind === k).length + '</span>').join('');
const fill = (id, values) => values.forEach(v => { const o = document.createElement('option'); o.value = v; o.textContent = v; $(id).appendChild(o); });
// what a filter picks: projects, and an overview's departments (which stand for their projects)
const picked = n => n.kind === 'project' || (n.kind === 'department' && D.members[n.id]);
const yearsOf = n => n.years && n.years.length ? n.years.map(String) : (n.year ? [String(n.year)] : []);
const regions = [...new Set(D.nodes.filter(n => picked(n) && n.region).map(n => n.region))].sort();
fill('region', regions);
const byRegion = {};  // departments grouped by region, as an analyst looks for them
D.nodes.filter(n => picked(n) && n.department).forEach(n => (byRegion[n.region || ''] ||= new Set()).add(n.department));
Object.keys(byRegion).sort().forEach(r => {
  const group = document.createElement('optgroup'); group.label = r || '—';
  [...byRegion[r]].sort().forEach(d => { const o = document.createElement('option'); o.value = d; o.textContent = d; group.appendChild(o); });
  $('dept').appendChild(group);
});
fill('year', [...new Set(D.nodes.filter(picked).flatMap(yearsOf))].sort());
function applyFilters() {
  const region = $('region').value, dept = $('dept').value, year = $('year').value;
  if (!region && !dept && !year) { state.visible = null; renderer.refresh(); return; }
  const keep = new Set();
  g.forEachNode(id => {
    const n = byId[id];
    if (picked(n) && (!region || n.region === region) && (!dept || n.department === dept) && (!year || yearsOf(n).includes(year))) {
      keep.add(id); g.forEachNeighbor(id, m => keep.add(m));
    }
  });
  state.visible = keep; renderer.refresh();
}
['region', 'dept', 'year'].forEach(id => $(id).addEventListener('change', applyFilters));
// an overview's department opens into its projects, placed around it, linked to the documents drawn
const opened = new Set();
function open(id) {
  const list = D.members[id]; if (!list || opened.has(id)) return; opened.add(id);
  const c = g.getNodeAttributes(id), r = 25 + 4 * Math.sqrt(list.length);
  list.forEach((p, i) => {
    if (g.hasNode(p.id)) return;
    const t = 2 * Math.PI * i / list.length;
    byId[p.id] = {...p, kind: 'project'};
    g.addNode(p.id, {x: c.x + r * Math.cos(t), y: c.y + r * Math.sin(t), size: 3, label: short(p.label),
                     color: D.colours.project, kind: 'project', zIndex: 1});
    g.addEdge(id, p.id, {color: '#d9d9d9', size: 0.6});
    p.docs.forEach(d => { if (g.hasNode(d)) g.addEdge(p.id, d, {color: '#ececec', size: 0.4}); });
  });
  $('stats').textContent = g.order + ' nodes, ' + g.size + ' links drawn; ' + opened.size + ' opened';
}
// search: the matches, listed and clickable
$('q').addEventListener('input', ev => {
  const q = ev.target.value.trim().toLowerCase();
  if (!q) { state.marked = null; $('matches').innerHTML = ''; $('count').textContent = ''; renderer.refresh(); return; }
  const hits = D.nodes.filter(n => n.label.toLowerCase().includes(q) || n.id.toLowerCase().includes(q));
  state.marked = new Set(hits.map(n => n.id));
  $('count').textContent = hits.length + ' 个匹配 · matches';
  $('matches').innerHTML = hits.slice(0, 200).map(n => '<li data-id="' + esc(n.id) + '">' + esc(n.label) +
    ' <small>(' + esc(n.kind) + ')</small></li>').join('');
  renderer.refresh();
});
function listClick(ev) { const li = ev.target.closest('li[data-id]'); if (li) show(li.dataset.id, true); }
$('matches').addEventListener('click', listClick);
$('info').addEventListener('click', listClick);
function show(id, move) {
  const n = byId[id]; if (!n) return;
  open(id);
  state.selected = id;
  const rows = Object.entries(n.info).map(([k, v]) => '<tr><td>' + esc(k) + '</td><td>' + esc(v) + '</td></tr>').join('');
  const nb = g.neighbors(id).map(m => byId[m]).sort((a, b) => a.kind.localeCompare(b.kind) || a.label.localeCompare(b.label));
  $('info').innerHTML = '<h4>' + esc(n.label) + '</h4><table>' + rows + '</table><b>Linked (' + nb.length + ')</b><ul>' +
    nb.map(m => '<li data-id="' + esc(m.id) + '">' + esc(m.label) + ' <small>(' + esc(m.kind) + ')</small></li>').join('') + '</ul>';
  state.marked = new Set([id, ...g.neighbors(id)]);
  renderer.refresh();
  if (move) { const p = renderer.getNodeDisplayData(id); if (p) renderer.getCamera().animate({x: p.x, y: p.y, ratio: 0.6}, {duration: 300}); }
}
renderer.on('clickNode', ({node}) => show(node, false));
renderer.on('clickStage', () => { state.marked = null; state.selected = null; renderer.refresh(); });
const f = D.nodes.find(n => n.focus); if (f) show(f.id, false);
$('stats').textContent = g.order + ' nodes, ' + g.size + ' links drawn';
const asked = decodeURIComponent((location.hash.match(/open=([^&]+)/) || [])[1] || '');
if (asked) show(asked, true);
document.title += ' (' + g.order + ' nodes)';
</script>
</body></html>
"""
