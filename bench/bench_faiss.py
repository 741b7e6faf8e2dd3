#!/usr/bin/env python
"""Exact (IndexFlatIP) against HNSW as the corpus grows: the numbers behind index.store.FLAT_MAX.

    .venv/bin/python bench/bench_faiss.py [--sizes 1000 10000 50000 100000] [--queries 200]

Corpora are built from the sample's own project vectors (build/index/search/vectors.*.npy, built
by `make run`), mixed and perturbed to the size asked, so their neighbourhoods look like real
ones.  For each size: build time, single-query latency p50/p95 for both indexes, HNSW recall@10
against the exact answer, and HNSW's speed-up over flat in the same process.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import faiss
import numpy as np

ROOT = Path(__file__).resolve().parent.parent


def corpus(base: np.ndarray, n: int, rng: np.random.Generator) -> np.ndarray:
    i, j = rng.integers(0, len(base), n), rng.integers(0, len(base), n)
    mix = rng.uniform(0.5, 1.0, (n, 1)).astype(np.float32)
    x = mix * base[i] + (1 - mix) * base[j] + rng.normal(0, 0.02, (n, base.shape[1])).astype(np.float32)
    return (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)


def latency(index, q: np.ndarray, k: int) -> tuple[float, float, np.ndarray]:
    times, ids = [], []
    for row in q:
        t = time.perf_counter()
        _, found = index.search(row[None, :], k)
        times.append(time.perf_counter() - t)
        ids.append(found[0])
    times.sort()
    return statistics.median(times) * 1e3, times[int(0.95 * (len(times) - 1))] * 1e3, np.array(ids)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 50000, 100000])
    ap.add_argument("--queries", type=int, default=200)
    ap.add_argument("--index", type=Path, default=ROOT / "build" / "index")
    args = ap.parse_args()
    search = args.index / "search"
    if not (search / "vectors.all.npy").is_file():
        sys.exit(f"{search}: no vectors; run `make run` (or build_index.py) first")
    base = np.concatenate([np.load(p, allow_pickle=False) for p in sorted(search.glob("vectors.*.npy"))])
    rng = np.random.default_rng(0)
    print(
        f"faiss {faiss.__version__}, {faiss.omp_get_max_threads()} threads; base: {len(base)} real vectors of dimension {base.shape[1]}"
    )
    print(
        f"{'n':>8} {'flat build':>11} {'flat p50':>9} {'flat p95':>9} {'hnsw build':>11} {'hnsw p50':>9} {'hnsw p95':>9} {'recall@10':>10} {'speed-up':>9}"
    )
    for n in args.sizes:
        x = corpus(base, n, rng)
        q = corpus(base, args.queries, rng)
        t = time.perf_counter()
        flat = faiss.IndexFlatIP(x.shape[1])
        flat.add(x)
        fb = time.perf_counter() - t
        t = time.perf_counter()
        hnsw = faiss.IndexHNSWFlat(x.shape[1], 32, faiss.METRIC_INNER_PRODUCT)
        hnsw.hnsw.efConstruction = 200
        hnsw.add(x)
        hnsw.hnsw.efSearch = 128
        hb = time.perf_counter() - t
        f50, f95, exact = latency(flat, q, 10)
        h50, h95, approx = latency(hnsw, q, 10)
        recall = np.mean([len(set(a) & set(e)) / 10 for a, e in zip(approx, exact, strict=True)])
        print(
            f"{n:>8} {fb:>10.2f}s {f50:>8.2f}ms {f95:>8.2f}ms {hb:>10.1f}s {h50:>8.2f}ms {h95:>8.2f}ms {recall:>10.3f} {f50 / h50:>8.1f}x"
        )


if __name__ == "__main__":
    main()
