"""Cut a document into project tables and read each into a :class:`Project`.

A table opens at its heading (``2024 年区级重点专项绩效目标表（一级项目）``), or at
``编制单位：`` / ``一级项目名称`` when a heading is missing.  Field rows are label/value
cells in any column (``一级项目名称\\t名称\\t\\t业务主管部门\\t部门``); indicator rows
follow the ``绩效指标`` header.  Lines that fit none of these are kept raw on the project
(``unparsed``) with a warning, so nothing read is dropped silently.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from itertools import zip_longest

from graph.constants import WEIGHT_TOLERANCE
from graph.errors import InconsistentDocument, NoTablesError
from graph.ids import project_id
from graph.models import Citation, Diagnostic, Indicator, ParsedDocument, Project, Span, TocEntry
from graph.read.citations import extract_citations, known_codes_from, split_basis
from graph.read.clean import clean_cell, parse_amount, parse_number
from graph.read.identity import apply_identity
from graph.read.indicators import DEFAULT_COLUMNS, header_columns, header_roles, is_header_word, read_indicator_row
from graph.read.pdf import join_wrapped
from graph.read.rows import Row, rows_from_text
from graph.read.toc import crosscheck_toc, is_toc_heading, join_entry, parse_toc_line, toc_mismatch
from graph.text import squash

__all__ = ["CITING_FIELDS", "FIELD_LABELS", "parse_text", "read_rows"]

FIELD_LABELS = {
    "一级项目名称": "name",
    "项目名称": "name",
    "业务主管部门": "department",
    "主管部门": "department",
    "预算执行率权重": "execution_weight",
    "部门留用": "retained",
    "当年预算金额": "amount",
    "年度预算金额": "amount",
    "补助街镇": "to_towns",
    "项目概述": "overview",
    "立项依据": "basis",
    "当年绩效目标": "goals",
    "年度绩效目标": "goals",
    "绩效指标": "indicators",
}
REQUIRED = ("name", "department", "amount", "overview", "basis", "goals", "indicators")
EXPECTED = ("execution_weight", "retained", "to_towns")  # always in this layout; said when absent
_NUMBER_FIELDS = ("execution_weight", "retained", "amount", "to_towns")
SHOWN_UNNAMED = 5  # tables named in the message that refuses a document whose tables have no names
CITING_FIELDS = {"overview": "项目概述", "basis": "立项依据", "goals": "当年绩效目标"}
_TEXT_FIELDS = ("overview", "basis", "goals")
_HEADING = re.compile(r"绩效目标表")
_UNIT = re.compile(r"^编制单位\s*[:：]\s*(?:(?P<code>[0-9A-Za-z]+)\s*[-－—]\s*)?(?P<name>.*?)\s*$")
_MONEY = re.compile(r"^单位\s*[:：]\s*(?P<unit>万元|千元|元)\s*$")
_MONEY_SCALE = {"万元": Decimal(1), "千元": Decimal("0.1"), "元": Decimal("0.0001")}


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
    columns: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_COLUMNS))
    indicators: list[Indicator] = field(default_factory=list)
    unparsed: list[Span] = field(default_factory=list)
    raw: list[str] = field(default_factory=list)
    end: int = 0
    in_indicators: bool = False
    header_roles: set[str] = field(default_factory=set)  # the columns the 绩效指标 header's rows name
    header_cells: list[str] = field(default_factory=list)  # header cells that are no column name
    header_line: int = 0
    header_keys: set[tuple[str, ...]] = field(default_factory=set)  # its rows, to know them when repeated


def parse_text(
    text: str,
    path: str = "<text>",
    encoding: str = "utf-8",
    diagnostics: Iterable[Diagnostic] = (),
    known_codes: frozenset[str] = frozenset(),
) -> ParsedDocument:
    """Read the text of one document, and say which it is (:func:`~graph.read.identity.apply_identity`).
    Raises :class:`NoTablesError` when it holds no table."""
    return apply_identity(read_rows(rows_from_text(text, path), path, encoding, diagnostics, known_codes))


def read_rows(
    rows: Sequence[Row],
    path: str,
    encoding: str = "utf-8",
    diagnostics: Iterable[Diagnostic] = (),
    known_codes: frozenset[str] = frozenset(),
) -> ParsedDocument:
    """Read rows of cells (from any format) into the document's projects, contents and warnings."""
    reader = _RowReader(path, list(diagnostics))
    for row in rows:
        reader.feed(row)
    tables = reader.close()
    if not tables:
        where = f" (the contents list {len(reader.toc)} entries but no table follows)" if reader.toc else ""
        raise NoTablesError(path, f"no 绩效目标表 table found{where}; is this a budget performance target document?")
    unnamed = [t for t in tables if "name" not in t.fields]
    if unnamed:  # never build a table into a project with no name
        lines = ", ".join(f"{t.file}:{t.start}" for t in unnamed[:SHOWN_UNNAMED])
        error = NoTablesError if len(unnamed) * 2 > len(tables) else InconsistentDocument
        raise error(
            path,
            f"{len(unnamed)} of {len(tables)} tables have no 一级项目名称 (at {lines}); the cells are not where "
            "this layout puts them: give the original PDF, Word or Excel file, or text with tab-separated cells",
        )
    known = known_codes | known_codes_from(r.raw for r in rows)
    projects = [_finish(t, path, known, reader.diags) for t in tables]  # ids made unique by apply_identity
    crosschecked = crosscheck_toc(reader.toc, projects)
    if reader.toc and len(reader.toc) != len(projects):
        raise InconsistentDocument(path, toc_mismatch(reader.toc, projects, crosschecked))
    reader.diags.extend(crosschecked)
    return ParsedDocument(
        path, encoding, tuple(projects), tuple(reader.toc), tuple(reader.diags), "\n".join(reader.preamble)
    )


class _RowReader:
    """Reads rows one at a time: contents, headings, 编制单位 lines, field rows, indicator rows."""

    def __init__(self, path: str, diags: list[Diagnostic]) -> None:
        self.path = path
        self.where = path  # the current row's place: the document, or its table or sheet (Word, Excel)
        self.diags = diags
        self.toc: list[TocEntry] = []
        self.tables: list[_Table] = []
        self.preamble: list[str] = []
        self.cur: _Table | None = None
        self.in_toc = False
        self.held: Row | None = None  # the row last kept raw, which the next row may complete

    def warn(self, code: str, message: str, line: int) -> None:
        self.diags.append(Diagnostic("warning", code, message, self.where, line))

    def open_table(self, lineno: int) -> _Table:
        if self.cur is not None:
            self.tables.append(self.cur)
        self.cur = _Table(start=lineno, file=self.where)
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
        if self._contents(row) or self._heading(row) or self._unit(row):
            return
        first = squash(row.cells[0])
        if self.cur is None:
            if first not in FIELD_LABELS:
                self.preamble.append(row.raw)
                return
            self.open_table(row.line)
        t = self.cur
        assert t is not None
        t.raw.append(row.raw)
        t.end = row.line
        mm = _MONEY.match(stripped)
        if mm:
            t.money_unit = mm.group("unit")
        elif first == "绩效指标" and t.in_indicators and not _header_only(row.cells[1:]):
            # the label merged down the block, repeated in each row by the writer: an indicator row
            self._indicator_row(t, Row(("", *row.cells[1:]), row.file, row.line, row.raw), "")
        elif first in FIELD_LABELS:
            self._field_row(row, FIELD_LABELS[first])
        elif self._wrapped_label(t, row):
            return
        elif not self._indicator_row(t, row, first):
            t.unparsed.append(Span(row.file, row.line, row.line, row.raw))
            self.warn("unparsed-line", f"line not understood inside table; kept raw: {stripped[:60]!r}", row.line)
            self.held = row

    def _wrapped_label(self, t: _Table, row: Row) -> bool:
        """A row whose label is the rest of the label in the row just kept raw (a row cut by a page
        break, ``预算执行`` | ``率权重``): the two are one row, read again as one."""
        held, self.held = self.held, None
        if held is None or not t.unparsed or t.unparsed[-1].raw != held.raw or len(held.cells) < 2:
            return False
        if squash(held.cells[0] + row.cells[0]) not in FIELD_LABELS:
            return False
        cells = tuple(
            join_wrapped("\n".join(x for x in pair if x.strip()))
            for pair in zip_longest(held.cells, row.cells, fillvalue="")
        )
        t.unparsed.pop()
        self.diags.pop()  # its unparsed-line warning, the last one said
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
        """``2024 年区级重点专项绩效目标表（一级项目）`` alone on its row opens a table."""
        if len([c for c in row.cells if c.strip()]) != 1 or not _HEADING.search(row.text):
            return False
        t = self.open_table(row.line)
        t.title = clean_cell(row.text)
        ym = re.search(r"(\d{4})\s*年", row.text)
        t.year = int(ym.group(1)) if ym else None
        t.raw.append(row.raw)
        t.end = row.line
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

    def _field_row(self, row: Row, role: str) -> None:
        prev = self.cur
        assert prev is not None
        if role == "name" and "name" in prev.fields:
            # A second name row: the previous table lost its heading, or this one did.
            t = self.open_table(row.line)
            t.raw, prev.raw = [row.raw], prev.raw[:-1]
            t.year, t.title, t.money_unit = prev.year, prev.title, prev.money_unit
            self.warn("no-heading", "table starts without heading or 编制单位", row.line)
        assert self.cur is not None
        _read_field_row(self.cur, list(row.cells), row.line, row.file, self.diags)

    def _indicator_row(self, t: _Table, row: Row, first: str) -> bool:
        """An indicator row after the 绩效指标 header; True when it was taken (read or kept raw).  A row
        of header words only is the header's second row, or the header repeated after a page break."""
        if not t.in_indicators:
            return False
        cells = list(row.cells)
        if _header_key(cells) in t.header_keys:
            return True  # a header row again, after a page break
        if _header_only(cells[1:]) and not squash(cells[0]):
            _indicator_header(t, cells, row.line, self.warn, more=True)
            return True
        if first.endswith("指标") and first not in FIELD_LABELS:
            # The empty label cell was lost: the row starts with its 一级指标, one column left.
            cells = ["", *cells]
            self.warn("shifted-cells", f"indicator row starts one column left ({first}); re-aligned", row.line)
        if squash(cells[0]) or len([c for c in cells if c.strip()]) < 3:
            return False
        ind, more = read_indicator_row(cells, row.file, row.line, t.columns)
        self.diags.extend(more)
        if ind is not None:
            t.indicators.append(_merged_levels(ind, t.indicators))
        else:
            t.unparsed.append(Span(row.file, row.line, row.line, row.raw))
        return True


def _header_key(cells: Sequence[str]) -> tuple[str, ...]:
    """A header row's words without its label cell and its empty cells (a page of a PDF may draw the
    same row with fewer columns)."""
    return tuple(squash(c) for c in cells[1:] if c.strip())


def _header_only(cells: Sequence[str]) -> bool:
    """Cells that are all 绩效指标 header words (at least two of them)."""
    words = [c for c in cells if c.strip()]
    return len(words) >= 2 and all(is_header_word(c) for c in words)


def _merged_levels(ind: Indicator, above: Sequence[Indicator]) -> Indicator:
    """An empty 一级指标 (or 二级指标 under the same 一级) is the cell merged down from the row above."""
    if not above or (ind.level1 and ind.level2):
        return ind
    prev = above[-1]
    level1 = ind.level1 or prev.level1
    level2 = ind.level2 or (prev.level2 if level1 == prev.level1 else "")
    return replace(ind, level1=level1, level2=level2)


def _read_field_row(t: _Table, cells: list[str], lineno: int, path: str, diags: list[Diagnostic]) -> None:
    """Label and value cells (``一级项目名称 | 名称 | | 业务主管部门 | 部门``).  A value that fills more
    than one cell, or a cell where a label should be that is no label, is kept and said."""

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
        key = squash(c)
        if key in FIELD_LABELS:
            role, taken, gap = FIELD_LABELS[key], [], False
            if role == "indicators":
                _indicator_header(t, cells, lineno, warn)
                return
            if role in t.fields:
                warn("repeated-field", f"field {key} appears twice; values joined")
            t.fields.setdefault(role, [])
            t.field_lines.setdefault(role, lineno)
            continue
        if role is None:  # pragma: no cover - the first cell is always a label here
            continue
        if taken and gap and role in _NUMBER_FIELDS:
            warn("unknown-label", f"{c!r} stands where a label goes but is none; it and what follows kept raw")
            t.unparsed.append(Span(path, lineno, lineno, "\t".join(cells)))
            return
        if taken:
            warn("split-cell", f"{_label(role)} fills more than one cell; joined: {' | '.join([*taken, c])[:60]!r}")
        taken.append(c)
        t.fields[role].append(c)


def _indicator_header(
    t: _Table, cells: list[str], lineno: int, warn: Callable[[str, str], None], more: bool = False
) -> None:
    """The 绩效指标 header row; with ``more``, a row of header words under it (a two-row header, or the
    header again after a page break): the columns it names are taken, the others kept."""
    named = header_roles(cells)
    t.header_keys.add(_header_key(cells))
    if more:
        t.columns = {**t.columns, **{r: i for r, i in header_columns(cells).items() if r in named}}
        t.header_roles |= set(named)
    else:
        t.in_indicators = True
        t.columns = header_columns(cells)
        t.header_roles = set(named)
        t.field_lines.setdefault("indicators", lineno)
        t.header_cells = [c.strip() for c in cells[1:] if c.strip() and not is_header_word(c)]
        t.header_line = lineno


def _check_header(t: _Table, warn: Callable[[str, str, int], None]) -> None:
    """Once the header's rows are all read: the columns no header row named, the cells no row explains."""
    if not t.in_indicators:
        return
    missing = sorted(set(DEFAULT_COLUMNS) - t.header_roles)
    unknown = t.header_cells if missing else []  # group words over a second header row are no mystery
    if unknown or missing:
        warn(
            "indicator-header",
            f"绩效指标 header not understood (cells {unknown}, columns missing {missing}); "
            "the usual column order is assumed where the header says nothing",
            t.header_line,
        )


def _money(t: _Table, role: str, path: str, diags: list[Diagnostic]) -> Decimal | None:
    raw = " ".join(t.fields.get(role, []))
    if not raw:
        return None
    value = parse_amount(raw)
    if value is None:
        diags.append(
            Diagnostic(
                "warning",
                "bad-amount",
                f"{role} {raw!r} is not a number; left empty",
                path,
                t.field_lines.get(role, t.start),
            )
        )
        return None
    return value * _MONEY_SCALE[t.money_unit]


def _label(role: str) -> str:
    return next(k for k, v in FIELD_LABELS.items() if v == role)


def _check_fields(t: _Table, warn: Callable[[str, str, int], None]) -> None:
    """Required fields, the fields this layout always has, the heading's year and the unit line."""
    missing = [r for r in REQUIRED if r not in t.fields and not (r == "indicators" and t.in_indicators)]
    if missing:
        names = ", ".join(_label(r) for r in missing)
        warn("incomplete-table", f"table ends at line {t.end} without {names}; cut off? what was read is kept", t.start)
    elif not t.indicators:
        warn("no-indicators", "table has a 绩效指标 header but no indicator rows", t.start)
    absent = [_label(r) for r in EXPECTED if r not in t.fields]
    if absent and not missing:
        warn("missing-field", f"no {', '.join(absent)} row; left empty", t.start)
    if t.year is None:
        warn("no-year", "no table heading with the year (…年…绩效目标表); the id has '-' for the year", t.start)
    if not t.unit_code and not t.unit_name:
        warn("no-unit", "no 编制单位 line; the id has '-' for the unit", t.start)


def _number(t: _Table, role: str, warn: Callable[[str, str, int], None]) -> float | None:
    raw = " ".join(t.fields.get(role, []))
    if not raw:
        return None
    value = parse_number(raw)
    if value is None:
        warn("bad-number", f"{_label(role)} {raw!r} is not a number; left empty", t.field_lines.get(role, t.start))
    return value


def _check_weights(t: _Table, execution_weight: float | None, warn: Callable[[str, str, int], None]) -> None:
    """Indicator weights plus 预算执行率权重 make 100 (a lost, doubled or cut row shows here)."""
    weights = [i.weight for i in t.indicators]
    if not t.indicators or execution_weight is None or any(w is None for w in weights):
        return
    total = execution_weight + sum(w for w in weights if w is not None)
    if abs(total - 100) > WEIGHT_TOLERANCE:
        warn(
            "weights-sum",
            f"indicator weights {'+'.join(f'{w:g}' for w in weights if w is not None)} + 预算执行率权重 "
            f"{execution_weight:g} = {total:g}, not 100; a row lost, doubled or misread?",
            t.field_lines.get("indicators", t.start),
        )


def _finish(t: _Table, path: str, known: frozenset[str], diags: list[Diagnostic]) -> Project:
    def warn(code: str, message: str, line: int) -> None:
        diags.append(Diagnostic("warning", code, message, t.file, line))

    _check_fields(t, warn)
    _check_header(t, warn)
    name = clean_cell(" ".join(t.fields.get("name", []))) or f"(unnamed table at line {t.start})"
    department = clean_cell(" ".join(t.fields.get("department", [])))
    if not department and t.unit_name:
        department = t.unit_name
        warn("no-department", f"{name}: no 业务主管部门; using 编制单位 {t.unit_name}", t.start)
    if t.money_unit != "万元":
        warn("money-unit", f"{name}: amounts in {t.money_unit}, converted to 万元", t.start)
    amount, retained, to_towns = (_money(t, r, t.file, diags) for r in ("amount", "retained", "to_towns"))
    if amount is not None and retained is not None and to_towns is not None and retained + to_towns != amount:
        warn(
            "budget-split",
            f"{name}: 部门留用 {retained} + 补助街镇 {to_towns} = {retained + to_towns} ≠ 当年预算金额 {amount}",
            t.field_lines.get("amount", t.start),
        )
    execution_weight = _number(t, "execution_weight", warn)
    _check_weights(t, execution_weight, warn)
    texts = {r: clean_cell("\n".join(t.fields.get(r, []))) for r in _TEXT_FIELDS}
    citations: list[Citation] = []
    for role, label in CITING_FIELDS.items():
        if texts[role]:
            citations.extend(extract_citations(texts[role], label, t.file, t.field_lines[role], known))
    return Project(
        id=project_id("", t.year, t.unit_code or t.unit_name, name),
        name=name,
        year=t.year,
        unit_code=t.unit_code,
        unit_name=t.unit_name,
        department=department,
        execution_weight=execution_weight,
        amount=amount,
        retained=retained,
        to_towns=to_towns,
        overview=texts["overview"],
        basis=tuple(split_basis(texts["basis"])),
        goals=texts["goals"],
        indicators=tuple(t.indicators),
        citations=tuple(citations),
        unparsed=tuple(t.unparsed),
        source=path,
        span=Span(t.file, t.start, t.end, "\n".join(t.raw)),
        title=t.title,
    )
