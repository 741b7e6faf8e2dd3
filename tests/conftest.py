from __future__ import annotations

from pathlib import Path

import pytest

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="session")
def searcher(search_dir: Path):
    from index.searcher import Searcher

    return Searcher.load(search_dir.parent)


@pytest.fixture
def index_copy(search_dir: Path, tmp_path: Path) -> Path:
    """A copy of the sample's full index that a test may change."""
    import shutil

    out = tmp_path / "idx"
    shutil.copytree(search_dir.parent, out)
    return out


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
