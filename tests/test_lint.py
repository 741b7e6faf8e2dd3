"""Every lint rule with a failing and a passing example, and the findings on the sample."""

from __future__ import annotations

from typing import Any

import pytest

from analysis.lint import RULES, Finding, lint, lint_index, to_frame
from graph.read.tables import parse_text
from graph.store import Index

OK_ROWS = [
    ("产出指标", "数量指标", "培训次数", "次", "≥", "8", "40", "是"),
    ("效益指标", "社会效益指标", "服务质量提升", "", "定性", "良", "30", "否"),
    ("满意度指标", "服务对象满意度指标", "群众满意度", "%", "≥", "90", "20", "否"),
]


def table(**kw: Any) -> str:
    p: dict[str, Any] = {
        "name": "培训项目",
        "code": "201",
        "dept": "重庆市北碚区某某局",
        "amount": "100.00",
        "retained": "100.00",
        "towns": "0",
        "overview": "组织开展业务培训八次，提升服务质量。",
        "basis": "《某某管理办法》（渝府发〔2020〕1号）",
        "goals": "全年完成培训八次以上，群众满意度达到百分之九十。",
        "rows": OK_ROWS,
        **kw,
    }
    rows = "".join("\t" + "\t".join(r) + "\n" for r in p["rows"])
    return (
        "2024 年区级重点专项绩效目标表（一级项目）\n"
        f"编制单位：{p['code']}-{p['dept']}\n"
        f"一级项目名称\t{p['name']}\t\t业务主管部门\t{p['dept']}\n"
        f"预算执行率权重\t10\t\t部门留用\t{p['retained']}\n"
        f"当年预算金额\t{p['amount']}\t\t补助街镇\t{p['towns']}\n"
        f"项目概述\t{p['overview']}\n立项依据\t{p['basis']}\n当年绩效目标\t{p['goals']}\n"
        "绩效指标\t一级指标\t二级指标\t三级指标\t计量单位\t指标性质\t指标值\t权重（%）\t是否核心指标\n" + rows
    )


def row(*cells: str) -> tuple[str, ...]:
    return cells


def swap(index: int, new: tuple[str, ...]) -> list[tuple[str, ...]]:
    rows = list(OK_ROWS)
    rows[index] = new
    return rows


def rules_of(text: str, short_names: tuple[str, ...] = ()) -> set[str]:
    doc = parse_text(text, "t.txt")
    return {f.rule for f in lint(doc.projects, doc.diagnostics, short_names)}


def test_the_base_table_is_clean() -> None:
    assert rules_of(table()) == set()


OTHER = {"name": "另一项目", "dept": "重庆市北碚区供销合作社", "code": "301", "overview": "另一个项目的概述内容不同。"}

CASES: list[tuple[str, str, str]] = [
    (
        "vague-target",
        table(rows=swap(1, row("效益指标", "社会效益指标", "服务质量提升", "", "定性", "有所提升", "30", "否"))),
        table(rows=swap(1, row("效益指标", "社会效益指标", "服务质量提升", "", "定性", "优", "30", "否"))),
    ),
    (
        "vague-target",
        table(rows=swap(1, row("效益指标", "社会效益指标", "服务质量提升", "", "定性", "明显", "30", "否"))),
        table(rows=swap(1, row("效益指标", "社会效益指标", "服务质量提升", "", "定性", "达标", "30", "否"))),
    ),
    (
        "qualitative-heavy",
        table(rows=swap(0, row("产出指标", "数量指标", "培训开展情况", "", "定性", "良", "40", "是"))),
        table(),
    ),
    (
        "satisfaction-only-effect",
        table(rows=swap(1, row("效益指标", "社会效益指标", "学员满意度", "%", "≥", "90", "30", "否"))),
        table(),
    ),
    ("weights-sum", table(rows=swap(0, row("产出指标", "数量指标", "培训次数", "次", "≥", "8", "30", "是"))), table()),
    (
        "budget-split",
        table(amount="100.00", retained="60.00", towns="30.00"),
        table(amount="100.00", retained="60.00", towns="40.00"),
    ),
    ("missing-field", table(goals=""), table()),
    (
        "cost-lower-bound",
        table(rows=swap(0, row("成本指标", "经济成本指标", "活动开展成本", "万元", "≥", "500", "40", "是"))),
        table(rows=swap(0, row("成本指标", "经济成本指标", "活动开展成本", "万元", "≤", "500", "40", "是"))),
    ),
    (
        "unit-mismatch",
        table(rows=swap(0, row("产出指标", "数量指标", "清扫保洁面积", "万元/平方米", "≥", "2.7", "40", "是"))),
        table(rows=swap(0, row("产出指标", "数量指标", "清扫保洁面积", "平方米", "≥", "27000", "40", "是"))),
    ),
    (
        "unit-mismatch",
        table(rows=swap(0, row("产出指标", "数量指标", "无障碍改造户数", "%", "≥", "100", "40", "是"))),
        table(rows=swap(0, row("产出指标", "数量指标", "无障碍改造户数", "户", "≥", "100", "40", "是"))),
    ),
    (
        "unit-mismatch",
        table(rows=swap(0, row("产出指标", "质量指标", "验收合格率", "个", "≥", "95", "40", "是"))),
        table(rows=swap(0, row("产出指标", "质量指标", "验收合格率", "%", "≥", "95", "40", "是"))),
    ),
    (
        "qualitative-with-number",
        table(rows=swap(1, row("效益指标", "社会效益指标", "服务质量提升", "", "定性", "80", "30", "否"))),
        table(),
    ),
    (
        "quantitative-without-number",
        table(rows=swap(0, row("产出指标", "数量指标", "培训次数", "次", "≥", "较多", "40", "是"))),
        table(),
    ),
    (
        "percent-out-of-range",
        table(rows=swap(2, row("满意度指标", "服务对象满意度指标", "群众满意度", "%", "≥", "120", "20", "否"))),
        table(),
    ),
    (
        "bad-weight",
        table(rows=[*OK_ROWS[:2], row("满意度指标", "满意度指标", "群众满意度", "%", "≥", "90", "0", "否")]),
        table(),
    ),
    (
        "unknown-level1",
        table(rows=swap(1, row("影响指标", "社会效益指标", "服务质量提升", "", "定性", "提升", "30", "否"))),
        table(),
    ),
    (
        "no-core-indicator",
        table(rows=swap(0, row("产出指标", "数量指标", "培训次数", "次", "≥", "8", "40", "否"))),
        table(),
    ),
    (
        "no-satisfaction-indicator",
        table(rows=swap(2, row("效益指标", "社会效益指标", "服务覆盖面", "%", "≥", "90", "20", "否"))),
        table(),
    ),
    (
        "no-output-or-effect",
        table(rows=swap(1, row("产出指标", "质量指标", "服务质量提升", "", "定性", "提升", "30", "否"))),
        table(),
    ),
    (
        "duplicate-indicator",
        table(rows=swap(1, row("效益指标", "社会效益指标", "培训次数", "次", "≥", "8", "30", "否"))),
        table(),
    ),
    ("copied-text", table() + table(**OTHER), table() + table(**OTHER, goals="另一个项目自己的目标。")),
    ("missing-amount", table(amount="", retained="0"), table()),
    ("missing-amount", table(amount="-100.00", retained="0"), table()),
    ("goals-equal-overview", table(goals="组织开展业务培训八次，提升服务质量。"), table()),
    (
        "goals-copied-budget-changed",
        table() + table(amount="120.00", retained="120.00").replace("2024 年", "2025 年"),
        table() + table(amount="120.00", retained="120.00", goals="全年完成培训十次。").replace("2024 年", "2025 年"),
    ),
    (
        "foreign-body-goals",
        table(goals="满足供销公司退休人员基本需要，全年完成培训八次。") + table(**OTHER, goals="另一目标。"),
        table(goals="满足本局退休人员基本需要，全年完成培训八次。") + table(**OTHER, goals="另一目标。"),
    ),
    (
        "toc-mismatch",
        "目 录\n1. 培训项目甲绩效目标表（区某局）\t1\n\n" + table(),
        "目 录\n1. 培训项目绩效目标表（区某局）\t1\n\n" + table(),
    ),
    ("missing-unit", table(rows=swap(0, row("产出指标", "数量指标", "培训次数", "", "≥", "8", "40", "是"))), table()),
    ("citation-format", table(basis="《某某管理办法》（渝府发[2020]01号）"), table()),
    ("citation-format", table(basis="《某某管理办法》（碚城劳（72）字第 065 号）"), table()),
    ("title-only-citation", table(basis="《关于做好某项工作的通知》"), table(basis="《中华人民共和国某某法》")),
    (
        "source-defect",
        table(rows=swap(1, row("效益指标", "社会效益指标", "服务质量提升", "", "", "定性", "提升", "30"))),
        table(),
    ),
]


@pytest.mark.parametrize(("rule", "failing", "passing"), CASES, ids=[c[0] for c in CASES])
def test_rule_fails_and_passes(rule: str, failing: str, passing: str) -> None:
    assert rule in rules_of(failing)
    assert rule not in rules_of(passing)


def test_every_rule_is_tested() -> None:
    assert {c[0] for c in CASES} == set(RULES)


def test_findings_carry_values_and_lines() -> None:
    text = table(rows=swap(0, row("成本指标", "经济成本指标", "活动开展成本", "万元", "≥", "500", "40", "是")))
    (f,) = [f for f in lint(parse_text(text, "t.txt").projects) if f.rule == "cost-lower-bound"]
    assert f.where == "t.txt:10" and f.severity == "warning"
    assert dict(f.values) == {"indicator": "活动开展成本", "operator": "≥", "target": "500", "measure_unit": "万元"}


def test_weights_use_recovered_cells() -> None:
    rows = swap(1, row("效益指标", "社会效益指标", "服务质量提升", "", "", "定性", "提升", "30"))
    assert "weights-sum" not in rules_of(table(rows=rows))


# --- on the bundled sample --------------------------------------------------------------


@pytest.fixture(scope="module")
def findings(sample_index: Index) -> list[Finding]:
    return lint_index(sample_index.path)


def by_rule(findings: list[Finding], rule: str) -> set[tuple[str, int]]:
    return {(f.project, f.line) for f in findings if f.rule == rule}


def test_sample_known_findings(findings: list[Finding]) -> None:
    assert by_rule(findings, "weights-sum") == set()  # 粮食工作专项经费 sums to 100 once its cells are re-aligned
    assert by_rule(findings, "cost-lower-bound") >= {("园林绿化管护", 825), ("迎春灯饰（重点）", 872)}
    assert by_rule(findings, "unit-mismatch") == {
        ("公园管护", 764),
        ("公园管护", 769),
        ("其他残疾人事业支出", 1849),
    }
    assert {p for p, _ in by_rule(findings, "copied-text")} == {
        "民政局社会救助专项（重点）",
        "民政局社会福利专项（重点）",
        "歇马街道虎头等 2 个村土地整理项目",
        "澄江民权村土地整理项目",
    }
    assert by_rule(findings, "foreign-body-goals") == {("区工业发展专项资金", 560)}
    assert {p for p, _ in by_rule(findings, "toc-mismatch")} == {"人社社保相关事业发展资金"}
    assert ("市政设施管护", 801) in by_rule(findings, "citation-format")


def test_sample_frame(findings: list[Finding]) -> None:
    df = to_frame(findings)
    assert list(df.columns) == [
        "rule", "severity", "project_id", "project", "message", "values", "file", "line", "review_key",
    ]  # fmt: skip
    assert set(df["severity"]) <= {"error", "warning", "info"} and len(df) == len(findings)


# --- one owner for each check -----------------------------------------------------------


def test_every_rule_has_one_owner() -> None:
    """A rule is reported by one registered check (the reader's diagnostics count as one)."""
    from analysis.lint import CHECKS
    from graph.codes import Rule

    owners: dict[str, list[str]] = {}
    for check, rules in CHECKS.items():
        for r in rules:
            owners.setdefault(r, []).append(check.__name__)
    assert set(owners) == set(Rule) == set(RULES)
    assert {r: o for r, o in owners.items() if len(o) != 1} == {}


def test_a_weight_changed_on_the_sample_is_reported_once() -> None:
    """10 → 15 in one indicator row: one weights-sum finding (the reader's check), no source-defect twin."""
    from pathlib import Path

    text = Path("data/beibei_2024_key_projects.txt").read_text(encoding="utf-8")
    lines = text.split("\n")
    at = next(i for i, ln in enumerate(lines) if ln.startswith("\t") and ln.split("\t")[-2:-1] == ["10"])
    cells = lines[at].split("\t")
    cells[-2] = "15"
    lines[at] = "\t".join(cells)
    doc = parse_text("\n".join(lines), "edited.txt")
    found = [f for f in lint(doc.projects, doc.diagnostics) if "weights-sum" in (f.rule, dict(f.values).get("code"))]
    assert [(f.rule, f.line) for f in found] == [("weights-sum", found[0].line)]
    assert found[0].severity == "error" and "= 105" in found[0].message


def test_a_text_copied_many_times_names_a_few_and_counts_the_rest(sample) -> None:
    from dataclasses import replace

    from analysis.lint import check_copied_text
    from graph.constants import COPIED_OTHERS_NAMED

    base = sample.projects[0]
    copies = [replace(base, id=f"{base.id}:{i}", name=f"{base.name}{i}") for i in range(COPIED_OTHERS_NAMED + 3)]
    found = [f for f in check_copied_text(copies) if dict(f.values)["field"] == "当年绩效目标"]
    assert len(found) == len(copies)  # every copy is found
    for f in found:
        values = dict(f.values)
        assert len(values["others"]) == COPIED_OTHERS_NAMED and values["more"] == 2
        assert f.message.endswith(" and 2 more") and f.project_id not in values["others"]
    few = [f for f in check_copied_text(copies[:3]) if dict(f.values)["field"] == "当年绩效目标"]
    assert all("more" not in dict(f.values) and len(dict(f.values)["others"]) == 2 for f in few)
