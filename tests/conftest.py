from __future__ import annotations

from pathlib import Path

import pytest

from graph.build import DEFAULT_SAMPLE
from graph.models import ParsedDocument
from graph.store import Index, load_index, write_index
from graph.tables import parse_file

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="session")
def sample() -> ParsedDocument:
    return parse_file(DEFAULT_SAMPLE)


@pytest.fixture(scope="session")
def sample_index(sample: ParsedDocument, tmp_path_factory: pytest.TempPathFactory) -> Index:
    out = tmp_path_factory.mktemp("index")
    write_index([sample], out)
    return load_index(out)


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
