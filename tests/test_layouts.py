"""Layouts as data: the layouts other governments publish, each read to its exact records in Word,
Excel and PDF; detection by coverage; a layout nobody described refused with what it saw; a layout an
analyst describes in a TOML file, read without Python."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

import build_index
from graph.errors import InputError, NoTablesError, NotProjectsError
from graph.models import ParsedDocument
from graph.read.formats import read_source
from graph.read.layouts import fits, parse_file, recognise
from graph.read.rows import rows_from_text
from graph.read.spec import builtin_layouts, load_layout, load_layouts
from tests.layout_documents import FORMATS, LAYOUTS, expected, found, write_all
from tests.test_formats import _soffice

PROJECTS = slice(0, 10)  # the sample's projects each layout is made from


@pytest.fixture(scope="module")
def layout_docs(tmp_path_factory: pytest.TempPathFactory, sample: ParsedDocument) -> dict[tuple[str, str], Path]:
    _soffice()
    return write_all(sample.projects[PROJECTS], tmp_path_factory.mktemp("layouts"))


@pytest.mark.parametrize("kind", FORMATS)
@pytest.mark.parametrize("layout", [lay for lay in LAYOUTS if lay != "department_overall"])
def test_each_layout_reads_to_its_exact_records(layout_docs, sample: ParsedDocument, layout: str, kind: str) -> None:
    """Names, departments, amounts in 万元, years, the year's indicator rows with targets, the 文号 cited."""
    doc = parse_file(layout_docs[(layout, kind)])
    assert {p.layout for p in doc.projects} == {layout}
    assert [found(p, layout) for p in doc.projects] == [expected(layout, p) for p in sample.projects[PROJECTS]]
    assert not [d for d in doc.diagnostics if d.code not in ("layout-fields", "money-unit")], doc.diagnostics


@pytest.mark.parametrize("kind", FORMATS)
def test_a_department_overall_table_is_never_projects(layout_docs, kind: str) -> None:
    with pytest.raises(NotProjectsError, match="部门整体支出绩效目标表: a department's targets as a whole"):
        parse_file(layout_docs[("department_overall", kind)])


def test_the_declaration_keeps_long_term_indicators_apart(layout_docs, sample: ParsedDocument) -> None:
    doc = parse_file(layout_docs[("declaration", "xlsx")])
    p, want = doc.projects[0], sample.projects[0]
    assert [i.name for i in p.long_term] == [i.name for i in want.indicators[:2]]
    assert len(p.indicators) == len(want.indicators)  # the 长期 rows are not the year's
    assert dict(p.attributes)["项目属性"] == "延续" and dict(p.attributes)["长期目标"]


def test_the_approval_table_reads_its_basis_year_and_both_units(layout_docs, sample: ParsedDocument) -> None:
    doc = parse_file(layout_docs[("approval", "docx")])
    for got, want in zip(doc.projects, sample.projects[PROJECTS], strict=True):
        assert (got.year, got.department, got.unit_name) == (2024, want.department, want.unit_name)
        assert {c.key for c in got.citations if c.field == "立项依据"} == {
            c.key for c in want.citations if c.field == "立项依据"
        }
        assert [i.weight for i in got.indicators] == [i.weight for i in want.indicators]
    said = next(d for d in doc.diagnostics if d.code == "layout-fields")
    assert "立项依据" not in said.message  # it has one: 项目审批


def test_each_layout_wins_its_own_documents(layout_docs) -> None:
    for layout in LAYOUTS:
        rows, _, _ = read_source(layout_docs[(layout, "xlsx")])
        ranked = fits(rows)
        assert ranked[0].layout.name == layout and ranked[0].complete, [str(f) for f in ranked[:3]]


def test_the_sample_stays_chongqing(sample: ParsedDocument) -> None:
    rows, _, _ = read_source(sample.path)
    assert recognise(rows).name == "chongqing"
    assert {p.layout for p in sample.projects} == {"chongqing"}


def test_a_layout_nobody_described_is_refused_with_what_it_saw(tmp_path: Path) -> None:
    text = "乡镇项目绩效表\n项目名称\t甲\n责任科室\t乙\n资金来源\t丙\n考核内容\t丁\n考核分值\t戊\n"
    with pytest.raises(NoTablesError) as err:
        parse_file(_write(tmp_path / "town.txt", text))
    message = str(err.value)
    assert "no known layout explains this document" in message and "'责任科室'" in message
    assert "chongqing: explains" in message and "lacks" in message and "--layouts FOLDER" in message


def test_two_layouts_that_fit_equally_are_a_refusal() -> None:
    national = builtin_layouts()["national"]
    twin = dataclasses.replace(national, name="twin", labels={**national.labels, "项目简介": "overview"})
    rows = rows_from_text("项目名称\t甲\n主管部门\t乙\t实施单位\t丙\n\t年度资金总额\t5", "x")
    with pytest.raises(NoTablesError, match=r"two layouts fit equally \((national, twin|twin, national)\)"):
        recognise(rows, "x", {"national": national, "twin": twin})


TOWN = """# 乡镇项目绩效目标表: a layout of our own
name = "town"
shape = "form"
description = "乡镇项目绩效目标表"
heading = "乡镇项目绩效目标表"
markers = ["责任科室", "资金来源"]
required = ["name", "department", "amount", "goals", "indicators"]
combined_value = true

[labels]
name = ["项目名称"]
department = ["责任科室"]
amount = ["预算金额"]
goals = ["绩效目标"]
indicators = ["考核指标"]

[attributes]
"资金来源" = ["资金来源"]

[columns]
level1 = ["一级指标"]
name = ["指标名称"]
value = ["目标值"]
"""


def _write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def test_an_analyst_adds_a_layout_with_a_description_file(tmp_path: Path) -> None:
    (tmp_path / "layouts").mkdir()
    _write(tmp_path / "layouts" / "town.toml", TOWN)
    doc = _write(
        tmp_path / "town.txt",
        "2024年乡镇项目绩效目标表\n项目名称\t道路养护\n责任科室\t重庆市北碚区某镇农业服务中心\n预算金额\t12.5\n"
        "资金来源\t区级财政\n绩效目标\t完成村道养护（北碚府办发〔2020〕64号）\n"
        "考核指标\t一级指标\t指标名称\t目标值\n\t产出指标\t养护里程\t≥30公里\n\t满意度指标\t群众满意度\t≥90%\n",
    )
    with pytest.raises(NoTablesError):
        parse_file(doc)  # unknown without the description
    read = parse_file(doc, layouts=load_layouts([tmp_path / "layouts"]))
    (p,) = read.projects
    assert (p.layout, p.name, p.department, str(p.amount), p.year) == (
        "town",
        "道路养护",
        "重庆市北碚区某镇农业服务中心",
        "12.5",
        2024,
    )
    assert [(i.name, i.operator, i.target_text, i.measure_unit) for i in p.indicators] == [
        ("养护里程", "≥", "30", "公里"),
        ("群众满意度", "≥", "90", "%"),
    ]
    assert [c.key for c in p.citations] == ["北碚府办发〔2020〕64号"] and dict(p.attributes) == {"资金来源": "区级财政"}
    code = build_index.main(
        [str(doc), "--out", str(tmp_path / "idx"), "--no-search", "--layouts", str(tmp_path / "layouts")]
    )
    assert code == 0


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("name = 'x'\nshape = 'form'\n[labels]\nbudget = ['预算']\n", r"unknown fields in \[labels\] \['budget'\]"),
        ("name = 'x'\nshape = 'grid'\n", "shape 'grid' is none of form, long_table, department"),
        ("name = 'x'\nshape = 'form'\n[labels\n", "not a valid TOML layout description"),
        ("shape = 'form'\n", 'needs name = "…"'),
        ("name = 'x'\nshape = 'form'\nmoney_unit = '美元'\n", "money_unit '美元' is none of"),
        ("name = 'x'\nshape = 'form'\n[sections]\n'长期' = { kind = 'other' }\n", "needs kind = indicators"),
    ],
)
def test_a_bad_description_names_its_file_and_what_is_wrong(tmp_path: Path, text: str, message: str) -> None:
    path = _write(tmp_path / "bad.toml", text)
    with pytest.raises(InputError, match=message) as err:
        load_layout(path)
    assert str(path) in str(err.value)


def test_a_layouts_folder_without_descriptions_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InputError, match=r"no \*\.toml layout descriptions"):
        load_layouts([tmp_path])


def test_the_national_reader_now_says_what_it_did_not_read(tmp_path: Path) -> None:
    import openpyxl

    wb = openpyxl.Workbook()
    rows = [
        ["项目支出绩效目标表（2024年度）"], ["项目名称", "甲"], ["主管部门", "乙", "实施单位", "丙"],
        ["项目资金（万元）", "年度资金总额", "5"], ["年度绩效目标", "目标"], ["备注说明", "某事"],
        ["绩效指标", "一级指标", "二级指标", "三级指标", "指标值"], ["", "产出指标", "数量指标", "次数", "≥3次"],
    ]  # fmt: skip
    for row in rows:
        wb.active.append(row)
    wb.save(tmp_path / "n.xlsx")
    doc = parse_file(tmp_path / "n.xlsx")
    assert doc.projects[0].layout == "national"
    (said,) = [d for d in doc.diagnostics if d.code == "unparsed-line"]
    assert "备注说明" in said.message and said.line == 6
