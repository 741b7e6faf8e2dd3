"""One vocabulary of column names for every table an analyst sees: DataFrames, CSV, JSON, the CLI.

Each name means one thing everywhere: ``project_id`` and ``project`` (its name) in every table
that speaks of a project, ``unit_name`` is always the 编制单位 and ``measure_unit`` always the
计量单位, ``issuer_level`` always the government level (国家/市/区) and ``level1``/``level2``
the indicator levels; provenance is always ``file`` and ``line``.  Pairs add ``_a``/``_b``.

:data:`COLUMNS` gives each name its Chinese header and a description; :func:`chinese`
renames a frame's columns for readers who want 项目名称 rather than ``project``.

>>> COLUMNS['project'][0], COLUMNS['measure_unit'][0]
('项目名称', '计量单位')
>>> column_of('department_a')
'department'
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    import pandas as pd

__all__ = [
    "COLUMNS",
    "DECISIONS",
    "DECISION_WORDS",
    "LEAST_SEVERITY",
    "PAIR_SUFFIXES",
    "SEVERITIES",
    "chinese",
    "chinese_header",
    "column_of",
    "is_known",
]

COLUMNS: dict[str, tuple[str, str]] = {
    # projects
    "project_id": ("项目编号", "stable id: project:<region>:<year>:<编制单位 code>:<name>"),
    "project": ("项目名称", "一级项目名称 / 项目名称"),
    "region": ("地区", "the document's region, province first (重庆市北碚区)"),
    "year": ("年度", "budget year of the table"),
    "batch": ("批次", "the document's batch (区级重点专项, 项目支出)"),
    "regions": ("地区", "the regions whose projects cite it"),
    "years": ("年度", "the years whose projects cite it"),
    "unit_code": ("编制单位代码", "code of the 编制单位"),
    "unit_name": ("编制单位", "the unit that prepared the table"),
    "department": ("业务主管部门", "the department that manages the project"),
    "amount": ("当年预算金额（万元）", "this year's budget, 万元"),
    "retained": ("部门留用（万元）", "part kept by the department, 万元"),
    "to_towns": ("补助街镇（万元）", "part passed to towns and streets, 万元"),
    "execution_weight": ("预算执行率权重", "weight of the budget execution rate"),
    "overview": ("项目概述", "project overview"),
    "basis": ("立项依据", "legal bases, one per line"),
    "goals": ("当年绩效目标", "this year's goals"),
    "title": ("表名", "the table's heading line"),
    "n_indicators": ("指标数", "indicator rows"),
    "n_citations": ("引用数", "document citations"),
    "n_unparsed": ("未识别行数", "lines inside the table kept raw"),
    # indicators
    "level1": ("一级指标", "产出/效益/满意度/成本指标"),
    "level2": ("二级指标", "second indicator level"),
    "indicator": ("三级指标", "indicator name as written"),
    "indicator_id": ("指标节点", "graph node of the normalised indicator name"),
    "measure_unit": ("计量单位", "unit of the target value"),
    "operator": ("指标性质", "≥ ≤ = > < or 定性"),
    "target": ("指标值", "target as a number, where it is one"),
    "target_text": ("指标值（原文）", "target as written"),
    "weight": ("权重（%）", "indicator weight"),
    "core": ("是否核心指标", "core indicator"),
    "recovered": ("已修复", "cells re-aligned by content"),
    # documents, citations, issuers
    "document_id": ("文件节点", "graph node: doc:<canonical number> or doc:《title》"),
    "number": ("发文字号", "canonical document number"),
    "document_title": ("文件名称", "《title》 of the document"),
    "document_year": ("发文年份", "year in the document number"),
    "field": ("所在栏目", "立项依据 / 项目概述 / 当年绩效目标"),
    "issuer_code": ("机关代字", "issuer code of the number (渝府办发)"),
    "issuer_id": ("发文机关节点", "graph node of the issuer"),
    "issuer": ("发文机关", "issuing authority"),
    "issuer_level": ("层级", "国家 / 市 / 区 / 未知"),
    "issuer_method": ("机关识别方式", "curated / learned / curated-prefix / title / guess"),
    "codes": ("代字", "issuer codes, ; separated"),
    "methods": ("识别方式", "how the issuer was resolved, ; separated"),
    "fields": ("所在栏目", "fields citing the document"),
    "n_projects": ("项目数", "projects"),
    "n_documents": ("文件数", "documents"),
    "n_mentions": ("引用次数", "mentions in texts"),
    "departments": ("部门数", "distinct departments"),
    "projects": ("项目", "project names, ; separated"),
    # contents (目录)
    "entry": ("目录序号", "number of the contents entry"),
    "department_short": ("部门简称", "department as the contents name it"),
    "page": ("页码", "page number"),
    # search hits
    "rank": ("名次", "rank in the result list"),
    "score": ("得分", "fused score, relative within one query (1 = best)"),
    "dense": ("语义分", "cosine-based dense score"),
    "lexical": ("词项分", "BM25 score"),
    "snippet": ("摘录", "best-matching sentence"),
    "matched_terms": ("命中词", "query terms found"),
    "shared": ("共同项", "documents and indicators two projects share"),
    "same_unit": ("同一编制单位", "both tables prepared by one unit"),
    # duplicates
    "cluster": ("簇", "review cluster of strongly linked pairs"),
    "label": ("类型", "duplicate / overlap / template (duplicates); common words (communities)"),
    "same_department": ("同一部门", "both projects managed by one department"),
    "shared_sentences": ("相同句子", "sentences found in both"),
    "shared_documents": ("共同文件", "documents both cite"),
    "shared_indicators": ("共同指标", "indicators both use"),
    # lint and diagnostics
    "rule": ("规则", "lint rule id"),
    "severity": ("级别", "error / warning / info"),
    "code": ("问题代码", "diagnostic code of the reader"),
    "message": ("说明", "what is wrong and where"),
    "values": ("取值", "values involved (JSON)"),
    "description": ("规则说明", "what the rule checks"),
    "findings": ("发现数", "findings"),
    # lineage across years
    "status": ("延续情况", "same / renamed / dropped / new"),
    "from_year": ("上年", "the earlier year"),
    "to_year": ("本年", "the later year"),
    "from_id": ("上年项目编号", "project id in the earlier year"),
    "to_id": ("本年项目编号", "project id in the later year"),
    "from_name": ("上年项目名称", "project name in the earlier year"),
    "to_name": ("本年项目名称", "project name in the later year"),
    "amount_from": ("上年金额（万元）", "amount in the earlier year"),
    "amount_to": ("本年金额（万元）", "amount in the later year"),
    "amount_delta": ("金额变化（万元）", "later minus earlier"),
    "similarity": ("相似度", "how alike a renamed pair is (0..1)"),
    "indicators_added": ("新增指标", "indicators new this year"),
    "indicators_dropped": ("删除指标", "indicators gone this year"),
    "targets_changed": ("目标值变化的指标", "indicators whose target changed"),
    "goals_copied": ("目标照抄上年", "当年绩效目标 word for word as last year's"),
    # review decisions
    "review_key": ("复核编号", "stable key of a finding or pair, for review decisions"),
    "key": ("简号", "the short review key (L-… a finding, P-… a pair) to type: search.py review L-…"),
    "decision": ("复核结论", "confirmed / dismissed / explained / open"),
    "note": ("复核说明", "the reviewer's note"),
    "who": ("复核人", "who decided"),
    "at": ("复核时间", "when (UTC)"),
    "item": ("复核对象", "the review key decided on"),
    # graph
    "node": ("节点", "graph node id"),
    "type": ("节点类型", "project / document / issuer / department / unit / indicator"),
    "distance": ("距离", "links from the start"),
    "community": ("社区", "community number"),
    "size": ("规模", "members"),
    # provenance
    "file": ("文件", "source file"),
    "line": ("行", "line in the source file (first line of a range)"),
    "end_line": ("末行", "last line of the range"),
    "raw": ("原文", "the text as read"),
    "encoding": ("编码", "text encoding of the source"),
}
PAIR_SUFFIXES = ("_a", "_b")
Severity = Literal["error", "warning", "info"]
SEVERITIES: tuple[Severity, ...] = ("error", "warning", "info")  # values of `severity`, worst first
LEAST_SEVERITY = SEVERITIES[-1]  # lint shows every finding unless told a floor
DECISIONS = ("confirmed", "dismissed", "explained", "open")  # what a reviewer may decide on a finding or pair
# The same decisions as a reviewer may type them in a workbook (search.py review --import)
DECISION_WORDS = {"确认": "confirmed", "属实": "confirmed", "排除": "dismissed", "不属实": "dismissed",
                  "已说明": "explained", "说明": "explained", "待定": "open", "待复核": "open"}  # fmt: skip
_PREFIXES = ("part_", "cos_")  # per-signal columns of duplicates: part_semantic, cos_goals


def column_of(name: str) -> str:
    """The vocabulary entry a column name stands for (``department_a`` → ``department``)."""
    for suffix in PAIR_SUFFIXES:
        if name.endswith(suffix) and name[: -len(suffix)] in COLUMNS:
            return name[: -len(suffix)]
    return name


def is_known(name: str) -> bool:
    """Whether a column name belongs to the vocabulary."""
    return column_of(name) in COLUMNS or name.startswith(_PREFIXES)


# The duplicates table's signal columns: part_<signal> (its share of the score), cos_<field> (a cosine)
SIGNALS = {"semantic": "语义", "sentences": "句子", "documents": "依据文件", "indicators": "指标",
           "all": "全文", "overview": "项目概述", "goals": "绩效目标"}  # fmt: skip
SIGNAL_PREFIXES = {"part_": "分项得分·", "cos_": "余弦相似度·"}


def chinese_header(name: str) -> str:
    """A column's Chinese header: 项目名称, 项目名称（甲）, 分项得分·语义 …; an unknown name as it is.

    >>> chinese_header("department_a"), chinese_header("part_semantic"), chinese_header("cos_goals")
    ('业务主管部门（甲）', '分项得分·语义', '余弦相似度·绩效目标')
    """
    for prefix, zh in SIGNAL_PREFIXES.items():
        if name.startswith(prefix) and name.removeprefix(prefix) in SIGNALS:
            return zh + SIGNALS[name.removeprefix(prefix)]
    base = column_of(name)
    if base in COLUMNS:
        return COLUMNS[base][0] + ("（甲）" if name.endswith("_a") else "（乙）" if name.endswith("_b") else "")
    return name


def chinese(df: pd.DataFrame) -> pd.DataFrame:
    """The same frame with Chinese headers (项目名称, 业务主管部门 …) from :data:`COLUMNS`."""

    def header(name: str) -> str:
        return chinese_header(name)

    return df.rename(columns=header)
