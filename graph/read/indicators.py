"""Read one indicator row (绩效指标) into an :class:`Indicator`, re-aligning shifted cells.

PDF extraction sometimes drops an empty cell or adds one, pushing 定性/值/权重 one column to
the right.  Columns are first read by position (using the header row when there is one);
when the cells there do not hold what the column should (an operator in 指标性质, a number
in 权重, 是/否 in 是否核心指标), they are recovered by content: the operator is found,
and the cells after it are the value, the weight and the core flag.

>>> ind, diags = read_indicator_row(['', '产出指标', '数量指标', '立案数', '件', '≥', '70', '30', '是'], 'f', 9)
>>> (ind.name, ind.operator, ind.target, ind.weight, ind.core, ind.recovered)
('立案数', '≥', 70.0, 30.0, True, False)
>>> ind, diags = read_indicator_row(['', '效益指标', '社会效益指标', '粮食稳定', '', '', '定性', '好', '20'], 'f', 9)
>>> (ind.operator, ind.target_text, ind.weight, ind.core, ind.recovered, diags[0].code)
('定性', '好', 20.0, None, True, 'shifted-cells')
"""

from __future__ import annotations

import functools
import re
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import replace
from importlib import resources

from graph.codes import Code
from graph.models import Diagnostic, Indicator, Span
from graph.read.clean import clean_cell, normalise_operator, parse_number, weight_problem

__all__ = [
    "DEFAULT_COLUMNS",
    "count_units",
    "header_columns",
    "header_roles",
    "is_header_word",
    "merged_levels",
    "read_combined_row",
    "read_indicator_row",
    "split_target",
]

ROLES = ("level1", "level2", "name", "unit", "operator", "value", "weight", "core")
DEFAULT_COLUMNS: dict[str, int] = {role: i + 1 for i, role in enumerate(ROLES)}
_HEADER_WORDS = {
    "一级指标": "level1",
    "二级指标": "level2",
    "三级指标": "name",
    "计量单位": "unit",
    "指标性质": "operator",
    "指标值": "value",
    "权重": "weight",
    "是否核心指标": "core",
}
_TARGET = re.compile(r"^\s*(?P<op>[≥≤＞＜><=＝]|大于等于|小于等于|不低于|不高于|不少于|不超过)?\s*"
                     r"(?P<num>[+-]?\d+(?:\.\d+)?)\s*(?P<unit>.*?)\s*$")  # fmt: skip
_CORE = {"是": True, "否": False, "Y": True, "N": False}


def _header_key(cell: str) -> str:
    return cell.replace(" ", "").strip().split("（")[0].split("(")[0]


Words = Mapping[str, str]  # header word → column (a layout's ``columns``); the sample's by default


def is_header_word(cell: str, words: Words | None = None) -> bool:
    """Whether a cell is one of the 绩效指标 header's column names (权重（%） included)."""
    return _header_key(cell) in (words or _HEADER_WORDS)


def header_roles(cells: Sequence[str], words: Words | None = None) -> list[str]:
    """The roles a header row names, in its order."""
    w = words or _HEADER_WORDS
    return [w[_header_key(c)] for c in cells if _header_key(c) in w]


def header_columns(
    cells: Sequence[str], words: Words | None = None, defaults: Mapping[str, int] | None = None
) -> dict[str, int]:
    """Column index of each role from the 绩效指标 header row; defaults where a name is missing.

    >>> header = '绩效指标 一级指标 二级指标 三级指标 计量单位 指标性质 权重（%） 指标值 是否核心指标'.split()
    >>> header_columns(header)['weight'], header_columns(header)['value']
    (6, 7)
    """
    w = words or _HEADER_WORDS
    cols: dict[str, int] = dict(defaults) if defaults is not None else dict(DEFAULT_COLUMNS)
    for i, cell in enumerate(cells):
        key = _header_key(cell)
        if key in w:
            cols[w[key]] = i
    return cols


def merged_levels(ind: Indicator, above: Sequence[Indicator]) -> Indicator:
    """An empty 一级指标 (or 二级指标 under the same 一级) is the cell merged down from the row above.

    >>> first, _ = read_indicator_row(['', '产出指标', '数量指标', '甲', '次', '≥', '1', '10', '是'], 'f', 1)
    >>> second, _ = read_indicator_row(['', '', '', '乙', '次', '≥', '2', '10', '是'], 'f', 2)
    >>> merged = merged_levels(second, [first]); (merged.level1, merged.level2)
    ('产出指标', '数量指标')
    """
    if not above or (ind.level1 and ind.level2):
        return ind
    prev = above[-1]
    level1 = ind.level1 or prev.level1
    level2 = ind.level2 or (prev.level2 if level1 == prev.level1 else "")
    return replace(ind, level1=level1, level2=level2)


def split_target(cell: str) -> tuple[str, str, str]:
    """One 指标值 cell as (operator, value, unit): ``≥95%`` → (≥, 95, %); ``定性：好`` → (定性, 好, '').

    >>> split_target('≥95%'), split_target('≤500万元'), split_target('定性：好'), split_target('100')
    (('≥', '95', '%'), ('≤', '500', '万元'), ('定性', '好', ''), ('=', '100', ''))
    """
    text = clean_cell(cell)
    if text.startswith("定性"):
        return "定性", text[2:].lstrip("：: "), ""
    m = _TARGET.match(text)
    if not m:
        return "定性", text, ""
    op = normalise_operator(m.group("op") or "=") or "="
    return op, m.group("num"), m.group("unit")


def read_combined_row(cells: Sequence[str], file: str, line: int, cols: Mapping[str, int]) -> Indicator | None:
    """A row whose 指标值 cell holds operator, number and unit (``≥8批次``); None for a row with neither
    a name nor a value (a placeholder row left empty)."""
    get = lambda role: cells[cols[role]].strip() if role in cols and cols[role] < len(cells) else ""  # noqa: E731
    name, value = clean_cell(get("name")), get("value")
    if not name and not value:
        return None
    op, target_text, unit = split_target(value)
    weight_cell = get("weight")
    return Indicator(
        level1=clean_cell(get("level1")), level2=clean_cell(get("level2")), name=name, measure_unit=unit,
        operator=op, target_text=target_text, target=parse_number(target_text),  # type: ignore[arg-type]
        weight=parse_number(weight_cell) if weight_cell else None, core=None, recovered=False,
        span=Span(file, line, line, "\t".join(cells)),
    )  # fmt: skip


def _cell(cells: list[str], i: int) -> str:
    return cells[i].strip() if 0 <= i < len(cells) else ""


def _positional_ok(op: str, weight: str, core: str) -> bool:
    return (
        normalise_operator(op) is not None
        and (weight == "" or parse_number(weight) is not None)
        and core in ("", *_CORE)
    )


def _stray_cells(cells: list[str], cols: dict[str, int], name: str, file: str, line: int) -> list[Diagnostic]:
    """Cells under no column of the header: the header and the row disagree; said, not guessed."""
    stray = [c.strip() for i, c in enumerate(cells) if i and c.strip() and i not in cols.values()]
    if not stray:
        return []
    message = f"indicator {name!r}: cells under no header column {stray}; not read (header and row disagree?)"
    return [Diagnostic("warning", Code.STRAY_CELLS, message, file, line)]


def read_indicator_row(
    cells: list[str], file: str, line: int, columns: dict[str, int] | None = None, by_ocr: bool = False
) -> tuple[Indicator | None, list[Diagnostic]]:
    """Read one row (``by_ocr``: read from a page image, see :func:`ocr_answers`); returns
    ``(None, [error])`` when no operator can be found at all."""
    cols = columns or DEFAULT_COLUMNS
    raw = "\t".join(cells)
    span = Span(file, line, line, raw)
    cells, diags = ocr_answers(cells, cols, file, line) if by_ocr else (cells, [])
    level1, level2, name = (clean_cell(_cell(cells, cols[r])) for r in ("level1", "level2", "name"))
    op_cell, weight_cell, core_cell = (_cell(cells, cols[r]) for r in ("operator", "weight", "core"))
    recovered = False
    missing = ""
    if _positional_ok(op_cell, weight_cell, core_cell):
        unit = clean_cell(_cell(cells, cols["unit"]))
        value = _cell(cells, cols["value"])
        diags.extend(_stray_cells(cells, cols, name, file, line))
    else:
        rest = [c.strip() for c in cells[cols["name"] + 1 :]]
        j = next((i for i, c in enumerate(rest) if normalise_operator(c) is not None), None)
        if j is None:
            return None, [
                Diagnostic(
                    "warning",
                    Code.UNREADABLE_INDICATOR,
                    f"indicator row {name or raw!r} has no 指标性质 (≥ ≤ = 定性) in any cell; kept raw, not counted",
                    file,
                    line,
                )
            ]
        op_cell = rest[j]
        unit = clean_cell(" ".join(c for c in rest[:j] if c))
        value, weight_cell, core_cell = (_cell(rest, j + k) for k in (1, 2, 3))
        # The operator where the header puts it: the cells are bad, not shifted.
        recovered = cols["name"] + 1 + j != cols["operator"]
        missing = "; 是否核心指标 missing" if core_cell == "" else ""
    if recovered:
        diags.append(
            Diagnostic(
                "warning",
                Code.SHIFTED_CELLS,
                f"indicator {name!r}: cells shifted, recovered by content as 指标性质={normalise_operator(op_cell)} "
                f"指标值={value or '∅'} 权重={weight_cell or '∅'}{missing}",
                file,
                line,
            )
        )
    weight, core, target_text, target, said = _values(name, unit, value, weight_cell, core_cell, file, line)
    diags.extend(said)
    return (
        Indicator(
            level1=level1,
            level2=level2,
            name=name,
            measure_unit=unit,
            operator=normalise_operator(op_cell),  # type: ignore[arg-type]
            target_text=target_text,
            target=target,
            weight=weight,
            core=core,
            recovered=recovered,
            span=span,
        ),
        diags,
    )


def _values(
    name: str, unit: str, value: str, weight_cell: str, core_cell: str, file: str, line: int
) -> tuple[float | None, bool | None, str, float | None, list[Diagnostic]]:
    """Weight, core flag, target text and number of an indicator row, each checked: a weight outside
    0–100, an answer other than 是/否, a negative count are said and (the weight) left empty."""
    diags = []
    weight = parse_number(weight_cell) if weight_cell else None
    problem = weight_problem(weight)
    if weight_cell and problem is not None:
        message = f"indicator {name!r}: 权重 {weight_cell!r} {problem}"
        diags.append(Diagnostic("warning", Code.BAD_WEIGHT, message, file, line))
        weight = None
    core = _CORE.get(core_cell)
    if core_cell and core is None:
        message = f"indicator {name!r}: 是否核心指标 {core_cell!r} is not 是/否"
        diags.append(Diagnostic("warning", Code.BAD_CORE, message, file, line))
    target_text = clean_cell(value)
    target = parse_number(target_text) if target_text else None
    if target is not None and target < 0 and unit in count_units():
        message = f"indicator {name!r}: target {target_text!r} {unit} is negative, and a count cannot be; check the row"
        diags.append(Diagnostic("warning", Code.BAD_TARGET, message, file, line))
    return weight, core, target_text, target, diags


@functools.cache
def count_units() -> frozenset[str]:
    """graph/read/data/units.toml: the 计量单位 that count (a target in them cannot be negative)."""
    text = resources.files("graph.read").joinpath("data/units.toml").read_text(encoding="utf-8")
    return frozenset(tomllib.loads(text)["counts"])


@functools.cache
def ocr_lookalikes() -> dict:
    """graph/read/data/ocr_lookalikes.toml: what PP-OCR reads in place of 是/否 (``core``) and of
    characters in running text (``characters``)."""
    text = resources.files("graph.read").joinpath("data/ocr_lookalikes.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)


@functools.cache
def _lookalikes() -> dict[str, str]:
    """Each character OCR reads in place of 是 or 否, and the answer."""
    return {c: answer for answer, chars in ocr_lookalikes()["core"].items() for c in chars}


def ocr_answers(
    cells: list[str], columns: dict[str, int] | None, file: str, line: int
) -> tuple[list[str], list[Diagnostic]]:
    """An OCR row's 是否核心指标 cell that holds a lookalike of 是 or 否 (香 for 否), taken as the answer.

    >>> ocr_answers(['', '产出指标', '数量指标', '户数', '户', '≥', '80', '20', '香'], None, 'a.pdf#p2', 9)[0][-1]
    '否'
    """
    at = (columns or DEFAULT_COLUMNS)["core"]
    got = _cell(cells, at)
    answer = _lookalikes().get(got)
    if answer is None:
        return cells, []
    message = (
        f"是否核心指标 read as {got!r} (OCR), taken as {answer!r}, the answer it resembles; check it against the page"
    )
    return [*cells[:at], answer, *cells[at + 1 :]], [Diagnostic("warning", Code.OCR_ANSWER, message, file, line)]
