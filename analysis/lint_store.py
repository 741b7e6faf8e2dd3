"""Lint findings kept with the index, ``<index>/lint/``: computed once when the index is built
(:func:`analysis.lint.write_findings`), so ``search.py lint`` reads them instead of linting every
record on each call.

The part has its own manifest (format :data:`~graph.manifest.LINT_FORMAT`) naming the graph it
was made from and the version of the lint code (:func:`lint_version`, a hash of the files it rests on);
when either differs (the graph was rebuilt without it, or this code lints otherwise) the
findings are computed from the records, as before, and nothing stale is shown.

``findings.sqlite`` holds one row per finding in lint's order, and the places of the projects
(a region or year filter is checked and applied as on the records).  Every filter is a condition
of one SQL query (:class:`Wanted`): a summary is a ``GROUP BY``, ``--top N`` reads N rows.

>>> from graph.store import load_index
>>> store = stored_findings(load_index(full_index()))
>>> every = Wanted(("error", "warning", "info"))
>>> store.count(every) == len(store.rows(every)), store.rows(every, limit=1)[0][0], store.summary(every)["vague-target"]
(True, 'no-satisfaction-indicator', (35, 29))
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import sqlite3
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from graph.errors import IndexFormatError
from graph.lookup import in_place
from graph.manifest import LINT_DIR, LINT_FORMAT, MANIFEST, read_manifest, sha256_file, write_manifest
from graph.vocabulary import Severity

if TYPE_CHECKING:
    from graph.store import Index

__all__ = [
    "FINDINGS",
    "FINDINGS_ORDER",
    "LINT_DIR",
    "FindingStore",
    "Row",
    "Wanted",
    "keep_findings",
    "lint_version",
    "stored_findings",
]

FINDINGS = "findings.sqlite"
_STAGED = "staged.sqlite"  # the findings as found, before they are sorted (removed once they are)
FINDINGS_ORDER = ("file", "line", "rule", "project_id")
"""Lint's order of findings: a :class:`~analysis.lint.Finding`'s attributes, a row's columns."""
_CODE = Path(__file__).resolve().parent  # analysis/
# What lint's findings depend on: the rules, their words, their thresholds and codes, how they are kept.
_LINT_CODE = ("lint.py", "lineage.py", "lint_store.py", "data/*.toml", "../graph/constants.py", "../graph/codes.py")
_BY_RULE = (
    "SELECT rule, severity, count(*) AS n, count(DISTINCT nullif(project_id, '')) AS projects "
    "FROM findings WHERE {} GROUP BY rule, severity"
)
_SCHEMA = """
CREATE TABLE findings (seq INTEGER PRIMARY KEY, rule TEXT, severity TEXT, project_id TEXT, project TEXT,
                       message TEXT, "values" TEXT, file TEXT, line INTEGER, review_key TEXT);
CREATE TABLE places (file TEXT, project_id TEXT, region TEXT, year INTEGER);
"""


@dataclass(frozen=True)
class Wanted:
    """The findings a command asks for, as lint's filters say them (:class:`analysis.lint.LintView`):
    of ``rules`` (all when empty), of ``severities``, of projects whose name or id holds ``project``,
    of projects of ``region`` and ``year`` (and their files), leaving out the ``hidden`` review keys."""

    severities: tuple[Severity, ...]
    rules: tuple[str, ...] = ()
    project: str | None = None
    region: str | None = None
    year: int | None = None
    hidden: frozenset[str] = frozenset()


def lint_version() -> str:
    """A hash of the lint code and data (:data:`_LINT_CODE` under ``analysis/``): findings stored by
    another version are not used."""
    digest = hashlib.sha256()
    for path in sorted({p.resolve() for pattern in _LINT_CODE for p in _CODE.glob(pattern) if p.is_file()}):
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


Row = tuple[str, Severity, str, str, str, dict[str, Any], str, int, str]
"""A finding as kept: rule, severity, project id, project, message, values, file, line, review key."""


def keep_findings(
    index_dir: str | Path, findings: Iterable[Row], places: Iterable[tuple[str, str, str, int | None]]
) -> Path:
    """Write ``findings`` (lint's, in any order: :func:`analysis.lint.write_findings`) and ``places``
    (file, project id, region, year of every project; read after the findings) as the lint part of
    the index at ``index_dir``; returns its folder.  The findings are put in lint's order
    (:data:`FINDINGS_ORDER`, ties as given) by SQLite, on disk: none is held."""
    root = Path(index_dir)
    out = root / LINT_DIR
    tmp = root / f".{LINT_DIR}.tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    db = sqlite3.connect(tmp / FINDINGS)
    try:
        db.executescript("PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;" + _SCHEMA)
        _sort_into(db, tmp / _STAGED, findings)
        db.executemany("INSERT INTO places VALUES (?, ?, ?, ?)", places)
        db.executescript(
            "CREATE INDEX findings_by_rule ON findings (rule); CREATE INDEX places_by_id ON places (project_id);"
            f"CREATE TABLE summary AS {_BY_RULE.format('1')};"  # the summary nothing narrows, made once
        )
        db.commit()
    finally:
        db.close()
    (tmp / _STAGED).unlink(missing_ok=True)
    write_manifest(
        tmp, *LINT_FORMAT, [FINDINGS], lint_version=lint_version(), graph_manifest_sha256=sha256_file(root / MANIFEST)
    )
    shutil.rmtree(out, ignore_errors=True)
    os.replace(tmp, out)
    return out


def _sort_into(db: sqlite3.Connection, staged: Path, findings: Iterable[Row]) -> None:
    """``findings`` into ``db``'s findings table in lint's order: written as they come to a staging
    file beside it (its rowid their order), then copied across sorted (``seq`` numbers them from 1)."""
    columns = 'rule, severity, project_id, project, message, "values", file, line, review_key'
    db.execute("ATTACH DATABASE ? AS staging", (str(staged),))
    db.executescript(
        f"PRAGMA staging.journal_mode=OFF; PRAGMA staging.synchronous=OFF;CREATE TABLE staging.found ({columns});"
    )
    db.executemany(
        "INSERT INTO staging.found VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
        (
            (rule, sev, pid, name, message, json.dumps(values, ensure_ascii=False), file, line, key)
            for rule, sev, pid, name, message, values, file, line, key in findings
        ),
    )
    order = ", ".join(FINDINGS_ORDER)
    db.execute(f"INSERT INTO findings ({columns}) SELECT {columns} FROM staging.found ORDER BY {order}, rowid")
    db.commit()
    db.execute("DETACH DATABASE staging")


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

    @contextlib.contextmanager
    def _connected(self) -> Iterator[sqlite3.Connection]:
        """The file opened read-only, closed after; an SQLite error is an :class:`IndexFormatError`."""
        try:
            db = sqlite3.connect(f"file:{self.path}?mode=ro", uri=True)
            try:
                yield db
            finally:
                db.close()
        except sqlite3.Error as exc:
            raise IndexFormatError(f"{self.path}: unreadable findings ({exc}); rebuild the index") from exc

    def _query(self, sql: str, args: Iterable[Any] = ()) -> list[tuple[Any, ...]]:
        with self._connected() as db:
            return db.execute(sql, tuple(args)).fetchall()

    def places(self) -> list[tuple[str, int | None]]:
        """(region, year) of the projects linted, each once: what a region or year filter is checked against."""
        return [(r or "", y) for r, y in self._query("SELECT DISTINCT region, year FROM places")]

    def summary(self, wanted: Wanted) -> dict[str, tuple[int, int]]:
        """rule → (findings, projects they touch) of the findings ``wanted``; read from the summary
        made when they were kept where only rules and severities narrow them (a rule has one severity)."""
        if wanted.project or wanted.region is not None or wanted.year is not None or wanted.hidden:
            rows = self._select(_BY_RULE, wanted)
        else:
            rows = [
                r
                for r in self._query("SELECT rule, severity, n, projects FROM summary")
                if r[1] in wanted.severities and (not wanted.rules or r[0] in wanted.rules)
            ]
        if len({r[0] for r in rows}) != len(rows):  # a rule's findings are of one severity (analysis.lint.RULES)
            raise IndexFormatError(f"{self.path}: a rule's findings of two severities; rebuild the index")
        return {rule: (n, projects) for rule, _, n, projects in rows}

    def count(self, wanted: Wanted) -> int:
        return int(self._select("SELECT count(*) FROM findings WHERE {}", wanted)[0][0])

    def rows(self, wanted: Wanted, limit: int | None = None) -> list[Row]:
        """The findings ``wanted``, whole, in lint's order (the first ``limit`` of them)."""
        sql = "SELECT * FROM findings WHERE {} ORDER BY seq" + (f" LIMIT {int(limit)}" if limit is not None else "")
        return [
            (rule, sev, pid, name, message, json.loads(values), file, line, key)
            for _, rule, sev, pid, name, message, values, file, line, key in self._select(sql, wanted)
        ]

    def _select(self, sql: str, wanted: Wanted) -> list[tuple[Any, ...]]:
        """``sql`` with its ``{}`` the predicate of ``wanted``: each filter an SQL condition (the place
        filter is :func:`graph.lookup.in_place` itself, called by SQLite)."""
        where = [f"severity IN ({','.join('?' * len(wanted.severities))})"]
        args: list[Any] = list(wanted.severities)
        if wanted.rules:
            where.append(f"rule IN ({','.join('?' * len(wanted.rules))})")
            args += wanted.rules
        if wanted.project:
            where.append("(instr(project, ?) > 0 OR instr(project_id, ?) > 0)")
            args += [wanted.project, wanted.project]
        if wanted.region is not None or wanted.year is not None:
            kept = "SELECT {} FROM places WHERE kept(region, year)"
            where.append(
                f"(project_id IN ({kept.format('project_id')}) OR "
                f"(coalesce(project_id, '') = '' AND file IN ({kept.format('file')})))"
            )
        if wanted.hidden:
            where.append("review_key NOT IN (SELECT key FROM hidden)")
        with self._connected() as db:
            db.create_function("kept", 2, lambda r, y: in_place(r or "", y, wanted.region, wanted.year))
            if wanted.hidden:
                db.execute("CREATE TEMP TABLE hidden (key TEXT PRIMARY KEY)")
                db.executemany("INSERT OR IGNORE INTO hidden VALUES (?)", ((k,) for k in wanted.hidden))
            return db.execute(sql.format(" AND ".join(where)), args).fetchall()
