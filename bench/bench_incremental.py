#!/usr/bin/env python
"""An incremental add against a full rebuild, and lineage on a generated next edition.

Builds the sample (which fills the vector cache), then, each in a fresh process as a user runs
them: ``build_index.py 2025.txt --add`` (the synthetic 2025 edition of tests/editions.py: only
its changed texts are embedded) against a full rebuild of both documents with the cache off.
Target: the add costs under a quarter of the full rebuild.  Then lineage precision and recall
against the changes the generator recorded.

    .venv/bin/python bench/bench_incremental.py [--repeats 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from analysis.lineage import lineage  # noqa: E402
from graph.defaults import DEFAULT_SAMPLE  # noqa: E402
from graph.read.layouts import parse_file  # noqa: E402
from index.e5_convert import cache_root  # noqa: E402
from tests.editions import next_year  # noqa: E402

_FULL = """
import sys
from index.build import build
build(sys.argv[1:-1], sys.argv[-1], vector_cache=False)
"""


def timed(cmd: list[str], cache: Path) -> float:
    t = time.perf_counter()
    subprocess.run(cmd, cwd=ROOT, check=True, capture_output=True, env={**os.environ, "BUDGET_GRAPH_CACHE": str(cache)})
    return time.perf_counter() - t


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        text, changes = next_year(DEFAULT_SAMPLE.read_text(encoding="utf-8"))
        edition = d / "beibei_2025.txt"
        edition.write_text(text, encoding="utf-8")
        adds, fulls = [], []
        for r in range(args.repeats):
            # A vector cache of its own each time (the converted model is shared, not re-made):
            # it holds the 2024 texts after the first build, and nothing of the 2025 edition.
            cache = d / f"cache{r}"
            cache.mkdir()
            (cache / "models").symlink_to(cache_root() / "models")
            idx = d / f"idx{r}"
            timed([sys.executable, "build_index.py", str(DEFAULT_SAMPLE), "--out", str(idx)], cache)
            adds.append(timed([sys.executable, "build_index.py", str(edition), "--add", "--out", str(idx)], cache))
            full = [sys.executable, "-c", _FULL, str(DEFAULT_SAMPLE), str(edition), str(d / f"full{r}")]
            fulls.append(timed(full, cache))
        add, full = statistics.median(adds), statistics.median(fulls)
        print(
            f"add the 2025 edition (91 projects) to the 2024 index: {add:.1f} s (median of {args.repeats}, fresh processes)"
        )
        print(f"full rebuild of both (185 projects), no vector cache:   {full:.1f} s")
        print(f"ratio {add / full:.2f} (target under 0.25) -> {'PASS' if add / full < 0.25 else 'FAIL'}")
        links = lineage([*parse_file(DEFAULT_SAMPLE).projects, *parse_file(edition).projects])
        got = Counter((x.from_name, x.to_name, x.status, x.amount_delta) for x in links)
        want = Counter((c.from_name, c.to_name, c.status, c.amount_delta) for c in changes)
        hit = sum((got & want).values())
        print(
            f"lineage on the generated edition: precision {hit / sum(got.values()):.3f}, recall {hit / sum(want.values()):.3f} "
            f"({sum(want.values())} links: {dict(Counter(c.status for c in changes))})"
        )


if __name__ == "__main__":
    main()
