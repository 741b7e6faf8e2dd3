"""Which layout a document uses, told by how much of it each description explains, not by one label.

Every short cell that stands where a label goes (the first cell of a row of several, a ``label：`` cell,
or a word some layout knows) is counted; each layout (:mod:`graph.read.spec`) explains the share of them
it knows.  The layout that finds all its required fields and explains the most wins; a tie, or a best
layout that explains too little, is a refusal that says, per layout, what it explained and what it
lacked.  :func:`parse_file` is the reader's front door: any format, any layout.

>>> from graph.read.rows import rows_from_text
>>> recognise(rows_from_text('项目名称\\t甲\\n主管部门\\t乙\\t实施单位\\t丙\\n\\t年度资金总额\\t5', 'x')).name
'national'
>>> recognise(rows_from_text('一级项目名称\\t甲\\t\\t业务主管部门\\t乙', 'x')).name
'chongqing'
"""

from __future__ import annotations

import os
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from graph.codes import Code
from graph.errors import NoTablesError, NotProjectsError
from graph.models import Diagnostic, ParsedDocument
from graph.read.formats import read_source
from graph.read.identity import NO_OVERRIDE, Override, apply_identity
from graph.read.long_table import read_long_table
from graph.read.rows import Row, at_the_edge
from graph.read.spec import LayoutSpec, builtin_layouts, label_key
from graph.read.tables import read_rows
from graph.text import display_name, squash

__all__ = ["MIN_COVERAGE", "OCR_ATTRIBUTE", "TIE_MARGIN", "Fit", "fits", "parse_file", "read_document", "recognise"]

MIN_COVERAGE = 0.6  # a layout explaining less of a document's labels than this is no fit
TIE_MARGIN = 0.05  # two layouts within this share of each other, both complete, are a tie: refused
LABEL_MAX = 12  # characters: a longer cell is a value, not a label
_SHOWN = 12  # labels named in a refusal
_INLINE = re.compile(r"^(?P<label>[^:：]{2,12})[:：]")
_LEVEL = re.compile(r"指标$")  # 产出指标, 数量指标: level names every indicator grid has


@dataclass(frozen=True)
class Fit:
    """How well one layout explains a document: the share of its labels it knows, and its required
    fields it did not find."""

    layout: LayoutSpec
    coverage: float
    missing: tuple[str, ...]
    unknown: tuple[str, ...]  # the document's labels this layout does not know, most frequent first
    markers: int = 0  # how many of the layout's marking labels the document has

    @property
    def complete(self) -> bool:
        return not self.missing

    def __str__(self) -> str:
        lacks = f"lacks {', '.join(self.missing)}" if self.missing else "has every required field"
        return f"{self.layout.name}: explains {self.coverage:.0%}, {lacks}"


def _labels(rows: Sequence[Row], layouts: Iterable[LayoutSpec]) -> Counter[str]:
    """The label-like cells of a document, as label keys."""
    vocabulary = frozenset().union(*(s.vocabulary for s in layouts))
    out: Counter[str] = Counter()
    for r in rows:
        filled = [c.strip() for c in r.cells if c.strip()]
        for i, c in enumerate(filled):
            inline = _INLINE.match(c)
            key = label_key(inline.group("label")) if inline else label_key(c)
            if key in vocabulary:
                out[key] += 1
            elif i == 0 and len(filled) > 1 and len(key) <= LABEL_MAX and not _LEVEL.search(key):
                if not any(ch.isdigit() for ch in key) and not key.isascii():
                    out[key] += 1
    return out


def _found(spec: LayoutSpec, labels: Mapping[str, int]) -> set[str]:
    """The fields a document's labels give in this layout."""
    found = {spec.labels[k] for k in labels if k in spec.labels}
    found |= {s.field or "amount" for k, s in spec.sections.items() if k in labels and s.kind == "cost"}
    if any(spec.sections[k].kind == "indicators" for k in labels if k in spec.sections):
        found.add("indicators")
    if sum(1 for k in labels if k in spec.columns) >= 3:
        found.add("indicators")
    for k in labels:
        if k in spec.line_labels:
            found.add(spec.line_labels[k])
    return found


def fits(rows: Sequence[Row], layouts: Mapping[str, LayoutSpec] | None = None) -> list[Fit]:
    """Every layout's fit to the rows, best first."""
    specs = list((layouts or builtin_layouts()).values())
    labels = _labels(rows, specs)
    total = sum(labels.values())
    out = []
    for spec in specs:
        known = sum(n for k, n in labels.items() if k in spec.vocabulary)
        missing = tuple(spec.label_of(f) for f in spec.required if f not in _found(spec, labels))
        unknown = tuple(k for k, _ in labels.most_common() if k not in spec.vocabulary)
        markers = sum(1 for m in spec.markers if m in labels)
        out.append(Fit(spec, known / total if total else 0.0, missing, unknown, markers))
    return sorted(out, key=lambda f: (f.complete, round(f.coverage, 3), f.markers, -len(f.missing)), reverse=True)


def recognise(rows: Sequence[Row], path: str = "<rows>", layouts: Mapping[str, LayoutSpec] | None = None) -> LayoutSpec:
    """The layout that explains the rows (see the module's docstring); :class:`NoTablesError` naming
    the labels seen and what each layout lacked when none does, or when two do equally."""
    ranked = fits(rows, layouts)
    best = ranked[0]
    if best.coverage == 0:
        if any("绩效目标表" in r.raw or squash(r.raw) in ("目录", "目次") for r in rows):
            return (layouts or builtin_layouts())["chongqing"]  # headings or contents: its reader says more
        names = ", ".join(sorted(f.layout.name for f in ranked))
        raise NoTablesError(path, _refusal(f"no table of a known layout ({names})", ranked))
    if best.coverage < MIN_COVERAGE:
        raise NoTablesError(path, _refusal("no known layout explains this document", ranked))
    rival = ranked[1] if len(ranked) > 1 else None
    if (
        rival is not None
        and (rival.complete, rival.markers, len(rival.missing)) == (best.complete, best.markers, len(best.missing))
        and best.coverage - rival.coverage < TIE_MARGIN
    ):
        if set(best.layout.vocabulary) != set(rival.layout.vocabulary):
            raise NoTablesError(
                path, _refusal(f"two layouts fit equally ({best.layout.name}, {rival.layout.name})", ranked)
            )
    return best.layout


def _refusal(what: str, ranked: Sequence[Fit]) -> str:
    seen = list(dict.fromkeys(k for f in ranked[:1] for k in f.unknown))[:_SHOWN]
    per = "; ".join(str(f) for f in ranked)
    return (
        f"no 绩效目标表 table found: {what}: {per}. Labels no layout explains: {seen or '(none)'}. "
        "Is this a 预算绩效目标表 document? If it is a layout we do not know, describe it "
        "(README: Your documents) and pass --layouts FOLDER"
    )


def read_document(
    rows: Sequence[Row],
    path: str,
    encoding: str = "utf-8",
    diagnostics: Iterable[Diagnostic] = (),
    known_codes: frozenset[str] = frozenset(),
    override: Override = NO_OVERRIDE,
    layouts: Mapping[str, LayoutSpec] | None = None,
) -> ParsedDocument:
    """Rows of cells, from any format, read by the layout they are in (each reader adds the
    issuer codes it finds in the rows to ``known_codes``), with the region and year the document
    says (or ``override`` gives)."""
    rows, cleaned = at_the_edge(rows)
    diagnostics = [*diagnostics, *cleaned]
    spec = recognise(rows, path, layouts)
    if spec.shape == "department":
        raise NotProjectsError(
            path,
            f"a {spec.description}: a department's targets as a whole, not projects; it is not built into "
            "projects (leave it out, or read its projects from the 项目支出 tables)",
        )
    if spec.shape == "long_table":
        doc = read_long_table(rows, path, encoding, diagnostics, known_codes, spec)
    else:
        doc = read_rows(rows, path, encoding, diagnostics, known_codes, spec)
    return apply_identity(_said_read_by_ocr(doc, rows), override)


OCR_ATTRIBUTE = "读取方式"  # the attribute (Project.attributes) that says a project was read from a page image


def _said_read_by_ocr(doc: ParsedDocument, rows: Sequence[Row]) -> ParsedDocument:
    """Each project whose table was read from a page image says so, with its pages and the lowest
    confidence of its cells: ``OCR 第4-5页，最低置信度 0.74``."""
    if all(r.score is None for r in rows):
        return doc
    position = {(r.file, r.line): i for i, r in enumerate(rows)}
    starts = [position.get((p.span.file, p.span.line), len(rows)) for p in doc.projects]
    projects = []
    for p, a, b in zip(doc.projects, starts, [*starts[1:], len(rows)], strict=True):
        read = [r for r in rows[a:b] if r.score is not None]
        if read:
            pages = sorted({int(r.file.rsplit("#p", 1)[1]) for r in read})
            where = f"第{pages[0]}页" if len(pages) == 1 else f"第{pages[0]}-{pages[-1]}页"
            said = f"OCR {where}，最低置信度 {min(r.score or 0.0 for r in read):.2f}"
            p = replace(p, attributes=(*p.attributes, (OCR_ATTRIBUTE, said)))
        projects.append(p)
    return replace(doc, projects=tuple(projects))


def parse_file(
    path: str | Path,
    known_codes: frozenset[str] = frozenset(),
    override: Override = NO_OVERRIDE,
    layouts: Mapping[str, LayoutSpec] | None = None,
    ocr: str = "auto",
) -> ParsedDocument:
    """Read one file of any supported format and layout; a PDF's image pages by OCR as ``ocr`` says
    (:data:`~graph.read.ocr.OCR_MODES`).

    >>> doc = parse_file('data/beibei_2024_key_projects.txt')
    >>> len(doc.projects), len(doc.toc), doc.identity.region.name, doc.identity.year, doc.identity.batch
    (94, 94, '重庆市北碚区', 2024, '区级重点专项')
    >>> doc.projects[0].id
    'project:重庆市北碚区:2024:102:人大监督专项经费（重点）'
    """
    rows, encoding, diags = read_source(path, ocr)
    name = display_name(path)
    if name != str(path):  # a name that is not UTF-8: every record shows it decoded, and says so
        rows = [replace(r, file=name + r.file[len(str(path)) :]) for r in rows]
        diags = [replace(d, file=name + d.file[len(str(path)) :]) for d in diags]
        said = f"the file's name is not UTF-8 (GBK, as a Windows zip extracts it); shown as {name!r}: rename it"
        diags.append(Diagnostic("warning", Code.FILE_NAME, said, name))
    doc = read_document(rows, name, encoding, diags, known_codes, override, layouts)
    return replace(doc, source=os.path.abspath(path))
