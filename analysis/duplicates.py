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

import functools
import math
import re
from array import array
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from analysis.sentences import (
    KEY_BASE,
    PLACE,
    SentenceTable,
    band_pairs,
    minhash,
    pair_keys,
    pair_list,
    shingle_hashes,
    shingles,
)
from graph.constants import (
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
    PAIR_BATCH,
    RAY_PAIR_BLOCK,
    REGION_SCOPES,
    SEM_CEIL,
    SEM_FLOOR,
    TEMPLATE_COSINE,
    TEMPLATE_SENTENCES,
    WORKERS,
)
from graph.errors import UsageError
from graph.export import write_workbook
from graph.ids import pair_key
from graph.lookup import check_place, check_scope, in_place
from graph.models import Project, as_float
from graph.records import ProjectRecords
from index.store import SEARCH_DIR, SearchIndex, load_search, read_rows

if TYPE_CHECKING:
    import pandas as pd

    from index.build import Engine

__all__ = [
    "DupCorpus",
    "DuplicatePair",
    "PairTable",
    "ProjectColumns",
    "SharedSentence",
    "duplicate_table",
    "find_duplicates",
    "minhash",
    "sentence_pairs",
    "shingle_hashes",
    "shingles",
    "to_frame",
    "write_excel",
]

LABELS = ("duplicate", "overlap", "template")  # a pair's label, stored as its position here
COSINE_FIELDS = ("all", "overview", "goals", "indicators")  # the vector fields a pair is compared on
_NO_YEAR = -1


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


class _Vocabulary:
    """Codes for names, in the order first seen."""

    def __init__(self) -> None:
        self.code: dict[Any, int] = {}

    def __call__(self, name: Any) -> int:
        return self.code.setdefault(name, len(self.code))

    def names(self) -> list[Any]:
        return list(self.code)


@dataclass(frozen=True)
class ProjectColumns:
    """What the duplicates pass reads of every project, as arrays and codes (made in one pass over
    the records, none kept): names and ids for the pairs shown, the rest for filters and scores."""

    ids: list[str]
    names: list[str]
    departments: np.ndarray  # int32 codes into department_names
    department_names: list[str]
    units: np.ndarray  # int32 codes of (unit code, unit name)
    regions: np.ndarray  # int32 codes into region_names
    region_names: list[str]
    years: np.ndarray  # int64, -1 where a project has none
    amounts: np.ndarray  # float64, NaN where a project has none
    doc_at: np.ndarray  # row i cites doc_codes[doc_at[i]:doc_at[i + 1]] (each document once, sorted)
    doc_codes: np.ndarray
    doc_names: list[str]
    indicator_at: np.ndarray  # row i's indicator names, the same way
    indicator_codes: np.ndarray
    indicator_names: list[str]
    idf: np.ndarray  # each indicator name's weight (:func:`indicator_idf`)

    def __len__(self) -> int:
        return len(self.ids)

    def year(self, i: int) -> int | None:
        y = int(self.years[i])
        return None if y == _NO_YEAR else y

    def documents(self, i: int) -> np.ndarray:
        return self.doc_codes[self.doc_at[i] : self.doc_at[i + 1]]

    def indicators(self, i: int) -> np.ndarray:
        return self.indicator_codes[self.indicator_at[i] : self.indicator_at[i + 1]]

    @functools.cached_property
    def id_rank(self) -> np.ndarray:
        """Each row's position among the ids sorted (ties of the pass are broken by id)."""
        rank = np.empty(len(self.ids), np.int64)
        rank[np.argsort(np.array(self.ids), kind="stable")] = np.arange(len(self.ids))
        return rank

    def region_list(self) -> list[str]:
        return [self.region_names[c] for c in self.regions.tolist()]

    def year_list(self) -> list[int | None]:
        return [None if y == _NO_YEAR else y for y in self.years.tolist()]


def _columns_and_texts(projects: Iterable[Project], into: dict[str, Any]) -> Iterator[tuple[str, str]]:
    """Each project's (overview, goals), filling ``into`` with its columns as it goes."""
    vocab = {k: _Vocabulary() for k in ("department", "unit", "region", "document", "indicator")}
    cols: dict[str, Any] = {"ids": [], "names": []}  # the rest typed arrays: 8 bytes a value, not a Python int's 36
    for name in ("departments", "units", "regions", "years", "doc_codes", "doc_at", "indicator_codes", "indicator_at"):
        cols[name] = array("q")
    cols["amounts"] = array("d")
    cols["doc_at"].append(0)
    cols["indicator_at"].append(0)
    for p in projects:
        cols["ids"].append(p.id)
        cols["names"].append(p.name)
        cols["departments"].append(vocab["department"](p.department))
        cols["units"].append(vocab["unit"]((p.unit_code, p.unit_name)))
        cols["regions"].append(vocab["region"](p.region))
        cols["years"].append(_NO_YEAR if p.year is None else p.year)
        amount = as_float(p.amount)
        cols["amounts"].append(math.nan if amount is None else amount)
        for name, items in (("doc", {c.key for c in p.citations}), ("indicator", {x.name for x in p.indicators})):
            codes = sorted(vocab["document" if name == "doc" else "indicator"](x) for x in items)
            cols[f"{name}_codes"].extend(codes)
            cols[f"{name}_at"].append(cols[f"{name}_at"][-1] + len(codes))
        yield p.overview, p.goals
    into.update(cols)
    into.update({f"{k}_vocab": v.names() for k, v in vocab.items()})


def _project_columns(c: dict[str, Any]) -> ProjectColumns:
    n = len(c["ids"])
    indicator_at = np.array(c["indicator_at"], np.int64)
    indicator_codes = np.array(c["indicator_codes"], np.int64)
    df = np.bincount(indicator_codes, minlength=len(c["indicator_vocab"]))
    idf = np.array([math.log(n / d) + INDICATOR_IDF_FLOOR if d else 0.0 for d in df.tolist()])
    return ProjectColumns(
        c["ids"], c["names"], np.array(c["departments"], np.int32), c["department_vocab"],
        np.array(c["units"], np.int32), np.array(c["regions"], np.int32), c["region_vocab"],
        np.array(c["years"], np.int64), np.array(c["amounts"], np.float64),
        np.array(c["doc_at"], np.int64), np.array(c["doc_codes"], np.int64), c["document_vocab"],
        indicator_at, indicator_codes, c["indicator_vocab"], idf,
    )  # fmt: skip


def indicator_idf(projects: Sequence[Project]) -> dict[str, float]:
    """How rare each indicator name is among the projects (an indicator every project has still counts a little)."""
    got: dict[str, Any] = {}
    for _ in _columns_and_texts(projects, got):  # the columns only: no sentence is hashed
        pass
    cols = _project_columns(got)
    return dict(zip(cols.indicator_names, cols.idf.tolist(), strict=True))


def _prepared(projects: Sequence[Project]) -> tuple[ProjectColumns, SentenceTable]:
    """The columns and sentences of every project, read in one pass (records are parsed one at a
    time and not kept)."""
    rows = projects.stream() if isinstance(projects, ProjectRecords) else iter(projects)
    got: dict[str, Any] = {}
    sentences = SentenceTable.build(_columns_and_texts(rows, got))
    return _project_columns(got), sentences


@dataclass
class DupCorpus:
    """What duplicate detection reads: the projects (typed records, read once into columns), their
    vectors (memory-mapped rows, read as needed) and a faiss index."""

    projects: Sequence[Project]
    vectors: dict[str, np.ndarray]
    faiss: Any
    path: Path | None = None  # the index directory it was loaded from (Ray workers load it again)
    _columns: ProjectColumns | None = None
    _sentences: SentenceTable | None = None

    @classmethod
    def from_search_index(cls, index: SearchIndex) -> DupCorpus:
        return cls(index.projects, index.vectors, index.faiss, index.path.parent)

    @classmethod
    def load(cls, path: str | Path) -> DupCorpus:
        """From an index directory (its ``search/`` part)."""
        return cls.from_search_index(load_search(Path(path) / SEARCH_DIR))

    def prepare(self) -> None:
        if self._columns is None:
            self._columns, self._sentences = _prepared(self.projects)

    @property
    def columns(self) -> ProjectColumns:
        self.prepare()
        assert self._columns is not None
        return self._columns

    @property
    def sentences(self) -> SentenceTable:
        self.prepare()
        assert self._sentences is not None
        return self._sentences


def _sem(cos: float) -> float:
    return float(min(1.0, max(0.0, (cos - SEM_FLOOR) / (SEM_CEIL - SEM_FLOOR))))


def _places(name: str) -> set[str]:
    return set(PLACE.findall(re.sub(r"\s+", "", name)))


def _shared_sentences(c: DupCorpus, i: int, j: int) -> tuple[float, list[SharedSentence]]:
    """Share of sentences (of the project with fewer) copied into the other, and the pairs
    (:meth:`SentenceTable.shared`)."""
    t = c.sentences
    share, shared = t.shared(i, j)
    return share, [SharedSentence(t.text(a), t.text(b), sim) for a, b, sim in shared]


def _label(name_a: str, name_b: str, sentences: float, cos: dict[str, float]) -> str:
    pa, pb = _places(name_a), _places(name_b)
    if pa and pb and pa != pb and (sentences >= TEMPLATE_SENTENCES or cos["all"] >= TEMPLATE_COSINE):
        return "template"
    if sentences >= DUPLICATE_SENTENCES or min(cos["overview"], cos["goals"]) >= DUPLICATE_COSINE:
        return "duplicate"
    return "overlap"


def _candidate_keys(corpus: DupCorpus, k: int, scope: str | None = None) -> np.ndarray:
    """Candidates as pair keys, never all pairs: each project with its ``k`` nearest neighbours in
    faiss, and every pair sharing a sentence band in MinHash LSH (:func:`band_pairs`: copied goals
    that the vectors of the whole project do not bring together), among the projects of the same
    year (the same project next year is lineage, not a duplicate).  ``scope`` ``within`` keeps
    pairs of the same region, ``across`` of two regions."""
    cols = corpus.columns
    allv = corpus.vectors["all"]
    years = np.unique(cols.years)
    if scope is None and len(years) == 1:
        found = [_knn_all(corpus.faiss, allv, k)]
    else:
        found = []
        for year in years.tolist():
            rows = np.flatnonzero(cols.years == year)
            for queries, base in _scoped(rows, cols.regions[rows], scope):
                found.append(_knn(allv, queries, base, k))
    lsh = band_pairs(corpus.sentences)
    a, b = lsh // KEY_BASE, lsh % KEY_BASE
    keep = cols.years[a] == cols.years[b]
    if scope is not None:
        keep &= (cols.regions[a] == cols.regions[b]) == (scope == "within")
    found.append(lsh[keep])
    return np.unique(np.concatenate(found))


def sentence_pairs(corpus: DupCorpus, bands: int = LSH_BANDS, max_bucket: int = LSH_MAX_BUCKET) -> set[tuple[int, int]]:
    """Pairs of projects with a sentence each whose MinHash signatures agree on a whole band
    (:func:`analysis.sentences.band_pairs`); bands that more than ``max_bucket`` projects share are
    boilerplate and give no pairs."""
    return set(pair_list(band_pairs(corpus.sentences, bands, max_bucket)))


def _knn_all(index: Any, allv: np.ndarray, k: int) -> np.ndarray:
    """Each row's ``k`` nearest in the corpus's own faiss index, :data:`KNN_BATCH` rows at a time
    (read with ``pread``: the mapped rows stay out of the process)."""
    n = len(allv)
    found = []
    for start in range(0, n, KNN_BATCH):
        rows = np.arange(start, min(n, start + KNN_BATCH))
        _, nbrs = index.search(np.ascontiguousarray(read_rows(allv, rows), dtype=np.float32), min(n, k + 1))
        i = np.repeat(rows, nbrs.shape[1])
        j = nbrs.ravel().astype(np.int64)
        ok = (j >= 0) & (j != i)
        found.append(pair_keys(i[ok], j[ok]))
    return np.unique(np.concatenate(found)) if found else np.zeros(0, np.int64)


def _scoped(rows: np.ndarray, regions: np.ndarray, scope: str | None) -> list[tuple[np.ndarray, np.ndarray]]:
    """(query rows, rows they are compared with) for one year's projects under ``scope``."""
    if scope is None:
        return [(rows, rows)]
    groups = [(rows[regions == r], rows[regions == r] if scope == "within" else rows[regions != r])
              for r in np.unique(regions).tolist()]  # fmt: skip
    return [(q, b) for q, b in groups if len(q) and len(b)]


def _knn(allv: np.ndarray, queries: np.ndarray, base: np.ndarray, k: int) -> np.ndarray:
    """Pairs of each query row with its ``k`` nearest base rows (inner product, exact)."""
    import faiss

    index = faiss.IndexFlatIP(allv.shape[1])
    index.add(np.ascontiguousarray(read_rows(allv, base), dtype=np.float32))
    found = []
    for start in range(0, len(queries), KNN_BATCH):
        batch = queries[start : start + KNN_BATCH]
        _, nbrs = index.search(np.ascontiguousarray(read_rows(allv, batch), dtype=np.float32), min(len(base), k + 1))
        i = np.repeat(batch.astype(np.int64), nbrs.shape[1])
        j = np.where(nbrs.ravel() >= 0, base[np.maximum(nbrs.ravel(), 0)], -1).astype(np.int64)
        ok = (j >= 0) & (j != i)
        found.append(pair_keys(i[ok], j[ok]))
    return np.unique(np.concatenate(found)) if found else np.zeros(0, np.int64)


@dataclass(frozen=True)
class PairTable:
    """Scored pairs as columns (rows ``a`` and ``b`` of the corpus; each part and cosine in the
    order of :data:`~graph.constants.DUP_WEIGHTS` and :data:`COSINE_FIELDS`; the label's position in
    :data:`LABELS`; cluster -1 for none); pair ``r``'s copied sentences are
    ``shared_a/b/similarity[shared_at[r]:shared_at[r + 1]]`` (sentence numbers of the corpus's
    :class:`~analysis.sentences.SentenceTable`).  Made block by block, so 10^6 projects' pairs
    stay arrays; :meth:`pairs` makes records of the rows shown."""

    a: np.ndarray
    b: np.ndarray
    score: np.ndarray
    parts: np.ndarray
    cosines: np.ndarray
    label: np.ndarray
    cluster: np.ndarray
    shared_at: np.ndarray
    shared_a: np.ndarray
    shared_b: np.ndarray
    similarity: np.ndarray

    def __len__(self) -> int:
        return len(self.a)

    @classmethod
    def joined(cls, blocks: Sequence[PairTable]) -> PairTable:
        if not blocks:
            return _table([], [], [], [], [], [], [0], [], [], [])
        at, total = [blocks[0].shared_at], int(blocks[0].shared_at[-1])
        for t in blocks[1:]:
            at.append(t.shared_at[1:] + total)
            total += int(t.shared_at[-1])
        merged = {f.name: np.concatenate([getattr(t, f.name) for t in blocks]) for f in fields(cls)}
        return cls(**{**merged, "shared_at": np.concatenate(at)})

    def take(self, rows: np.ndarray) -> PairTable:
        """The pairs at ``rows``, in that order, with their evidence."""
        counts = np.diff(self.shared_at)[rows]
        at = np.r_[0, np.cumsum(counts)].astype(np.int64)
        flat = np.repeat(self.shared_at[:-1][rows] - at[:-1], counts) + np.arange(int(at[-1]), dtype=np.int64)
        return PairTable(
            self.a[rows], self.b[rows], self.score[rows], self.parts[rows], self.cosines[rows], self.label[rows],
            self.cluster[rows], at, self.shared_a[flat], self.shared_b[flat], self.similarity[flat],
        )  # fmt: skip

    def review_keys(self, corpus: DupCorpus) -> list[str]:
        """Each pair's review key (:attr:`DuplicatePair.review_key`), in row order."""
        ids = corpus.columns.ids
        return [pair_key(ids[i], ids[j]) for i, j in zip(self.a.tolist(), self.b.tolist(), strict=True)]

    def pairs(self, corpus: DupCorpus, rows: Iterable[int] | None = None) -> list[DuplicatePair]:
        """The pairs (all, or those at ``rows``) as records."""
        cols, sentences = corpus.columns, corpus.sentences
        return [self._pair(cols, sentences, r) for r in (range(len(self)) if rows is None else rows)]

    def _pair(self, cols: ProjectColumns, sentences: SentenceTable, r: int) -> DuplicatePair:
        i, j = int(self.a[r]), int(self.b[r])
        lo, hi = int(self.shared_at[r]), int(self.shared_at[r + 1])
        sa, sb, sim = (x[lo:hi].tolist() for x in (self.shared_a, self.shared_b, self.similarity))
        copies = zip(sa, sb, sim, strict=True)
        shared = tuple(SharedSentence(sentences.text(x), sentences.text(y), s) for x, y, s in copies)
        docs = np.intersect1d(cols.documents(i), cols.documents(j)).tolist()
        inds = np.intersect1d(cols.indicators(i), cols.indicators(j)).tolist()
        amount_a, amount_b = float(cols.amounts[i]), float(cols.amounts[j])
        return DuplicatePair(
            project_id_a=cols.ids[i],
            project_a=cols.names[i],
            project_id_b=cols.ids[j],
            project_b=cols.names[j],
            score=float(self.score[r]),
            label=LABELS[int(self.label[r])],
            parts=dict(zip(DUP_WEIGHTS, self.parts[r].tolist(), strict=True)),
            cosines=dict(zip(COSINE_FIELDS, self.cosines[r].tolist(), strict=True)),
            same_department=bool(cols.departments[i] == cols.departments[j]),
            same_unit=bool(cols.units[i] == cols.units[j]),
            department_a=cols.department_names[int(cols.departments[i])],
            department_b=cols.department_names[int(cols.departments[j])],
            amount_a=None if math.isnan(amount_a) else amount_a,
            amount_b=None if math.isnan(amount_b) else amount_b,
            shared_sentences=shared,
            shared_documents=tuple(sorted(cols.doc_names[d] for d in docs)),
            shared_indicators=tuple(sorted(cols.indicator_names[x] for x in inds)),
            cluster=None if self.cluster[r] < 0 else int(self.cluster[r]),
            region_a=cols.region_names[int(cols.regions[i])],
            region_b=cols.region_names[int(cols.regions[j])],
            year=cols.year(i),
        )


def _table(a, b, score, parts, cosines, label, shared_at, shared_a, shared_b, similarity) -> PairTable:  # type: ignore[no-untyped-def]
    """A :class:`PairTable` from lists, with no clusters yet."""
    return PairTable(
        np.array(a, np.int64), np.array(b, np.int64), np.array(score, np.float64),
        np.array(parts, np.float64).reshape(-1, len(DUP_WEIGHTS)),
        np.array(cosines, np.float64).reshape(-1, len(COSINE_FIELDS)), np.array(label, np.int8),
        np.full(len(a), -1, np.int64), np.array(shared_at, np.int64), np.array(shared_a, np.int64),
        np.array(shared_b, np.int64), np.array(similarity, np.float64),
    )  # fmt: skip


def score_pairs(corpus: DupCorpus, keys: np.ndarray, min_score: float) -> PairTable:
    """The candidate pairs (pair keys) scored, those at ``min_score`` or above, in the order
    given; :data:`~graph.constants.PAIR_BATCH` at a time, their vector rows read at once."""
    blocks = [_score_block(corpus, keys[at : at + PAIR_BATCH], min_score) for at in range(0, len(keys), PAIR_BATCH)]
    return PairTable.joined(blocks)


def _score_block(corpus: DupCorpus, keys: np.ndarray, min_score: float) -> PairTable:
    """Every signal of each pair, the weighted score, the label and the evidence."""
    cols, sentences = corpus.columns, corpus.sentences
    ii, jj = keys // KEY_BASE, keys % KEY_BASE
    rows, back = np.unique(np.r_[ii, jj], return_inverse=True)
    va = {f: read_rows(corpus.vectors[f], rows) for f in COSINE_FIELDS}
    ra, rb = back[: len(keys)].tolist(), back[len(keys) :].tolist()
    out: dict[str, list[Any]] = {k: [] for k in ("a", "b", "score", "parts", "cosines", "label", "sa", "sb", "sim")}
    shared_at = [0]
    weights = list(DUP_WEIGHTS.values())
    for n, (i, j) in enumerate(zip(ii.tolist(), jj.tolist(), strict=True)):
        cos = {f: float(va[f][ra[n]] @ va[f][rb[n]]) for f in COSINE_FIELDS}
        share, shared = sentences.shared(i, j)
        docs_a, docs_b = set(cols.documents(i).tolist()), set(cols.documents(j).tolist())
        ind_a, ind_b = set(cols.indicators(i).tolist()), set(cols.indicators(j).tolist())
        union_w = sum(cols.idf[x] for x in ind_a | ind_b)
        parts = [
            round(max(_sem(cos["all"]), (_sem(cos["overview"]) + _sem(cos["goals"])) / 2), 4),
            round(min(1.0, share), 4),
            round(len(docs_a & docs_b) / len(docs_a | docs_b), 4) if docs_a | docs_b else 0.0,
            round(float(sum(cols.idf[x] for x in ind_a & ind_b) / union_w), 4) if union_w else 0.0,
        ]
        score = round(sum(w * v for w, v in zip(weights, parts, strict=True)), 4)
        if score < min_score:
            continue
        out["a"].append(i)
        out["b"].append(j)
        out["score"].append(score)
        out["parts"].append(parts)
        out["cosines"].append([round(cos[f], 4) for f in COSINE_FIELDS])
        out["label"].append(LABELS.index(_label(cols.names[i], cols.names[j], share, cos)))
        for x, y, sim in shared:
            out["sa"].append(x)
            out["sb"].append(y)
            out["sim"].append(sim)
        shared_at.append(len(out["sa"]))
    return _table(out["a"], out["b"], out["score"], out["parts"], out["cosines"], out["label"], shared_at,
                  out["sa"], out["sb"], out["sim"])  # fmt: skip


def _ordered(table: PairTable, cols: ProjectColumns) -> PairTable:
    """Best first; ties by the two projects' ids."""
    rank = cols.id_rank
    return table.take(np.lexsort((rank[table.b], rank[table.a], -table.score)))


def _clustered(table: PairTable, cols: ProjectColumns, threshold: float) -> PairTable:
    """Pairs at or above ``threshold`` numbered by connected cluster: the largest first, then by
    the cluster's first project id."""
    from scipy.sparse import coo_matrix
    from scipy.sparse.csgraph import connected_components

    strong = table.score >= threshold
    if not strong.any():
        return table
    n = len(cols)
    a, b = table.a[strong], table.b[strong]
    graph = coo_matrix((np.ones(len(a), np.int8), (a, b)), shape=(n, n))
    _, comp = connected_components(graph, directed=False)
    nodes = np.unique(np.r_[a, b])
    sizes = np.bincount(comp[nodes], minlength=n)
    rank = cols.id_rank
    first = np.full(n, n, np.int64)
    np.minimum.at(first, comp[nodes], rank[nodes])
    present = np.flatnonzero(sizes)
    order = present[np.lexsort((first[present], -sizes[present]))]
    number = np.full(n, -1, np.int64)
    number[order] = np.arange(1, len(order) + 1)
    cluster = np.where(strong, number[comp[table.a]], -1)
    return PairTable(**{**{f.name: getattr(table, f.name) for f in fields(table)}, "cluster": cluster})


def duplicate_table(
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
) -> PairTable:
    """:func:`find_duplicates` as a :class:`PairTable`: the pass for corpora of 10^5–10^6 projects,
    whose pairs are too many to hold as records."""
    if not isinstance(k, int) or k < 1:
        raise UsageError(f"neighbours must be a whole number ≥ 1, got {k!r}")
    if scope is not None and scope not in REGION_SCOPES:
        raise UsageError(f"scope must be one of {', '.join(REGION_SCOPES)}, got {scope!r}")
    cols = corpus.columns
    regions = cols.region_list()
    check_place(regions, cols.year_list(), region, year)
    check_scope(regions, scope)
    if len(cols) < 2:
        return PairTable.joined([])
    keys = _candidate_keys(corpus, k, scope)
    a, b = keys // KEY_BASE, keys % KEY_BASE
    keep = np.ones(len(keys), bool)
    if cross_department:
        keep &= cols.departments[a] != cols.departments[b]
    if department:
        named = np.array([department in d for d in cols.department_names], bool)
        keep &= named[cols.departments[a]] | named[cols.departments[b]]
    if region or year is not None:
        places = {(r, y): in_place(cols.region_names[r], None if y == _NO_YEAR else y, region, year)
                  for r, y in set(zip(cols.regions.tolist(), cols.years.tolist(), strict=True))}  # fmt: skip
        asked = np.array([places[r, y] for r, y in zip(cols.regions.tolist(), cols.years.tolist(), strict=True)])
        keep &= asked[a] | asked[b]
    wanted = keys[keep]
    if engine is not None and engine.name == "ray":
        table = score_on_ray(corpus, wanted, min_score, engine.address, engine.workers)
    else:
        table = score_pairs(corpus, wanted, min_score)
    return _clustered(_ordered(table, cols), cols, threshold)


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
    on Ray (:func:`score_on_ray`): the same pairs.  The records of :func:`duplicate_table`."""
    table = duplicate_table(corpus, k, min_score, threshold, cross_department, department, region, year, scope, engine)
    return table.pairs(corpus)


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

    def __init__(self, path: str, min_score: float) -> None:
        self.corpus = DupCorpus.load(path)
        self.corpus.prepare()
        self.min_score = min_score

    def __call__(self, row: dict[str, Any]) -> dict[str, Any]:
        keys = np.asarray(row["keys"], dtype=np.int64)
        return {"block": row["block"], "pairs": score_pairs(self.corpus, keys, self.min_score)}


def score_on_ray(
    corpus: DupCorpus,
    keys: np.ndarray,
    min_score: float,
    address: str | None = None,
    workers: int = WORKERS,
) -> PairTable:
    """The duplicates pass on Ray: the candidate pairs of ``corpus`` (pair keys; the corpus loaded
    from an index directory, which every node must see at the same path) scored as Ray Data tasks,
    by an actor pool whose actors each load the index once, in blocks of
    :data:`~graph.constants.RAY_PAIR_BLOCK`, in the order given."""
    if corpus.path is None:
        raise UsageError("the duplicates pass on Ray reads the index from its folder; load the corpus from one")
    if not len(keys):
        return PairTable.joined([])
    from index.distributed import start

    ray = start(address, workers)
    blocks = [
        {"block": b, "keys": keys[at : at + RAY_PAIR_BLOCK].tolist()}
        for b, at in enumerate(range(0, len(keys), RAY_PAIR_BLOCK))
    ]
    scored = ray.data.from_items(blocks).map(
        _ScoreActor,
        fn_constructor_kwargs={"path": str(Path(corpus.path).resolve()), "min_score": min_score},
        compute=ray.data.ActorPoolStrategy(size=min(workers, len(blocks))),
        num_cpus=1,
    )
    done = sorted(scored.take_all(), key=lambda r: r["block"])  # the order of the local pass
    return PairTable.joined([r["pairs"] for r in done])
