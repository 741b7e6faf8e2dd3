"""Review decisions that are kept: a duplicate pair or a lint finding marked confirmed, dismissed
or explained, with a note, who and when — in a small SQLite file *beside* the index
(``build/index.reviews.sqlite`` for ``build/index``), so a rebuild, which replaces the index
folder, never touches it.

Items are keyed by what stays the same across rebuilds and editions: a pair by its two project
ids (in sorted order), a finding by its rule, its project id and the values it is about (not the
line number, which moves).  Every decision is kept; the latest per item is the current one.

>>> import tempfile, pathlib
>>> log = ReviewLog(pathlib.Path(tempfile.mkdtemp()) / 'r.sqlite')
>>> key = pair_key('project:重庆市北碚区:2024:402:乙', 'project:重庆市北碚区:2024:402:甲')
>>> key
'pair:project:重庆市北碚区:2024:402:乙|project:重庆市北碚区:2024:402:甲'
>>> _ = log.record(key, 'confirmed', note='same beneficiaries', who='审计局 王')
>>> _ = log.record(key, 'dismissed', note='different years', who='审计局 王')
>>> log.current()[key].decision, len(log.history(key))
('dismissed', 2)
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from graph.errors import StoreError, UsageError, sqlite_trouble
from graph.ids import finding_key, pair_key
from graph.vocabulary import DECISIONS

__all__ = ["DECISIONS", "Decision", "ReviewLog", "finding_key", "pair_key", "reviews_path"]

_COLUMNS = ("item", "decision", "note", "who", "at")
REVIEW_TIMEOUT_S = 10  # seconds to wait while another program holds the review file
_SCHEMA = """
CREATE TABLE IF NOT EXISTS decisions (
    item TEXT NOT NULL,          -- pair:<id>|<id> or lint:<rule>:<project id>:<values hash>
    decision TEXT NOT NULL CHECK (decision IN ('confirmed', 'dismissed', 'explained', 'open')),
    note TEXT NOT NULL DEFAULT '',
    who TEXT NOT NULL DEFAULT '',
    at TEXT NOT NULL             -- UTC, ISO 8601
);
CREATE INDEX IF NOT EXISTS decisions_item ON decisions (item, at);
"""


@dataclass(frozen=True)
class Decision:
    item: str
    decision: str
    note: str
    who: str
    at: str


def reviews_path(index: str | Path) -> Path:
    """Where the decisions on an index are kept: beside it, never inside."""
    index = Path(index)
    return index.with_name(index.name + ".reviews.sqlite")


class ReviewLog:
    """The decisions of one index, in SQLite (standard library; opens with any SQLite tool)."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self._connect() as db:
            known = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            if known and "decisions" not in known:  # a SQLite file of someone else's: never written into
                raise StoreError(
                    f"{self.path}: the review file holds tables of another program ({', '.join(sorted(known))}); "
                    "move it aside (a new one is then made)"
                )
            db.executescript(_SCHEMA)
            columns = [r[1] for r in db.execute("PRAGMA table_info(decisions)")]
            if columns != list(_COLUMNS):
                raise StoreError(f"{self.path}: the review file's decisions table has columns {columns}, not "
                                 f"{list(_COLUMNS)}; move it aside (a new one is then made)")  # fmt: skip

    @contextlib.contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        """A connection that commits on success; every SQLite error becomes a :class:`StoreError` that says
        what to do (another program holding the file, a full disk, a file that is not ours)."""
        try:
            db = sqlite3.connect(self.path, timeout=REVIEW_TIMEOUT_S)
            try:
                with db:
                    yield db
            finally:
                db.close()
        except sqlite3.Error as exc:
            raise sqlite_trouble(self.path, exc, "the review file") from exc

    def record(self, item: str, decision: str, note: str = "", who: str = "") -> Decision:
        """Add a decision on ``item`` (the previous ones stay in the history)."""
        if decision not in DECISIONS:
            raise UsageError(f"decision must be one of {', '.join(DECISIONS)}, not {decision!r}")
        if not item.startswith(("pair:", "lint:")):
            raise UsageError(
                f"{item!r} is not a review key; a key starts with lint: (the review_key of `lint --json`) or "
                "pair: (`duplicates --json`), or name two projects for a pair"
            )
        d = Decision(item, decision, note, who, datetime.now(UTC).isoformat(timespec="microseconds"))
        with self._connect() as db:
            db.execute("INSERT INTO decisions VALUES (?, ?, ?, ?, ?)", (d.item, d.decision, d.note, d.who, d.at))
        return d

    def history(self, item: str) -> list[Decision]:
        with self._connect() as db:
            rows = db.execute("SELECT * FROM decisions WHERE item = ? ORDER BY at, rowid", (item,)).fetchall()
        return [Decision(*r) for r in rows]

    def current(self) -> dict[str, Decision]:
        """The latest decision on every item."""
        with self._connect() as db:
            rows = db.execute("SELECT * FROM decisions ORDER BY at, rowid").fetchall()
        return {r[0]: Decision(*r) for r in rows}
