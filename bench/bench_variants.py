#!/usr/bin/env python
"""How many seeded document variants read back to the sample's records (tests/variants.py).

Each seed draws a writer (python-docx, openpyxl, LibreOffice writer / ODT / calc to PDF) and a
structure (cover, 目录 with dot leaders over pages, page breaks, merged cells, two-row and repeated
headers, blank rows, narrow wrapping columns).  A variant passes when it reads to exactly the sample's
records and warnings.  ``pdftotext -layout`` of each PDF variant is read too and counted as exact,
refused (a clear error), warned (differing records, each with a warning at its table) or silent (a
wrong record no warning names: must be 0).  Synthetic documents, made from the sample.
Target: ≥ 299 of 300 variants exact; 0 silent.

    .venv/bin/python bench/bench_variants.py [--seeds 300] [--batch 50]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from graph.defaults import DEFAULT_SAMPLE  # noqa: E402
from graph.read.layouts import parse_file  # noqa: E402
from tests.variants import PDF_WRITERS, draw, outcome, pdftotext_layout, write_all  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", type=int, default=300)
    ap.add_argument("--first", type=int, default=0)
    ap.add_argument("--batch", type=int, default=50, help="variants written per LibreOffice run")
    args = ap.parse_args()
    sample = parse_file(DEFAULT_SAMPLE)
    results: Counter[str] = Counter()
    layout: Counter[str] = Counter()
    by_writer: dict[str, Counter[str]] = {}
    failures: list[str] = []
    read_s: list[float] = []
    t0 = time.perf_counter()
    for start in range(args.first, args.first + args.seeds, args.batch):
        seeds = range(start, min(start + args.batch, args.first + args.seeds))
        drawn = [draw(s) for s in seeds]
        with tempfile.TemporaryDirectory() as d:
            paths = write_all(drawn, Path(d))
            for v in drawn:
                t = time.perf_counter()
                result, detail = outcome(sample, v, paths[v.seed])
                read_s.append(time.perf_counter() - t)
                results[result] += 1
                by_writer.setdefault(v.writer, Counter())[result] += 1
                if result != "exact":
                    failures.append(f"seed {v.seed} ({v.writer}, {len(v.tables)} tables): {result}: {detail}")
                if v.writer in PDF_WRITERS and shutil.which("pdftotext"):
                    got, detail = outcome(sample, v, pdftotext_layout(paths[v.seed]))
                    layout[got] += 1
                    if got == "silent":
                        failures.append(f"seed {v.seed} pdftotext -layout: silent: {detail}")
        print(f"  seeds {seeds.start}-{seeds.stop - 1}: {results['exact']} exact so far", flush=True)
    n = sum(results.values())
    print(f"variants read back exactly: {results['exact']} of {n} (target ≥ {n - n // 300} of {n}); {dict(results)}")
    for writer, c in sorted(by_writer.items()):
        print(f"  {writer:10s} {c['exact']} of {sum(c.values())} exact")
    print(f"pdftotext -layout of the {sum(layout.values())} PDF variants: {dict(layout)} (silent must be 0)")
    print(f"reading: median {statistics.median(read_s):.2f} s per variant; whole run {time.perf_counter() - t0:.0f} s")
    for f in failures:
        print("  " + f)


if __name__ == "__main__":
    main()
