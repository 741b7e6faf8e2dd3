"""Retrieval metrics over a labelled query set (graded relevance).

>>> ndcg_at(['a', 'b', 'c'], {'a': 2, 'c': 1}, 10) > ndcg_at(['c', 'b', 'a'], {'a': 2, 'c': 1}, 10)
True
>>> recall_at(['a', 'b', 'c'], {'a': 2, 'c': 1}, 2)
0.5
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from statistics import mean

__all__ = ["LabelledQuery", "evaluate", "load_queries", "ndcg_at", "recall_at"]


@dataclass(frozen=True)
class LabelledQuery:
    id: str
    kind: str  # keyword / paraphrase / english
    query: str
    relevant: dict[str, int]  # project name -> grade (2 about it, 1 partly)


def load_queries(path: str | Path) -> list[LabelledQuery]:
    with open(path, encoding="utf-8") as f:
        return [LabelledQuery(**json.loads(line)) for line in f if line.strip()]


def ndcg_at(ranked: Sequence[str], relevant: dict[str, int], k: int) -> float:
    gain = lambda g: 2**g - 1  # noqa: E731
    dcg = sum(gain(relevant.get(r, 0)) / math.log2(i + 2) for i, r in enumerate(ranked[:k]))
    ideal = sorted(relevant.values(), reverse=True)[:k]
    idcg = sum(gain(g) / math.log2(i + 2) for i, g in enumerate(ideal))
    return dcg / idcg if idcg else 0.0


def recall_at(ranked: Sequence[str], relevant: dict[str, int], k: int) -> float:
    return len(set(ranked[:k]) & set(relevant)) / len(relevant) if relevant else 0.0


def evaluate(queries: Sequence[LabelledQuery], run: Callable[[str], list[str]]) -> dict[str, dict[str, float]]:
    """nDCG@10 and recall@5 per query kind and overall; ``run`` maps a query to ranked names."""
    per: dict[str, list[tuple[float, float]]] = {}
    for q in queries:
        ranked = run(q.query)
        m = (ndcg_at(ranked, q.relevant, 10), recall_at(ranked, q.relevant, 5))
        per.setdefault(q.kind, []).append(m)
        per.setdefault("overall", []).append(m)
    return {
        kind: {"ndcg@10": mean(a for a, _ in v), "recall@5": mean(b for _, b in v), "n": len(v)}
        for kind, v in per.items()
    }
