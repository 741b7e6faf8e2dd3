"""The duplicates pass on Ray: candidate pairs scored by Ray Data tasks, in blocks, by an actor pool
whose actors each load the index once; the same pairs as the local pass (:func:`analysis.duplicates.find_duplicates`).

Candidates (faiss neighbours and MinHash LSH buckets) and the filters stay on the driver; what is
spread is the scoring, the pass's cost: each pair's sentences compared, its documents and
indicators weighed.  Every node must see the index at the same path (a shared file system).
``find_duplicates(corpus, engine=Engine("ray"))`` or ``search.py duplicates --engine ray``.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from graph.constants import RAY_PAIR_BLOCK, RAY_WORKERS
from graph.errors import UsageError
from index.distributed import start

__all__ = ["score_on_ray"]


class _ScoreActor:
    """One loaded corpus per actor; each call scores a block of candidate pairs."""

    def __init__(self, path: str, idf: dict[str, float], min_score: float) -> None:
        from analysis.duplicates import DupCorpus

        self.corpus = DupCorpus.load(path)
        self.corpus.prepare()
        self.idf, self.min_score = idf, min_score

    def __call__(self, row: dict[str, Any]) -> dict[str, Any]:
        from analysis.duplicates import score_pairs

        return {"block": row["block"], "pairs": score_pairs(self.corpus, row["pairs"], self.idf, self.min_score)}


def score_on_ray(
    corpus: Any,
    pairs: Sequence[tuple[int, int]],
    idf: dict[str, float],
    min_score: float,
    address: str | None = None,
    workers: int = RAY_WORKERS,
) -> list[Any]:
    """The candidate ``pairs`` of ``corpus`` (a :class:`~analysis.duplicates.DupCorpus` loaded from an
    index directory) scored on Ray in blocks of :data:`~graph.constants.RAY_PAIR_BLOCK`, in the order given."""
    if corpus.path is None:
        raise UsageError("the duplicates pass on Ray reads the index from its folder; load the corpus from one")
    if not pairs:
        return []
    ray = start(address, workers)
    blocks = [
        {"block": b, "pairs": [(int(i), int(j)) for i, j in pairs[at : at + RAY_PAIR_BLOCK]]}
        for b, at in enumerate(range(0, len(pairs), RAY_PAIR_BLOCK))
    ]
    scored = ray.data.from_items(blocks).map(
        _ScoreActor,
        fn_constructor_kwargs={"path": str(Path(corpus.path).resolve()), "idf": idf, "min_score": min_score},
        compute=ray.data.ActorPoolStrategy(size=min(workers, len(blocks))),
        num_cpus=1,
    )
    done = sorted(scored.take_all(), key=lambda r: r["block"])  # the order of the local pass
    return [p for r in done for p in r["pairs"]]
