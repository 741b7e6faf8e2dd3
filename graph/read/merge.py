"""Many documents, each project once: the same tables read twice are counted once, and said.

The same text under two file names, or the same project in two documents (a PDF and its XLSX, a
re-issued file) would otherwise double every total.  A document whose text equals an earlier
one's is dropped whole; a project equal in every value to an earlier one is dropped; a project
with an earlier one's id but other values is kept under ``id#2``.  Each case is a warning naming
both sources.

>>> from graph.read.tables import parse_text
>>> from tests.test_tables import table
>>> a, b = parse_text(table(), 'a.txt'), parse_text(table(), 'b.txt')
>>> docs, diags = merge_documents([a, b])
>>> [len(d.projects) for d in docs], [d.code for d in diags]
([1], ['duplicate-source'])
"""

from __future__ import annotations

import hashlib
from array import array
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any

from graph.codes import Code
from graph.models import Diagnostic, ParsedDocument, Project
from graph.text import text_key

__all__ = ["Merger", "fingerprint", "merge_documents"]


def fingerprint(p: Project) -> tuple[Any, ...]:
    """Every value of a project, without where it was read (file, lines) and without the spaces
    and line breaks a format adds (a PDF wraps texts that a workbook keeps on one line)."""
    k = text_key
    return (
        p.id, k(p.name), p.year, p.unit_code, k(p.unit_name), k(p.department), p.execution_weight, p.amount,
        p.retained, p.to_towns, k(p.overview), tuple(k(b) for b in p.basis), k(p.goals), k(p.title),
        tuple((k(i.level1), k(i.level2), k(i.name), k(i.measure_unit), i.operator, k(i.target_text), i.weight, i.core)
              for i in p.indicators),
        tuple((c.key, c.field) for c in p.citations),
    )  # fmt: skip


_FIELDS = (
    "id", "name", "year", "unit_code", "unit_name", "department", "execution_weight", "amount", "retained",
    "to_towns", "overview", "basis", "goals", "title", "indicators", "citations",
)  # fmt: skip


def _identity(p: Project) -> tuple[Any, ...]:
    """What makes two readings one project even when a format garbles a cell: the same id,
    amount, department and number of indicators."""
    return (p.id, p.amount, text_key(p.department), len(p.indicators))


def _text_hash(prints: list[tuple[Any, ...]]) -> str:
    """One hash of a document's project fingerprints: equal for the same tables in any format."""
    return hashlib.sha256("\n".join(map(repr, prints)).encode("utf-8")).hexdigest()


def merge_documents(docs: Iterable[ParsedDocument]) -> tuple[list[ParsedDocument], list[Diagnostic]]:
    """Drop repeated documents and projects, rename clashing ids; the warnings say which and where."""
    merger = Merger()
    out = [kept for doc in docs if (kept := merger.add(doc)) is not None]
    return out, merger.finish()


@dataclass(frozen=True)
class _Seen:
    """What is kept of a project already read: a hash of each fingerprint field, not the project."""

    fields: bytes  # the field hashes packed (see _hashes): 8 bytes a field
    identity: int
    span: str


@dataclass(frozen=True)
class _Alike:
    """A kept project, as a look-alike warning names it."""

    id: str
    span: str
    source: str
    name: str
    file: str
    line: int


class Merger:
    """:func:`merge_documents` one document at a time, holding a few hashes a project, not the
    projects (what a build of 10^6 projects streams through).

    >>> from graph.read.tables import parse_text
    >>> from tests.test_tables import table
    >>> m = Merger()
    >>> len(m.add(parse_text(table(), 'a.txt')).projects), m.add(parse_text(table(), 'b.txt'))
    (1, None)
    >>> [d.code for d in m.finish()]
    ['duplicate-source']
    """

    def __init__(self) -> None:
        self._diags: list[Diagnostic] = []
        self._docs: dict[str, str] = {}  # text hash -> the first file with it
        self._seen: dict[str, _Seen] = {}
        self._suffix: dict[str, int] = {}  # id -> the first n not yet tried for its next f"{id}#{n}"
        self._alike: dict[tuple[Any, ...], list[_Alike]] = {}

    def add(self, doc: ParsedDocument) -> ParsedDocument | None:
        """``doc`` with repeated projects dropped and clashing ids renamed; None when the whole
        document repeats an earlier one."""
        prints = [fingerprint(p) for p in doc.projects]
        h = _text_hash(prints)
        if h in self._docs:
            said = f"the same tables as {self._docs[h]}; read once, counted once"
            self._diags.append(Diagnostic("warning", Code.DUPLICATE_SOURCE, said, doc.path))
            return None
        self._docs[h] = doc.path
        kept = [q for p, fp in zip(doc.projects, prints, strict=True) if (q := self._project(p, fp)) is not None]
        for p in kept:
            key = (p.region, p.year, text_key(p.name), p.amount)
            alike = _Alike(p.id, str(p.span), p.source, p.name, p.span.file, p.span.line)
            self._alike.setdefault(key, []).append(alike)
        return replace(doc, projects=tuple(kept))

    def _project(self, p: Project, fp: tuple[Any, ...]) -> Project | None:
        seen = self._seen.get(p.id)
        fields = _hashes(fp)
        if seen is None:
            self._seen[p.id] = _Seen(fields, hash(_identity(p)), str(p.span))
            return p
        if seen.fields == fields:
            self._diags.append(_warn(Code.DUPLICATE_PROJECT, f"{p.name}: the same as {seen.span}; counted once", p))
            return None
        if seen.identity == hash(_identity(p)):
            was, now = array("q", seen.fields), array("q", fields)
            differ = [n for n, a, b in zip(_FIELDS, was, now, strict=True) if a != b]
            message = (
                f"{p.name}: the same project as {seen.span} (id, amount, department, indicator count) read "
                f"differently ({', '.join(differ)}); the first is kept, counted once"
            )
            self._diags.append(_warn(Code.DUPLICATE_PROJECT, message, p))
            return None
        n = self._suffix.get(p.id, 2)  # every n below it is taken: the k-th clash costs O(1), not O(k)
        while f"{p.id}#{n}" in self._seen:
            n += 1
        self._suffix[p.id] = n + 1
        q = replace(p, id=f"{p.id}#{n}")
        self._seen[q.id] = _Seen(_hashes(fingerprint(q)), hash(_identity(q)), str(q.span))
        said = f"{p.name}: id {p.id} also at {seen.span} with other values; kept as {q.id}"
        self._diags.append(_warn(Code.DUPLICATE_ID, said, p))
        return q

    def finish(self) -> list[Diagnostic]:
        """Every warning, in the order :func:`merge_documents` gives them, look-alikes last: projects
        of different documents of one region with the same year, name and amount but other ids (one
        layout has a unit code, another not), kept apart and said, so totals can be checked.  Two
        districts funding a project of the same name are two projects."""
        out = list(self._diags)
        for group in self._alike.values():
            if len(group) > 1 and len({a.source for a in group}) > 1:
                first = group[0]
                for a in group[1:]:
                    said = f"{a.name}: same year, name and amount as {first.id} ({first.span}) under id {a.id}; "
                    said += "both kept"
                    out.append(Diagnostic("warning", Code.SAME_PROJECT_OTHER_ID, said, a.file, a.line))
        return out


def _hashes(fp: tuple[Any, ...]) -> bytes:
    """Each field's hash, packed: equal fingerprints give equal bytes, and one field's change one
    changed hash (Python's hash of strings, Decimals and tuples; the same within one process)."""
    return array("q", map(hash, fp)).tobytes()


def _warn(code: str, message: str, p: Project) -> Diagnostic:
    return Diagnostic("warning", code, message, p.span.file, p.span.line)
