"""Hybrid search over projects: dense (faiss, per-field vectors) fused with BM25.

Candidates come from faiss (every row of a small corpus) and from BM25; each is scored with
per-field vectors (dense) and BM25 (lexical).  The fusion gives BM25 a weight that grows with
the share of the query (idf-weighted) that the best lexical match actually holds, raised to a
power: a Chinese keyword query that one project matches in full gets the whole lexical weight;
an English or paraphrased question that shares a common word or two with some text keeps the
dense ranking instead of being reordered by those stray matches.  ``bench/bench_search.py``
measures it against each signal alone.

>>> s = Searcher.load(full_index())
>>> [h.project for h in s.similar("照明设施电费", 2)]                     # from stored vectors: no model
['路灯运行设施维护费', '迎春灯饰（重点）']
>>> [h.project for h in s.similar("照明设施电费", 2, Filters(min_amount=100))]
['迎春灯饰（重点）', '市政设施管护']
>>> [(h.project, h.field) for h in s.query("森林防火", 2, mode="lexical")]   # BM25 alone: no model either
[('森林防火基础设施建设', '一级项目名称'), ('北碚区森林防火经费（重点）', '一级项目名称')]
"""

from __future__ import annotations

import contextlib
import functools
import warnings
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np

from graph.constants import (
    CANDIDATES,
    EVIDENCE_POWER,
    FIELD_WEIGHT,
    LEXICAL_GOOD,
    LEXICAL_WEIGHT,
    MAX_QUERY_CHARS,
    REGION_SCOPES,
    RELEVANCE_MARGIN,
    RELEVANCE_SAMPLE,
    SEARCH_MODES,
    SNIPPET_CHARS,
    TOP_HITS,
    SearchMode,
)
from graph.errors import LookupFailed, UsageError
from graph.i18n import message, refusal
from graph.ids import doc_id
from graph.lookup import check_place, check_scope, find_one, in_place, nearest
from graph.models import Project
from graph.text import split_sentences
from index.encoder import Encoder, load_encoder
from index.lexical import BM25Index, Tokens
from index.pinyin import PinyinReader, looks_like_pinyin
from index.store import (
    FIELDS,
    SEARCH_DIR,
    USERDICT,
    SearchIndex,
    inner_products,
    load_search,
    nearest_rows,
    project_fields,
    read_rows,
)

__all__ = ["Filters", "Hit", "NoGoodMatch", "QueryCut", "QueryRead", "Scope", "Searcher"]

Mode = SearchMode
Scope = Literal["within", "across"]  # the same region as the project asked about, or the others (REGION_SCOPES)
_SUBFIELDS = tuple(f for f in FIELDS if f != "all")
_FIELD_LABEL = {"name": "一级项目名称", "overview": "项目概述", "goals": "当年绩效目标", "indicators": "绩效指标"}


@dataclass(frozen=True)
class Filters:
    """Restrict results: region (any part of its name: 北碚, 重庆市北碚区), budget year, department
    or unit (any part of the name, or the unit code), the budget range in 万元, or projects citing a
    document (number in any spelling, or title)."""

    region: str | None = None
    year: int | None = None
    department: str | None = None
    unit: str | None = None
    min_amount: float | None = None
    max_amount: float | None = None
    cites: str | None = None

    def __post_init__(self) -> None:
        for name in ("min_amount", "max_amount"):
            value = getattr(self, name)
            if value is not None and not value >= 0:  # also refuses NaN
                raise UsageError(f"{name} must be a number of 万元 ≥ 0, got {value}")

    def empty(self) -> bool:
        return all(v is None for v in self.__dict__.values())


@dataclass(frozen=True)
class Hit:
    """One project in a result list, with its scores and why it matched."""

    rank: int
    project_id: str
    project: str
    region: str
    year: int | None
    department: str
    unit_name: str
    amount: float | None
    score: float  # fused (or the single signal asked for)
    dense: float  # cosine-based dense score
    lexical: float  # BM25
    field: str  # the best-matching field
    snippet: str  # the sentence of that field that matched best
    matched_terms: tuple[str, ...]  # query terms found; for `similar`, the documents and indicators shared
    file: str
    line: int

    def to_json(self) -> dict[str, Any]:
        d = dict(self.__dict__)
        d["matched_terms"] = list(self.matched_terms)
        return d


def _dense_of(
    qvecs: dict[str, np.ndarray], score: Callable[[str, np.ndarray], np.ndarray], empty: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Dense score of each row ``score(field, query)`` gives, and the index of its best sub-field; an
    empty field (no goals written) must not win by accident.  The rows are scored where they lie
    (:func:`~index.store.inner_products`): gathering five fields' rows (30 MiB at 4,000) first cost
    as much again as their products."""
    s_all = score("all", qvecs["all"])
    per_field = np.stack([score(f, qvecs[f]) for f in _SUBFIELDS], axis=1)
    per_field[empty] = -1.0
    return (1 - FIELD_WEIGHT) * s_all + FIELD_WEIGHT * per_field.max(1), per_field.argmax(1)


def _minmax(x: np.ndarray) -> np.ndarray:
    lo, hi = float(x.min()), float(x.max())
    return (x - lo) / (hi - lo) if hi > lo else np.zeros_like(x)


class Searcher:
    """Load an index once, then call :meth:`query` and :meth:`similar` as often as needed.

    The query encoder is created on the first :meth:`query` (``similar`` never needs it).
    """

    def __init__(self, index: SearchIndex, encoder: Encoder | None = None) -> None:
        self.index = index
        self._encoder = encoder
        self._tokens: Tokens | None = None
        self._bm25: BM25Index | None = None
        self._dup: Any = None
        self.projects: Sequence[Project] = index.projects  # parsed as they are read (graph.records.ProjectRecords)
        self._sentence_cache: dict[int, list[tuple[str, str, list[str]]]] = {}
        self._asked = 0  # questions answered: the first reads its rows, later ones map them

    @functools.cached_property
    def _columns(self) -> dict[str, list[Any]]:
        """Names, regions, years and empty fields of every row (``search/columns.json``)."""
        return self.index.columns()

    @property
    def ids(self) -> list[str]:
        """Project ids in row order."""
        return self.index.ids

    @functools.cached_property
    def _row(self) -> dict[str, int]:
        return {pid: i for i, pid in enumerate(self.ids)}

    @functools.cached_property
    def _names(self) -> dict[str, str]:
        return dict(zip(self.ids, self._columns["names"], strict=True))

    @functools.cached_property
    def _empty(self) -> np.ndarray:
        """Which sub-fields of each row are empty (no goals written): they must not win by accident."""
        return self.index.empty

    def _fields(self, i: int) -> dict[str, str]:
        return project_fields(self.projects[i])

    def _documents(self, i: int) -> frozenset[str]:
        return frozenset(c.key for c in self.projects[i].citations)

    def _indicators(self, i: int) -> frozenset[str]:
        return frozenset(ind.name for ind in self.projects[i].indicators)

    @classmethod
    def load(cls, path: str | Path = "build/index", model: str | None = None) -> Searcher:
        """``path`` is the index directory (its ``search/`` part is read).

        ``model``, when given, must be the model the index was built with.
        """
        p = Path(path)
        idx = load_search(p if p.name == SEARCH_DIR and not (p / SEARCH_DIR).is_dir() else p / SEARCH_DIR)
        if model is not None and model != idx.spec.name:
            raise LookupFailed(
                f"the index was built with model {idx.spec.name!r}, not {model!r}; query with the same model "
                f"or rebuild with `python build_index.py --model {model}`"
            )
        return cls(idx)

    # --- lazy parts ---------------------------------------------------------------------

    @property
    def encoder(self) -> Encoder:
        if self._encoder is None:
            self._encoder = load_encoder(self.index.spec, fast_queries=True)
        return self._encoder

    @property
    def tokens(self) -> Tokens:
        if self._tokens is None:
            self._tokens = Tokens.load(self.index.path / USERDICT, lazy=True)  # the same tokens, 0.4 s sooner
        return self._tokens

    @property
    def bm25(self) -> BM25Index:
        if self._bm25 is None:
            self._bm25 = BM25Index.load(self.index.path / "bm25")
        return self._bm25

    # --- filters ------------------------------------------------------------------------

    def _allowed(self, filters: Filters | None) -> np.ndarray:
        if filters is None or filters.empty():
            return np.ones(len(self.projects), dtype=bool)
        if filters.region or filters.year is not None:  # the places are read only when asked about
            check_place(self._regions, self._years, filters.region, filters.year)
        doc_key = None
        if filters.cites:
            doc_key = self._document_key(filters.cites)
        f = filters
        mask = self.index.filters.mask(f.department, f.unit, f.min_amount, f.max_amount, doc_key)
        if f.region or f.year is not None:
            places = list(zip(self._columns["regions"], self._columns["years"], strict=True))
            kept = {p for p in set(places) if in_place(p[0], p[1], f.region, f.year)}
            mask &= np.fromiter((p in kept for p in places), dtype=bool, count=len(places))
        return mask

    def _scope_mask(self, region: str, scope: Scope) -> np.ndarray:
        if scope not in REGION_SCOPES:
            raise UsageError(f"scope must be one of {', '.join(REGION_SCOPES)}, got {scope!r}")
        check_scope(self._regions, scope)
        same = self._regions == region
        return same if scope == "within" else ~same

    @functools.cached_property
    def _regions(self) -> np.ndarray:
        """Each row's region, for filters and scopes: made on the first call that asks for one."""
        return np.array(self._columns["regions"], dtype=object)

    @functools.cached_property
    def _years(self) -> set[int | None]:
        return set(self._columns["years"])

    def _document_key(self, text: str) -> str:
        """Resolve a document named any way through the citation graph next to this index (its
        documents only, where the index has ``graph.sqlite``)."""
        from graph.queries import document_key_at

        return document_key_at(self.index.path.parent, text)

    # --- scoring ------------------------------------------------------------------------

    def _candidates(self, q_all: np.ndarray, allowed: np.ndarray, extra: np.ndarray | None = None) -> np.ndarray:
        """Rows worth scoring: faiss's nearest :data:`CANDIDATES` (all rows of a small corpus),
        plus ``extra`` (the best lexical matches); under a narrow filter, every allowed row."""
        n = len(self.projects)
        n_allowed = int(allowed.sum())
        if n_allowed < n and n_allowed <= CANDIDATES:
            return np.flatnonzero(allowed)
        found = nearest_rows(self.index.faiss, q_all[None, :], min(n, CANDIDATES))[0]
        rows = found[found >= 0]
        if extra is not None and len(extra):
            rows = np.union1d(rows, extra)
        return rows[allowed[rows]]

    def _dense(self, qvecs: dict[str, np.ndarray], rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Dense score of each candidate row, and the index of its best sub-field."""
        return _dense_of(qvecs, lambda f, q: self._scores(f, rows, q), self._empty[rows])

    def _take(self, field: str, rows: np.ndarray) -> np.ndarray:
        """The vectors of ``rows``, read with ``pread`` (no pages of the matrix kept in the process)."""
        return read_rows(self.index.vectors[field], rows)

    def _scores(self, field: str, rows: np.ndarray, q: np.ndarray) -> np.ndarray:
        """``field``'s vectors of ``rows`` times ``q``: the rows read for a process's first question, a
        command; scored in the map for later ones, as a notebook or server asks (p50 16 ms against 42
        ms at 10^5, the matrices' pages then shared with the page cache).  The same bits either way."""
        if self._asked <= 1:
            return inner_products(self._take(field, rows), q)
        return inner_products(self.index.vectors[field], q, rows)

    def _rank(self, rows: np.ndarray, scores: np.ndarray, k: int, exclude: int | None = None) -> list[int]:
        keep = rows != exclude if exclude is not None else np.ones(len(rows), dtype=bool)
        order = np.argsort(-scores[keep], kind="stable")[:k]
        return [int(i) for i in rows[keep][order]]

    def query(
        self, text: str, k: int = TOP_HITS, filters: Filters | None = None, mode: Mode = SEARCH_MODES[0]
    ) -> list[Hit]:
        """Projects matching a question in Chinese or English, best first."""
        _check_k(k)
        self._asked += 1
        if not text.strip():
            raise refusal(LookupFailed, "empty-query")
        if len(text) > MAX_QUERY_CHARS:
            warnings.warn(
                f"the query has {len(text)} characters; only the first {MAX_QUERY_CHARS} are searched",
                QueryCut,
                stacklevel=2,
            )
            text = text[:MAX_QUERY_CHARS]
        reading = self.pinyin.read(text) if looks_like_pinyin(text) else None
        if reading:
            warnings.warn(QueryRead("read-as-pinyin", text=text, quoted=repr(text), reading=reading), stacklevel=2)
            text = reading
        with _one_thread():
            hits, weak = self._query(text, k, filters, mode)
        if hits and weak:
            near = "、".join(nearest(self._names.values(), text)) or None
            said = NoGoodMatch("no-good-match", text=text, quoted=repr(text), best=hits[0].project, near=near)
            warnings.warn(said, stacklevel=2)
            return []
        return hits

    @functools.cached_property
    def pinyin(self) -> PinyinReader:
        """Reads pinyin questions as the corpus's words (:mod:`index.pinyin`), built on first use."""
        return PinyinReader({t: self.bm25.idf(t) or 0.0 for t in self.bm25.vocab})

    def _weak(self, qv: np.ndarray, best: float, evidence: float) -> bool:
        """Whether the best hit (dense score ``best``) stands no higher above the corpus than an
        off-topic question's would (:data:`~graph.constants.RELEVANCE_MARGIN`), with no keyword match
        (``evidence``, :meth:`lexical_evidence`) to speak for it."""
        if evidence >= LEXICAL_GOOD:
            return False
        vectors, empty = self._typical
        typical, _ = _dense_of(dict.fromkeys(FIELDS, qv), lambda f, q: inner_products(vectors[f], q), empty)
        return bool(best - float(np.median(typical)) < RELEVANCE_MARGIN)

    @functools.cached_property
    def _typical(self) -> tuple[dict[str, np.ndarray], np.ndarray]:
        """The vectors (and empty fields) of :data:`RELEVANCE_SAMPLE` rows evenly spread: the same
        rows for every question, so read once (7.5 MiB), not gathered again for each."""
        n = len(self.projects)
        sample = np.unique(np.linspace(0, n - 1, min(n, RELEVANCE_SAMPLE)).astype(np.int64))
        return {f: self._take(f, sample) for f in FIELDS}, self._empty[sample]

    def _query(self, text: str, k: int, filters: Filters | None, mode: Mode) -> tuple[list[Hit], bool]:
        """The hits, and whether they are weak (no good match; never said of a lexical-only search)."""
        allowed = self._allowed(filters)
        q_tokens = self.tokens.cut(text)
        lex = self.bm25.scores(q_tokens)
        n = len(self.projects)
        dense = np.zeros(n, np.float32)
        best = np.zeros(n, dtype=np.int64)
        weak = False
        if mode == "lexical":
            rows = np.flatnonzero(allowed & (lex > 0))
            score = lex
        else:
            qv = self.encoder.queries([text])[0]
            order = np.argsort(-lex)[:CANDIDATES]
            top_lex = order[lex[order] > 0]
            rows = self._candidates(qv, allowed, top_lex)
            dense[rows], best[rows] = self._dense(dict.fromkeys(FIELDS, qv), rows)
            score = np.full(n, -np.inf, np.float32)
            evidence = self.lexical_evidence(q_tokens, lex)
            if mode == "dense":
                score[rows] = dense[rows]
            elif len(rows):
                w = LEXICAL_WEIGHT * evidence**EVIDENCE_POWER
                lex_part = w * lex[rows] / lex.max() if lex.max() > 0 else 0.0
                score[rows] = (1 - w) * _minmax(dense[rows]) + lex_part
            weak = bool(len(rows)) and self._weak(qv, float(dense[rows].max()), evidence)
        ranked = self._rank(rows, score[rows], k)
        return [self._hit(r, i, score, dense, lex, best, set(q_tokens)) for r, i in enumerate(ranked, 1)], weak

    def lexical_evidence(self, q_tokens: Sequence[str], lex: np.ndarray) -> float:
        """How much of the query (idf-weighted) the best lexical match contains, 0..1.

        1 when the top BM25 project holds every query term; near 0 for English or paraphrased
        questions that share only a common word or two with the texts.
        """
        if not len(lex) or lex.max() <= 0:
            return 0.0
        top = int(lex.argmax())
        terms = list(dict.fromkeys(q_tokens))
        held = [self.bm25.idf(t) if self.bm25.holds(t, top) else None for t in terms]
        idfs = [self.bm25.idf(t) for t in terms]
        known = [i for i in idfs if i is not None]
        # Terms the top project lacks count at their own idf, or at the query's highest if unknown.
        unknown = max(known) if known else 1.0
        total = sum(i if i is not None else unknown for i in idfs)
        return float(sum(h for h in held if h is not None) / total) if total > 0 else 0.0

    def find(self, project: str) -> int:
        """Row of a project by id, exact name, or a unique part of its name."""
        if project in self.ids:  # an id: no names read
            return self.ids.index(project)
        return self._row[find_one(self._names, project, "project")]

    def similar(
        self, project: str, k: int = TOP_HITS, filters: Filters | None = None, scope: Scope | None = None
    ) -> list[Hit]:
        """Projects most like a given one, from the stored vectors (no model is loaded);
        ``scope`` keeps those of the same region (``within``) or of other regions (``across``)."""
        _check_k(k)
        self._asked += 1
        row = self.find(project)
        mine = {f: self._take(f, np.array([row]))[0] for f in FIELDS}
        allowed = self._allowed(filters)
        if scope is not None:
            allowed &= self._scope_mask(self._columns["regions"][row], scope)
        with _one_thread():
            rows = self._candidates(mine["all"], allowed)
            dense, best = self._dense(mine, rows)
        hits = []
        for r, i in enumerate(self._rank(rows, dense, k, exclude=row), 1):
            j = int(np.flatnonzero(rows == i)[0])
            shared = [doc_id(x) for x in sorted(self._documents(row) & self._documents(i))]
            shared += sorted(self._indicators(row) & self._indicators(i))
            field = _SUBFIELDS[int(best[j])]
            hits.append(self._make(r, i, float(dense[j]), float(dense[j]), 0.0, field, self._first(i, field), shared))
        return hits

    # --- explanations -------------------------------------------------------------------

    def _sentences(self, i: int) -> list[tuple[str, str, list[str]]]:
        """(field, sentence, tokens) of a project, tokenised once and kept."""
        if i not in self._sentence_cache:
            self._sentence_cache[i] = [
                (f, sentence, list(dict.fromkeys(self.tokens.cut(sentence))))
                for f in _SUBFIELDS
                for sentence in split_sentences(self._fields(i)[f])
                if sentence.strip()
            ]
        return self._sentence_cache[i]

    def _first(self, i: int, field: str) -> str:
        text = self._fields(i)[field]
        return _short(split_sentences(text)[0] if text else "")

    def _hit(self, rank: int, i: int, score, dense, lex, best, q_tokens: set[str]) -> Hit:
        field = _SUBFIELDS[int(best[i])]
        matched: list[str] = []
        snippet = self._first(i, field)
        if q_tokens:
            # The field and sentence holding most query terms explain a lexical match best.
            top = (0, field, snippet)
            for f, sentence, tokens in self._sentences(i):
                hit = [t for t in tokens if t in q_tokens]
                if len(hit) > top[0]:
                    top = (len(hit), f, _short(sentence))
                    matched = hit
            if top[0]:
                _, field, snippet = top
        return self._make(rank, i, float(score[i]), float(dense[i]), float(lex[i]), field, snippet, matched)

    def _make(self, rank, i, score, dense, lex, field, snippet, matched) -> Hit:
        p = self.projects[i]
        amount = float(p.amount) if p.amount is not None else None
        return Hit(
            rank, p.id, p.name, p.region, p.year, p.department, p.unit_name, amount, round(score, 4), round(dense, 4),
            round(lex, 4), _FIELD_LABEL[field], snippet, tuple(matched), p.span.file, p.span.line,
        )  # fmt: skip


@functools.cache
def _thread_pools() -> Any:
    """threadpoolctl's controller, made once: it scans the loaded libraries."""
    from threadpoolctl import ThreadpoolController

    return ThreadpoolController()


@contextlib.contextmanager
def _one_thread() -> Iterator[None]:
    """faiss and BLAS on one thread for one query: waking their thread teams costs more than the
    work, and their spinning threads slow the query encoder (bench/bench_scale.py at 10^4
    projects: p50 21 ms, p95 118 ms with the defaults; 10 and 13 ms on one thread)."""
    import faiss

    threads = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(1)
    try:
        with _thread_pools().limit(limits=1, user_api="blas"):
            yield
    finally:
        faiss.omp_set_num_threads(threads)


class Said(UserWarning):
    """A notice with its message id and fields (:mod:`graph.i18n`), shown in the reader's language;
    ``str()`` of it is the English."""

    def __init__(self, message_id: str, **fields: object) -> None:
        self.message_id, self.fields = message_id, fields
        super().__init__(self.said("en"))

    def said(self, lang: str) -> str:
        fields = {k: (message("none-alike", lang) if v is None else v) for k, v in self.fields.items()}
        return message(self.message_id, lang, **fields)


class NoGoodMatch(Said):
    """No project answers the question better than most do: no list is given, the nearest names are."""


class QueryRead(Said):
    """The question was read otherwise than typed (pinyin as Chinese words)."""


class QueryCut(UserWarning):
    """A query longer than :data:`~graph.constants.MAX_QUERY_CHARS` was cut (a notice, not an error)."""


def _check_k(k: int) -> None:
    if not isinstance(k, int) or k < 1:
        raise UsageError(f"the number of results must be a whole number ≥ 1, got {k!r}")


def _short(text: str, n: int = SNIPPET_CHARS) -> str:
    text = " ".join(text.split())
    return text if len(text) <= n else text[: n - 1] + "…"
