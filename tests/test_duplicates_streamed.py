"""The duplicates pass as arrays: what it keeps of each project and sentence, built in batches,
must give the pairs that the plain definitions give, on the sample and on corpora made from it."""

from __future__ import annotations

from dataclasses import replace
from itertools import combinations
from pathlib import Path

import networkx as nx
import numpy as np
import pytest

import analysis.duplicates
from analysis.duplicates import DupCorpus, PairTable, duplicate_table, find_duplicates, score_pairs
from analysis.sentences import KEY_BASE, SentenceTable, band_pairs, pair_keys, pair_list, shingle_hashes, shingles
from graph.constants import LSH_BANDS, LSH_MAX_BUCKET, MINHASH_PERMUTATIONS
from graph.errors import UsageError
from graph.records import ProjectRecords
from tests.factories import project


@pytest.fixture(scope="module")
def corpus(search_dir: Path) -> DupCorpus:
    return DupCorpus.load(search_dir.parent)


def _texts(c: DupCorpus) -> list[tuple[str, str]]:
    return [(p.overview, p.goals) for p in c.projects]


def _mixed(c: DupCorpus, n: int, seed: int) -> list[tuple[str, str]]:
    """``n`` projects' texts, each a third of one sample project's sentences and some of another's."""
    rng = np.random.default_rng(seed)
    texts = _texts(c)
    out = []
    for a, b in rng.integers(0, len(texts), (n, 2)).tolist():
        pick = [s for s in texts[a][1].split("。")[::3] + texts[b][1].split("。")[1::2] if s]
        out.append(("", "。".join(pick)))
    return out


@pytest.mark.parametrize("batch", [1, 7, 4096])
def test_the_sentence_table_is_the_same_in_any_batch(corpus: DupCorpus, batch: int) -> None:
    whole = corpus.sentences
    t = SentenceTable.build(_texts(corpus), batch=batch)
    for name in ("first", "bounds", "hashes", "signatures", "text_at"):
        assert np.array_equal(getattr(t, name), getattr(whole, name)), name
    assert [t.sentences_of(i) for i in range(t.projects)] == [whole.sentences_of(i) for i in range(t.projects)]


def test_each_sentence_is_its_shingles_hashes(corpus: DupCorpus) -> None:
    t = corpus.sentences
    for s in range(0, int(t.first[-1]), 37):
        expected = shingle_hashes(shingles(t.text(s)))
        assert np.array_equal(t.hashes[t.bounds[s] : t.bounds[s + 1]], expected)
        assert t.signatures[s].shape == (MINHASH_PERMUTATIONS,)


def _plain_lsh(t: SentenceTable, bands: int, max_bucket: int) -> set[tuple[int, int]]:
    """Banded LSH as a dictionary of buckets, the way it reads in a textbook."""
    rows = MINHASH_PERMUTATIONS // bands
    buckets: dict[bytes, set[int]] = {}
    for i in range(t.projects):
        for s in range(int(t.first[i]), int(t.first[i + 1])):
            for b in range(bands):
                key = t.signatures[s, b * rows : (b + 1) * rows].tobytes() + bytes([b])
                buckets.setdefault(key, set()).add(i)
    return {pair for m in buckets.values() if 1 < len(m) <= max_bucket for pair in combinations(sorted(m), 2)}


@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize(("bands", "max_bucket"), [(LSH_BANDS, LSH_MAX_BUCKET), (8, 3), (16, 50)])
def test_band_pairs_are_the_buckets_pairs(corpus: DupCorpus, seed: int, bands: int, max_bucket: int) -> None:
    t = SentenceTable.build(_mixed(corpus, 300, seed))
    got = band_pairs(t, bands, max_bucket)
    assert np.array_equal(got, np.unique(got))  # sorted, each once
    assert set(pair_list(got)) == _plain_lsh(t, bands, max_bucket)
    assert len(got)  # the corpus shares sentences: the test can fail


def test_pair_keys_round_trip() -> None:
    rng = np.random.default_rng(3)
    i, j = rng.integers(0, 10**6, 500), rng.integers(0, 10**6, 500)
    keep = i != j
    keys = pair_keys(i[keep], j[keep])
    assert set(pair_list(keys)) == {
        (min(a, b), max(a, b)) for a, b in zip(i[keep].tolist(), j[keep].tolist(), strict=True)
    }
    assert (keys // KEY_BASE < keys % KEY_BASE).all()


def test_the_table_gives_the_records(corpus: DupCorpus) -> None:
    table = duplicate_table(corpus)
    pairs = find_duplicates(corpus)
    assert len(table) == len(pairs) > 100
    assert table.pairs(corpus) == pairs
    rows = [5, 0, 17]
    assert table.take(np.array(rows)).pairs(corpus) == [pairs[r] for r in rows]
    assert (
        PairTable.joined([table.take(np.arange(0, 10)), table.take(np.arange(10, len(table)))]).pairs(corpus) == pairs
    )


def test_clusters_are_the_connected_components(corpus: DupCorpus) -> None:
    """Numbered as networkx would: the largest cluster first, ties by their first project id."""
    pairs = find_duplicates(corpus, threshold=0.4)
    G = nx.Graph([(p.project_id_a, p.project_id_b) for p in pairs if p.score >= 0.4])
    comps = sorted(nx.connected_components(G), key=lambda c: (-len(c), sorted(c)))
    expected = {node: n for n, comp in enumerate(comps, 1) for node in comp}
    assert len(comps) > 3
    assert [p.cluster for p in pairs] == [expected.get(p.project_id_a) if p.score >= 0.4 else None for p in pairs]


def test_scoring_in_blocks_is_scoring_at_once(corpus: DupCorpus, monkeypatch: pytest.MonkeyPatch) -> None:
    keys = analysis.duplicates._candidate_keys(corpus, 10)
    whole = score_pairs(corpus, keys, 0.0)
    monkeypatch.setattr(analysis.duplicates, "PAIR_BATCH", 13)
    assert score_pairs(corpus, keys, 0.0).pairs(corpus) == whole.pairs(corpus)
    high = score_pairs(corpus, keys, 0.6)  # most blocks keep nothing
    assert 0 < len(high) < len(whole) and all(p.score >= 0.6 for p in high.pairs(corpus))


def test_the_records_are_read_once_and_not_kept(search_dir: Path) -> None:
    records = ProjectRecords(search_dir.parent)
    c = DupCorpus(records, DupCorpus.load(search_dir.parent).vectors, None)
    c.prepare()
    assert len(c.columns) == len(records) == 94 and not records._parsed


def test_a_corpus_written_by_another_order_gives_the_same_pairs(corpus: DupCorpus) -> None:
    """Rows are positions, not names: the projects reversed give the same pairs, by id."""
    n = len(corpus.projects)
    order = np.arange(n)[::-1].copy()
    vectors = {f: np.asarray(v)[order] for f, v in corpus.vectors.items()}
    import faiss

    index = faiss.IndexFlatIP(vectors["all"].shape[1])
    index.add(np.ascontiguousarray(vectors["all"]))
    flipped = DupCorpus([corpus.projects[int(i)] for i in order], vectors, index)

    def by_id(pairs):
        return {tuple(sorted((p.project_id_a, p.project_id_b))): (p.score, p.label, p.cluster) for p in pairs}

    assert by_id(find_duplicates(flipped)) == by_id(find_duplicates(corpus))


def test_projects_without_sentences_or_documents() -> None:
    empty = [project("甲"), project("乙", goals="短句。"), project("丙", unit_code="301")]
    c = DupCorpus(empty, {}, None)
    assert c.sentences.projects == 3 and c.sentences.first[-1] == 0
    assert len(band_pairs(c.sentences)) == 0
    assert c.columns.doc_at.tolist() == [0, 0, 0, 0]


@pytest.mark.parametrize("k", [0, 1.5])
def test_the_table_refuses_what_find_duplicates_refuses(corpus: DupCorpus, k) -> None:
    with pytest.raises(UsageError, match="neighbours"):
        duplicate_table(corpus, k=k)
    with pytest.raises(UsageError, match="scope"):
        duplicate_table(corpus, scope="everywhere")


def test_filters_on_the_columns_equal_filters_on_the_records(corpus: DupCorpus) -> None:
    everything = find_duplicates(corpus, min_score=0.0)
    by_records = {p.review_key for p in everything if p.department_a != p.department_b}
    assert {p.review_key for p in find_duplicates(corpus, min_score=0.0, cross_department=True)} == by_records
    named = {p.review_key for p in everything if "民政" in p.department_a or "民政" in p.department_b}
    assert {p.review_key for p in find_duplicates(corpus, min_score=0.0, department="民政")} == named
    assert named and by_records


def test_year_and_region_filters_read_each_projects_place(corpus: DupCorpus) -> None:
    moved = [replace(p, year=2025) if i % 2 else p for i, p in enumerate(corpus.projects)]
    c = DupCorpus(moved, corpus.vectors, corpus.faiss)
    pairs = find_duplicates(c, min_score=0.0)
    assert pairs and all(p.year in (2024, 2025) for p in pairs)
    ids = {p.id: p.year for p in moved}
    assert all(ids[p.project_id_a] == ids[p.project_id_b] == p.year for p in pairs)  # a pair is of one year
    only = find_duplicates(c, min_score=0.0, year=2025)
    assert only and all(p.year == 2025 for p in only)
