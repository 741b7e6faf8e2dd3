"""Project records in JSON Lines, the one serialised shape of :class:`~graph.models.Project`.

``records.jsonl`` holds one project per line with the dataclass's own field names (amounts as
decimal strings, spans with file, line, end_line and raw text).  :class:`ProjectRecords` is the one
reader and writer: ``ProjectRecords.save(folder, projects)`` writes them (and their offsets),
``ProjectRecords.load(folder)`` opens them after verifying the index's manifest, without pandas
(the search side opens it cold) and parsing a record only when it is read.

>>> records = ProjectRecords.load(example_index)
>>> p = records[0]
>>> project_from_json(project_to_json(p)) == p
True
"""

from __future__ import annotations

import dataclasses
import json
import sys
from array import array
from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any, overload

import numpy as np

from graph.manifest import GRAPH_FORMAT, read_manifest
from graph.models import Citation, DocumentNumber, Indicator, Project, Span, as_decimal
from graph.read.clean import INTERNED_CELL

__all__ = [
    "OFFSETS",
    "RECORDS",
    "ProjectRecords",
    "RecordsWriter",
    "project_from_json",
    "project_to_json",
]

RECORDS = "records.jsonl"
OFFSETS = "records.offsets.npy"  # byte offset of each line of records.jsonl, and the file's end (int64)


def _jsonable(obj: Any) -> Any:
    """Dataclasses, tuples and Decimals as JSON values (Decimal as a string, exact)."""
    if isinstance(obj, Decimal):
        return str(obj)
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return {f.name: _jsonable(getattr(obj, f.name)) for f in dataclasses.fields(obj)}
    if isinstance(obj, list | tuple):
        return [_jsonable(x) for x in obj]
    if isinstance(obj, dict):
        return {k: _jsonable(v) for k, v in obj.items()}
    return obj


def project_to_json(p: Project) -> dict[str, Any]:
    """A project as its ``records.jsonl`` object."""
    out = _jsonable(p)
    assert isinstance(out, dict)
    return out


def _interned(d: dict[str, Any]) -> dict[str, Any]:
    """``d`` with its short strings interned, as the reader interns its cells (graph.read.clean):
    records read back for a graph of 10^6 projects share one copy of each name, level and file."""
    return {k: sys.intern(v) if isinstance(v, str) and len(v) <= INTERNED_CELL else v for k, v in d.items()}


def _span(d: dict[str, Any]) -> Span:
    return Span(sys.intern(d["file"]), d["line"], d["end_line"], d.get("raw", ""))


def _indicator(i: dict[str, Any]) -> Indicator:
    return Indicator(**{**_interned(i), "span": _span(i["span"])})


def project_from_json(d: dict[str, Any]) -> Project:
    """A :class:`Project` back from its ``records.jsonl`` line."""
    cites = tuple(
        Citation(
            sys.intern(c["key"]),
            DocumentNumber(**_interned(c["number"])) if c["number"] else None,
            sys.intern(c["title"]) if c["title"] else c["title"],
            sys.intern(c["field"]),
            _span(c["span"]),
        )
        for c in d["citations"]
    )
    return Project(
        **{
            **_interned(d),
            "amount": as_decimal(d["amount"]),
            "retained": as_decimal(d["retained"]),
            "to_towns": as_decimal(d["to_towns"]),
            "basis": tuple(d["basis"]),
            "indicators": tuple(map(_indicator, d["indicators"])),
            "long_term": tuple(map(_indicator, d.get("long_term", ()))),
            "attributes": tuple(tuple(a) for a in d.get("attributes", ())),
            "citations": cites,
            "unparsed": tuple(_span(u) for u in d["unparsed"]),
            "span": _span(d["span"]),
        }
    )


class RecordsWriter:
    """``records.jsonl`` and its offsets written as projects come (``add`` may be called many
    times); the offsets are saved on ``close``.  What :meth:`ProjectRecords.save` and a spill use.

    >>> with RecordsWriter(tmp_path) as w:
    ...     w.add(ProjectRecords(example_index)[:2])
    >>> len(w), len(ProjectRecords(tmp_path))
    (2, 2)
    """

    def __init__(self, folder: Path) -> None:
        self.path = Path(folder) / RECORDS
        self.offsets = array("q", [0])  # 8 bytes a project, not a Python int each
        self._file = open(self.path, "wb")

    def add(self, projects: Iterable[Project]) -> None:
        for p in projects:
            line = (json.dumps(project_to_json(p), ensure_ascii=False) + "\n").encode("utf-8")
            self._file.write(line)
            self.offsets.append(self.offsets[-1] + len(line))
        self._file.flush()  # what was added can be read back at once

    def __len__(self) -> int:
        return len(self.offsets) - 1

    def close(self) -> None:
        if not self._file.closed:
            self._file.close()
            np.save(self.path.parent / OFFSETS, np.frombuffer(self.offsets, dtype=np.int64), allow_pickle=False)

    def __enter__(self) -> RecordsWriter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class ProjectRecords(Sequence[Project]):
    """The projects of an index directory as a sequence that parses a record when it is first read
    (``records[i]``), not on open; iterating reads them all.  The directory's manifest is verified
    by the caller.  An index written before the offsets existed is scanned for line ends once.

    >>> records = ProjectRecords(example_index)
    >>> len(records), records[0].name, records[93].id == list(records)[93].id
    (94, '人大监督专项经费（重点）', True)
    """

    def __init__(self, root: str | Path) -> None:
        self.path = Path(root) / RECORDS
        if (self.path.parent / OFFSETS).is_file():
            self._offsets = np.load(self.path.parent / OFFSETS, mmap_mode="r", allow_pickle=False)
        else:
            data = np.fromfile(self.path, dtype=np.uint8)
            self._offsets = np.concatenate([[0], np.flatnonzero(data == 10) + 1]).astype(np.int64)
        self._parsed: dict[int, Project] = {}

    @classmethod
    def load(cls, root: str | Path) -> ProjectRecords:
        """The records of the index directory ``root``, after verifying its manifest (size and mtime,
        the full hash once per change: :func:`graph.manifest.read_manifest`)."""
        read_manifest(Path(root), *GRAPH_FORMAT, required=[RECORDS])
        return cls(root)

    @staticmethod
    def save(folder: Path, projects: Iterable[Project]) -> Path:
        """``records.jsonl`` in ``folder`` (one project per line) and, beside it, the byte offset of
        each line, so a reader opens the records in O(1) and parses only the lines it is asked for."""
        with RecordsWriter(folder) as w:
            w.add(projects)
        return w.path

    def __len__(self) -> int:
        return len(self._offsets) - 1

    @overload
    def __getitem__(self, i: int) -> Project: ...
    @overload
    def __getitem__(self, i: slice) -> list[Project]: ...
    def __getitem__(self, i: int | slice) -> Project | list[Project]:
        if isinstance(i, slice):
            return [self[k] for k in range(*i.indices(len(self)))]
        if i < 0:
            i += len(self)
        if not 0 <= i < len(self):
            raise IndexError(i)
        if i not in self._parsed:
            start, end = int(self._offsets[i]), int(self._offsets[i + 1])
            with open(self.path, "rb") as f:
                f.seek(start)
                self._parsed[i] = project_from_json(json.loads(f.read(end - start)))
        return self._parsed[i]

    def __iter__(self) -> Iterator[Project]:
        if len(self._parsed) < len(self):
            with open(self.path, encoding="utf-8") as f:
                for k, line in enumerate(f):
                    if k not in self._parsed:
                        self._parsed[k] = project_from_json(json.loads(line))
        return (self._parsed[k] for k in range(len(self)))

    def stream(self) -> Iterator[Project]:
        """Every record in order, parsed one at a time and not kept (a pass over 10^6 records
        holds one of them).

        >>> [p.id for p in ProjectRecords(example_index).stream()][:1] == [ProjectRecords(example_index)[0].id]
        True
        """
        with open(self.path, encoding="utf-8") as f:
            for k, line in enumerate(f):
                yield self._parsed.get(k) or project_from_json(json.loads(line))
