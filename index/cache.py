"""Vectors already computed are not computed again: a cache of text → vector per model.

The cache is a SQLite file under the cache folder (``$BUDGET_GRAPH_CACHE``, else
``~/.cache/budget-graph``), one table per model, keyed by the sha256 of the prompt kind and the text.
A rebuild, or an index with one more document added, embeds only the texts it has not seen.

The cache is only a speed-up, and is trusted no further than it checks: each row carries a hash of
its key and vector, and a row that does not match (a vector moved to another text, a damaged file)
is computed again.  A cache that cannot be read or written (locked, disk full, not a database)
is not used, and :attr:`VectorCache.trouble` says why; the build goes on without it.

>>> import numpy as np, tempfile, pathlib
>>> cache = VectorCache(pathlib.Path(tempfile.mkdtemp()) / 'v.sqlite', 'demo-model')
>>> cache.put('passage', ['甲'], np.ones((1, 3), np.float32), [1])
>>> vec, pieces = cache.get('passage', ['甲', '乙'])
>>> vec[0].tolist(), vec[1] is None, pieces, cache.trouble
([1.0, 1.0, 1.0], True, [1, None], [])
"""

from __future__ import annotations

import hashlib
import sqlite3
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import numpy as np

__all__ = ["CACHE_TIMEOUT_S", "VectorCache", "default_cache"]

T = TypeVar("T")
CACHE_TIMEOUT_S = 5  # seconds to wait for another build holding the cache; then go on without it
_SCHEMA_VERSION = 2  # 2: each row checked by a hash of its key and vector


def _key(kind: str, text: str) -> str:
    return hashlib.sha256(f"{kind}\0{text}".encode()).hexdigest()


def _check(key: str, pieces: int, blob: bytes) -> str:
    return hashlib.sha256(key.encode() + pieces.to_bytes(4, "little") + blob).hexdigest()[:16]


class VectorCache:
    """Vectors of one model, by text."""

    def __init__(self, path: str | Path, model_key: str) -> None:
        self.path = Path(path)
        self.trouble: list[str] = []  # why the cache was not (fully) used; empty when it was
        self._off = False  # a SQLite or OS error turned it off
        self.table = f"v{_SCHEMA_VERSION}_" + hashlib.sha256(model_key.encode()).hexdigest()[:16]
        self._guarded(self._create)

    def _create(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._db() as db:
            db.execute(
                f"CREATE TABLE IF NOT EXISTS {self.table} (key TEXT PRIMARY KEY, pieces INTEGER, vec BLOB, "
                "check_hash TEXT)"
            )

    def _db(self) -> sqlite3.Connection:
        return sqlite3.connect(self.path, timeout=CACHE_TIMEOUT_S)

    def _guarded(self, work: Callable[..., T], *args: Any) -> T | None:
        """Run ``work``; a SQLite or OS error turns the cache off, with the reason kept in :attr:`trouble`."""
        if self._off:
            return None
        try:
            return work(*args)
        except (sqlite3.Error, OSError) as exc:
            self._off = True
            self.trouble.insert(0, f"not used ({type(exc).__name__}: {exc}); vectors computed without it")
            return None

    def get(self, kind: str, texts: Sequence[str]) -> tuple[list[np.ndarray | None], list[int | None]]:
        """The cached vector of each text (None where there is none, or it failed its check) and its piece count."""
        keys = [_key(kind, t) for t in texts]
        found = self._guarded(self._select, keys) or {}
        vecs = [np.frombuffer(found[k][1], dtype=np.float32).copy() if k in found else None for k in keys]
        return vecs, [found[k][0] if k in found else None for k in keys]

    def _select(self, keys: list[str]) -> dict[str, tuple[int, bytes]]:
        found: dict[str, tuple[int, bytes]] = {}
        failed = 0
        with self._db() as db:
            for i in range(0, len(keys), 500):
                chunk = keys[i : i + 500]
                marks = ",".join("?" * len(chunk))
                sql = f"SELECT key, pieces, vec, check_hash FROM {self.table} WHERE key IN ({marks})"
                for k, pieces, blob, check in db.execute(sql, chunk):
                    if isinstance(blob, bytes) and isinstance(pieces, int) and check == _check(k, pieces, blob):
                        found[k] = (pieces, blob)
                    else:
                        failed += 1
        if failed:
            self.trouble.append(f"{failed} cached vector(s) did not match their check and were computed again")
        return found

    def put(self, kind: str, texts: Sequence[str], vectors: np.ndarray, pieces: Sequence[int]) -> None:
        rows = []
        for t, v, n in zip(texts, vectors, pieces, strict=True):
            key, blob = _key(kind, t), np.ascontiguousarray(v, dtype=np.float32).tobytes()
            rows.append((key, int(n), blob, _check(key, int(n), blob)))
        self._guarded(self._insert, rows)

    def _insert(self, rows: list[tuple[str, int, bytes, str]]) -> None:
        with self._db() as db:
            db.executemany(f"INSERT OR REPLACE INTO {self.table} VALUES (?, ?, ?, ?)", rows)


def default_cache(model_key: str) -> VectorCache:
    from index.e5_convert import cache_root

    return VectorCache(cache_root() / "vectors.sqlite", model_key)
