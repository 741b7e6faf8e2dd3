"""The interactive HTML view, opened in a real headless browser (Debian's chromium)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

import search
from graph.store import Index
from workbench.html_view import COLOURS

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]  # fmt: skip


@pytest.fixture
def browser(tmp_path: Path) -> list[str]:
    if CHROMIUM is None:
        if os.environ.get("REQUIRE_BROWSER"):
            pytest.fail("chromium is not installed but REQUIRE_BROWSER is set (`make test` installs it)")
        pytest.skip("chromium not installed: apt-get install chromium")
    return [CHROMIUM, *FLAGS, f"--user-data-dir={tmp_path / 'profile'}"]


def page(tmp_path: Path, index: Index, *args: str) -> Path:
    out = tmp_path / "view.html"
    assert search.main(["graph", *args, "--html", str(out), "--index", str(index.path)]) == 0
    return out


def test_page_is_self_contained(tmp_path: Path, sample_index: Index) -> None:
    html = page(tmp_path, sample_index, "保交楼经费").read_text(encoding="utf-8")
    assert "保交楼经费" in html and 'id="q"' in html
    assert not any(x in html for x in ("<script src", "<link", "url(http", "<img"))


def _shot(browser: list[str], url: str, out: Path) -> np.ndarray:
    subprocess.run([*browser, "--window-size=1200,900", f"--screenshot={out}", url], capture_output=True, timeout=120,
                   check=True)  # fmt: skip
    import matplotlib.image as mpimg

    return np.asarray((mpimg.imread(out)[..., :3] * 255).round())


def test_browser_draws_the_nodes_and_their_labels(tmp_path: Path, sample_index: Index, browser: list[str]) -> None:
    html = page(tmp_path, sample_index)  # the whole citation graph
    dom = subprocess.run(
        [*browser, "--dump-dom", html.as_uri()], capture_output=True, text=True, timeout=120, check=True
    ).stdout
    assert f"{94 + 294 + 84} nodes" in dom  # every project, document and issuer in the drawn graph
    img = _shot(browser, html.as_uri(), tmp_path / "shot.png")
    graph_area = img[:, : img.shape[1] - 360]  # left of the side panel
    for kind in ("project", "document", "issuer"):
        rgb = np.array([int(COLOURS[kind][i : i + 2], 16) for i in (1, 3, 5)])
        assert (np.abs(graph_area - rgb).max(axis=-1) < 8).sum() > 100, f"no {kind} nodes visible in the screenshot"
    # Labels are drawn on the canvas, not in the DOM: compare with the same page drawn without them.
    bare = _shot(browser, html.as_uri() + "#nolabels", tmp_path / "bare.png")[:, : img.shape[1] - 360]
    dark = lambda a: int((a.max(axis=-1) < 90).sum())  # noqa: E731  label text is #222
    assert dark(graph_area) > dark(bare) + 2000, (dark(graph_area), dark(bare))


def test_neighbourhood_in_the_browser(tmp_path: Path, sample_index: Index, browser: list[str]) -> None:
    html = page(tmp_path, sample_index, "保交楼经费", "--depth", "1")
    dom = subprocess.run(
        [*browser, "--dump-dom", html.as_uri()], capture_output=True, text=True, timeout=120, check=True
    ).stdout
    assert "<h4>保交楼经费</h4>" in dom  # the focus project's panel opened on load
    assert "12 nodes" in dom  # the project and its 11 neighbours
    import re

    assert len(re.findall(r'<li data-id="(?:dept|doc|indicator|unit|project|issuer):', dom)) == 11  # each clickable


def test_inline_view_for_jupyter(sample_index: Index) -> None:
    from workbench.html_view import inline

    view = inline(sample_index.graph, "project:重庆市北碚区:2024:201:保交楼经费", depth=1)
    frame = view._repr_html_()
    assert frame.startswith("<iframe srcdoc=") and "&lt;script&gt;" in frame and "保交楼经费" in frame
    assert "window.Sigma" in view.page  # the library travels inside the page


CRAFTED = "甲&lt;img src=x onerror=&quot;document.title='PWNED'&quot;&gt;{{DATA}}{{TITLE}}"
SCRIPTS = (
    "<p>&lt;img src=y onerror=&quot;document.title='PWNED'&quot;&gt;</p>"  # entities that become markup
    "</script><script>document.title='PWNED'</script><!--<script> \u2028"  # script breakers
)


def test_crafted_document_runs_no_script(tmp_path: Path, browser: list[str]) -> None:
    """A table whose texts carry markup, placeholders and script breakers: shown as text, never run."""
    from index.build import build
    from tests.test_tables import table

    doc = tmp_path / "crafted.txt"
    doc.write_text(table().replace("测试项目", CRAFTED).replace("概述。", SCRIPTS), encoding="utf-8")
    build([doc], tmp_path / "idx", model=None)
    out = tmp_path / "crafted.html"
    assert search.main(["graph", "甲", "--html", str(out), "--index", str(tmp_path / "idx")]) == 0
    html = out.read_text(encoding="utf-8")
    title = html.split("<title>", 1)[1].split("</title>", 1)[0]
    assert "{{DATA}}" in title and '"nodes"' not in title  # the name's placeholder kept as text: one pass
    assert "</script><script>document.title" not in html and "\u2028" not in html
    dom = subprocess.run(
        [*browser, "--dump-dom", out.as_uri()], capture_output=True, text=True, timeout=120, check=True
    ).stdout
    assert "PWNED</title>" not in dom and "<img" not in dom  # no injected element, no script ran
    assert " nodes, " in dom  # the page's own script did run
    assert "img src=x" in dom and "&lt;" in dom  # shown as text, escaped


def test_a_large_graph_is_drawn_by_department_and_opens_on_a_click(
    tmp_path: Path, sample_index: Index, browser: list[str]
) -> None:
    import re
    import urllib.parse

    from workbench.corpus import Corpus
    from workbench.html_view import overview_for, subgraph_for

    G = sample_index.graph
    drawn, members = overview_for(subgraph_for(G))
    assert sum(len(m) for m in members.values()) == 94  # every project is in one department
    departments = [n for n, t in drawn.nodes(data="type") if t == "department"]
    assert len(departments) == len({a["department"] for _, a in G.nodes(data=True) if a.get("type") == "project"})
    assert all(drawn.degree(d) >= 2 for d, t in drawn.nodes(data="type") if t == "document")  # shared documents
    biggest = max(departments, key=lambda d: drawn.nodes[d]["amount"])
    total = round(sum(float(p["amount"] or 0) for p in members[biggest]), 2)
    assert drawn.nodes[biggest]["amount"] == total == 16944.22  # 区卫生健康委员会, as budget_by_department says

    out = Corpus(sample_index).html(tmp_path / "overview.html", overview_above=50)  # 94 projects > 50
    dom = subprocess.run(
        [*browser, "--dump-dom", out.as_uri()], capture_output=True, text=True, timeout=120, check=True
    ).stdout
    assert f"{drawn.number_of_nodes()} nodes" in dom and "overview of 94 projects" in dom
    assert '<optgroup label="重庆市北碚区">' in dom and '<option value="重庆市北碚区">' in dom  # by region
    url = out.as_uri() + "#open=" + urllib.parse.quote(biggest)
    opened = subprocess.run(
        [*browser, "--dump-dom", url], capture_output=True, text=True, timeout=120, check=True
    ).stdout
    n = len(members[biggest])
    assert f"{drawn.number_of_nodes() + n} nodes" in opened and "1 opened" in opened
    listed = set(re.findall(r'<li data-id="(project:[^"]+)"', opened))
    assert listed == {p["id"] for p in members[biggest]}  # the department's projects, each clickable
    assert page(tmp_path, sample_index).read_text(encoding="utf-8").count('"members": {}') == 1  # 94 ≤ 300: whole
