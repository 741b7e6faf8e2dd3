"""Test documents in the layouts other governments publish, made from the sample's projects: (a) the
部门预算公开 sheet 部门项目支出绩效目标表, (b) 项目绩效目标申报表, (c) 市直部门预算项目支出绩效目标表,
(d) 项目支出绩效目标审批表 and (e) a 部门整体支出绩效目标表 (a department's targets, no projects).

Synthetic: the values are the sample's; the layouts are as those documents lay them out.  Each maker
returns the blocks (paragraphs and grids with merges) that :mod:`tests.variants` writes with
python-docx, openpyxl or LibreOffice; :func:`expected` is what a reader must find in every format.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from graph.models import Indicator, Project
from graph.text import text_key
from tests.documents import _target
from tests.variants import Block, Grid, convert, docx_from_blocks, xlsx_from_blocks

LAYOUTS = ("department_budget", "declaration", "municipal", "approval", "department_overall")
FORMATS = ("docx", "xlsx", "pdf")
LONG_TERM = 2  # indicators a 申报表 also lists among its 长期绩效指标


def _t(p: Project, ind: Indicator) -> str:
    return _target(p, list(p.indicators).index(ind))


def department_budget(projects: Sequence[Project]) -> list[Block]:
    """(a) one row per indicator; 单位名称, 项目名称, 预算数 (元) and 年度目标 merged over the project's rows;
    a 合计 row after each department."""
    rows: list[tuple[str, ...]] = [
        ("单位名称", "项目名称", "预算数（元）", "年度目标", "一级指标", "二级指标", "三级指标", "指标值")
    ]
    merges = []
    by_department: dict[str, list[Project]] = {}
    for p in projects:
        by_department.setdefault(p.department, []).append(p)
    for department, group in by_department.items():
        for p in group:
            top = len(rows)
            for k, ind in enumerate(p.indicators):
                head = (department, p.name, f"{p.amount * 10000:.2f}", p.goals) if k == 0 else ("", "", "", "")
                rows.append((*head, ind.level1, ind.level2, ind.name, _t(p, ind)))
            if len(p.indicators) > 1:
                merges += [(top, c, len(rows) - 1, c) for c in range(4)]
        total = sum((p.amount for p in group if p.amount is not None), Decimal(0))
        rows.append(("合计", "", f"{total * 10000:.2f}", "", "", "", "", ""))
    year = projects[0].year
    return [f"{year}年部门项目支出绩效目标表", "金额单位：元", Grid(rows, merges)]


def declaration(projects: Sequence[Project]) -> list[Block]:
    """(b) 申报表: 项目属性, 资金总额及构成 in one cell, 长期目标 / 年度目标, 长期 and 年度 indicator tables."""
    out: list[Block] = []
    for p in projects:
        head = [
            ("项目名称", p.name, "", ""),
            ("主管部门", p.department, "实施单位", p.unit_name),
            ("项目属性", "延续", "项目期", "1年"),
            (
                "资金总额及构成",
                f"年度资金总额：{p.amount:.2f}万元；其中：财政拨款{p.amount:.2f}万元，其他资金0万元",
                "",
                "",
            ),
            ("项目立项的依据", "\n".join(p.basis), "", ""),
            ("长期目标", p.goals, "", ""),
            ("年度目标", p.goals, "", ""),
        ]
        rows = [(*r, "") for r in head]
        rows.append(("长期绩效指标", "一级指标", "二级指标", "三级指标", "指标值"))
        rows += [("", i.level1, i.level2, i.name, _t(p, i)) for i in p.indicators[:LONG_TERM]]
        rows.append(("年度绩效指标", "一级指标", "二级指标", "三级指标", "指标值"))
        rows += [("", i.level1, i.level2, i.name, _t(p, i)) for i in p.indicators]
        merges = [(r, 1, r, 4) for r in (0, 3, 4, 5, 6)]
        out += [f"（{p.year}年度）项目绩效目标申报表", Grid(rows, merges), "\f"]
    return out[:-1]


def municipal(projects: Sequence[Project]) -> list[Block]:
    """(c) 市直部门: 单位名称 in a line, 项目类别/项目性质, a 项目预算成本构成 table whose 合计 is the amount,
    indicators 一级指标 | 二级指标 | 绩效标准 | 当年预期实现值."""
    out: list[Block] = []
    for p in projects:
        amount = p.amount or Decimal(0)
        staff = (amount * Decimal("0.6")).quantize(Decimal("0.01"))
        rows = [
            ("项目名称", p.name, "项目类别", "一般性项目", "项目性质", "经常性项目"),
            ("项目概述", p.overview, "", "", "", ""),
            ("立项依据", "\n".join(p.basis), "", "", "", ""),
            ("项目预算成本构成", "成本项目", "金额（万元）", "", "", ""),
            ("", "人员经费", f"{staff:.2f}", "", "", ""),
            ("", "公用经费", f"{amount - staff:.2f}", "", "", ""),
            ("", "合计", f"{amount:.2f}", "", "", ""),
            ("年度绩效目标", p.goals, "", "", "", ""),
            ("绩效指标", "一级指标", "二级指标", "绩效标准", "当年预期实现值", ""),
        ]
        rows += [("", i.level1, i.name, "按计划完成", _t(p, i), "") for i in p.indicators]
        merges = [(r, 1, r, 5) for r in (1, 2, 7)] + [(r, 2, r, 5) for r in (3, 4, 5, 6)]
        merges += [(r, 4, r, 5) for r in range(8, len(rows))]
        merges.append((3, 0, 6, 0))
        out += [f"{p.year}年市直部门预算项目支出绩效目标表", f"单位名称：{p.department}", Grid(rows, merges), "\f"]
    return out[:-1]


def approval(projects: Sequence[Project]) -> list[Block]:
    """(d) 审批表: 业务主管部门 and 实施单位, 项目总预算 / 当年年度预算 / 其中：财政资金, 项目审批 with the 文号,
    indicators with 分值 and 指标解释 (no 绩效指标 label column), empty placeholder rows."""
    out: list[Block] = []
    for p in projects:
        a = f"{p.amount:.2f}"
        rows = [
            ("项目名称", p.name, "", "", "", ""),
            ("业务主管部门", p.department, "", "实施单位", p.unit_name, ""),
            ("项目总预算", a, "当年年度预算", a, "其中：财政资金", a),
            ("项目审批", "\n".join(p.basis), "", "", "", ""),
            ("项目概述", p.overview, "", "", "", ""),
            ("年度绩效目标", p.goals, "", "", "", ""),
            ("一级指标", "二级指标", "三级指标", "指标值", "分值", "指标解释"),
        ]
        rows += [(i.level1, i.level2, i.name, _t(p, i), f"{i.weight:g}", f"反映{i.name}情况") for i in p.indicators]
        rows += [("满意度指标", "服务对象满意度指标", "", "", "", "")]  # a placeholder row, left empty
        merges = [(r, 1, r, 5) for r in (0, 3, 4, 5)] + [(1, 1, 1, 2), (1, 4, 1, 5)]
        out += [f"{p.year}年度项目支出绩效目标审批表", Grid(rows, merges), "\f"]
    return out[:-1]


def department_overall(projects: Sequence[Project]) -> list[Block]:
    """(e) 部门整体支出绩效目标表: the department of the first project, its tasks, its targets."""
    p = projects[0]
    mine = [q for q in projects if q.department == p.department]
    total = sum((q.amount for q in mine if q.amount is not None), Decimal(0))
    rows = [
        ("部门名称", p.department, "", ""),
        ("年度预算申请", "资金总额", f"{total:.2f}", ""),
        ("年度主要任务", "任务名称", "主要内容", ""),
        *[("", q.name, q.overview[:60], "") for q in mine],
        ("整体绩效目标", p.goals, "", ""),
        ("绩效指标", "一级指标", "二级指标", "三级指标"),
        *[("", i.level1, i.level2, i.name) for i in p.indicators],
    ]
    return [f"{p.year}年部门整体支出绩效目标表", Grid(rows, [(len(mine) + 3, 1, len(mine) + 3, 3)])]


MAKERS: dict[str, Callable[[Sequence[Project]], list[Block]]] = {
    "department_budget": department_budget, "declaration": declaration, "municipal": municipal,
    "approval": approval, "department_overall": department_overall,
}  # fmt: skip


def write(layout: str, projects: Sequence[Project], folder: Path) -> dict[str, Path]:
    """The layout in Word, Excel and PDF (LibreOffice, from the Word file)."""
    blocks = MAKERS[layout](projects)
    folder.mkdir(parents=True, exist_ok=True)
    docx = docx_from_blocks(blocks, folder / f"{layout}.docx")
    xlsx = xlsx_from_blocks(blocks, folder / f"{layout}.xlsx", one_sheet=layout == "department_budget")
    return {"docx": docx, "xlsx": xlsx, "pdf": folder / f"{layout}.pdf"}


def write_all(projects: Sequence[Project], folder: Path) -> dict[tuple[str, str], Path]:
    """Every layout in every format; LibreOffice runs once for all the PDFs."""
    out = {}
    for layout in LAYOUTS:
        for kind, path in write(layout, projects, folder).items():
            out[(layout, kind)] = path
    convert([out[(lay, "docx")] for lay in LAYOUTS], "pdf", folder)
    return out


@dataclass(frozen=True)
class Expected:
    name: str
    department: str
    amount: Decimal | None
    year: int | None
    indicators: tuple[tuple[str, str, str, str | None, str, str], ...]
    long_term: int
    citations: frozenset[str]
    goals: str


def _ind(i: Indicator, level2: bool = True) -> tuple[str, str, str, str | None, str, str]:
    return (i.level1, i.level2 if level2 else "", i.name, i.operator, i.target_text, i.measure_unit)


CITED = {  # the fields each layout carries that cite documents
    "department_budget": ("当年绩效目标",),
    "declaration": ("立项依据", "当年绩效目标"),
    "municipal": ("项目概述", "立项依据", "当年绩效目标"),
    "approval": ("项目概述", "立项依据", "当年绩效目标"),
}


def _view(p: Project, layout: str, long_term: int, cited: Sequence[str] | None) -> Expected:
    return Expected(
        name=p.name,
        department=p.department,
        amount=p.amount,
        year=p.year,
        indicators=tuple(_ind(i, layout != "municipal") for i in p.indicators),
        long_term=long_term,
        citations=frozenset(c.key for c in p.citations if cited is None or c.field in cited),
        goals=text_key(p.goals),
    )


def expected(layout: str, p: Project) -> Expected:
    """What every format of ``layout`` must read for the sample's project ``p``."""
    return _view(p, layout, LONG_TERM if layout == "declaration" else 0, CITED[layout])


def found(p: Project, layout: str) -> Expected:
    """The same view of a project read back."""
    return _view(p, layout, len(p.long_term), None)
