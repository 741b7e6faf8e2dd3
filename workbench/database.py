"""The whole index as one SQLite database, for Datasette or any SQL tool.

Tables (in the shared column vocabulary) with primary and foreign keys — projects, indicators,
citations, documents, issuers, lint, duplicates, diagnostics, decisions — full-text search on the
projects' texts and the documents' titles (Chinese split into words by jieba, so 防火 finds
森林防火), and views for common questions.  Built with sqlite-utils; browse it with
``datasette corpus.db``.
"""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from graph.errors import require, sqlite_trouble
from graph.manifest import not_over_an_index
from workbench.output import records

__all__ = ["VIEWS", "write_database"]

VIEWS = {
    "budget_by_department": """
        SELECT department, count(*) AS n_projects, round(sum(amount), 2) AS amount
        FROM projects GROUP BY department ORDER BY amount DESC""",
    "shared_documents": """
        SELECT d.document_id, d.number, d.document_title, d.issuer, d.issuer_level,
               count(DISTINCT c.project_id) AS n_projects
        FROM documents d JOIN citations c ON c.document_id = d.document_id
        GROUP BY d.document_id HAVING n_projects >= 2 ORDER BY n_projects DESC, d.document_id""",
    "budget_by_issuer_level": """
        SELECT d.issuer_level, count(DISTINCT c.project_id) AS n_projects,
               round(sum(DISTINCT p.amount), 2) AS amount_of_citing_projects
        FROM citations c JOIN documents d ON d.document_id = c.document_id
        JOIN projects p ON p.project_id = c.project_id GROUP BY d.issuer_level""",
    "open_findings": """
        SELECT l.rule, l.severity, l.project, l.message, l.file, l.line, l.review_key
        FROM lint l LEFT JOIN decisions r ON r.item = l.review_key
        WHERE r.decision IS NULL OR r.decision NOT IN ('dismissed', 'explained')""",
}
_KEYS: dict[str, dict[str, Any]] = {
    "projects": {"pk": "project_id"},
    "documents": {"pk": "document_id"},
    "issuers": {"pk": "issuer_id"},
    "indicators": {"foreign_keys": [("project_id", "projects", "project_id")]},
    "citations": {
        "foreign_keys": [("project_id", "projects", "project_id"), ("document_id", "documents", "document_id")]
    },
    "lint": {"foreign_keys": [("project_id", "projects", "project_id")]},
    "duplicates": {
        "foreign_keys": [("project_id_a", "projects", "project_id"), ("project_id_b", "projects", "project_id")]
    },
    "diagnostics": {},
    "decisions": {},
}


def _words(texts: list[str]) -> list[str]:
    from index.lexical import Tokens

    tokens = Tokens()
    return [" ".join(tokens.cut(t)) for t in texts]


def write_database(tables: Mapping[str, pd.DataFrame], path: str | Path) -> Path:
    """Write the tables (``Corpus.tables()`` and the decisions) to ``path`` (replaced whole,
    written beside it first) and return it."""
    require("sqlite_utils", "browse", "the SQLite database")
    import sqlite_utils

    path = not_over_an_index(path, "database")
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.unlink(missing_ok=True)
    try:
        _write_tables(sqlite_utils.Database(tmp), tables)
    except sqlite3.Error as exc:
        tmp.unlink(missing_ok=True)
        raise sqlite_trouble(path, exc, "the database") from exc
    os.replace(tmp, path)
    return path


def _write_tables(db: Any, tables: Mapping[str, pd.DataFrame]) -> None:
    frames = dict(tables)
    frames["projects"] = frames["projects"].assign(
        search_words=_words((frames["projects"][["project", "overview", "goals", "basis"]].fillna("")).agg(
            "\n".join, axis=1).tolist())
    )  # fmt: skip
    frames["documents"] = frames["documents"].assign(
        search_words=_words(frames["documents"]["document_title"].fillna("").tolist())
    )
    for name, keys in _KEYS.items():
        if name not in frames:
            continue
        rows = records(frames[name])
        for fk in keys.get("foreign_keys", []):  # an empty reference is no reference
            for r in rows:
                r[fk[0]] = r.get(fk[0]) or None
        if rows:
            db.table(name).insert_all(rows, **keys)
        else:  # an empty table keeps its columns
            db.table(name).create({c: str for c in frames[name].columns}, pk=keys.get("pk"))
    for name in ("projects", "documents"):
        db.table(name).enable_fts(["search_words"], create_triggers=False)
    for name, sql in VIEWS.items():
        db.create_view(name, sql.strip(), replace=True)
    db.close()
