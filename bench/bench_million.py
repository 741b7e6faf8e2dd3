#!/usr/bin/env python
"""10^6 projects on one machine: a synthetic corpus written in batches, then the duplicates pass.

    .venv/bin/python bench/bench_million.py [--sizes 100000 1000000] [--keep build/bench_million]

Needs `make run` first (build/index: the sample's 94 records and real vectors seed the synthetic ones).

Synthetic, as in bench_duplicates.py: project i mixes two of the sample's projects (two thirds of
one's sentences, a third of the other's, its documents and indicators, its vectors mixed and
noised), every project of one region and year.  Each size runs as two fresh processes, so each
peak resident memory is that stage's alone:

1. write: ``records.jsonl`` (graph.records.ProjectRecords.save, fed one project at a time), four
   float32 vector files written through a memory map 65,536 rows at a time, and faiss HNSW over
   8-bit codes (index.store's kind above 20,000), trained on 200,000 rows and filled in batches.
   This is the synthetic corpus's build, not build_index.py's (no parsing, graph files or BM25).
2. duplicates: ``duplicate_table`` over the records (read once into columns and a sentence
   table, none kept), the mapped vectors (rows read with pread) and faiss; time per stage
   (sentences and columns, faiss kNN + MinHash LSH, scoring, order and clusters), the pairs and
   the process's peak RSS.
3. build (``--build 10000 100000``): the index build's own stages, as index.build runs them
   (synthetic districts of 94 projects, whole, read and parsed for real and spilled to disk, graph,
   graph files, search files embedded by :class:`SyntheticEncoder` through the build's own batches,
   lint's findings), each size in a fresh process, with the peak resident memory after each stage
   (the build's own, its largest worker's, and the build's and its workers' at once),
   extrapolated to 10^6.  One size in this process, each stage printed as it ends, the graph
   stages left out (hours at 10^6; measured by a run with them)::

       .venv/bin/python bench/bench_million.py --stage build --no-graph --sizes 1000000 \
           --folder build/bench_million/build_1000000
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import time
import zlib
from collections.abc import Iterator, Sequence
from dataclasses import replace
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from analysis.duplicates import (  # noqa: E402
    COSINE_FIELDS,
    LABELS,
    DupCorpus,
    _candidate_keys,
    _clustered,
    _ordered,
    score_pairs,
)
from graph.constants import (  # noqa: E402
    DUP_CLUSTER_THRESHOLD,
    DUP_NEIGHBOURS,
    FAISS_TRAIN_ROWS,
    HNSW_EF_CONSTRUCTION,
    HNSW_EF_SEARCH,
    HNSW_M,
    MIN_PAIR_SCORE,
)
from graph.models import Project  # noqa: E402
from graph.records import ProjectRecords  # noqa: E402
from index.encoder import DEFAULT_SPEC, Encoder  # noqa: E402
from index.store import SEARCH_DIR, load_search, read_rows  # noqa: E402

BATCH = 65_536  # rows of vectors made and written at a time


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _mixed(x: str, y: str) -> str:
    sa, sb = x.split("。"), y.split("。")
    return "。".join(sa[: max(1, len(sa) * 2 // 3)] + sb[: max(1, len(sb) // 3)])


def synthetic_projects(base: list[Project], src: np.ndarray) -> Iterator[Project]:
    """Project i made from base projects ``src[i]`` (bench_duplicates.synthetic, one at a time)."""
    for i, (a, b) in enumerate(src.tolist()):
        da, db = base[a], base[b]
        yield replace(
            da,
            id=f"synthetic:{i}",
            name=f"{da.name}·{i}",
            overview=_mixed(da.overview, db.overview),
            goals=_mixed(da.goals, db.goals),
            citations=da.citations + db.citations[:1],
            indicators=da.indicators[:4] + db.indicators[:2],
        )


def write_corpus(n: int, out: Path) -> dict[str, float]:
    """Records, vectors and faiss of ``n`` synthetic projects in ``out``."""
    import faiss

    sample = load_search(ROOT / "build" / "index" / SEARCH_DIR)
    base = list(sample.projects)
    rng = np.random.default_rng(n)
    src = rng.integers(0, len(base), (n, 2))
    mix = rng.uniform(0.5, 1.0, (n, 1)).astype(np.float32)
    out.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    ProjectRecords.save(out, synthetic_projects(base, src))
    t1 = time.perf_counter()
    for f in COSINE_FIELDS:
        v = np.asarray(sample.vectors[f])
        target = np.lib.format.open_memmap(out / f"vectors.{f}.npy", mode="w+", dtype=np.float32, shape=(n, v.shape[1]))
        for at in range(0, n, BATCH):
            s, m = src[at : at + BATCH], mix[at : at + BATCH]
            x = m * v[s[:, 0]] + (1 - m) * v[s[:, 1]] + rng.normal(0, 0.02, (len(s), v.shape[1])).astype(np.float32)
            target[at : at + len(s)] = x / np.linalg.norm(x, axis=1, keepdims=True)
        target.flush()
        del target
    t2 = time.perf_counter()
    allv = np.load(out / "vectors.all.npy", mmap_mode="r")
    index = faiss.IndexHNSWSQ(allv.shape[1], faiss.ScalarQuantizer.QT_8bit, HNSW_M, faiss.METRIC_INNER_PRODUCT)
    index.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
    index.hnsw.efSearch = HNSW_EF_SEARCH
    index.train(read_rows(allv, np.sort(rng.choice(n, min(n, FAISS_TRAIN_ROWS), replace=False))))
    for at in range(0, n, BATCH):
        index.add(read_rows(allv, np.arange(at, min(n, at + BATCH))))
    faiss.write_index(index, str(out / "dense.faiss"))
    t3 = time.perf_counter()
    size = sum(p.stat().st_size for p in out.iterdir()) / (1 << 30)
    return {"records_s": t1 - t0, "vectors_s": t2 - t1, "faiss_s": t3 - t2, "total_s": t3 - t0, "disk_gib": size,
            "peak_mib": _peak_mib()}  # fmt: skip


def duplicates(folder: Path) -> dict[str, float]:
    """The duplicates pass over the corpus in ``folder``, stage by stage."""
    import faiss

    vectors = {f: np.load(folder / f"vectors.{f}.npy", mmap_mode="r") for f in COSINE_FIELDS}
    t0 = time.perf_counter()
    corpus = DupCorpus(ProjectRecords(folder), vectors, faiss.read_index(str(folder / "dense.faiss")))
    corpus.prepare()
    t1 = time.perf_counter()
    prepared_mib = _peak_mib()
    keys = _candidate_keys(corpus, DUP_NEIGHBOURS)
    t2 = time.perf_counter()
    scored = score_pairs(corpus, keys, MIN_PAIR_SCORE)
    t3 = time.perf_counter()
    table = _clustered(_ordered(scored, corpus.columns), corpus.columns, DUP_CLUSTER_THRESHOLD)
    t4 = time.perf_counter()
    top = table.pairs(corpus, range(min(3, len(table))))
    return {
        "projects": len(corpus.columns), "sentences": int(corpus.sentences.first[-1]), "candidates": len(keys),
        "pairs": len(table), "clusters": int(table.cluster.max(initial=0)),
        "labels": {name: int((table.label == n).sum()) for n, name in enumerate(LABELS)},
        "prepare_s": t1 - t0, "candidates_s": t2 - t1, "score_s": t3 - t2, "order_s": t4 - t3, "total_s": t4 - t0,
        "prepared_peak_mib": prepared_mib, "peak_mib": _peak_mib(),
        "top": [(p.project_a, p.project_b, p.score, p.label) for p in top],
    }  # fmt: skip


def build_stages(n: int, folder: Path, graph: bool = True) -> dict[str, float]:
    """The build's stages at ``n`` projects (whole districts of 94: the first ``ceil(n / 94) * 94``),
    as index.build runs them (timed), peak RSS after each.  Without ``graph``, the graph and its
    files are not made (the search files then hash a stand-in graph manifest), so the search files
    and lint of a large corpus are measured without the hours the graph files take."""
    sys.path.insert(0, str(ROOT / "bench"))
    from bench_scale import write_corpus
    from proc_memory import ProcPeaks

    from analysis.lint import write_findings
    from graph.knowledge import build_graph
    from graph.read.issuers import IssuerResolver
    from graph.store import write_graph
    from index.build import LOCAL, read_documents
    from index.store import embed, write_search

    src, out = folder / "src", folder / "idx"
    src.mkdir(parents=True, exist_ok=True)
    paths = sorted(src.glob("*.txt")) or write_corpus(n, src)
    got: dict[str, float] = {}
    workers = ProcPeaks("status", ("VmRSS", "VmHWM"))  # RUSAGE_CHILDREN counts a spawned worker's parent at its fork
    workers.start()
    t = time.perf_counter()

    def mark(stage: str) -> None:
        nonlocal t
        got[f"{stage}_s"], got[f"{stage}_mib"] = time.perf_counter() - t, _peak_mib()
        worker, together = workers.child["VmHWM"], workers.together["VmRSS"]
        got[f"{stage}_worker_mib"], got[f"{stage}_together_mib"] = worker, together
        # each stage as it ends, so a run stopped part way still says what it measured
        print(f"{got['projects']:,} projects: {stage} {got[f'{stage}_s']:.0f} s, peak {got[f'{stage}_mib']:,.0f} MiB "
              f"(so far: the largest worker's own {worker:,.0f} MiB, the build and its workers at once "
              f"{together:,.0f} MiB)", file=sys.stderr, flush=True)  # fmt: skip
        t = time.perf_counter()

    resolver = IssuerResolver.from_package()
    docs = read_documents(paths, resolver, False, engine=LOCAL)[0]  # not cut: a cut spills them all again
    got["projects"] = len(docs.projects)
    mark("parse")
    out.mkdir(parents=True, exist_ok=True)
    if graph:
        built = build_graph(docs, resolver, docs.folder)  # projects' nodes and edges to disk, as index.build does
        mark("graph")
        write_graph(docs, built, out)
        del built  # as index.build drops each part once written
        mark("graph_files")
    else:
        (out / "manifest.json").write_text('{"bench": "graph not built in this run"}', encoding="utf-8")
    embedded = embed(docs.projects, SyntheticEncoder(), None, docs.folder)  # as index.build embeds, batch by batch
    write_search(embedded, out / SEARCH_DIR, out / "manifest.json")
    del embedded
    mark("search_files")
    write_findings(out, docs)
    mark("lint")
    return got


BUILD_STAGES = ("parse", "graph", "graph_files", "search_files", "lint")


class SyntheticEncoder(Encoder):
    """Vectors without the model, for the build's memory and time at 10^5 and more: a text's vector
    is drawn from a generator seeded by its CRC (the same text, the same vector), so the build's own
    path (texts a batch at a time, vectors written to files as they come, faiss from the files) runs
    as with the model, without hours of embedding."""

    spec = DEFAULT_SPEC

    def encode(self, texts: Sequence[str], kind: str = "passage") -> tuple[np.ndarray, list[int]]:
        dim = self.spec.dim
        out = np.stack([np.random.default_rng(zlib.crc32(t.encode())).standard_normal(dim, np.float32) for t in texts])
        return out / np.linalg.norm(out, axis=1, keepdims=True), [1] * len(texts)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[100_000, 1_000_000])
    ap.add_argument("--keep", type=Path, default=ROOT / "build" / "bench_million")
    ap.add_argument("--build", type=int, nargs="*", help="measure the index build's stages at these sizes instead")
    ap.add_argument("--stage", choices=["write", "duplicates", "build"], help=argparse.SUPPRESS)  # in this process
    ap.add_argument("--folder", type=Path, help=argparse.SUPPRESS)
    ap.add_argument("--no-graph", action="store_true", help="with --stage build: the graph stages left out")
    args = ap.parse_args()
    if args.stage == "write":
        print(json.dumps(write_corpus(args.sizes[0], args.folder)))
        return
    if args.stage == "duplicates":
        print(json.dumps(duplicates(args.folder), ensure_ascii=False))
        return
    if args.stage == "build":
        print(json.dumps(build_stages(args.sizes[0], args.folder, graph=not args.no_graph)))
        return
    if args.build:
        return build_table(args.build, args.keep)
    for n in args.sizes:
        folder = args.keep / f"corpus_{n}"
        runs = {}
        for stage in ("write", "duplicates"):
            if stage == "write" and (folder / "dense.faiss").is_file():
                runs[stage] = {"reused": True}
                continue
            cmd = [sys.executable, __file__, "--stage", stage, "--folder", str(folder), "--sizes", str(n)]
            done = subprocess.run(cmd, check=True, capture_output=True, text=True)
            runs[stage] = json.loads(done.stdout.strip().splitlines()[-1])
        w, d = runs["write"], runs["duplicates"]
        print(f"\n{n:,} synthetic projects")
        if "reused" in w:
            print(f"  write: reused {folder}")
        else:
            print(f"  write: records {w['records_s']:.0f} s, vectors {w['vectors_s']:.0f} s, faiss {w['faiss_s']:.0f} s; "
                  f"total {w['total_s']:.0f} s, peak {w['peak_mib']:,.0f} MiB, {w['disk_gib']:.1f} GiB on disk")  # fmt: skip
        print(
            f"  duplicates: {d['sentences']:,} sentences; sentences and columns {d['prepare_s']:.0f} s "
            f"(peak so far {d['prepared_peak_mib']:,.0f} MiB), kNN + LSH {d['candidates_s']:.0f} s "
            f"({d['candidates']:,} candidates), scoring {d['score_s']:.0f} s, order and clusters {d['order_s']:.0f} s; "
            f"total {d['total_s']:.0f} s ({d['total_s'] / n * 1e3:.2f} ms/project), peak {d['peak_mib']:,.0f} MiB"
        )
        print(f"  {d['pairs']:,} pairs ({d['labels']}), {d['clusters']:,} clusters; best: {d['top'][:1]}")


def build_table(sizes: list[int], keep: Path) -> None:
    """The build's stages, each size in a fresh process; then the peak per project, times 10^6."""
    import shutil

    print(f"{'projects':>9} " + " ".join(f"{s:>22}" for s in BUILD_STAGES) + "  (seconds, peak MiB after the stage)")
    rows = []
    for n in sizes:
        folder = keep / f"build_{n}"
        shutil.rmtree(folder / "idx", ignore_errors=True)
        cmd = [sys.executable, __file__, "--stage", "build", "--folder", str(folder), "--sizes", str(n)]
        done = subprocess.run(cmd, check=True, stdout=subprocess.PIPE, text=True)  # stderr: each stage as it ends
        r = json.loads(done.stdout.strip().splitlines()[-1])
        print(
            f"{r['projects']:>9,} "
            + " ".join(f"{r[s + '_s']:>10.0f} s {r[s + '_mib']:>7,.0f} MiB" for s in BUILD_STAGES)
        )
        rows.append(r)
    if len(rows) >= 2:  # the growth per project between the two largest sizes, so the imports do not count
        a, b = rows[-2], rows[-1]
        per = {s: (b[f"{s}_mib"] - a[f"{s}_mib"]) / (b["projects"] - a["projects"]) for s in BUILD_STAGES}
        total = {s: (b[f"{s}_mib"] + per[s] * (10**6 - b["projects"])) / 1024 for s in BUILD_STAGES}
        print(f"extrapolated to 10^6 projects (peak grown linearly at its rate from {a['projects']:,} to "
              f"{b['projects']:,}): " + ", ".join(f"{s} {total[s]:,.1f} GiB" for s in BUILD_STAGES))  # fmt: skip
        seconds = sum(b[f"{s}_s"] for s in BUILD_STAGES) * 10**6 / b["projects"] / 3600
        print(f"and about {seconds:.1f} h (time linear in n from {b['projects']:,})")


if __name__ == "__main__":
    main()
