"""Lint findings kept with the index, ``<index>/lint/``: computed once when the index is built
(:func:`analysis.lint.write_findings`), so ``search.py lint`` reads them instead of linting every
record on each call.

The part has its own manifest (format :data:`~graph.manifest.LINT_FORMAT`) naming the graph it
was made from and the version of the lint code (:func:`lint_version`, a hash of ``analysis/``);
when either differs (the graph was rebuilt without it, or this code lints otherwise) the
findings are computed from the records, as before, and nothing stale is shown.

``findings.sqlite`` holds one row per finding in lint's order, and the places of the projects
(a region or year filter is checked and applied as on the records).  A summary or a count reads
the light columns only (:class:`Light`); whole findings are read for the rows shown.

>>> from graph.store import load_index
>>> store = stored_findings(load_index(full_index()))
>>> light = store.light()
>>> len(light) == len(store.rows([x.seq for x in light])), light[0].rule
(True, 'no-satisfaction-indicator')
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from graph.errors import IndexFormatError
from graph.manifest import LINT_DIR, LINT_FORMAT, MANIFEST, read_manifest, sha256_file, write_manifest
from graph.vocabulary import Severity

if TYPE_CHECKING:
    from graph.store import Index

__all__ = [
    "FINDINGS",
    "LINT_DIR",
    "FindingStore",
    "Light",
    "Row",
    "keep_findings",
    "lint_version",
    "stored_findings",
]

FINDINGS = "findings.sqlite"
_CODE = Path(__file__).resolve().parent  # analysis/: the rules, their words and thresholds
_SCHEMA = """
CREATE TABLE findings (seq INTEGER PRIMARY KEY, rule TEXT, severity TEXT, project_id TEXT, project TEXT,
                       message TEXT, "values" TEXT, file TEXT, line INTEGER, review_key TEXT);
CREATE TABLE places (file TEXT, project_id TEXT, region TEXT, year INTEGER);
"""


class Light(NamedTuple):
    """What a summary, a filter and a decision read of a finding (not its message or values)."""

    seq: int
    rule: str
    severity: Severity
    project_id: str
    project: str
    file: str
    review_key: str


def lint_version() -> str:
    """A hash of the lint code and data (every file under ``analysis/``): findings stored by another
    version are not used."""
    digest = hashlib.sha256()
    for path in sorted(p for p in _CODE.rglob("*") if p.is_file() and p.suffix in (".py", ".toml")):
        digest.update(path.relative_to(_CODE).as_posix().encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


Row = tuple[str, Severity, str, str, str, dict[str, Any], str, int, str]
"""A finding as kept: rule, severity, project id, project, message, values, file, line, review key."""


def keep_findings(
    index_dir: str | Path, findings: Iterable[Row], places: Iterable[tuple[str, str, str, int | None]]
) -> Path:
    """Write ``findings`` (lint's, in its order: :func:`analysis.lint.write_findings`) and ``places``
    (file, project id, region, year of every project) as the lint part of the index at
    ``index_dir``; returns its folder."""
    root = Path(index_dir)
    out = root / LINT_DIR
    tmp = root / f".{LINT_DIR}.tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    db = sqlite3.connect(tmp / FINDINGS)
    try:
        db.executescript("PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;" + _SCHEMA)
        db.executemany(
            "INSERT INTO findings VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                (i, rule, sev, pid, name, message, json.dumps(values, ensure_ascii=False), file, line, key)
                for i, (rule, sev, pid, name, message, values, file, line, key) in enumerate(findings)
            ),
        )
        db.executemany("INSERT INTO places VALUES (?, ?, ?, ?)", places)
        db.executescript(
            "CREATE INDEX findings_by_rule ON findings (rule); CREATE INDEX places_by_id ON places (project_id);"
        )
        db.commit()
    finally:
        db.close()
    write_manifest(
        tmp, *LINT_FORMAT, [FINDINGS], lint_version=lint_version(), graph_manifest_sha256=sha256_file(root / MANIFEST)
    )
    shutil.rmtree(out, ignore_errors=True)
    os.replace(tmp, out)
    return out


def stored_findings(index: Index) -> FindingStore | None:
    """The findings kept with ``index``, verified; ``None`` when there are none, or they were made
    from another graph or by another version of the lint code."""
    root = index.path / LINT_DIR
    if not (root / MANIFEST).is_file():
        return None
    m = read_manifest(root, *LINT_FORMAT, required=[FINDINGS])
    if m.get("lint_version") != lint_version() or m.get("graph_manifest_sha256") != sha256_file(index.path / MANIFEST):
        return None
    return FindingStore(root / FINDINGS)


@dataclass(frozen=True)
class FindingStore:
    """Read the findings of ``findings.sqlite``."""

    path: Path

    def _query(self, sql: str, args: Iterable[Any] = ()) -> list[tuple[Any, ...]]:
        try:
            with sqlite3.connect(f"file:{self.path}?mode=ro", uri=True) as db:
                return db.execute(sql, tuple(args)).fetchall()
        except sqlite3.Error as exc:
            raise IndexFormatError(f"{self.path}: unreadable findings ({exc}); rebuild the index") from exc

    def light(self, rules: Sequence[str] = ()) -> list[Light]:
        """Every finding (of ``rules``, when given) as a :class:`Light`, in lint's order."""
        where = f"WHERE rule IN ({','.join('?' * len(rules))})" if rules else ""
        sql = f"SELECT seq, rule, severity, project_id, project, file, review_key FROM findings {where} ORDER BY seq"
        return [Light(*row) for row in self._query(sql, rules)]

    def places(self) -> list[tuple[str, str, str, int | None]]:
        """(file, project id, region, year) of every project linted."""
        return [(f, p, r or "", y) for f, p, r, y in self._query("SELECT file, project_id, region, year FROM places")]

    def rows(self, seqs: Sequence[int]) -> list[Row]:
        """The whole findings numbered ``seqs``, in that order."""
        got: dict[int, Row] = {}
        for start in range(0, len(seqs), 900):  # SQLite's limit on bound parameters
            chunk = list(seqs[start : start + 900])
            sql = f"SELECT * FROM findings WHERE seq IN ({','.join('?' * len(chunk))})"
            for seq, rule, sev, pid, name, message, values, file, line, key in self._query(sql, chunk):
                got[seq] = (rule, sev, pid, name, message, json.loads(values), file, line, key)
        return [got[s] for s in seqs]
