#!/usr/bin/env python
"""The relevance floor and pinyin questions, on the sample's index (built if missing), measured here.

    .venv/bin/python bench/bench_floor.py [--index build/index]

Prints, for each labelled question of bench/queries.jsonl, whether it is still answered (its best
hit's dense margin over the corpus median must reach graph.constants.RELEVANCE_MARGIN, or its lexical
evidence LEXICAL_GOOD), for each question of bench/off_topic.txt whether it is refused ("no good
match"), the least margin of a right answer against the largest of an off-topic question, and for
bench/pinyin.jsonl whether the pinyin is read as the Chinese words it stands for and what the top
hit is then.  Targets: every labelled question answered, most off-topic ones refused, every pinyin read.
"""

from __future__ import annotations

import argparse
import json
import sys
import warnings
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from graph.constants import RELEVANCE_MARGIN, RELEVANCE_SAMPLE  # noqa: E402
from index.build import DEFAULT_SAMPLE, build  # noqa: E402
from index.searcher import NoGoodMatch, QueryRead, Searcher  # noqa: E402
from index.store import FIELDS, has_search  # noqa: E402


def margin(s: Searcher, text: str) -> float:
    """The best project's dense score above the median of the corpus sample (what the floor tests)."""
    qv = s.encoder.queries([text])[0]
    n = len(s.projects)
    every = np.arange(n)
    sample = np.unique(np.linspace(0, n - 1, min(n, RELEVANCE_SAMPLE)).astype(np.int64))
    dense, _ = s._dense(dict.fromkeys(FIELDS, qv), every)
    return float(dense.max() - np.median(dense[sample]))


def ask(s: Searcher, text: str) -> tuple[list, list[warnings.WarningMessage]]:
    with warnings.catch_warnings(record=True) as said:
        warnings.simplefilter("always")
        hits = s.query(text, 5)
    return hits, said


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--index", type=Path, default=ROOT / "build" / "index")
    args = ap.parse_args()
    if not has_search(args.index):
        build([DEFAULT_SAMPLE], args.index)
    s = Searcher.load(args.index)
    labelled = [json.loads(line) for line in (ROOT / "bench/queries.jsonl").read_text(encoding="utf-8").splitlines()]
    off = [q for q in (ROOT / "bench/off_topic.txt").read_text(encoding="utf-8").splitlines() if q and q[0] != "#"]
    pinyin = [json.loads(line) for line in (ROOT / "bench/pinyin.jsonl").read_text(encoding="utf-8").splitlines()]

    answered = [q for q in labelled if ask(s, q["query"])[0]]
    right = [margin(s, q["query"]) for q in labelled]
    refused = [q for q in off if not ask(s, q)[0]]
    wrong = [margin(s, q) for q in off]
    print(f"floor: margin {RELEVANCE_MARGIN} over the median of {min(len(s.projects), RELEVANCE_SAMPLE)} rows")
    print(f"labelled questions answered: {len(answered)}/{len(labelled)} (target: all)")
    print(
        f"off-topic questions refused: {len(refused)}/{len(off)}; answered anyway: "
        f"{', '.join(q for q in off if q not in refused) or 'none'}"
    )
    print(
        f"least margin of a labelled question {min(right):.3f} (median {np.median(right):.3f}); "
        f"off-topic: largest {max(wrong):.3f} (median {np.median(wrong):.3f})"
    )
    read = 0
    for q in pinyin:
        hits, said = ask(s, q["query"])
        got = next((str(w.message).rsplit(": ", 1)[-1] for w in said if issubclass(w.category, QueryRead)), None)
        read += got == q["reads"]
        floored = any(issubclass(w.category, NoGoodMatch) for w in said)
        top = hits[0].project if hits else ("(no good match)" if floored else "(none)")
        print(f"  pinyin {q['query']!r:24} read as {got!s:8} (want {q['reads']}); top: {top}")
    print(f"pinyin questions read as meant: {read}/{len(pinyin)} (target: all)")


if __name__ == "__main__":
    main()
