"""The form reader: cut a document into project tables and read each into a :class:`Project`, by the
words a layout description gives (:mod:`graph.read.spec`).

A table opens at its heading (``2024 年区级重点专项绩效目标表（一级项目）``), or at ``编制单位：`` or
its name label when a heading is missing.  Field rows are label/value cells in any column
(``一级项目名称\\t名称\\t\\t业务主管部门\\t部门``), or ``label：value`` in one cell; indicator rows
follow the indicator header (with the 绩效指标 label before it, or without).  Sections keep long-term
indicators apart and read a cost table's total.  Lines that fit none of these are kept raw on the
project (``unparsed``) with a warning, so nothing read is dropped silently.

>>> doc = parse_text(_EXAMPLE, "d.txt")
>>> (p,) = doc.projects
>>> p.name, p.department, p.amount, p.id
('测试项目', '某部门', Decimal('10.00'), 'project:-:2024:105:测试项目')
>>> [(i.name, i.operator, i.target, i.weight) for i in p.indicators], [c.number.canonical for c in p.citations]
([('次数', '≥', 8.0, 90.0)], ['渝财〔2020〕1号'])
>>> [d.code for d in doc.diagnostics]   # no district named anywhere: said, and the id has '-' for it
['no-region']
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import zip_longest

from graph.codes import Code
from graph.constants import WEIGHT_TOLERANCE
from graph.errors import InconsistentDocument, NoTablesError
from graph.ids import identified
from graph.models import Citation, Diagnostic, Indicator, ParsedDocument, Project, Span, TocEntry
from graph.read.citations import extract_citations, known_codes_from, split_basis
from graph.read.clean import amount_problem, clean_cell, join_wrapped, parse_amount, parse_number, weight_problem
from graph.read.identity import apply_identity
from graph.read.indicators import (
    header_columns,
    header_roles,
    merged_levels,
    read_combined_row,
    read_indicator_row,
)
from graph.read.rows import Row, rows_from_text
from graph.read.spec import (
    CITING,
    HEADING_YEAR,
    MONEY_LINE,
    MONEY_SCALE,
    LayoutSpec,
    builtin_layouts,
    label_key,
    money_unit_of,
)
from graph.read.toc import crosscheck_toc, is_toc_heading, join_entry, parse_toc_line, toc_mismatch
from graph.text import squash

__all__ = ["parse_text", "read_rows"]

SHOWN_UNNAMED = 5  # tables named in the message that refuses a document whose tables have no names
_TEXT_FIELDS = ("overview", "basis", "goals")
_MONEY_FIELDS = ("amount", "retained", "to_towns")
_NUMBER_FIELDS = ("execution_weight", *_MONEY_FIELDS)
_UNIT = re.compile(r"^编制单位\s*[:：]\s*(?:(?P<code>[0-9A-Za-z]+)\s*[-－—]\s*)?(?P<name>.*?)\s*$")
_LINE = re.compile(r"^(?P<label>[^:：]{2,12})\s*[:：]\s*(?P<value>.+?)\s*$")
_AMOUNT_IN_TEXT = re.compile(r"(?P<num>\d[\d,]*(?:\.\d+)?)\s*(?P<unit>万元|千元|元)?")


def _chongqing() -> LayoutSpec:
    return builtin_layouts()["chongqing"]


@dataclass
class _Table:
    """Mutable scratch state for one table while its lines are read."""

    start: int
    file: str = ""  # where the table starts (the document, or its table or sheet)
    title: str = ""
    year: int | None = None
    unit_code: str = ""
    unit_name: str = ""
    money_unit: str = "万元"
    fields: dict[str, list[str]] = field(default_factory=dict)
    field_lines: dict[str, int] = field(default_factory=dict)
    money_units: dict[str, str] = field(default_factory=dict)  # a field's own unit (预算数（元）)
    attributes: dict[str, str] = field(default_factory=dict)
    columns: dict[str, int] = field(default_factory=dict)
    indicators: list[Indicator] = field(default_factory=list)
    long_term: list[Indicator] = field(default_factory=list)
    target: str = "indicators"  # the list indicator rows go to (a section may switch it)
    unparsed: list[Span] = field(default_factory=list)
    raw: list[str] = field(default_factory=list)
    end: int = 0
    in_indicators: bool = False
    has_label: bool = True  # the indicator grid has the 绩效指标 label column before its columns
    header_roles: set[str] = field(default_factory=set)  # the columns the header's rows name
    header_cells: list[str] = field(default_factory=list)  # header cells that are no column name
    header_line: int = 0
    header_keys: set[tuple[str, ...]] = field(default_factory=set)  # its rows, to know them when repeated
    cost: str = ""  # inside a cost table: the field its total gives


def parse_text(
    text: str,
    path: str = "<text>",
    encoding: str = "utf-8",
    diagnostics: Iterable[Diagnostic] = (),
    known_codes: frozenset[str] = frozenset(),
) -> ParsedDocument:
    """Read the text of one document in the sample's layout, and say which it is
    (:func:`~graph.read.identity.apply_identity`).  Raises :class:`NoTablesError` when it holds no table."""
    return apply_identity(read_rows(rows_from_text(text, path), path, encoding, diagnostics, known_codes))


def read_rows(
    rows: Sequence[Row],
    path: str,
    encoding: str = "utf-8",
    diagnostics: Iterable[Diagnostic] = (),
    known_codes: frozenset[str] = frozenset(),
    spec: LayoutSpec | None = None,
) -> ParsedDocument:
    """Read rows of cells (from any format) in the layout ``spec`` describes (the sample's by default)
    into the document's projects, contents and warnings."""
    spec = spec or _chongqing()
    reader = _RowReader(path, list(diagnostics), spec)
    for row in rows:
        reader.feed(row)
    tables = reader.close()
    if len(tables) > 1 and not _holds_anything(tables[-1]):  # a heading alone at the very end: a running
        reader.preamble.append(tables.pop().title)  # footer (a one-page PDF's), kept with the document's text
    if not tables:
        where = f" (the contents list {len(reader.toc)} entries but no table follows)" if reader.toc else ""
        raise NoTablesError(path, f"no 绩效目标表 table found{where}; is this a budget performance target document?")
    unnamed = [t for t in tables if "name" not in t.fields]
    if unnamed:  # never build a table into a project with no name
        lines = ", ".join(f"{t.file}:{t.start}" for t in unnamed[:SHOWN_UNNAMED])
        error = NoTablesError if len(unnamed) * 2 > len(tables) else InconsistentDocument
        raise error(
            path,
            f"{len(unnamed)} of {len(tables)} tables have no {spec.label_of('name')} (at {lines}); the cells are "
            "not where this layout puts them: give the original PDF, Word or Excel file, or text with "
            "tab-separated cells",
        )
    known = known_codes | known_codes_from(r.raw for r in rows)
    projects = [_finish(t, path, known, reader.diags, spec) for t in tables]  # ids made unique by apply_identity
    crosschecked = crosscheck_toc(reader.toc, projects)
    if reader.toc and len(reader.toc) != len(projects):
        by_ocr = {r.file for r in rows if r.score is not None}
        if not all(e.span.file in by_ocr for e in reader.toc):
            raise InconsistentDocument(path, toc_mismatch(reader.toc, projects, crosschecked))
        # contents read from a page image: the tables, which their grid checks, are kept; the count is said
        message = (
            f"the contents (目录), read by OCR, list {len(reader.toc)} tables and {len(projects)} were read; "
            "the tables are kept: check the contents page against the tables"
        )
        first = reader.toc[0].span
        reader.diags.append(Diagnostic("warning", Code.OCR_TOC, message, first.file, first.line))
    reader.diags.extend(crosschecked)
    reader.diags.extend(spec.not_carried_warning(path))
    return ParsedDocument(
        path, encoding, tuple(projects), tuple(reader.toc), tuple(reader.diags), "\n".join(reader.preamble)
    )


class _RowReader:
    """Reads rows one at a time: contents, headings, unit lines, field rows, sections, indicator rows."""

    def __init__(self, path: str, diags: list[Diagnostic], spec: LayoutSpec) -> None:
        self.path = path
        self.spec = spec
        self.where = path  # the current row's place: the document, or its table or sheet (Word, Excel)
        self.diags = diags
        self.toc: list[TocEntry] = []
        self.tables: list[_Table] = []
        self.preamble: list[str] = []
        self.cur: _Table | None = None
        self.in_toc = False
        self.held: Row | None = None  # the row last kept raw, which the next row may complete
        self.money_unit = spec.money_unit  # a 金额单位 line before the first table holds for all

    def warn(self, code: str, message: str, line: int) -> None:
        self.diags.append(Diagnostic("warning", code, message, self.where, line))

    def open_table(self, lineno: int) -> _Table:
        if self.cur is not None:
            self.tables.append(self.cur)
        self.cur = _Table(start=lineno, file=self.where, money_unit=self.money_unit)
        return self.cur

    def close(self) -> list[_Table]:
        if self.cur is not None:
            self.tables.append(self.cur)
            self.cur = None
        return self.tables

    def feed(self, row: Row) -> None:
        self.where = row.file
        stripped = row.text
        if not stripped:
            return
        if self._contents(row) or self._heading(row) or self._unit(row) or self._money(row) or self._line(row):
            return
        cells = [c for c in row.cells if c.strip()]
        first = cells[0] if cells else ""
        if self.cur is None:
            if not self._opens(row):
                self.preamble.append(row.raw)
                return
            self.open_table(row.line)
        t = self.cur
        assert t is not None
        t.raw.append(row.raw)
        t.end = row.line
        if self._grid_row(t, row, first):
            return
        if self._wrapped_label(t, row):
            return
        t.unparsed.append(Span(row.file, row.line, row.line, row.raw))
        self.warn(Code.UNPARSED_LINE, f"line not understood inside table; kept raw: {stripped[:60]!r}", row.line)
        self.held = row

    def _opens(self, row: Row) -> bool:
        """A row that opens a table when none is open: the name's label first, or any field label first."""
        first = next((c for c in row.cells if c.strip()), "")
        role = self.spec.role_of(first) or self.spec.role_of(_LINE.sub(r"\g<label>", first.strip()))
        return role is not None and role != "indicators"

    def _grid_row(self, t: _Table, row: Row, first: str) -> bool:
        """A field row, a section, the indicator header or an indicator row; True when taken."""
        spec = self.spec
        lead = squash(row.cells[0]) if row.cells else ""
        key = label_key(first)
        if t.cost and self._cost_row(t, row):
            return True
        if key in spec.sections:
            return self._section(t, row, spec.sections[key].kind)
        if spec.role_of(first) == "indicators" and t.in_indicators and not _header_only(row.cells[1:], spec):
            # the label merged down the block, repeated in each row by the writer: an indicator row
            return self._indicator_row(t, Row(("", *row.cells[1:]), row.file, row.line, row.raw), "")
        if self._field_cells(row) and not (t.in_indicators and not lead and _header_only(row.cells, spec)):
            if spec.role_of(first) == "name" and "name" in t.fields:
                self._second_table(t, row)
            assert self.cur is not None
            _read_field_row(self.cur, list(row.cells), row.line, row.file, self.diags, spec)
            return True
        if not t.in_indicators and _header_only(row.cells, spec, least=3):
            _indicator_header(t, list(row.cells), row.line, spec, label=False)
            return True
        return self._indicator_row(t, row, squash(first) if lead else "")

    def _field_cells(self, row: Row) -> bool:
        """Whether the row's first filled cell is a field label, an attribute, a group over labels, or a
        ``label：value`` cell (the label may also stand second, after a group or an empty cell)."""
        spec = self.spec
        cells = [c for c in row.cells if c.strip()]
        if not cells:
            return False
        heads = cells[:2] if label_key(cells[0]) in spec.groups or not squash(row.cells[0]) else cells[:1]
        for c in heads:
            k = label_key(c)
            inline = _LINE.match(c.strip())
            if k in spec.labels or k in spec.attributes or k in spec.groups:
                return not (spec.labels.get(k) == "indicators" and self.cur is not None and self.cur.in_indicators
                            and _header_only(row.cells[1:], spec))  # fmt: skip
            if inline and _known(spec, inline.group("label")):
                return True
        return False

    def _second_table(self, prev: _Table, row: Row) -> None:
        """A second name row: the previous table lost its heading, or this one did."""
        t = self.open_table(row.line)
        t.raw, prev.raw = [row.raw], prev.raw[:-1]
        t.year, t.title, t.money_unit = prev.year, prev.title, prev.money_unit
        self.warn(Code.NO_HEADING, "table starts without heading or 编制单位", row.line)

    def _section(self, t: _Table, row: Row, kind: str) -> bool:
        """A section label: its own indicator header (长期/年度绩效指标), or a cost table (成本构成)."""
        section = self.spec.sections[label_key(next(c for c in row.cells if c.strip()))]
        if kind == "cost":
            t.cost = section.field or "amount"
            t.in_indicators = False
            return True
        t.target = "long_term" if kind == "long_term" else "indicators"
        _indicator_header(t, list(row.cells), row.line, self.spec, label=True)
        return True

    def _cost_row(self, t: _Table, row: Row) -> bool:
        """A row of a cost table: its items are kept in the raw span; its total row gives the field."""
        cells = [c.strip() for c in row.cells if c.strip()]
        spec = self.spec
        if any(label_key(c) in spec.labels or label_key(c) in spec.sections for c in cells):
            t.cost = ""
            return False
        section = next(s for s in spec.sections.values() if s.kind == "cost")
        total = label_key(section.total or "合计")
        at = next((i for i, c in enumerate(cells) if label_key(c) == total), None)
        if at is not None and at + 1 < len(cells):
            t.fields.setdefault(t.cost, []).append(cells[at + 1])
            t.field_lines.setdefault(t.cost, row.line)
        return True

    def _wrapped_label(self, t: _Table, row: Row) -> bool:
        """A row whose label is the rest of the label in the row just kept raw (a row cut by a page
        break, ``预算执行`` | ``率权重``): the two are one row, read again as one."""
        held, self.held = self.held, None
        if held is None or not t.unparsed or t.unparsed[-1].raw != held.raw or len(held.cells) < 2:
            return False
        if self.spec.role_of(held.cells[0] + row.cells[0]) is None:
            return False
        cells = tuple(
            join_wrapped("\n".join(x for x in pair if x.strip()))
            for pair in zip_longest(held.cells, row.cells, fillvalue="")
        )
        t.unparsed.pop()
        self.diags.pop()  # its unparsed-line warning, the last one said
        t.raw.pop()
        t.raw.pop()
        self.feed(Row(cells, held.file, held.line, "\t".join(cells)))
        return True

    def _contents(self, row: Row) -> bool:
        """The table of contents (目录): its heading (again on each of its pages), then its entries, an
        entry's wrapped rest joined to it.  Before the first table, a numbered contents line is an entry
        wherever it stands (a page header or a cover line between two pages of contents)."""
        if self.cur is not None:
            return False
        if is_toc_heading(row.text):
            self.in_toc = True
            return True
        text = " ".join(c.strip() for c in row.cells if c.strip()) if len(row.cells) > 1 else row.raw
        if self.in_toc and self.toc:
            joined = join_entry(self.toc[-1], text)
            if joined is not None:
                self.toc[-1] = joined
                return True
        if self.in_toc or self.toc:
            entry = parse_toc_line(text, row.file, row.line)
            if entry is not None:
                self.toc.append(entry)
                self.in_toc = True
                return True
            self.in_toc = False
        return False

    def _heading(self, row: Row) -> bool:
        """The layout's heading alone on its row (``2024 年区级重点专项绩效目标表（一级项目）``) opens a table."""
        if len([c for c in row.cells if c.strip()]) != 1 or not self.spec.heading.search(row.text):
            return False
        if self.cur is not None and not self.cur.fields and not self.cur.indicators:
            self.cur.title = clean_cell(row.text)  # a second heading line (a sub-title)
        else:
            t = self.open_table(row.line)
            t.title = clean_cell(row.text)
        assert self.cur is not None
        ym = HEADING_YEAR.search(row.text)
        self.cur.year = int(ym.group(1)) if ym else self.cur.year
        self.cur.raw.append(row.raw)
        self.cur.end = row.line
        return True

    def _unit(self, row: Row) -> bool:
        """``编制单位：105-单位名``: belongs to the table just opened by its heading, or opens one."""
        um = _UNIT.match("".join(row.cells).strip())  # a stray cell break inside the line is not data
        if not um:
            return False
        cur = self.cur
        t = cur if cur is not None and not cur.fields and not cur.unit_name else self.open_table(row.line)
        t.unit_code, t.unit_name = um.group("code") or "", um.group("name")
        t.raw.append(row.raw)
        t.end = row.line
        return True

    def _money(self, row: Row) -> bool:
        """``单位：万元`` / ``金额单位：元``: the unit of the open table's amounts (of every table, before
        the first)."""
        mm = MONEY_LINE.match("".join(row.cells).strip())
        if not mm:
            return False
        if self.cur is None:
            self.money_unit = mm.group("unit")
        else:
            self.cur.money_unit = mm.group("unit")
            self.cur.raw.append(row.raw)
        return True

    def _line(self, row: Row) -> bool:
        """A ``label：value`` line alone outside the grid (``单位名称：重庆市某局``)."""
        cells = [c for c in row.cells if c.strip()]
        m = _LINE.match(cells[0].strip()) if len(cells) == 1 else None
        if m is None or label_key(m.group("label")) not in self.spec.line_labels:
            return False
        role = self.spec.line_labels[label_key(m.group("label"))]
        t = self.cur if self.cur is not None else self.open_table(row.line)
        t.fields.setdefault(role, [m.group("value")])
        t.field_lines.setdefault(role, row.line)
        t.raw.append(row.raw)
        return True

    def _indicator_row(self, t: _Table, row: Row, first: str) -> bool:
        """An indicator row after the header; True when it was taken (read or kept raw).  A row of header
        words only is the header's second row, or the header repeated after a page break."""
        if not t.in_indicators:
            return False
        cells = list(row.cells)
        spec = self.spec
        if _header_key(cells, t.has_label) in t.header_keys:
            return True  # a header row again, after a page break
        if _header_only(cells[1:] if t.has_label else cells, spec) and not (t.has_label and squash(cells[0])):
            _indicator_header(t, cells, row.line, spec, label=t.has_label, more=True)
            return True
        if t.has_label and first.endswith("指标") and spec.role_of(first) is None and not spec.combined_value:
            # The empty label cell was lost: the row starts with its 一级指标, one column left.
            cells = ["", *cells]
            self.warn(Code.SHIFTED_CELLS, f"indicator row starts one column left ({first}); re-aligned", row.line)
        least = 2 if spec.combined_value else 3  # a name and a value; or a name, an operator and a value
        if (t.has_label and squash(cells[0])) or len([c for c in cells if c.strip()]) < least:
            return False
        if spec.combined_value:
            ind = read_combined_row(cells, row.file, row.line, t.columns)
            if ind is None:  # a placeholder row, left empty
                return True
        else:
            ind, more = read_indicator_row(cells, row.file, row.line, t.columns, row.score is not None)
            self.diags.extend(more)
        target = t.long_term if t.target == "long_term" else t.indicators
        if ind is not None:
            target.append(merged_levels(ind, target))
        else:
            t.unparsed.append(Span(row.file, row.line, row.line, row.raw))
        return True


def _holds_anything(t: _Table) -> bool:
    return bool(t.fields or t.in_indicators or t.unit_name or t.unit_code or t.unparsed)


def _header_key(cells: Sequence[str], has_label: bool = True) -> tuple[str, ...]:
    """A header row's words without its label cell and its empty cells (a page of a PDF may draw the
    same row with fewer columns)."""
    return tuple(squash(c) for c in (cells[1:] if has_label else cells) if c.strip())


def _header_only(cells: Sequence[str], spec: LayoutSpec, least: int = 2) -> bool:
    """Cells that are all indicator header words (at least ``least`` of them)."""
    words = [c for c in cells if c.strip()]
    known = [c for c in words if spec.column_of(c) is not None or label_key(c) in spec.ignored_columns]
    return len(words) >= least and len(known) == len(words) and any(spec.column_of(c) for c in words)


def _read_field_row(
    t: _Table, cells: list[str], lineno: int, path: str, diags: list[Diagnostic], spec: LayoutSpec
) -> None:
    """Label and value cells (``一级项目名称 | 名称 | | 业务主管部门 | 部门``), or ``label：value`` cells.
    A value that fills more than one cell, or a cell where a label should be that is no label, is kept
    and said."""

    def warn(code: str, message: str) -> None:
        diags.append(Diagnostic("warning", code, message, path, lineno))

    role: str | None = None
    taken: list[str] = []  # the values of the current label in this row
    gap = False  # an empty cell since the last value: the next cell stands where a label goes
    for cell in cells:
        c = cell.strip()
        if not c:
            gap = bool(taken)
            continue
        key = label_key(c)
        inline = _LINE.match(c)
        waiting = role is not None and not taken  # a label's value comes next, whatever it holds
        if key not in spec.labels and key not in spec.attributes and inline and _known(spec, inline.group("label")):
            if waiting:
                taken.append(c)
                t.fields[role].append(c)  # type: ignore[index]
                continue
            role, taken, gap = _open_field(t, inline.group("label"), lineno, warn, spec)
            c = inline.group("value")
        elif key in spec.groups:
            continue
        elif key in spec.labels or key in spec.attributes:
            role, taken, gap = _open_field(t, c, lineno, warn, spec)
            if role == "indicators":
                t.target = "indicators"
                _indicator_header(t, cells, lineno, spec, label=True)
                return
            continue
        if role is None:  # a value before any label: no place for it
            warn(Code.UNKNOWN_LABEL, f"{c!r} stands before any label in the row; kept raw")
            t.unparsed.append(Span(path, lineno, lineno, "\t".join(cells)))
            continue
        if taken and gap and role in _NUMBER_FIELDS:
            warn(Code.UNKNOWN_LABEL, f"{c!r} stands where a label goes but is none; it and what follows kept raw")
            t.unparsed.append(Span(path, lineno, lineno, "\t".join(cells)))
            return
        if taken:
            warn(Code.SPLIT_CELL, f"{spec.label_of(role)} fills more than one cell; joined: "
                 f"{' | '.join([*taken, c])[:60]!r}")  # fmt: skip
        taken.append(c)
        t.fields[role].append(c)


def _known(spec: LayoutSpec, label: str) -> bool:
    return spec.role_of(label) is not None or label_key(label) in spec.attributes


def _open_field(
    t: _Table, label: str, lineno: int, warn: Callable[[str, str], None], spec: LayoutSpec
) -> tuple[str, list[str], bool]:
    """Start reading the values of a label: a field, or an attribute (``attr:`` + its name)."""
    key = label_key(label)
    role = spec.labels.get(key) or f"attr:{spec.attributes[key]}"
    if role == "indicators":
        return role, [], False
    if role in t.fields:
        warn(Code.REPEATED_FIELD, f"field {key} appears twice; values joined")
    t.fields.setdefault(role, [])
    t.field_lines.setdefault(role, lineno)
    unit = money_unit_of(label)
    if unit:
        t.money_units[role] = unit
    return role, [], False


def _indicator_header(
    t: _Table, cells: list[str], lineno: int, spec: LayoutSpec, label: bool, more: bool = False
) -> None:
    """The indicator header row (after the 绩效指标 label, or without it); with ``more``, a row of header
    words under it (a two-row header, or the header again after a page break): the columns it names are
    taken, the others kept."""
    named = header_roles(cells, spec.columns)
    t.header_keys.add(_header_key(cells, label))
    if more:
        found = header_columns(cells, spec.columns, {})
        t.columns = {**t.columns, **{r: i for r, i in found.items() if r in named}}
        t.header_roles |= set(named)
        return
    offset = 1 if label else 0
    defaults = {role: i + offset for i, role in enumerate(dict.fromkeys(spec.columns.values()))}
    t.in_indicators, t.has_label = True, label
    t.columns = header_columns(cells, spec.columns, defaults)
    t.header_roles = set(named)
    t.field_lines.setdefault("indicators", lineno)
    t.header_cells = [
        c.strip() for c in cells[offset:] if c.strip() and spec.column_of(c) is None
        and label_key(c) not in spec.ignored_columns
    ]  # fmt: skip
    t.header_line = lineno


def _check_header(t: _Table, spec: LayoutSpec, warn: Callable[[str, str, int], None]) -> None:
    """Once the header's rows are all read: the columns no header row named, the cells no row explains."""
    if not t.in_indicators:
        return
    missing = sorted(set(spec.columns.values()) - t.header_roles)
    unknown = t.header_cells if missing else []  # group words over a second header row are no mystery
    if unknown or missing:
        warn(
            Code.INDICATOR_HEADER,
            f"绩效指标 header not understood (cells {unknown}, columns missing {missing}); "
            "the usual column order is assumed where the header says nothing",
            t.header_line,
        )


def _money(t: _Table, role: str, path: str, diags: list[Diagnostic], spec: LayoutSpec) -> Decimal | None:
    """A money field in 万元: a number in the table's (or the label's own) unit, or the first amount in
    a text that gives it (``年度资金总额：208.00万元；其中：…``)."""
    raw = " ".join(t.fields.get(role, []))
    line = t.field_lines.get(role, t.start)
    if not raw.strip():
        if role == "amount" and role in t.fields:  # the label is there, its value is not
            message = f"{spec.label_of(role)} is empty: the project has no amount, and totals leave it out"
            diags.append(Diagnostic("warning", Code.NO_AMOUNT, message, path, line))
        return None
    unit = t.money_units.get(role, t.money_unit)
    value = parse_amount(raw)
    if value is None and role == "amount":
        found = _amount_in_text(raw, spec)
        if found is not None:
            value, unit = found[0], found[1] or unit
    problem = amount_problem(value)
    if problem is not None or value is None:
        diags.append(
            Diagnostic(
                "warning", Code.BAD_AMOUNT, f"{spec.label_of(role)} {raw[:40]!r} {problem}; left empty", path, line
            )
        )
        return None
    return value * MONEY_SCALE[unit]


def _amount_in_text(text: str, spec: LayoutSpec) -> tuple[Decimal, str] | None:
    """The amount after an amount label inside a text (``年度资金总额：208.00万元``), with its unit."""
    labels = [k for k, v in spec.labels.items() if v == "amount"]
    for label in labels:
        at = squash(text).find(label)
        if at < 0:
            continue
        m = _AMOUNT_IN_TEXT.search(squash(text)[at + len(label) :].lstrip("：:"))
        if m:
            value = parse_amount(m.group("num"))
            if value is not None:
                return value, m.group("unit") or ""
    return None


def _check_fields(t: _Table, spec: LayoutSpec, warn: Callable[[str, str, int], None]) -> None:
    """Required fields, the fields this layout always has, the heading's year and the unit line."""
    have = set(t.fields) | ({"indicators"} if t.in_indicators else set())
    missing = [r for r in spec.required if r not in have]
    if missing:
        names = ", ".join(spec.label_of(r) for r in missing)
        said = f"table ends at line {t.end} without {names}; cut off? what was read is kept"
        warn(Code.INCOMPLETE_TABLE, said, t.start)
    elif not t.indicators and "indicators" in spec.required:
        warn(Code.NO_INDICATORS, "table has a 绩效指标 header but no indicator rows", t.start)
    absent = [spec.label_of(r) for r in spec.expected if r not in t.fields]
    if absent and not missing:
        warn(Code.MISSING_FIELD, f"no {', '.join(absent)} row; left empty", t.start)
    if t.year is None:
        warn(Code.NO_YEAR, "no table heading with the year (…年…绩效目标表); the id has '-' for the year", t.start)
    if spec.unit_line and not t.unit_code and not t.unit_name:
        warn(Code.NO_UNIT, "no 编制单位 line; the id has '-' for the unit", t.start)


def _number(t: _Table, role: str, spec: LayoutSpec, warn: Callable[[str, str, int], None]) -> float | None:
    raw = " ".join(t.fields.get(role, []))
    if not raw:
        return None
    value = parse_number(raw)
    problem = weight_problem(value)
    if problem is not None:
        warn(
            Code.BAD_NUMBER,
            f"{spec.label_of(role)} {raw[:40]!r} {problem}; left empty",
            t.field_lines.get(role, t.start),
        )
        return None
    return value


def _check_weights(
    t: _Table, execution_weight: float | None, spec: LayoutSpec, warn: Callable[[str, str, int], None]
) -> None:
    """Indicator weights (plus 预算执行率权重 where the layout has it) make the layout's total (a lost,
    doubled or cut row shows here)."""
    weights = [i.weight for i in t.indicators]
    with_execution = "execution_weight" in spec.labels.values()
    if spec.weights_total is None or not t.indicators or any(w is None for w in weights):
        return
    if with_execution and execution_weight is None:
        return
    total = (execution_weight or 0) + sum(w for w in weights if w is not None)
    if abs(total - spec.weights_total) > WEIGHT_TOLERANCE:
        plus = f" + 预算执行率权重 {execution_weight:g}" if with_execution and execution_weight is not None else ""
        warn(
            Code.WEIGHTS_SUM,
            f"indicator weights {'+'.join(f'{w:g}' for w in weights if w is not None)}{plus} = {total:g}, "
            f"not {spec.weights_total:g}; a row lost, doubled or misread?",
            t.field_lines.get("indicators", t.start),
        )


def _department(t: _Table, name: str, spec: LayoutSpec, warn: Callable[[str, str, int], None]) -> str:
    department = clean_cell(" ".join(t.fields.get("department", [])))
    fallback = clean_cell(" ".join(t.fields.get("unit_name", []))) or t.unit_name
    if not department and fallback and spec.department_fallback:
        where = spec.label_of("unit_name") if t.fields.get("unit_name") else "编制单位"
        warn(Code.NO_DEPARTMENT, f"{name}: no {spec.label_of('department')}; using {where} {fallback}", t.start)
        return fallback
    return department


def _finish(t: _Table, path: str, known: frozenset[str], diags: list[Diagnostic], spec: LayoutSpec) -> Project:
    def warn(code: str, message: str, line: int) -> None:
        diags.append(Diagnostic("warning", code, message, t.file, line))

    _check_fields(t, spec, warn)
    _check_header(t, spec, warn)
    name = clean_cell(" ".join(t.fields.get("name", []))) or f"(unnamed table at line {t.start})"
    department = _department(t, name, spec, warn)
    unit_name = t.unit_name or clean_cell(" ".join(t.fields.get("unit_name", [])))
    if t.money_unit != "万元" or any(u != "万元" for u in t.money_units.values()):
        warn(Code.MONEY_UNIT, f"{name}: amounts in {t.money_unit}, converted to 万元", t.start)
    amount, retained, to_towns = (_money(t, r, t.file, diags, spec) for r in _MONEY_FIELDS)
    if amount is not None and retained is not None and to_towns is not None and retained + to_towns != amount:
        warn(
            Code.BUDGET_SPLIT,
            f"{name}: 部门留用 {retained} + 补助街镇 {to_towns} = {retained + to_towns} ≠ 当年预算金额 {amount}",
            t.field_lines.get("amount", t.start),
        )
    execution_weight = _number(t, "execution_weight", spec, warn)
    _check_weights(t, execution_weight, spec, warn)
    texts = {r: clean_cell("\n".join(t.fields.get(r, []))) for r in _TEXT_FIELDS}
    citations: list[Citation] = []
    for role, label in CITING.items():
        if texts[role]:
            citations.extend(extract_citations(texts[role], label, t.file, t.field_lines[role], known))
    attributes = tuple(
        (role.removeprefix("attr:"), clean_cell(" ".join(v)))
        for role, v in t.fields.items()
        if role.startswith("attr:")
    )
    return identified(Project(  # the id from its fields (graph.ids)
        id="", name=name, year=t.year, unit_code=t.unit_code,
        unit_name=unit_name, department=department, execution_weight=execution_weight, amount=amount,
        retained=retained, to_towns=to_towns, overview=texts["overview"], basis=tuple(split_basis(texts["basis"])),
        goals=texts["goals"], indicators=tuple(t.indicators), citations=tuple(citations), unparsed=tuple(t.unparsed),
        source=path, span=Span(t.file, t.start, t.end, "\n".join(t.raw)), title=spec.title or t.title,
        layout=spec.name, long_term=tuple(t.long_term), attributes=attributes,
    ))  # fmt: skip


_EXAMPLE = """2024 年区级重点专项绩效目标表（一级项目）
编制单位：105-某单位
一级项目名称\t测试项目\t\t业务主管部门\t某部门
预算执行率权重\t10\t\t部门留用\t10.00
当年预算金额\t10.00\t\t补助街镇\t0
项目概述\t概述。
立项依据\t《某办法》（渝财〔2020〕1号）
当年绩效目标\t目标。
绩效指标\t一级指标\t二级指标\t三级指标\t计量单位\t指标性质\t指标值\t权重（%）\t是否核心指标
\t产出指标\t数量指标\t次数\t次\t≥\t8\t90\t是
"""
