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

import hashlib
import math
import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from graph.constants import (
    CONTAINED,
    DUP_CLUSTER_THRESHOLD,
    DUP_NEIGHBOURS,
    DUP_WEIGHTS,
    DUPLICATE_COSINE,
    DUPLICATE_SENTENCES,
    INDICATOR_IDF_FLOOR,
    KNN_BATCH,
    LSH_BANDS,
    LSH_MAX_BUCKET,
    MIN_PAIR_SCORE,
    MIN_SENTENCE_CHARS,
    MINHASH_PERMUTATIONS,
    MINHASH_SLACK,
    RAY_PAIR_BLOCK,
    RAY_WORKERS,
    REGION_SCOPES,
    SEM_CEIL,
    SEM_FLOOR,
    TEMPLATE_COSINE,
    TEMPLATE_SENTENCES,
)
from graph.errors import UsageError
from graph.export import write_workbook
from graph.ids import pair_key
from graph.lookup import check_place, check_scope, in_place
from graph.models import Project, as_float
from graph.text import split_sentences, text_key
from index.store import SEARCH_DIR, SearchIndex, load_search

if TYPE_CHECKING:
    import pandas as pd

    from index.build import Engine

__all__ = [
    "DupCorpus",
    "DuplicatePair",
    "SharedSentence",
    "find_duplicates",
    "minhash",
    "sentence_pairs",
    "shingles",
    "to_frame",
    "write_excel",
]

_PLACE = re.compile(r"[\u4e00-\u9fff]{2,4}?(?:镇|街道|乡|村|社区)")
_PRIME = (1 << 61) - 1
_rng = np.random.default_rng(20240101)
_A = _rng.integers(1, _PRIME, MINHASH_PERMUTATIONS, dtype=np.int64).astype(np.uint64)
_B = _rng.integers(0, _PRIME, MINHASH_PERMUTATIONS, dtype=np.int64).astype(np.uint64)


@dataclass(frozen=True)
class SharedSentence:
    a: str
    b: str
    similarity: float  # containment of the shorter sentence's character 3-grams in the other's


@dataclass(frozen=True)
class DuplicatePair:
    """Two projects that may fund the same thing, with every signal and the evidence."""

    project_id_a: str
    project_a: str
    project_id_b: str
    project_b: str
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
    region_a: str = ""
    region_b: str = ""
    year: int | None = None  # both projects' budget year

    @property
    def review_key(self) -> str:
        """The key a review decision on this pair is kept under (stable across rebuilds)."""
        return pair_key(self.project_id_a, self.project_id_b)

    def to_json(self) -> dict[str, Any]:
        d = dict(self.__dict__)
        d["review_key"] = self.review_key
        d["shared_sentences"] = [s.__dict__ for s in self.shared_sentences]
        d["shared_documents"] = list(self.shared_documents)
        d["shared_indicators"] = list(self.shared_indicators)
        return d


def _sentences(text: str) -> list[str]:
    """Sentences long enough to compare (headings and list numbers are not)."""
    return [s.strip() for s in split_sentences(text) if len(text_key(s)) >= MIN_SENTENCE_CHARS]


def shingles(s: str) -> set[str]:
    """Character 3-grams with places and numbers masked: a template copied for another village
    or year still matches.

    >>> sorted(shingles('三圣镇完成 12 户'))
    ['地完成', '完成0', '成0户']
    """
    n = re.sub(r"\d+", "0", _PLACE.sub("地", text_key(s)))
    return {n[i : i + 3] for i in range(max(1, len(n) - 2))}


def _hash64(shingle: str) -> int:
    """A 61-bit hash of the whole shingle (every byte of it: a CJK 3-gram is 9 UTF-8 bytes)."""
    return int.from_bytes(hashlib.blake2b(shingle.encode("utf-8"), digest_size=8).digest(), "little") % _PRIME


def minhash(items: set[str]) -> np.ndarray:
    """MinHash signature: for each of :data:`MINHASH_PERMUTATIONS` hash functions, the least
    (a·x + b) mod p over the set's hashes.

    >>> bool((minhash({'森林防'}) != minhash({'森林阳'})).any())   # differ only in the last character
    True
    """
    return _signature(shingle_hashes(items))


def shingle_hashes(items: set[str]) -> np.ndarray:
    """The shingles' 61-bit hashes, sorted: a sentence as the duplicates pass keeps it (8 bytes a
    shingle, where the strings took ten times that); two sentences' overlap is their common hashes.

    >>> len(shingle_hashes(shingles('三圣镇完成 12 户')))
    3
    """
    return np.unique(np.array([_hash64(sh) for sh in items], dtype=np.uint64))


def _signature(x: np.ndarray) -> np.ndarray:
    # uint64 products wrap, which keeps (a·x + b) a hash; the minimum over shingles is the signature.
    return ((x[:, None] * _A[None, :] + _B[None, :]) % np.uint64(_PRIME)).min(axis=0)


@dataclass
class DupCorpus:
    """What duplicate detection reads: typed projects, their vectors, and a faiss index."""

    projects: Sequence[Project]
    vectors: dict[str, np.ndarray]
    faiss: Any
    path: Path | None = None  # the index directory it was loaded from (Ray workers load it again)
    _sent: list[list[str]] = field(default_factory=list)
    _sig: list[np.ndarray] = field(default_factory=list)
    _hashes: list[list[np.ndarray]] = field(default_factory=list)  # each sentence's shingle_hashes

    @classmethod
    def from_search_index(cls, index: SearchIndex) -> DupCorpus:
        return cls(index.projects, index.vectors, index.faiss, index.path.parent)

    @classmethod
    def load(cls, path: str | Path) -> DupCorpus:
        """From an index directory (its ``search/`` part)."""
        return cls.from_search_index(load_search(Path(path) / SEARCH_DIR))

    def prepare(self) -> None:
        if self._sent:
            return
        for p in self.projects:
            sents = list(dict.fromkeys(_sentences(p.overview) + _sentences(p.goals)))
            hashes = [shingle_hashes(shingles(s)) for s in sents]
            self._sent.append(sents)
            self._hashes.append(hashes)
            self._sig.append(
                np.stack([_signature(h) for h in hashes]) if hashes else np.zeros((0, MINHASH_PERMUTATIONS), np.uint64)
            )


def _sem(cos: float) -> float:
    return float(min(1.0, max(0.0, (cos - SEM_FLOOR) / (SEM_CEIL - SEM_FLOOR))))


def _places(name: str) -> set[str]:
    return set(_PLACE.findall(re.sub(r"\s+", "", name)))


def _shared_sentences(c: DupCorpus, i: int, j: int) -> tuple[float, list[SharedSentence]]:
    """Share of sentences (of the project with fewer) copied into the other, and the pairs.

    MinHash estimates the containment of every sentence pair; each pair within
    :data:`MINHASH_SLACK` of :data:`CONTAINED` is checked exactly, and a sentence's best
    confirmed partner is kept (so a wrong best estimate cannot hide a true copy).
    """
    a, b = c._sig[i], c._sig[j]
    if not len(a) or not len(b):
        return 0.0, []
    jac = (a[:, None, :] == b[None, :, :]).mean(-1)  # MinHash estimate of Jaccard, all sentence pairs
    size_a = np.array([len(h) for h in c._hashes[i]], dtype=np.float64)[:, None]
    size_b = np.array([len(h) for h in c._hashes[j]], dtype=np.float64)[None, :]
    # |A∩B| = J/(1+J)·(|A|+|B|); containment divides it by the smaller set.
    est = jac / (1 + jac) * (size_a + size_b) / np.minimum(size_a, size_b)
    shared = []
    for r in range(len(a)):
        best: tuple[float, int] | None = None
        for col in np.flatnonzero(est[r] >= CONTAINED - MINHASH_SLACK):
            sa, sb = c._hashes[i][r], c._hashes[j][int(col)]
            contained = len(np.intersect1d(sa, sb, assume_unique=True)) / min(len(sa), len(sb))
            if contained >= CONTAINED and (best is None or contained > best[0]):
                best = (contained, int(col))
        if best is not None:
            shared.append(SharedSentence(c._sent[i][r], c._sent[j][best[1]], round(best[0], 3)))
    return len(shared) / min(len(a), len(b)), shared


def _label(name_a: str, name_b: str, sentences: float, cos: dict[str, float]) -> str:
    pa, pb = _places(name_a), _places(name_b)
    if pa and pb and pa != pb and (sentences >= TEMPLATE_SENTENCES or cos["all"] >= TEMPLATE_COSINE):
        return "template"
    if sentences >= DUPLICATE_SENTENCES or min(cos["overview"], cos["goals"]) >= DUPLICATE_COSINE:
        return "duplicate"
    return "overlap"


def _candidate_pairs(corpus: DupCorpus, k: int, scope: str | None = None) -> list[tuple[int, int]]:
    """Candidates, never all pairs: each project with its ``k`` nearest neighbours in faiss, and
    every pair sharing a sentence band in MinHash LSH (:func:`sentence_pairs`: copied goals
    that the vectors of the whole project do not bring together), among the projects of the same
    year (the same project next year is lineage, not a duplicate).  ``scope`` ``within`` keeps
    pairs of the same region, ``across`` of two regions."""
    projects = corpus.projects
    allv = np.ascontiguousarray(corpus.vectors["all"], dtype=np.float32)
    years = {p.year for p in projects}
    pairs: set[tuple[int, int]] = set()
    if scope is None and len(years) == 1:
        pairs |= _knn_all(corpus.faiss, allv, k)
    else:
        for year in years:
            rows = np.array([i for i, p in enumerate(projects) if p.year == year])
            for queries, base in _scoped(rows, [projects[i].region for i in rows], scope):
                pairs |= _knn(allv, queries, base, k)
    same_region = scope == "within"
    for i, j in sentence_pairs(corpus):
        a, b = projects[i], projects[j]
        if a.year == b.year and (scope is None or (a.region == b.region) == same_region):
            pairs.add((i, j))
    return sorted(pairs)


def sentence_pairs(corpus: DupCorpus, bands: int = LSH_BANDS, max_bucket: int = LSH_MAX_BUCKET) -> set[tuple[int, int]]:
    """Pairs of projects with a sentence each whose MinHash signatures agree on a whole band:
    banded locality-sensitive hashing, linear in the number of sentences.  Bands that more than
    ``max_bucket`` projects share are boilerplate and give no pairs."""
    corpus.prepare()
    rows = MINHASH_PERMUTATIONS // bands
    buckets: dict[bytes, set[int]] = {}
    for i, sig in enumerate(corpus._sig):
        for b in range(bands):
            for key in {s[b * rows : (b + 1) * rows].tobytes() + bytes([b]) for s in sig}:
                buckets.setdefault(key, set()).add(i)
    pairs: set[tuple[int, int]] = set()
    for members in buckets.values():
        if 1 < len(members) <= max_bucket:
            ordered = sorted(members)
            pairs.update((a, b) for n, a in enumerate(ordered) for b in ordered[n + 1 :])
    return pairs


def _knn_all(index: Any, allv: np.ndarray, k: int) -> set[tuple[int, int]]:
    """Each row's ``k`` nearest in the corpus's own faiss index, :data:`KNN_BATCH` rows at a time."""
    n = len(allv)
    pairs: set[tuple[int, int]] = set()
    for start in range(0, n, KNN_BATCH):
        _, nbrs = index.search(allv[start : start + KNN_BATCH], min(n, k + 1))
        for i, row in enumerate(nbrs, start):
            pairs.update((min(i, int(j)), max(i, int(j))) for j in row if j >= 0 and j != i)
    return pairs


def _scoped(rows: np.ndarray, regions: list[str], scope: str | None) -> list[tuple[np.ndarray, np.ndarray]]:
    """(query rows, rows they are compared with) for one year's projects under ``scope``."""
    if scope is None:
        return [(rows, rows)]
    region = np.array(regions)
    groups = [(rows[region == r], rows[region == r] if scope == "within" else rows[region != r]) for r in set(regions)]
    return [(q, b) for q, b in groups if len(q) and len(b)]


def _knn(allv: np.ndarray, queries: np.ndarray, base: np.ndarray, k: int) -> set[tuple[int, int]]:
    """Pairs of each query row with its ``k`` nearest base rows (inner product, exact)."""
    import faiss

    index = faiss.IndexFlatIP(allv.shape[1])
    index.add(allv[base])
    pairs: set[tuple[int, int]] = set()
    for start in range(0, len(queries), KNN_BATCH):
        batch = queries[start : start + KNN_BATCH]
        _, nbrs = index.search(allv[batch], min(len(base), k + 1))
        pairs.update(
            (min(int(i), int(base[j])), max(int(i), int(base[j])))
            for i, row in zip(batch, nbrs, strict=True)
            for j in row
            if j >= 0 and base[j] != i
        )
    return pairs


def _score_pair(corpus: DupCorpus, i: int, j: int, idf: dict[str, float]) -> DuplicatePair:
    """Every signal of one pair, the weighted score, the label and the evidence."""
    pa, pb = corpus.projects[i], corpus.projects[j]
    cos = {f: float(corpus.vectors[f][i] @ corpus.vectors[f][j]) for f in ("all", "overview", "goals", "indicators")}
    sent_share, shared = _shared_sentences(corpus, i, j)
    docs_a, docs_b = {c.key for c in pa.citations}, {c.key for c in pb.citations}
    ind_a, ind_b = {x.name for x in pa.indicators}, {x.name for x in pb.indicators}
    union_w = sum(idf[x] for x in ind_a | ind_b)
    parts = {
        "semantic": round(max(_sem(cos["all"]), (_sem(cos["overview"]) + _sem(cos["goals"])) / 2), 4),
        "sentences": round(min(1.0, sent_share), 4),
        "documents": round(len(docs_a & docs_b) / len(docs_a | docs_b), 4) if docs_a | docs_b else 0.0,
        "indicators": round(sum(idf[x] for x in ind_a & ind_b) / union_w, 4) if union_w else 0.0,
    }
    return DuplicatePair(
        project_id_a=pa.id,
        project_a=pa.name,
        project_id_b=pb.id,
        project_b=pb.name,
        score=round(sum(DUP_WEIGHTS[p] * v for p, v in parts.items()), 4),
        label=_label(pa.name, pb.name, sent_share, cos),
        parts=parts,
        cosines={f: round(v, 4) for f, v in cos.items()},
        same_department=pa.department == pb.department,
        same_unit=pa.unit_code == pb.unit_code and pa.unit_name == pb.unit_name,
        department_a=pa.department,
        department_b=pb.department,
        amount_a=as_float(pa.amount),
        amount_b=as_float(pb.amount),
        shared_sentences=tuple(shared),
        shared_documents=tuple(sorted(docs_a & docs_b)),
        shared_indicators=tuple(sorted(ind_a & ind_b)),
        region_a=pa.region,
        region_b=pb.region,
        year=pa.year,
    )


def _clustered(pairs: list[DuplicatePair], threshold: float) -> list[DuplicatePair]:
    """Pairs at or above ``threshold`` numbered by connected cluster (largest first)."""
    import networkx as nx

    G = nx.Graph()
    G.add_edges_from((p.project_id_a, p.project_id_b) for p in pairs if p.score >= threshold)
    comps = sorted(nx.connected_components(G), key=lambda c: (-len(c), sorted(c)))
    cluster_of = {node: number for number, comp in enumerate(comps, 1) for node in comp}
    return [replace(p, cluster=cluster_of.get(p.project_id_a) if p.score >= threshold else None) for p in pairs]


def find_duplicates(
    corpus: DupCorpus,
    k: int = DUP_NEIGHBOURS,
    min_score: float = MIN_PAIR_SCORE,
    threshold: float = DUP_CLUSTER_THRESHOLD,
    cross_department: bool = False,
    department: str | None = None,
    region: str | None = None,
    year: int | None = None,
    scope: str | None = None,
    engine: Engine | None = None,
) -> list[DuplicatePair]:
    """Scored candidate pairs of projects of the same year, best first; pairs with score ≥
    ``threshold`` get a cluster number.  ``department`` and ``region`` keep pairs where one
    project's name contains it; ``year`` keeps one year; ``scope`` pairs projects of the same
    region (``within``) or of two regions (``across``).  ``engine`` ``ray`` scores the candidates
    on Ray (:func:`score_on_ray`): the same pairs."""
    if not isinstance(k, int) or k < 1:
        raise UsageError(f"neighbours must be a whole number ≥ 1, got {k!r}")
    if scope is not None and scope not in REGION_SCOPES:
        raise UsageError(f"scope must be one of {', '.join(REGION_SCOPES)}, got {scope!r}")
    projects = corpus.projects
    check_place((p.region for p in projects), (p.year for p in projects), region, year)
    check_scope((p.region for p in projects), scope)
    corpus.prepare()
    n = len(projects)
    if n < 2:
        return []
    idf = indicator_idf(projects)
    wanted = []
    for i, j in _candidate_pairs(corpus, k, scope):
        a, b = projects[i], projects[j]  # a pair is of one year
        if cross_department and a.department == b.department:
            continue
        if department and department not in a.department and department not in b.department:
            continue
        if not (in_place(a.region, a.year, region, year) or in_place(b.region, b.year, region, year)):
            continue
        wanted.append((i, j))
    if engine is not None and engine.name == "ray":
        out = score_on_ray(corpus, wanted, idf, min_score, engine.address, engine.workers)
    else:
        out = score_pairs(corpus, wanted, idf, min_score)
    out.sort(key=lambda p: (-p.score, p.project_id_a, p.project_id_b))
    return _clustered(out, threshold)


def indicator_idf(projects: Sequence[Project]) -> dict[str, float]:
    """How rare each indicator name is among the projects (an indicator every project has still counts a little)."""
    n = len(projects)
    df = Counter(x for p in projects for x in {i.name for i in p.indicators})
    return {x: math.log(n / c) + INDICATOR_IDF_FLOOR for x, c in df.items()}


def score_pairs(
    corpus: DupCorpus, pairs: Sequence[tuple[int, int]], idf: dict[str, float], min_score: float
) -> list[DuplicatePair]:
    """The pairs scored (:func:`_score_pair`), those at ``min_score`` or above, in the order given."""
    corpus.prepare()
    scored = (_score_pair(corpus, i, j, idf) for i, j in pairs)
    return [p for p in scored if p.score >= min_score]


def to_frame(pairs: Sequence[DuplicatePair]) -> pd.DataFrame:
    """One row per pair: names, score, label, each part, departments, amounts and the evidence."""
    import pandas as pd

    rows = []
    for p in pairs:
        rows.append(
            {
                "cluster": p.cluster,
                "project_a": p.project_a,
                "project_b": p.project_b,
                "score": p.score,
                "label": p.label,
                **{f"part_{k}": v for k, v in p.parts.items()},
                **{f"cos_{k}": v for k, v in p.cosines.items()},
                "same_department": p.same_department,
                "same_unit": p.same_unit,
                "region_a": p.region_a,
                "region_b": p.region_b,
                "year": p.year,
                "department_a": p.department_a,
                "department_b": p.department_b,
                "amount_a": p.amount_a,
                "amount_b": p.amount_b,
                "shared_sentences": " | ".join(f"{s.a} ≈ {s.b} ({s.similarity})" for s in p.shared_sentences),
                "shared_documents": "; ".join(p.shared_documents),
                "shared_indicators": "; ".join(p.shared_indicators),
                "project_id_a": p.project_id_a,
                "project_id_b": p.project_id_b,
                "review_key": p.review_key,
            }
        )
    return pd.DataFrame(rows, columns=_FRAME_COLUMNS)


_FRAME_COLUMNS = [
    "cluster", "project_a", "project_b", "score", "label",
    *(f"part_{k}" for k in DUP_WEIGHTS), *(f"cos_{k}" for k in ("all", "overview", "goals", "indicators")),
    "same_department", "same_unit", "region_a", "region_b", "year", "department_a", "department_b", "amount_a",
    "amount_b",
    "shared_sentences", "shared_documents", "shared_indicators", "project_id_a", "project_id_b", "review_key",
]  # fmt: skip


def write_excel(pairs: Sequence[DuplicatePair], path: str | Path) -> Path:
    """Every pair with every signal as one formatted sheet, ``candidates`` (:func:`graph.export.write_workbook`)."""
    return write_workbook({"candidates": to_frame(pairs)}, path)


# --- the scoring on Ray (the ray extra; candidates and filters stay on the driver) --------------


class _ScoreActor:
    """One loaded corpus per actor; each call scores a block of candidate pairs."""

    def __init__(self, path: str, idf: dict[str, float], min_score: float) -> None:
        self.corpus = DupCorpus.load(path)
        self.corpus.prepare()
        self.idf, self.min_score = idf, min_score

    def __call__(self, row: dict[str, Any]) -> dict[str, Any]:
        return {"block": row["block"], "pairs": score_pairs(self.corpus, row["pairs"], self.idf, self.min_score)}


def score_on_ray(
    corpus: DupCorpus,
    pairs: Sequence[tuple[int, int]],
    idf: dict[str, float],
    min_score: float,
    address: str | None = None,
    workers: int = RAY_WORKERS,
) -> list[DuplicatePair]:
    """The duplicates pass on Ray: the candidate ``pairs`` of ``corpus`` (loaded from an index
    directory; every node must see it at the same path) scored as Ray Data tasks, by an actor pool
    whose actors each load the index once, in blocks of :data:`~graph.constants.RAY_PAIR_BLOCK`, in the order given."""
    if corpus.path is None:
        raise UsageError("the duplicates pass on Ray reads the index from its folder; load the corpus from one")
    if not pairs:
        return []
    from index.distributed import start

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
