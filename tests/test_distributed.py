"""The build on Ray (local mode, two workers) writes the same index as the local build: same ids,
the same graph and tables, vectors within 1e-5.  A small generated corpus: the sample's first
12 tables and the same as 重庆市江北区 would publish them (tests/editions.py, synthetic)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from graph.defaults import DEFAULT_SAMPLE
from graph.errors import InputError, UsageError
from index.build import DEFAULT_MODEL, Engine, build
from tests.editions import _tables, other_district
from tests.test_incremental import _same_index

pytest.importorskip("ray")


@pytest.fixture(scope="module")
def ray_engine() -> Iterator[Engine]:
    import ray

    yield Engine("ray", workers=2)
    ray.shutdown()


@pytest.fixture(scope="module")
def small_corpus(tmp_path_factory: pytest.TempPathFactory) -> Path:
    head, blocks = _tables(DEFAULT_SAMPLE.read_text(encoding="utf-8"))
    text = "\n".join([*head[:12], *(line for b in blocks[:12] for line in b)])
    d = tmp_path_factory.mktemp("small")
    (d / "beibei.txt").write_text(text, encoding="utf-8")
    (d / "jiangbei.txt").write_text(other_district(text)[0], encoding="utf-8")
    return d


def test_ray_build_equals_the_local_build(small_corpus: Path, tmp_path: Path, ray_engine: Engine) -> None:
    local = build([small_corpus], tmp_path / "local", model=DEFAULT_MODEL, vector_cache=False)
    on_ray = build([small_corpus], tmp_path / "ray", model=DEFAULT_MODEL, vector_cache=False, engine=ray_engine)
    assert local.counts == on_ray.counts and local.counts["projects"] == 24
    assert [str(d) for d in local.diagnostics] == [str(d) for d in on_ray.diagnostics]
    _same_index(tmp_path / "local", tmp_path / "ray")  # graph, tables, ids; vectors within 1e-5


def test_ray_build_names_a_bad_file(small_corpus: Path, tmp_path: Path, ray_engine: Engine) -> None:
    bad = tmp_path / "src"
    bad.mkdir()
    (bad / "a.txt").write_text((small_corpus / "beibei.txt").read_text(encoding="utf-8"), encoding="utf-8")
    (bad / "empty.txt").write_text("", encoding="utf-8")
    with pytest.raises(InputError, match=r"empty\.txt"):
        build([bad], tmp_path / "idx", model=None, engine=ray_engine)
    report = build([bad], tmp_path / "idx", model=None, engine=ray_engine, keep_going=True)
    assert [e.file for e in report.errors] == [str(bad / "empty.txt")] and report.counts["projects"] == 12


def test_ray_reads_with_the_layouts_the_driver_checked(small_corpus: Path, tmp_path: Path, ray_engine: Engine) -> None:
    from graph.read.spec import LAYOUT_DIR

    empty, own = tmp_path / "empty", tmp_path / "own"
    empty.mkdir()
    own.mkdir()
    for f in LAYOUT_DIR.glob("*.toml"):  # the package's descriptions given as the user's own
        (own / f.name).write_bytes(f.read_bytes())
    with pytest.raises(InputError, match=r"no \*\.toml layout descriptions in this folder"):  # once, not per file
        build([small_corpus], tmp_path / "bad", model=None, engine=ray_engine, layout_dirs=[empty], keep_going=True)
    assert not (tmp_path / "bad").exists()
    here = build([small_corpus], tmp_path / "here", model=None, layout_dirs=[own])
    on_ray = build([small_corpus], tmp_path / "ray", model=None, engine=ray_engine, layout_dirs=[own])
    assert here.counts == on_ray.counts and here.counts["projects"] == 24
    assert (tmp_path / "here" / "records.jsonl").read_bytes() == (tmp_path / "ray" / "records.jsonl").read_bytes()


def test_engine_is_checked() -> None:
    with pytest.raises(UsageError, match="engine must be one of local, ray"):
        Engine("spark")  # type: ignore[arg-type]
    with pytest.raises(UsageError, match="workers"):
        Engine("ray", workers=0)


def test_the_duplicates_pass_on_ray_equals_the_local_one(
    search_dir: Path, ray_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The sample's candidate pairs scored by Ray Data tasks, in several blocks: the same pairs, the
    same scores, the same clusters, in the same order."""
    import analysis.duplicates
    from analysis.duplicates import DupCorpus, find_duplicates

    corpus = DupCorpus.load(search_dir.parent)
    local = find_duplicates(corpus)
    monkeypatch.setattr(analysis.duplicates, "RAY_PAIR_BLOCK", 40)  # several blocks of this small corpus
    on_ray = find_duplicates(DupCorpus.load(search_dir.parent), engine=ray_engine)
    assert len(local) > 40 and on_ray == local
    assert find_duplicates(corpus, min_score=0.5, engine=ray_engine) == find_duplicates(corpus, min_score=0.5)


def test_the_duplicates_pass_on_ray_equals_the_local_one_on_a_generated_corpus(
    small_corpus: Path, tmp_path: Path, ray_engine: Engine, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two districts (one of them synthetic): the candidate blocks scored by Ray Data tasks give the
    local pass's pairs, within each region and across the two."""
    import analysis.duplicates
    from analysis.duplicates import DupCorpus, find_duplicates

    build([small_corpus], tmp_path / "idx", model=DEFAULT_MODEL, vector_cache=False)
    monkeypatch.setattr(analysis.duplicates, "RAY_PAIR_BLOCK", 7)
    for scope in (None, "across"):
        local = find_duplicates(DupCorpus.load(tmp_path / "idx"), min_score=0.0, scope=scope)
        on_ray = find_duplicates(DupCorpus.load(tmp_path / "idx"), min_score=0.0, scope=scope, engine=ray_engine)
        assert len(local) > 7 and on_ray == local
        assert scope is None or all(p.region_a != p.region_b for p in local)
