"""Manifests: one writer and one verifier for every part of an index directory.

A manifest is ``manifest.json`` beside the files it lists: the format and version of the part,
what it was built from, and the size and sha256 of every file.  Loading verifies all of it; a
missing, unreadable, edited or truncated file is an :class:`~graph.errors.IndexFormatError` that
says how to rebuild.  Large files are hashed in 1 MiB blocks, so every file is checked.

>>> import tempfile, pathlib
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> _ = (d / 'a.txt').write_text('甲', encoding='utf-8')
>>> m = write_manifest(d, 'demo', 1, ['a.txt'], counts={'a': 1})
>>> read_manifest(d, 'demo', 1)['files']['a.txt']['size']
3
>>> _ = (d / 'a.txt').write_text('乙', encoding='utf-8')
>>> read_manifest(d, 'demo', 1)
Traceback (most recent call last):
...
graph.errors.IndexFormatError: ...a.txt: checksum differs from manifest.json (changed after the build); ...
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import sqlite3
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from graph.defaults import cache_root
from graph.errors import BudgetGraphError, IndexFormatError
from graph.i18n import refusal

__all__ = [
    "GRAPH_FORMAT",
    "LINT_DIR",
    "LINT_FORMAT",
    "MANIFEST",
    "REVIEWS_SUFFIX",
    "SEARCH_FORMAT",
    "not_over_an_index",
    "read_manifest",
    "sha256_file",
    "write_json",
    "write_manifest",
]

MANIFEST = "manifest.json"
# The two parts of an index directory, each with its own manifest: (format name, version).
GRAPH_FORMAT = ("budget-graph-index", 3)  # 3: region and year in ids; 2: one column vocabulary, hashes
SEARCH_FORMAT = ("budget-graph-search", 2)  # 2: vectors keyed by the graph's records (ids.json), no docs.jsonl
LINT_FORMAT = ("budget-graph-lint", 1)  # the findings lint made of the graph's records (analysis.lint_store)
LINT_DIR = "lint"  # the lint part's folder inside an index directory
_BLOCK = 1 << 20  # bytes hashed at a time
VERIFIED = "verified.sqlite"  # under cache_root(): files whose checksum held, by their stat
REVIEWS_SUFFIX = ".reviews.sqlite"  # the review decisions beside an index: build/index.reviews.sqlite


def _is_index(folder: Path) -> bool:
    try:
        fmt = json.loads((folder / MANIFEST).read_text(encoding="utf-8")).get("format")
    except (OSError, ValueError, AttributeError):
        return False
    return fmt in (GRAPH_FORMAT[0], SEARCH_FORMAT[0], LINT_FORMAT[0])


def not_over_an_index(path: str | Path, what: str = "output") -> Path:
    """``path`` if writing there leaves every index and its review decisions as they are; else a
    :class:`~graph.errors.UsageError` naming what would be lost.  Every writer of a command's output
    (HTML, CSV, workbooks, the database, exports) asks here first; a link is judged by where it points.

    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = write_manifest(d, GRAPH_FORMAT[0], GRAPH_FORMAT[1], [])
    >>> not_over_an_index(d / 'manifest.json', 'page')
    Traceback (most recent call last):
    ...
    graph.errors.UsageError: ...manifest.json: the page would be written inside the index ...; write it elsewhere
    >>> not_over_an_index(d.parent / 'view.html').name
    'view.html'
    """
    from graph.errors import UsageError

    target = Path(os.path.realpath(path))
    if target.name.endswith(REVIEWS_SUFFIX):
        raise UsageError(f"{path}: the review decisions of an index are kept there; write the {what} elsewhere")
    for folder in (target, *target.parents):
        if folder.is_dir() and _is_index(folder):
            raise UsageError(f"{path}: the {what} would be written inside the index {folder}; write it elsewhere")
    return Path(path)


def sha256_file(path: str | Path) -> str:
    """Hex sha256 of a file, read in 1 MiB blocks."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(_BLOCK), b""):
            h.update(block)
    return h.hexdigest()


_SURROGATE = re.compile(r"[\ud800-\udfff]")


def write_json(path: Path, data: Any) -> None:
    """Write JSON (UTF-8, indented) and flush it to disk.  A file name that is not UTF-8 (held by
    Python as surrogate escapes) is written as ``\\udcxx`` escapes, so it reads back exactly."""
    text = _SURROGATE.sub(lambda m: f"\\u{ord(m.group()):04x}", json.dumps(data, ensure_ascii=False, indent=2))
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)
        f.flush()
        os.fsync(f.fileno())


def _index_of(root: Path) -> Path:
    """The index directory of a part (``search/``, ``lint/``) or of the graph."""
    return root.parent if root.name in ("search", "lint") else root


def _rebuild_hint(root: Path) -> str:
    return f"rebuild with `python build_index.py --out {_index_of(root)}`"


def write_manifest(root: Path, fmt: str, version: int, files: Iterable[str], **meta: Any) -> dict[str, Any]:
    """Hash ``files`` (paths relative to ``root``) and write ``root/manifest.json``; returns it."""
    manifest = {
        "format": fmt,
        "version": version,
        "created": datetime.now(UTC).isoformat(timespec="seconds"),
        **meta,
        "files": {
            name: {"size": (root / name).stat().st_size, "sha256": sha256_file(root / name)} for name in sorted(files)
        },
    }
    write_json(root / MANIFEST, manifest)
    return manifest


def read_manifest(
    root: str | Path,
    fmt: str,
    version: int,
    missing: BudgetGraphError | None = None,
    required: Iterable[str] = (),
    full: bool = False,
) -> dict[str, Any]:
    """Read and verify ``root/manifest.json`` and every file it lists; each file the caller reads
    (``required``) must be among them, so no file is read unchecked.  A file's sha256 is computed
    once per change (then its size and times stand for it); ``full`` hashes every file.

    ``missing`` is the error when there is no manifest at all (default: not an index).
    """
    root = Path(root)
    mpath = root / MANIFEST
    hint = _rebuild_hint(root)
    if not mpath.is_file():
        raise missing or refusal(IndexFormatError, "no-index", root=root, index=_index_of(root))
    try:
        manifest = json.loads(mpath.read_text(encoding="utf-8"))
        files = manifest["files"]
        entries = [(name, int(e["size"]), str(e["sha256"])) for name, e in files.items()]
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise IndexFormatError(f"{mpath}: unreadable manifest ({type(exc).__name__}: {exc}); {hint}") from exc
    if manifest.get("format") != fmt or manifest.get("version") != version:
        raise IndexFormatError(
            f"{mpath}: format {manifest.get('format')!r} version {manifest.get('version')!r}; this code reads "
            f"{fmt!r} version {version}; {hint}"
        )
    unlisted = sorted(set(required) - set(files))
    if unlisted:
        raise IndexFormatError(f"{mpath}: does not list {', '.join(unlisted)}, which are read; {hint}")
    with _Verified(full) as verified:
        for name, size, digest in entries:
            fp = root / name
            if not fp.is_file():
                raise refusal(IndexFormatError, "file-missing", file=fp, index=_index_of(root))
            st = fp.stat()
            if st.st_size != size or not (verified.holds(fp, st, digest) or _hashed(verified, fp, st, digest)):
                raise refusal(IndexFormatError, "file-changed", file=fp, index=_index_of(root))
    return dict(manifest)


def _hashed(verified: _Verified, fp: Path, st: os.stat_result, digest: str) -> bool:
    if sha256_file(fp) != digest:
        return False
    verified.remember(fp, st, digest)
    return True


class _Verified:
    """The files whose sha256 was checked before and that have not changed since (same size, inode,
    modification and change time: an edit always moves the change time), in a SQLite file under
    :func:`~graph.defaults.cache_root`; so a question does not re-hash an index it has already checked.
    ``full`` (``search.py verify``) hashes everything.  The cache failing costs only the hashing."""

    def __init__(self, full: bool) -> None:
        self.full = full
        self.db: sqlite3.Connection | None = None
        self.new: list[tuple[str, str, str]] = []

    def __enter__(self) -> _Verified:
        if not self.full:
            try:
                path = cache_root() / VERIFIED
                path.parent.mkdir(parents=True, exist_ok=True)
                self.db = sqlite3.connect(path, timeout=1)
                self.db.execute("CREATE TABLE IF NOT EXISTS verified (path TEXT PRIMARY KEY, stat TEXT, sha256 TEXT)")
            except (sqlite3.Error, OSError):
                self.db = None
        return self

    def holds(self, fp: Path, st: os.stat_result, digest: str) -> bool:
        if self.db is None:
            return False
        try:
            row = self.db.execute("SELECT stat, sha256 FROM verified WHERE path = ?", (_key(fp),)).fetchone()
        except sqlite3.Error:
            return False
        return row is not None and row[0] == _stat(st) and row[1] == digest

    def remember(self, fp: Path, st: os.stat_result, digest: str) -> None:
        self.new.append((_key(fp), _stat(st), digest))

    def __exit__(self, *exc: object) -> None:
        if self.db is None:
            return
        try:
            with self.db:
                self.db.executemany("INSERT OR REPLACE INTO verified VALUES (?, ?, ?)", self.new)
        except sqlite3.Error:
            pass  # only a speed-up
        finally:
            self.db.close()


def _key(fp: Path) -> str:
    return os.fsencode(os.path.realpath(fp)).decode("utf-8", "backslashreplace")


def _stat(st: os.stat_result) -> str:
    return f"{st.st_dev}:{st.st_ino}:{st.st_size}:{st.st_mtime_ns}:{st.st_ctime_ns}"
