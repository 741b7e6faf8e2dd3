"""The whole index as one SQLite database, for Datasette or any SQL tool.

Tables (in the shared column vocabulary) with primary and foreign keys — projects, indicators,
citations, documents, issuers, lint, duplicates, diagnostics, decisions — full-text search on the
projects' texts and the documents' titles (Chinese split into words by jieba, so 防火 finds
森林防火), and views for common questions.  Built with sqlite-utils; browse it with
``datasette corpus.db``.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pandas as pd

from graph.errors import require, sqlite_trouble
from graph.export import SHEET_TITLES
from graph.manifest import not_over_an_index
from workbench.output import records

__all__ = [
    "LIVE_QUERIES",
    "QUERIES",
    "TABLE_TITLES",
    "VIEWS",
    "browse_command",
    "metadata",
    "metadata_path",
    "write_database",
]

TABLE_TITLES = {  # what Datasette shows under each table's Chinese name (graph.export.SHEET_TITLES)
    "projects": "one row per project table: its unit, department, budget (万元), texts",
    "indicators": "one row per indicator of a project: level, name, operator, target, weight",
    "citations": "which project cites which document, in which field",
    "documents": "every document cited: number, title, issuer and its level",
    "issuers": "the authorities that issued the documents, with their level",
    "lint": "lint findings: rule, severity, project, message, file:line, and the decision on it",
    "duplicates": "candidate pairs of projects that may fund the same activity, with every signal",
    "diagnostics": "what the reader repaired or could not read, by file and line",
    "decisions": "review decisions as they stood when the database was written",
}
# Canned queries (Datasette: the database's page lists them; a :name is a form field).
QUERIES = {
    "projects_of_a_department": (
        "某部门的项目及立项依据",
        "a department's projects (any part of its name: 城市管理) with the documents each rests on",
        """SELECT p.project, p.department, p.amount, group_concat(d.number, '；') AS documents
        FROM projects p LEFT JOIN citations c ON c.project_id = p.project_id
        LEFT JOIN documents d ON d.document_id = c.document_id
        WHERE p.department LIKE '%' || :department || '%'
        GROUP BY p.project_id ORDER BY p.amount DESC""",
    ),
    "projects_of_a_document": (
        "引用某文件的项目",
        "the projects citing a document (any part of its number or title: 渝府办发, 乡村振兴)",
        """SELECT d.number, d.document_title, p.project, p.department, p.amount
        FROM citations c JOIN documents d ON d.document_id = c.document_id
        JOIN projects p ON p.project_id = c.project_id
        WHERE d.number LIKE '%' || :document || '%' OR d.document_title LIKE '%' || :document || '%'
        ORDER BY d.number, p.amount DESC""",
    ),
    "open_findings": (
        "未复核的质量问题",
        "lint findings nobody dismissed or explained, worst first",
        """SELECT l.key, l.rule, l.severity, l.project, l.message, l.file, l.line FROM lint l
        LEFT JOIN decisions r ON r.item = l.review_key
        WHERE r.decision IS NULL OR r.decision NOT IN ('dismissed', 'explained')
        ORDER BY CASE l.severity WHEN 'error' THEN 0 WHEN 'warning' THEN 1 ELSE 2 END, l.file, l.line""",
    ),
    "duplicate_candidates": (
        "疑似重复资金",
        "candidate pairs at or above a score (0..1, e.g. 0.5), best first",
        """SELECT key, score, label, project_a, project_b, department_a, department_b, amount_a, amount_b, decision
        FROM duplicates WHERE score >= CAST(:min_score AS REAL) ORDER BY score DESC""",
    ),
}

# The same questions with the decisions read live from the review file, through Datasette's
# cross-database queries (``datasette corpus.db index.reviews.sqlite --crossdb``): {db} and {reviews}
# are the two databases' names.  The latest decision on an item is the one that counts.
_CURRENT = """SELECT d.item, d.decision, d.note, d.who, d.at FROM [{reviews}].decisions d
    WHERE d.rowid = (SELECT e.rowid FROM [{reviews}].decisions e WHERE e.item = d.item
                     ORDER BY e.at DESC, e.rowid DESC LIMIT 1)"""
LIVE_QUERIES = {
    "open_findings_live": (
        "未复核的质量问题（实时）",
        "lint findings nobody dismissed or explained, with the decisions as they stand now",
        f"""SELECT l.key, l.rule, l.severity, l.project, l.message, l.file, l.line, r.decision, r.note
        FROM [{{db}}].lint l LEFT JOIN ({_CURRENT}) r ON r.item = l.review_key
        WHERE r.decision IS NULL OR r.decision NOT IN ('dismissed', 'explained')
        ORDER BY CASE l.severity WHEN 'error' THEN 0 WHEN 'warning' THEN 1 ELSE 2 END, l.file, l.line""",
    ),
    "duplicate_candidates_live": (
        "疑似重复资金（实时）",
        "candidate pairs at or above a score (0..1, e.g. 0.5), best first, with the decisions as they stand now",
        f"""SELECT p.key, p.score, p.label, p.project_a, p.project_b, p.amount_a, p.amount_b, r.decision, r.note
        FROM [{{db}}].duplicates p LEFT JOIN ({_CURRENT}) r ON r.item = p.review_key
        WHERE p.score >= CAST(:min_score AS REAL) ORDER BY p.score DESC""",
    ),
    "decisions_live": (
        "复核记录（实时）",
        "the current decision on every item reviewed",
        f"""SELECT * FROM ({_CURRENT}) ORDER BY at DESC""",
    ),
}

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


def metadata_path(database: str | Path) -> Path:
    """Where the Datasette metadata of a database is written: ``corpus.db`` → ``corpus.metadata.json``."""
    return Path(database).with_suffix(".metadata.json")


def metadata(tables: Mapping[str, pd.DataFrame], name: str, reviews: str | None = None) -> dict[str, Any]:
    """Datasette's metadata for the database ``name``: Chinese titles, a description of every column
    (from :data:`graph.vocabulary.COLUMNS`), the canned queries of :data:`QUERIES`; with ``reviews``
    (the review file's database name), :data:`LIVE_QUERIES` too, on Datasette's ``_memory`` database."""
    from graph.vocabulary import COLUMNS, column_of

    def described(col: str) -> str:
        zh, en = COLUMNS.get(column_of(col), ("", ""))
        return f"{zh}：{en}" if zh else en

    return {
        "title": "预算绩效目标知识库 · budget performance targets",
        "description": "项目、绩效指标、立项依据与发文机关；质量问题与疑似重复资金。Projects, indicators, "
        "legal bases and issuers; lint findings and duplicate candidates.",
        "databases": {
            name: {
                "tables": {
                    t: {
                        "title": f"{SHEET_TITLES[t]} · {t}",
                        "description": TABLE_TITLES[t],
                        "columns": {c: described(str(c)) for c in df.columns if described(str(c))},
                    }
                    for t, df in tables.items()
                    if t in TABLE_TITLES
                },
                "queries": {
                    q: {"title": t, "description": d, "sql": " ".join(sql.split())}
                    for q, (t, d, sql) in QUERIES.items()
                },
            },
            **(
                {
                    "_memory": {
                        "queries": {
                            q: {
                                "title": t,
                                "description": d,
                                "sql": " ".join(sql.format(db=name, reviews=reviews).split()),
                            }
                            for q, (t, d, sql) in LIVE_QUERIES.items()
                        }
                    }
                }
                if reviews
                else {}
            ),
        },
    }


def browse_command(database: str | Path, reviews: str | Path | None = None) -> str:
    """The Datasette command that serves ``database`` with its metadata (and the review file, live).

    >>> browse_command("build/corpus.db", "build/index.reviews.sqlite")
    'datasette build/corpus.db build/index.reviews.sqlite --crossdb --metadata build/corpus.metadata.json'
    """
    live = f" {reviews} --crossdb" if reviews else ""
    return f"datasette {database}{live} --metadata {metadata_path(database)}"


def _words(texts: list[str]) -> list[str]:
    from index.lexical import Tokens

    tokens = Tokens()
    return [" ".join(tokens.cut(t)) for t in texts]


def write_database(tables: Mapping[str, pd.DataFrame], path: str | Path, reviews: str | Path | None = None) -> Path:
    """Write the tables (``Corpus.tables()`` and the decisions) to ``path`` (replaced whole,
    written beside it first) and return it; with ``reviews`` (the review file), the metadata has
    the live queries over it (:func:`browse_command` serves both)."""
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
    meta = metadata(tables, path.stem, Path(reviews).stem if reviews else None)
    metadata_path(path).write_text(json.dumps(meta, ensure_ascii=False, indent=2), encoding="utf-8")
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
        frame = frames[name]
        ids = [c for c in frame.columns if c.endswith("_id")]  # names first, as a reader reads; ids last
        rows = records(frame[[c for c in frame.columns if c not in ids] + ids])
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
