#!/usr/bin/env python
"""The time and memory of writing the graph files with GraphML and GEXF written beside the build
(graph.forked), each by a process of its own, or in the build's process; and the first without the
build's ``gc.freeze()`` before each fork, in the same process.

    .venv/bin/python bench/bench_forked.py [--projects 20000] [--repeat 2]

Synthetic districts (bench_scale.write_corpus) are read and graphed for real, as the build does
(documents spilled, the graph's projects on disk), then ``write_graph`` runs once per variant and
repeat, the variants alternated: ``--workers`` 2 (the default: a writer for each file), 2 with
``gc.freeze`` made to do nothing for the run, and 1 (all in this process).  A thread (proc_memory.ProcPeaks) samples every 0.2 s each child's ``/proc/<pid>/smaps_rollup``:
``Private_Dirty`` (pages the child copied: its own memory) and ``Pss`` (its share of all it maps),
and this process's own; medians of the peaks are printed with ratios to the first variant.  The
files written by each variant are compared: the same bytes.
"""

from __future__ import annotations

import argparse
import filecmp
import gc
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_scale import write_corpus  # noqa: E402
from proc_memory import ProcPeaks  # noqa: E402

from graph.knowledge import build_graph  # noqa: E402
from graph.read.issuers import IssuerResolver  # noqa: E402
from graph.store import write_graph  # noqa: E402
from index.build import LOCAL, read_documents  # noqa: E402

FIELDS = ("Private_Dirty", "Pss", "Rss")


VARIANTS = (  # label, --workers, gc.freeze before each fork
    ("two writers (--workers 2)", 2, True),
    ("two writers, without gc.freeze", 2, False),
    ("in the build's process (--workers 1)", 1, True),
)


def measured(docs, built, out: Path, workers: int, freeze: bool) -> tuple[float, ProcPeaks]:
    """Seconds of ``write_graph`` into ``out`` with ``workers`` and its memory's peaks."""
    real = gc.freeze
    if not freeze:
        gc.freeze = lambda: None  # the variant: the children collect the build's objects as before
    out.mkdir()
    try:
        with ProcPeaks("smaps_rollup", FIELDS) as peaks:
            t = time.perf_counter()
            write_graph(docs, built, out, workers=workers)
            took = time.perf_counter() - t
        return took, peaks
    finally:
        gc.freeze = real


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--projects", type=int, default=20_000)
    ap.add_argument("--repeat", type=int, default=2, help="runs of each variant (medians printed)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "src"
        src.mkdir()
        resolver = IssuerResolver.from_package()
        docs = read_documents(write_corpus(args.projects, src), resolver, False, engine=LOCAL)[0]
        built = build_graph(docs, resolver, docs.folder)
        print(
            f"{len(docs.projects):,} synthetic projects; medians of {args.repeat} run(s), peaks in MiB (smaps_rollup)"
        )
        runs: dict[int, list[tuple[float, ProcPeaks]]] = {k: [] for k in range(len(VARIANTS))}
        for r in range(args.repeat):
            for k, (_, workers, freeze) in enumerate(VARIANTS):  # alternated: the machine's load falls on all alike
                runs[k].append(measured(docs, built, Path(tmp) / f"out_{k}_{r}", workers, freeze))
        names = ("graph.graphml", "graph.gexf", "graph.json", "graph.sqlite")
        first = Path(tmp) / "out_0_0"
        same = all(filecmp.cmp(first / f, Path(tmp) / f"out_{k}_0" / f, shallow=False) for k in runs for f in names)
        rows = []
        for k, (label, _, _) in enumerate(VARIANTS):
            s = runs[k]
            g = {
                "s": statistics.median(t for t, _ in s),
                "dirty": statistics.median(x.children["Private_Dirty"] for _, x in s),
                "pss": statistics.median(x.children["Pss"] for _, x in s),
                "one": statistics.median(x.child["Private_Dirty"] for _, x in s),
                "build": statistics.median(x.parent["Rss"] for _, x in s),
            }
            rows.append(g)
            base = rows[0]
            print(
                f"  {label:<38} {g['s']:6.1f} s ({g['s'] / base['s']:.2f}×); writers' Private_Dirty {g['dirty']:6,.0f} "
                f"({g['dirty'] / max(base['dirty'], 1e-9):.2f}×; the largest one {g['one']:6,.0f}), writers' Pss "
                f"{g['pss']:6,.0f}; the build's Rss {g['build']:6,.0f}"
            )
        print(f"  the files of every variant the same bytes: {same}")


if __name__ == "__main__":
    main()
