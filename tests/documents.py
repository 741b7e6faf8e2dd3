"""Test documents made from the bundled sample with real writers (python-docx, openpyxl), as a
government would publish the same tables in Word or Excel; and a national-template workbook
(项目支出绩效目标表) made from a subset of the sample's projects.  Synthetic only in their layout:
every value comes from the sample.  ``python scripts/make_documents.py`` writes them for a look.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from graph.models import Project

HEADING = re.compile(r"绩效目标表")


def _blocks(text: str) -> list[tuple[str, list[list[str]]]]:
    """Runs of lines: ('p', [[line]]) for a paragraph, ('t', rows) for consecutive tab lines."""
    out: list[tuple[str, list[list[str]]]] = []
    for line in text.split("\n"):
        if "\t" in line:
            if out and out[-1][0] == "t":
                out[-1][1].append(line.split("\t"))
            else:
                out.append(("t", [line.split("\t")]))
        else:
            out.append(("p", [[line]]))
    return out


def write_docx(text: str, path: Path) -> Path:
    """The text's tab-separated lines as Word tables, its other lines as paragraphs."""
    import docx
    from docx.enum.section import WD_ORIENT
    from docx.shared import Cm, Pt

    document = docx.Document()
    section = document.sections[0]  # landscape A4, as the published tables are
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Cm(29.7), Cm(21.0)
    for side in ("left_margin", "right_margin", "top_margin", "bottom_margin"):
        setattr(section, side, Cm(1.5))
    section.footer.paragraphs[0].text = "预算绩效目标表"  # a running footer, as PDFs have
    document.styles["Normal"].font.size = Pt(8)
    for kind, rows in _blocks(text):
        if kind == "p":
            document.add_paragraph(rows[0][0])
            continue
        width = max(len(r) for r in rows)
        table = document.add_table(rows=len(rows), cols=width)
        table.style = "Table Grid"  # ruled, as tables in the published documents are
        for r, cells in enumerate(rows):
            for c, value in enumerate(cells):
                table.cell(r, c).text = value
    document.save(str(path))
    return path


def write_xlsx(text: str, path: Path, per_table: bool = True) -> Path:
    """The text's lines as rows of cells: one sheet per table (and one for what precedes the
    first), or every line stacked on one sheet."""
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "目录" if per_table else "全部"
    n = 0
    for line in text.split("\n"):
        if per_table and HEADING.search(line) and "\t" not in line:
            n += 1
            ws = wb.create_sheet(f"表{n}")
        ws.append(line.split("\t"))
    wb.save(str(path))
    return path


def _target(p: Project, i: int) -> str:
    ind = p.indicators[i]
    if ind.operator == "定性":
        return f"定性：{ind.target_text}"
    op = "＝" if ind.operator == "=" else ind.operator  # a cell starting with = would be an Excel formula
    return f"{op}{ind.target_text}{ind.measure_unit}"


def write_national_xlsx(projects: Sequence[Project], path: Path) -> Path:
    """The national 项目支出绩效目标表 layout, one sheet per project: 项目名称, 主管部门, 实施单位,
    项目资金（万元）with 年度资金总额 / 其中：财政拨款 / 其他资金, 年度绩效目标, and 绩效指标 as
    一级指标 | 二级指标 | 三级指标 | 指标值, one cell holding operator, number and unit."""
    import openpyxl

    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    for n, p in enumerate(projects, start=1):
        ws = wb.create_sheet(f"项目{n}")
        amount = f"{p.amount:.2f}" if p.amount is not None else ""
        ws.append([f"项目支出绩效目标表（{p.year}年度）"])
        ws.append(["项目名称", p.name])
        ws.append(["主管部门", p.department, "实施单位", p.unit_name])
        ws.append(["项目资金（万元）", "年度资金总额", amount])
        ws.append(["", "其中：财政拨款", amount])
        ws.append(["", "其他资金", "0"])
        ws.append(["年度绩效目标", p.goals])
        ws.append(["绩效指标", "一级指标", "二级指标", "三级指标", "指标值"])
        for i, ind in enumerate(p.indicators):
            ws.append(["", ind.level1, ind.level2, ind.name, _target(p, i)])
    wb.save(str(path))
    return path
