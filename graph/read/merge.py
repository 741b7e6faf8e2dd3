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
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from graph.codes import Code
from graph.models import Diagnostic, ParsedDocument, Project
from graph.text import text_key

__all__ = ["fingerprint", "merge_documents"]


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


def merge_documents(docs: Sequence[ParsedDocument]) -> tuple[list[ParsedDocument], list[Diagnostic]]:
    """Drop repeated documents and projects, rename clashing ids; the warnings say which and where."""
    diags: list[Diagnostic] = []
    seen_docs: dict[str, str] = {}
    seen: dict[str, tuple[tuple[Any, ...], Project]] = {}
    out: list[ParsedDocument] = []
    for doc in docs:
        prints = [fingerprint(p) for p in doc.projects]
        h = _text_hash(prints)
        if h in seen_docs:
            diags.append(
                Diagnostic(
                    "warning",
                    Code.DUPLICATE_SOURCE,
                    f"the same tables as {seen_docs[h]}; read once, counted once",
                    doc.path,
                )
            )
            continue
        seen_docs[h] = doc.path
        kept = []
        for p, fp in zip(doc.projects, prints, strict=True):
            if p.id not in seen:
                seen[p.id] = (fp, p)
                kept.append(p)
            elif seen[p.id][0] == fp:
                said = f"{p.name}: the same as {seen[p.id][1].span}; counted once"
                diags.append(_warn(Code.DUPLICATE_PROJECT, said, p))
            elif _identity(seen[p.id][1]) == _identity(p):
                first = seen[p.id][1]
                fields = [n for n, a, b in zip(_FIELDS, seen[p.id][0], fp, strict=True) if a != b]
                message = (
                    f"{p.name}: the same project as {first.span} (id, amount, department, indicator count) read "
                    f"differently ({', '.join(fields)}); the first is kept, counted once"
                )
                diags.append(_warn(Code.DUPLICATE_PROJECT, message, p))
            else:
                n = 2
                while f"{p.id}#{n}" in seen:
                    n += 1
                q = replace(p, id=f"{p.id}#{n}")
                seen[q.id] = (fingerprint(q), q)
                kept.append(q)
                diags.append(
                    _warn(Code.DUPLICATE_ID, f"{p.name}: id {p.id} also at {seen[p.id][1].span} with other values; "
                          f"kept as {q.id}", p)
                )  # fmt: skip
        out.append(replace(doc, projects=tuple(kept)))
    return out, diags + _look_alikes(out)


def _look_alikes(docs: Sequence[ParsedDocument]) -> list[Diagnostic]:
    """Projects of different documents of one region with the same year, name and amount but
    other ids (one layout has a unit code, another not): kept apart, and said, so totals can be
    checked.  Two districts funding a project of the same name are two projects."""
    groups: dict[tuple[Any, ...], list[Project]] = {}
    for d in docs:
        for p in d.projects:
            groups.setdefault((p.region, p.year, text_key(p.name), p.amount), []).append(p)
    out = []
    for group in groups.values():
        files = {p.source for p in group}
        if len(group) > 1 and len(files) > 1:
            first, rest = group[0], group[1:]
            for p in rest:
                message = (
                    f"{p.name}: same year, name and amount as {first.id} ({first.span}) under id {p.id}; both kept"
                )
                out.append(_warn(Code.SAME_PROJECT_OTHER_ID, message, p))
    return out


def _warn(code: str, message: str, p: Project) -> Diagnostic:
    return Diagnostic("warning", code, message, p.span.file, p.span.line)
