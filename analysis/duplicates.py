"""Duplicate and overlapping funding: candidate pairs from faiss, scored from separate signals.

Candidates are each project's ``k`` nearest neighbours in the faiss index (never all pairs), so
the work grows as n·k.  Every candidate pair is scored from signals an auditor can check:

- ``semantic``: cosine of the whole texts and per field (overview, goals, indicators), mapped to
  0..1 between :data:`SEM_FLOOR` (unrelated texts of this genre) and :data:`SEM_CEIL`;
- ``sentences``: share of sentences (of the shorter text) found again in the other, identical or
  copied with small edits: the character 3-grams of the shorter sentence are at least
  :data:`CONTAINED` contained in the other's (found with MinHash, then checked exactly), shown
  as evidence;
- ``documents``: Jaccard of the documents cited; ``indicators``: idf-weighted Jaccard of the
  normalised indicator names (群众满意度, in many tables, counts little);
- department, unit and budgets are shown beside the score, not added to it.

``score = 0.45·semantic + 0.30·sentences + 0.10·documents + 0.15·indicators``, each part kept.
Each pair is labelled: ``template`` (same wording for different places or beneficiaries),
``duplicate`` (the same activity funded twice: most sentences shared or the texts near-identical),
or ``overlap`` (overlapping scope).  Pairs at or above a threshold are grouped into clusters.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

__all__ = [
    "WEIGHTS",
    "DupCorpus",
    "DuplicatePair",
    "SharedSentence",
    "find_duplicates",
    "to_frame",
]

SEM_FLOOR, SEM_CEIL = 0.86, 0.97
CONTAINED = 0.8  # share of the shorter sentence's 3-grams found in the other
WEIGHTS = {"semantic": 0.45, "sentences": 0.30, "documents": 0.10, "indicators": 0.15}
_PLACE = re.compile(r"[\u4e00-\u9fff]{2,4}?(?:镇|街道|乡|村|社区)")
_N_HASH = 32
_PRIME = (1 << 61) - 1
_rng = np.random.default_rng(20240101)
_A = _rng.integers(1, _PRIME, _N_HASH, dtype=np.int64).astype(np.uint64)
_B = _rng.integers(0, _PRIME, _N_HASH, dtype=np.int64).astype(np.uint64)


@dataclass(frozen=True)
class SharedSentence:
    a: str
    b: str
    similarity: float  # containment of the shorter sentence's character 3-grams in the other's


@dataclass(frozen=True)
class DuplicatePair:
    """Two projects that may fund the same thing, with every signal and the evidence."""

    a_id: str
    a: str
    b_id: str
    b: str
    score: float
    label: str  # duplicate / overlap / template
    parts: dict[str, float]  # the weighted signals, each 0..1
    cosines: dict[str, float]  # raw cosine per field
    same_department: bool
    same_unit: bool
    department_a: str
    department_b: str
    amount_a: float | None
    amount_b: float | None
    shared_sentences: tuple[SharedSentence, ...]
    shared_documents: tuple[str, ...]
    shared_indicators: tuple[str, ...]
    cluster: int | None = None

    def to_json(self) -> dict[str, Any]:
        d = dict(self.__dict__)
        d["shared_sentences"] = [s.__dict__ for s in self.shared_sentences]
        d["shared_documents"] = list(self.shared_documents)
        d["shared_indicators"] = list(self.shared_indicators)
        return d


def _norm(text: str) -> str:
    return re.sub(r"[\W_]+", "", unicodedata.normalize("NFKC", text))


def _sentences(text: str) -> list[str]:
    return [s.strip() for s in re.split(r"[。；;！？!?\n]", text) if len(_norm(s)) >= 8]


def _shingles(s: str) -> set[str]:
    # Places and numbers masked: a template copied for another village or year still matches.
    n = re.sub(r"\d+", "0", _PLACE.sub("地", _norm(s)))
    return {n[i : i + 3] for i in range(max(1, len(n) - 2))}


def _minhash(shingles: set[str]) -> np.ndarray:
    x = np.array(
        [int.from_bytes(sh.encode("utf-8")[:8].ljust(8, b"\0"), "little") % _PRIME for sh in shingles], dtype=np.uint64
    )
    # (a·x + b) mod p per hash function, min over shingles; uint64 wraps, which keeps it a hash.
    return ((x[:, None] * _A[None, :] + _B[None, :]) % np.uint64(_PRIME)).min(axis=0)


@dataclass
class DupCorpus:
    """What duplicate detection reads: per-project metadata, texts and vectors, and a faiss index."""

    docs: list[dict[str, Any]]
    vectors: dict[str, np.ndarray]
    faiss: Any
    _sent: list[list[str]] = field(default_factory=list)
    _sig: list[np.ndarray] = field(default_factory=list)
    _shing: list[list[set[str]]] = field(default_factory=list)

    @classmethod
    def from_search_index(cls, index: Any) -> DupCorpus:
        return cls(index.docs, index.vectors, index.faiss)

    def prepare(self) -> None:
        if self._sent:
            return
        for d in self.docs:
            sents = list(dict.fromkeys(_sentences(d["fields"]["overview"]) + _sentences(d["fields"]["goals"])))
            shingles = [_shingles(s) for s in sents]
            self._sent.append(sents)
            self._shing.append(shingles)
            self._sig.append(
                np.stack([_minhash(s) for s in shingles]) if shingles else np.zeros((0, _N_HASH), np.uint64)
            )


def _sem(cos: float) -> float:
    return float(min(1.0, max(0.0, (cos - SEM_FLOOR) / (SEM_CEIL - SEM_FLOOR))))


def _places(name: str) -> set[str]:
    return set(_PLACE.findall(re.sub(r"\s+", "", name)))


def _shared_sentences(c: DupCorpus, i: int, j: int) -> tuple[float, list[SharedSentence]]:
    a, b = c._sig[i], c._sig[j]
    if not len(a) or not len(b):
        return 0.0, []
    jac = (a[:, None, :] == b[None, :, :]).mean(-1)  # MinHash estimate of Jaccard, all sentence pairs
    size_a = np.array([len(x) for x in c._shing[i]], dtype=np.float64)[:, None]
    size_b = np.array([len(x) for x in c._shing[j]], dtype=np.float64)[None, :]
    # |A∩B| = J/(1+J)·(|A|+|B|); containment divides it by the smaller set.
    est = jac / (1 + jac) * (size_a + size_b) / np.minimum(size_a, size_b)
    shared = []
    for r, col in enumerate(est.argmax(1)):
        if est[r, col] >= CONTAINED - 0.15:  # confirm candidates exactly
            sa, sb = c._shing[i][r], c._shing[j][col]
            contained = len(sa & sb) / min(len(sa), len(sb))
            if contained >= CONTAINED:
                shared.append(SharedSentence(c._sent[i][r], c._sent[j][col], round(contained, 3)))
    return len(shared) / min(len(a), len(b)), shared


def _label(name_a: str, name_b: str, sentences: float, cos: dict[str, float]) -> str:
    pa, pb = _places(name_a), _places(name_b)
    if pa and pb and pa != pb and (sentences >= 0.3 or cos["all"] >= 0.93):
        return "template"
    if sentences >= 0.6 or min(cos["overview"], cos["goals"]) >= 0.97:
        return "duplicate"
    return "overlap"


def find_duplicates(
    corpus: DupCorpus,
    k: int = 10,
    min_score: float = 0.0,
    threshold: float = 0.5,
    cross_department: bool = False,
    department: str | None = None,
) -> list[DuplicatePair]:
    """Scored candidate pairs, best first; pairs with score ≥ ``threshold`` get a cluster number."""
    import networkx as nx

    corpus.prepare()
    docs = corpus.docs
    n = len(docs)
    if n < 2:
        return []
    allv = np.ascontiguousarray(corpus.vectors["all"], dtype=np.float32)
    _, nbrs = corpus.faiss.search(allv, min(n, k + 1))
    pairs = {(min(i, int(j)), max(i, int(j))) for i in range(n) for j in nbrs[i] if j >= 0 and j != i}
    ind_df = Counter(x for d in docs for x in set(d["indicators"]))
    idf = {x: math.log(n / df) + 0.1 for x, df in ind_df.items()}
    out: list[DuplicatePair] = []
    for i, j in sorted(pairs):
        da, db = docs[i], docs[j]
        if cross_department and da["department"] == db["department"]:
            continue
        if department and department not in da["department"] and department not in db["department"]:
            continue
        cos = {
            f: float(corpus.vectors[f][i] @ corpus.vectors[f][j]) for f in ("all", "overview", "goals", "indicators")
        }
        sent_share, shared = _shared_sentences(corpus, i, j)
        docs_a, docs_b = set(da["documents"]), set(db["documents"])
        ind_a, ind_b = set(da["indicators"]), set(db["indicators"])
        union_w = sum(idf[x] for x in ind_a | ind_b)
        parts = {
            "semantic": round(max(_sem(cos["all"]), (_sem(cos["overview"]) + _sem(cos["goals"])) / 2), 4),
            "sentences": round(min(1.0, sent_share), 4),
            "documents": round(len(docs_a & docs_b) / len(docs_a | docs_b), 4) if docs_a | docs_b else 0.0,
            "indicators": round(sum(idf[x] for x in ind_a & ind_b) / union_w, 4) if union_w else 0.0,
        }
        score = round(sum(WEIGHTS[p] * v for p, v in parts.items()), 4)
        if score < min_score:
            continue
        out.append(
            DuplicatePair(
                da["id"],
                da["name"],
                db["id"],
                db["name"],
                score,
                _label(da["name"], db["name"], sent_share, cos),
                parts,
                {f: round(v, 4) for f, v in cos.items()},
                da["department"] == db["department"],
                da["unit_code"] == db["unit_code"] and da["unit"] == db["unit"],
                da["department"],
                db["department"],
                da["amount"],
                db["amount"],
                tuple(shared),
                tuple(sorted(docs_a & docs_b)),
                tuple(sorted(ind_a & ind_b)),
            )
        )
    out.sort(key=lambda p: (-p.score, p.a_id, p.b_id))
    G = nx.Graph()
    G.add_edges_from((p.a_id, p.b_id) for p in out if p.score >= threshold)
    comps = sorted(nx.connected_components(G), key=lambda c: (-len(c), sorted(c)))
    cluster_of = {node: number for number, comp in enumerate(comps, 1) for node in comp}
    return [
        DuplicatePair(**{**p.__dict__, "cluster": cluster_of.get(p.a_id) if p.score >= threshold else None})
        for p in out
    ]


def to_frame(pairs: Sequence[DuplicatePair]):  # -> pandas.DataFrame
    """One row per pair: names, score, label, each part, departments, amounts and the evidence."""
    import pandas as pd

    rows = []
    for p in pairs:
        rows.append(
            {
                "cluster": p.cluster,
                "a": p.a,
                "b": p.b,
                "score": p.score,
                "label": p.label,
                **{f"part_{k}": v for k, v in p.parts.items()},
                **{f"cos_{k}": v for k, v in p.cosines.items()},
                "same_department": p.same_department,
                "department_a": p.department_a,
                "department_b": p.department_b,
                "amount_a": p.amount_a,
                "amount_b": p.amount_b,
                "shared_sentences": " | ".join(f"{s.a} ≈ {s.b} ({s.similarity})" for s in p.shared_sentences),
                "shared_documents": "; ".join(p.shared_documents),
                "shared_indicators": "; ".join(p.shared_indicators),
                "a_id": p.a_id,
                "b_id": p.b_id,
            }
        )
    return pd.DataFrame(rows)
