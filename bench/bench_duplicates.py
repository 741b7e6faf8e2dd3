#!/usr/bin/env python
"""Duplicate detection: precision and recall on labelled pairs, and how the time grows.

    .venv/bin/python bench/bench_duplicates.py [--index build/index] [--sizes 1000 10000 100000]

1. On the bundled sample, against bench/duplicate_pairs.jsonl (strong pairs: duplicates,
   overlaps, templates; and near-misses that are not duplicates): precision@10, precision@20 and
   recall of the strong pairs for our scoring (faiss candidates, separate signals) and for a plain
   text-similarity baseline (character 2–3-gram TF-IDF cosine over all pairs) side by side.
2. The time to score all candidates of the sample (median of 5 runs).
3. On synthetic corpora built from the sample's sentences, documents, indicators and vectors
   (each synthetic project mixes two real ones), the time for candidate generation (faiss kNN and
   MinHash LSH over sentences) and for scoring as n grows, with the time per project to show the
   growth is linear, not n², and the process's peak resident memory after each size (sizes run
   from small to large, so each peak is that size's; it includes the sample index loaded first).
4. The project's MinHash LSH (analysis.duplicates.sentence_pairs) against datasketch's MinHashLSH
   on the same sentences of the first synthetic corpus: time and the pairs each finds.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import sys
import time
from collections.abc import Sequence
from itertools import combinations
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench_million import synthetic_projects  # noqa: E402

from analysis.duplicates import DupCorpus, find_duplicates, sentence_pairs, shingles  # noqa: E402
from graph.models import Project  # noqa: E402
from index.store import _faiss_index, load_search, project_fields  # noqa: E402


def metrics(ranked: list[frozenset[str]], strong: set[frozenset[str]], near: set[frozenset[str]]) -> dict[str, float]:
    return {
        "P@10": sum(p in strong for p in ranked[:10]) / 10,
        "P@20": sum(p in strong for p in ranked[:20]) / 20,
        "R@20": sum(p in strong for p in ranked[:20]) / len(strong),
        "recall": sum(p in strong for p in ranked) / len(strong),
        "near-misses@20": sum(p in near for p in ranked[:20]),
    }


def baseline(projects: Sequence[Project]) -> list[frozenset[str]]:
    from sklearn.feature_extraction.text import TfidfVectorizer

    texts = ["\n".join([p.name, *(t for f, t in project_fields(p).items() if f != "all")]) for p in projects]
    X = TfidfVectorizer(analyzer="char", ngram_range=(2, 3), sublinear_tf=True).fit_transform(texts)
    sim = (X @ X.T).toarray()
    pairs = sorted(combinations(range(len(projects)), 2), key=lambda ij: -sim[ij])
    return [frozenset((projects[i].name, projects[j].name)) for i, j in pairs]


def synthetic(base: DupCorpus, n: int, rng: np.random.Generator) -> DupCorpus:
    docs, m = base.projects, len(base.projects)
    src = rng.integers(0, m, (n, 2))
    mix = rng.uniform(0.5, 1.0, (n, 1)).astype(np.float32)
    vectors = {}
    for f, v in base.vectors.items():
        x = mix * np.asarray(v)[src[:, 0]] + (1 - mix) * np.asarray(v)[src[:, 1]]
        x += rng.normal(0, 0.02, x.shape).astype(np.float32)
        vectors[f] = (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)
    out = list(synthetic_projects(list(docs), src))  # the projects of bench_million.py, held in memory here
    return DupCorpus(out, vectors, None)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--index", type=Path, default=ROOT / "build" / "index")
    ap.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 100000])
    ap.add_argument("--neighbours", type=int, default=10)
    args = ap.parse_args()
    idx = load_search(args.index / "search")
    labels = [json.loads(line) for line in open(ROOT / "bench" / "duplicate_pairs.jsonl", encoding="utf-8")]
    strong = {frozenset((r["a"], r["b"])) for r in labels if r["label"] == "strong"}
    near = {frozenset((r["a"], r["b"])) for r in labels if r["label"] == "near-miss"}
    print(f"sample: {len(idx.projects)} projects; {len(strong)} strong pairs, {len(near)} near-misses labelled\n")

    corpus = DupCorpus.from_search_index(idx)
    pairs = find_duplicates(corpus, k=args.neighbours)
    ours = [frozenset((p.project_a, p.project_b)) for p in pairs]
    base = baseline(idx.projects)
    m_ours, m_base = metrics(ours, strong, near), metrics(base, strong, near)
    print(f"{'ranking':<44}" + "".join(f"{k:>16}" for k in m_ours))
    print(
        f"{'separate signals (faiss k=' + str(args.neighbours) + ' candidates)':<44}"
        + "".join(f"{v:>16.2f}" for v in m_ours.values())
    )
    print(f"{'baseline: char 2-3-gram TF-IDF cosine, all pairs':<44}" + "".join(f"{v:>16.2f}" for v in m_base.values()))
    print(
        f"precision@10 {m_ours['P@10']:.2f} vs {m_base['P@10']:.2f}, @20 {m_ours['P@20']:.2f} vs {m_base['P@20']:.2f} "
        f"(the most @20 can be is {len(strong) / 20:.2f}: {len(strong)} strong pairs) -> "
        f"{'PASS' if m_ours['P@10'] > m_base['P@10'] and m_ours['P@20'] > m_base['P@20'] else 'FAIL'}"
    )
    by_kind = {}
    for r in labels:
        if r["label"] == "strong":
            got = next((p.label for p in pairs if {p.project_a, p.project_b} == {r["a"], r["b"]}), None)
            by_kind.setdefault(r["kind"], []).append(got == r["kind"])
    print("label agreement on strong pairs: " + ", ".join(f"{k} {sum(v)}/{len(v)}" for k, v in by_kind.items()))

    runs = []
    for _ in range(5):
        c = DupCorpus.from_search_index(idx)  # cold: sentence signatures recomputed too
        t = time.perf_counter()
        find_duplicates(c, k=args.neighbours)
        runs.append(time.perf_counter() - t)
    print(
        f"\nscoring all {len(pairs)} candidate pairs of the sample: {statistics.median(runs) * 1e3:.0f} ms (median of 5, "
        f"signatures included)"
    )

    print(
        "\nsynthetic corpora from the sample's sentences and vectors "
        f"(k={args.neighbours}; faiss flat up to 20,000, HNSW above):"
    )
    print(
        f"{'n':>8} {'pairs':>9} {'index build':>12} {'signatures':>11} {'kNN+LSH+score':>14} {'total':>8} "
        f"{'ms/project':>11} {'peak RSS MiB':>13}"
    )
    rng = np.random.default_rng(0)
    first = None
    corpora = []
    for n in args.sizes:
        c = synthetic(corpus, n, rng)
        t0 = time.perf_counter()
        c.faiss = _faiss_index(c.vectors["all"])
        t1 = time.perf_counter()
        c.prepare()
        t2 = time.perf_counter()
        got = find_duplicates(c, k=args.neighbours)
        t3 = time.perf_counter()
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
        per = (t3 - t0) / n * 1e3
        first = first or per
        print(
            f"{n:>8} {len(got):>9} {t1 - t0:>11.1f}s {t2 - t1:>10.1f}s {t3 - t2:>13.1f}s {t3 - t0:>7.1f}s {per:>10.2f} "
            f"{peak:>13.0f} ({per / first:.2f}x the first per project)"
        )
        corpora.append(c)
        del got
    compare_lsh(corpora[0])


def compare_lsh(c: DupCorpus) -> None:
    """Our banded LSH against datasketch's MinHashLSH (same permutations count, same band shape)."""
    from datasketch import MinHash, MinHashLSH

    from graph.constants import LSH_BANDS, LSH_MAX_BUCKET, MINHASH_PERMUTATIONS

    t = time.perf_counter()
    ours = sentence_pairs(c, max_bucket=10**9)  # uncapped, as datasketch is
    t_ours = time.perf_counter() - t
    capped = sentence_pairs(c)
    rows = MINHASH_PERMUTATIONS // LSH_BANDS
    t = time.perf_counter()
    lsh = MinHashLSH(num_perm=MINHASH_PERMUTATIONS, params=(LSH_BANDS, rows))
    keys = []
    for i in range(len(c.projects)):
        sentences = c.sentences.sentences_of(i)
        for s, sh in enumerate(shingles(x) for x in sentences):
            m = MinHash(num_perm=MINHASH_PERMUTATIONS)
            m.update_batch([x.encode("utf-8") for x in sh])
            lsh.insert(f"{i}:{s}", m)
            keys.append((i, m))
    t_sign = time.perf_counter() - t
    theirs: set[tuple[int, int]] = set()
    for i, m in keys:
        for other in lsh.query(m):
            j = int(other.split(":")[0])
            if j != i:
                theirs.add((min(i, j), max(i, j)))
    t_theirs = time.perf_counter() - t
    print(
        f"\nMinHash LSH on {len(c.projects)} synthetic projects, {len(keys)} sentences, {LSH_BANDS} bands x {rows} rows:\n"
        f"  ours (signatures computed above), uncapped: {t_ours:.1f}s, {len(ours)} project pairs "
        f"({len(capped)} once bands shared by more than {LSH_MAX_BUCKET} projects are left out as templates)\n"
        f"  datasketch MinHashLSH (signing {t_sign:.1f}s included): {t_theirs:.1f}s, {len(theirs)} project pairs\n"
        f"  pairs of theirs we find: {len(ours & theirs) / max(1, len(theirs)):.3f}; "
        f"pairs of ours they find: {len(ours & theirs) / max(1, len(ours)):.3f}"
    )


if __name__ == "__main__":
    main()
