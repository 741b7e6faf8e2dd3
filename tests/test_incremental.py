"""Adding and removing documents: the result equals a full rebuild, and unchanged texts are not
embedded again (the vector cache)."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import build_index
from graph.defaults import DEFAULT_SAMPLE
from graph.errors import UsageError
from index.build import build, updated_sources
from tests.editions import next_year


@pytest.fixture(scope="module")
def edition(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("edition") / "beibei_2025.txt"
    path.write_text(next_year(DEFAULT_SAMPLE.read_text(encoding="utf-8"))[0], encoding="utf-8")
    return path


def _same_index(a: Path, b: Path) -> None:
    ga = json.loads((a / "graph.json").read_text(encoding="utf-8"))
    gb = json.loads((b / "graph.json").read_text(encoding="utf-8"))
    assert ga == gb
    for name in ("projects", "indicators", "citations", "documents", "issuers"):
        assert (a / f"{name}.csv").read_bytes() == (b / f"{name}.csv").read_bytes(), name
    assert json.loads((a / "search/ids.json").read_text()) == json.loads((b / "search/ids.json").read_text())
    for f in ("all", "name", "overview", "goals", "indicators"):
        va = np.load(a / f"search/vectors.{f}.npy", allow_pickle=False)
        vb = np.load(b / f"search/vectors.{f}.npy", allow_pickle=False)
        assert np.allclose(va, vb, atol=1e-5), f


def test_add_then_remove_equals_full_builds(edition: Path, tmp_path: Path, st_encoder) -> None:
    idx, full, alone = tmp_path / "idx", tmp_path / "full", tmp_path / "alone"
    build([DEFAULT_SAMPLE], idx, model=st_encoder)
    build([DEFAULT_SAMPLE], alone, model=st_encoder, vector_cache=False)
    build([DEFAULT_SAMPLE, edition], full, model=st_encoder, vector_cache=False)
    paths, overrides = updated_sources(idx, add=[edition])
    build(paths, idx, model=st_encoder, overrides=overrides)
    _same_index(idx, full)  # --add equals a full rebuild of both
    paths, overrides = updated_sources(idx, remove=[edition])
    build(paths, idx, model=st_encoder, overrides=overrides)
    _same_index(idx, alone)  # --remove gives the original back


def test_cli_add_and_remove(edition: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = str(tmp_path / "idx")
    assert build_index.main(["--out", out, "--no-search"]) == 0
    assert build_index.main([str(edition), "--add", "--out", out, "--no-search"]) == 0
    assert "read 2 file(s): 185 projects" in capsys.readouterr().out
    assert build_index.main(["--remove", str(edition), "--out", out, "--no-search"]) == 0
    assert "read 1 file(s): 94 projects" in capsys.readouterr().out
    assert build_index.main(["--remove", "no/such.txt", "--out", out, "--no-search"]) == 1
    assert "is not a source of" in capsys.readouterr().err


def test_a_source_that_moved_is_said(edition: Path, tmp_path: Path) -> None:
    moved = tmp_path / "moved.txt"
    moved.write_text(edition.read_text(encoding="utf-8"), encoding="utf-8")
    build([DEFAULT_SAMPLE, moved], tmp_path / "idx", model=None)
    moved.unlink()
    with pytest.raises(UsageError, match=r"moved\.txt, which is no longer there"):
        updated_sources(tmp_path / "idx", add=[edition])


def test_cached_texts_are_not_embedded_again(tmp_path: Path, st_encoder) -> None:
    from graph.read.layouts import parse_file
    from index.cache import VectorCache
    from index.store import embed

    projects = parse_file(DEFAULT_SAMPLE).projects[:5]
    cache = VectorCache(tmp_path / "v.sqlite", "test")
    first = embed(projects, st_encoder, cache)

    class Refuses(type(st_encoder)):  # the same encoder, which must not be asked again
        def __init__(self) -> None:
            self.spec = st_encoder.spec

        def encode(self, texts, kind="passage"):  # type: ignore[no-untyped-def]
            raise AssertionError(f"asked to embed {len(texts)} texts already cached")

    again = embed(projects, Refuses(), cache)
    for f in first.vectors:
        assert np.array_equal(first.vectors[f], again.vectors[f])
    assert again.split_pieces == first.split_pieces
