"""The long-table reader: one row per indicator, the project's cells merged (or repeated) over its rows,
as the 部门预算公开 workbooks publish 部门项目支出绩效目标表.

The header row names each column by the layout's words (单位名称, 项目名称, 预算数, 年度目标 and the
indicator columns); a row with a new 项目名称 starts a project, a row whose project cells are empty (merged)
or the same goes on with it.  A total row (合计) is checked against the projects above it, never read as one.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from graph.codes import Code
from graph.errors import NoTablesError
from graph.ids import identified
from graph.models import Citation, Diagnostic, Indicator, ParsedDocument, Project, Span
from graph.read.citations import extract_citations, known_codes_from, split_basis
from graph.read.clean import amount_problem, clean_cell, join_wrapped, parse_amount
from graph.read.indicators import merged_levels, read_combined_row, read_indicator_row
from graph.read.rows import Row
from graph.read.spec import CITING, HEADING_YEAR, MONEY_LINE, MONEY_SCALE, LayoutSpec, label_key, money_unit_of

__all__ = ["read_long_table"]

HEADER_LEAST = 3  # known column words a row needs to be the header


@dataclass
class _Project:
    file: str
    start: int
    end: int = 0
    values: dict[str, str] = field(default_factory=dict)
    lines: dict[str, int] = field(default_factory=dict)
    indicators: list[Indicator] = field(default_factory=list)
    raw: list[str] = field(default_factory=list)


@dataclass
class _State:
    spec: LayoutSpec
    diags: list[Diagnostic]
    year: int | None = None
    title: str = ""
    money_unit: str = "万元"
    fields: dict[int, str] = field(default_factory=dict)  # column → field
    columns: dict[str, int] = field(default_factory=dict)  # indicator column → index
    header: tuple[str, ...] = ()
    projects: list[_Project] = field(default_factory=list)
    block: list[_Project] = field(default_factory=list)  # the projects since the last total row

    def warn(self, code: str, message: str, file: str, line: int) -> None:
        self.diags.append(Diagnostic("warning", code, message, file, line))


def _header(st: _State, row: Row) -> bool:
    spec = st.spec
    keys = [label_key(c) for c in row.cells]
    known = [k for k in keys if k in spec.labels or k in spec.columns]
    if len(known) < HEADER_LEAST or "name" not in {spec.labels.get(k) for k in keys}:
        return False
    if tuple(keys) == st.header:
        return True  # the header again (a new sheet, a page)
    st.header = tuple(keys)
    st.fields = {i: spec.labels[k] for i, k in enumerate(keys) if k in spec.labels}
    st.columns = {spec.columns[k]: i for i, k in enumerate(keys) if k in spec.columns}
    for cell in row.cells:
        unit = money_unit_of(cell)
        if unit and spec.labels.get(label_key(cell)) == "amount":
            st.money_unit = unit
    return True


def _total(st: _State, row: Row) -> bool:
    """A total row: checked against the amounts of the projects since the last one."""
    if not any(label_key(c) in st.spec.total_labels for c in row.cells if c.strip()):
        return False
    col = next((i for i, f in st.fields.items() if f == "amount"), None)
    raw = row.cells[col].strip() if col is not None and col < len(row.cells) else ""
    total = parse_amount(raw) if raw else None
    amounts = [parse_amount(p.values.get("amount", "")) for p in st.block]
    if total is not None and None not in amounts:
        got = sum((a for a in amounts if a is not None), Decimal(0))
        if got != total:
            st.warn(
                Code.TOTAL_DIFFERS, f"合计 {total} ≠ the {len(st.block)} projects above it ({got})", row.file, row.line
            )
    st.block = []
    return True


def _data_row(st: _State, row: Row) -> None:
    cells = list(row.cells)
    get = lambda i: cells[i].strip() if i < len(cells) else ""  # noqa: E731
    name_col = next(i for i, f in st.fields.items() if f == "name")
    cur = st.projects[-1] if st.projects else None
    name = get(name_col)
    if name and (cur is None or clean_cell(name) != clean_cell(cur.values.get("name", ""))):
        cur = _Project(row.file, row.line)
        st.projects.append(cur)
        st.block.append(cur)
    if cur is None:
        st.warn(Code.UNPARSED_LINE, f"row before any project name; kept raw: {row.raw[:60]!r}", row.file, row.line)
        return
    cur.end = row.line
    cur.raw.append(row.raw)
    for i, f in st.fields.items():
        value = get(i)
        if not value:
            continue
        if f not in cur.values:
            cur.values[f], cur.lines[f] = value, row.line
        elif not name and f not in ("amount", "name"):
            # a text merged over the project's rows that a PDF drew over several of them (or cut at a page)
            cur.values[f] = join_wrapped(f"{cur.values[f]}\n{value}")
        elif clean_cell(value) != clean_cell(cur.values[f]):
            st.warn(Code.LONG_TABLE_CONFLICT, f"{st.spec.label_of(f)} {value[:30]!r} differs from the project's "
                    f"first row ({cur.values[f][:30]!r}); the first is kept", row.file, row.line)  # fmt: skip
    if st.spec.combined_value:
        ind = read_combined_row(cells, row.file, row.line, st.columns)
    else:
        ind, more = read_indicator_row(cells, row.file, row.line, st.columns, row.score is not None)
        st.diags.extend(more)
    if ind is not None:
        cur.indicators.append(merged_levels(ind, cur.indicators))


def _project(p: _Project, st: _State, path: str, known: frozenset[str]) -> Project:
    v = {f: clean_cell(x) for f, x in p.values.items()}
    raw = p.values.get("amount", "")
    amount = parse_amount(raw)
    problem = amount_problem(amount) if raw else None
    if problem is not None:
        st.warn(Code.BAD_AMOUNT, f"{v.get('name')}: 预算数 {raw[:40]!r} {problem}; left empty", p.file, p.start)
        amount = None
    if "amount" in p.values and not raw.strip():
        said = f"{v.get('name')}: 预算数 is empty: no amount, and totals leave it out"
        st.warn(Code.NO_AMOUNT, said, p.file, p.start)
    citations: list[Citation] = []
    for role, label in CITING.items():
        if v.get(role):
            citations.extend(extract_citations(v[role], label, p.file, p.lines[role], known))
    unit = v.get("unit_name") or v.get("department", "")
    return identified(Project(  # the id from its fields (graph.ids)
        id="", name=v["name"], year=st.year, unit_code="", unit_name=unit,
        department=v.get("department", "") or unit, execution_weight=None,
        amount=amount * MONEY_SCALE[st.money_unit] if amount is not None else None, retained=None, to_towns=None,
        overview=v.get("overview", ""), basis=tuple(split_basis(v.get("basis", ""))), goals=v.get("goals", ""),
        indicators=tuple(p.indicators), citations=tuple(citations), unparsed=(), source=path,
        span=Span(p.file, p.start, p.end, "\n".join(p.raw)), title=st.spec.title or st.title, layout=st.spec.name,
    ))  # fmt: skip


def read_long_table(
    rows: Sequence[Row], path: str, encoding: str, diagnostics: Iterable[Diagnostic], known: frozenset[str],
    spec: LayoutSpec,
) -> ParsedDocument:  # fmt: skip
    """Read rows in a long-table layout; every project name starts a project."""
    st = _State(spec, list(diagnostics), money_unit=spec.money_unit)
    preamble: list[str] = []
    for row in rows:
        filled = [c for c in row.cells if c.strip()]
        if not filled:
            continue
        money = MONEY_LINE.match("".join(filled).strip())
        if money:
            st.money_unit = money.group("unit")
        elif len(filled) == 1 and spec.heading.search(filled[0]):
            st.title = clean_cell(filled[0])
            ym = HEADING_YEAR.search(filled[0])
            st.year = int(ym.group(1)) if ym else st.year
        elif _header(st, row) or (st.fields and _total(st, row)):
            continue
        elif st.fields:
            _data_row(st, row)
        else:
            preamble.append(row.raw)
    if not st.projects:
        raise NoTablesError(
            path, f"no {spec.description} rows found (a header row with 项目名称 and the indicator columns)"
        )
    if st.money_unit != "万元":
        st.warn(Code.MONEY_UNIT, f"amounts in {st.money_unit}, converted to 万元", path, st.projects[0].start)
    if st.year is None:
        st.warn(Code.NO_YEAR, "no heading with the year (…年…绩效目标表); the ids have '-' for the year", path, 1)
    known = known | known_codes_from(r.raw for r in rows)
    projects = tuple(_project(p, st, path, known) for p in st.projects)
    st.diags.extend(spec.not_carried_warning(path))
    return ParsedDocument(path, encoding, projects, (), tuple(st.diags), "\n".join(preamble))
