"""Layouts as data: a layout is a description (a TOML file), read by one of two generic readers.

A description names the labels of each field and their synonyms, the words of the indicator header
per column, the sections to keep apart (长期 vs 年度 indicators) or to read as a cost table, the money
unit, the heading that opens a table, what the layout does not carry, and the labels that mark it.
The package's own descriptions are in ``graph/read/data/layouts``; an analyst adds one by writing a
file in the same form and passing its folder (``build_index.py --layouts FOLDER``).

>>> spec = builtin_layouts()["chongqing"]
>>> spec.shape, spec.role_of('当年预算金额'), spec.role_of('年度预算金额'), spec.column_of('权重（%）')
('form', 'amount', 'amount', 'weight')
>>> sorted(builtin_layouts())
['approval', 'chongqing', 'declaration', 'department_budget', 'department_overall', 'municipal', 'national']
"""

from __future__ import annotations

import functools
import re
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any

from graph.codes import Code
from graph.errors import InputError
from graph.models import Diagnostic
from graph.text import squash

__all__ = [
    "COLUMNS",
    "FIELDS",
    "HEADING_YEAR",
    "LAYOUT_DIR",
    "MONEY_LINE",
    "MONEY_SCALE",
    "SHAPES",
    "LayoutSpec",
    "builtin_layouts",
    "label_key",
    "load_layout",
    "load_layouts",
]

LAYOUT_DIR = Path(__file__).parent / "data" / "layouts"
SHAPES = ("form", "long_table", "department")  # department: a 部门整体 table, refused as no projects
# Fields a description may name, and what a Project makes of them (the rest it keeps as attributes).
FIELDS = (
    "name", "department", "unit_name", "execution_weight", "amount", "retained", "to_towns", "overview",
    "basis", "goals", "indicators",
)  # fmt: skip
COLUMNS = ("level1", "level2", "name", "unit", "operator", "value", "weight", "core")
CITING = {"overview": "项目概述", "basis": "立项依据", "goals": "当年绩效目标"}  # the citing fields' one name
MONEY_SCALE = {"万元": Decimal(1), "千元": Decimal("0.1"), "元": Decimal("0.0001")}
MONEY_LINE = re.compile(r"^(?:金额)?单位\s*[:：]\s*(?P<unit>万元|千元|元)\s*$")  # 单位：万元, 金额单位：元
HEADING_YEAR = re.compile(r"((?:19|20)\d\d)\s*年")  # the year in a table's heading
_UNIT_SUFFIX = re.compile(r"[（(](?P<unit>万元|千元|元|%|％)[）)]$")


def label_key(cell: str) -> str:
    """A cell as a label: no spaces, no closing colon, no unit in brackets (``预算数（元）`` → 预算数).

    >>> label_key(' 项目 名称： '), label_key('预算数（元）'), label_key('权重(%)')
    ('项目名称', '预算数', '权重')
    """
    key = squash(cell).rstrip("：:")
    return _UNIT_SUFFIX.sub("", key)


def money_unit_of(cell: str) -> str | None:
    """The money unit a label names in brackets (``预算数（元）`` → 元), or None."""
    m = _UNIT_SUFFIX.search(squash(cell).rstrip("：:"))
    return m.group("unit") if m and m.group("unit") in MONEY_SCALE else None


@dataclass(frozen=True)
class Section:
    """A labelled part of a table: indicators kept apart (``long_term``), or a cost table whose total
    row is a field (``cost``: its ``total`` row gives ``field``)."""

    label: str
    kind: str  # indicators, long_term, cost
    total: str = ""
    field: str = ""


@dataclass(frozen=True)
class LayoutSpec:
    """One layout, as its description says it (see the module's docstring)."""

    name: str
    shape: str
    description: str
    source: str  # the file it was read from
    title: str  # the records' title ("" = the table's heading)
    heading: re.Pattern[str]  # a line alone that opens a table
    markers: frozenset[str]  # labels that mark the layout
    labels: dict[str, str]  # label key → field
    attributes: dict[str, str]  # label key → attribute kept as it is (项目属性, 其中：财政资金)
    groups: frozenset[str]  # labels over other labels, carrying no value (项目资金)
    line_labels: dict[str, str]  # ``label：value`` lines outside the grid (单位名称：…)
    columns: dict[str, str]  # header word key → column
    ignored_columns: frozenset[str]  # header words of columns not read (指标解释)
    combined_value: bool  # 指标值 holds operator, number and unit in one cell (≥95%)
    sections: dict[str, Section]
    required: tuple[str, ...]
    expected: tuple[str, ...]  # always there in this layout: said when absent
    not_carried: tuple[str, ...]  # what the layout never has, said once per document
    money_unit: str
    weights_total: float | None  # indicator weights (plus 预算执行率权重 where carried) make this
    department_fallback: str  # the field standing in for a missing department, with a warning
    unit_line: bool = False  # a 编制单位 line stands before each table (said when missing)
    total_labels: frozenset[str] = field(default_factory=frozenset)  # a long table's total rows (合计)

    def role_of(self, cell: str) -> str | None:
        return self.labels.get(label_key(cell))

    def column_of(self, cell: str) -> str | None:
        return self.columns.get(label_key(cell))

    def knows(self, cell: str) -> bool:
        """Whether the cell is one of this layout's words (a label, header word, section, marker)."""
        k = label_key(cell)
        return (
            k in self.labels or k in self.attributes or k in self.groups or k in self.columns or k in self.sections
            or k in self.ignored_columns or k in self.markers or k in self.line_labels or k in self.total_labels
        )  # fmt: skip

    def label_of(self, role: str) -> str:
        """The first label the description gives a field (for messages)."""
        if role in CITING:
            return CITING[role]
        found = [k for k, v in [*self.labels.items(), *self.line_labels.items()] if v == role]
        found += [s.label for s in self.sections.values() if (s.field or "amount") == role and s.kind == "cost"]
        found += [s.label for s in self.sections.values() if s.kind == "indicators" and role == "indicators"]
        return found[0] if found else {"indicators": "绩效指标"}.get(role, role)

    def not_carried_warning(self, path: str) -> list[Diagnostic]:
        """What this layout never has, said once per document (``layout-fields``); none if it has all."""
        if not self.not_carried:
            return []
        message = (
            f"{self.name} {self.description} layout: it has no {', '.join(self.not_carried)}; those are left empty"
        )
        return [Diagnostic("warning", Code.LAYOUT_FIELDS, message, path)]

    @property
    def vocabulary(self) -> frozenset[str]:
        return frozenset(
            [*self.labels, *self.attributes, *self.groups, *self.columns, *self.sections, *self.ignored_columns,
             *self.markers, *self.line_labels, *self.total_labels]
        )  # fmt: skip


def _words(d: dict[str, Any], key: str, where: str) -> dict[str, str]:
    """``{target: [label, …]}`` from a description, as ``{label key: target}``."""
    table = d.get(key, {})
    if not isinstance(table, dict):
        raise InputError(where, f"[{key}] must be a table of name = [labels]")
    out: dict[str, str] = {}
    for target, labels in table.items():
        if not isinstance(labels, list) or not all(isinstance(x, str) for x in labels):
            raise InputError(where, f"[{key}] {target} must be a list of labels (strings)")
        for label in labels:
            out[label_key(label)] = target
    return out


def _check(names: Iterable[str], allowed: Iterable[str], what: str, where: str) -> None:
    bad = sorted(set(names) - set(allowed))
    if bad:
        raise InputError(where, f"unknown {what} {bad}; known: {', '.join(allowed)}")


def _sections(d: dict[str, Any], where: str) -> dict[str, Section]:
    out = {}
    for label, s in d.get("sections", {}).items():
        if not isinstance(s, dict) or s.get("kind") not in ("indicators", "long_term", "cost"):
            raise InputError(where, f"[sections.{label}] needs kind = indicators, long_term or cost")
        out[label_key(label)] = Section(label, s["kind"], s.get("total", ""), s.get("field", ""))
    return out


def load_layout(path: str | Path) -> LayoutSpec:
    """One description file; :class:`~graph.errors.InputError` naming the file and key for a bad one."""
    where = str(path)
    try:
        d = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(where, f"cannot read the layout description: {exc}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise InputError(where, f"not a valid TOML layout description: {exc}") from exc
    for key in ("name", "shape"):
        if not isinstance(d.get(key), str) or not d[key]:
            raise InputError(where, f'the description needs {key} = "…"')
    if d["shape"] not in SHAPES:
        raise InputError(where, f"shape {d['shape']!r} is none of {', '.join(SHAPES)}")
    labels = _words(d, "labels", where)
    columns = _words(d, "columns", where)
    _check(labels.values(), FIELDS, "fields in [labels]", where)
    _check(columns.values(), COLUMNS, "columns in [columns]", where)
    required = tuple(d.get("required", ()))
    _check(required, FIELDS, "required fields", where)
    money = d.get("money_unit", "万元")
    if money not in MONEY_SCALE:
        raise InputError(where, f"money_unit {money!r} is none of {', '.join(MONEY_SCALE)}")
    try:
        heading = re.compile(d.get("heading", "绩效目标表"))
    except re.error as exc:
        raise InputError(where, f"heading is not a regular expression: {exc}") from exc
    return LayoutSpec(
        name=d["name"], shape=d["shape"], description=d.get("description", ""), source=where,
        title=d.get("title", ""), heading=heading, markers=frozenset(label_key(m) for m in d.get("markers", ())),
        labels=labels, attributes=_words(d, "attributes", where),
        groups=frozenset(label_key(g) for g in d.get("groups", ())), line_labels=_words(d, "line_labels", where),
        columns=columns, ignored_columns=frozenset(label_key(c) for c in d.get("ignored_columns", ())),
        combined_value=bool(d.get("combined_value", False)), sections=_sections(d, where), required=required,
        expected=tuple(d.get("expected", ())), not_carried=tuple(d.get("not_carried", ())), money_unit=money,
        weights_total=d.get("weights_total"), department_fallback=d.get("department_fallback", ""),
        unit_line=bool(d.get("unit_line", False)),
        total_labels=frozenset(label_key(t) for t in d.get("total_labels", ())),
    )  # fmt: skip


def load_layouts(folders: Iterable[str | Path] = ()) -> dict[str, LayoutSpec]:
    """The package's layouts, then each folder's ``*.toml`` (a later one of the same name replaces it)."""
    out = dict(builtin_layouts())
    for folder in folders:
        files = sorted(Path(folder).glob("*.toml"))
        if not files:
            raise InputError(str(folder), "no *.toml layout descriptions in this folder")
        for f in files:
            spec = load_layout(f)
            out[spec.name] = spec
    return out


@functools.cache
def builtin_layouts() -> dict[str, LayoutSpec]:
    return {s.name: s for s in (load_layout(f) for f in sorted(LAYOUT_DIR.glob("*.toml")))}
