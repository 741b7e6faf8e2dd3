"""Which table layout a document uses, told by the labels in its cells, not by its name.

Each layout is a :class:`Layout`: a name, the labels that mark it, and the reader that turns
rows of cells into records.  A third layout is a new module with a reader and one more entry in
:data:`LAYOUTS`.  :func:`parse_file` is the reader's front door: any format, any layout.

>>> from graph.read.rows import rows_from_text
>>> recognise(rows_from_text('项目名称\\t甲\\n主管部门\\t乙\\t实施单位\\t丙\\n\\t年度资金总额\\t5', 'x')).name
'national'
>>> recognise(rows_from_text('一级项目名称\\t甲\\t\\t业务主管部门\\t乙', 'x')).name
'chongqing'
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from graph.errors import NoTablesError
from graph.models import Diagnostic, ParsedDocument
from graph.read.formats import read_source
from graph.read.identity import NO_OVERRIDE, Override, apply_identity
from graph.read.national import read_national
from graph.read.rows import Row
from graph.read.tables import read_rows
from graph.text import squash

__all__ = ["LAYOUTS", "Layout", "parse_file", "read_document", "recognise"]

Reader = Callable[[Sequence[Row], str, str, Iterable[Diagnostic], frozenset[str]], ParsedDocument]


@dataclass(frozen=True)
class Layout:
    name: str
    labels: frozenset[str]  # labels only this layout uses
    read: Reader


LAYOUTS = (
    Layout(
        "chongqing",  # 区级重点专项绩效目标表 (the bundled sample)
        frozenset({"一级项目名称", "业务主管部门", "预算执行率权重", "部门留用", "补助街镇", "当年预算金额",
                   "当年绩效目标", "项目概述", "立项依据"}),
        read_rows,
    ),
    Layout(
        "national",  # 项目支出绩效目标表 (申报表)
        frozenset({"实施单位", "年度资金总额", "其中：财政拨款", "其中:财政拨款", "其他资金", "长期目标"}),
        read_national,
    ),
)  # fmt: skip
_SHOWN_LABELS = 12  # labels named in the message for a layout nobody knows


def recognise(rows: Sequence[Row], path: str = "<rows>") -> Layout:
    """The layout whose labels the rows hold most of; :class:`NoTablesError` naming the labels seen
    when none matches."""
    cells = Counter(squash(c) for r in rows for c in r.cells if c.strip() and len(c.strip()) <= 12)
    scores = [(sum(1 for label in layout.labels if label in cells), i) for i, layout in enumerate(LAYOUTS)]
    best, i = max(scores)
    if best == 0:
        if any("绩效目标表" in r.raw or squash(r.raw) in ("目录", "目次") for r in rows):
            return LAYOUTS[0]  # headings or contents of the sample's layout: its reader says what is missing
        seen = [c for c, _ in cells.most_common(_SHOWN_LABELS)]
        raise NoTablesError(
            path,
            f"no 绩效目标表 table found: no table of a known layout ({', '.join(lay.name for lay in LAYOUTS)}); "
            f"the most frequent short cells are {seen}; is this a 预算绩效目标表 document?",
        )
    return LAYOUTS[i]


def read_document(
    rows: Sequence[Row],
    path: str,
    encoding: str = "utf-8",
    diagnostics: Iterable[Diagnostic] = (),
    known_codes: frozenset[str] = frozenset(),
    override: Override = NO_OVERRIDE,
) -> ParsedDocument:
    """Rows of cells, from any format, read by the layout they are in (each reader adds the
    issuer codes it finds in the rows to ``known_codes``), with the region and year the document
    says (or ``override`` gives)."""
    doc = recognise(rows, path).read(rows, path, encoding, diagnostics, known_codes)
    return apply_identity(doc, override)


def parse_file(
    path: str | Path, known_codes: frozenset[str] = frozenset(), override: Override = NO_OVERRIDE
) -> ParsedDocument:
    """Read one file of any supported format and layout.

    >>> doc = parse_file('data/beibei_2024_key_projects.txt')
    >>> len(doc.projects), len(doc.toc), doc.identity.region.name, doc.identity.year, doc.identity.batch
    (94, 94, '重庆市北碚区', 2024, '区级重点专项')
    >>> doc.projects[0].id
    'project:重庆市北碚区:2024:102:人大监督专项经费（重点）'
    """
    rows, encoding, diags = read_source(path)
    return read_document(rows, str(path), encoding, diags, known_codes, override)
