"""Record types read from 预算绩效目标表 documents.

Every record is a frozen dataclass and keeps its provenance (:class:`Span`): the file,
the line numbers and the raw text it was read from.  Documents compare and hash by their
normalised identity (issuer code, year, serial — or normalised title), not by raw text, so
``渝府办发〔2019〕57号`` and ``渝府办发[2019]57 号`` meet as one document.

>>> a = DocumentNumber(issuer_code="渝府办发", year=2019, serial="57")
>>> a.canonical
'渝府办发〔2019〕57号'
>>> DocumentNumber(issuer_code="国务院令", year=None, serial="413", kind="decree").canonical
'国务院令第413号'
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal

__all__ = [
    "LEVELS",
    "Citation",
    "Diagnostic",
    "DocumentIdentity",
    "DocumentNumber",
    "Indicator",
    "Issuer",
    "ParsedDocument",
    "Project",
    "Region",
    "Span",
    "TocEntry",
    "as_decimal",
    "as_float",
    "place_of",
]


def place_of(file: str, line: int | None = None) -> str:
    """Where something is, as every message writes it: ``file:line``, or the file alone.

    >>> place_of("a.txt", 12), place_of("a.xlsx", None)
    ('a.txt:12', 'a.xlsx')
    """
    return f"{file}:{line}" if line is not None else file


def as_float(x: Decimal | None) -> float | None:
    """An amount (万元, kept exact as a Decimal in records) as a float for tables and the graph.

    >>> as_float(Decimal("12.30")), as_float(None)
    (12.3, None)
    """
    return float(x) if x is not None else None


def as_decimal(x: str | None) -> Decimal | None:
    """An amount back from its text in ``records.jsonl`` (exact: no float on the way).

    >>> as_decimal("0.10"), as_decimal(None)
    (Decimal('0.10'), None)
    """
    return Decimal(x) if x is not None else None


Level = Literal[
    "国家", "省", "市", "区", "未知"
]  # 省: a province; 市: a municipality (重庆市) or a city; 区: county-level
LEVELS = ("国家", "省", "市", "区")  # the levels an issuer table may give, from the top down
Operator = Literal["≥", "≤", "=", ">", "<", "定性"]


@dataclass(frozen=True)
class Span:
    """Where something was read: file, 1-based inclusive line range, and the raw text."""

    file: str
    line: int
    end_line: int
    raw: str = field(default="", compare=False, repr=False)

    def __str__(self) -> str:
        if self.end_line != self.line:
            return f"{place_of(self.file, self.line)}-{self.end_line}"
        return place_of(self.file, self.line)


@dataclass(frozen=True)
class Diagnostic:
    """A warning or error about the input, always tied to a file and line.

    >>> print(Diagnostic("warning", "shifted-cells", "recovered", "a.txt", 12))
    a.txt:12: warning [shifted-cells] recovered
    """

    severity: Literal["warning", "error"]
    code: str
    message: str
    file: str
    line: int | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "code", str(self.code))  # a graph.codes.Code is kept as its text

    def __str__(self) -> str:
        return f"{place_of(self.file, self.line)}: {self.severity} [{self.code}] {self.message}"


@dataclass(frozen=True)
class Indicator:
    """One weighted performance indicator row (绩效指标)."""

    level1: str  # 一级指标: 产出/效益/满意度/成本指标
    level2: str  # 二级指标
    name: str  # 三级指标, cleaned
    measure_unit: str  # 计量单位
    operator: Operator | None  # 指标性质, normalised; None when unreadable
    target_text: str  # 指标值 as written (cleaned)
    target: float | None  # 指标值 as a number where it is one
    weight: float | None  # 权重（%）
    core: bool | None  # 是否核心指标; None when the cell is missing
    recovered: bool  # True when shifted cells were re-aligned by content
    span: Span


@dataclass(frozen=True)
class DocumentNumber:
    """A normalised document number (发文字号) or decree number (令).

    Identity is (issuer_code, year, serial, kind); ``raw`` is kept for provenance only.
    """

    issuer_code: str
    year: int | None
    serial: str
    kind: Literal["number", "decree"] = "number"
    raw: str = field(default="", compare=False)

    @property
    def canonical(self) -> str:
        if self.kind == "decree":
            return f"{self.issuer_code}第{self.serial}号"
        return f"{self.issuer_code}〔{self.year}〕{self.serial}号"


@dataclass(frozen=True)
class Citation:
    """One mention of a document in a project's text.

    ``key`` is the document's identity: the canonical number when there is one, else the
    normalised title in 《》.
    """

    key: str
    number: DocumentNumber | None
    title: str | None  # the 《title》 as written (cleaned), when one stands with it
    field: str  # 立项依据 / 项目概述 / 当年绩效目标
    span: Span


@dataclass(frozen=True)
class Issuer:
    """The authority behind an issuer code, with how it was resolved.

    ``method``: ``curated`` (the package's table), ``learned`` (from a title beside the number
    in the corpus), ``curated-prefix`` (a curated code is its prefix), ``title`` (a document
    cited without number whose title names its author; ``code`` is empty) or ``guess``.
    """

    code: str
    name: str
    level: Level
    method: Literal["curated", "learned", "curated-prefix", "title", "guess"]
    evidence: str = ""


@dataclass(frozen=True)
class TocEntry:
    """One line of the table of contents (目录)."""

    number: int
    name: str  # project name as the contents give it
    department_short: str  # e.g. 区纪委
    page: int | None
    span: Span


@dataclass(frozen=True)
class Project:
    """One project table: the header fields, its texts, and its indicator rows."""

    id: str
    name: str
    year: int | None
    unit_code: str
    unit_name: str
    department: str
    execution_weight: float | None  # 预算执行率权重
    amount: Decimal | None  # 当年预算金额 (万元)
    retained: Decimal | None  # 部门留用
    to_towns: Decimal | None  # 补助街镇
    overview: str
    basis: tuple[str, ...]  # 立项依据, one item per document cited
    goals: str
    indicators: tuple[Indicator, ...]
    citations: tuple[Citation, ...]
    unparsed: tuple[Span, ...]  # lines inside the table that could not be read, kept raw
    source: str  # the file it came from
    span: Span
    title: str = ""  # the table's heading line
    layout: str = "chongqing"  # the layout description it was read by (graph/read/data/layouts)
    region: str = ""  # the document's region, province first (重庆市北碚区); "" where nobody said
    batch: str = ""  # the document's batch (区级重点专项, 项目支出)
    long_term: tuple[Indicator, ...] = ()  # 长期绩效指标, kept apart from the year's indicators
    attributes: tuple[tuple[str, str], ...] = ()  # what the layout has beyond these fields (项目属性, 长期目标)


@dataclass(frozen=True)
class Region:
    """Where a document is from: province, city (empty for 重庆市 and the other province-level
    cities) and district or county (empty for a city's or province's own document).

    >>> Region('重庆市', '', '北碚区').name, Region('四川省', '成都市', '').name
    ('重庆市北碚区', '四川省成都市')
    """

    province: str
    city: str = ""
    district: str = ""

    @property
    def name(self) -> str:
        return f"{self.province}{self.city}{self.district}"


@dataclass(frozen=True)
class DocumentIdentity:
    """Which document this is: region, year and batch, and where each was read (``evidence``)."""

    region: Region | None
    year: int | None
    batch: str
    evidence: tuple[str, ...] = ()
    overridden: tuple[str, ...] = ()  # the parts the user gave (--region, --year), not the document


@dataclass(frozen=True)
class ParsedDocument:
    """Everything read from one file."""

    path: str
    encoding: str
    projects: Sequence[Project]  # a tuple as read; read from disk, one at a time, once spilled (graph.spill)
    toc: tuple[TocEntry, ...]
    diagnostics: tuple[Diagnostic, ...]
    preamble: str = ""  # text before the contents / first table, kept as read
    identity: DocumentIdentity | None = None  # region, year and batch (graph.read.identity)
    source: str = ""  # the file as opened (absolute; its own name where ``path`` shows it decoded)
