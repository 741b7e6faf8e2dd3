"""Parsed documents kept on disk, so a corpus of 10^6 projects is read without holding it.

A build reads one file at a time.  Each document's projects go to a records file (the
``records.jsonl`` shape of :mod:`graph.records`) as soon as it is read; only the document's header
(path, contents, warnings, identity) stays in memory.  A :class:`DocumentSpill` is a sequence of
:class:`~graph.models.ParsedDocument` whose ``projects`` are read back from that file each time
they are walked, one project at a time and none kept: every stage that walks the documents holds
one project, not the corpus.  Up to ``held`` projects (:data:`~graph.constants.SPILL_HELD`) are
also kept in memory and walked from there, so a corpus of 10^4 pays nothing for the spill; the
first project past it drops them all.  The folder is removed when the last of its documents is
dropped, and :func:`remove_left` removes those that killed processes left.

>>> from graph.read.layouts import parse_file
>>> doc = parse_file('data/beibei_2024_key_projects.txt')
>>> spill = DocumentSpill.create(tmp_path, held=0)  # every project read back from disk
>>> spill.add(doc)
>>> spill.close()
>>> len(spill), len(spill[0].projects), spill[0] == doc, spill.projects[93] == doc.projects[93], spill.held
(1, 94, True, True, False)
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import weakref
from collections.abc import Iterator, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any, overload

from graph.constants import SPILL_HELD
from graph.models import Diagnostic, ParsedDocument, Project
from graph.records import OFFSETS, RECORDS, RecordsWriter, project_from_json

__all__ = ["SPILL_PREFIX", "DocumentSpill", "SpilledProjects", "process_alive", "remove_left"]

SPILL_PREFIX = ".spill-"  # a spill folder is named .spill-<pid>-<random>, so a live one is never removed


class _SpillFile:
    """The records file and its offsets; removes its folder when no document refers to it any more."""

    def __init__(self, folder: Path, held: int) -> None:
        self.folder = folder
        self.writer = RecordsWriter(folder)
        self.budget = held
        self.held: list[Project] | None = []  # every project, while there are no more than ``budget``
        self._gone = weakref.finalize(self, shutil.rmtree, str(folder), True)

    def add(self, projects: Sequence[Project]) -> None:
        self.writer.add(projects)
        if self.held is not None and len(self.writer) <= self.budget:
            self.held.extend(projects)
        else:
            self.held = None

    def read(self, start: int, end: int) -> Iterator[Project]:
        """Records ``start`` to ``end`` (not included), from memory or parsed one at a time."""
        if start >= end:
            return
        if self.held is not None:
            yield from self.held[start:end]
            return
        offsets = self.writer.offsets
        with open(self.writer.path, "rb") as f:
            f.seek(offsets[start])
            for _ in range(start, end):
                yield project_from_json(json.loads(f.readline()))


class SpilledProjects(Sequence[Project]):
    """Projects ``start`` to ``end`` of a spill file: a sequence that reads them when asked (each
    walk parses them again; none is kept).  Equal to any sequence of the same projects."""

    __slots__ = ("_end", "_file", "_start")

    def __init__(self, file: _SpillFile, start: int, end: int) -> None:
        self._file, self._start, self._end = file, start, end

    def __len__(self) -> int:
        return self._end - self._start

    @overload
    def __getitem__(self, i: int) -> Project: ...
    @overload
    def __getitem__(self, i: slice) -> tuple[Project, ...]: ...
    def __getitem__(self, i: int | slice) -> Project | tuple[Project, ...]:
        if isinstance(i, slice):
            a, b, step = i.indices(len(self))
            if step == 1:
                return tuple(self._file.read(self._start + a, self._start + max(a, b)))
            return tuple(self[k] for k in range(a, b, step))
        k = i + len(self) if i < 0 else i
        if not 0 <= k < len(self):
            raise IndexError(i)
        return next(self._file.read(self._start + k, self._start + k + 1))

    def __iter__(self) -> Iterator[Project]:
        return self._file.read(self._start, self._end)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Sequence) or isinstance(other, str) or len(other) != len(self):
            return False
        return all(a == b for a, b in zip(self, other, strict=True))

    def __hash__(self) -> int:
        return hash(tuple(self))

    def __repr__(self) -> str:
        return f"SpilledProjects({self._file.writer.path}, {self._start}:{self._end})"


class DocumentSpill(Sequence[ParsedDocument]):
    """Documents added one at a time, their projects written to ``folder`` (see the module)."""

    def __init__(self, folder: Path, held: int | None = None) -> None:
        self._file = _SpillFile(folder, SPILL_HELD if held is None else held)
        self._docs: list[ParsedDocument] = []

    @classmethod
    def create(cls, parent: str | Path | None = None, held: int | None = None) -> DocumentSpill:
        """A spill in a new folder under ``parent`` (the system's temporary folder when None).
        Put it on a disk, not in memory: a build spills beside the index it writes.  ``held``:
        how many projects are also kept in memory (:data:`~graph.constants.SPILL_HELD` when None)."""
        return cls(Path(tempfile.mkdtemp(prefix=f"{SPILL_PREFIX}{os.getpid()}-", dir=parent)), held)

    @property
    def held(self) -> bool:
        """Whether the projects are walked from memory (no more than ``held`` were added)."""
        return self._file.held is not None

    def add(self, doc: ParsedDocument) -> None:
        """Keep ``doc``; its projects are written out (the caller drops its own copy)."""
        start = len(self._file.writer)
        self._file.add(doc.projects)
        self._docs.append(replace(doc, projects=SpilledProjects(self._file, start, len(self._file.writer))))

    def close(self) -> None:
        """No more documents (the offsets are saved; what was added stays readable)."""
        self._file.writer.close()

    def with_diagnostics(self, i: int, first: Sequence[Diagnostic]) -> None:
        """Document ``i`` with ``first`` put before its own diagnostics (a build's skipped files and repeats)."""
        doc = self._docs[i]
        self._docs[i] = replace(doc, diagnostics=(*first, *doc.diagnostics))

    @property
    def projects(self) -> SpilledProjects:
        """Every project of every document, in order."""
        return SpilledProjects(self._file, 0, len(self._file.writer))

    def save_records(self, folder: Path) -> None:
        """``records.jsonl`` and its offsets in ``folder``: the spill's own file, the bytes
        :meth:`~graph.records.ProjectRecords.save` writes of its projects, linked (or copied, on
        another disk) rather than written again."""
        self.close()
        for name in (RECORDS, OFFSETS):
            try:
                os.link(self._file.folder / name, folder / name)
            except OSError:
                shutil.copyfile(self._file.folder / name, folder / name)

    @property
    def folder(self) -> Path:
        return self._file.folder

    def __len__(self) -> int:
        return len(self._docs)

    @overload
    def __getitem__(self, i: int) -> ParsedDocument: ...
    @overload
    def __getitem__(self, i: slice) -> list[ParsedDocument]: ...
    def __getitem__(self, i: int | slice) -> ParsedDocument | list[ParsedDocument]:
        return self._docs[i]

    def __iter__(self) -> Iterator[ParsedDocument]:
        return iter(self._docs)

    def __eq__(self, other: Any) -> bool:
        return isinstance(other, Sequence) and list(self) == list(other)

    __hash__ = None  # type: ignore[assignment]


def remove_left(parent: str | Path) -> list[Path]:
    """Remove the spill folders under ``parent`` whose process is gone (a killed build's); returns them."""
    removed = []
    for left in sorted(Path(parent).glob(f"{SPILL_PREFIX}*")):
        pid = left.name[len(SPILL_PREFIX) :].split("-")[0]
        if left.is_dir() and pid.isdigit() and not process_alive(int(pid)):
            shutil.rmtree(left, ignore_errors=True)
            removed.append(left)
    return removed


def process_alive(pid: int) -> bool:
    """Whether process ``pid`` runs (someone else's counts as running).

    >>> process_alive(os.getpid())
    True
    """
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    return True
