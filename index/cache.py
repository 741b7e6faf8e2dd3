"""Vectors already computed are not computed again: a cache of text → vector per model.

The cache is a SQLite file under the cache folder (``$BUDGET_GRAPH_CACHE``, else
``~/.cache/budget-graph``), one table per model, keyed by the sha256 of the prompt kind and the text.
A rebuild, or an index with one more document added, embeds only the texts it has not seen.

>>> import numpy as np, tempfile, pathlib
>>> cache = VectorCache(pathlib.Path(tempfile.mkdtemp()) / 'v.sqlite', 'demo-model')
>>> cache.put('passage', ['甲'], np.ones((1, 3), np.float32), [1])
>>> vec, pieces = cache.get('passage', ['甲', '乙'])
>>> vec[0].tolist(), vec[1] is None, pieces
([1.0, 1.0, 1.0], True, [1, None])
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Sequence
from pathlib import Path

import numpy as np

__all__ = ["VectorCache", "default_cache"]


def _key(kind: str, text: str) -> str:
    return hashlib.sha256(f"{kind}\0{text}".encode()).hexdigest()


class VectorCache:
    """Vectors of one model, by text."""

    def __init__(self, path: str | Path, model_key: str) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.table = "v_" + hashlib.sha256(model_key.encode()).hexdigest()[:16]
        with self._db() as db:
            db.execute(f"CREATE TABLE IF NOT EXISTS {self.table} (key TEXT PRIMARY KEY, pieces INTEGER, vec BLOB)")

    def _db(self) -> sqlite3.Connection:
        return sqlite3.connect(self.path, timeout=30)

    def get(self, kind: str, texts: Sequence[str]) -> tuple[list[np.ndarray | None], list[int | None]]:
        """The cached vector of each text (None where there is none) and its piece count."""
        keys = [_key(kind, t) for t in texts]
        found: dict[str, tuple[int, bytes]] = {}
        with self._db() as db:
            for i in range(0, len(keys), 500):
                chunk = keys[i : i + 500]
                marks = ",".join("?" * len(chunk))
                for k, pieces, blob in db.execute(f"SELECT * FROM {self.table} WHERE key IN ({marks})", chunk):
                    found[k] = (pieces, blob)
        vecs = [np.frombuffer(found[k][1], dtype=np.float32).copy() if k in found else None for k in keys]
        return vecs, [found[k][0] if k in found else None for k in keys]

    def put(self, kind: str, texts: Sequence[str], vectors: np.ndarray, pieces: Sequence[int]) -> None:
        rows = [
            (_key(kind, t), int(n), np.ascontiguousarray(v, dtype=np.float32).tobytes())
            for t, v, n in zip(texts, vectors, pieces, strict=True)
        ]
        with self._db() as db:
            db.executemany(f"INSERT OR REPLACE INTO {self.table} VALUES (?, ?, ?)", rows)


def default_cache(model_key: str) -> VectorCache:
    from index.e5_convert import cache_root

    return VectorCache(cache_root() / "vectors.sqlite", model_key)
