"""An interactive, self-contained HTML view of the graph: no CDN, no external file, opens offline.

The layout is computed here (networkx spring layout); the page draws it as SVG with a few lines
of plain JavaScript: nodes coloured by type, a search box that highlights matching nodes, a
click that shows a node's attributes and neighbours, wheel zoom and drag to pan.

>>> import networkx as nx

from graph.constants import LABEL_CHARS, LAYOUT_ITERATIONS, LAYOUT_SEED
>>> G = nx.MultiDiGraph()
>>> G.add_node('project:1', type='project', label='甲项目'); G.add_node('doc:x', type='document', label='《x》')
>>> _ = G.add_edge('project:1', 'doc:x', type='cites')
>>> html = render_html(G)
>>> '甲项目' in html and not any(x in html for x in ('<script src', '<link', 'url(http', '<img'))
True
"""

from __future__ import annotations

import html as html_lib
import json
import re
from pathlib import Path

import networkx as nx

from graph.constants import LABEL_CHARS, LAYOUT_ITERATIONS, LAYOUT_SEED

__all__ = ["COLOURS", "render_html", "script_json", "subgraph_for", "write_html"]

COLOURS = {
    "project": "#1f77b4",
    "document": "#ff7f0e",
    "issuer": "#2ca02c",
    "department": "#9467bd",
    "unit": "#8c564b",
    "indicator": "#7f7f7f",
}
_CITATION_TYPES = ("project", "document", "issuer")


def subgraph_for(G: nx.MultiDiGraph, focus: str | None = None, depth: int = 2) -> nx.MultiDiGraph:
    """A project's neighbourhood (``depth`` links, any direction), or the citation graph
    (projects, documents, issuers) when ``focus`` is None."""
    if focus is None:
        return G.subgraph(n for n, t in G.nodes(data="type") if t in _CITATION_TYPES).copy()
    near = nx.single_source_shortest_path_length(G.to_undirected(as_view=True), focus, cutoff=depth)
    return G.subgraph(near).copy()


def render_html(G: nx.MultiDiGraph, focus: str | None = None, title: str = "budget-graph") -> str:
    """The page for graph ``G`` (already cut to what should be shown)."""
    simple = nx.Graph(G)
    k = 1.6 / max(len(simple), 1) ** 0.5
    pos = nx.spring_layout(simple, seed=LAYOUT_SEED, k=k, iterations=LAYOUT_ITERATIONS) if len(simple) else {}
    nodes = []
    for n, a in G.nodes(data=True):
        x, y = pos.get(n, (0.0, 0.0))
        info = {k: v for k, v in a.items() if k not in ("label",) and v not in (None, "", [])}
        nodes.append(
            {
                "id": n,
                "label": str(a.get("label", n)),
                "type": a.get("type", "other"),
                "x": round(float(x) * 500, 1),
                "y": round(float(y) * 500, 1),
                "degree": simple.degree(n),
                "info": info,
                "focus": n == focus,
            }
        )
    edges = [{"s": u, "t": v, "type": d.get("type", "")} for u, v, d in G.edges(data=True)]
    data = {"nodes": nodes, "edges": edges, "colours": COLOURS, "label_chars": LABEL_CHARS}
    values = {"TITLE": html_lib.escape(title), "DATA": script_json(data)}
    # One pass: text that comes from the data can never be read as a placeholder.
    return _PLACEHOLDER.sub(lambda m: values[m.group(1)], _PAGE)


_PLACEHOLDER = re.compile(r"\{\{(TITLE|DATA)\}\}")
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


def write_html(G: nx.MultiDiGraph, out: str | Path, focus: str | None = None, depth: int = 2) -> Path:
    """Write the view of a project's neighbourhood (or of the citation graph) to ``out``."""
    sub = subgraph_for(G, focus, depth)
    name = G.nodes[focus].get("label", focus) if focus else "citation graph"
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(render_html(sub, focus, f"budget-graph · {name}"), encoding="utf-8")
    return out


_PAGE = """<!DOCTYPE html>
<html lang="zh"><head><meta charset="utf-8"><title>{{TITLE}}</title>
<style>
body{margin:0;font:13px/1.4 "WenQuanYi Micro Hei","Noto Sans CJK SC","Microsoft YaHei",sans-serif;display:flex;height:100vh}
#side{width:300px;padding:10px;border-right:1px solid #ddd;overflow:auto;box-sizing:border-box}
#main{flex:1;position:relative}svg{width:100%;height:100%;background:#fafafa;cursor:grab}
input{width:100%;box-sizing:border-box;padding:6px;font-size:14px}
.legend span{display:inline-block;margin:2px 8px 2px 0}.dot{display:inline-block;width:10px;height:10px;border-radius:5px;margin-right:3px}
line{stroke:#bbb;stroke-width:.6}circle{stroke:#fff;stroke-width:.8;cursor:pointer}
text{font-size:9px;fill:#333;pointer-events:none}.dim{opacity:.12}.hit{stroke:#d62728;stroke-width:3}
#info td{vertical-align:top;padding:1px 4px}#count{color:#666;margin:4px 0}
</style></head><body>
<div id="side"><h3>{{TITLE}}</h3>
<input id="q" placeholder="搜索 search: 项目, 文件, 部门…" autofocus>
<div id="count"></div><div class="legend" id="legend"></div><div id="info">Click a node.</div></div>
<div id="main"><svg id="svg" viewBox="-560 -560 1120 1120"><g id="edges"></g><g id="nodes"></g><g id="labels"></g></svg></div>
<script type="application/json" id="data">{{DATA}}</script>
<script>
const D=JSON.parse(document.getElementById('data').textContent);
const NS='http://www.w3.org/2000/svg', svg=document.getElementById('svg');
const byId={}, adj={};
D.nodes.forEach(n=>{byId[n.id]=n;adj[n.id]=new Set();});
D.edges.forEach(e=>{adj[e.s]&&adj[e.s].add(e.t);adj[e.t]&&adj[e.t].add(e.s);});
const el=(t,a)=>{const x=document.createElementNS(NS,t);for(const k in a)x.setAttribute(k,a[k]);return x;};
D.edges.forEach(e=>{const a=byId[e.s],b=byId[e.t];if(!a||!b)return;
  e.el=el('line',{x1:a.x,y1:a.y,x2:b.x,y2:b.y});document.getElementById('edges').appendChild(e.el);});
D.nodes.forEach(n=>{const r=n.focus?11:(n.type==='project'?6:3.5+Math.min(4,n.degree/3));
  n.el=el('circle',{cx:n.x,cy:n.y,r:r,fill:D.colours[n.type]||'#999'});
  n.el.appendChild(el('title',{})).textContent=n.label+' ('+n.type+')';
  n.el.addEventListener('click',ev=>{ev.stopPropagation();show(n);});
  document.getElementById('nodes').appendChild(n.el);
  if(n.type==='project'||n.focus){const t=el('text',{x:n.x+7,y:n.y+3});t.textContent=n.label.length>D.label_chars?n.label.slice(0,D.label_chars-1)+'…':n.label;
    document.getElementById('labels').appendChild(t);n.tx=t;}});
const types=[...new Set(D.nodes.map(n=>n.type))];
document.getElementById('legend').innerHTML=types.map(t=>'<span><i class="dot" style="background:'+(D.colours[t]||'#999')+'"></i>'+esc(t)+' '+D.nodes.filter(n=>n.type===t).length+'</span>').join('');
function esc(s){return String(s).replace(/[&<>"]/g,c=>({'&':'&amp;','<':'&lt;','>':'&gt;','"':'&quot;'}[c]));}
function show(n){const rows=Object.entries(n.info).map(([k,v])=>'<tr><td>'+esc(k)+'</td><td>'+esc(v)+'</td></tr>').join('');
  const nb=[...adj[n.id]].map(i=>byId[i]).filter(Boolean).map(m=>'<li>'+esc(m.label)+' <small>('+esc(m.type)+')</small></li>').join('');
  document.getElementById('info').innerHTML='<h4>'+esc(n.label)+'</h4><table>'+rows+'</table><b>Linked ('+adj[n.id].size+')</b><ul>'+nb+'</ul>';
  highlight(new Set([n.id,...adj[n.id]]));}
function highlight(keep){D.nodes.forEach(n=>{n.el.classList.toggle('dim',!!keep&&!keep.has(n.id));if(n.tx)n.tx.classList.toggle('dim',!!keep&&!keep.has(n.id));});
  D.edges.forEach(e=>{if(e.el)e.el.classList.toggle('dim',!!keep&&!(keep.has(e.s)&&keep.has(e.t)));});}
document.getElementById('q').addEventListener('input',ev=>{const q=ev.target.value.trim().toLowerCase();
  D.nodes.forEach(n=>n.el.classList.toggle('hit',!!q&&n.label.toLowerCase().includes(q)));
  if(!q){highlight(null);document.getElementById('count').textContent='';return;}
  const hits=new Set(D.nodes.filter(n=>n.label.toLowerCase().includes(q)).map(n=>n.id));
  document.getElementById('count').textContent=hits.size+' match';highlight(hits);});
svg.addEventListener('click',()=>highlight(null));
let vb=[-560,-560,1120,1120],drag=null;const setVB=()=>svg.setAttribute('viewBox',vb.join(' '));
svg.addEventListener('wheel',ev=>{ev.preventDefault();const f=ev.deltaY>0?1.15:1/1.15;const r=svg.getBoundingClientRect();
  const mx=vb[0]+vb[2]*(ev.clientX-r.left)/r.width,my=vb[1]+vb[3]*(ev.clientY-r.top)/r.height;
  vb=[mx-(mx-vb[0])*f,my-(my-vb[1])*f,vb[2]*f,vb[3]*f];setVB();},{passive:false});
svg.addEventListener('mousedown',ev=>{drag=[ev.clientX,ev.clientY];});
window.addEventListener('mouseup',()=>drag=null);
window.addEventListener('mousemove',ev=>{if(!drag)return;const r=svg.getBoundingClientRect();
  vb[0]-=(ev.clientX-drag[0])*vb[2]/r.width;vb[1]-=(ev.clientY-drag[1])*vb[3]/r.height;drag=[ev.clientX,ev.clientY];setVB();});
const f=D.nodes.find(n=>n.focus);if(f)show(f);
document.title+=' ('+D.nodes.length+' nodes)';
</script></body></html>
"""
