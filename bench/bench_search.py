#!/usr/bin/env python
"""Search quality and speed on the bundled sample, every figure measured in this run.

    .venv/bin/python bench/bench_search.py [--out build/bench-index] [--repeats 3]

Prints:
1. nDCG@10 and recall@5 per query kind (bench/queries.jsonl) for BM25 alone, dense alone and
   the fused ranking side by side, the fused-minus-best-single differences, the sensitivity of
   the fused ranking to its two constants, and a 2-fold cross-validated choice of the evidence
   exponent (chosen on one half of the queries, scored on the other);
2. build time for the sample (graph, then search: model load, embedding, faiss, BM25), warm query
   latency p50/p95 (fused, against the dense-only ranking as the in-process baseline), warm
   `similar`, cold `search.py query` and `search.py similar` wall time (median of --repeats runs,
   new processes), and peak memory (max RSS) of each.
Medians throughout; ratios against the targets of issue 3 (p50 < 20 ms, cold similar < 1.5 s,
cold query < 4 s).
"""

from __future__ import annotations

import argparse
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from index import searcher as S  # noqa: E402
from index.build import DEFAULT_SAMPLE, build  # noqa: E402
from index.evaluate import evaluate, load_queries  # noqa: E402

KINDS = ("keyword", "paraphrase", "english", "overall")


def table(results: dict[str, dict[str, dict[str, float]]]) -> None:
    print(f"{'ranking':<22}" + "".join(f"{k + ' nDCG@10':>20}{'R@5':>7}" for k in KINDS))
    for name, res in results.items():
        print(f"{name:<22}" + "".join(f"{res[k]['ndcg@10']:>20.3f}{res[k]['recall@5']:>7.3f}" for k in KINDS))


def percentile(xs: list[float], p: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, round(p / 100 * (len(xs) - 1)))]


_LAUNCH = """
import atexit, runpy, sys
def hwm():
    for line in open('/proc/self/status'):
        if line.startswith('VmHWM:'):
            sys.stderr.write('VMHWM ' + line.split()[1] + '\\n')
atexit.register(hwm)
sys.argv = sys.argv[1:]
if sys.argv[0] == '--full-jieba':  # the path before: jieba's whole dictionary loaded for the query
    import index.lexical as lexical
    _load = lexical.Tokens.load.__func__
    lexical.Tokens.load = classmethod(lambda cls, path, lazy=False: _load(cls, path, False))
    sys.argv = sys.argv[1:]
runpy.run_path(sys.argv[0], run_name='__main__')
"""


def cold(args: list[str], repeats: int) -> tuple[float, float]:
    """Median wall seconds and peak RSS (MiB, the process's own VmHWM) of fresh processes.

    (ru_maxrss from wait4 would include the benchmark's own memory, carried across fork+exec.)
    """
    walls, peaks = [], []
    for _ in range(repeats):
        t = time.perf_counter()
        r = subprocess.run(
            [sys.executable, "-c", _LAUNCH, *args], cwd=ROOT, capture_output=True, text=True, check=False
        )
        walls.append(time.perf_counter() - t)
        if r.returncode != 0:
            raise SystemExit(f"{' '.join(args)} failed: {r.stderr}")
        peaks.append(int(r.stderr.rsplit("VMHWM ", 1)[1].split()[0]) / 1024)
    return statistics.median(walls), max(peaks)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, default=ROOT / "build" / "bench-index")
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    queries = load_queries(ROOT / "bench" / "queries.jsonl")
    print(
        f"sample: {DEFAULT_SAMPLE.name}; {len(queries)} labelled queries "
        f"({', '.join(f'{k} {sum(q.kind == k for q in queries)}' for k in KINDS[:3])})\n"
    )

    # --- build --------------------------------------------------------------------------
    t0 = time.perf_counter()
    build([DEFAULT_SAMPLE], args.out, model=None)  # the graph alone
    t1 = time.perf_counter()
    from index.encoder import SentenceTransformerEncoder

    encoder = SentenceTransformerEncoder(progress=False)
    t2 = time.perf_counter()
    report = build([DEFAULT_SAMPLE], args.out, model=encoder, vector_cache=False)  # the whole pipeline, embedding too
    t3 = time.perf_counter()
    projects = [p for d in report.docs for p in d.projects]
    manifest = report.search
    assert manifest is not None
    build_rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    # --- quality ------------------------------------------------------------------------
    s = S.Searcher.load(args.out)
    run = lambda mode: lambda q: [h.project for h in s.query(q, 10, mode=mode)]  # noqa: E731
    results = {"BM25 (jieba)": evaluate(queries, run("lexical")), "dense (e5-small)": evaluate(queries, run("dense"))}
    results["fused"] = evaluate(queries, run("fused"))
    print("== quality: nDCG@10 and recall@5, per query kind")
    table(results)
    print(
        f"{'fused - best single':<22}"
        + "".join(
            f"{results['fused'][k]['ndcg@10'] - max(results['BM25 (jieba)'][k]['ndcg@10'], results['dense (e5-small)'][k]['ndcg@10']):>20.3f}{'':>7}"
            for k in KINDS
        )
    )
    fused, bm25, dense = (results[n]["overall"]["ndcg@10"] for n in ("fused", "BM25 (jieba)", "dense (e5-small)"))
    worst = min(
        results["fused"][k]["ndcg@10"]
        - max(results["BM25 (jieba)"][k]["ndcg@10"], results["dense (e5-small)"][k]["ndcg@10"])
        for k in KINDS[:3]
    )
    print(
        f"fused/BM25 = {fused / bm25:.2f}x, fused/dense = {fused / dense:.3f}x overall; "
        f"worst kind vs best single signal: {worst:+.3f} (target: no loss beyond -0.02) -> "
        f"{'PASS' if fused > max(bm25, dense) and worst >= -0.02 else 'FAIL'}"
    )

    print("\n== sensitivity of the fused ranking (nDCG@10 overall / paraphrase / keyword)")
    base = (S.LEXICAL_WEIGHT, S.EVIDENCE_POWER)
    for lw in (0.3, 0.5, 0.7):
        row = []
        for pw in (1.0, 2.0, 3.0):
            S.LEXICAL_WEIGHT, S.EVIDENCE_POWER = lw, pw
            r = evaluate(queries, run("fused"))
            row.append(
                f"power {pw:g}: {r['overall']['ndcg@10']:.3f}/{r['paraphrase']['ndcg@10']:.3f}/{r['keyword']['ndcg@10']:.3f}"
            )
        print(f"  lexical weight {lw}: " + "   ".join(row))
    S.LEXICAL_WEIGHT, S.EVIDENCE_POWER = base
    print(f"  (shipped: lexical weight {base[0]}, evidence power {base[1]:g}; chosen on this same query set)")

    folds = [queries[0::2], queries[1::2]]
    cv = []
    for i, test in enumerate(folds):
        train = folds[1 - i]
        best = max(
            (1.0, 2.0, 3.0),
            key=lambda pw: (setattr(S, "EVIDENCE_POWER", pw), evaluate(train, run("fused"))["overall"]["ndcg@10"])[1],
        )
        S.EVIDENCE_POWER = best
        cv.append(
            (
                best,
                evaluate(test, run("fused"))["overall"]["ndcg@10"],
                evaluate(test, run("dense"))["overall"]["ndcg@10"],
            )
        )
    S.EVIDENCE_POWER = base[1]
    print(
        "  2-fold cross-validation of the power: "
        + "; ".join(f"fold {i}: chose {b:g}, held-out fused {f:.3f} vs dense {d:.3f}" for i, (b, f, d) in enumerate(cv))
    )

    # --- speed --------------------------------------------------------------------------
    print("\n== speed (2-core machine)")
    print(
        f"build on the sample: graph {t1 - t0:.2f} s; model load {t2 - t1:.2f} s; "
        f"pipeline with the model loaded (read, graph, embedding {len(projects)} projects x "
        f"{len(manifest['fields'])} fields, faiss, BM25, verify, swap) {t3 - t2:.2f} s; "
        f"model load + pipeline {t3 - t1:.2f} s; peak RSS {build_rss:.0f} MiB"
    )
    texts = [q.query for q in queries]
    for t in texts:
        s.query(t, 10)  # warm: encoder, jieba, BM25 and sentence caches loaded
    warm = {"fused": [], "dense": []}
    for _ in range(args.repeats):
        for mode in warm:
            for t in texts:
                a = time.perf_counter()
                s.query(t, 10, mode=mode)
                warm[mode].append(time.perf_counter() - a)
    p50, p95 = percentile(warm["fused"], 50) * 1e3, percentile(warm["fused"], 95) * 1e3
    d50 = percentile(warm["dense"], 50) * 1e3
    print(
        f"warm query (fused, k=10, {len(warm['fused'])} runs): p50 {p50:.1f} ms, p95 {p95:.1f} ms "
        f"(dense-only baseline p50 {d50:.1f} ms; fused/dense {p50 / d50:.2f}x; target p50 < 20 ms: {p50 / 20:.2f}x of it)"
    )
    sim = []
    for p in projects:
        a = time.perf_counter()
        s.similar(p.id, 10)
        sim.append(time.perf_counter() - a)
    print(f"warm similar: p50 {percentile(sim, 50) * 1e3:.2f} ms, p95 {percentile(sim, 95) * 1e3:.2f} ms")
    query = ["search.py", "query", "防止山林起火", "--top", "5", "--index", str(args.out)]
    cq, cq_rss = cold(query, args.repeats)
    fq, fq_rss = cold(["--full-jieba", *query], args.repeats)
    cs, cs_rss = cold(["search.py", "similar", "照明设施电费", "--top", "5", "--index", str(args.out)], args.repeats)
    print(
        f"cold `search.py query`: {cq:.2f} s median of {args.repeats}, peak RSS {cq_rss:.0f} MiB "
        f"(targets < 0.5 s and < 150 MB: {cq / 0.5:.2f}x and {cq_rss * 1.048576 / 150:.2f}x of them)\n"
        f"  the same with jieba's whole dictionary loaded (the path before): {fq:.2f} s, {fq_rss:.0f} MiB "
        f"-> {cq / fq:.2f}x the time, {cq_rss / fq_rss:.2f}x the memory"
    )
    print(
        f"cold `search.py similar`: {cs:.2f} s median of {args.repeats}, peak RSS {cs_rss:.0f} MiB (target < 1.5 s: {cs / 1.5:.2f}x of it)"
    )


if __name__ == "__main__":
    main()
