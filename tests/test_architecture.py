"""The layout is the architecture: checked from the source with ``ast``, so it cannot rot.

Stages, lowest first; a module may import from its own stage or a lower one, never a higher:

    foundation  graph.errors, codes, i18n, constants, text, cells, export, ids, models, manifest, lookup,
                vocabulary, defaults, progress
    read        graph.read.*            bytes → rows of cells → records (+ citations, issuers)
    graph       graph.knowledge, records, spill, graphdb, store, queries
    search      index.*                 embed, lexical, store, searcher; index.build is the pipeline
    analysis    analysis.*              lint, duplicates
    workbench   workbench.*             corpus, views, plots, output
    cli         build_index, search
"""

from __future__ import annotations

import ast
import inspect
from pathlib import Path

import networkx as nx
import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("graph", "index", "analysis", "workbench")
STAGES: list[tuple[str, tuple[str, ...]]] = [
    (
        "foundation",
        (
            "graph",  # the package's face: errors and models only
            "graph.errors",
            "graph.codes",
            "graph.constants",
            "graph.text",
            "graph.cells",
            "graph.export",
            "graph.forked",
            "graph.i18n",
            "graph.ids",
            "graph.models",
            "graph.manifest",
            "graph.lookup",
            "graph.vocabulary",
            "graph.defaults",
            "graph.progress",
        ),
    ),
    ("read", ("graph.read",)),
    (
        "graph",
        (
            "graph.spilled_graph",
            "graph.knowledge",
            "graph.records",
            "graph.spill",
            "graph.graphdb",
            "graph.store",
            "graph.queries",
        ),
    ),
    ("search", ("index",)),
    ("analysis", ("analysis",)),
    ("workbench", ("workbench",)),
    ("cli", ("build_index", "search")),
]
MAX_FUNCTION_LINES = 80


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _sources() -> dict[str, Path]:
    files = [p for pkg in PACKAGES for p in (ROOT / pkg).rglob("*.py")]
    files += [ROOT / "build_index.py", ROOT / "search.py"]
    return {_module_name(p): p for p in files}


SOURCES = _sources()


def stage_of(module: str) -> int:
    best, best_len = None, -1
    for i, (_, prefixes) in enumerate(STAGES):
        for prefix in prefixes:
            if (module == prefix or module.startswith(prefix + ".")) and len(prefix) > best_len:
                best, best_len = i, len(prefix)
    assert best is not None, f"{module} belongs to no stage; add it to STAGES"
    return best


def imports_of(module: str) -> set[str]:
    """Project modules imported anywhere in a module (inside functions too)."""
    tree = ast.parse(SOURCES[module].read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level:
            raise AssertionError(f"{module}: relative import; write the module's full name")
        found |= {n for n in names if n in SOURCES}
    return found - {module}


def test_every_module_has_a_stage() -> None:
    for module in SOURCES:
        stage_of(module)


@pytest.mark.parametrize("module", sorted(SOURCES))
def test_no_import_from_a_higher_stage(module: str) -> None:
    mine = stage_of(module)
    higher = {m: STAGES[stage_of(m)][0] for m in imports_of(module) if stage_of(m) > mine}
    assert not higher, f"{module} ({STAGES[mine][0]}) imports from higher stages: {higher}"


def test_no_import_cycle() -> None:
    G = nx.DiGraph((m, i) for m in SOURCES for i in imports_of(m) if not (m.startswith(i + ".") or i == "graph"))
    cycles = list(nx.simple_cycles(G))
    assert not cycles, cycles


def test_no_function_is_longer_than_80_lines() -> None:
    long = []
    for module, path in SOURCES.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                n = node.end_lineno - node.lineno + 1  # type: ignore[operator]
                if n > MAX_FUNCTION_LINES:
                    long.append(f"{module}.{node.name}: {n} lines")
    assert not long, long


def test_every_exception_class_is_under_the_root() -> None:
    import importlib

    from graph.errors import BudgetGraphError

    found = []
    for module in SOURCES:
        mod = importlib.import_module(module)
        for _, cls in inspect.getmembers(mod, inspect.isclass):
            is_error = issubclass(cls, BaseException) and not issubclass(cls, Warning)  # notices are no errors
            if is_error and cls.__module__ == module:
                found.append(cls)
                assert issubclass(cls, BudgetGraphError), f"{module}.{cls.__name__} is not a BudgetGraphError"
    assert len(found) >= 10


@pytest.mark.parametrize("cli", ["build_index", "search"])
def test_clis_catch_only_the_root_and_os_errors(cli: str) -> None:
    allowed = {"BudgetGraphError", "OSError", "KeyboardInterrupt", "BrokenPipeError", "ValueError"}
    tree = ast.parse(SOURCES[cli].read_text(encoding="utf-8"))
    for node in ast.walk(tree):
        if isinstance(node, ast.ExceptHandler):
            assert node.type is not None, f"{cli}: a bare except"
            caught = {n.id for n in ast.walk(node.type) if isinstance(n, ast.Name)}
            assert caught <= allowed, f"{cli}:{node.lineno} catches {caught - allowed}"


def bare_codes(source: str) -> list[str]:
    """String literals that spell a diagnostic code or a lint rule (graph.codes names each one)."""
    from graph.codes import Code, Rule

    codes = {str(c) for c in (*Code, *Rule)}
    return [
        f"line {n.lineno}: {n.value!r}"
        for n in ast.walk(ast.parse(source))
        if isinstance(n, ast.Constant) and isinstance(n.value, str) and n.value in codes
    ]


@pytest.mark.parametrize("module", sorted(set(SOURCES) - {"graph.codes"}))
def test_no_diagnostic_code_is_a_bare_string(module: str) -> None:
    found = bare_codes(SOURCES[module].read_text(encoding="utf-8"))
    assert not found, f"{module}: write graph.codes.Code/Rule names, not {found}"


WRITERS = {"to_csv", "to_excel", "ExcelWriter", "writer", "DictWriter", "write_gexf", "write_graphml"}


def format_writers(source: str) -> list[str]:
    """Calls that write CSV, a workbook, GraphML or GEXF (graph.export owns them all)."""
    found = []
    for n in ast.walk(ast.parse(source)):
        if isinstance(n, ast.Call):
            name = n.func.attr if isinstance(n.func, ast.Attribute) else getattr(n.func, "id", "")
            if name in WRITERS:
                found.append(f"line {n.lineno}: {name}")
    return found


@pytest.mark.parametrize("module", sorted(set(SOURCES) - {"graph.export"}))
def test_only_the_export_module_writes_files_for_excel_and_gephi(module: str) -> None:
    found = format_writers(SOURCES[module].read_text(encoding="utf-8"))
    assert not found, f"{module}: write through graph.export, not {found}"


def literal_defaults(source: str) -> list[str]:
    """``add_argument`` defaults and choices written as literals (a library constant re-typed)."""

    def literal(node: ast.expr) -> bool:
        if isinstance(node, ast.Constant):
            return node.value not in (None, True, False)
        return isinstance(node, ast.Tuple | ast.List | ast.Set) and bool(node.elts)

    return [
        f"line {n.lineno}: {kw.arg}={ast.unparse(kw.value)}"
        for n in ast.walk(ast.parse(source))
        if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute) and n.func.attr == "add_argument"
        for kw in n.keywords
        if kw.arg in ("default", "choices") and literal(kw.value)
    ]


@pytest.mark.parametrize("cli", ["build_index", "search"])
def test_no_default_is_retyped_in_a_cli(cli: str) -> None:
    found = literal_defaults(SOURCES[cli].read_text(encoding="utf-8"))
    assert not found, f"{cli}: import the library's constant instead of {found}"


def _default(fn: object, name: str) -> object:
    return inspect.signature(fn).parameters[name].default  # type: ignore[arg-type]


def test_cli_defaults_are_the_librarys() -> None:
    """Each command's defaults equal those of the library call it makes (one owner: the library)."""
    import dataclasses

    import build_index
    import search
    from analysis.duplicates import find_duplicates
    from analysis.lineage import arrange
    from analysis.lint import select
    from graph.queries import shared_documents
    from index.build import Engine
    from index.searcher import Searcher
    from workbench.html_view import write_html

    cli = search.parser()
    engine = {f.name: f.default for f in dataclasses.fields(Engine)}
    checks = [
        (cli.parse_args(["query", "x"]).top, _default(Searcher.query, "k")),
        (cli.parse_args(["query", "x"]).mode, _default(Searcher.query, "mode")),
        (cli.parse_args(["similar", "x"]).top, _default(Searcher.similar, "k")),
        (cli.parse_args(["duplicates"]).neighbours, _default(find_duplicates, "k")),
        (cli.parse_args(["duplicates"]).threshold, _default(find_duplicates, "threshold")),
        (cli.parse_args(["duplicates"]).min_score, _default(find_duplicates, "min_score")),
        (cli.parse_args(["graph", "--html", "x.html"]).depth, _default(write_html, "depth")),
        (cli.parse_args(["shared-docs"]).min, _default(shared_documents, "min_projects")),
        (cli.parse_args(["lint"]).severity, _default(select, "severity")),
        (cli.parse_args(["lineage"]).sort, _default(arrange, "sort")),
        (cli.parse_args(["duplicates"]).engine, engine["name"]),
        (cli.parse_args(["duplicates"]).workers, engine["workers"]),
        (build_index.parser().parse_args([]).workers, engine["workers"]),
        (build_index.parser().parse_args([]).engine, engine["name"]),
    ]
    assert [a for a, b in checks if a != b] == []


def test_the_checks_can_fail() -> None:
    """The stage rule sees a violation when there is one (a higher-stage import, a cycle)."""
    assert stage_of("graph.read.tables") < stage_of("index.searcher") < stage_of("workbench.corpus")
    assert "graph.store" in imports_of("analysis.lint")
    with pytest.raises(AssertionError, match="belongs to no stage"):
        stage_of("elsewhere.module")
    assert bare_codes('warn("weights-sum", "x")') == ["line 1: 'weights-sum'"]
    assert bare_codes("warn(Code.WEIGHTS_SUM, 'weights')") == []
    assert format_writers("df.to_csv(p)\ncsv.DictWriter(buf, cols)") == ["line 1: to_csv", "line 2: DictWriter"]
    assert format_writers("write_csv(df, p)") == []
    assert literal_defaults("p.add_argument('--top', default=10, choices=('a', 'b'))") == [
        "line 1: default=10",
        "line 1: choices=('a', 'b')",
    ]
    assert literal_defaults("p.add_argument('--top', default=TOP_HITS, action='store_true')") == []


def test_the_graph_needs_no_search_extra(tmp_path: Path) -> None:
    """Reading, the graph, lint, queries and the workbench import neither torch nor faiss."""
    import subprocess
    import sys

    code = f"""
import sys
from graph.defaults import DEFAULT_SAMPLE
from index.build import build
from workbench.corpus import open_corpus
build([DEFAULT_SAMPLE], {str(tmp_path / "idx")!r}, model=None)
c = open_corpus({str(tmp_path / "idx")!r})
assert len(c.lint()) > 0 and len(c.funded_by("民政局")) == 2
heavy = sorted(m for m in ("torch", "sentence_transformers", "faiss", "bm25s", "transformers") if m in sys.modules)
print(heavy)
"""
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=False)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "[]"
