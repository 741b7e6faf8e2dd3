"""The national 项目支出绩效目标表 (申报表) layout: 项目名称, 主管部门, 实施单位, 项目资金（万元）with
年度资金总额 / 其中：财政拨款 / 其他资金, 年度绩效目标 (and 长期目标), and 绩效指标 as
一级指标 | 二级指标 | 三级指标 | 指标值, one 指标值 cell holding operator, number and unit.

Its records are the same :class:`~graph.models.Project`; what the layout does not carry (项目概述,
立项依据, 预算执行率权重, 部门留用, 补助街镇, 权重) is left empty and said once per document.

>>> split_target('≥95%'), split_target('≤500万元'), split_target('定性：好'), split_target('100')
(('≥', '95', '%'), ('≤', '500', '万元'), ('定性', '好', ''), ('=', '100', ''))
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from graph.errors import NoTablesError
from graph.ids import project_id
from graph.models import Diagnostic, Indicator, ParsedDocument, Project, Span
from graph.read.citations import extract_citations, known_codes_from
from graph.read.clean import clean_cell, normalise_operator, parse_amount, parse_number
from graph.read.rows import Row
from graph.text import squash

__all__ = ["LABELS", "NOT_CARRIED", "read_national", "split_target"]

LABELS = {
    "项目名称": "name",
    "主管部门": "department",
    "实施单位": "unit_name",
    "年度资金总额": "amount",
    "其中：财政拨款": "fiscal",
    "其中:财政拨款": "fiscal",
    "财政拨款": "fiscal",
    "其他资金": "other",
    "年度绩效目标": "goals",
    "长期目标": "long_term",
}
NOT_CARRIED = ("项目概述", "立项依据", "预算执行率权重", "部门留用", "补助街镇", "指标权重")
_HEADER = {"一级指标": "level1", "二级指标": "level2", "三级指标": "name", "指标值": "value"}
_TARGET = re.compile(r"^\s*(?P<op>[≥≤＞＜><=＝]|大于等于|小于等于|不低于|不高于|不少于|不超过)?\s*"
                     r"(?P<num>[+-]?\d+(?:\.\d+)?)\s*(?P<unit>.*?)\s*$")  # fmt: skip
_YEAR = re.compile(r"(\d{4})\s*年")


def split_target(cell: str) -> tuple[str, str, str]:
    """One 指标值 cell as (operator, value, unit): ``≥95%`` → (≥, 95, %); ``定性：好`` → (定性, 好, '')."""
    text = clean_cell(cell)
    if text.startswith("定性"):
        return "定性", text[2:].lstrip("：: "), ""
    m = _TARGET.match(text)
    if not m:
        return "定性", text, ""
    op = normalise_operator(m.group("op") or "=") or "="
    return op, m.group("num"), m.group("unit")


@dataclass
class _Sheet:
    file: str
    start: int
    end: int = 0
    year: int | None = None
    fields: dict[str, str] = field(default_factory=dict)
    lines: dict[str, int] = field(default_factory=dict)
    columns: dict[str, int] = field(default_factory=dict)
    indicators: list[Indicator] = field(default_factory=list)
    raw: list[str] = field(default_factory=list)


def _field_row(t: _Sheet, row: Row) -> bool:
    """Label and value cells; a label may stand in the second cell (``| 其中：财政拨款 | 80``)."""
    cells = [c.strip() for c in row.cells]
    taken = False
    for i, cell in enumerate(cells):
        role = LABELS.get(squash(cell))
        if role is None:
            continue
        value = next((c for c in cells[i + 1 :] if c and squash(c) not in LABELS), "")
        t.fields.setdefault(role, value)
        t.lines.setdefault(role, row.line)
        taken = True
    return taken


def _indicator_row(t: _Sheet, row: Row, carry: dict[str, str]) -> Indicator | None:
    get = lambda role: row.cells[t.columns[role]].strip() if t.columns[role] < len(row.cells) else ""  # noqa: E731
    for level in ("level1", "level2"):
        carry[level] = get(level) or carry.get(level, "")  # merged cells: the level above holds
    name, value = clean_cell(get("name")), get("value")
    if not name and not value:
        return None
    op, target_text, unit = split_target(value)
    return Indicator(
        level1=carry["level1"], level2=carry["level2"], name=name, measure_unit=unit, operator=op,  # type: ignore[arg-type]
        target_text=target_text, target=parse_number(target_text), weight=None, core=None, recovered=False,
        span=Span(row.file, row.line, row.line, row.raw),
    )  # fmt: skip


def _sheets(rows: Sequence[Row]) -> list[_Sheet]:
    sheets: list[_Sheet] = []
    carry: dict[str, str] = {}
    for row in rows:
        first = squash(next((c for c in row.cells if c.strip()), ""))
        if not first:
            continue
        if "绩效目标表" in first and len([c for c in row.cells if c.strip()]) == 1:
            sheets.append(_Sheet(row.file, row.line))
            ym = _YEAR.search(first)
            sheets[-1].year = int(ym.group(1)) if ym else None
        elif first == "项目名称" and (not sheets or "name" in sheets[-1].fields):
            sheets.append(_Sheet(row.file, row.line))  # a table without its heading
        if not sheets:
            continue
        t = sheets[-1]
        t.end = row.line
        t.raw.append(row.raw)
        header = {_HEADER[squash(c)]: i for i, c in enumerate(row.cells) if squash(c) in _HEADER}
        if len(header) >= 3:
            t.columns, carry = {**{"level1": 1, "level2": 2, "name": 3, "value": 4}, **header}, {}
        elif t.columns:
            ind = _indicator_row(t, row, carry)
            if ind is not None:
                t.indicators.append(ind)
        else:
            _field_row(t, row)
    return sheets


def _project(t: _Sheet, path: str, known: frozenset[str]) -> Project:
    name = clean_cell(t.fields.get("name", "")) or f"(unnamed table at {t.file}:{t.start})"
    goals = clean_cell(t.fields.get("goals", ""))
    overview = clean_cell(t.fields.get("long_term", ""))  # 长期目标, this layout's longer view
    citations = extract_citations(goals, "年度绩效目标", t.file, t.lines.get("goals", t.start), known) if goals else []
    unit = clean_cell(t.fields.get("unit_name", ""))
    return Project(
        id=project_id("", t.year, unit, name), name=name, year=t.year, unit_code="", unit_name=unit,
        department=clean_cell(t.fields.get("department", "")) or unit, execution_weight=None,
        amount=parse_amount(t.fields.get("amount", "")), retained=None, to_towns=None, overview=overview, basis=(),
        goals=goals, indicators=tuple(t.indicators), citations=tuple(citations), unparsed=(), source=path,
        span=Span(t.file, t.start, t.end, "\n".join(t.raw)), title="项目支出绩效目标表", layout="national",
    )  # fmt: skip


def read_national(
    rows: Sequence[Row], path: str, encoding: str, diagnostics: Iterable[Diagnostic], known: frozenset[str]
) -> ParsedDocument:
    """Read rows in the national layout; every table becomes a project."""
    diags = list(diagnostics)
    known = known | known_codes_from(r.raw for r in rows)
    sheets = [t for t in _sheets(rows) if t.fields]
    if not sheets:
        raise NoTablesError(path, "no 项目支出绩效目标表 table (项目名称 …) found")
    diags.append(
        Diagnostic(
            "warning", "layout-fields",
            f"national 项目支出绩效目标表 layout: it has no {', '.join(NOT_CARRIED)}; those are left empty "
            "(长期目标, where given, is kept as 项目概述)", path,
        )
    )  # fmt: skip
    projects = []
    for t in sheets:
        p = _project(t, path, known)
        if p.amount is None:
            diags.append(Diagnostic("warning", "bad-amount", f"{p.name}: no 年度资金总额", t.file, t.start))
        if not t.indicators:
            diags.append(Diagnostic("warning", "no-indicators", f"{p.name}: no indicator rows", t.file, t.start))
        projects.append(p)
    return ParsedDocument(path, encoding, tuple(projects), (), tuple(diags), "")
