"""Merging documents (graph.read.merge.Merger): a project id met again with other values is kept
under the next free ``id#n``, the same names however many documents share it, and a name taken
by a project of its own is skipped."""

from __future__ import annotations

from dataclasses import replace
from decimal import Decimal

from graph.read.merge import Merger, merge_documents
from graph.read.tables import parse_text
from tests.test_tables import table


def _doc(amount: str, path: str, pid: str | None = None):
    doc = parse_text(table(amount=amount, retained=amount), path)
    if pid is not None:
        doc = replace(doc, projects=tuple(replace(p, id=pid) for p in doc.projects))
    return doc


def test_each_clash_takes_the_next_free_suffix() -> None:
    first = _doc("10.00", "a.txt")
    base = first.projects[0].id
    docs = [first, _doc("11.00", "b.txt", f"{base}#3"), *(_doc(f"{12 + k}.00", f"c{k}.txt") for k in range(4))]
    m = Merger()
    ids = [p.id for d in docs if (kept := m.add(d)) is not None for p in kept.projects]
    assert ids == [base, f"{base}#3", f"{base}#2", f"{base}#4", f"{base}#5", f"{base}#6"]
    assert [p.amount for d in docs[2:] for p in d.projects] == [Decimal(f"{12 + k}") for k in range(4)]
    merged, said = merge_documents(docs)  # the batch form gives the same ids
    assert [p.id for d in merged for p in d.projects] == ids
    assert sum(d.code == "duplicate-id" for d in said) == 4
