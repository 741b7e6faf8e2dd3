"""What one question costs as a command: cold `search.py` latency and peak memory by index size.

Each size is an index of synthetic districts made from the sample (parsed and graphed for real,
vectors synthetic as in bench_scale.py), kept under ``--keep`` so a second run reuses it.  Every
command runs as a fresh process (``/usr/bin/time``): once untimed on every index (so the page cache
holds what a user's second command would find there), then ``RUNS`` times, alternating with the
sample index in the same run; the median is reported, with the ratio to the sample's.

    python bench/bench_cold.py --sizes 1000 10000
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_scale import synthetic_vectors, write_corpus

from analysis.lint import write_findings
from graph.defaults import DEFAULT_SAMPLE
from graph.knowledge import build_graph
from graph.read.issuers import IssuerResolver
from graph.spill import DocumentSpill
from graph.store import write_graph
from index.build import LOCAL, build, read_documents
from index.encoder import DEFAULT_SPEC
from index.store import FIELDS, SEARCH_DIR, Embedded, load_search, write_search

ROOT = Path(__file__).resolve().parent.parent
COMMANDS = {
    "query": ["query", "森林火灾预防", "--top", "5"],
    "similar": ["similar", "{first}", "--top", "5"],  # the index's first project, by id
    "cited-by": ["cited-by", "渝府办发〔2019〕57号"],
    "lint --summary": ["lint", "--summary"],
    "lint --top 10": ["lint", "--top", "10"],
}
RUNS = 5
# What a user would write without this tool: sentence-transformers and faiss over the same index.
PLAIN = """
import sys, faiss
from sentence_transformers import SentenceTransformer
model = SentenceTransformer(sys.argv[1], device="cpu")
q = model.encode(["query: 森林火灾预防"], normalize_embeddings=True)
print(faiss.read_index(sys.argv[2]).search(q, 5)[1][0].tolist())
"""


def cut_to(docs: DocumentSpill, n: int) -> DocumentSpill:
    """The documents cut to their first ``n`` projects (the corpus is whole districts), spilled
    as the build spills them (beside the first spill)."""
    left, cut = n, DocumentSpill.create(docs.folder.parent)
    for d in docs:
        if left > 0:
            cut.add(replace(d, projects=d.projects[:left]))
            left -= min(left, len(d.projects))
    cut.close()
    return cut


def make_index(n: int, keep: Path, sample: Path) -> Path:
    out = keep / f"idx_{n}"
    if (out / SEARCH_DIR / "manifest.json").is_file():
        return out
    src = keep / f"src_{n}"
    src.mkdir(parents=True, exist_ok=True)
    paths = write_corpus(n, src)
    resolver = IssuerResolver.from_package()
    docs = cut_to(read_documents(paths, resolver, False, engine=LOCAL)[0], n)
    built = build_graph(docs, resolver)
    tmp = keep / f".idx_{n}.tmp"
    tmp.mkdir(parents=True, exist_ok=True)
    write_graph(docs, built, tmp)
    del built
    projects = docs.projects
    vectors = synthetic_vectors(projects, load_search(sample / SEARCH_DIR), np.random.default_rng(n))
    write_search(
        Embedded(projects, vectors, dict.fromkeys(FIELDS, 0), DEFAULT_SPEC), tmp / SEARCH_DIR, tmp / "manifest.json"
    )
    write_findings(tmp, docs)  # as build_index.py keeps them
    tmp.rename(out)
    return out


def cold(index: Path, argv: list[str], code: Path = ROOT) -> tuple[float, float, str]:
    """(seconds, peak MiB, output) of one fresh `search.py` process of the checkout at ``code``."""
    first = json.loads((index / SEARCH_DIR / "ids.json").read_text(encoding="utf-8"))[0]
    argv = [a.replace("{first}", first) for a in argv]
    cmd = ["/usr/bin/time", "-f", "%e %M", sys.executable, str(code / "search.py"), *argv, "--index", str(index)]
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=code)
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} on {index}: exit {proc.returncode}\n{proc.stderr[-2000:]}")
    seconds, kib = proc.stderr.strip().splitlines()[-1].split()
    return float(seconds), int(kib) / 1024, proc.stdout


def plain(index: Path) -> float:
    """Seconds of the plain sentence-transformers + faiss script, one fresh process."""
    from index.e5_convert import default_model_dir

    cmd = ["/usr/bin/time", "-f", "%e %M", sys.executable, "-c", PLAIN, str(default_model_dir())]
    proc = subprocess.run([*cmd, str(index / SEARCH_DIR / "dense.faiss")], capture_output=True, text=True)
    if proc.returncode != 0:
        raise SystemExit(f"the plain script failed:\n{proc.stderr[-2000:]}")
    return float(proc.stderr.strip().splitlines()[-1].split()[0])


def warm(index: Path, questions: list[str]) -> tuple[float, float]:
    """p50 and p95 (ms) of questions through one loaded Searcher, after a first pass (as bench_scale.py)."""
    import time

    from index.searcher import Searcher

    s = Searcher.load(index)
    for q in questions:
        s.query(q, 10)
    times = []
    for _ in range(RUNS):
        for q in questions:
            t = time.perf_counter()
            s.query(q, 10)
            times.append((time.perf_counter() - t) * 1e3)
    times.sort()
    return statistics.median(times), times[int(0.95 * (len(times) - 1))]


def parts(index: Path, questions: list[str]) -> dict[str, float]:
    """Median ms of each step of a warm question through one loaded Searcher, the steps timed one by
    one as ``Searcher._query`` runs them (encoder, BM25, lexical order, faiss, scoring the candidates,
    the relevance sample), then the whole question."""
    import time

    from graph.constants import CANDIDATES
    from index.searcher import Searcher, _one_thread
    from index.store import FIELDS, nearest_rows

    s = Searcher.load(index)
    for q in questions:
        s.query(q, 10)
    steps = ("encoder", "tokens + BM25", "lexical order", "faiss", "candidates scored", "relevance sample", "whole")
    took: dict[str, list[float]] = {k: [] for k in steps}
    with _one_thread():
        for _ in range(RUNS):
            for q in questions:
                t = [time.perf_counter()]
                qv = s.encoder.queries([q])[0]
                t.append(time.perf_counter())
                lex = s.bm25.scores(s.tokens.cut(q))
                t.append(time.perf_counter())
                order = np.argsort(-lex)[:CANDIDATES]
                top = order[lex[order] > 0]
                t.append(time.perf_counter())
                found = nearest_rows(s.index.faiss, qv[None, :], CANDIDATES)[0]
                rows = np.union1d(found[found >= 0], top)
                t.append(time.perf_counter())
                dense, _ = s._dense(dict.fromkeys(FIELDS, qv), rows)
                t.append(time.perf_counter())
                s._weak(qv, float(dense.max()), 0.0)
                t.append(time.perf_counter())
                s.query(q, 10)
                t.append(time.perf_counter())
                for k, a, b in zip(steps, t[:-1], t[1:], strict=True):
                    took[k].append((b - a) * 1e3)
    return {k: statistics.median(v) for k, v in took.items()}


def check(index: Path) -> dict[str, bool]:
    """Whether each part read answers as the whole does on ``index``: ``cited-by`` and ``funded-by``
    on graph.sqlite against graph.json, the kept lint findings against linting the records, a
    command's first question (rows read) against a later one (rows mapped)."""
    import analysis.lint as lint_module
    from analysis.lint import LintView
    from graph import queries
    from graph.store import load_index
    from index.searcher import Searcher

    idx = load_index(index)
    whole = load_index(index).graph
    same_graph = all(
        queries.cited_by_in(idx, d).equals(queries.cited_by(whole, d))
        for d in ("渝府办发〔2019〕57号", "渝府办发", "乡村振兴")
    )
    dept = next(a["department"] for _, a in whole.nodes(data=True) if a.get("type") == "project")  # one of the index's
    same_graph = same_graph and queries.funded_by_in(idx, dept).equals(queries.funded_by(whole, dept))
    kept = LintView(idx)
    real = lint_module.stored_findings
    lint_module.stored_findings = lambda _: None  # type: ignore[assignment]  # lint the records instead
    try:
        linted = LintView(idx)
    finally:
        lint_module.stored_findings = real
    same_lint = kept.findings() == linted.findings() and kept.summary() == linted.summary()
    s = Searcher.load(index)
    first = [h.to_json() for h in s.query("森林火灾预防", 10)]
    same_rows = first == [h.to_json() for h in s.query("森林火灾预防", 10)]
    return {"graph parts": same_graph, "kept findings": same_lint, "read and mapped rows": same_rows}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000])
    ap.add_argument("--keep", type=Path, default=ROOT / "build" / "bench_cold")
    ap.add_argument(
        "--baseline", type=Path, help="a checkout of an earlier version, run alternately on the same indexes"
    )
    ap.add_argument("--commands", nargs="+", default=list(COMMANDS), choices=list(COMMANDS))
    ap.add_argument("--warm", action="store_true", help="also warm query p50/p95 through one Searcher per index")
    ap.add_argument("--parts", action="store_true", help="also the median ms of each step of a warm query")
    ap.add_argument("--plain", action="store_true", help="also the plain sentence-transformers + faiss script")
    ap.add_argument("--check", action="store_true", help="also: each part read answers as the whole does")
    args = ap.parse_args()
    sample = args.keep / "sample"
    if not (sample / SEARCH_DIR / "manifest.json").is_file():
        build([DEFAULT_SAMPLE], sample, parts=(write_findings,))
    indexes = {"sample": sample, **{str(n): make_index(n, args.keep, sample) for n in args.sizes}}
    codes = {"now": ROOT, **({"before": args.baseline.resolve()} if args.baseline else {})}
    print(f"{'command':16} {'code':>6} {'index':>8} {'projects':>9} {'median s':>9} {'peak MiB':>9} {'× sample':>9}")
    for name in args.commands:
        runs: dict[tuple[str, str], list[tuple[float, float, str]]] = {(c, k): [] for c in codes for k in indexes}
        for code in codes.values():  # the warm-up round, untimed
            for path in indexes.values():
                cold(path, COMMANDS[name], code)
        for _ in range(RUNS):  # alternate, so a busy moment hits every index and version alike
            for c, code in codes.items():
                for k, path in indexes.items():
                    runs[c, k].append(cold(path, COMMANDS[name], code))
        for c in codes:
            base = statistics.median(t for t, _, _ in runs[c, "sample"])
            for k in indexes:
                got = runs[c, k]
                t, mem = statistics.median(s for s, _, _ in got), statistics.median(m for _, m, _ in got)
                count = 94 if k == "sample" else int(k)
                print(f"{name:16} {c:>6} {k:>8} {count:>9} {t:9.2f} {mem:9.0f} {t / base:9.2f}")
        if args.baseline:
            same = all(runs["now", k][0][2] == runs["before", k][0][2] for k in indexes)
            print(f"{name:16} output identical to the baseline's on every index: {'yes' if same else 'NO'}")
    if args.plain:
        mine, theirs = [], []
        for _ in range(RUNS):
            theirs.append(plain(sample))
            mine.append(cold(sample, COMMANDS["query"])[0])
        t_plain, t_mine = statistics.median(theirs), statistics.median(mine)
        print(
            f"plain script on the sample {t_plain:.2f} s; search.py query {t_mine:.2f} s: {t_mine / t_plain:.3f} of it"
        )
    if args.check:
        for k, path in indexes.items():
            said = ", ".join(f"{what} {'identical' if ok else 'DIFFER'}" for what, ok in check(path).items())
            print(f"check {k:>8}: {said}")
    questions = [json.loads(x)["query"] for x in open(ROOT / "bench" / "queries.jsonl", encoding="utf-8")][:40]
    if args.warm:
        for k, path in indexes.items():
            p50, p95 = warm(path, questions)
            print(f"warm query {k:>8}: p50 {p50:.1f} ms, p95 {p95:.1f} ms")
    if args.parts:
        for k, path in indexes.items():
            print(
                f"warm query {k:>8}, median ms: "
                + ", ".join(f"{s} {ms:.2f}" for s, ms in parts(path, questions).items())
            )


if __name__ == "__main__":
    main()
