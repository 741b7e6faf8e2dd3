"""Every diagnostic code and every lint rule id, named once.

:class:`Code` is what the reader and the build say about their input (a :class:`graph.models.Diagnostic`'s
``code``, the ``[code]`` of a warning line and the ``code`` column of ``diagnostics.csv``);
:class:`Rule` is what ``search.py lint`` reports (a :class:`analysis.lint.Finding`'s ``rule``).  Both are
``str`` enumerations, so a code compares equal to its text and is written as its text; records keep the
plain text (``Diagnostic`` and ``Finding`` take the value).  No module spells a code as a bare string
(``tests/test_architecture.py`` checks): a code is added here, with its reason, and used by name.

A check has one owner.  The reader's structural checks (weights that do not make 100, an amount split
that does not add up) are diagnostics; lint files them under the rule of the same meaning
(:data:`READER_RULES`) and does not check them again.

>>> Code.WEIGHTS_SUM == "weights-sum", f"[{Code.BAD_AMOUNT}]", str(Rule.MISSING_AMOUNT)
(True, '[bad-amount]', 'missing-amount')
>>> READER_RULES[Code.NO_AMOUNT]
<Rule.MISSING_AMOUNT: 'missing-amount'>
>>> sorted(str(c) for c in Code if c.describe().startswith('OCR'))[:2]
['ocr-answer', 'ocr-doubt']
"""

from __future__ import annotations

from enum import StrEnum

__all__ = ["READER_RULES", "Code", "Rule"]


class _Described(StrEnum):
    """A code with the sentence that says what it means (the message catalogue's key and gloss)."""

    def __new__(cls, value: str, description: str = "") -> _Described:
        member = str.__new__(cls, value)
        member._value_ = value
        member._description = description  # type: ignore[attr-defined]
        return member

    def describe(self) -> str:
        """The one-line meaning of this code."""
        return str(self._description)  # type: ignore[attr-defined]


class Code(_Described):
    """What the reader and the build say about a document (a warning names the file and the place)."""

    # files and folders
    NOT_READ = "not-read", "a file in the folder was not read (not a format we read, a pipe, unreadable)"
    FILE_NAME = "file-name", "a file name that is not UTF-8 (GBK from a Windows zip): shown decoded"
    NOT_UTF8 = "not-utf8", "not UTF-8; read as GB18030"
    DUPLICATE_SOURCE = "duplicate-source", "a second copy of a document already read: read once, counted once"
    VECTOR_CACHE = "vector-cache", "the vector cache cannot be used; vectors are computed again"
    STAGING_LEFT = "staging-left", "staging folders left by a killed build were removed"
    ID_CHANGED = "id-changed", "a project's id differs from the previous build's"
    # cells and rows
    CONTROL_CHARS = "control-chars", "control characters removed from cells"
    CELL_TOO_LONG = "cell-too-long", "a cell longer than Excel's limit was cut"
    FORMULA_NO_VALUE = "formula-no-value", "an Excel formula with no saved value: the cell reads empty"
    LAYOUT_WRAP = "layout-wrap", "a PDF cell's text wrapped over lines was joined"
    LAYOUT_FIELDS = "layout-fields", "this layout does not carry some fields (weights, core flags): left empty"
    # tables
    NO_HEADING = "no-heading", "a table starts without heading or 编制单位"
    UNPARSED_LINE = "unparsed-line", "a line inside a table that is not understood: kept raw"
    UNKNOWN_LABEL = "unknown-label", "a cell where a label goes that is none: kept raw"
    SPLIT_CELL = "split-cell", "a value spread over several cells: joined"
    REPEATED_FIELD = "repeated-field", "a field given twice: values joined"
    INDICATOR_HEADER = "indicator-header", "a 绩效指标 header not understood: the usual column order assumed"
    INCOMPLETE_TABLE = "incomplete-table", "a table ends without required fields (cut off?)"
    NO_INDICATORS = "no-indicators", "a 绩效指标 header with no indicator rows"
    MISSING_FIELD = "missing-field", "a field this layout always has is absent"
    NO_YEAR = "no-year", "no heading with the year: the id has '-' for the year"
    NO_UNIT = "no-unit", "no 编制单位 line: the id has '-' for the unit"
    NO_REGION = "no-region", "no region in the cover title or the units' names (give --region)"
    NO_DEPARTMENT = "no-department", "no 业务主管部门: the unit stands in for it"
    IDENTITY_OVERRIDE = "identity-override", "--region or --year differs from what the document says"
    DUPLICATE_ID = "duplicate-id", "a second table with the same id: renamed"
    DUPLICATE_PROJECT = "duplicate-project", "the same project in two documents: counted once"
    SAME_PROJECT_OTHER_ID = "same-project-other-id", "the same table under another id (another unit code)"
    LONG_TABLE_CONFLICT = "long-table-conflict", "a long table's row differs from the project's other rows"
    TOTAL_DIFFERS = "total-differs", "a 合计 row differs from the sum of the rows above it"
    # numbers
    MONEY_UNIT = "money-unit", "amounts in 元 or 亿元, converted to 万元"
    NO_AMOUNT = "no-amount", "当年预算金额 is empty"
    BAD_AMOUNT = "bad-amount", "an amount that is not a number, negative or absurd: left empty"
    BAD_NUMBER = "bad-number", "a weight outside 0–100 or not a number: left empty"
    BUDGET_SPLIT = "budget-split", "部门留用 + 补助街镇 differs from 当年预算金额"
    WEIGHTS_SUM = "weights-sum", "indicator weights plus 预算执行率权重 do not make the layout's total"
    # indicators
    SHIFTED_CELLS = "shifted-cells", "an indicator row's cells shifted: recovered by content"
    UNREADABLE_INDICATOR = "unreadable-indicator", "an indicator row with no 指标性质: kept raw, not counted"
    STRAY_CELLS = "stray-cells", "cells beyond the header's columns"
    BAD_WEIGHT = "bad-weight", "an indicator weight outside 0–100 or not a number"
    BAD_CORE = "bad-core", "是否核心指标 neither 是 nor 否"
    BAD_TARGET = "bad-target", "a target that cannot be (a negative count)"
    # the table of contents
    TOC_NAME_DIFFERS = "toc-name-differs", "a contents entry names its table otherwise"
    TOC_MISSING_TABLE = "toc-missing-table", "a contents entry with no table"
    TOC_MISSING_ENTRY = "toc-missing-entry", "a table with no contents entry"
    TOC_GAP = "toc-gap", "the contents' numbers jump (a table deleted with its entry?)"
    # scans and OCR
    NO_TEXT_LAYER = "no-text-layer", "a PDF without a text layer: read by OCR"
    OCR_EMPTY = "ocr-empty", "OCR found no text on a page"
    OCR_UNREAD = "ocr-unread", "OCR: ink that reads as no text"
    OCR_WORD = "ocr-word", "OCR: a word read with low confidence"
    OCR_DOUBT = "ocr-doubt", "OCR: a cell read with low confidence"
    OCR_ANSWER = "ocr-answer", "OCR: a 是否核心指标 cell read as neither 是 nor 否, taken as the answer it resembles"
    OCR_TOC = "ocr-toc", "OCR: the contents read from a page image list another number of tables"


class Rule(_Described):
    """A lint rule (``search.py lint --rules`` lists them with their severities)."""

    WEIGHTS_SUM = "weights-sum", "indicator weights plus 预算执行率权重 do not sum to 100"
    BUDGET_SPLIT = "budget-split", "部门留用 + 补助街镇 differs from 当年预算金额"
    MISSING_FIELD = "missing-field", "项目概述, 立项依据, 当年绩效目标 or the indicators are empty"
    MISSING_AMOUNT = (
        "missing-amount",
        "当年预算金额 empty, not a number, negative or absurd: totals leave the project out",
    )
    COST_LOWER_BOUND = "cost-lower-bound", "a cost indicator bounded from below (≥, >) where an upper bound is meant"
    UNIT_MISMATCH = (
        "unit-mismatch",
        "a unit that does not fit the indicator (area in 万元/平方米, a count in %, a rate in 个)",
    )
    QUALITATIVE_WITH_NUMBER = "qualitative-with-number", "定性 with a numeric target"
    QUANTITATIVE_WITHOUT_NUMBER = "quantitative-without-number", "≥ ≤ = > < with a target that is not a number"
    PERCENT_OUT_OF_RANGE = "percent-out-of-range", "a % target above 100 or below 0"
    BAD_WEIGHT = "bad-weight", "an indicator weight that is missing, zero or negative"
    UNKNOWN_LEVEL1 = "unknown-level1", "一级指标 other than 产出/效益/满意度/成本指标"
    NO_CORE_INDICATOR = "no-core-indicator", "no indicator marked 是否核心指标 = 是"
    NO_SATISFACTION_INDICATOR = "no-satisfaction-indicator", "no 满意度 indicator"
    NO_OUTPUT_OR_EFFECT = "no-output-or-effect", "no 产出指标 or no 效益指标"
    DUPLICATE_INDICATOR = "duplicate-indicator", "two indicators with the same 三级指标 name"
    COPIED_TEXT = "copied-text", "goals or overview copied verbatim from another project"
    GOALS_EQUAL_OVERVIEW = "goals-equal-overview", "当年绩效目标 identical to 项目概述"
    FOREIGN_BODY_GOALS = (
        "foreign-body-goals",
        "goals speak of another body (供销公司) that the name and overview never mention",
    )
    TOC_MISMATCH = "toc-mismatch", "the table of contents and the tables disagree"
    GOALS_COPIED_BUDGET_CHANGED = (
        "goals-copied-budget-changed",
        "当年绩效目标 copied word for word from last year's table while the budget changed",
    )
    VAGUE_TARGET = "vague-target", "a 定性 target that states no level to check (提升, 有所提升, 明显, 较好)"
    QUALITATIVE_HEAVY = "qualitative-heavy", "most of the indicator weight on 定性 indicators"
    SATISFACTION_ONLY_EFFECT = "satisfaction-only-effect", "the only 效益 indicators are of satisfaction (满意度)"
    MISSING_UNIT = "missing-unit", "a quantitative indicator with no 计量单位"
    CITATION_FORMAT = (
        "citation-format",
        "a document number not in the national format (GB/T 9704: 〔〕, four-digit year, no leading zero, no 第, 号)",
    )
    TITLE_ONLY_CITATION = (
        "title-only-citation",
        "a notice or opinion cited in 立项依据 by title only, without its document number",
    )
    SOURCE_DEFECT = "source-defect", "the reader had to repair or skip something in this table (see message)"


#: The reader's diagnostics that lint files under a rule of their own meaning (the check is the
#: reader's, made once); every other diagnostic inside a table is a ``source-defect``, and those of
#: the contents a ``toc-mismatch``.
READER_RULES: dict[str, Rule] = {
    Code.WEIGHTS_SUM: Rule.WEIGHTS_SUM,
    Code.BUDGET_SPLIT: Rule.BUDGET_SPLIT,
    Code.NO_AMOUNT: Rule.MISSING_AMOUNT,
    Code.BAD_AMOUNT: Rule.MISSING_AMOUNT,
    Code.TOC_NAME_DIFFERS: Rule.TOC_MISMATCH,
    Code.TOC_MISSING_TABLE: Rule.TOC_MISMATCH,
    Code.TOC_MISSING_ENTRY: Rule.TOC_MISMATCH,
    Code.TOC_GAP: Rule.TOC_MISMATCH,
}
